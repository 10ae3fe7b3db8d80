# shellcheck shell=bash
# Shared setup for the barco integration suite.  Load it with `load helpers` from each .bats
# file.  The suite runs as root against the binary named by $BARCO (an absolute path):
#   BARCO=/path/to/build/barco bats bats/
#
# Every test gets its own state root ($ROOT) and bundle ($BUNDLE, a copy of a busybox rootfs
# built once per file, with a config.json from `barco spec` made non-interactive).  The
# teardown force-deletes whatever is left in $ROOT, then fails the test if it finds a mount
# or a process that the test left behind.

bats_require_minimum_version 1.5.0

# Marks every process a test starts (barco, the container init before and after exec, hooks)
# so the teardown can find leftovers without matching processes by name.
MARK_VAR=BARCO_BATS_MARK

check_barco_binary() {
	if [ -z "${BARCO:-}" ]; then
		echo "BARCO is not set: run the suite as BARCO=/absolute/path/to/barco bats bats/" >&2
		return 1
	fi
	case "$BARCO" in
	/*) ;;
	*)
		echo "BARCO must be an absolute path, got '$BARCO'" >&2
		return 1
		;;
	esac
	if [ ! -f "$BARCO" ] || [ ! -x "$BARCO" ]; then
		echo "BARCO=$BARCO is not an executable file" >&2
		return 1
	fi
	if [ "$(id -u)" != 0 ]; then
		echo "the barco bats suite needs root" >&2
		return 1
	fi
	if ! command -v jq >/dev/null; then
		echo "jq is needed by the suite (Debian package jq)" >&2
		return 1
	fi
}

common_setup_file() {
	check_barco_binary || return 1
	# BARCO_TEST_ROOTFS: a rootfs mkrootfs.sh built already (tests/vm/check-vm.sh makes one on
	# the host: under the VM's emulation, building one per file costs 45 s).
	if [ -n "${BARCO_TEST_ROOTFS:-}" ] && [ -x "$BARCO_TEST_ROOTFS/bin/busybox" ]; then
		cp -a "$BARCO_TEST_ROOTFS" "$BATS_FILE_TMPDIR/rootfs"
	else
		"$BATS_TEST_DIRNAME/mkrootfs.sh" "$BATS_FILE_TMPDIR/rootfs"
	fi
}

common_setup() {
	check_barco_binary || return 1
	ROOT=$BATS_TEST_TMPDIR/root
	BUNDLE=$BATS_TEST_TMPDIR/bundle
	KNOWN_PIDS=()
	export "$MARK_VAR=$BATS_TEST_TMPDIR"
	mkdir -p "$BUNDLE"
	cp -a "$BATS_FILE_TMPDIR/rootfs" "$BUNDLE/rootfs"
	"$BARCO" spec -b "$BUNDLE"
	update_config --arg mark "$MARK_VAR=$BATS_TEST_TMPDIR" \
		'.process.terminal = false | .process.args = ["sleep", "1000"]
		 | .process.env += [$mark]'
}

common_teardown() {
	local id pid leftovers=0 mounts

	for pid in "${KNOWN_PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	if [ -d "${ROOT:-/nonexistent}" ]; then
		for id in $("$BARCO" --root "$ROOT" list -q 2>/dev/null); do
			"$BARCO" --root "$ROOT" delete -f "$id" ||
				echo "teardown: barco delete -f $id failed" >&2
		done
	fi
	if ! leftover_processes_gone; then
		leftovers=1
	fi
	mounts=$(grep -F "$BATS_TEST_TMPDIR" /proc/self/mountinfo || true)
	if [ -n "$mounts" ]; then
		echo "teardown: mounts left behind:" >&2
		echo "$mounts" >&2
		# Unmount them anyway, deepest first, so that later tests start clean.
		echo "$mounts" | awk '{print $5}' | sort -r | while read -r mp; do
			umount -l "$mp" 2>/dev/null || true
		done
		leftovers=1
	fi
	return "$leftovers"
}

setup_file() { common_setup_file; }
setup() { common_setup; }
teardown() { common_teardown; }

# The pids of live processes carrying this test's mark (zombies have an empty environ).
marked_pids() {
	local p kv
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		[ "$p" = "$$" ] && continue
		[ "$p" = "$BASHPID" ] && continue
		while IFS= read -r -d '' kv; do
			if [ "$kv" = "$MARK_VAR=$BATS_TEST_TMPDIR" ]; then
				echo "$p"
				break
			fi
		done 2>/dev/null <"/proc/$p/environ" || true
	done
}

# marked_except PID...: the processes carrying the test's mark, as marked_pids, but those
# PIDs, in one grep (marked_pids' loop costs seconds under bats' tracing).  grep runs without
# the mark, or it would find itself.
marked_except() {
	local f p x skip
	for f in $(env -u "$MARK_VAR" grep -lzsxF -- "$MARK_VAR=$BATS_TEST_TMPDIR" /proc/[0-9]*/environ); do
		p=${f#/proc/}
		p=${p%/environ}
		skip=0
		for x in "$$" "$BASHPID" "$@"; do [ "$p" = "$x" ] && skip=1; done
		[ "$skip" = 1 ] || echo "$p"
	done
}

# wait_marked_gone PID...: within 5 s, no marked process but those; says which stay.
# shellcheck disable=SC2120 # the PIDs are optional
wait_marked_gone() {
	local i left p
	for ((i = 0; i < 50; i++)); do
		left=$(marked_except "$@")
		[ -z "$left" ] && return 0
		sleep 0.1
	done
	echo "still running:" >&2
	for p in $left; do echo "  $p: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" >&2; done
	return 1
}

# Wait up to 5 s for every marked process (or those LISTER prints) to go away; kill and
# report those that stay.
leftover_processes_gone() {
	local lister=${1:-marked_pids} i pids p
	for ((i = 0; i < 50; i++)); do
		pids=$($lister)
		[ -z "$pids" ] && return 0
		sleep 0.1
	done
	echo "teardown: processes left behind by the test:" >&2
	for p in $pids; do
		echo "  pid $p: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" >&2
		kill -KILL "$p" 2>/dev/null || true
	done
	return 1
}

# fd 3 is bats' own output: a container holding it open would stall the suite.
barco() {
	"$BARCO" --root "$ROOT" "$@" 3>&-
}

# create_ctr [OPTIONS] ID: `barco create -b $BUNDLE OPTIONS ID`.  The container keeps the
# stdio of create open, so it goes to files ($BATS_TEST_TMPDIR/out and err): a `run` capturing
# it would wait for the container to exit.
create_ctr() {
	if ! barco create -b "$BUNDLE" "$@" </dev/null >>"$BATS_TEST_TMPDIR/out" \
		2>>"$BATS_TEST_TMPDIR/err"; then
		echo "barco create $* failed:" >&2
		cat "$BATS_TEST_TMPDIR/err" >&2
		return 1
	fi
}

# run_detached [OPTIONS] ID: `barco run -d -b $BUNDLE OPTIONS ID`, stdio as with create_ctr.
run_detached() {
	if ! barco run -d -b "$BUNDLE" "$@" </dev/null >>"$BATS_TEST_TMPDIR/out" \
		2>>"$BATS_TEST_TMPDIR/err"; then
		echo "barco run -d $* failed:" >&2
		cat "$BATS_TEST_TMPDIR/err" >&2
		return 1
	fi
}

# update_config [jq options] 'jq-expr': edit $BUNDLE/config.json in place.
update_config() {
	local tmp=$BUNDLE/config.json.tmp
	jq "$@" "$BUNDLE/config.json" >"$tmp" && mv "$tmp" "$BUNDLE/config.json"
}

# set_args ARG...: the container's process.args.
set_args() {
	update_config --argjson a "$(json_array "$@")" '.process.args = $a'
}

# json_array ARG...: a JSON array of the arguments, as strings (jq would parse "-c" as an
# option of its own if given them with --args).
json_array() {
	local a sep='' out='['
	for a in "$@"; do
		out+=$sep$(printf '%s' "$a" | jq -Rs .)
		sep=,
	done
	echo "$out]"
}

# run_sh 'script' [barco run options]: run `sh -c script` in a container called ctr, in the
# foreground, with stdout and stderr kept apart (bats' $output and $stderr).
run_sh() {
	local script=$1
	shift
	set_args sh -c "$script"
	run --separate-stderr barco run "$@" -b "$BUNDLE" ctr
}

# The container's status, or nothing when state fails.
status_of() {
	barco state "$1" 2>/dev/null | jq -r .status
}

pid_of() {
	barco state "$1" | jq -r .pid
}

# wait_for_status ID STATUS: poll for at most 5 s.
wait_for_status() {
	local id=$1 want=$2 i st=
	for ((i = 0; i < 50; i++)); do
		st=$(status_of "$id")
		[ "$st" = "$want" ] && return 0
		sleep 0.1
	done
	echo "container $id: status is '$st', expected '$want' after 5 s" >&2
	return 1
}

# wait_for_output STRING [FILE]: a line of FILE ($BATS_TEST_TMPDIR/out) is STRING, within 5 s.
wait_for_output() {
	local file=${2:-$BATS_TEST_TMPDIR/out} i
	for ((i = 0; i < 50; i++)); do
		grep -qx -- "$1" "$file" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "no line '$1' in $file after 5 s:" >&2
	cat "$file" >&2
	return 1
}

# wait_pid_gone PID: a process that has exited (gone or a zombie), within 5 s.
wait_pid_gone() {
	local pid=$1 i st
	for ((i = 0; i < 50; i++)); do
		[ -e "/proc/$pid" ] || return 0
		st=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 0
		[ "$st" = Z ] && return 0
		[ -z "$st" ] && return 0
		sleep 0.1
	done
	echo "process $pid is still alive after 5 s" >&2
	return 1
}

# Print the result of the last `run` so that a failing assertion explains itself.
show_run() {
	echo "status: $status" >&2
	echo "stdout: $output" >&2
	echo "stderr: ${stderr:-}" >&2
}

# assert_error [SUBSTRING]: the last `run --separate-stderr` failed with status 1 and exactly
# one line on stderr, "barco: ...", containing SUBSTRING.
assert_error() {
	local want=${1:-}
	if [ "$status" -ne 1 ]; then
		echo "expected exit status 1" >&2
		show_run
		return 1
	fi
	if [ "${#stderr_lines[@]}" -ne 1 ]; then
		echo "expected exactly one line on stderr, got ${#stderr_lines[@]}" >&2
		show_run
		return 1
	fi
	if [[ "${stderr_lines[0]}" != "barco: "* ]]; then
		echo "expected the error line to start with 'barco: '" >&2
		show_run
		return 1
	fi
	if [[ "${stderr_lines[0]}" != *"$want"* ]]; then
		echo "expected the error to contain '$want'" >&2
		show_run
		return 1
	fi
}

# assert_success: the last `run` exited 0.
assert_success() {
	if [ "$status" -ne 0 ]; then
		echo "expected exit status 0" >&2
		show_run
		return 1
	fi
}

# assert_output STRING: stdout of the last `run` is exactly STRING.
assert_output() {
	if [ "$output" != "$1" ]; then
		echo "expected stdout: $1" >&2
		show_run
		return 1
	fi
}

# assert_output_contains STRING
assert_output_contains() {
	if [[ "$output" != *"$1"* ]]; then
		echo "expected stdout to contain: $1" >&2
		show_run
		return 1
	fi
}

# state_entries DIR: what a state root holds besides barco's compiled-seccomp cache (which
# stays, as a cache does), one name per line.
state_entries() {
	ls -A "$1" 2>/dev/null | grep -vx '\.seccomp-cache' || true
}

# assert_root_empty: the state root holds no container entry.
assert_root_empty() {
	local entries
	entries=$(state_entries "$ROOT")
	if [ -n "$entries" ]; then
		echo "the state root $ROOT still holds: $entries" >&2
		return 1
	fi
}

# A host pid namespace / mount namespace of another process, for comparisons.
ns_of() {
	readlink "/proc/$1/ns/$2"
}

# The host's kind of cgroups: v2 (/sys/fs/cgroup is cgroup2: the VM of `make check-vm`),
# hybrid or v1 (a tmpfs of v1 hierarchies, with or without /sys/fs/cgroup/unified).
cgroup_mode() {
	if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
		echo v2
	elif [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
		echo hybrid
	else
		echo v1
	fi
}
require_cgroup_v2() {
	[ "$(cgroup_mode)" = v2 ] || skip "needs a pure cgroup v2 host (runs in the VM of make check-vm)"
}
require_cgroup_v1() {
	[ "$(cgroup_mode)" != v2 ] || skip "needs cgroup v1 hierarchies (a v1 or hybrid host)"
}

# in_pty CMDLINE: CMDLINE (one shell-quoted string) run by script(1) (bsdutils, an essential
# Debian package) on a new terminal, stdin /dev/null.  script runs it with $SHELL -c, so SHELL
# is fixed: where SHELL is unset (CI) it would be dash, which forks instead of exec'ing the
# command; a `timeout` in CMDLINE must then be `timeout --foreground`, or it moves the command
# out of the terminal's foreground process group and the command stops at its first tcsetattr
# (SIGTTOU).
in_pty() {
	env SHELL=/bin/sh script -qec "$1" /dev/null </dev/null 3>&-
}

# The console-socket receiver (tests/recvtty.c), built once per file from setup_file; the
# tests that need it skip when there is no compiler.
build_recvtty() {
	if command -v cc >/dev/null; then
		cc -o "$BATS_FILE_TMPDIR/recvtty" "$BATS_TEST_DIRNAME/../tests/recvtty.c"
	fi
}

need_recvtty() {
	[ -x "$BATS_FILE_TMPDIR/recvtty" ] || skip "no C compiler (cc) to build tests/recvtty.c"
}

# start_recvtty: a receiver listening on $SOCK, writing the terminal's output to $TTYOUT.
start_recvtty() {
	SOCK=$BATS_TEST_TMPDIR/console.sock
	TTYOUT=$BATS_TEST_TMPDIR/tty.out
	"$BATS_FILE_TMPDIR/recvtty" "$SOCK" "$TTYOUT" 3>&- &
	RECVTTY_PID=$!
	KNOWN_PIDS+=("$RECVTTY_PID")
	local i
	for ((i = 0; i < 50; i++)); do
		[ -S "$SOCK" ] && return 0
		sleep 0.1
	done
	echo "recvtty did not listen on $SOCK" >&2
	return 1
}

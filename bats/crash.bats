#!/usr/bin/env bats
# Crash residue (issue 7): barco killed with SIGKILL at many points of create and of exec,
# and a state.json cut short or overwritten.  Afterwards `delete --force` works (or finds
# nothing to delete) and nothing is left: no state entry, no mount, no cgroup, no process.
# tests/killat.c (built here) kills barco a chosen number of microseconds after its start.

load helpers
load cgroup-helpers # its teardown fails a test that leaves a cgroup named $CG

setup_file() {
	common_setup_file
	if command -v cc >/dev/null; then
		cc -O2 -o "$BATS_FILE_TMPDIR/killat" "$BATS_TEST_DIRNAME/../tests/killat.c"
	fi
}

setup() {
	common_setup
	CG=barco-crash-$$-$BATS_TEST_NUMBER
	update_config '.process.args = ["sleep", "100"]'
}

need_killat() {
	[ -x "$BATS_FILE_TMPDIR/killat" ] || skip "no C compiler (cc) to build tests/killat.c"
}

# no_trace: no state entry, no cgroup named $CG anywhere, no marked process, no mount of the
# test.
no_trace() {
	local left
	assert_root_empty
	left=$(find /sys/fs/cgroup -mindepth 1 -maxdepth 12 -type d -name "$CG" 2>/dev/null)
	if [ -n "$left" ]; then
		echo "cgroups left behind: $left" >&2
		return 1
	fi
	wait_marked_gone || return 1
	if grep -F "$BATS_TEST_TMPDIR" /proc/self/mountinfo >&2; then
		echo "mounts left behind (above)" >&2
		return 1
	fi
}

# usec_of CMD...: how long CMD takes, in microseconds.
usec_of() {
	local t0
	t0=$(date +%s%N)
	"$@"
	echo $((($(date +%s%N) - t0) / 1000))
}

# span_of CMD...: the quickest of three runs of CMD, in microseconds.
span_of() {
	local span=100000000 k u
	for k in 1 2 3; do
		u=$(usec_of "$@")
		[ "$u" -ge "$span" ] || span=$u
	done
	echo "$span"
}

# create_span [GLOBAL OPTION]: the quickest of three creates of ctr, in microseconds (each
# deleted after).
create_span() {
	local span=100000000 k t0 u
	for k in 1 2 3; do
		t0=$(date +%s%N)
		"$BARCO" --root "$ROOT" "$@" create -b "$BUNDLE" ctr </dev/null >/dev/null 2>&1 3>&-
		u=$((($(date +%s%N) - t0) / 1000))
		"$BARCO" --root "$ROOT" delete -f ctr 3>&-
		[ "$u" -ge "$span" ] || span=$u
	done
	echo "$span"
}

# crash_creates ROUNDS [GLOBAL OPTION]: ROUNDS creates of ctr, each killed at an even step
# from 0 to the quickest create's time; after each, the init is gone unless the create
# was complete, delete --force works and leaves no trace.
crash_creates() {
	local rounds=$1 span k delay outcome st phases="" killed=0
	shift
	span=$(create_span "$@")
	for ((k = 0; k < rounds; k++)); do
		delay=$((span * k / (rounds - 1)))
		# To a file: the init of a created container keeps create's stdout open.
		"$BATS_FILE_TMPDIR/killat" "$delay" "$BARCO" --root "$ROOT" "$@" \
			create -b "$BUNDLE" ctr </dev/null >"$BATS_TEST_TMPDIR/killat.out" \
			2>"$BATS_TEST_TMPDIR/create.err" 3>&-
		outcome=$(tail -n 1 "$BATS_TEST_TMPDIR/killat.out")
		[ "$outcome" != killed ] || killed=$((killed + 1))
		st=$(status_of ctr)
		phases+=" ${delay}us:${outcome// /-}:${st:-none}"
		# A create that did not finish takes its init along (PR_SET_PDEATHSIG): nothing
		# of it outlives barco.
		if [ "$st" != created ]; then
			wait_marked_gone || {
				echo "killed after $delay us (status '${st:-none}')" >&2
				return 1
			}
		fi
		run --separate-stderr barco delete --force ctr
		if [ "$status" -ne 0 ]; then
			echo "delete --force after a kill at $delay us (status '${st:-none}'):" >&2
			show_run
			return 1
		fi
		no_trace || {
			echo "killed after $delay us (status '${st:-none}')" >&2
			return 1
		}
	done
	echo "# create takes ~${span} us; kills (delay:outcome:status):$phases" >&3
	# Some kills must have caught barco before the end of create (timings are noisy: how
	# many varies with the load).
	[ "$killed" -ge 3 ]
}

@test "create killed at 16 points (no cgroups): delete --force works, nothing left" {
	need_killat
	crash_creates 16 --cgroup-manager=disabled
}

@test "create killed at 12 points (relative cgroupsPath): delete --force works, no cgroup left" {
	need_killat
	update_config --arg p "$CG" '.linux.cgroupsPath = $p'
	crash_creates 12
}

# half_made PID...: the marked processes, but those, that still run barco's code (the exe
# is barco or its sealed memfd copy): an exec that never reached its execve.
half_made() {
	local p exe
	for p in $(marked_except "$@"); do
		exe=$(readlink "/proc/$p/exe" 2>/dev/null) || continue
		case $exe in
		"$BARCO" | "$BARCO (deleted)" | /memfd:barco*) echo "$p" ;;
		esac
	done
}

@test "exec killed at 12 points: the container stays intact and deletable, no half-made exec lingers" {
	need_killat
	local span k delay outcome init p left phases="" killed=0 rounds=12
	"$BARCO" --root "$ROOT" --cgroup-manager=disabled create -b "$BUNDLE" ctr \
		</dev/null >>"$BATS_TEST_TMPDIR/out" 2>>"$BATS_TEST_TMPDIR/err" 3>&-
	barco start ctr
	init=$(pid_of ctr)
	span=$(span_of barco exec ctr true)
	for ((k = 0; k < rounds; k++)); do
		delay=$((span * k / (rounds - 1)))
		# To a file: an exec'd process that survives keeps its stdout open.
		"$BATS_FILE_TMPDIR/killat" "$delay" "$BARCO" --root "$ROOT" exec ctr sleep 77 \
			</dev/null >"$BATS_TEST_TMPDIR/killat.out" 2>"$BATS_TEST_TMPDIR/exec.err" 3>&-
		outcome=$(tail -n 1 "$BATS_TEST_TMPDIR/killat.out")
		[ "$outcome" != killed ] || killed=$((killed + 1))
		phases+=" ${delay}us:${outcome// /-}"
		# Within 5 s nothing is left of the exec but, if it got that far, its process.
		for ((p = 0; p < 50; p++)); do
			left=$(half_made "$init")
			[ -z "$left" ] && break
			sleep 0.1
		done
		if [ -n "$left" ]; then
			echo "exec killed after $delay us: half-made processes left:" >&2
			for p in $left; do
				echo "  $p: $(tr '\0' ' ' <"/proc/$p/cmdline")" >&2
			done
			return 1
		fi
		# What did start is the container's: in its pid namespace, gone with it.
		for p in $(marked_except "$init"); do
			[ "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" = "sleep 77 " ] || continue
			[ "$(ns_of "$p" pid)" = "$(ns_of "$init" pid_for_children)" ] || {
				echo "exec'd process $p is outside the container's pid namespace" >&2
				return 1
			}
		done
		[ "$(status_of ctr)" = running ]
		[ "$(pid_of ctr)" = "$init" ]
	done
	echo "# exec takes ~${span} us; kills (delay:outcome):$phases" >&3
	[ "$killed" -ge 3 ]
	# Still whole: an exec works, then delete takes everything along.
	run --separate-stderr barco exec ctr echo alive
	assert_success
	assert_output alive
	run --separate-stderr barco delete --force ctr
	assert_success
	no_trace
}

# corrupt_state HOW: state.json of ctr cut to half its size, overwritten with garbage or
# emptied; then state fails naming the file and delete --force removes the entry and stops
# the init.
corrupt_state() {
	local how=$1 file pid
	file=$(readlink -f "$ROOT")/ctr/state.json
	pid=$(pid_of ctr)
	case $how in
	half) truncate -s $(($(stat -c %s "$file") / 2)) "$file" ;;
	garbage) printf '\x01garbage{{"' >"$file" ;;
	empty) : >"$file" ;;
	esac
	run --separate-stderr barco state ctr
	assert_error "$file"
	run --separate-stderr barco delete --force ctr
	assert_success
	assert_root_empty
	wait_pid_gone "$pid" || {
		echo "state.json $how: delete --force left the init (pid $pid) running" >&2
		return 1
	}
	no_trace
}

@test "a half, garbage or empty state.json (relative cgroupsPath): state names the file, delete --force removes all" {
	local how
	update_config --arg p "$CG" '.linux.cgroupsPath = $p'
	for how in half garbage empty; do
		create_ctr ctr
		# Running in one case, waiting for start in the others.
		[ "$how" != garbage ] || barco start ctr
		corrupt_state "$how"
	done
}

@test "a half, garbage or empty state.json (no cgroups): state names the file, delete --force removes all" {
	local how
	for how in half garbage empty; do
		"$BARCO" --root "$ROOT" --cgroup-manager=disabled create -b "$BUNDLE" ctr \
			</dev/null >>"$BATS_TEST_TMPDIR/out" 2>>"$BATS_TEST_TMPDIR/err" 3>&-
		[ "$how" != garbage ] || barco start ctr
		corrupt_state "$how"
	done
}

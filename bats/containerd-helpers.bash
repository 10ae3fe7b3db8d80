# shellcheck shell=bash
# A private containerd for containerd.bats: its own root, state, sockets and a config that
# leaves out the CRI plugin and the snapshotters a test machine cannot run.  ctr drives it in
# the namespace barco-test; containerd-shim-runc-v2 runs barco (--runc-binary) with barco's
# state root in the temp dir (--runc-root) and every container's cgroup named by a relative
# cgroupsPath (--cgroup NAME): barco puts it below its own cgroup, the shim's, which is the
# cgroup of the containerd this file starts, that is the test's own cgroup.

# The shims (and the barco processes they run) inherit containerd's environment: this
# variable, set only for containerd, finds them by pid in the teardowns.
CTRD_MARK_VAR=BARCO_CTRD_MARK
CTRD_NS=barco-test

# ctr against our containerd, in our namespace, with a time limit (a hung runtime fails the
# test instead of the suite).  fd 3 is bats' own output.
ctrc() {
	timeout --kill-after=5 60 ctr --address "$CTRD_SOCK" -n "$CTRD_NS" "$@" 3>&-
}

# ctr_run [CTR RUN OPTIONS] -- ID [CMD ARGS...]: `ctr run` of the test rootfs ($RFS) through
# $RUNTIME, in the cgroup $CG unless the options name another.
ctr_run() {
	local opts=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	ctrc run --rootfs --runc-binary "$RUNTIME" --runc-root "$CTRD_RUNC_ROOT" \
		--fifo-dir "$CTRD_DIR/fifo" --cgroup "$CG" "${opts[@]}" "$RFS" "$@"
}

# ctr_exec [CTR TASK EXEC OPTIONS] ID CMD...: its fifos in our temp dir (ctr leaves those of
# a detached exec behind).
ctr_exec() {
	ctrc task exec --fifo-dir "$CTRD_DIR/fifo" "$@"
}

# The command line of ctr_run as one shell-quoted string (for in_pty: timeout stays in the
# terminal's foreground process group).
ctr_run_cmdline() {
	local opts=() w out
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	out=$(printf '%q ' timeout --foreground --kill-after=5 60 ctr --address "$CTRD_SOCK" -n "$CTRD_NS" run \
		--rootfs --runc-binary "$RUNTIME" --runc-root "$CTRD_RUNC_ROOT" \
		--fifo-dir "$CTRD_DIR/fifo" --cgroup "$CG" "${opts[@]}" "$RFS")
	for w in "$@"; do
		out+=$(printf '%q ' "$w")
	done
	echo "$out"
}

# The status ctr shows for task ID (RUNNING, PAUSED, STOPPED, ...), and its pid.
task_status() {
	ctrc task ls | awk -v id="$1" '$1 == id {print $3}'
}
task_pid() {
	ctrc task ls | awk -v id="$1" '$1 == id {print $2}'
}

# wait_task_status ID STATUS: within 5 s.
wait_task_status() {
	local id=$1 want=$2 i st=
	for ((i = 0; i < 50; i++)); do
		st=$(task_status "$id")
		[ "$st" = "$want" ] && return 0
		sleep 0.1
	done
	echo "task $id: status is '$st', expected '$want' after 5 s" >&2
	return 1
}

# remove_ctr ID: kill and delete the task, delete the container.
remove_ctr() {
	ctrc task rm -f "$1" >/dev/null 2>&1 || true
	ctrc container rm "$1"
}

# barco's view of a container the shim made.
barco_ctrd() {
	"$BARCO" --root "$CTRD_RUNC_ROOT/$CTRD_NS" "$@" 3>&-
}

# The pids of live processes that containerd started (shims and what they run), containerd
# itself left out.
ctrd_marked_pids() {
	# One grep rather than a shell loop: bats' DEBUG trap makes every shell command costly.
	grep -lzxF "$CTRD_MARK_VAR=$CTRD_DIR" /proc/[0-9]*/environ 2>/dev/null |
		awk -F/ -v skip="${CTRD_PID:-}" '$3 != skip {print $3}'
}

# Wait up to 5 s for the shims to exit; kill (by pid) and report those that stay.
ctrd_shims_gone() {
	leftover_processes_gone ctrd_marked_pids
}

# Delete every task and container left in the namespace (after a failing test).
ctrd_remove_all() {
	local id
	for id in $(ctrc task ls -q 2>/dev/null); do
		ctrc task rm -f "$id" >/dev/null 2>&1 || echo "ctr task rm -f $id failed" >&2
	done
	for id in $(ctrc container ls -q 2>/dev/null); do
		ctrc container rm "$id" >/dev/null 2>&1 || echo "ctr container rm $id failed" >&2
	done
}

# The cgroup directories named NAME or NAME-*, anywhere below /sys/fs/cgroup.
cgroups_named() {
	find /sys/fs/cgroup -mindepth 1 -maxdepth 12 -type d \( -name "$1" -o -name "$1-*" \) \
		2>/dev/null
}

# Remove (deepest first) and report the cgroups named NAME or NAME-*; fails when there were any.
no_cgroups_named() {
	local d found
	found=$(cgroups_named "$1")
	[ -z "$found" ] && return 0
	for d in $found; do
		echo "cgroup left behind: $d" >&2
		find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
	done
	return 1
}

# Unmount (deepest first) and report whatever is mounted under DIR; fails when there was any.
no_mounts_under() {
	local mounts
	mounts=$(awk -v d="$1" 'index($5, d "/") == 1 || $5 == d {print $5}' /proc/self/mountinfo)
	[ -z "$mounts" ] && return 0
	echo "mounts left behind under $1:" >&2
	echo "$mounts" >&2
	echo "$mounts" | sort -r | while read -r mp; do
		umount -l "$mp" 2>/dev/null || true
	done
	return 1
}

ctrd_write_config() {
	cat >"$CTRD_DIR/config.toml" <<EOF
version = 2
root = "$CTRD_DIR/root"
state = "$CTRD_DIR/state"
# cri would start Kubernetes' services; aufs, btrfs, zfs and devmapper need filesystems or
# devices that test machines lack; opt installs into /opt/containerd; otlp would trace.
disabled_plugins = [
  "io.containerd.grpc.v1.cri",
  "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.internal.v1.opt",
  "io.containerd.tracing.processor.v1.otlp",
]

[grpc]
  address = "$CTRD_DIR/containerd.sock"

[ttrpc]
  address = "$CTRD_DIR/containerd-ttrpc.sock"

[debug]
  address = ""

[metrics]
  address = ""
EOF
}

# Start containerd in the background (its pid in CTRD_PID) and wait for its socket.
ctrd_start() {
	local i
	# Short paths: a unix socket's path has at most 107 bytes.
	CTRD_DIR=$(mktemp -d /tmp/barco-ctrd.XXXXXX)
	CTRD_TOKEN=${CTRD_DIR##*.}
	CTRD_SOCK=$CTRD_DIR/containerd.sock
	CTRD_RUNC_ROOT=$CTRD_DIR/runc
	# The shims make /run/containerd/s (and ctr /run/containerd/fifo without --fifo-dir).
	CTRD_RUN_EXISTED=0
	[ -e /run/containerd ] && CTRD_RUN_EXISTED=1
	export CTRD_DIR CTRD_TOKEN CTRD_SOCK CTRD_RUNC_ROOT CTRD_RUN_EXISTED
	mkdir -p "$CTRD_DIR/fifo" "$CTRD_RUNC_ROOT"
	ctrd_write_config
	env "$CTRD_MARK_VAR=$CTRD_DIR" containerd --config "$CTRD_DIR/config.toml" \
		</dev/null >"$CTRD_DIR/containerd.log" 2>&1 3>&- &
	CTRD_PID=$!
	export CTRD_PID
	for ((i = 0; i < 100; i++)); do
		if ctr --address "$CTRD_SOCK" version >/dev/null 2>&1; then
			return 0
		fi
		if ! kill -0 "$CTRD_PID" 2>/dev/null; then
			break
		fi
		sleep 0.1
	done
	echo "containerd did not answer on $CTRD_SOCK:" >&2
	cat "$CTRD_DIR/containerd.log" >&2
	return 1
}

# Stop containerd by its pid, then check and remove everything it and the shims left.
ctrd_stop() {
	local rc=0 i d
	[ -n "${CTRD_DIR:-}" ] || return 0
	if [ -n "${CTRD_PID:-}" ] && kill -0 "$CTRD_PID" 2>/dev/null; then
		ctrd_remove_all
		kill -TERM "$CTRD_PID" 2>/dev/null || true
		for ((i = 0; i < 100; i++)); do
			kill -0 "$CTRD_PID" 2>/dev/null || break
			[ "$(awk '{print $3}' "/proc/$CTRD_PID/stat" 2>/dev/null)" = Z ] && break
			sleep 0.1
		done
		if kill -0 "$CTRD_PID" 2>/dev/null &&
			[ "$(awk '{print $3}' "/proc/$CTRD_PID/stat" 2>/dev/null)" != Z ]; then
			echo "containerd (pid $CTRD_PID) ignored SIGTERM for 10 s" >&2
			kill -KILL "$CTRD_PID" 2>/dev/null || true
			rc=1
		fi
		wait "$CTRD_PID" 2>/dev/null || true
	fi
	ctrd_shims_gone || rc=1
	if [ -n "$(state_entries "$CTRD_RUNC_ROOT/$CTRD_NS")" ]; then
		echo "barco state entries left behind: $(state_entries "$CTRD_RUNC_ROOT/$CTRD_NS")" >&2
		rc=1
	fi
	no_mounts_under "$CTRD_DIR" || rc=1
	rm -rf "$CTRD_DIR"
	if [ "${CTRD_RUN_EXISTED:-1}" = 0 ]; then
		# Only empty directories go: another containerd may have started since.
		for d in /run/containerd/s /run/containerd/fifo /run/containerd; do
			rmdir "$d" 2>/dev/null || true
		done
		if [ -e /run/containerd ]; then
			echo "left behind in /run/containerd: $(find /run/containerd | tr '\n' ' ')" >&2
			rc=1
		fi
	fi
	no_cgroups_named "barco-ctrd-$CTRD_TOKEN" || rc=1
	return "$rc"
}

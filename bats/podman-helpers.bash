# shellcheck shell=bash
# Debian's podman (4.3, with conmon) driving barco as its OCI runtime.  Load it after helpers:
#   load helpers
#   load podman-helpers
#   setup_file() { podman_setup_file; }      # or: podman_setup_file cgroups
#   teardown_file() { podman_teardown_file; }
#   setup() { podman_setup; }
#   teardown() { podman_teardown; }
#
# Everything podman makes lives in one directory ($PM_DIR, below the file's temp dir): a
# containers.conf (CONTAINERS_CONF) and a storage.conf (CONTAINERS_STORAGE_CONF) that register
# barco and point the image store (vfs), the run root, podman's tmpdir, the event log and the CNI
# config dir there; barco's own state root is $PM_DIR/barco (podman never passes --root to the
# runtime, and its cleanup processes drop --runtime-flag, so a wrapper script adds it, and logs
# every command line podman and conmon give barco to $PM_DIR/runtime.log); podman's locks are
# files there too (lock_type file, not /dev/shm/libpod_lock).  Containers get no network (netns
# none), and ulimits within this machine's hard limits.  Without the `cgroups`
# argument podman runs its containers with --cgroups=disabled (barco --cgroup-manager disabled);
# a test that needs cgroups asks for them with `pm_cgroup_parent` (below its own cgroup).

# Paths podman writes outside its configured directories, whatever the configuration: the
# blob-info cache of `podman import` (containers/image hard-codes it for root) and the network
# locks and run dirs.  Those that did not exist before the file are removed after it.
PM_OUTSIDE_PATHS=(/var/lib/containers /var/lib/containers/cache
	/var/lib/containers/cache/blob-info-cache-v1.boltdb /run/containers /run/containers/networks
	/etc/containers/networks /etc/containers/networks/netavark.lock /etc/cni/net.d/cni.lock
	/var/lib/cni /run/cni /run/libpod)

PM_IMAGE=localhost/barco-test

# pm ARGS...: podman with the suite's storage.  fd 3 (bats' own output) is closed: conmon would
# keep it open and stall the suite.
pm() {
	podman --root "$PM_DIR/storage" --runroot "$PM_DIR/run" --storage-driver vfs \
		--tmpdir "$PM_DIR/tmp" "$@" 3>&-
}

# podman_setup_file [cgroups]
# bats 1.8 cannot skip from setup_file: the reason goes to podman_setup, which skips each test.
podman_setup_file() {
	export PM_SKIP=
	if ! command -v podman >/dev/null; then
		PM_SKIP="podman is not installed (Debian packages podman and conmon)"
		return 0
	fi
	if ! command -v conmon >/dev/null && [ ! -x /usr/bin/conmon ] &&
		[ ! -x /usr/libexec/podman/conmon ]; then
		PM_SKIP="conmon is not installed (Debian package conmon)"
		return 0
	fi
	common_setup_file || return 1
	export PM_DIR=$BATS_FILE_TMPDIR/podman
	mkdir -p "$PM_DIR/storage" "$PM_DIR/run" "$PM_DIR/tmp" "$PM_DIR/barco" "$PM_DIR/cni"
	# The file's mark (helpers.bash's MARK_VAR) goes into every container's environment
	# (containers.conf) so that podman_teardown_file finds the processes that stay behind;
	# conmon does not inherit it, but its command line names $PM_DIR.
	export PM_MARK="$MARK_VAR=$BATS_FILE_TMPDIR"

	local p pre=()
	for p in "${PM_OUTSIDE_PATHS[@]}"; do
		[ -e "$p" ] && pre+=("$p")
	done
	printf '%s\n' "${pre[@]}" >"$PM_DIR/preexisting"

	cat >"$PM_DIR/barco-runtime" <<EOF
#!/bin/sh
echo "\$*" >>"$PM_DIR/runtime.log"
exec "$BARCO" --root "$PM_DIR/barco" "\$@"
EOF
	chmod 755 "$PM_DIR/barco-runtime"

	local cgroups='cgroups = "disabled"'
	[ "${1:-}" = cgroups ] && cgroups='cgroups = "enabled"'
	cat >"$PM_DIR/containers.conf" <<EOF
[containers]
$cgroups
netns = "none"
log_driver = "k8s-file"
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm", "$PM_MARK"]

[engine]
runtime = "barco"
cgroup_manager = "cgroupfs"
events_logger = "file"
lock_type = "file"
events_logfile_path = "$PM_DIR/tmp/events.log"
image_copy_tmp_dir = "$PM_DIR/tmp"
tmp_dir = "$PM_DIR/tmp"
static_dir = "$PM_DIR/storage/libpod"
volume_path = "$PM_DIR/storage/volumes"
runtime_supports_json = ["barco"]
runtime_supports_nocgroup = ["barco"]

[engine.runtimes]
barco = ["$PM_DIR/barco-runtime"]

[network]
network_backend = "cni"
network_config_dir = "$PM_DIR/cni"
EOF
	cat >"$PM_DIR/storage.conf" <<EOF
[storage]
driver = "vfs"
runroot = "$PM_DIR/run"
graphroot = "$PM_DIR/storage"
EOF
	export CONTAINERS_CONF=$PM_DIR/containers.conf
	export CONTAINERS_STORAGE_CONF=$PM_DIR/storage.conf
	tar -C "$BATS_FILE_TMPDIR/rootfs" -c . | pm import -q - "$PM_IMAGE" >/dev/null || return 1
}

podman_teardown_file() {
	[ -n "${PM_DIR:-}" ] && [ -d "$PM_DIR" ] || return 0
	local rc=0 p i mounts pids
	# Each podman command costs seconds in the VM: the image and the storage go with $PM_DIR.
	if [ -n "$(pm_container_ids)" ]; then
		pm rm -af -t 0 >/dev/null 2>&1 || rc=1
	fi
	mounts=$(grep -F "$PM_DIR" /proc/self/mountinfo | awk '{print $5}' | sort -r)
	if [ -n "$mounts" ]; then
		echo "teardown_file: mounts left behind by podman: $mounts" >&2
		for p in $mounts; do umount -l "$p" || true; done
		rc=1
	fi
	for ((i = 0; i < 50; i++)); do
		pids=$(pm_leftover_pids)
		[ -z "$pids" ] && break
		sleep 0.1
	done
	if [ -n "$pids" ]; then
		echo "teardown_file: processes left behind: $pids" >&2
		for p in $pids; do kill -KILL "$p" 2>/dev/null || true; done
		rc=1
	fi
	if [ -n "$(state_entries "$PM_DIR/barco")" ]; then
		echo "teardown_file: barco state left behind: $(state_entries "$PM_DIR/barco")" >&2
		rc=1
	fi
	# Deepest first: a file, then the directories that held it.
	for ((p = ${#PM_OUTSIDE_PATHS[@]} - 1; p >= 0; p--)); do
		pm_remove_if_new "${PM_OUTSIDE_PATHS[$p]}"
	done
	rm -rf "$PM_DIR"
	return "$rc"
}

# The containers in podman's storage and barco's state root (cheaper than `podman ps -aq`).
pm_container_ids() {
	jq -r '.[].id' "$PM_DIR/storage/vfs-containers/containers.json" 2>/dev/null || true
	state_entries "$PM_DIR/barco"
}

# The live processes that carry the file's mark or name $PM_DIR on their command line.
pm_leftover_pids() {
	local p cmd
	BATS_TEST_TMPDIR=$BATS_FILE_TMPDIR marked_pids
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		cmd=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) || continue
		[[ "$cmd" == *"$PM_DIR/"* ]] && echo "$p"
	done
	return 0
}

# pm_remove_if_new PATH: PATH if podman made it during this file (a file, or an empty dir).
pm_remove_if_new() {
	local p=$1
	[ -e "$p" ] || return 0
	grep -qxF -- "$p" "$PM_DIR/preexisting" && return 0
	if [ -d "$p" ]; then
		rmdir "$p" 2>/dev/null || echo "teardown_file: $p is not empty: left in place" >&2
	else
		rm -f "$p"
	fi
}

podman_setup() {
	[ -z "$PM_SKIP" ] || skip "$PM_SKIP"
	PM_CG_PARENT=
	PM_CG_NEW=()
	# conmon writes files such as "oom" (after an OOM kill) into its working directory.
	cd "$BATS_TEST_TMPDIR" || return 1
}

# Every test leaves no container behind (they are removed and the test fails), and no cgroup.
podman_teardown() {
	local rc=0 left
	[ -z "$PM_SKIP" ] || return 0
	left=$(pm_container_ids)
	if [ -n "$left" ]; then
		echo "teardown: containers left behind: $(sort -u <<<"$left" | tr '\n' ' ')" >&2
		pm rm -af -t 0 >/dev/null 2>&1 || true
		rc=1
	fi
	pm_cgroup_cleanup || rc=1
	return "$rc"
}

# The cgroup mounts: the v2 root, or every v1 hierarchy (and the hybrid unified one).
pm_cgroup_mounts() {
	awk '$0 ~ / - cgroup2? / {print $5}' /proc/self/mountinfo | grep '^/sys/fs/cgroup' | sort -u
}

# pm_cgroup_parent: set PM_CG_PARENT to a cgroup for podman's --cgroup-parent that lies below
# this test's own cgroup in every hierarchy (podman's cgroupfs manager puts one path in every
# hierarchy and moves conmon into PARENT/conmon), recording the directories above it that do
# not exist yet so that pm_cgroup_cleanup removes them too.  Skips when there is none.
pm_cgroup_parent() {
	local own deepest='' m prefix comp
	if [ "$(cgroup_mode)" = v2 ]; then
		own=$(sed -n 's/^0:://p' /proc/self/cgroup)
		# podman enables controllers in the parent's parent: impossible in a cgroup with
		# processes (ours) unless it is the root.
		[ "$own" = / ] || skip "cgroup v2 and the test runs in $own, not the root: podman's cgroupfs manager cannot nest below a cgroup with processes"
		deepest=
	else
		# Every v1 controller's own cgroup must be an ancestor of the deepest of them.
		while IFS=: read -r _ _ own; do
			[ "$own" = / ] && own=
			[ "${#own}" -gt "${#deepest}" ] && deepest=$own
		done </proc/self/cgroup
		while IFS=: read -r _ _ own; do
			[ "$own" = / ] && own=
			case "$deepest/" in
			"$own/"*) ;;
			*) skip "the test's cgroups ($own, $deepest) do not nest: no cgroup parent below all of them for podman" ;;
			esac
		done </proc/self/cgroup
	fi
	PM_CG_PARENT=$deepest/barco-podman-$$-$BATS_TEST_NUMBER
	PM_CG_NEW=()
	for m in $(pm_cgroup_mounts); do
		prefix=$m
		for comp in ${PM_CG_PARENT//\// }; do
			prefix=$prefix/$comp
			[ -d "$prefix" ] || PM_CG_NEW+=("$prefix")
		done
	done
}

# Remove PM_CG_PARENT's subtree from every hierarchy, then the ancestors podman made.
pm_cgroup_cleanup() {
	[ -n "${PM_CG_PARENT:-}" ] || return 0
	local m d i rc=0
	for m in $(pm_cgroup_mounts); do
		[ -d "$m$PM_CG_PARENT" ] || continue
		while read -r d; do
			if [ "$d" != "$m$PM_CG_PARENT" ] && [ "$d" != "$m$PM_CG_PARENT/conmon" ]; then
				echo "teardown: cgroup left behind: $d" >&2
				rc=1
			fi
			rmdir "$d" || rc=1
		done < <(find "$m$PM_CG_PARENT" -depth -type d)
	done
	for ((i = ${#PM_CG_NEW[@]} - 1; i >= 0; i--)); do
		[ -d "${PM_CG_NEW[$i]}" ] && { rmdir "${PM_CG_NEW[$i]}" || rc=1; }
	done
	PM_CG_PARENT=
	return "$rc"
}

# pm_run ARGS...: `podman run --rm ARGS` on the test image (ARGS: options, then the command),
# stdout and stderr kept apart.
pm_run() {
	run --separate-stderr pm run --rm "$@"
}

# pm_wait_log CTR STRING: a line of the container's log is STRING, within 10 s.
pm_wait_log() {
	local i
	for ((i = 0; i < 100; i++)); do
		pm logs "$1" 2>/dev/null | grep -qx -- "$2" && return 0
		sleep 0.1
	done
	echo "no line '$2' in the log of $1 after 10 s:" >&2
	pm logs "$1" >&2
	return 1
}

# pm_show_runtime_log: the command lines barco got, for a failing test.
pm_show_runtime_log() {
	echo "barco command lines:" >&2
	tail -n 20 "$PM_DIR/runtime.log" >&2 2>/dev/null || true
}

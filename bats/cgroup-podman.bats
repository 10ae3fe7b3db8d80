#!/usr/bin/env bats
# podman (with conmon) driving barco with real cgroups on a pure cgroup v2 host (the VM of
# `make check`): --memory and --pids-limit reach memory.max and pids.max and are enforced.
# Kept small: each test costs about a minute in the VM.  The rest of podman is podman.bats.

load helpers
load podman-helpers

setup_file() {
	if [ "$(cgroup_mode)" != v2 ]; then
		export PM_SKIP="needs a pure cgroup v2 host (runs in the VM of make check-vm)"
		return 0
	fi
	podman_setup_file cgroups
}
teardown_file() { podman_teardown_file; }
setup() { podman_setup; }
teardown() { podman_teardown; }

@test "podman run --memory: memory.max is set and the OOM killer ends what goes past it" {
	require_cgroup_v2
	pm_cgroup_parent
	# dd's 64 MiB buffer, filled from /dev/zero, cannot fit in 32 MiB without swap.
	pm_run --cgroup-parent "$PM_CG_PARENT" --memory 32m --memory-swap 32m "$PM_IMAGE" sh -c \
		'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory.swap.max
		 dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null; echo "dd=$?"
		 grep "^oom_kill " /sys/fs/cgroup/memory.events'
	assert_success
	assert_output "$(printf '33554432\n0\ndd=137\noom_kill 1')"
}

@test "podman run --pids-limit: pids.max is set and fork fails past it" {
	require_cgroup_v2
	pm_cgroup_parent
	pm_run --cgroup-parent "$PM_CG_PARENT" --pids-limit 10 "$PM_IMAGE" sh -c \
		'cat /sys/fs/cgroup/pids.max; i=0
		 while [ $i -lt 30 ]; do sleep 100 & i=$((i + 1)); done; echo "all $i started"'
	# busybox sh gives up at the first failed fork.
	[ "$status" -eq 2 ] || {
		show_run
		false
	}
	assert_output 10
	[[ "$stderr" == *"can't fork: Resource temporarily unavailable"* ]] || {
		show_run
		false
	}
}

#!/bin/sh
# `make check`'s pure cgroup-v2 step: boot the VM (tests/vm/run-in-vm.sh), run the smoke test
# with this build's barco inside, and record the outcome as TAP in TAP_FILE for summary.sh.
# A missing qemu or kernel is a failure, never a silent skip.
# Usage: check-vm.sh BARCO TAP_FILE
set -u
barco=$1
tap=$2
here=$(cd "$(dirname "$0")" && pwd)
name="pure cgroup v2 VM: cgroup2-only tree, pids.max enforced, barco run works"
printf '1..1\n' >"$tap"
if ! command -v qemu-system-x86_64 >/dev/null 2>&1 || ! ls /boot/vmlinuz-* >/dev/null 2>&1; then
	echo "check-vm: qemu-system-x86_64 or a kernel in /boot is missing:" \
		"install the Debian packages qemu-system-x86 and linux-image-amd64" >&2
	printf 'not ok 1 %s # qemu or kernel missing\n' "$name" >>"$tap"
	exit 1
fi
BARCO=$barco BARCO_VM_ACCEL=${BARCO_VM_ACCEL:-tcg} BARCO_VM_TIMES=1 \
	"$here/run-in-vm.sh" --timeout 600 --env BARCO -- "$here/smoke.sh"
rc=$?
if [ "$rc" -eq 0 ]; then
	printf 'ok 1 %s\n' "$name" >>"$tap"
else
	printf 'not ok 1 %s # exit status %d\n' "$name" "$rc" >>"$tap"
fi
exit "$rc"

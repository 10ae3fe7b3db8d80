#!/bin/sh
# `make check`'s pure cgroup-v2 step: boot the VM once (tests/vm/run-in-vm.sh) and run every
# bats/cgroup*.bats file inside it with this build's barco; the TAP comes back over the guest
# console and is written to TAP_FILE for tests/summary.sh.  The bats output is shown as it
# arrives.
#
# Never green by accident: a missing qemu/kernel/bats, a VM that fails or times out, a TAP
# stream without a plan, with fewer results than planned, or with no test passed each adds a
# "not ok" line saying why, and the exit status is nonzero.
#
# Usage: check-vm.sh BARCO TAP_FILE
# BARCO_VM_TIMEOUT: seconds for the whole VM run (default 2400; the 88 tests of bats/cgroup*.bats
# took 20 minutes under TCG on a 2-core host).  BARCO_VM_FILES: the bats
# files to run (default: every bats/cgroup*.bats of the source tree).  BARCO_VM_LOG=FILE
# keeps the raw console log (run-in-vm.sh).
set -u
if [ $# -ne 2 ]; then
	echo "usage: check-vm.sh BARCO TAP_FILE" >&2
	exit 2
fi
barco=$1
tap=$2
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
timeout_s=${BARCO_VM_TIMEOUT:-2400}
name="pure cgroup v2 VM"
tmp=

cleanup() {
	[ -n "$tmp" ] && rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# fail_early REASON: nothing ran.
fail_early() {
	echo "check-vm: FAILED: $*" >&2
	printf '1..1\nnot ok 1 %s: %s\n' "$name" "$*" >"$tap"
	exit 1
}

case $barco in /*) ;; *) barco=$(pwd)/$barco ;; esac
[ -x "$barco" ] || fail_early "$barco is not an executable"
command -v qemu-system-x86_64 >/dev/null 2>&1 ||
	fail_early "qemu-system-x86_64 is missing: install the Debian package qemu-system-x86"
ls /boot/vmlinuz-* >/dev/null 2>&1 ||
	fail_early "no kernel in /boot: install the Debian package linux-image-amd64"
command -v bats >/dev/null 2>&1 || fail_early "bats is missing: install the Debian package bats"
command -v jq >/dev/null 2>&1 || fail_early "jq is missing: install the Debian package jq"
busybox=
for c in /bin/busybox /usr/bin/busybox; do
	if [ -x "$c" ] && ! ldd "$c" >/dev/null 2>&1; then busybox=$c; break; fi
done
[ -n "$busybox" ] || fail_early "a static busybox is needed: install the Debian package busybox-static"

if [ -n "${BARCO_VM_FILES:-}" ]; then
	# shellcheck disable=SC2086 # a list of paths
	set -- $BARCO_VM_FILES
else
	set -- "$top"/bats/cgroup*.bats
fi
[ -e "$1" ] || fail_early "no bats files to run ($*)"

# The host's /tmp is visible in the guest: one rootfs for every file (helpers.bash copies it).
tmp=$(mktemp -d /tmp/barco-check-vm.XXXXXX) || fail_early "mktemp failed"
"$busybox" sh "$top/bats/mkrootfs.sh" "$tmp/rootfs" || fail_early "bats/mkrootfs.sh failed"

# The guest prefixes every line of bats' output with "@TAP@ " (stderr merged, bats' exit status
# last), so the TAP is told apart from anything else on the console; the host shows it without
# the prefix as it comes.  A test that hangs fails after BATS_TEST_TIMEOUT seconds (TCG is slow).
guest='(BATS_TEST_TIMEOUT='"${BATS_TEST_TIMEOUT:-900}"' bats --tap --timing "$@" 2>&1; echo "BARCO-TAP-RC=$?") </dev/null | sed -u "s/^/@TAP@ /"'
echo "check-vm: booting the VM for $# bats files (timeout ${timeout_s}s)" >&2
start=$(date +%s)
{
	BARCO=$barco BARCO_TEST_ROOTFS=$tmp/rootfs BARCO_VM_ACCEL=${BARCO_VM_ACCEL:-tcg} BARCO_VM_TIMES=1 \
		"$here/run-in-vm.sh" --timeout "$timeout_s" --mem 1536 --env BARCO_TEST_ROOTFS -- \
		sh -c "$guest" check-vm "$@"
	echo $? >"$tmp/vmrc"
} | tee "$tmp/console" | sed -u 's/^@TAP@ //'
end=$(date +%s)
vmrc=$(cat "$tmp/vmrc" 2>/dev/null)
vmrc=${vmrc:-125}

sed -n 's/^@TAP@ //p' "$tmp/console" | grep -v '^BARCO-TAP-RC=' >"$tmp/tap"
batsrc=$(sed -n 's/^@TAP@ BARCO-TAP-RC=//p' "$tmp/console" | tail -n 1)
plan=$(sed -n -E 's/^1\.\.([0-9]+)$/\1/p' "$tmp/tap" | head -n 1)
results=$(grep -c -E '^(not )?ok [0-9]+' "$tmp/tap")
failed=$(grep -c -E '^not ok [0-9]+' "$tmp/tap")
skipped=$(grep -c -E '^ok [0-9]+ .*# [Ss][Kk][Ii][Pp]' "$tmp/tap")
passed=$((results - failed - skipped))

reason=
case $vmrc in
0 | 1) ;; # bats' own verdict
124) reason="the VM timed out after ${timeout_s}s" ;;
*) reason="the VM failed (run-in-vm.sh exit status $vmrc; console tail above)" ;;
esac
if [ -z "$reason" ]; then
	if [ -z "$batsrc" ]; then
		reason="bats did not finish in the VM"
	elif [ -z "$plan" ]; then
		reason="bats printed no TAP plan (bats exit status $batsrc)"
	elif [ "$results" -lt "$plan" ]; then
		reason="only $results of $plan planned results came back (bats exit status $batsrc)"
	elif [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then
		reason="no test passed in the VM ($skipped skipped)"
	elif [ "$batsrc" != 0 ] && [ "$failed" -eq 0 ]; then
		reason="bats exited $batsrc with no failed test"
	fi
fi

if [ -z "$reason" ]; then
	cp "$tmp/tap" "$tap"
else
	n=${plan:-0}
	[ "$results" -gt "$n" ] && n=$results
	n=$((n + 1))
	{
		echo "1..$n"
		grep -v -E '^1\.\.[0-9]+$' "$tmp/tap"
		echo "not ok $n $name: $reason"
	} >"$tap"
	echo "check-vm: FAILED: $reason" >&2
fi
echo "check-vm: $passed passed, $failed failed, $skipped skipped of ${plan:-?} planned;" \
	"VM run $((end - start))s" >&2
[ -z "$reason" ] && [ "$failed" -eq 0 ]

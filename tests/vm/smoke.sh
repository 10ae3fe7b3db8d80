#!/bin/sh
# Smoke test of the pure cgroup v2 VM, run inside it by run-in-vm.sh:
#   tests/vm/run-in-vm.sh -- tests/vm/smoke.sh          (BARCO=/path/to/barco to also run a container)
# Checks that /sys/fs/cgroup is cgroup2 with the memory and pids controllers, that pids.max is
# enforced in a child cgroup, and, if $BARCO is set, that `barco run --rootfs` works on this host.
# Exits nonzero on the first failure, saying why.
set -u

here=$(cd "$(dirname "$0")" && pwd)
cg=/sys/fs/cgroup
child=
rootfs=
pids=

fail() {
	echo "smoke: FAIL: $*" >&2
	exit 1
}
ok() { echo "smoke: ok: $*"; }
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	if [ -n "$child" ] && [ -d "$child" ]; then
		# move anything left behind out of the cgroup before removing it
		while read -r p; do echo "$p" >"$cg/cgroup.procs"; done <"$child/cgroup.procs" 2>/dev/null
		rmdir "$child" || echo "smoke: warning: cannot remove $child" >&2
	fi
	if [ -n "$rootfs" ]; then
		umount "$rootfs" 2>/dev/null
		rmdir "$rootfs" 2>/dev/null
	fi
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || fail "must run as root (inside the VM)"

# 1. the cgroup filesystem is cgroup v2, and no v1 hierarchy is mounted
t=$(stat -f -c %T "$cg") || fail "stat -f $cg failed"
[ "$t" = cgroup2fs ] || fail "$cg is $t, not cgroup2fs"
if grep -q ' cgroup ' /proc/mounts; then fail "a cgroup v1 hierarchy is mounted: $(grep ' cgroup ' /proc/mounts)"; fi
ok "$cg is cgroup2fs, no v1 hierarchy mounted"

# 2. the controllers
ctrls=$(cat "$cg/cgroup.controllers") || fail "cannot read $cg/cgroup.controllers"
for c in memory pids; do
	case " $ctrls " in *" $c "*) ;; *) fail "controller $c missing from $cg/cgroup.controllers: '$ctrls'" ;; esac
done
ok "controllers: $ctrls"

# 3. pids.max=2 in a child cgroup stops the third process
echo "+pids +memory" >"$cg/cgroup.subtree_control" || fail "cannot enable pids and memory in $cg/cgroup.subtree_control"
child=$cg/barco-smoke.$$
mkdir "$child" || fail "mkdir $child failed"
[ -e "$child/pids.max" ] || fail "$child/pids.max missing: pids controller not enabled for children"
echo 2 >"$child/pids.max" || fail "cannot write 2 to $child/pids.max"
[ "$(cat "$child/pids.max")" = 2 ] || fail "$child/pids.max reads '$(cat "$child/pids.max")', not 2"
echo 33554432 >"$child/memory.max" || fail "cannot write $child/memory.max"
[ "$(cat "$child/memory.max")" = 33554432 ] || fail "$child/memory.max reads '$(cat "$child/memory.max")'"
# Two processes in the child: a sleep moved in from here (its parent), and a busybox shell that joins
# and tries to start a background job, whose fork must fail (busybox sh then exits "can't fork").
sleep 30 &
first=$!
pids=$first
echo "$first" >"$child/cgroup.procs" || fail "cannot move $first into $child"
out=$(busybox sh -c '
	echo $$ >"$1/cgroup.procs" || { echo "cannot join $1"; exit 2; }
	read -r n <"$1/pids.current"
	echo "pids.current=$n"
	sleep 1 >/dev/null 2>&1 </dev/null &
	echo "second-started"
' smoke "$child" 2>&1)
shrc=$?
echo "smoke: child shell exited $shrc: $(echo "$out" | tr '\n' ' ')"
case $out in *second-started*) fail "pids.max=2 was not enforced: a third process started" ;; esac
case $out in *"cannot join"*) fail "$out" ;; esac
case $out in *pids.current=2*) ;; *) fail "the shell did not see pids.current=2: $out" ;; esac
[ "$shrc" != 0 ] || fail "the shell did not report the refused fork"
kill "$first" && wait "$first" 2>/dev/null
pids=
events=$(sed -n 's/^max //p' "$child/pids.events")
[ "${events:-0}" -ge 1 ] || fail "pids.events counts no refused fork: $(cat "$child/pids.events")"
[ "$(cat "$child/pids.current")" = 0 ] || fail "processes left in $child: $(cat "$child/cgroup.procs")"
rmdir "$child" || fail "rmdir $child failed"
child=
ok "pids.max=2 refused a third process (pids.events max $events), cgroup removed"

# 4. barco runs a container on this pure cgroup v2 host
if [ -n "${BARCO:-}" ]; then
	[ -x "$BARCO" ] || fail "BARCO=$BARCO is not executable"
	rootfs=$(mktemp -d /tmp/barco-smoke-rootfs.XXXXXX) || fail "mktemp failed"
	mount -t tmpfs -o mode=0755 tmpfs "$rootfs" || fail "tmpfs on $rootfs failed"
	# busybox sh runs mkrootfs.sh's few hundred `ln -s` as applets: 5 s instead of 45 s under TCG
	busybox sh "$here/../../bats/mkrootfs.sh" "$rootfs" || fail "mkrootfs.sh $rootfs failed"
	"$BARCO" run --rootfs "$rootfs" -- /bin/true || fail "$BARCO run --rootfs $rootfs -- /bin/true exited $?"
	ok "barco run --rootfs ... /bin/true"
	out=$("$BARCO" run --rootfs "$rootfs" -- /bin/cat /proc/self/cgroup) ||
		fail "$BARCO run ... cat /proc/self/cgroup exited $?"
	case $out in
	0::/*) ok "the container sees one cgroup v2 line: $out" ;;
	*) fail "/proc/self/cgroup in the container is not a single v2 line: $out" ;;
	esac
	[ -z "$(ls /run/barco 2>/dev/null)" ] || fail "state left in /run/barco: $(ls /run/barco)"
else
	echo "smoke: skip: BARCO is not set, no container run"
fi
echo "smoke: all checks passed"

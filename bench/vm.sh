#!/bin/bash
# shellcheck disable=SC2034,SC2317 # BENCH_* are read by lib.sh; the cleanup functions run from traps
# The part of the benchmark that needs real cgroup v2: run inside the pure cgroup-v2 VM by
# bench/run.sh (through tests/vm/run-in-vm.sh), never on the host.
#
# Usage: vm.sh --bundle DIR --barco BARCO --tag TAG [--crun CRUN] [--runc RUNC] [--runs N] [--warmup N]
# (crun and runc are left out unless given)
#
# 1 (with cgroups): `run` of /bin/true with every runtime's default cgroup manager (cgroupfs) and
#   linux.cgroupsPath set, timed with hyperfine -N, plus the unshare floor;
# the memory target: a container with linux.resources.memory.limit = 512 KiB must run.
# The results go to stdout as `@BENCH@ KEY VALUE` lines (the VM's disk vanishes with it), the
# commands as `@BENCHCMD@ LINE`; progress goes to stderr.  Writes only below a tmpfs in /run.
set -euo pipefail

BENCH_PROG=vm.sh
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

src='' barco='' crun='' runc='' tag='' runs=20 warm=2
while [ $# -gt 0 ]; do
	case $1 in
	--bundle) src=${2:?}; shift 2 ;;
	--barco) barco=${2:?}; shift 2 ;;
	--tag) tag=${2:?}; shift 2 ;;
	--runs) runs=${2:?}; shift 2 ;;
	--warmup) warm=${2:?}; shift 2 ;;
	--crun) crun=${2:?}; shift 2 ;;
	--runc) runc=${2:?}; shift 2 ;;
	*) die "unknown argument '$1'" ;;
	esac
done
{ [ -n "$src" ] && [ -n "$barco" ] && [ -n "$tag" ]; } || die "usage: vm.sh --bundle DIR --barco BARCO --tag TAG [--runs N]"
[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] || die "/sys/fs/cgroup is not cgroup2: not the pure cgroup-v2 VM"

# The bundle goes to tmpfs: the rootfs is then read from memory, as on the host, not over 9p.
BENCH_TMP=$(mktemp -d /run/barco-bench-vm.XXXXXX)
cleanup() {
	local rt
	for rt in barco crun runc; do
		rt_cmd "$rt" 2>/dev/null && rt_delete_all "${RT[@]}"
	done
	rm -rf "$BENCH_TMP"
	find /sys/fs/cgroup -depth -mindepth 1 -maxdepth 2 -type d -name "$tag-*" -exec rmdir {} \; 2>/dev/null
	return 0
}
trap cleanup EXIT

rt_cmd() {
	case $1 in
	barco) RT=("$barco" --root "$BENCH_TMP/root-barco") ;;
	crun) [ -n "$crun" ] && RT=("$crun" --root "$BENCH_TMP/root-crun") ;;
	runc) [ -n "$runc" ] && RT=("$runc" --root "$BENCH_TMP/root-runc") ;;
	*) return 1 ;;
	esac
}
rts=(barco)
[ -z "$crun" ] || rts+=(crun)
[ -z "$runc" ] || rts+=(runc)

B=$BENCH_TMP/bundle
mkdir -p "$B"
cp -a "$src/rootfs" "$B/rootfs"
make_config "$src" "$B" '["/bin/true"]' "/$tag-vm" || die "cannot write $B/config.json"
M=$BENCH_TMP/bundle-mem
make_config "$src" "$M" '["/bin/true"]' "/$tag-mem" "$B/rootfs" || die "cannot write $M/config.json"
jq '.linux.resources.memory.limit = 524288' "$M/config.json" >"$M/c.tmp" && mv "$M/c.tmp" "$M/config.json"

res_set vm.kernel "$(uname -r)"
say "kernel $(uname -r), cgroup controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
BENCH_CLEANUP=cleanup_key
cleanup_key() {
	rt_cmd "${1##*.}" && rt_delete_all "${RT[@]}"
	return 0
}

for rt in "${rts[@]}"; do
	rt_cmd "$rt"
	hf "vm.run.$rt" "$runs" "$warm" "${RT[@]}" run -b "$B" "$tag-vm" || true
done
hf vm.run.floor "$runs" "$warm" unshare -f -p -n -i -u -m -C --mount-proc "$B/rootfs/bin/true" || true

for rt in "${rts[@]}"; do
	rt_cmd "$rt"
	CMDS+=("vm.mem512.$rt: $(quote_cmd "${RT[@]}" run -b "$M" "$tag-mem")")
	if "${RT[@]}" run -b "$M" "$tag-mem" </dev/null >/dev/null 2>"$BENCH_TMP/mem.err"; then
		res_set "vm.mem512.$rt" 1
		say "vm.mem512.$rt: ran under memory.max = 512 KiB"
	else
		# a verdict, not a failed measurement: 0 and why
		res_set "vm.mem512.$rt" 0
		res_set "vm.mem512msg.$rt" "$(first_line "$BENCH_TMP/mem.err")"
		say "vm.mem512.$rt: did not run under memory.max = 512 KiB: $(res_get "vm.mem512msg.$rt")"
		rt_delete_all "${RT[@]}"
	fi
done

for k in "${!RES[@]}"; do
	printf '@BENCH@ %s %s\n' "$k" "${RES[$k]}"
done
for c in "${CMDS[@]}"; do
	printf '@BENCHCMD@ %s\n' "${c//$BENCH_TMP/\$V}"
done

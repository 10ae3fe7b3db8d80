#!/bin/bash
# shellcheck disable=SC2034,SC2317 # BENCH_* are read by lib.sh; the cleanup functions run from traps
# Benchmark barco against crun and runc on the demo busybox bundle, in one run, and write the
# table of medians and ratios to docs/PERFORMANCE.md (between <!-- bench:begin --> and
# <!-- bench:end -->; the rest of the file is left alone).  `make bench` runs it.
#
# Usage: bench/run.sh BARCO [--runs N] [--quick] [--no-vm] [--vm-runs N] [--scale N]
#                           [--scale-crun] [--out FILE] [--no-write]
#
#   --runs N      runs of scenario 1 and of the floor (default 100); the other scenarios take
#                 fewer: N/2 for 2 and 3, N/20 batches for 4, N/10 for each point of 7
#   --quick       for development: 10 runs, 20 in parallel, scale 100, 3 runs in the VM
#   --no-vm       skip the part in the pure cgroup-v2 VM
#   --vm-runs N   runs of each runtime in the VM (default 20; TCG is about 10x slower)
#   --scale N     containers created for scenario 7 (default 1000)
#   --scale-crun  scenario 7 for crun too (barco only by default)
#   --out FILE    the markdown file to update (default: docs/PERFORMANCE.md of the source tree)
#   --no-write    print the table only
#
# Scenarios (every runtime on the same bundle: the demo bundle with process.args ["/bin/true"],
# terminal false, ociVersion 1.0.2; namespaces, seccomp profile and mounts as `barco spec` wrote
# them):
#   1. `run` of /bin/true in sequence; host: cgroups off (barco and crun with
#      --cgroup-manager=disabled; runc has no such flag and runs with v1 cgroups below this
#      script's own cgroup), VM: every runtime with cgroupfs on cgroup v2
#   2. create + start + delete -f of one container, timed together (bench/cycle.c, no shell)
#   3. exec of /bin/true into a running container (+ the nsenter floor)
#   4. 50 containers created and started in parallel, then deleted in parallel
#   5. peak RSS of `create` (/usr/bin/time), VmHWM of the waiting init, binary size
#   6. the floor: unshare with the bundle's namespaces, --mount-proc, exec of the bundle's /bin/true
#   7. scale (barco): list, state, create+delete with 0, N/10 and N other containers created
# Everything on the host runs in a private mount namespace with /sys/fs/cgroup/unified
# unmounted (crun 1.8.1 refuses the hybrid layout otherwise), each runtime with its own --root
# in a temp dir.  Needs root, hyperfine, jq, unshare; crun, runc, cc, /usr/bin/time, nsenter,
# strip and qemu (the VM) are optional: what needs a missing one is skipped and the table says so.
#
# Exit status: 0 when every barco measurement ran (crun and runc failures are shown in the
# table), 1 when a barco measurement failed or the script could not run at all.
# `make bench` runs it with $(SHELL), often dash: switch to bash before any bash syntax.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail

BENCH_PROG=bench # lib.sh's messages
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
srcdir=$(cd "$here/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

usage() {
	sed -n '/^# Usage:/,/^#   --no-write/s/^# \{0,1\}//p' "$0" >&2
	exit 1
}

barco_arg='' barco='' runs='' quick=0 use_vm=1 vm_runs='' scale='' scale_crun=0 write=1
out=$srcdir/docs/PERFORMANCE.md
orig_args=("$@")
while [ $# -gt 0 ]; do
	case $1 in
	--runs) runs=${2:?--runs wants a number}; shift 2 ;;
	--quick) quick=1; shift ;;
	--no-vm) use_vm=0; shift ;;
	--vm-runs) vm_runs=${2:?--vm-runs wants a number}; shift 2 ;;
	--scale) scale=${2:?--scale wants a number}; shift 2 ;;
	--scale-crun) scale_crun=1; shift ;;
	--out) out=${2:?--out wants a file}; shift 2 ;;
	--no-write) write=0; shift ;;
	-h | --help) usage ;;
	-*) say "unknown option '$1'"; usage ;;
	*)
		[ -z "$barco" ] || die "one BARCO binary only (got '$barco' and '$1')"
		barco=$1 barco_arg=$1
		shift
		;;
	esac
done
[ -n "$barco" ] || usage
for v in "$runs" "$vm_runs" "$scale"; do
	case $v in *[!0-9]*) die "--runs, --vm-runs and --scale want whole numbers, got '$v'" ;; esac
done
if [ "$quick" = 1 ]; then
	: "${runs:=10}" "${vm_runs:=3}" "${scale:=100}"
fi
: "${runs:=100}" "${vm_runs:=20}" "${scale:=1000}"
[ "$runs" -ge 3 ] || die "--runs must be at least 3"
[ "$vm_runs" -ge 2 ] || die "--vm-runs must be at least 2"
[ "$scale" -ge 10 ] || die "--scale must be at least 10"
case $barco in /*) ;; *) barco=$PWD/$barco ;; esac
if [ ! -x "$barco" ] || [ ! -f "$barco" ]; then die "$barco is not an executable file"; fi

# ---- root, tools, and the private mount namespace -----------------------------------------------
[ "$(id -u)" = 0 ] || die "needs root (namespaces, mounts, runtimes' state): run it with sudo"
for t in hyperfine jq unshare awk; do
	command -v "$t" >/dev/null || die "$t is missing: install the Debian package $(
		case $t in unshare) echo util-linux ;; awk) echo mawk ;; *) echo "$t" ;; esac
	)"
done
if [ -z "${BENCH_IN_PRIVATE_NS:-}" ]; then
	# Everything below runs where unmounting /sys/fs/cgroup/unified touches no one else; the
	# namespace and its mounts vanish when the script ends.
	BENCH_IN_PRIVATE_NS=1 exec unshare -m --propagation private -- "$BASH" "$0" "${orig_args[@]}"
fi
start_s=$(date +%s)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
unified=
if grep -q ' /sys/fs/cgroup/unified ' /proc/self/mounts; then
	umount /sys/fs/cgroup/unified || die "cannot unmount /sys/fs/cgroup/unified in the private mount namespace"
	unified="unmounted /sys/fs/cgroup/unified (private mount namespace)"
fi

tag=bench-$$ # in every container ID and cgroup name of this run
BENCH_TMP=$(mktemp -d /tmp/barco-bench.XXXXXX) || die "mktemp failed"
T=$BENCH_TMP
have() { command -v "$1" >/dev/null 2>&1; }
declare -A missing=() # runtime or scenario -> why it is skipped
# CRUN=PATH / RUNC=PATH benchmark another build; CRUN=none / RUNC=none leave one out.
find_rt() { # find_rt NAME OVERRIDE: REPLY = the binary, or missing[NAME] says why there is none
	REPLY=''
	case $2 in
	none) missing[$1]="$1 left out (${1^^}=none): $1 skipped" ;;
	'') REPLY=$(command -v "$1") || { REPLY='' && missing[$1]="$1 is not installed (Debian package $1): $1 skipped"; } ;;
	*) [ -x "$2" ] || die "${1^^}=$2 is not an executable"; REPLY=$2 ;;
	esac
	return 0
}
find_rt crun "${CRUN:-}"
crun_bin=$REPLY
find_rt runc "${RUNC:-}"
runc_bin=$REPLY

rt_cmd() {
	case $1 in
	barco) RT=("$barco" --root "$T/roots/barco" --cgroup-manager=disabled) ;;
	crun) RT=("$crun_bin" --root "$T/roots/crun" --cgroup-manager=disabled) ;;
	runc) RT=("$runc_bin" --root "$T/roots/runc") ;;
	*) return 1 ;;
	esac
}
rts=(barco)
[ -z "$crun_bin" ] || rts+=(crun)
[ -z "$runc_bin" ] || rts+=(runc)
have cc || missing[cc]="cc is missing (it compiles bench/cycle.c): scenarios 2, 4 and 7's create+delete skipped"
[ -x /usr/bin/time ] || missing[time]="/usr/bin/time is missing (Debian package time): peak RSS of create skipped"
have nsenter || missing[nsenter]="nsenter is missing (util-linux): the exec floor skipped"
have strip || missing[strip]="strip is missing (binutils): stripped sizes skipped"
if [ "$use_vm" = 1 ]; then
	have qemu-system-x86_64 || missing[vm]="qemu-system-x86_64 is missing (Debian package qemu-system-x86): the VM part skipped"
	ls /boot/vmlinuz-* >/dev/null 2>&1 || missing[vm]="no kernel in /boot (Debian package linux-image-amd64): the VM part skipped"
else
	missing[vm]="--no-vm: the VM part skipped"
fi
for m in "${!missing[@]}"; do say "note: ${missing[$m]}"; done

cleanup() {
	local rt left
	set +e
	for rt in barco crun runc; do
		rt_cmd "$rt" && [ -d "$T/roots/$rt" ] && rt_delete_all "${RT[@]}"
		[ -d "$T/roots/$rt" ] || continue
		# dot files are a runtime's caches (barco's .seccomp-cache), not container state
		left=$(find "$T/roots/$rt" -mindepth 1 -maxdepth 1 ! -name '.*' 2>/dev/null)
		[ -z "$left" ] || say "warning: $rt left state behind: $left"
	done
	left=$(find /sys/fs/cgroup -maxdepth 6 -type d \( -name "$tag" -o -name "$tag-*" \) 2>/dev/null)
	[ -z "$left" ] || say "warning: cgroups left behind: $left"
	mountpoint -q "$T/roots" && umount "$T/roots"
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# After a failed measurement: delete whatever the runtime named in KEY (x.y.RUNTIME) left.
BENCH_CLEANUP=cleanup_key
cleanup_key() {
	local rt=${1##*.}
	rt_cmd "$rt" 2>/dev/null && rt_delete_all "${RT[@]}"
	return 0
}

# ---- the bundles ----------------------------------------------------------------------------------
demo=$(dirname "$barco")/demo-bundle
if [ ! -f "$demo/config.json" ] || [ ! -d "$demo/rootfs" ]; then
	say "no demo bundle next to $barco: assembling one with bats/mkdemo.sh"
	demo=$T/demo
	sh "$srcdir/bats/mkdemo.sh" "$barco" "$demo" >/dev/null || die "bats/mkdemo.sh failed"
fi
B=$T/bundle
mkdir -p "$B"
cp -a "$demo/rootfs" "$B/rootfs"
# runc cannot run without cgroups: a relative cgroupsPath puts its cgroup below this script's own
# cgroup in each v1 hierarchy (removed at delete).  barco and crun ignore it (cgroups disabled).
make_config "$demo" "$B" '["/bin/true"]' "$tag" || die "cannot write $B/config.json"
S=$T/bundle-sleep
make_config "$demo" "$S" '["sleep","100000"]' "$tag-exec" "$B/rootfs" || die "cannot write $S/config.json"
par=$((quick ? 20 : 50))
for ((i = 0; i < par; i++)); do
	make_config "$demo" "$T/par/$i" '["/bin/true"]' "$tag-p$i" "$B/rootfs" || die "cannot write $T/par/$i/config.json"
done
# The state roots on a tmpfs, as /run is on a normal host (here /run is on the disk): the
# runtimes' state files then cost what they cost in production, the same for all three.
mkdir -p "$T/roots"
mount -t tmpfs -o mode=0700 bench-roots "$T/roots" || die "cannot mount a tmpfs on $T/roots"
mkdir -p "$T/roots/barco" "$T/roots/crun" "$T/roots/runc"

cycle=
if [ -z "${missing[cc]:-}" ]; then
	cc -O2 -o "$T/cycle" "$here/cycle.c" 2>"$T/cc.err" || die "compiling bench/cycle.c failed: $(first_line "$T/cc.err")"
	cycle=$T/cycle
fi

runs2=$((runs / 2 < 5 ? 5 : runs / 2))
runs4=$((runs / 20 < 2 ? 2 : runs / 20))
runs7=$((runs / 10 < 5 ? 5 : runs / 10))
warm=$((runs / 20 < 2 ? 2 : runs / 20))
warm=$((warm > 5 ? 5 : warm))
warm4=$((quick ? 0 : 1))
reps5=$((quick ? 3 : 5))
say "runs: $runs (1, 6), $runs2 (2, 3), $runs4 batches (4), $reps5 (5), $runs7 per point (7, scale $scale);" \
	"VM: $vm_runs; temp dir $T"

skip_rt() { # skip_rt KEY_PREFIX: mark the missing runtimes for this scenario
	local rt
	for rt in crun runc; do
		[ -n "${missing[$rt]:-}" ] && res_skip "$1.$rt" "${missing[$rt]}"
	done
	return 0
}

# ---- 1 + 6. run /bin/true, and the floor ------------------------------------------------------------
say "1. run /bin/true, cgroups off (runc: v1 cgroups), and 6. the floor"
skip_rt run
for rt in "${rts[@]}"; do
	rt_cmd "$rt"
	# The same ID every time: run deletes the container when it exits (a runtime that did not
	# would fail the second run with "already exists").
	hf "run.$rt" "$runs" "$warm" "${RT[@]}" run -b "$B" "$tag-run" || true
done
floor=(unshare -f -p -n -i -u -m -C --mount-proc "$B/rootfs/bin/true")
hf run.floor "$runs" "$warm" "${floor[@]}" || true

# ---- 2. create + start + delete ----------------------------------------------------------------
say "2. create + start + delete -f"
skip_rt cycle
if [ -n "$cycle" ]; then
	for rt in "${rts[@]}"; do
		rt_cmd "$rt"
		hf "cycle.$rt" "$runs2" "$warm" "$cycle" -p "$tag-c" -- "${RT[@]}" create -b "$B" @ID@ :: \
			"${RT[@]}" start @ID@ :: "${RT[@]}" delete -f @ID@ || true
	done
	# What the driver adds: three posix_spawns of a static no-op, and a shell for comparison.
	t=$B/rootfs/bin/true
	hf driver.cycle "$runs2" "$warm" "$cycle" -- "$t" :: "$t" :: "$t" || true
	hf driver.sh "$runs2" "$warm" sh -c "$t; $t; $t" || true
else
	for rt in barco crun runc; do res_skip "cycle.$rt" "${missing[cc]}"; done
fi

# ---- 3. exec into a running container -------------------------------------------------------------
say "3. exec /bin/true into a running container"
skip_rt exec
for rt in "${rts[@]}"; do
	rt_cmd "$rt"
	if ! "${RT[@]}" create -b "$S" "$tag-exec" >/dev/null 2>"$T/exec.err" ||
		! "${RT[@]}" start "$tag-exec" >/dev/null 2>"$T/exec.err"; then
		res_fail "exec.$rt" "starting the container failed: $(first_line "$T/exec.err")"
		rt_delete_all "${RT[@]}"
		continue
	fi
	if [ "$rt" = barco ]; then
		# the floor first: a failed exec below deletes the container
		pid=$("${RT[@]}" state "$tag-exec" 2>/dev/null | jq -r .pid) || pid=''
		if [ -n "${missing[nsenter]:-}" ]; then
			res_skip exec.floor "${missing[nsenter]}"
		elif [ -z "$pid" ]; then
			res_fail exec.floor "no pid from \`barco state $tag-exec\`"
		else
			hf exec.floor "$runs2" "$warm" nsenter -t "$pid" -m -u -i -n -p -C -r -w /bin/true || true
		fi
	fi
	hf "exec.$rt" "$runs2" "$warm" "${RT[@]}" exec "$tag-exec" /bin/true || true
	rt_delete_all "${RT[@]}"
done

# ---- 4. 50 in parallel ----------------------------------------------------------------------------
say "4. $par containers created and started in parallel, then deleted"
skip_rt par
if [ -n "$cycle" ]; then
	for rt in "${rts[@]}"; do
		rt_cmd "$rt"
		hf "par.$rt" "$runs4" "$warm4" "$cycle" -j "$par" -p "$tag-p" -- "${RT[@]}" create -b "$T/par/@N@" @ID@ :: \
			"${RT[@]}" start @ID@ ::: "${RT[@]}" delete -f @ID@ || true
	done
	hf par.floor "$runs4" "$warm4" "$cycle" -j "$par" -- "${floor[@]}" || true
else
	for rt in barco crun runc floor; do res_skip "par.$rt" "${missing[cc]}"; done
fi

# ---- 5. memory and size ---------------------------------------------------------------------------
say "5. peak RSS of create and of the waiting init, binary size"
skip_rt rss
skip_rt hwm
skip_rt size
skip_rt stripped
for rt in "${rts[@]}"; do
	rt_cmd "$rt"
	rss=() hwm=()
	for ((k = 0; k < reps5; k++)); do
		id=$tag-rss$k
		if [ -z "${missing[time]:-}" ]; then
			CMDS+=("rss.$rt: /usr/bin/time -f %M $(quote_cmd "${RT[@]}" create -b "$B" "$id")")
			/usr/bin/time -f %M -o "$T/rss" "${RT[@]}" create -b "$B" "$id" >/dev/null 2>"$T/rss.err" || {
				res_fail "rss.$rt" "create failed: $(first_line "$T/rss.err")"
				rt_delete_all "${RT[@]}"
				break
			}
			rss+=("$(tail -n 1 "$T/rss")")
		else
			"${RT[@]}" create -b "$B" "$id" >/dev/null 2>"$T/rss.err" || {
				res_fail "hwm.$rt" "create failed: $(first_line "$T/rss.err")"
				break
			}
		fi
		pid=$("${RT[@]}" state "$id" 2>/dev/null | jq -r .pid) || pid=''
		h=$(awk '/^VmHWM:/ { print $2 }' "/proc/${pid:-0}/status" 2>/dev/null || true)
		[ -n "$h" ] && hwm+=("$h")
		"${RT[@]}" delete -f "$id" >/dev/null 2>&1 || say "warning: $rt delete -f $id failed"
	done
	if [ -n "${missing[time]:-}" ]; then
		res_skip "rss.$rt" "${missing[time]}"
	elif [ "${#rss[@]}" -gt 0 ] && ! [[ $(res_get "rss.$rt") == '!'* ]]; then
		res_set "rss.$rt" "$(median "${rss[@]}")"
	fi
	if [ "${#hwm[@]}" -gt 0 ]; then
		res_set "hwm.$rt" "$(median "${hwm[@]}")"
	elif ! [[ $(res_get "hwm.$rt") == '!'* ]]; then
		res_fail "hwm.$rt" "no VmHWM read from the waiting init"
	fi
	bin=$(readlink -f "${RT[0]}")
	res_set "size.$rt" "$(stat -c %s "$bin")"
	if [ -z "${missing[strip]:-}" ] && strip -o "$T/stripped" "$bin" 2>/dev/null; then
		res_set "stripped.$rt" "$(stat -c %s "$T/stripped")"
		rm -f "$T/stripped"
	else
		res_skip "stripped.$rt" "${missing[strip]:-strip failed on $bin}"
	fi
	say "$(printf '%-28s create peak RSS %s KB, init VmHWM %s KB, binary %s bytes' "$rt" \
		"$(res_get "rss.$rt")" "$(res_get "hwm.$rt")" "$(res_get "size.$rt")")"
done

# ---- 7. scale -------------------------------------------------------------------------------------
sizes=(0 $((scale / 10)) "$scale")
scale_rts=(barco)
[ "$scale_crun" = 1 ] && [ -n "$crun_bin" ] && scale_rts+=(crun)
for rt in "${scale_rts[@]}"; do
	say "7. scale ($rt): list, state, create+delete with ${sizes[*]} other containers"
	rt_cmd "$rt"
	if ! "${RT[@]}" create -b "$B" "$tag-probe" >/dev/null 2>"$T/scale.err"; then
		res_fail "scale.state.$rt.0" "creating the probe container failed: $(first_line "$T/scale.err")"
		continue
	fi
	n=0
	for s in "${sizes[@]}"; do
		if [ "$s" -gt "$n" ]; then
			fill_start=$(date +%s%N)
			if ! seq -f "$tag-s%.0f" "$((n + 1))" "$s" |
				xargs -r -n 1 -P 2 "${RT[@]}" create -b "$B" >/dev/null 2>"$T/scale.err"; then
				res_fail "scale.list.$rt.$s" "creating $s containers failed: $(first_line "$T/scale.err")"
				break
			fi
			say "created $((s - n)) containers in $(calc "($(date +%s%N) - $fill_start) / 1e9" 1) s"
			n=$s
		fi
		hf "scale.list.$rt.$s" "$runs7" 2 "${RT[@]}" list || true
		hf "scale.state.$rt.$s" "$runs7" 2 "${RT[@]}" state "$tag-probe" || true
		if [ -n "$cycle" ]; then
			hf "scale.cd.$rt.$s" "$runs7" 2 "$cycle" -p "$tag-sc" -- "${RT[@]}" create -b "$B" @ID@ :: \
				"${RT[@]}" delete -f @ID@ || true
		else
			res_skip "scale.cd.$rt.$s" "${missing[cc]}"
		fi
	done
	del_start=$(date +%s%N)
	"${RT[@]}" list -q 2>/dev/null | xargs -r -n 1 -P 4 "${RT[@]}" delete -f >/dev/null 2>"$T/scale.err" ||
		say "warning: deleting the scale containers: $(first_line "$T/scale.err")"
	say "deleted the scale containers in $(calc "($(date +%s%N) - $del_start) / 1e9" 1) s"
done

# ---- 1 with cgroups, in the pure cgroup-v2 VM -----------------------------------------------------
vm_accel=${BARCO_VM_ACCEL:-tcg}
if [ -z "${missing[vm]:-}" ]; then
	say "1 (with cgroups) in the pure cgroup-v2 VM: $vm_runs runs per runtime, $vm_accel (slow: about 1-2 s per run)"
	vm_args=(--bundle "$B" --barco "$barco" --tag "$tag" --runs "$vm_runs" --warmup $((quick ? 1 : 2)))
	[ -z "$crun_bin" ] || vm_args+=(--crun "$crun_bin")
	[ -z "$runc_bin" ] || vm_args+=(--runc "$runc_bin")
	vm_start=$(date +%s)
	set +e
	BARCO_VM_ACCEL=$vm_accel "$srcdir/tests/vm/run-in-vm.sh" --timeout 1800 -- \
		"$BASH" "$here/vm.sh" "${vm_args[@]}" 2>&1 | tee "$T/vm.out" | grep --line-buffered -v '^@BENCH' >&2
	vmrc=${PIPESTATUS[0]}
	set -e
	vm_time=$(($(date +%s) - vm_start))
	while read -r _ k v; do
		RES["$k"]=$v
	done < <(grep '^@BENCH@ ' "$T/vm.out" | tr -d '\r')
	while IFS= read -r l; do
		CMDS+=("$l")
	done < <(sed -n 's/^@BENCHCMD@ //p' "$T/vm.out" | tr -d '\r')
	if [ "$vmrc" != 0 ]; then
		for rt in barco crun runc floor; do
			[ -n "$(res_get "vm.run.$rt")" ] || res_fail "vm.run.$rt" "the VM run failed (run-in-vm.sh exit status $vmrc)"
		done
	fi
	say "the VM part took ${vm_time}s"
	for rt in crun runc; do
		[ -z "${missing[$rt]:-}" ] || { res_skip "vm.run.$rt" "${missing[$rt]}" && res_skip "vm.mem512.$rt" "${missing[$rt]}"; }
	done
else
	for rt in barco crun runc floor; do res_skip "vm.run.$rt" "${missing[vm]}"; done
	for rt in barco crun runc; do res_skip "vm.mem512.$rt" "${missing[vm]}"; done
fi

# ---- the report -----------------------------------------------------------------------------------
# cell KEY [DIVISOR [DECIMALS]]: the value for a table cell; failures and skips are explained
# in the notes under the tables.
cell() {
	local v=${RES[$1]:-}
	case $v in
	'') printf '—' ;;
	'!'*) printf 'failed' ;;
	'-'*) printf 'n/a' ;;
	*) calc "$v / ${2:-1}" "${3:-2}" ;;
	esac
}
# ratio_raw A B: A/B with 3 decimals, or nothing when either is missing.
ratio_raw() {
	res_ok "$1" && res_ok "$2" || return 0
	awk -v a="${RES[$1]}" -v b="${RES[$2]}" 'BEGIN { if (b > 0) printf "%.3f", a / b }'
}
ratio() {
	local r
	r=$(ratio_raw "$1" "$2")
	if [ -n "$r" ]; then calc "$r" 2; else printf '—'; fi
}
# verdict VALUE LIMIT: met when VALUE <= LIMIT.
verdict() {
	[ -n "$1" ] || { printf 'not measured'; return; }
	awk -v v="$1" -v l="$2" 'BEGIN { printf "%s", (v <= l) ? "met" : "missed" }'
}
version_of() { # version_of BIN: "first line (commit X)"
	local v c
	v=$("$1" --version 2>/dev/null | head -n 1)
	c=$("$1" --version 2>/dev/null | sed -n 's/^commit: *//p' | head -n 1)
	printf '%s%s' "${v:-unknown}" "${c:+ (commit $c)}"
}
# The source tree's HEAD, read from .git without running git.
src_head() {
	local g=$srcdir/.git ref h=
	[ -f "$g/HEAD" ] || return 0
	ref=$(cat "$g/HEAD")
	case $ref in
	'ref: '*)
		ref=${ref#ref: }
		if [ -f "$g/$ref" ]; then h=$(cat "$g/$ref"); else h=$(awk -v r="$ref" '$2 == r { print $1 }' "$g/packed-refs" 2>/dev/null); fi
		;;
	*) h=$ref ;;
	esac
	[ -n "$h" ] && printf '%s' "${h:0:12}"
}

row_time() { # row_time LABEL PREFIX [FLOOR_KEY]
	local p=$2 f=${3:-}
	printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$(cell "$p.barco")" "$(cell "$p.crun")" \
		"$(cell "$p.runc")" "$([ -n "$f" ] && cell "$f" || printf '—')" "$(ratio "$p.barco" "$p.crun")" \
		"$(ratio "$p.barco" "$p.runc")" "$([ -n "$f" ] && ratio "$p.barco" "$f" || printf '—')"
}
row_mem() { # row_mem LABEL PREFIX DIVISOR
	printf '| %s | %s | %s | %s | %s | %s |\n' "$1" "$(cell "$2.barco" "$3" 0)" "$(cell "$2.crun" "$3" 0)" \
		"$(cell "$2.runc" "$3" 0)" "$(ratio "$2.barco" "$2.crun")" "$(ratio "$2.barco" "$2.runc")"
}
per_container() { # per_container RUNTIME N1 N2: list's extra cost per container, in µs
	local a=scale.list.$1.$2 b=scale.list.$1.$3
	if res_ok "$a" && res_ok "$b"; then calc "(${RES[$b]} - ${RES[$a]}) * 1000 / ($3 - $2)" 1; else printf '—'; fi
}
mem512() {
	case ${RES[vm.mem512.$1]:-} in
	1) printf 'ran' ;;
	0) printf 'did not run' ;;
	*) cell "vm.mem512.$1" ;;
	esac
}

report() {
	local cg mem_gib cpu cmdline total rt s k a first last
	total=$(($(date +%s) - start_s))
	cg=$(stat -f -c %T /sys/fs/cgroup 2>/dev/null || echo unknown)
	case $cg in
	cgroup2fs) cg="cgroup v2 only" ;;
	tmpfs) cg="cgroup v1 hierarchies${unified:+ + cgroup2 at /sys/fs/cgroup/unified (hybrid)}" ;;
	esac
	mem_gib=$(awk '/^MemTotal:/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)
	cpu=$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo | head -n 1)
	cmdline="bench/run.sh BARCO"
	for a in "${orig_args[@]}"; do
		[ "$a" = "$barco_arg" ] || cmdline+=" $a"
	done
	first=${sizes[0]} last=${sizes[2]}

	echo "Generated by \`bench/run.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC') (the whole run took" \
		"$((total / 60)) min $((total % 60)) s; load average at the start: $load_start)."
	echo
	echo "- Machine: Linux $(uname -r) $(uname -m), ${cpu:-unknown CPU}, $(nproc) cores, $mem_gib GiB;" \
		"$cg."
	echo "- barco: $(version_of "$barco")$(h=$(src_head) && [ -n "$h" ] && printf '; source tree HEAD %s' "$h")"
	echo "- crun: $([ -n "$crun_bin" ] && version_of "$crun_bin" || echo "${missing[crun]}")"
	echo "- runc: $([ -n "$runc_bin" ] && version_of "$runc_bin" || echo "${missing[runc]}")"
	echo "- $(hyperfine --version); GNU time at /usr/bin/time"
	if [ -z "${missing[vm]:-}" ]; then
		echo "- VM: Debian kernel ${RES[vm.kernel]:-?} under qemu ($vm_accel), $(nproc) vCPUs, cgroup v2 only" \
			"(tests/vm/run-in-vm.sh; the part took ${vm_time:-?} s)"
	fi
	echo "- Command: \`$cmdline\`: $runs runs of 1 and 6, $runs2 of 2 and 3, $runs4 batches of 4," \
		"$reps5 samples of 5, $runs7 runs per point of 7, $vm_runs runs per runtime in the VM;" \
		"hyperfine -N (no shell), medians from --export-json."
	echo
	echo "### Time per operation (median, ms)"
	echo
	echo "The same bundle for every runtime: the demo busybox bundle (\`barco spec\`'s config: pid," \
		"network, ipc, uts, mount and cgroup namespaces, the seccomp profile, the mounts) with" \
		"\`process.args\` [\"/bin/true\"] and \`ociVersion\` 1.0.2.  On the host barco and crun ran" \
		"with \`--cgroup-manager=disabled\`; **runc ran with cgroups** (it cannot disable them: v1," \
		"a relative \`cgroupsPath\` below the benchmark's own cgroup).  In the VM every runtime used" \
		"its default cgroupfs manager on cgroup v2 with a \`cgroupsPath\`."
	echo
	echo "| scenario | barco | crun | runc | floor | barco/crun | barco/runc | barco/floor |"
	echo "|---|--:|--:|--:|--:|--:|--:|--:|"
	row_time "1. \`run\` /bin/true, host, cgroups off (runc: on)" run run.floor
	row_time "1. \`run\` /bin/true, cgroup-v2 VM ($vm_accel), cgroups on" vm.run vm.run.floor
	row_time "2. \`create\` + \`start\` + \`delete -f\`" cycle
	row_time "3. \`exec\` /bin/true into a running container (floor: nsenter)" exec exec.floor
	row_time "4. $par × (\`create\` + \`start\`) in parallel, then $par × \`delete -f\`" par par.floor
	echo
	echo "Floors: 1 and 4 \`unshare -f -p -n -i -u -m -C --mount-proc\` of the bundle's static" \
		"/bin/true (4: $par at once); 3 \`nsenter\` into the container's namespaces and root." \
		"2, 4 and 7 run through bench/cycle.c (posix_spawn, no shell); its own cost for three no-op" \
		"commands: $(cell driver.cycle) ms (\`sh -c\` with the same three: $(cell driver.sh) ms)."
	echo
	echo "### Memory and size"
	echo
	echo "| | barco | crun | runc | barco/crun | barco/runc |"
	echo "|---|--:|--:|--:|--:|--:|"
	row_mem "peak RSS of \`create\` (KB, /usr/bin/time %M, median of $reps5)" rss 1
	row_mem "VmHWM of the waiting init, created not started (KB)" hwm 1
	row_mem "binary (KB)" size 1024
	row_mem "binary, stripped (KB)" stripped 1024
	echo "| container under memory.max = 512 KiB (VM) | $(mem512 barco) | $(mem512 crun) | $(mem512 runc) | | |"
	echo
	for rt in "${scale_rts[@]}"; do
		echo "### Scale ($rt): with N other containers created (median, ms)"
		echo
		echo "| N | \`list\` | \`state\` | \`create\` + \`delete -f\` of one more |"
		echo "|--:|--:|--:|--:|"
		for s in "${sizes[@]}"; do
			echo "| $s | $(cell "scale.list.$rt.$s") | $(cell "scale.state.$rt.$s") | $(cell "scale.cd.$rt.$s") |"
		done
		echo "| growth $first → $last | $(ratio "scale.list.$rt.$last" "scale.list.$rt.$first")× |" \
			"$(ratio "scale.state.$rt.$last" "scale.state.$rt.$first")× |" \
			"$(ratio "scale.cd.$rt.$last" "scale.cd.$rt.$first")× |"
		echo
		echo "What each more container adds to \`list\`: $(per_container "$rt" "$first" "${sizes[1]}") µs from" \
			"$first to ${sizes[1]}, $(per_container "$rt" "${sizes[1]}" "$last") µs from ${sizes[1]} to $last" \
			"(equal values: linear growth)."
		echo
	done
	echo "### Targets (issue 6)"
	echo
	local r
	r=$(ratio_raw run.barco run.crun)
	echo "- $(verdict "$r" 0.6): barco/crun <= 0.6 on 1, host (${r:-—})"
	r=$(ratio_raw vm.run.barco vm.run.crun)
	echo "- $(verdict "$r" 0.6): barco/crun <= 0.6 on 1, cgroup-v2 VM (${r:-—})"
	r=$(ratio_raw cycle.barco cycle.crun)
	echo "- $(verdict "$r" 0.6): barco/crun <= 0.6 on 2 (${r:-—})"
	r=$(ratio_raw run.barco run.floor)
	echo "- $(verdict "$r" 1.5): barco <= 1.5 × the floor on 1, host (${r:-—})"
	r=$(ratio_raw rss.barco rss.crun)
	echo "- $(verdict "$r" 1): peak RSS of create <= crun's (barco/crun ${r:-—})"
	case ${RES[vm.mem512.barco]:-} in
	1) r=met ;; 0) r=missed ;; *) r="not measured" ;;
	esac
	echo "- $r: a container under memory.max = 512 KiB runs (VM)"
	r=$(ratio_raw "scale.state.barco.$last" "scale.state.barco.$first")
	echo "- $(verdict "$r" 2): \`state\` not superlinear: at most 2× from $first to $last containers (${r:-—}×)"
	r=$(ratio_raw "scale.cd.barco.$last" "scale.cd.barco.$first")
	echo "- $(verdict "$r" 2): \`create\` + \`delete\` not superlinear: at most 2× from $first to $last containers (${r:-—}×)"
	echo
	local notes=()
	for k in $(printf '%s\n' "${!RES[@]}" | sort); do
		case ${RES[$k]} in
		'!'*) notes+=("- \`$k\` failed: ${RES[$k]#!}") ;;
		esac
	done
	for k in "${!missing[@]}"; do notes+=("- ${missing[$k]}"); done
	for k in $(printf '%s\n' "${!RES[@]}" | sort); do
		case $k in vm.mem512msg.*) notes+=("- ${k#vm.mem512msg.} under memory.max = 512 KiB: ${RES[$k]}") ;; esac
	done
	if [ "${#notes[@]}" -gt 0 ]; then
		echo "Notes:"
		echo
		printf '%s\n' "${notes[@]}"
		echo
	fi
	echo "<details><summary>The commands, as run</summary>"
	echo
	echo "T is the run's temp dir, V the VM's; @ID@ and @N@ are bench/cycle.c's per-run container"
	echo "ID and worker number; \`scale.*.N\` ran with N other containers created."
	echo
	echo '```'
	printf '%s\n' "${CMDS[@]}"
	echo '```'
	echo
	echo "</details>"
}

# write_between_markers FILE MD: replace what is between the markers (creating the file, or
# appending the markers, when missing).
write_between_markers() {
	local f=$1 md=$2 nb ne
	if [ ! -e "$f" ]; then
		printf '# Performance\n\n<!-- bench:begin -->\n<!-- bench:end -->\n' >"$f" || die "cannot create $f"
	fi
	nb=$(grep -c -x '<!-- bench:begin -->' "$f" || true)
	ne=$(grep -c -x '<!-- bench:end -->' "$f" || true)
	if [ "$nb" = 0 ] && [ "$ne" = 0 ]; then
		printf '\n<!-- bench:begin -->\n<!-- bench:end -->\n' >>"$f" || die "cannot append to $f"
	elif [ "$nb" != 1 ] || [ "$ne" != 1 ]; then
		die "$f must hold each of <!-- bench:begin --> and <!-- bench:end --> once, on lines of their own: not written"
	fi
	awk -v md="$md" '
		$0 == "<!-- bench:begin -->" { print; while ((getline l < md) > 0) print l; skip = 1; next }
		$0 == "<!-- bench:end -->" { if (!skip) { exit 1 } skip = 0 }
		!skip { print }' "$f" >"$T/out.md" || die "<!-- bench:end --> comes before <!-- bench:begin --> in $f: not written"
	cat "$T/out.md" >"$f" || die "cannot write $f"
	say "wrote the table to $f"
}

report | sed "s#$T#\$T#g" >"$T/report.md"
echo
cat "$T/report.md"
[ "$write" = 1 ] && write_between_markers "$out" "$T/report.md"

status=0
for k in "${!RES[@]}"; do
	case $k in *crun* | *runc*) continue ;; esac
	case ${RES[$k]} in '!'*) status=1 ;; esac
done
[ "$status" = 0 ] || say "some barco or floor measurements failed (see the notes above)"
exit "$status"

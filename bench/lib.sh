# shellcheck shell=bash
# Shared functions of bench/run.sh (the host part) and bench/vm.sh (the part inside the pure
# cgroup-v2 VM).  Sourced, never run.  The caller sets BENCH_TMP (a scratch directory) and
# BENCH_PROG (the name in messages).
#
# Results live in the associative array RES: RES[key] is a number (milliseconds, kilobytes,
# bytes) or "!REASON" when the measurement failed, or "-REASON" when it was skipped.

declare -gA RES=()
CMDS=() # every timed command, as run, for the report

say() { printf '%s: %s\n' "${BENCH_PROG:-bench}" "$*" >&2; }
die() {
	say "error: $*"
	exit 1
}

res_set() { RES[$1]=$2; }
res_get() { printf '%s' "${RES[$1]:-}"; }
res_fail() {
	RES[$1]="!$2"
	say "FAILED: $1: $2"
}
res_skip() { RES[$1]="-$2"; }
# res_ok KEY: true when KEY holds a number.
res_ok() {
	case ${RES[$1]:-} in '' | '!'* | '-'*) return 1 ;; esac
	return 0
}

# The first line of a file, whitespace squeezed: for error messages in a table cell.
first_line() {
	local l
	l=$(grep -m1 -v '^[[:space:]]*$' "$1" 2>/dev/null | tr -s ' \t' '  ')
	printf '%s' "${l:0:160}"
}

# Arithmetic on decimals (bash has only integers).
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }

# quote_cmd ARG...: one command line that hyperfine -N splits back into the same words.
quote_cmd() {
	local out='' a
	for a in "$@"; do
		case $a in
		*[!A-Za-z0-9_./=:@,+-]*) out+=" '${a//\'/\'\\\'\'}'" ;;
		'') out+=" ''" ;;
		*) out+=" $a" ;;
		esac
	done
	printf '%s' "${out# }"
}

# hf KEY RUNS WARMUP CMD [ARG...]: time CMD with `hyperfine -N` and store its median in ms.
# hyperfine hides a failing command's stderr: after a failure, CMD runs once more on its own to
# show why.  BENCH_CLEANUP (a function name, if set) is called with KEY before and after that
# run, to remove what the failure left.
hf() {
	local key=$1 runs=$2 warm=$3 cmd json err med
	shift 3
	json=$BENCH_TMP/hf-$key.json
	err=$BENCH_TMP/hf-$key.err
	cmd=$(quote_cmd "$@")
	CMDS+=("$key: hyperfine -N --warmup $warm --runs $runs \"$cmd\"")
	if ! hyperfine -N --style none --warmup "$warm" --runs "$runs" --export-json "$json" "$cmd" \
		</dev/null >"$err" 2>&1; then
		[ -n "${BENCH_CLEANUP:-}" ] && "$BENCH_CLEANUP" "$key"
		if ! "$@" </dev/null >/dev/null 2>"$err.again"; then
			res_fail "$key" "\`$*\` failed: $(first_line "$err.again")"
		else
			res_fail "$key" "hyperfine: $(first_line "$err") (one run alone succeeded)"
		fi
		[ -n "${BENCH_CLEANUP:-}" ] && "$BENCH_CLEANUP" "$key"
		return 1
	fi
	med=$(jq -r '.results[0].median * 1000' "$json") || {
		res_fail "$key" "cannot read the median from $json"
		return 1
	}
	res_set "$key" "$(calc "$med" 3)"
	say "$(printf '%-28s median %9.2f ms  (%d runs)' "$key" "$med" "$runs")"
}

# median VALUE...: the median of numbers (the mean of the middle two for an even count).
median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) exit 1
		if (NR % 2) printf "%s", v[(NR + 1) / 2]
		else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# A copy of the demo bundle for the benchmark: SRC DST ARGS_JSON CGROUPS_PATH [ROOTFS]
# process.args = ARGS_JSON, terminal off, ociVersion 1.0.2 (crun 1.8.1 refuses newer ones with
# "unknown version specified"), linux.cgroupsPath = CGROUPS_PATH (empty: none), root.path =
# ROOTFS when given (absolute: a bundle that shares another bundle's rootfs; runc refuses a
# symlinked rootfs).  Everything else (namespaces, seccomp, mounts, masked paths) stays.
make_config() {
	local src=$1 dst=$2 args=$3 cgpath=$4 rootfs=${5:-}
	mkdir -p "$dst" || return 1
	jq --argjson args "$args" --arg cg "$cgpath" --arg rootfs "$rootfs" '
		.ociVersion = "1.0.2"
		| .process.args = $args
		| .process.terminal = false
		| (if $cg == "" then del(.linux.cgroupsPath) else .linux.cgroupsPath = $cg end)
		| (if $rootfs == "" then . else .root.path = $rootfs end)' \
		"$src/config.json" >"$dst/config.json.tmp" && mv "$dst/config.json.tmp" "$dst/config.json"
}

# rt_delete_all RUNTIME_CMD...: delete -f every container the runtime lists (its --root).
rt_delete_all() {
	local ids id
	ids=$("$@" list -q 2>/dev/null) || return 0
	for id in $ids; do
		"$@" delete -f "$id" >/dev/null 2>&1 || say "warning: \`$* delete -f $id\` failed"
	done
}

#!/usr/bin/env bash
# Run barco's libFuzzer targets one after the other, each for a given time on one core.
#
#   tests/fuzz/run.sh [-t SECONDS] [-w WORKDIR] [-s FUZZDIR] FUZZER...
#
# FUZZER is a target binary named fuzz_NAME (built by ./configure --enable-fuzz CC=clang).
# Its seeds are FUZZDIR/seeds/NAME/ and its dictionary FUZZDIR/NAME.dict (when present);
# FUZZDIR defaults to this script's directory, which is only read.  The seeds are copied
# into WORKDIR/NAME/corpus/, which the run grows (and a later run starts from); crashes,
# leaks, timeouts and out-of-memory inputs go to WORKDIR/NAME/crashes/ and stay there; the
# whole libFuzzer output is WORKDIR/NAME/fuzz.log.  One summary line per target, then a
# total; the exit status is 1 when any target failed (a crash, a leak or a UBSan report).
set -euo pipefail

usage() {
	echo "usage: $0 [-t SECONDS] [-w WORKDIR] [-s FUZZDIR] FUZZER..." >&2
	exit 2
}

seconds=300
work=fuzz-work
fuzzdir=$(cd "$(dirname "$0")" && pwd)
while getopts "t:w:s:h" opt; do
	case $opt in
	t) seconds=$OPTARG ;;
	w) work=$OPTARG ;;
	s) fuzzdir=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || usage
case $seconds in
'' | *[!0-9]*) echo "$0: -t: expected a number of seconds, got '$seconds'" >&2 && exit 2 ;;
esac

# UBSan already aborts (-fno-sanitize-recover=all); its reports carry a stack.  ASan's
# quarantine of freed memory is cut from 256 to 64 MB: a parse frees what it allocated
# within microseconds, and recycling fewer pages makes the run about 1.5 times faster.
# The caller's settings come first.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:quarantine_size_mb=64}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# count_files DIR: the number of files in DIR.
count_files() {
	find "$1" -maxdepth 1 -type f | wc -l
}

failed=0
total_runs=0
total_secs=0
total_crashes=0
for fuzzer in "$@"; do
	base=$(basename "$fuzzer")
	name=${base#fuzz_}
	if [ ! -x "$fuzzer" ]; then
		echo "$0: $fuzzer: no such fuzz target (configure with --enable-fuzz CC=clang, then make)" >&2
		exit 2
	fi
	seeds=$fuzzdir/seeds/$name
	corpus=$work/$name/corpus
	crashes=$work/$name/crashes
	log=$work/$name/fuzz.log
	mkdir -p "$corpus" "$crashes"
	if [ -d "$seeds" ]; then
		# -n: a seed already in the corpus (or grown from it) is kept as it is.
		cp -n -- "$seeds"/* "$corpus"/ 2>/dev/null || true
	fi
	dict=()
	[ -f "$fuzzdir/$name.dict" ] && dict=("-dict=$fuzzdir/$name.dict")
	before=$(count_files "$crashes")
	echo "fuzz: $base for $seconds s (corpus $corpus: $(count_files "$corpus") inputs; log $log)"
	rc=0
	start=$SECONDS
	# No -jobs/-workers: one process, one core.  -timeout: a parse takes microseconds, so
	# seconds mean a hang; -rss_limit_mb: the parsers bound their input, 2 GB is a leak.
	"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$crashes/" "${dict[@]}" "$corpus" >"$log" 2>&1 || rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	secs=$((SECONDS - start))
	stats=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9a-zA-Z]+' "$log" | tail -n 1 || true)
	new=$(($(count_files "$crashes") - before))
	# A crash before the first stat line leaves no count.
	runs=${runs:-0}
	total_runs=$((total_runs + runs))
	total_secs=$((total_secs + secs))
	total_crashes=$((total_crashes + new))
	status=ok
	if [ "$rc" -ne 0 ] || [ "$new" -gt 0 ]; then
		status="FAILED (exit status $rc)"
		failed=1
		# The report: the sanitizer's or libFuzzer's lines about the failure.
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error:|fuzz_[a-z]+: )|artifact_prefix|Test unit written' \
			"$log" | head -n 20 >&2 || true
		echo "fuzz: reproduce with: $fuzzer $crashes/FILE" >&2
	fi
	echo "fuzz: $base: $runs executions in $secs s, ${stats:-no coverage line}, $new crashes: $status"
done
echo "fuzz: $# targets, $total_runs executions in $total_secs s, $total_crashes crashes"
exit "$failed"

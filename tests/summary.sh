#!/bin/sh
# Sum the unit (Check) results and every TAP file given into one closing line,
# "N passed, N failed", and fail when anything failed or nothing ran at all.
# Usage: summary.sh CHECK_LOG_DIR BATS_TAP_FILE [VM_TAP_FILE] [LABEL=TAP_FILE ...]
# Each TAP file must exist, hold a plan ("1..N") and at least one passed test; results
# missing from the plan count as failures, and a skipped test is not a pass.  A file whose
# last line is "N passed, N failed" (a script's own closing line) is read from that line.
set -u
logdir=$1
shift
cpass=0 cfail=0
for log in "$logdir"/test_*.log; do
	[ -f "$log" ] || continue
	line=$(grep -E '^[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		echo "summary: $log has no Check result line (the program crashed?)"
		cfail=$((cfail + 1))
		continue
	fi
	n=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
	f=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
	e=$(echo "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
	cpass=$((cpass + n - f - e))
	cfail=$((cfail + f + e))
done
[ "$cpass" -gt 0 ] || { echo "summary: no Check test passed (none ran?)"; cfail=$((cfail + 1)); }
echo "unit tests (Check): $cpass passed, $cfail failed"

total=$cpass
failed=$cfail
# tap LABEL FILE: one line for FILE's results; adds them to total and failed.
tap() {
	label=$1
	file=$2
	if [ ! -f "$file" ]; then
		echo "$label: no results ($file is missing)"
		failed=$((failed + 1))
		return
	fi
	# A log that closes with its own "N passed, N failed" line (asan-bats.sh, valgrind-cli.sh),
	# or TAP.
	last=$(tail -n 1 "$file")
	skipped=
	if echo "$last" | grep -q -x -E '[0-9]+ passed, [0-9]+ failed'; then
		pass=${last%% *}
		fail=$(echo "$last" | sed -E 's/.*, ([0-9]+) failed/\1/')
	else
		plan=$(sed -n -E 's/^1\.\.([0-9]+)$/\1/p' "$file" | head -n 1)
		pass=$(grep -c -E '^ok [0-9]+' "$file" | tr -d ' ')
		skip=$(grep -c -E '^ok [0-9]+ .*# skip' "$file" | tr -d ' ')
		fail=$(grep -c -E '^not ok [0-9]+' "$file" | tr -d ' ')
		pass=$((pass - skip))
		skipped=", $skip skipped"
		if [ -z "$plan" ]; then
			echo "summary: $file has no plan line (the run broke off?)"
			fail=$((fail + 1))
		else
			missing=$((plan - pass - skip - fail))
			[ "$missing" -gt 0 ] && fail=$((fail + missing))
		fi
	fi
	if [ "$pass" -eq 0 ] && [ "$fail" -eq 0 ]; then
		echo "summary: no test passed in $file"
		fail=1
	fi
	echo "$label: $pass passed, $fail failed$skipped"
	total=$((total + pass))
	failed=$((failed + fail))
}

tap "integration tests (bats)" "$1"
shift
if [ $# -gt 0 ] && [ "${1#*=}" = "$1" ]; then
	tap "pure cgroup v2 VM tests" "$1"
	shift
fi
for arg in "$@"; do
	tap "${arg%%=*}" "${arg#*=}"
done
echo "$total passed, $failed failed"
[ "$failed" -eq 0 ]

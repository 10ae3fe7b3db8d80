#!/bin/sh
# Sum the unit (Check) and integration (bats TAP) results into one closing line,
# "N passed, N failed", and fail when anything failed or nothing ran at all.
# Usage: summary.sh CHECK_LOG_DIR BATS_TAP_FILE [VM_TAP_FILE]
set -u
logdir=$1
tap=$2
vmtap=${3:-}
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
bpass=0 bfail=0 bplan=0
if [ -f "$tap" ]; then
	bplan=$(sed -n -E 's/^1\.\.([0-9]+)$/\1/p' "$tap" | head -n 1)
	bplan=${bplan:-0}
	bpass=$(grep -c -E '^ok [0-9]+' "$tap" | tr -d ' ')
	bskip=$(grep -c -E '^ok [0-9]+ .*# skip' "$tap" | tr -d ' ')
	bfail=$(grep -c -E '^not ok [0-9]+' "$tap" | tr -d ' ')
	# A skipped test is not a pass.
	bpass=$((bpass - bskip))
	missing=$((bplan - bpass - bskip - bfail))
	[ "$missing" -gt 0 ] && bfail=$((bfail + missing))
else
	echo "summary: no bats results in $tap"
	bfail=1
	bskip=0
fi
vpass=0 vfail=0 vskip=0
if [ -n "$vmtap" ]; then
	if [ -f "$vmtap" ]; then
		vplan=$(sed -n -E 's/^1\.\.([0-9]+)$/\1/p' "$vmtap" | head -n 1)
		vpass=$(grep -c -E '^ok [0-9]+' "$vmtap" | tr -d ' ')
		vskip=$(grep -c -E '^ok [0-9]+ .*# skip' "$vmtap" | tr -d ' ')
		vfail=$(grep -c -E '^not ok [0-9]+' "$vmtap" | tr -d ' ')
		vpass=$((vpass - vskip))
		missing=$((${vplan:-1} - vpass - vskip - vfail))
		[ "$missing" -gt 0 ] && vfail=$((vfail + missing))
		# A VM run in which nothing passed tested nothing.
		if [ "$vpass" -eq 0 ] && [ "$vfail" -eq 0 ]; then
			echo "summary: no test passed in the VM ($vmtap)"
			vfail=1
		fi
	else
		echo "summary: no VM results in $vmtap"
		vfail=1
	fi
fi
echo "unit tests (Check): $cpass passed, $cfail failed"
echo "integration tests (bats): $bpass passed, $bfail failed, $bskip skipped"
[ -n "$vmtap" ] && echo "pure cgroup v2 VM tests: $vpass passed, $vfail failed, $vskip skipped"
total=$((cpass + bpass + vpass))
failed=$((cfail + bfail + vfail))
echo "$total passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$cpass" -gt 0 ] && [ "$bpass" -gt 0 ]

#!/usr/bin/env bash
# The Check programs and a subset of the bats suite against an --enable-asan build, with every
# sanitizer report fatal: AddressSanitizer, LeakSanitizer and UndefinedBehaviorSanitizer.
# Closes with "N passed, N failed" and fails when anything failed, when a sanitizer wrote a
# report, or when nothing ran.
# Usage: asan-bats.sh BUILDDIR [BATS_FILE...]
#   BUILDDIR  a build tree configured with --enable-asan (built here if it is not yet)
#   BATS_FILE bats files to run instead of the default subset (names under bats/ or paths)
set -euo pipefail

die() {
	echo "asan-bats.sh: $*" >&2
	exit 1
}

[ $# -ge 1 ] || die "usage: asan-bats.sh BUILDDIR [BATS_FILE...]"
[ -f "$1/Makefile" ] || die "$1: not a configured build tree (no Makefile)"
builddir=$(cd "$1" && pwd)
shift
srcdir=$(sed -n -e 's/^abs_top_srcdir = //p' "$builddir/Makefile")
[ -d "$srcdir/bats" ] || die "$builddir/Makefile names no source tree with bats/ (abs_top_srcdir)"
[ "$(id -u)" = 0 ] || die "must run as root (the bats suite makes containers)"
command -v bats >/dev/null || die "bats not found (Debian package bats)"

# The default subset, for a run of about 7.5 minutes on a loaded 2-core machine (Check
# programs 40 s, bats 390 s; each file measured alone under ASan: lifecycle 137 s, corpus 81 s,
# exec 79 s, crash 51 s, seccomp 29 s): the whole lifecycle and state machine, the bad-input
# corpus (every parser's error paths), exec, barco killed mid-way and damaged state files, and
# seccomp (libseccomp, the filter cache).  Every other file passes under ASan as well (but
# cgroup-memfloor's 512 KiB memory limit, which an ASan init cannot fit in); they would take
# the run past its budget.
default_bats=(lifecycle corpus exec crash seccomp)
if [ $# -gt 0 ]; then
	bats_files=("$@")
else
	bats_files=("${default_bats[@]}")
fi
for i in "${!bats_files[@]}"; do
	f=${bats_files[$i]}
	[ -f "$f" ] || f=$srcdir/bats/${f%.bats}.bats
	[ -f "$f" ] || die "no bats file ${bats_files[$i]}"
	bats_files[i]=$f
done

grep -q -E '^CFLAGS = .*-fsanitize=address' "$builddir/Makefile" ||
	die "$builddir is not configured with --enable-asan"

echo "asan-bats.sh: building in $builddir"
make -C "$builddir" -j2 >"$builddir/asan-build.log" 2>&1 ||
	die "make failed: see $builddir/asan-build.log"
# The Check programs, as the Makefile lists them (after the build: it may regenerate itself).
# shellcheck disable=SC2016 # $(check_PROGRAMS) is for make
check_programs=$(make -s --no-print-directory -C "$builddir" -f Makefile -f - asan-print-check-programs \
	<<<'asan-print-check-programs: ; @echo $(check_PROGRAMS)')
[ -n "$check_programs" ] || die "the Makefile lists no Check programs (is check installed? configure disables them without it)"
# shellcheck disable=SC2086 # a list of make targets
make -C "$builddir" -j2 $check_programs >>"$builddir/asan-build.log" 2>&1 ||
	die "building the Check programs failed: see $builddir/asan-build.log"
barco=$builddir/barco
# An uninstrumented barco would pass everything here and prove nothing.
syms=$(readelf --dyn-syms -W "$barco") || die "readelf failed on $barco (Debian package binutils)"
grep -q '__asan_report_' <<<"$syms" ||
	die "$barco is not built with AddressSanitizer: configure the build tree with --enable-asan"

logs=$(mktemp -d /tmp/barco-asan.XXXXXX)
trap 'rm -rf "$logs"' EXIT

# Every report is fatal.  ASan and LeakSanitizer reports also go to a file under $logs
# (log_path; one per process, asan.PID), so that one counts even where a test expects barco to
# fail and does not look at why; the container's init writes there too until pivot_root, after
# which an unopenable log path ends it (which fails the test).  UBSan's reports go to stderr
# only: GCC's libubsan runs as a plugin of libasan and ignores log_path there, so
# abort_on_error makes each one a SIGABRT (status 134), which no test takes for barco's
# error exit (status 1; assert_error also wants exactly one line on stderr).
# detect_leaks: LeakSanitizer at every barco exit.
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1:log_path=$logs/asan"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1"

cpass=0 cfail=0
start=$SECONDS
# CK_FORK=no: in fork mode LeakSanitizer runs at the exit of each test's child, which took
# 170 s for the programs here against 45 s for one check at each program's exit, which finds
# the same leaks.  A program that needs the isolation sets it itself (test_caps does).
for prog in $check_programs; do
	name=${prog##*/}
	rc=0
	(cd "$builddir" && CK_FORK=no timeout -k 10 600 "./$prog") >"$logs/$name.out" 2>&1 || rc=$?
	line=$(grep -E '^[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' \
		"$logs/$name.out" | tail -n 1 || true)
	if [ -z "$line" ]; then
		echo "not ok - Check $name: no result line (exit $rc)"
		sed -e 's/^/# /' "$logs/$name.out" | tail -n 30
		cfail=$((cfail + 1))
		continue
	fi
	n=$(sed -E 's/.*Checks: ([0-9]+).*/\1/' <<<"$line")
	f=$(sed -E 's/.*Failures: ([0-9]+).*/\1/' <<<"$line")
	e=$(sed -E 's/.*Errors: ([0-9]+).*/\1/' <<<"$line")
	if [ "$rc" -ne 0 ] && [ $((f + e)) -eq 0 ]; then
		# All checks passed, then the program failed: a report at exit (a leak).
		e=1
	fi
	cpass=$((cpass + n - f - e))
	cfail=$((cfail + f + e))
	if [ $((f + e)) -eq 0 ]; then
		echo "ok - Check $name: $n checks"
	else
		echo "not ok - Check $name: $line (exit $rc)"
		grep -E ':[EF]:' "$logs/$name.out" | sed -e 's/^/# /' | head -n 20 || true
	fi
done
echo "# Check programs: $((SECONDS - start)) s"

start=$SECONDS
rc=0
# timeout: a hung barco can outlast BATS_TEST_TIMEOUT (LeakSanitizer spinning at exit did);
# 30 minutes is four times what the default subset takes.
(cd "$srcdir" && BARCO=$barco BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-300} \
	timeout -k 30 1800 bats --tap "${bats_files[@]}") </dev/null | tee "$logs/bats.tap" || rc=$?
echo "# bats: $((SECONDS - start)) s (exit $rc)"
tap=$logs/bats.tap
bplan=$(sed -n -E 's/^1\.\.([0-9]+)$/\1/p' "$tap" | head -n 1)
bplan=${bplan:-0}
bok=$(grep -c -E '^ok [0-9]+' "$tap" || true)
bskip=$(grep -c -E '^ok [0-9]+ .*# skip' "$tap" || true)
bfail=$(grep -c -E '^not ok [0-9]+' "$tap" || true)
bpass=$((bok - bskip))
missing=$((bplan - bok - bfail))
if [ "$missing" -gt 0 ]; then
	echo "asan-bats.sh: $missing of $bplan bats tests did not report"
	bfail=$((bfail + missing))
fi
if [ "$rc" -ne 0 ] && [ "$bfail" -eq 0 ]; then
	echo "asan-bats.sh: bats exited $rc with no failed test"
	bfail=1
fi
# A run that tested nothing is no pass.
if [ "$cpass" -eq 0 ] && [ "$cfail" -eq 0 ]; then
	echo "asan-bats.sh: no Check test ran"
	cfail=1
fi
if [ "$bpass" -eq 0 ] && [ "$bfail" -eq 0 ]; then
	echo "asan-bats.sh: no bats test passed"
	bfail=1
fi

# Reports: every file the sanitizers wrote is one failure, whatever the tests said.
reports=0
for r in "$logs"/asan.*; do
	[ -s "$r" ] || continue
	reports=$((reports + 1))
	echo "not ok - sanitizer report ${r##*/}:"
	sed -e 's/^/# /' "$r" | head -n 60
done

echo "unit tests (Check, ASan+UBSan): $cpass passed, $cfail failed"
echo "integration tests (bats, ASan+UBSan): $bpass passed, $bfail failed, $bskip skipped"
echo "sanitizer reports: $reports"
passed=$((cpass + bpass))
failed=$((cfail + bfail + reports))
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$cpass" -gt 0 ] && [ "$bpass" -gt 0 ]

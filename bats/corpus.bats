#!/usr/bin/env bats
# The bad-input corpus (tests/corpus/): malformed config.json documents and bad command lines.
# Every case must exit with status 1, print exactly one line on stderr ("barco: ...") holding
# the case's expected substring, print nothing on stdout, and leave nothing behind: no state
# entry, no mount, no cgroup named after the container ID, no process of the test.
#
# bats has no dynamic test registration, so each @test runs one category of cases in a loop,
# collects every failing case by name, and fails at the end with all of them listed.  A
# category with fewer cases than its minimum fails too: a test that runs nothing is a defect.

load helpers

CORPUS=$BATS_TEST_DIRNAME/../tests/corpus

setup() {
	common_setup
	cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/good.json"
	MOUNTS_BEFORE=$(grep -F "$BATS_TEST_TMPDIR" /proc/self/mountinfo | tr '\n' ' ' || true)
	MOUNTS_BEFORE=${MOUNTS_BEFORE% }
	FAILURES=()
	declare -gA CASE_OF=()
	NCASES=0
	OUT=$BATS_TEST_TMPDIR/case.out
	ERR=$BATS_TEST_TMPDIR/case.err
}

# fail_case NAME WHAT: record a failure of case NAME (with the output of its run).
fail_case() {
	FAILURES+=("$1: $2; stdout: $(head -c 300 "$OUT" 2>/dev/null); stderr: $(head -c 600 "$ERR" 2>/dev/null)")
}

# The pids of processes (started by this test) whose environment carries the test's mark:
# barco and the container init get it from common_setup.  grep runs without the mark, so it
# does not find itself; the bash of the test never exec'd with it, so /proc shows it without.
marked_case_pids() {
	local f
	while IFS= read -r f; do
		f=${f#/proc/}
		echo "${f%/environ}"
	done < <(env -u "$MARK_VAR" grep -lsFz -- "$MARK_VAR=$BATS_TEST_TMPDIR" /proc/[0-9]*/environ)
}

# check_case_leftovers NAME: no state entry and no mount remain after case NAME; clean up
# what does, so that it does not count against the next case.  (Forks are what costs here:
# this runs after every case, so it uses bash alone.)
check_case_leftovers() {
	local name=$1 i p
	local -a entries=() mounts=() left=()
	entries=("$ROOT"/.[!.]* "$ROOT"/*)
	for i in "${entries[@]}"; do
		[ -e "$i" ] && [ "${i##*/}" != .seccomp-cache ] && left+=("${i##*/}")
	done
	if [ "${#left[@]}" -gt 0 ]; then
		fail_case "$name" "state entries left behind: ${left[*]}"
		for i in $("$BARCO" --root "$ROOT" list -q 2>/dev/null); do
			"$BARCO" --root "$ROOT" delete -f "$i" >/dev/null 2>&1 3>&- || true
		done
		for i in "${left[@]}"; do
			rm -rf "${ROOT:?}/$i"
		done
	fi
	mapfile -t mounts </proc/self/mountinfo
	left=()
	for i in "${mounts[@]}"; do
		[[ "$i" == *"$BATS_TEST_TMPDIR"* ]] && left+=("$i")
	done
	if [ "${left[*]}" != "$MOUNTS_BEFORE" ]; then
		fail_case "$name" "mounts left behind: ${left[*]}"
		for i in "${left[@]}"; do
			p=$(echo "$i" | awk '{print $5}')
			umount -l "$p" 2>/dev/null || true
		done
	fi
}

# check_test_leftovers: after all cases of the test, no cgroup is named after a case's ID and
# no process of the test is left: neither one whose command line holds a case's ID (barco)
# nor one with the test's mark (barco, the container init).  IDs are corpusTEST-PID-N, so a
# cgroup or a barco process names its case; done once per test, as `find` over the cgroup
# hierarchies and a scan of /proc cost more than a failed create does.
check_test_leftovers() {
	local prefix=corpus$BATS_TEST_NUMBER-$$- p id pids i
	while IFS= read -r p; do
		[ -n "$p" ] || continue
		id=${p##*/}
		id=$prefix${id#*"$prefix"}
		id=${id%%[!a-zA-Z0-9-]*}
		FAILURES+=("${CASE_OF[$id]:-?}: cgroup left behind: $p")
		rmdir "$p" 2>/dev/null || true
	done < <(find /sys/fs/cgroup -maxdepth 6 -type d -name "*$prefix*" 2>/dev/null | sort -r)
	while IFS= read -r p; do
		p=${p#/proc/}
		p=${p%/cmdline}
		[ "$p" = "$$" ] || [ "$p" = "$BASHPID" ] && continue
		id=$(tr '\0' '\n' <"/proc/$p/cmdline" 2>/dev/null | grep -m1 "^$prefix" || true)
		FAILURES+=("${CASE_OF[$id]:-?}: process left behind: pid $p: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)")
		kill -KILL "$p" 2>/dev/null || true
	done < <(grep -lsF -- "$prefix" /proc/[0-9]*/cmdline)
	pids=$(marked_case_pids)
	for ((i = 0; i < 20 && ${#pids} > 0; i++)); do
		sleep 0.1
		pids=$(marked_case_pids)
	done
	for p in $pids; do
		FAILURES+=("?: process left behind: pid $p: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)")
		kill -KILL "$p" 2>/dev/null || true
	done
}

# run_case NAME ID EXPECTED ARG...: `barco --root $ROOT ARG...` fails as a bad input must.
run_case() {
	local name=$1 id=$2 want=$3 rc=0
	local -a lines
	shift 3
	NCASES=$((NCASES + 1))
	CASE_OF[$id]=$name
	# stdout to a file, not a pipe: a create that wrongly succeeds leaves a container holding
	# its stdio open, which a command substitution would wait for.
	timeout -k 2 20 "$BARCO" --root "$ROOT" "$@" </dev/null >"$OUT" 2>"$ERR" 3>&- || rc=$?
	if [ "$rc" -ne 1 ]; then
		fail_case "$name" "exit status $rc, expected 1"
		[ "$rc" -eq 0 ] && [ -n "$id" ] &&
			{ "$BARCO" --root "$ROOT" delete -f "$id" >/dev/null 2>&1 3>&- || true; }
	fi
	mapfile -t lines <"$ERR"
	if [ "${#lines[@]}" -ne 1 ]; then
		fail_case "$name" "${#lines[@]} lines on stderr, expected 1"
	elif [[ "${lines[0]}" != "barco: "* ]]; then
		fail_case "$name" "the error line does not start with 'barco: '"
	elif [[ "${lines[0]}" != *"$want"* ]]; then
		fail_case "$name" "the error does not contain '$want'"
	fi
	if [ -s "$OUT" ]; then
		fail_case "$name" "output on stdout"
	fi
	check_case_leftovers "$name"
}

# finish MIN: fail when fewer than MIN cases ran or any case failed, listing every failure.
finish() {
	local min=$1 f
	check_test_leftovers
	echo "# $NCASES cases" >&3
	if [ "$NCASES" -lt "$min" ]; then
		echo "only $NCASES cases ran, expected at least $min (is $CORPUS complete?)" >&2
		return 1
	fi
	if [ "${#FAILURES[@]}" -gt 0 ]; then
		echo "${#FAILURES[@]} failure(s) in $NCASES cases:" >&2
		for f in "${FAILURES[@]}"; do
			echo "  $f" >&2
		done
		return 1
	fi
}

# config_cases FILE MIN [NAME-REGEX [INVERT]]: every case of tests/corpus/config/FILE (whose
# name matches NAME-REGEX, or does not when INVERT is 1) fails `barco create`.  One jq run
# makes all the documents (compact, one a line): a jq per case would cost more than barco.
config_cases() {
	local file=$CORPUS/config/$1 min=$2 re=${3:-} invert=${4:-0} name filter want extra i id
	local prog='' sep='' docs=$BATS_TEST_TMPDIR/docs
	local -a names=() wants=() lines=()
	[ -f "$file" ] || {
		echo "missing corpus file $file" >&2
		return 1
	}
	while IFS=$'\t' read -r name filter want extra; do
		[[ -z "$name" || "$name" == "#"* ]] && continue
		if [ -n "$re" ]; then
			if [[ "$name" =~ $re ]]; then
				[ "$invert" = 1 ] && continue
			else
				[ "$invert" = 1 ] || continue
			fi
		fi
		if [ -z "$filter" ] || [ -z "$want" ] || [ -n "$extra" ]; then
			FAILURES+=("$name: malformed line in $file (want NAME<TAB>FILTER<TAB>EXPECTED)")
			continue
		fi
		names+=("$name")
		wants+=("$want")
		prog+="$sep(try ([$filter] | .[0]) catch {\"corpus jq error\": .})"
		sep=', '
	done <"$file"
	if ! jq -c "$prog" "$BATS_TEST_TMPDIR/good.json" >"$docs"; then
		echo "jq failed on the filters of $file" >&2
		return 1
	fi
	mapfile -t lines <"$docs"
	if [ "${#lines[@]}" -ne "${#names[@]}" ]; then
		echo "jq made ${#lines[@]} documents for ${#names[@]} cases of $file" >&2
		return 1
	fi
	for i in "${!names[@]}"; do
		if [[ "${lines[$i]}" == '{"corpus jq error":'* ]]; then
			FAILURES+=("${names[$i]}: jq filter failed: ${lines[$i]}")
			continue
		fi
		id=corpus$BATS_TEST_NUMBER-$$-$i
		printf '%s\n' "${lines[$i]}" >"$BUNDLE/config.json"
		run_case "${names[$i]}" "$id" "${wants[$i]}" create -b "$BUNDLE" "$id"
	done
	cp "$BATS_TEST_TMPDIR/good.json" "$BUNDLE/config.json"
	finish "$min"
}

# cli_cases MIN NAME-REGEX INVERT: the cases of tests/corpus/cli.cases, as config_cases.
cli_cases() {
	local min=$1 re=$2 invert=$3 name argline want extra n=0 id a w longid
	local -a args
	local noconf=$BATS_TEST_TMPDIR/noconf file=$BATS_TEST_TMPDIR/afile
	local missing=$BATS_TEST_TMPDIR/missing ttybundle=$BATS_TEST_TMPDIR/ttybundle
	mkdir -p "$noconf" "$ttybundle"
	: >"$file"
	ln -s "$BUNDLE/rootfs" "$ttybundle/rootfs"
	jq '.process.terminal = true' "$BUNDLE/config.json" >"$ttybundle/config.json"
	longid=$(printf 'a%.0s' {1..1025})
	while IFS=$'\t' read -r name argline want extra; do
		[[ -z "$name" || "$name" == "#"* ]] && continue
		if [[ "$name" =~ $re ]]; then
			[ "$invert" = 1 ] && continue
		else
			[ "$invert" = 1 ] || continue
		fi
		if [ -z "$argline" ] || [ -z "$want" ] || [ -n "$extra" ]; then
			FAILURES+=("$name: malformed line in cli.cases (want NAME<TAB>ARGS<TAB>EXPECTED)")
			continue
		fi
		n=$((n + 1))
		id=corpus$BATS_TEST_NUMBER-$$-$n
		args=()
		for a in $argline; do
			a=${a//@ID@/$id}
			a=${a//@BUNDLE@/$BUNDLE}
			a=${a//@TTYBUNDLE@/$ttybundle}
			a=${a//@NOCONF@/$noconf}
			a=${a//@FILE@/$file}
			a=${a//@MISSING@/$missing}
			a=${a//@LONGID@/$longid}
			a=${a//@EMPTY@/}
			args+=("$a")
		done
		w=${want//@ID@/$id}
		w=${w//@NOCONF@/$noconf}
		w=${w//@FILE@/$file}
		w=${w//@MISSING@/$missing}
		run_case "$name" "$id" "$w" "${args[@]}"
	done <"$CORPUS/cli.cases"
	finish "$min"
}

@test "corpus: JSON syntax errors and non-object documents" {
	local f want extra listed=0 files
	files=$(find "$CORPUS/syntax" -maxdepth 1 -type f -name '*.json' | wc -l)
	while IFS=$'\t' read -r f want extra; do
		[[ -z "$f" || "$f" == "#"* ]] && continue
		listed=$((listed + 1))
		if [ ! -f "$CORPUS/syntax/$f" ] || [ -z "$want" ] || [ -n "$extra" ]; then
			FAILURES+=("$f: listed in syntax.cases but missing or malformed")
			continue
		fi
		cp "$CORPUS/syntax/$f" "$BUNDLE/config.json"
		run_case "$f" "corpus$BATS_TEST_NUMBER-$$-$listed" "$want" \
			create -b "$BUNDLE" "corpus$BATS_TEST_NUMBER-$$-$listed"
	done <"$CORPUS/syntax.cases"
	if [ "$files" -ne "$listed" ]; then
		FAILURES+=("syntax/ holds $files files but syntax.cases lists $listed")
	fi
	finish 35
}

@test "corpus: wrong types outside linux" {
	config_cases types.cases 40 '^linux' 1
}

@test "corpus: wrong types in linux" {
	config_cases types.cases 35 '^linux'
}

@test "corpus: out-of-range and unknown values" {
	config_cases range.cases 30
}

@test "corpus: missing required fields" {
	config_cases missing.cases 20
}

@test "corpus: bad seccomp profiles" {
	config_cases seccomp.cases 15
}

@test "corpus: semantic errors (namespaces, id mappings, sysctl, hooks, exec)" {
	config_cases semantic.cases 25
}

@test "corpus: relative paths and path traversal" {
	config_cases paths.cases 20
}

@test "corpus: bad command lines" {
	cli_cases 30 '-missing-container$' 1
}

@test "corpus: commands on a container that does not exist" {
	cli_cases 10 '-missing-container$' 0
}

#!/usr/bin/env bats
# Concurrency (issue 7): many lifecycles driven in parallel, racing creates of one ID, and
# state, kill and delete racing on one container.  The containers run without cgroups
# (--cgroup-manager=disabled): what these tests race is the state root, not the cgroup tree.
#
# The workers are plain `bash -c` processes running the exported functions below: under
# bats' tracing every shell command of a worker would cost milliseconds.

load helpers

# bc ARGS...: barco on this test's state root, without cgroups.
bc() {
	"$BARCO" --root "$ROOT" --cgroup-manager=disabled "$@" 3>&-
}

# one_line FILE: FILE's text on one line (no processes: a loaded machine makes each cost
# tens of milliseconds, and the workers run thousands of commands).
one_line() {
	local -a l
	mapfile -t l <"$1"
	echo "${l[*]}"
}

# json_field FILE NAME: the value of "NAME": in barco's pretty-printed state output.
json_field() {
	local line re="^ *\"$2\": \"?([^\",]*)"
	while IFS= read -r line; do
		if [[ "$line" =~ $re ]]; then
			echo "${BASH_REMATCH[1]}"
			return 0
		fi
	done <"$1"
	return 1
}

# try ID WHAT CMD...: run CMD with stdout in $WORK/ID.out and stderr in $WORK/ID.err (files:
# a created container keeps the stdio of create open); when it fails, append
# "ID: WHAT exited N: STDERR" to $WORK/failures.
try() {
	local id=$1 what=$2 rc=0
	shift 2
	"$@" </dev/null >"$WORK/$id.out" 2>"$WORK/$id.err" || rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "$id: $what exited $rc: $(one_line "$WORK/$id.err")" >>"$WORK/failures"
	fi
	return "$rc"
}

# lifecycle ID: create, start, kill and delete one container, recording its init's pid in
# $WORK/pids; every failure goes to $WORK/failures.
lifecycle() {
	local id=$1 pid i st=
	try "$id" create bc create -b "$BUNDLE" "$id" || return 1
	try "$id" state bc state "$id" || return 1
	pid=$(json_field "$WORK/$id.out" pid)
	echo "$pid" >>"$WORK/pids"
	try "$id" start bc start "$id" || return 1
	try "$id" kill bc kill "$id" KILL || return 1
	# The init dies asynchronously: delete (not forced) wants it stopped.
	for ((i = 0; i < 100; i++)); do
		try "$id" state bc state "$id" || return 1
		st=$(json_field "$WORK/$id.out" status)
		[ "$st" = stopped ] && break
		sleep 0.05
	done
	if [ "$st" != stopped ]; then
		echo "$id: status '$st' 5 s after kill KILL (init pid $pid)" >>"$WORK/failures"
		return 1
	fi
	try "$id" delete bc delete "$id"
}

# check_line WHAT STATUS ERRFILE PATTERN...: append to $WORK/failures unless STATUS is 0 or
# it is 1 and ERRFILE is one line matching one of the (glob) PATTERNs.  Any message about a
# corrupt or unparsable state is a failure, whatever the status.
check_line() {
	local what=$1 rc=$2 errfile=$3 p
	local -a l
	shift 3
	mapfile -t l <"$errfile"
	if [[ "${l[*]}" =~ corrupt|parse|JSON|json|unexpected|truncated ]]; then
		echo "$what exited $rc: ${l[*]}" >>"$WORK/failures"
		return 0
	fi
	[ "$rc" -eq 0 ] && return 0
	if [ "${#l[@]}" -eq 1 ] && [ "$rc" -eq 1 ]; then
		for p in "$@"; do
			# shellcheck disable=SC2053 # $p is a glob on purpose
			[[ "${l[0]}" == $p ]] && return 0
		done
	fi
	echo "$what exited $rc: ${l[*]}" >>"$WORK/failures"
}

# racer KIND ID N WORKER: N rounds of one command on ID (state, kill or delete -f), each
# outcome checked: state prints JSON (kept in $WORK/json/, for one jq at the end) or says the
# container does not exist; kill works or says the container does not exist or is not
# running; delete -f works.
racer() {
	local kind=$1 id=$2 n=$3 w=$4 k rc out err
	out=$WORK/$kind-$w.out
	err=$WORK/$kind-$w.err
	for ((k = 0; k < n; k++)); do
		rc=0
		case $kind in
		state)
			out=$WORK/json/$w-$k-$RANDOM
			bc state "$id" </dev/null >"$out" 2>"$err" || rc=$?
			[ "$rc" -eq 0 ] || rm -f "$out"
			check_line "state $id" "$rc" "$err" "barco: container does not exist*"
			;;
		kill)
			bc kill "$id" USR1 </dev/null >"$out" 2>"$err" || rc=$?
			check_line "kill $id USR1" "$rc" "$err" \
				"barco: container does not exist*" "barco: container not running*"
			;;
		delete)
			# Spread the deletes over the round, so that they meet the others.
			sleep "0.0$((RANDOM % 10))"
			bc delete -f "$id" </dev/null >"$out" 2>"$err" || rc=$?
			check_line "delete -f $id" "$rc" "$err"
			;;
		esac
	done
}

setup() {
	common_setup
	WORK=$BATS_TEST_TMPDIR/work
	mkdir -p "$WORK"
	: >"$WORK/failures"
	: >"$WORK/pids"
	mkdir "$WORK/json"
	export BARCO ROOT BUNDLE WORK MARK_VAR
	export -f bc one_line json_field try lifecycle check_line racer
	update_config '.process.args = ["sleep", "100"]'
}

# assert_no_failures: nothing in $WORK/failures.
assert_no_failures() {
	if [ -s "$WORK/failures" ]; then
		echo "$(wc -l <"$WORK/failures") failures:" >&2
		cat "$WORK/failures" >&2
		return 1
	fi
}

# assert_inits_gone: none of the pids in $WORK/pids is a live process of this test (a pid
# reused by another process is not ours: it lacks the mark).
assert_inits_gone() {
	local alive=
	[ -s "$WORK/pids" ] || return 0
	for ((i = 0; i < 50; i++)); do
		# grep runs without the mark, or it would find itself.
		alive=$(sed 's|.*|/proc/&/environ|' "$WORK/pids" |
			xargs env -u "$MARK_VAR" grep -lzsxF -- "$MARK_VAR=$BATS_TEST_TMPDIR" || true)
		[ -z "$alive" ] && return 0
		sleep 0.1
	done
	echo "container inits still alive: $alive" >&2
	return 1
}

# assert_nothing_left: no state entry, no init alive, no mount of the test.
assert_nothing_left() {
	assert_root_empty
	assert_inits_gone
	if grep -F "$BATS_TEST_TMPDIR" /proc/self/mountinfo >&2; then
		echo "mounts left behind (above)" >&2
		return 1
	fi
}

@test "100 containers through create/start/kill/delete by 8 parallel workers: no error, nothing left" {
	local t0 rc=0
	t0=$(date +%s%N)
	# seq -f: c001..c100.
	seq -f 'c%03g' 1 100 | xargs -P 8 -n 1 bash -c 'lifecycle "$1"' lifecycle 3>&- || rc=$?
	echo "# 100 lifecycles by 8 workers: $((($(date +%s%N) - t0) / 1000000)) ms" >&3
	assert_no_failures
	[ "$rc" -eq 0 ]
	[ "$(wc -l <"$WORK/pids")" -eq 100 ]
	assert_nothing_left
}

@test "10 concurrent creates of one ID: exactly one succeeds, the others fail cleanly, the winner is intact" {
	local j pids=() rc wins=0 losers=0 pid
	# All ten wait on one fifo and go when it gets ten lines (our fd keeps it open, so that
	# an open never blocks).
	mkfifo "$WORK/go"
	exec 5<>"$WORK/go"
	for ((j = 0; j < 10; j++)); do
		bash -c 'read -r _ <"$WORK/go"; exec "$BARCO" --root "$ROOT" \
			--cgroup-manager=disabled create -b "$BUNDLE" same' \
			</dev/null >"$WORK/create-$j.out" 2>"$WORK/create-$j.err" 3>&- 5>&- &
		pids+=("$!")
	done
	KNOWN_PIDS+=("${pids[@]}")
	printf 'go\n%.0s' {1..10} >&5
	for ((j = 0; j < 10; j++)); do
		rc=0
		wait "${pids[j]}" || rc=$?
		if [ "$rc" -eq 0 ]; then
			wins=$((wins + 1))
			[ ! -s "$WORK/create-$j.err" ] || {
				echo "the winner printed: $(cat "$WORK/create-$j.err")" >&2
				return 1
			}
		else
			losers=$((losers + 1))
			check_line "create #$j" "$rc" "$WORK/create-$j.err" \
				"barco: container already exists: same"
		fi
	done
	exec 5>&-
	assert_no_failures
	[ "$wins" -eq 1 ]
	[ "$losers" -eq 9 ]
	# The winner is whole: created, its init waiting, then started, running and deleted.
	[ "$(status_of same)" = created ]
	pid=$(pid_of same)
	echo "$pid" >"$WORK/pids"
	[ "$(state_entries "$ROOT")" = same ]
	# Only the winner's init carries the mark; the losers started none.
	[ "$(marked_pids)" = "$pid" ]
	run --separate-stderr barco start same
	assert_success
	[ "$(status_of same)" = running ]
	[ "$(tr '\0' ' ' <"/proc/$pid/cmdline")" = "sleep 100 " ]
	run --separate-stderr barco delete -f same
	assert_success
	assert_nothing_left
}

@test "state, kill and delete -f racing on one container, 4 rounds: state.json never corrupt, nothing left" {
	local round w wpids rc=0 states=0
	for ((round = 0; round < 4; round++)); do
		# Created in half of the rounds, running in the others.
		bc create -b "$BUNDLE" racy </dev/null >>"$WORK/create.out" 2>>"$WORK/create.err"
		pid_of racy >>"$WORK/pids"
		[ $((round % 2)) -eq 0 ] || bc start racy
		wpids=()
		for w in 1 2 3; do
			bash -c 'racer state racy 10 "$1"' racer "$w" 3>&- &
			wpids+=("$!")
		done
		for w in 1 2; do
			bash -c 'racer kill racy 10 "$1"' racer "$w" 3>&- &
			wpids+=("$!")
			bash -c 'racer delete racy 1 "$1"' racer "$w" 3>&- &
			wpids+=("$!")
		done
		KNOWN_PIDS+=("${wpids[@]}")
		for w in "${wpids[@]}"; do
			wait "$w" || rc=1
		done
		assert_no_failures
		[ "$rc" -eq 0 ]
		# Every state that worked printed this container's state, as JSON (one jq for all).
		local -a files=("$WORK"/json/*)
		if [ -e "${files[0]}" ]; then
			states=$((states + ${#files[@]}))
			jq -en '[inputs] | all(.id == "racy" and (.status | type) == "string")' \
				"${files[@]}" >/dev/null || {
				echo "state printed:" >&2
				cat "${files[@]}" >&2
				return 1
			}
		fi
		rm -f "$WORK"/json/*
		# Both deletes are done: the container is gone.
		run --separate-stderr barco state racy
		assert_error "container does not exist: racy"
		assert_nothing_left
	done
	echo "# $states states printed JSON, the others said 'does not exist'" >&3
}

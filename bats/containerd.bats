#!/usr/bin/env bats
# containerd (Debian's 1.6, with containerd-shim-runc-v2) driving barco as its runc: a private
# containerd started for this file, `ctr run --runc-binary $BARCO` of the test rootfs in the
# foreground, detached and with a terminal, `ctr task exec`, kill, pause/resume, ps, metrics,
# and the json log path that carries barco's error into ctr's message.  Each container's
# cgroup is named by a relative cgroupsPath, so it lands below the test's own cgroup; the
# teardowns fail a test that leaves a task, a barco state entry, a shim, a mount or a cgroup.

# shellcheck disable=SC2016 # the containers' scripts expand inside the container

load helpers
load cgroup-helpers
load containerd-helpers

setup_file() {
	local c
	for c in containerd ctr containerd-shim-runc-v2; do
		if ! command -v "$c" >/dev/null; then
			export CTRD_SKIP="$c is not installed (Debian package containerd)"
			return 0
		fi
	done
	common_setup_file
	ctrd_start
}

teardown_file() {
	[ -z "${CTRD_SKIP:-}" ] || return 0
	ctrd_stop
}

setup() {
	[ -z "${CTRD_SKIP:-}" ] || skip "$CTRD_SKIP"
	check_barco_binary
	CG=barco-ctrd-$CTRD_TOKEN-$BATS_TEST_NUMBER
	RFS=$BATS_TEST_TMPDIR/rootfs
	RUNTIME=$BARCO
	cp -a "$BATS_FILE_TMPDIR/rootfs" "$RFS"
}

teardown() {
	local rc=0 left id
	[ -z "${CTRD_SKIP:-}" ] || return 0
	left=$(ctrc container ls -q 2>/dev/null)
	if [ -n "$left" ]; then
		echo "teardown: containers left (removed now): $left" >&2
		rc=1
	fi
	ctrd_remove_all
	ctrd_shims_gone || rc=1
	left=$(state_entries "$CTRD_RUNC_ROOT/$CTRD_NS")
	if [ -n "$left" ]; then
		echo "teardown: barco state entries left behind: $left" >&2
		for id in $left; do
			barco_ctrd delete -f "$id" || true
		done
		rc=1
	fi
	no_cgroups_named "$CG" || rc=1
	no_mounts_under "$BATS_TEST_TMPDIR" || rc=1
	return "$rc"
}

# A detached container ID whose init counts in /tmp/n (20 times a second) and keeps two
# sleeping children.
start_counter() {
	ctr_run -d -- "$1" sh -c 'sleep 1000 & sleep 1000 & i=0
		while :; do i=$((i + 1)); echo $i >/tmp/n.tmp && mv /tmp/n.tmp /tmp/n; sleep 0.05; done'
	wait_counter_moves 0
}
count() {
	counter_value "$RFS/tmp/n"
}

@test "ctr run in the foreground: the output, stderr apart, and the exit status of the process" {
	run --separate-stderr ctr_run --rm -- fg sh -c 'echo hello; echo oops >&2
		cat /proc/self/cgroup; exit 3'
	[ "$status" -eq 3 ] || {
		show_run
		false
	}
	[ "${lines[0]}" = hello ]
	[ "$stderr" = oops ] || {
		show_run
		false
	}
	# The container's cgroup is $CG below the shim's cgroup, that is containerd's.
	local want
	want=$(awk -F: '$2 == "freezer" {print $3}' "/proc/$CTRD_PID/cgroup")
	want=${want%/}/$CG
	if [ "$(cgroup_mode)" = v2 ]; then
		want=$(sed -n 's/^0:://p' "/proc/$CTRD_PID/cgroup")
		want=${want%/}/$CG
		assert_output_contains "0::$want"
	else
		assert_output_contains ":freezer:$want"
	fi
	# --rm deleted the container; barco's state entry and the cgroup are gone too.
	[ -z "$(ctrc container ls -q)" ]
	[ -z "$(state_entries "$CTRD_RUNC_ROOT/$CTRD_NS")" ]
	[ -z "$(cgroups_named "$CG")" ]
}

@test "ctr run -d: the task is RUNNING, and barco's state agrees on its pid" {
	ctr_run -d -- bg sleep 1000
	wait_task_status bg RUNNING
	local pid
	pid=$(task_pid bg)
	[ "$pid" -gt 1 ]
	run --separate-stderr barco_ctrd state bg
	assert_success
	[ "$(echo "$output" | jq -r .status)" = running ]
	[ "$(echo "$output" | jq -r .pid)" = "$pid" ]
	[ -z "$stderr" ]
	[ "$(tr '\0' ' ' <"/proc/$pid/cmdline")" = "sleep 1000 " ]
	remove_ctr bg
	[ -z "$(state_entries "$CTRD_RUNC_ROOT/$CTRD_NS")" ]
	[ ! -e "/proc/$pid" ] || wait_pid_gone "$pid"
}

@test "ctr task kill -s SIGKILL: the task stops, exit status 137" {
	ctr_run -d -- k9 sleep 1000
	wait_task_status k9 RUNNING
	local pid
	pid=$(task_pid k9)
	run ctrc task kill -s SIGKILL k9
	assert_success
	wait_task_status k9 STOPPED
	wait_pid_gone "$pid"
	run ctrc task rm k9
	assert_success
	assert_output_contains "exit code 137"
	[ -z "$(ctrc task ls -q)" ]
	ctrc container rm k9
}

@test "ctr task kill (SIGTERM) reaches the process's handler; ctr run returns its status" {
	local pid rc=0
	ctr_run --rm -- term sh -c 'trap "echo got-term; exit 7" TERM; echo ready
		while :; do sleep 0.1; done' >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
	pid=$!
	wait_for_output ready
	run ctrc task kill term
	assert_success
	wait "$pid" || rc=$?
	[ "$rc" -eq 7 ] || {
		echo "ctr run returned $rc" >&2
		cat "$BATS_TEST_TMPDIR/out" >&2
		false
	}
	grep -qx got-term "$BATS_TEST_TMPDIR/out"
}

@test "ctr task pause / resume: PAUSED with every process frozen, then RUNNING and moving" {
	local c1 c2
	start_counter pz
	run ctrc task pause pz
	assert_success
	wait_task_status pz PAUSED
	[ "$(frozen_now)" = 1 ]
	[ "$(barco_ctrd state pz | jq -r .status)" = paused ]
	c1=$(count)
	sleep 0.5
	c2=$(count)
	[ "$c1" = "$c2" ] || {
		echo "the counter moved while paused: $c1 -> $c2" >&2
		false
	}
	run ctrc task resume pz
	assert_success
	wait_task_status pz RUNNING
	[ "$(frozen_now)" = 0 ]
	wait_counter_moves "$c2"
	remove_ctr pz
}

@test "ctr task ps lists the host pids of the container's processes" {
	start_counter ps1
	local want got
	want=$(sort -n "$(freezer_dir)/cgroup.procs")
	# The init and its two sleepers (a short sleep of the loop may come and go).
	[ "$(echo "$want" | wc -l)" -ge 3 ]
	run ctrc task ps ps1
	assert_success
	[[ "${lines[0]}" == "PID "*INFO ]]
	got=$(printf '%s\n' "${lines[@]:1}" | awk '{print $1}' | sort -n)
	# Every long-lived process is listed: the init (the task's pid) and both sleepers.
	local p
	for p in $(task_pid ps1) $(ps -o pid=,args= --ppid "$(task_pid ps1)" |
		awk '$2 == "sleep" && $3 == 1000 {print $1}'); do
		echo "$got" | grep -qx "$p" || {
			echo "pid $p missing from ctr task ps: $got" >&2
			false
		}
	done
	# And nothing outside the container's cgroup.
	for p in $got; do
		grep -qx "$p" "$(freezer_dir)/cgroup.procs" || [ ! -e "/proc/$p" ] || {
			echo "ctr task ps lists $p, not in $(freezer_dir)" >&2
			false
		}
	done
	remove_ctr ps1
}

@test "ctr task metrics reads the cgroup barco made" {
	ctr_run -d -- met sleep 1000
	wait_task_status met RUNNING
	run ctrc task metrics met
	assert_success
	[ "$(echo "$output" | awk '$1 == "pids.current" {print $2}')" = 1 ] || {
		show_run
		false
	}
	remove_ctr met
}

@test "ctr task exec: output and exit status of a process inside the container" {
	ctr_run -d -- ex sleep 1000
	wait_task_status ex RUNNING
	run --separate-stderr ctr_exec --exec-id e1 ex sh -c \
		'tr "\0" " " </proc/1/cmdline; echo; grep freezer /proc/self/cgroup; echo err >&2; exit 4'
	[ "$status" -eq 4 ] || {
		show_run
		false
	}
	# In the container's pid namespace (its pid 1 is the init) and in its cgroup.
	[ "${lines[0]}" = "sleep 1000 " ] || { show_run; false; }
	[[ "${lines[1]}" == *"/$CG" ]] || [ "$(cgroup_mode)" = v2 ]
	[ "$stderr" = err ]
	# A detached exec shows in ps until it exits.
	run ctr_exec -d --exec-id e2 ex sleep 999
	assert_success
	run ctrc task ps ex
	assert_success
	[ "${#lines[@]}" -eq 3 ] || {
		show_run
		false
	}
	remove_ctr ex
}

@test "ctr task exec -t: the process gets a terminal" {
	ctr_run -d -- ext sleep 1000
	wait_task_status ext RUNNING
	run in_pty "$(printf '%q ' timeout --foreground --kill-after=5 60 ctr --address "$CTRD_SOCK" -n "$CTRD_NS" \
		task exec -t --fifo-dir "$CTRD_DIR/fifo" --exec-id t1 ext \
		sh -c 'tty; test -t 0 && echo stdin-is-tty; exit 6')" /dev/null </dev/null
	[ "$status" -eq 6 ] || {
		show_run
		false
	}
	output=$(echo "$output" | tr -d '\r\0')
	assert_output_contains "/dev/pts/"
	assert_output_contains "stdin-is-tty"
	remove_ctr ext
}

@test "ctr run -t: the process gets a terminal (through the console socket)" {
	run in_pty "$(ctr_run_cmdline -t --rm -- tty1 sh -c \
		'tty; test -t 0 && echo stdin-is-tty; test -t 1 && echo stdout-is-tty; exit 5')" \
		/dev/null </dev/null
	[ "$status" -eq 5 ] || {
		show_run
		false
	}
	output=$(echo "$output" | tr -d '\r\0')
	assert_output_contains "/dev/pts/0"
	assert_output_contains "stdin-is-tty"
	assert_output_contains "stdout-is-tty"
}

@test "a failing create: barco's error from the init reaches ctr's message (json log)" {
	run ctr_run --rm -- bad1 /no/such/cmd
	[ "$status" -ne 0 ]
	assert_output_contains "OCI runtime create failed"
	assert_output_contains '"/no/such/cmd"'
	assert_output_contains "No such file or directory"
	[ -z "$(ctrc container ls -q)" ]
	[ -z "$(state_entries "$CTRD_RUNC_ROOT/$CTRD_NS")" ]
}

@test "a failing create: barco's config error reaches ctr's message (json log)" {
	run ctr_run --rm --cgroup ../escape -- bad2 true
	[ "$status" -ne 0 ]
	assert_output_contains "OCI runtime create failed"
	assert_output_contains 'linux.cgroupsPath: "../escape" has a ".." component'
	[ -z "$(ctrc container ls -q)" ]
	[ -z "$(state_entries "$CTRD_RUNC_ROOT/$CTRD_NS")" ]
}

@test "barco --cgroup-manager=disabled as the runc binary: the container stays in the shim's cgroup" {
	RUNTIME=$BATS_TEST_TMPDIR/barco-nocg
	printf '#!/bin/sh\nexec %q --cgroup-manager=disabled "$@"\n' "$BARCO" >"$RUNTIME"
	chmod +x "$RUNTIME"
	run --separate-stderr ctr_run --rm -- nocg cat /proc/self/cgroup
	assert_success
	[ "$output" = "$(cat "/proc/$CTRD_PID/cgroup")" ] || {
		echo "containerd's cgroups: $(cat "/proc/$CTRD_PID/cgroup")" >&2
		show_run
		false
	}
	[ -z "$(cgroups_named "$CG")" ]
}

@test "ctr run: the process reads ctr's stdin" {
	run --separate-stderr ctr_run --rm -- in1 sh -c 'read a; read b; echo "got $b $a"' \
		< <(printf 'one\ntwo\n')
	assert_success
	assert_output "got two one"
}

@test "ctr task kill --all: every process gets the signal, the init's handler runs" {
	local init sleeper='' i
	ctr_run -d -- ka sh -c 'trap "echo usr1 >/tmp/usr1" USR1; sleep 1000 &
		while :; do sleep 0.05; done'
	wait_task_status ka RUNNING
	init=$(task_pid ka)
	for ((i = 0; i < 50; i++)); do
		sleeper=$(ps -o pid=,args= --ppid "$init" | awk '$2 == "sleep" && $3 == 1000 {print $1}')
		[ -n "$sleeper" ] && break
		sleep 0.1
	done
	[ -n "$sleeper" ]
	run ctrc task kill -a -s SIGUSR1 ka
	assert_success
	wait_pid_gone "$sleeper"
	for ((i = 0; i < 50; i++)); do
		[ -e "$RFS/tmp/usr1" ] && break
		sleep 0.1
	done
	[ "$(cat "$RFS/tmp/usr1")" = usr1 ]
	[ "$(task_status ka)" = RUNNING ]
	[ -e "/proc/$init" ]
	remove_ctr ka
}

#!/usr/bin/env bats
# The commands that work on a container's cgroup: pause and resume (the status they leave,
# processes that really stop and go on), ps (json and table), kill --all through the cgroup,
# and delete -f of a paused container.  Unless marked, each test runs on v1/hybrid hosts and
# on a pure cgroup v2 one (the VM of `make check-vm`).  Cgroups are made only below this
# shell's own cgroup (a relative linux.cgroupsPath), and the teardown fails a test that
# leaves one behind.

load helpers
load cgroup-helpers

setup() {
	common_setup
	CG=barco-cmds-$$-$BATS_TEST_NUMBER
	OUTDIR=$BATS_TEST_TMPDIR/outdir
	mkdir -p "$OUTDIR"
	update_config --arg p "$CG" --arg src "$OUTDIR" '.linux.cgroupsPath = $p
		| .mounts += [{destination: "/out", type: "bind", source: $src,
			       options: ["rbind", "rw"]}]'
}

# A container ctr whose init counts in /out/n (20 times a second) and keeps a sleeping child.
start_counter() {
	set_args sh -c 'sleep 1000 & i=0
		while :; do i=$((i + 1)); echo $i >/out/n.tmp && mv /out/n.tmp /out/n; sleep 0.05; done'
	run_detached "$@" ctr
	wait_counter_moves 0
}

count() {
	counter_value "$OUTDIR/n"
}

# The pids of the container's processes as the kernel lists them in its cgroup, sorted.
cgroup_procs() {
	sort -n "$(freezer_dir)/cgroup.procs"
}

# The init and its children (host pids), sorted.
init_and_children() {
	local pid
	pid=$(pid_of ctr)
	{
		echo "$pid"
		ps -o pid= --ppid "$pid"
	} | awk '{print $1}' | sort -n
}

# json_pids OUTPUT: the pids of a JSON array, one a line, sorted.
json_pids() {
	echo "$1" | jq -r '.[]' | sort -n
}

@test "pause freezes every process, state and list say paused; resume lets them go on" {
	start_counter
	local c1 c2 pids p
	run --separate-stderr barco pause ctr
	assert_success
	[ "$(status_of ctr)" = paused ]
	[ "$(frozen_now)" = 1 ]
	[ "$(barco list -f json | jq -r '.[] | select(.id == "ctr") | .status')" = paused ]
	[ "$(barco list | awk '$1 == "ctr" {print $3}')" = paused ]
	# No process of the container runs: the counter stands still, the child stays frozen.
	c1=$(count)
	sleep 0.6
	c2=$(count)
	[ "$c1" = "$c2" ] || {
		echo "the counter moved from $c1 to $c2 while paused" >&2
		return 1
	}
	run --separate-stderr barco resume ctr
	assert_success
	[ "$(status_of ctr)" = running ]
	[ "$(frozen_now)" = 0 ]
	wait_counter_moves "$c2"
	# Every process of the container is thawed, the child too.
	pids=$(cgroup_procs)
	[ "$(echo "$pids" | wc -l)" -ge 2 ]
	for p in $pids; do
		[ "$(awk '{print $3}' "/proc/$p/stat")" != D ]
	done
}

@test "state follows the freezer: a container thawed behind barco's back is running again" {
	start_counter
	barco pause ctr
	[ "$(status_of ctr)" = paused ]
	if [ "$(cgroup_mode)" = v2 ]; then
		echo 0 >"$(freezer_dir)/cgroup.freeze"
	else
		echo THAWED >"$(freezer_dir)/freezer.state"
	fi
	wait_for_status ctr running
	run --separate-stderr barco resume ctr
	assert_error "container not paused: ctr"
}

@test "pause and resume refuse the wrong states, with runc's words" {
	start_counter
	run --separate-stderr barco resume ctr
	assert_error "container not paused: ctr"
	barco pause ctr
	run --separate-stderr barco pause ctr
	assert_error "container already paused: ctr"
	# A paused container is not stopped: plain delete refuses it.
	run --separate-stderr barco delete ctr
	assert_error "cannot delete container ctr that is not stopped: paused"
	barco resume ctr
	barco kill ctr KILL
	wait_for_status ctr stopped
	run --separate-stderr barco pause ctr
	assert_error "container not running: ctr"
	run --separate-stderr barco resume ctr
	assert_error "container not paused: ctr"
	run --separate-stderr barco pause nosuch
	assert_error "container does not exist"
	run --separate-stderr barco pause
	assert_error "pause: missing container ID"
}

@test "a created container can be paused (as with runc); start waits for resume" {
	create_ctr ctr
	barco pause ctr
	[ "$(status_of ctr)" = paused ]
	run --separate-stderr barco start ctr
	assert_error "it is paused"
	barco resume ctr
	[ "$(status_of ctr)" = created ]
	barco start ctr
	[ "$(status_of ctr)" = running ]
}

@test "ps -f json lists exactly the container's processes; the table has their ps rows" {
	set_args sh -c 'sleep 1000 & sleep 1000 & wait'
	run_detached ctr
	local i want
	for ((i = 0; i < 50; i++)); do
		[ "$(init_and_children | wc -l)" -eq 3 ] && break
		sleep 0.1
	done
	want=$(init_and_children)
	[ "$(echo "$want" | wc -l)" -eq 3 ]
	[ "$want" = "$(cgroup_procs)" ]
	run --separate-stderr barco ps -f json ctr
	assert_success
	[[ "$output" =~ ^\[[0-9]+(,[0-9]+)*\]$ ]]
	[ "$(json_pids "$output")" = "$want" ]
	run --separate-stderr barco ps --format=json ctr
	[ "$(json_pids "$output")" = "$want" ]

	# The table: ps -ef's header, then one row per process, each with the container's pid.
	run --separate-stderr barco ps ctr
	assert_success
	[[ "${lines[0]}" == UID*PID*PPID*CMD ]]
	[ "${#lines[@]}" -eq 4 ]
	[ "$(printf '%s\n' "${lines[@]:1}" | awk '{print $2}' | sort -n)" = "$want" ]
	[ "$(printf '%s\n' "${lines[@]:1}" | grep -c 'sleep 1000$')" -eq 2 ]
	# ps arguments of one's own choice, after the ID (with or without --).
	run --separate-stderr barco ps ctr -- -o comm,pid
	assert_success
	[ "$(echo "${lines[0]}" | awk '{print $1, $2}')" = "COMMAND PID" ]
	[ "$(printf '%s\n' "${lines[@]:1}" | awk '{print $2}' | sort -n)" = "$want" ]
	[ "$(printf '%s\n' "${lines[@]:1}" | awk '{print $1}' | sort | uniq -c | awk '{print $1 $2}' | tr '\n' ' ')" = "1sh 2sleep " ]
	run --separate-stderr barco ps ctr -o pid
	assert_success
	[ "$(printf '%s\n' "${lines[@]:1}" | awk '{print $1}' | sort -n)" = "$want" ]

	run --separate-stderr barco ps -f yaml ctr
	assert_error '--format: "yaml" is not table or json'
	run --separate-stderr barco ps -f json ctr -o pid
	assert_error 'need --format table'
}

@test "ps of a paused container lists its frozen processes; of a stopped one, nothing" {
	start_counter
	local want
	barco pause ctr
	want=$(init_and_children)
	run --separate-stderr barco ps -f json ctr
	assert_success
	[ "$(json_pids "$output")" = "$want" ]
	barco resume ctr
	barco kill ctr KILL
	wait_for_status ctr stopped
	# The cgroup is there until delete, and empty.
	run --separate-stderr barco ps -f json ctr
	assert_success
	assert_output "[]"
}

@test "kill --all reaches the init's children even in the host's pid namespace, through the cgroup" {
	update_config '.linux.namespaces |= map(select(.type != "pid"))'
	# The init catches TERM (and then lives on in a new sleep); its children die of it.
	set_args sh -c 'trap "echo caught >/out/t" TERM; sleep 1000 & sleep 1000 & wait
		wait; sleep 1000'
	run_detached ctr
	local i pids p init
	for ((i = 0; i < 50; i++)); do
		[ "$(init_and_children | wc -l)" -eq 3 ] && break
		sleep 0.1
	done
	pids=$(init_and_children)
	init=$(pid_of ctr)
	[ "$(echo "$pids" | wc -l)" -eq 3 ]
	run --separate-stderr barco kill --all ctr TERM
	assert_success
	for p in $pids; do
		[ "$p" = "$init" ] || wait_pid_gone "$p"
	done
	wait_for_output caught "$OUTDIR/t"
	[ "$(status_of ctr)" = running ]
	run --separate-stderr barco kill -a ctr KILL
	assert_success
	wait_for_status ctr stopped
	for p in $pids; do
		wait_pid_gone "$p"
	done
}

@test "kill --all -9 of a paused container stops every process; delete removes its cgroup" {
	start_counter
	local pids p
	pids=$(cgroup_procs)
	barco pause ctr
	run --separate-stderr barco kill --all ctr KILL
	assert_success
	for p in $pids; do
		wait_pid_gone "$p"
	done
	wait_for_status ctr stopped
	barco delete ctr
	[ ! -e "$(freezer_dir)" ]
}

@test "kill KILL of a paused container stops it (on v1 the frozen init is thawed to die)" {
	start_counter
	barco pause ctr
	run --separate-stderr barco kill ctr KILL
	assert_success
	wait_for_status ctr stopped
}

@test "kill --all TERM of a paused container leaves it paused; resume delivers the signal" {
	set_args sh -c 'sleep 1000 & sleep 1000 & wait'
	run_detached ctr
	local i pids p
	for ((i = 0; i < 50; i++)); do
		[ "$(init_and_children | wc -l)" -eq 3 ] && break
		sleep 0.1
	done
	pids=$(init_and_children)
	barco pause ctr
	run --separate-stderr barco kill --all ctr TERM
	assert_success
	sleep 0.3
	[ "$(status_of ctr)" = paused ]
	for p in $pids; do
		[ -e "/proc/$p" ]
	done
	barco resume ctr
	# The sleeps die of it; the init (pid 1 of its namespace, no handler) ignores it, and
	# exits once its children are gone.
	wait_for_status ctr stopped
}

@test "delete -f of a paused container leaves no process and no cgroup" {
	start_counter
	local pids p
	pids=$(cgroup_procs)
	[ "$(echo "$pids" | wc -l)" -ge 2 ]
	barco pause ctr
	run --separate-stderr barco delete -f ctr
	assert_success
	for p in $pids; do
		wait_pid_gone "$p"
	done
	[ ! -e "$(freezer_dir)" ]
	[ -z "$(find /sys/fs/cgroup -mindepth 1 -maxdepth 12 -type d -name "$CG")" ]
	assert_root_empty
}

@test "without a cgroup: pause is refused, ps and kill --all use the init's pid namespace" {
	set_args sh -c 'sleep 1000 & sleep 1000 & wait'
	barco --cgroup-manager=disabled run -d -b "$BUNDLE" ctr </dev/null >/dev/null 2>&1
	local i want
	for ((i = 0; i < 50; i++)); do
		[ "$(init_and_children | wc -l)" -eq 3 ] && break
		sleep 0.1
	done
	want=$(init_and_children)
	[ ! -e "$(freezer_dir)" ]
	run --separate-stderr barco pause ctr
	assert_error "pause: container ctr has no cgroup to freeze"
	[ "$(status_of ctr)" = running ]
	run --separate-stderr barco ps -f json ctr
	assert_success
	[ "$(json_pids "$output")" = "$want" ]
	run --separate-stderr barco kill --all ctr KILL
	assert_success
	wait_for_status ctr stopped
}

@test "without a cgroup and in the host's pid namespace, ps and kill --all refuse" {
	update_config '.linux.namespaces |= map(select(.type != "pid"))'
	barco --cgroup-manager=disabled run -d -b "$BUNDLE" ctr </dev/null >/dev/null 2>&1
	run --separate-stderr barco ps -f json ctr
	assert_error "ps: container ctr has no cgroup and shares the host's pid namespace"
	run --separate-stderr barco kill --all ctr KILL
	assert_error "kill --all: container ctr has no cgroup and shares the host's pid namespace"
	[ "$(status_of ctr)" = running ]
}

# v1 without the cgroup2 mount (no cgroup.kill, the freezer alone): what a v1-only host does.
@test "v1 only (no cgroup2 mounted): pause, kill --all and delete -f of a paused container" {
	require_cgroup_v1
	[ "$(cgroup_mode)" = hybrid ] || skip "needs a hybrid host (to hide its cgroup2 mount)"
	set_args sh -c 'sleep 1000 & sleep 1000 & wait'
	# A private mount namespace without /sys/fs/cgroup/unified: barco sees a v1 host.
	cat >"$BATS_TEST_TMPDIR/v1.sh" <<-'EOF'
		set -e
		umount /sys/fs/cgroup/unified
		b() { "$BARCO" --root "$ROOT" "$@"; }
		b run -d -b "$BUNDLE" ctr </dev/null >/dev/null 2>&1
		grep -c unified "$ROOT/ctr/cgroups" || true
		b pause ctr
		b state ctr | jq -r .status
		b kill --all ctr KILL
		for i in $(seq 50); do [ "$(b state ctr | jq -r .status)" = stopped ] && break; sleep 0.1; done
		b state ctr | jq -r .status
		b delete ctr
		b run -d -b "$BUNDLE" ctr2 </dev/null >/dev/null 2>&1
		# Its init forks two sleepers after start: wait for them before listing.
		for i in $(seq 50); do
			out=$(b ps -f json ctr2)
			[ "$(echo "$out" | tr -cd , | wc -c)" -ge 2 ] && break
			sleep 0.1
		done
		echo "$out"
		b pause ctr2
		b delete -f ctr2
		echo deleted
	EOF
	ROOT=$ROOT BUNDLE=$BUNDLE run --separate-stderr unshare -m sh "$BATS_TEST_TMPDIR/v1.sh" 3>&-
	assert_success
	[ "${lines[0]}" = 0 ]
	[ "${lines[1]}" = paused ]
	[ "${lines[2]}" = stopped ]
	[ "$(json_pids "${lines[3]}" | wc -l)" -eq 3 ]
	[ "${lines[4]}" = deleted ]
	for p in $(json_pids "${lines[3]}"); do
		wait_pid_gone "$p"
	done
	assert_root_empty
}

#!/usr/bin/env bats
# update and events: new limits land in the container's cgroup files and take effect (a fork
# over the new pids limit fails, a process over the new memory limit is OOM-killed), bad
# values and stopped containers change nothing, and events prints stats and OOM kills as
# runc's JSON lines.  Unless marked, each test runs on v1/hybrid hosts and on a pure cgroup
# v2 one (the VM of `make check-vm`).  Cgroups are made only below this shell's own cgroup
# (a relative linux.cgroupsPath); the teardown fails a test that leaves one behind.

load helpers
load cgroup-helpers

setup() {
	common_setup
	CG=barco-upd-$$-$BATS_TEST_NUMBER
	OUTDIR=$BATS_TEST_TMPDIR/outdir
	mkdir -p "$OUTDIR"
	mkfifo "$OUTDIR/go"
	update_config --arg p "$CG" --arg src "$OUTDIR" '.linux.cgroupsPath = $p
		| .mounts += [{destination: "/out", type: "bind", source: $src,
			       options: ["rbind", "rw"]}]'
	if [ "$(cgroup_mode)" != v2 ]; then
		[ -d "$(own_dir memory)" ] && [ -d "$(own_dir pids)" ] ||
			skip "needs cgroup v1 memory and pids hierarchies"
	fi
}

# cgv V1FILE V2FILE: the container's value of the file (v1 name on v1/hybrid, else v2 name).
cgv() {
	local f ctl
	if [ "$(cgroup_mode)" = v2 ]; then
		f=$2
	else
		f=$1
	fi
	ctl=${f%%.*}
	cat "$(own_dir "$ctl")/$CG/$f"
}

# The resources barco recorded for the container.
recorded() {
	jq -c "$1" "$ROOT/ctr/config.json"
}

# The container's process: at each trigger, a subshell holds 32 MiB (head | tail) and the
# exit status of tail is printed.  The subshell makes itself the OOM killer's first choice,
# so that the shell (the init) is not the one killed.
HOG_LOOP='while read x </out/go; do
	(echo 1000 >/proc/self/oom_score_adj; head -c 32m /dev/zero | tail >/dev/null); echo rc=$?
done'

# trigger: let the container's loop (`while read x </out/go`) go round once.
trigger() {
	timeout 5 sh -c "echo go >'$OUTDIR/go'"
}

# wait_line FILE REGEX: a line of FILE matches within 10 s.
wait_line() {
	local i
	for ((i = 0; i < 100; i++)); do
		grep -qE -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "no line matching '$2' in $1 after 10 s:" >&2
	cat "$1" >&2
	return 1
}

@test "update --memory --pids-limit --cpu-quota --cpuset-cpus writes the cgroup files and records them" {
	update_config '.linux.resources = {memory: {limit: 104857600}, pids: {limit: 100},
		cpu: {quota: 20000, period: 50000}}'
	create_ctr ctr
	[ "$(cgv pids.max pids.max)" = 100 ]
	run --separate-stderr barco update --memory 200m --pids-limit 50 --cpu-quota 30000 \
		--cpuset-cpus 0 ctr
	assert_success
	[ "$(cgv memory.limit_in_bytes memory.max)" = 209715200 ]
	[ "$(cgv pids.max pids.max)" = 50 ]
	[ "$(cgv cpuset.cpus cpuset.cpus)" = 0 ]
	# The period in force is kept (cpu.max holds both on v2).
	if [ "$(cgroup_mode)" = v2 ]; then
		[ "$(cgv x cpu.max)" = "30000 50000" ]
	else
		[ "$(cgv cpu.cfs_quota_us x)" = 30000 ]
		[ "$(cgv cpu.cfs_period_us x)" = 50000 ]
	fi
	[ "$(recorded .linux.resources.memory.limit)" = 209715200 ]
	[ "$(recorded .linux.resources.pids.limit)" = 50 ]
	[ "$(recorded .linux.resources.cpu)" = '{"quota":30000,"period":50000,"cpus":"0"}' ]
	# A paused container takes updates too.
	barco pause ctr
	barco update --pids-limit 40 ctr
	[ "$(cgv pids.max pids.max)" = 40 ]
	barco resume ctr
	# -1: unlimited again.
	barco update --memory -1 --pids-limit -1 ctr
	[ "$(cgv pids.max pids.max)" = max ]
	if [ "$(cgroup_mode)" = v2 ]; then
		[ "$(cgv x memory.max)" = max ]
	else
		[ "$(cgv memory.limit_in_bytes x)" -gt 1000000000000 ]
	fi
}

@test "update -r FILE and -r - take a LinuxResources document; flags override it" {
	create_ctr ctr
	echo '{"pids": {"limit": 20}, "memory": {"limit": 67108864}}' >"$BATS_TEST_TMPDIR/r.json"
	barco update -r "$BATS_TEST_TMPDIR/r.json" ctr
	[ "$(cgv pids.max pids.max)" = 20 ]
	[ "$(cgv memory.limit_in_bytes memory.max)" = 67108864 ]
	echo '{"pids": {"limit": 30}, "memory": {"limit": 33554432}}' |
		barco update -r - --pids-limit 31 ctr
	[ "$(cgv pids.max pids.max)" = 31 ]
	[ "$(cgv memory.limit_in_bytes memory.max)" = 33554432 ]
	[ "$(recorded .linux.resources.pids.limit)" = 31 ]
	echo '{"pids": {"limit": "x"}}' >"$BATS_TEST_TMPDIR/bad.json"
	run --separate-stderr barco update -r "$BATS_TEST_TMPDIR/bad.json" ctr
	assert_error "$BATS_TEST_TMPDIR/bad.json: pids.limit: "
	run --separate-stderr barco update -r "$BATS_TEST_TMPDIR/missing.json" ctr
	assert_error "missing.json: No such file or directory"
	[ "$(cgv pids.max pids.max)" = 31 ]
}

@test "bad values are refused and nothing changes" {
	update_config '.linux.resources = {memory: {limit: 104857600}, pids: {limit: 100}}'
	create_ctr ctr
	local cfg
	cfg=$(cat "$ROOT/ctr/config.json")
	run --separate-stderr barco update --memory 12x ctr
	assert_error '--memory: invalid value "12x"'
	run --separate-stderr barco update --pids-limit ten ctr
	assert_error '--pids-limit: invalid value "ten"'
	run --separate-stderr barco update --memory 100m --memory-swap 50m ctr
	assert_error 'memory+swap limit 52428800 is below the memory limit 104857600'
	run --separate-stderr barco update --cpu-period 10 ctr
	assert_error 'linux.resources.cpu.period: 10 is outside 1000..1000000'
	# The kernel refuses the CPU list after the memory limit was written: it is put back.
	run --separate-stderr barco update --memory 50m --cpuset-cpus 4095 --pids-limit 7 ctr
	assert_error 'write "4095" to cpuset.cpus'
	[ "$(cgv memory.limit_in_bytes memory.max)" = 104857600 ]
	[ "$(cgv pids.max pids.max)" = 100 ]
	[ "$(cat "$ROOT/ctr/config.json")" = "$cfg" ]
	run --separate-stderr barco update ctr
	assert_error 'nothing to update'
}

@test "update and events of a stopped or missing container fail" {
	run --separate-stderr barco update --pids-limit 5 nosuch
	assert_error 'container does not exist'
	run --separate-stderr barco events --stats nosuch
	assert_error 'container does not exist'
	set_args true
	create_ctr ctr
	barco start ctr
	wait_for_status ctr stopped
	run --separate-stderr barco update --pids-limit 5 ctr
	assert_error 'container not running: ctr'
	run --separate-stderr barco events --stats ctr
	assert_error 'container not running: ctr'
}

@test "a pids limit lowered below the current count stops the next fork" {
	# A failed fork ends a busybox shell: the forking loop runs in a worker subshell, and
	# the init (which forks no more) reports how the worker ended.
	update_config '.linux.resources = {pids: {limit: 100}}'
	set_args sh -c 'sleep 1000 &
		(while read x </out/go; do sleep 0 && echo fork=ok; done) &
		wait $!; echo worker=$?; read x </out/go'
	create_ctr ctr
	barco start ctr
	trigger
	wait_line "$BATS_TEST_TMPDIR/out" '^fork=ok$'
	[ "$(cgv pids.current pids.current)" -eq 3 ]
	barco update --pids-limit 2 ctr
	[ "$(cgv pids.max pids.max)" = 2 ]
	trigger
	wait_line "$BATS_TEST_TMPDIR/out" '^worker=[1-9][0-9]*$'
	[ "$(grep -c '^fork=ok$' "$BATS_TEST_TMPDIR/out")" -eq 1 ]
	grep -q "can't fork" "$BATS_TEST_TMPDIR/err"
}

@test "a memory limit lowered under a process's needs gets it OOM-killed" {
	set_args sh -c "$HOG_LOOP"
	create_ctr ctr
	barco start ctr
	trigger
	wait_line "$BATS_TEST_TMPDIR/out" '^rc=0$'
	barco update --memory 8m --memory-swap 8m ctr
	[ "$(cgv memory.limit_in_bytes memory.max)" = 8388608 ]
	trigger
	wait_line "$BATS_TEST_TMPDIR/out" '^rc=137$'
}

@test "events --stats prints one stats line with the container's figures" {
	update_config '.linux.resources = {memory: {limit: 104857600}, pids: {limit: 64}}'
	set_args sh -c 'sleep 1000 & sleep 1000 & read x </out/go'
	create_ctr ctr
	barco start ctr
	local n pids
	for ((n = 0; n < 50; n++)); do
		[ "$(cgv pids.current pids.current)" = 3 ] && break
		sleep 0.1
	done
	run --separate-stderr barco events --stats ctr
	assert_success
	[ "${#lines[@]}" -eq 1 ]
	echo "$output" | jq -e '.type == "stats" and .id == "ctr"'
	pids=$(barco ps -f json ctr | jq length)
	[ "$pids" -eq 3 ]
	echo "$output" | jq -e --argjson n "$pids" '.data.pids.current == $n and .data.pids.limit == 64'
	echo "$output" | jq -e '.data.memory.usage.usage > 0 and .data.memory.usage.limit == 104857600'
	echo "$output" | jq -e '.data.memory.raw | length > 5'
	echo "$output" | jq -e '.data.cpu.usage.total > 0 and (.data.cpu.usage | has("user", "kernel"))'
	echo "$output" | jq -e '(.data.blkio | type) == "object" and (.data.hugetlb | type) == "object"'
}

@test "events --interval prints stats lines until the container is killed" {
	create_ctr ctr
	barco start ctr
	run --separate-stderr barco events --interval 1x ctr
	assert_error '--interval: invalid duration "1x"'
	run --separate-stderr barco events --interval 0s ctr
	assert_error 'duration must be greater than 0'
	timeout 20 "$BARCO" --root "$ROOT" events --interval 200ms ctr \
		>"$BATS_TEST_TMPDIR/events" 2>"$BATS_TEST_TMPDIR/events.err" 3>&- &
	local ev=$! rc=0 i
	KNOWN_PIDS+=("$ev")
	for ((i = 0; i < 100; i++)); do
		[ "$(wc -l <"$BATS_TEST_TMPDIR/events")" -ge 2 ] && break
		sleep 0.1
	done
	barco kill ctr KILL
	wait "$ev" || rc=$?
	cat "$BATS_TEST_TMPDIR/events.err" >&2
	[ "$rc" -eq 0 ]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/events")" -ge 2 ]
	jq -e -s 'all(.type == "stats" and .id == "ctr" and (.data.memory | type) == "object")' \
		"$BATS_TEST_TMPDIR/events"
}

@test "events reports an OOM kill in the container as it happens" {
	update_config '.linux.resources = {memory: {limit: 8388608, swap: 8388608}}'
	set_args sh -c "$HOG_LOOP"
	create_ctr ctr
	barco start ctr
	# A long interval: only the OOM notification can produce a line in time.
	timeout 30 "$BARCO" --root "$ROOT" events --interval 1m ctr \
		>"$BATS_TEST_TMPDIR/events" 2>"$BATS_TEST_TMPDIR/events.err" 3>&- &
	local ev=$! rc=0
	KNOWN_PIDS+=("$ev")
	sleep 0.5
	trigger
	wait_line "$BATS_TEST_TMPDIR/out" '^rc=137$'
	wait_line "$BATS_TEST_TMPDIR/events" '^\{"type":"oom","id":"ctr"\}$'
	barco kill ctr KILL
	wait "$ev" || rc=$?
	[ "$rc" -eq 0 ]
	[ "$(grep -c '"type":"oom"' "$BATS_TEST_TMPDIR/events")" -ge 1 ]
}

@test "v1: raising the memory limit above memory+swap writes memsw first" {
	require_cgroup_v1
	[ -e "$(own_dir memory)/memory.memsw.limit_in_bytes" ] || skip "no swap accounting"
	update_config '.linux.resources = {memory: {limit: 33554432, swap: 67108864}}'
	create_ctr ctr
	barco update --memory 100m --memory-swap 200m ctr
	[ "$(cgv memory.limit_in_bytes x)" = 104857600 ]
	[ "$(cgv memory.memsw.limit_in_bytes x)" = 209715200 ]
	barco update --memory 20m --memory-swap 30m ctr
	[ "$(cgv memory.limit_in_bytes x)" = 20971520 ]
	[ "$(cgv memory.memsw.limit_in_bytes x)" = 31457280 ]
	# --memory alone keeps memory+swap in force.
	barco update --memory 25m ctr
	[ "$(cgv memory.memsw.limit_in_bytes x)" = 31457280 ]
	[ "$(recorded .linux.resources.memory)" = '{"limit":26214400,"swap":31457280}' ]
}

@test "v2: --memory alone recomputes memory.swap.max from the recorded memory+swap" {
	require_cgroup_v2
	update_config '.linux.resources = {memory: {limit: 67108864, swap: 134217728}}'
	create_ctr ctr
	[ -e "$(own_dir memory)/$CG/memory.swap.max" ] || skip "no swap accounting in this kernel"
	[ "$(cgv x memory.swap.max)" = 67108864 ]
	barco update --memory 96m ctr
	[ "$(cgv x memory.max)" = 100663296 ]
	[ "$(cgv x memory.swap.max)" = 33554432 ]
	barco update --memory -1 ctr
	[ "$(cgv x memory.max)" = max ]
	[ "$(cgv x memory.swap.max)" = max ]
}

@test "v2: checkBeforeUpdate refuses a limit under the usage; realtime is refused" {
	require_cgroup_v2
	update_config '.linux.resources = {memory: {limit: 104857600}}'
	create_ctr ctr
	run --separate-stderr barco update -r - ctr <<<'{"memory": {"limit": 4096, "checkBeforeUpdate": true}}'
	assert_error 'rejecting memory limit 4096 below usage'
	[ "$(cgv x memory.max)" = 104857600 ]
	run --separate-stderr barco update --cpu-rt-runtime 1000 ctr
	assert_error 'not supported on cgroup v2'
}

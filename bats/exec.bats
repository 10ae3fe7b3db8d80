#!/usr/bin/env bats
# barco exec: a new process in a created or running container, with runc's flags.  Each test
# names its container's cgroup $CG (below this shell's own cgroup, a relative
# linux.cgroupsPath); the teardown of cgroup-helpers fails a test that leaves one behind.

load helpers
load cgroup-helpers

setup_file() {
	common_setup_file || return 1
	build_recvtty
}

setup() {
	common_setup
	CG=barco-exec-$$-$BATS_TEST_NUMBER
	update_config --arg p "$CG" '.linux.cgroupsPath = $p'
}

# exec_detached ARGS...: `barco exec -d ARGS`, stdio to files (the process keeps them open).
exec_detached() {
	if ! barco exec -d "$@" </dev/null >>"$BATS_TEST_TMPDIR/exec.out" \
		2>>"$BATS_TEST_TMPDIR/exec.err"; then
		echo "barco exec -d $* failed:" >&2
		cat "$BATS_TEST_TMPDIR/exec.err" >&2
		return 1
	fi
}

# has_cap FIELD BIT: capability BIT is set in FIELD (CapEff, ...) of the /proc/PID/status
# lines in $CAPS; fails the test when FIELD is not there.
has_cap() {
	local v
	v=$(echo "$CAPS" | awk -v k="$1:" '$1 == k {print $2}')
	if [ -z "$v" ]; then
		echo "no $1 in: $CAPS" >&2
		exit 1
	fi
	(((0x$v >> $2) & 1))
}

# The fds the process has: those of the shell, listed by its child ls (whose own handle on
# the directory is in /proc/self/fd, not in /proc/$$/fd).  No pipe: the shell would hold
# its ends while ls runs; the ":" keeps the shell from exec'ing ls itself.
FD_LIST='ls /proc/$$/fd; :'

@test "exec runs CMD in every namespace of the container's init, forked into its pid namespace" {
	run_detached ctr
	local init want
	init=$(pid_of ctr)
	run --separate-stderr barco exec ctr sh -c \
		'for n in pid mnt net ipc uts cgroup; do readlink /proc/self/ns/$n; done'
	assert_success
	want=$(for n in pid mnt net ipc uts cgroup; do ns_of "$init" "$n"; done)
	[ "$output" = "$want" ] || {
		echo "expected the init's namespaces:" >&2
		echo "$want" >&2
		show_run
		return 1
	}
	# The host's are others: the comparison above means something.
	[ "$(ns_of $$ pid)" != "$(ns_of "$init" pid)" ]
	# Inside the pid namespace for real: a pid of its own there, and pid 1 is the init.
	run --separate-stderr barco exec ctr sh -c 'echo $$; tr "\0" " " </proc/1/cmdline'
	assert_success
	[ "${lines[0]}" -gt 1 ]
	[ "${lines[1]}" = "sleep 1000 " ]
}

@test "exec's exit status is the process's: 0, 3, and 128+9 when it is killed" {
	run_detached ctr
	run barco exec ctr true
	[ "$status" -eq 0 ]
	run barco exec ctr sh -c 'exit 3'
	[ "$status" -eq 3 ]
	run barco exec ctr sh -c 'kill -KILL $$'
	[ "$status" -eq 137 ]
	[ "$(status_of ctr)" = running ]
}

@test "a waiting exec forwards signals to the process" {
	run_detached ctr
	local out=$BATS_TEST_TMPDIR/fwd.out epid rc=0
	"$BARCO" --root "$ROOT" exec ctr sh -c \
		'trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.1; done' \
		</dev/null >"$out" 2>&1 3>&- &
	epid=$!
	KNOWN_PIDS+=("$epid")
	wait_for_output ready "$out"
	kill -TERM "$epid"
	wait "$epid" || rc=$?
	[ "$rc" -eq 7 ] || {
		echo "exec exited $rc, expected 7" >&2
		cat "$out" >&2
		return 1
	}
	grep -qx got-term "$out"
}

@test "the process is in the container's cgroups before it runs anything" {
	run_detached ctr
	local init pf=$BATS_TEST_TMPDIR/p.pid pid
	init=$(pid_of ctr)
	# Its first read of /proc/self/cgroup already shows the init's cgroups (the namespace's
	# root, "/"): outside them it would read "/.." paths.
	run --separate-stderr barco exec ctr cat /proc/self/cgroup
	assert_success
	[ "$output" = "$(barco exec ctr cat /proc/1/cgroup)" ]
	[[ "$output" != *..* ]]
	# From the host: the same cgroups as the init, and the cgroup lists it.
	exec_detached --pid-file "$pf" ctr sleep 999
	pid=$(cat "$pf")
	diff "/proc/$pid/cgroup" "/proc/$init/cgroup"
	run barco ps -f json ctr
	assert_success
	echo "$output" | jq -e --argjson p "$pid" 'index($p) != null'
}

@test "--pid-file exists when a detached exec returns and names the live process" {
	run_detached ctr
	local pf=$BATS_TEST_TMPDIR/exec.pid pid init
	init=$(pid_of ctr)
	barco exec -d --pid-file "$pf" ctr sh -c 'echo detached-output; exec sleep 999' \
		</dev/null >"$BATS_TEST_TMPDIR/exec.out" 2>"$BATS_TEST_TMPDIR/exec.err"
	# At once, not eventually.
	[ -s "$pf" ]
	pid=$(cat "$pf")
	[[ "$pid" =~ ^[0-9]+$ ]]
	[ "$(ns_of "$pid" pid)" = "$(ns_of "$init" pid)" ]
	[ "$(ns_of "$pid" mnt)" = "$(ns_of "$init" mnt)" ]
	# The process outlives exec, with exec's stdout.
	wait_for_output detached-output "$BATS_TEST_TMPDIR/exec.out"
	[ "$(tr '\0' ' ' <"/proc/$pid/cmdline")" = "sleep 999 " ]
	[ ! -s "$BATS_TEST_TMPDIR/exec.err" ]
	# A non-detached exec writes it too, before it waits.
	run --separate-stderr barco exec --pid-file "$BATS_TEST_TMPDIR/fg.pid" ctr sh -c 'echo $$'
	assert_success
	[ -s "$BATS_TEST_TMPDIR/fg.pid" ]
	kill -KILL "$pid"
	wait_pid_gone "$pid"
}

@test "--env adds variables and replaces the config's; nothing of barco's environment leaks" {
	run_detached ctr
	export HOST_ONLY_VARIABLE=leak
	run --separate-stderr barco exec -e TERM=dumb -e NEW=a=b -e EMPTY= ctr env
	assert_success
	echo "$output" | grep -qx TERM=dumb
	[ "$(echo "$output" | grep -c '^TERM=')" -eq 1 ]
	echo "$output" | grep -qx NEW=a=b
	echo "$output" | grep -qx EMPTY=
	echo "$output" | grep -qx "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	echo "$output" | grep -qx HOME=/root
	[[ "$output" != *HOST_ONLY_VARIABLE* ]]
	run --separate-stderr barco exec -e NOEQUALS ctr env
	assert_error '--env "NOEQUALS": not KEY=VALUE'
}

@test "--cwd sets the working directory; a relative or missing one fails" {
	run_detached ctr
	run --separate-stderr barco exec --cwd /etc ctr pwd
	assert_success
	assert_output /etc
	run --separate-stderr barco exec ctr pwd
	assert_success
	assert_output /
	run --separate-stderr barco exec --cwd etc ctr pwd
	assert_error "--cwd etc: not an absolute path"
	run --separate-stderr barco exec --cwd /nonexistent ctr pwd
	assert_error "chdir to /nonexistent (process.cwd): No such file or directory"
}

@test "--user and --additional-gids set the ids; HOME follows the user" {
	run_detached ctr
	# Without :GID the config's gid stays (runc).
	run --separate-stderr barco exec -u 1000 ctr sh -c 'id -u; id -g; id -G; echo $HOME'
	assert_success
	[ "${lines[0]}" = 1000 ]
	[ "${lines[1]}" = 0 ]
	[ "${lines[2]}" = 0 ]
	[ "${lines[3]}" = /home/user ]
	run --separate-stderr barco exec -u 1000:1001 -g 5 --additional-gids 6 ctr sh -c \
		'id -u; id -g; id -G'
	assert_success
	[ "${lines[0]}" = 1000 ]
	[ "${lines[1]}" = 1001 ]
	[ "${lines[2]}" = "1001 5 6" ]
	run --separate-stderr barco exec -u user ctr id
	assert_error "--user"
	run --separate-stderr barco exec -g -1 ctr id
	assert_error '--additional-gids: "-1" is not a group id'
}

@test "-c adds a capability to the bounding, effective and permitted sets, not the inheritable" {
	run_detached ctr
	run --separate-stderr barco exec ctr grep ^Cap /proc/self/status
	assert_success
	CAPS=$output
	# CAP_SYS_ADMIN is bit 21; the config does not give it.
	if has_cap CapEff 21 || has_cap CapBnd 21; then
		echo "CAP_SYS_ADMIN without -c: $CAPS" >&2
		return 1
	fi
	run --separate-stderr barco exec -c CAP_SYS_ADMIN --cap CAP_SYS_PTRACE ctr grep ^Cap \
		/proc/self/status
	assert_success
	CAPS=$output
	has_cap CapEff 21
	has_cap CapPrm 21
	has_cap CapBnd 21
	has_cap CapEff 19
	echo "$output" | grep -qx "CapInh:[[:space:]]*0000000000000000"
	echo "$output" | grep -qx "CapAmb:[[:space:]]*0000000000000000"
	run --separate-stderr barco exec -c SYS_ADMIN ctr true
	assert_error 'exec: --cap: unknown capability "SYS_ADMIN" (did you mean "CAP_SYS_ADMIN"?)'
}

@test "--no-new-privs sets no_new_privs where the config does not" {
	update_config '.process.noNewPrivileges = false'
	run_detached ctr
	run --separate-stderr barco exec ctr grep ^NoNewPrivs /proc/self/status
	assert_success
	echo "$output" | grep -qx "NoNewPrivs:[[:space:]]*0"
	run --separate-stderr barco exec --no-new-privs ctr grep ^NoNewPrivs /proc/self/status
	assert_success
	echo "$output" | grep -qx "NoNewPrivs:[[:space:]]*1"
}

@test "the container's seccomp profile applies to the process, with and without no_new_privs" {
	local nnp
	for nnp in true false; do
		update_config --argjson n "$nnp" '.process.noNewPrivileges = $n
			| .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
			    syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO"}]}'
		run_detached ctr
		run --separate-stderr barco exec ctr sh -c \
			'grep ^Seccomp: /proc/self/status; mkdir /tmp/d && echo made'
		[ "$status" -ne 0 ]
		echo "$output" | grep -qx "Seccomp:[[:space:]]*2"
		[[ "$output" != *made* ]]
		[[ "$stderr" == *"Operation not permitted"* ]]
		barco delete -f ctr
	done
	# Without a profile, no filter: the check above is about the profile.
	update_config 'del(.linux.seccomp)'
	run_detached ctr
	run --separate-stderr barco exec ctr grep ^Seccomp: /proc/self/status
	assert_success
	echo "$output" | grep -qx "Seccomp:[[:space:]]*0"
}

@test "-t with --console-socket and --detach: the terminal goes to the socket, /dev/console stays" {
	need_recvtty
	start_recvtty
	run_detached ctr
	local before
	before=$(barco exec ctr sh -c 'grep -c " /dev/console " /proc/self/mountinfo || true')
	barco exec -d -t --console-socket "$SOCK" ctr sh -c \
		'tty; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo all-ttys' \
		</dev/null >"$BATS_TEST_TMPDIR/exec.out" 2>"$BATS_TEST_TMPDIR/exec.err"
	wait "$RECVTTY_PID"
	tr -d '\r' <"$TTYOUT" >"$BATS_TEST_TMPDIR/tty.txt"
	grep -qx '/dev/pts/[0-9]*' "$BATS_TEST_TMPDIR/tty.txt"
	grep -qx all-ttys "$BATS_TEST_TMPDIR/tty.txt"
	# The init's, not bound over by the exec's pty (runc binds it for the init only).
	[ "$(barco exec ctr sh -c 'grep -c " /dev/console " /proc/self/mountinfo || true')" = "$before" ]
}

@test "--process FILE with terminal and consoleSize: the size is the process's" {
	need_recvtty
	start_recvtty
	run_detached ctr
	jq -n --arg mark "$MARK_VAR=$BATS_TEST_TMPDIR" '{terminal: true,
		consoleSize: {height: 40, width: 99}, args: ["sh", "-c", "stty size"],
		env: ["PATH=/bin", $mark], cwd: "/"}' >"$BATS_TEST_TMPDIR/p.json"
	barco exec -d -p "$BATS_TEST_TMPDIR/p.json" --console-socket "$SOCK" ctr \
		</dev/null >"$BATS_TEST_TMPDIR/exec.out" 2>"$BATS_TEST_TMPDIR/exec.err"
	wait "$RECVTTY_PID"
	[ "$(tr -d '\r' <"$TTYOUT")" = "40 99" ]
}

@test "-t without --detach proxies the terminal itself" {
	run_detached ctr
	run --separate-stderr barco exec -t ctr sh -c 'tty; echo via-tty' </dev/null
	assert_success
	[[ "$(echo "$output" | tr -d '\r')" == *via-tty* ]] || {
		show_run
		return 1
	}
	[[ "$(echo "$output" | tr -d '\r')" == */dev/pts/* ]]
	# Without -t no terminal, whatever the config says (runc).
	update_config '.process.terminal = true'
	run --separate-stderr barco exec ctr sh -c 'tty || echo no-tty'
	[[ "$output" == *no-tty* ]]
}

@test "terminal and console socket combinations runc refuses are refused" {
	run_detached ctr
	run --separate-stderr barco exec -d -t ctr true
	assert_error "cannot allocate tty if barco will detach without setting console socket"
	run --separate-stderr barco exec --console-socket "$BATS_TEST_TMPDIR/s" ctr true
	assert_error "cannot use console socket if barco will not detach or allocate tty"
	run --separate-stderr barco exec -t --console-socket "$BATS_TEST_TMPDIR/s" ctr true
	assert_error "cannot use console socket"
	run --separate-stderr barco exec -d -t --console-socket "$BATS_TEST_TMPDIR/no.sock" ctr true
	assert_error "no.sock"
	# Nothing left of the refused ones: only the init in the container.
	run barco ps -f json ctr
	[ "$(echo "$output" | jq length)" -eq 1 ]
}

@test "--preserve-fds N passes exactly fds 3..3+N-1" {
	run_detached ctr
	local hostdir=$BATS_TEST_TMPDIR/hostdir
	mkdir "$hostdir"
	echo three >"$BATS_TEST_TMPDIR/f3"
	echo four >"$BATS_TEST_TMPDIR/f4"
	run --separate-stderr "$BARCO" --root "$ROOT" exec --preserve-fds 2 ctr ls -l /proc/self/fd/ \
		3<"$BATS_TEST_TMPDIR/f3" 4<"$BATS_TEST_TMPDIR/f4" 5<"$hostdir" 6</sys/fs/cgroup
	assert_success
	[[ "$output" == *" 3 -> $BATS_TEST_TMPDIR/f3"* ]]
	[[ "$output" == *" 4 -> $BATS_TEST_TMPDIR/f4"* ]]
	run --separate-stderr "$BARCO" --root "$ROOT" exec --preserve-fds 2 ctr sh -c "$FD_LIST" \
		3<"$BATS_TEST_TMPDIR/f3" 4<"$BATS_TEST_TMPDIR/f4" 5<"$hostdir" 6</sys/fs/cgroup
	assert_success
	[ "$(echo $output)" = "0 1 2 3 4" ] || {
		show_run
		return 1
	}
	run --separate-stderr "$BARCO" --root "$ROOT" exec --preserve-fds 1 ctr cat /proc/self/fd/3 \
		3<"$BATS_TEST_TMPDIR/f3"
	assert_success
	assert_output three
}

@test "no fd of barco's reaches the process, and none is a way out of the container" {
	run_detached ctr
	local hostdir=$BATS_TEST_TMPDIR/hostdir
	mkdir "$hostdir"
	run --separate-stderr "$BARCO" --root "$ROOT" exec ctr sh -c "$FD_LIST" \
		3<"$hostdir" 4</sys/fs/cgroup 5<"$BUNDLE" 6<"$BUNDLE/rootfs" 7<"$ROOT"
	assert_success
	[ "$(echo $output)" = "0 1 2" ] || {
		show_run
		return 1
	}
	# CVE-2024-21626: a cwd through a preserved fd to a host directory is refused.
	run --separate-stderr "$BARCO" --root "$ROOT" exec --preserve-fds 1 --cwd /proc/self/fd/3 \
		ctr pwd 3<"$hostdir"
	assert_error "outside the container's root"
	run --separate-stderr "$BARCO" --root "$ROOT" exec --cwd /proc/self/fd/5 ctr pwd 5<"$hostdir"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
}

@test "the process sees the container's root, not the host's" {
	run_detached ctr
	local pf=$BATS_TEST_TMPDIR/p.pid pid init
	echo secret >"$BATS_TEST_TMPDIR/host-canary"
	run --separate-stderr barco exec ctr sh -c \
		"cat $BATS_TEST_TMPDIR/host-canary; readlink /proc/self/root; readlink /proc/self/cwd; ls /"
	[[ "$output" != *secret* ]]
	[[ "$stderr" == *"host-canary"* ]]
	[ "${lines[0]}" = / ]
	[ "${lines[1]}" = / ]
	[ "$(echo "$output" | tail -n +3)" = "$(ls "$BUNDLE/rootfs")" ]
	# From the host: its root is the init's.
	exec_detached --pid-file "$pf" ctr sleep 999
	pid=$(cat "$pf")
	init=$(pid_of ctr)
	[ "$(stat -L -c %d:%i "/proc/$pid/root/")" = "$(stat -L -c %d:%i "/proc/$init/root/")" ]
	[ "$(stat -L -c %d:%i "/proc/$pid/root/")" != "$(stat -L -c %d:%i /)" ]
}

@test "exec into a created container, which then starts as usual" {
	create_ctr ctr
	[ "$(status_of ctr)" = created ]
	run --separate-stderr barco exec ctr sh -c 'echo in-created; readlink /proc/self/ns/pid'
	assert_success
	[ "${lines[0]}" = in-created ]
	[ "${lines[1]}" = "$(ns_of "$(pid_of ctr)" pid)" ]
	[ "$(status_of ctr)" = created ]
	barco start ctr
	wait_for_status ctr running
	run --separate-stderr barco exec ctr sh -c 'tr "\0" " " </proc/1/cmdline'
	assert_success
	assert_output "sleep 1000 "
}

@test "exec into a stopped container fails with runc's words and starts nothing" {
	set_args true
	run_detached ctr
	wait_for_status ctr stopped
	run --separate-stderr barco exec ctr sleep 100
	assert_error "container not running: ctr"
	[ -z "$(marked_pids)" ]
	run --separate-stderr barco exec nosuch true
	assert_error "container does not exist: nosuch"
}

@test "a paused container: exec refused without --ignore-paused; with it the process runs on resume" {
	run_detached ctr
	run --separate-stderr barco pause ctr
	[ "$status" -eq 0 ] || skip "pause needs a freezer cgroup: $stderr"
	run --separate-stderr barco exec ctr echo hi
	assert_error "cannot exec in a paused container ctr (use --ignore-paused to override)"
	local out=$BATS_TEST_TMPDIR/paused.out epid rc=0
	"$BARCO" --root "$ROOT" exec --ignore-paused ctr echo after-resume \
		</dev/null >"$out" 2>&1 3>&- &
	epid=$!
	KNOWN_PIDS+=("$epid")
	sleep 1
	# Frozen with the container: nothing ran yet.
	kill -0 "$epid"
	[ ! -s "$out" ]
	barco resume ctr
	wait "$epid" || rc=$?
	[ "$rc" -eq 0 ]
	grep -qx after-resume "$out"
}

@test "--cgroup CONTROLLER:PATH and --cgroup PATH run the process in a sub-cgroup" {
	run_detached ctr
	[ -s "$ROOT/ctr/cgroups" ] || skip "the container has no cgroup of its own on this host"
	local mp rel d pids_dir
	# The plain form needs PATH in every hierarchy of the container.
	run --separate-stderr barco exec --cgroup sub ctr true
	assert_error "--cgroup: open "
	[[ "$stderr" == *"/sub: No such file or directory"* ]]
	while IFS=$'\t' read -r mp _ rel; do
		d=$mp/$rel/sub
		mkdir "$d"
		# A v1 cpuset cgroup takes no task until it has cpus and mems.
		if [ -f "$d/cpuset.cpus" ]; then
			cat "$mp/$rel/cpuset.cpus" >"$d/cpuset.cpus"
			cat "$mp/$rel/cpuset.mems" >"$d/cpuset.mems"
		fi
		if [ "$(cgroup_mode)" = v2 ] || [[ "$mp" == */pids ]]; then
			pids_dir=$mp/$rel
			mkdir "$pids_dir/psub"
		fi
	done <"$ROOT/ctr/cgroups"
	run --separate-stderr barco exec --cgroup sub ctr cat /proc/self/cgroup
	assert_success
	[ "$(echo "$output" | grep -vc '/sub$')" -eq 0 ] || {
		show_run
		return 1
	}
	run --separate-stderr barco exec --cgroup pids:psub ctr cat /proc/self/cgroup
	assert_success
	if [ "$(cgroup_mode)" = v2 ]; then
		assert_output "0::/psub"
	else
		echo "$output" | grep -qx '[0-9]*:pids:/psub'
		# Every other hierarchy: the container's own cgroup.
		[ "$(echo "$output" | grep -v ':pids:' | grep -vc ':/$')" -eq 0 ] || {
			show_run
			return 1
		}
	fi
	run --separate-stderr barco exec --cgroup nosuch:x ctr true
	assert_error "container ctr has no cgroup with controller nosuch"
	run --separate-stderr barco exec --cgroup a:b --cgroup c ctr true
	assert_error "invalid --cgroup argument: c (missing <controller>: prefix)"
	run --separate-stderr barco exec --cgroup ../x ctr true
	assert_error '"." and ".." are not allowed'
	while IFS=$'\t' read -r mp _ rel; do
		rmdir "$mp/$rel/sub"
	done <"$ROOT/ctr/cgroups"
	rmdir "$pids_dir/psub"
}

@test "a command that is not there: runc's error, exit 1, nothing left running" {
	run_detached ctr
	run --separate-stderr barco exec ctr nosuchcmd
	assert_error 'exec: "nosuchcmd": executable file not found in $PATH'
	run --separate-stderr barco exec ctr /bin/nosuch
	assert_error 'exec: "/bin/nosuch": stat: No such file or directory'
	run --separate-stderr barco exec ctr /etc
	assert_error 'exec: "/etc": Is a directory'
	# Only the init is in the container.
	run barco ps -f json ctr
	assert_success
	[ "$(echo "$output" | jq length)" -eq 1 ]
}

@test "--process FILE gives the whole process; its errors name the file" {
	run_detached ctr
	local p=$BATS_TEST_TMPDIR/p.json
	jq -n --arg mark "$MARK_VAR=$BATS_TEST_TMPDIR" '{args: ["sh", "-c", "echo $FROM; id -u; id -g; pwd"],
		env: ["FROM=file", "PATH=/bin", $mark], cwd: "/tmp", user: {uid: 7, gid: 8}}' >"$p"
	run --separate-stderr barco exec -p "$p" ctr
	assert_success
	[ "${lines[0]}" = file ]
	[ "${lines[1]}" = 7 ]
	[ "${lines[2]}" = 8 ]
	[ "${lines[3]}" = /tmp ]
	echo '{"args": [], "cwd": "/"}' >"$p"
	run --separate-stderr barco exec --process "$p" ctr
	assert_error "process.json: args: must contain at least one element"
	[[ "$stderr" == *"$p"* ]]
	run --separate-stderr barco exec -p "$BATS_TEST_TMPDIR/none.json" ctr
	assert_error "none.json: No such file or directory"
}

@test "usage errors" {
	run --separate-stderr barco exec
	assert_error "exec: missing container ID"
	run --separate-stderr barco exec ctr
	assert_error "exec: missing command to run"
	run --separate-stderr barco exec -p "$BATS_TEST_TMPDIR/p.json" ctr echo
	assert_error 'exec: unexpected argument "echo"'
	run --separate-stderr barco exec --preserve-fds -1 ctr true
	assert_error "--preserve-fds"
	run --separate-stderr barco exec --bogus ctr true
	assert_error 'unknown option "--bogus"'
	# "--" after the ID: the command follows, options of its own included.
	run_detached ctr
	run --separate-stderr barco exec ctr -- sh -c 'echo "$0"' --dashes
	assert_success
	assert_output --dashes
}

@test "in a container with its own user namespace, exec joins it as the mapped root" {
	# The mapped root must reach the bundle: bats makes its run directory 0700.
	chmod o+x "$BATS_RUN_TMPDIR"
	update_config '.linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
	run_detached ctr
	local init pf=$BATS_TEST_TMPDIR/p.pid pid
	init=$(pid_of ctr)
	run --separate-stderr barco exec ctr sh -c \
		'id -u; cat /proc/self/uid_map; readlink /proc/self/ns/user; readlink /proc/self/ns/mnt'
	assert_success
	[ "${lines[0]}" = 0 ]
	[ "$(echo "${lines[1]}" | tr -s ' ' | sed 's/^ //')" = "0 100000 65536" ]
	[ "${lines[2]}" = "$(ns_of "$init" user)" ]
	[ "${lines[3]}" = "$(ns_of "$init" mnt)" ]
	exec_detached -u 1000 --pid-file "$pf" ctr sleep 999
	pid=$(cat "$pf")
	[ "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")" = 101000 ]
}

@test "exec joins the container's time namespace" {
	[ -e /proc/self/ns/time ] || skip "no time namespaces in this kernel"
	update_config '.linux.namespaces += [{type: "time"}]
		| .linux.timeOffsets = {boottime: {secs: 86400}}'
	run_detached ctr
	run --separate-stderr barco exec ctr sh -c 'readlink /proc/self/ns/time; cut -d. -f1 /proc/uptime'
	assert_success
	[ "${lines[0]}" = "$(ns_of "$(pid_of ctr)" time)" ]
	[ "${lines[1]}" -ge $(($(cut -d. -f1 /proc/uptime) + 86000)) ]
}

@test "the config's rlimits and oomScoreAdj apply to the process" {
	update_config '.process.rlimits = [{type: "RLIMIT_NOFILE", hard: 512, soft: 256}]
		| .process.oomScoreAdj = 500'
	run_detached ctr
	run --separate-stderr barco exec ctr sh -c 'ulimit -n; ulimit -Hn; cat /proc/self/oom_score_adj'
	assert_success
	[ "${lines[0]}" = 256 ]
	[ "${lines[1]}" = 512 ]
	[ "${lines[2]}" = 500 ]
}

@test "--apparmor and --process-label need their LSM" {
	run_detached ctr
	if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" != Y ]; then
		run --separate-stderr barco exec --apparmor barco-test ctr true
		assert_error 'apparmor profile "barco-test" requested'
		[[ "$stderr" == *"AppArmor is not enabled on this host"* ]]
	fi
	if [ ! -d /sys/fs/selinux ]; then
		run --separate-stderr barco exec --process-label system_u:system_r:container_t:s0 ctr true
		assert_error "SELinux is not enabled on this host"
	fi
	[ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" != Y ] ||
		[ ! -d /sys/fs/selinux ] || skip "both AppArmor and SELinux are enabled here"
}

@test "the config's scheduler and execCPUAffinity apply to the process, not to the init" {
	[ "$(nproc)" -ge 2 ] || skip "needs two CPUs to tell an affinity from the default"
	update_config '.process.scheduler = {policy: "SCHED_BATCH", nice: 5}
		| .process.execCPUAffinity = {initial: "0-1", final: "1"}'
	run_detached ctr
	run --separate-stderr barco exec ctr sh -c \
		'grep ^Cpus_allowed_list: /proc/self/status; grep ^policy /proc/self/sched
		 cut -d" " -f19 /proc/self/stat'
	assert_success
	echo "${lines[0]}" | grep -qx "Cpus_allowed_list:[[:space:]]*1"
	# SCHED_BATCH is policy 3.
	echo "${lines[1]}" | grep -qx "policy[[:space:]]*:[[:space:]]*3"
	[ "${lines[2]}" = 5 ]
	# The spec: execCPUAffinity is for exec'd processes only.
	[ "$(awk '/^Cpus_allowed_list:/ {print $2}' "/proc/$(pid_of ctr)/status")" != 1 ]
}

@test "a container without cgroups of its own (--cgroup-manager=disabled): exec still works" {
	update_config 'del(.linux.cgroupsPath)'
	"$BARCO" --root "$ROOT" --cgroup-manager=disabled run -d -b "$BUNDLE" ctr </dev/null \
		>/dev/null 2>"$BATS_TEST_TMPDIR/err" 3>&-
	[ ! -e "$ROOT/ctr/cgroups" ]
	run --separate-stderr "$BARCO" --root "$ROOT" --cgroup-manager=disabled exec ctr sh -c \
		'readlink /proc/self/ns/pid'
	assert_success
	assert_output "$(ns_of "$(pid_of ctr)" pid)"
	run --separate-stderr "$BARCO" --root "$ROOT" exec --cgroup sub ctr true
	assert_error "--cgroup: container ctr has no cgroup of its own"
}

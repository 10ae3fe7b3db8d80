#!/usr/bin/env bats
# linux.seccomp: actions and their errno, argument conditions, architectures, flags, unknown
# names, the no_new_privileges ordering, and SCMP_ACT_NOTIFY with a listener.

load helpers

# A seccomp agent: accepts one connection on SOCKET, stores the container process state in
# OUTDIR/state.json and the number of fds received in OUTDIR/nfds, then answers every
# notification with -ERRNO and logs its syscall number to OUTDIR/notifications, until the
# filter has no task left (or 30 s).
write_agent() {
	cat >"$1" <<'EOF'
import array, errno, fcntl, os, select, socket, struct, sys, time

sock_path, out_dir, reply = sys.argv[1], sys.argv[2], int(sys.argv[3])
NOTIF_RECV, NOTIF_SEND = 0xC0502100, 0xC0182101  # _IOWR('!', 0/1, struct seccomp_notif/_resp)
deadline = time.monotonic() + 30

srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sock_path + ".tmp")
srv.listen(1)
os.rename(sock_path + ".tmp", sock_path)  # visible only once it accepts
srv.settimeout(30)
conn, _ = srv.accept()
conn.settimeout(30)
fds = array.array("i")
data, anc, _, _ = conn.recvmsg(65536, socket.CMSG_SPACE(16))
for level, kind, payload in anc:
    if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
        fds.frombytes(payload[: len(payload) - len(payload) % 4])
chunks = [data]
while True:
    more = conn.recv(65536)
    if not more:
        break
    chunks.append(more)
with open(os.path.join(out_dir, "state.json"), "wb") as f:
    f.write(b"".join(chunks))
with open(os.path.join(out_dir, "nfds"), "w") as f:
    f.write("%d\n" % len(fds))
nfd = fds[0]
log = open(os.path.join(out_dir, "notifications"), "w")
poller = select.poll()
poller.register(nfd, select.POLLIN)
while time.monotonic() < deadline:
    events = poller.poll(200)
    if not events:
        continue
    if events[0][1] & select.POLLHUP and not events[0][1] & select.POLLIN:
        break
    req = bytearray(80)
    try:
        fcntl.ioctl(nfd, NOTIF_RECV, req, True)
    except OSError as e:
        if e.errno in (errno.ENOENT, errno.EINTR):
            continue
        raise
    nid, _, _, nr = struct.unpack_from("<QIIi", req)
    log.write("%d\n" % nr)
    log.flush()
    try:
        fcntl.ioctl(nfd, NOTIF_SEND, bytearray(struct.pack("<QqiI", nid, 0, -reply, 0)), True)
    except OSError:
        pass  # the task went away meanwhile
EOF
}

setup_file() {
	common_setup_file || return 1
	if command -v python3 >/dev/null; then
		write_agent "$BATS_FILE_TMPDIR/agent.py"
	fi
}

# set_seccomp JSON: linux.seccomp of the bundle.
set_seccomp() {
	update_config --argjson s "$1" '.linux.seccomp = $s'
}

# A profile that allows everything but the given rules (a JSON array).
allow_but() {
	set_seccomp "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": $1}"
}

MKDIR='["mkdir", "mkdirat"]'
CHMOD='["chmod", "fchmod", "fchmodat"]'

# start_agent ERRNO: the agent on $SOCK, writing into $AGENT_OUT.
start_agent() {
	command -v python3 >/dev/null || skip "python3 is needed for the seccomp agent"
	SOCK=$BATS_TEST_TMPDIR/agent.sock
	AGENT_OUT=$BATS_TEST_TMPDIR/agent
	mkdir -p "$AGENT_OUT"
	python3 "$BATS_FILE_TMPDIR/agent.py" "$SOCK" "$AGENT_OUT" "$1" 3>&- \
		2>"$BATS_TEST_TMPDIR/agent.err" &
	AGENT_PID=$!
	KNOWN_PIDS+=("$AGENT_PID")
	local i
	for ((i = 0; i < 50; i++)); do
		[ -S "$SOCK" ] && return 0
		sleep 0.1
	done
	echo "the agent did not listen on $SOCK:" >&2
	cat "$BATS_TEST_TMPDIR/agent.err" >&2
	return 1
}

# notify_profile NNP: mkdir goes to the agent, with listenerMetadata.
notify_profile() {
	update_config --arg sock "$SOCK" --argjson nnp "$1" --argjson names "$MKDIR" \
		'.process.noNewPrivileges = $nnp
		 | .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", listenerPath: $sock,
			listenerMetadata: "barco-test-metadata",
			syscalls: [{names: $names, action: "SCMP_ACT_NOTIFY"}]}'
}

@test "errnoRet is the errno the process sees" {
	allow_but "[{\"names\": $MKDIR, \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38}]"
	run_sh 'mkdir /dev/shm/x; echo "rc=$?"; touch /dev/shm/y && echo touched'
	assert_success
	assert_output "rc=1
touched"
	[ "$stderr" = "mkdir: can't create directory '/dev/shm/x': Function not implemented" ] ||
		show_run
}

@test "SCMP_ACT_ERRNO without errnoRet is EPERM" {
	allow_but "[{\"names\": $MKDIR, \"action\": \"SCMP_ACT_ERRNO\"}]"
	run_sh 'mkdir /dev/shm/x'
	[ "$status" -eq 1 ] || show_run
	[ "$stderr" = "mkdir: can't create directory '/dev/shm/x': Operation not permitted" ] ||
		show_run
}

@test "defaultErrnoRet is returned for every syscall not allowed" {
	# The default spec's profile (defaultAction SCMP_ACT_ERRNO) without mkdir in it.
	update_config --argjson m "$MKDIR" \
		'.linux.seccomp.defaultErrnoRet = 95
		 | .linux.seccomp.syscalls |= map(.names -= $m)'
	run_sh 'mkdir /dev/shm/x; echo "rc=$?"'
	assert_output "rc=1"
	[ "$stderr" = "mkdir: can't create directory '/dev/shm/x': Operation not supported" ] ||
		show_run
	update_config 'del(.linux.seccomp.defaultErrnoRet)'
	run_sh 'mkdir /dev/shm/x'
	[ "$stderr" = "mkdir: can't create directory '/dev/shm/x': Operation not permitted" ] ||
		show_run
}

@test "SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL and SCMP_ACT_TRAP end the process with SIGSYS" {
	local action
	set_args mkdir /dev/shm/x
	for action in SCMP_ACT_KILL_PROCESS SCMP_ACT_KILL SCMP_ACT_TRAP; do
		allow_but "[{\"names\": $MKDIR, \"action\": \"$action\"}]"
		run --separate-stderr barco run -b "$BUNDLE" ctr
		if [ "$status" -ne 159 ]; then
			echo "$action: expected exit status 159 (128 + SIGSYS)" >&2
			show_run
			return 1
		fi
	done
	[ ! -e "$BUNDLE/rootfs/dev/shm/x" ]
}

@test "a profile that blocks only chmod" {
	allow_but "[{\"names\": $CHMOD, \"action\": \"SCMP_ACT_ERRNO\"}]"
	run_sh 'cd /dev/shm && touch f && mkdir d && ln -s f l && echo hi >f && cat f
		chmod 600 f; echo "chmod=$?"; ls -ln f | cut -c1-10'
	assert_output "hi
chmod=1
-rw-r--r--"
	[ "$stderr" = "chmod: f: Operation not permitted" ] || show_run
}

@test "argument conditions: SCMP_CMP_MASKED_EQ takes value as the mask, valueTwo as the datum" {
	# Deny making a file world-writable: (mode & 0002) == 0002.
	allow_but '[{"names": ["chmod"], "action": "SCMP_ACT_ERRNO",
		     "args": [{"index": 1, "op": "SCMP_CMP_MASKED_EQ", "value": 2, "valueTwo": 2}]},
		    {"names": ["fchmodat"], "action": "SCMP_ACT_ERRNO",
		     "args": [{"index": 2, "op": "SCMP_CMP_MASKED_EQ", "value": 2, "valueTwo": 2}]}]'
	run_sh 'cd /dev/shm && touch f
		chmod 0775 f; echo "a=$?"; chmod 0757 f; echo "b=$?"; chmod 0606 f; echo "c=$?"
		ls -ln f | cut -c1-10'
	assert_output "a=0
b=1
c=1
-rwxrwxr-x"
}

@test "argument conditions: one index twice is an OR, different indexes an AND" {
	# kill(pid, sig): USR1 or USR2 are denied (same index), HUP only to pids above 1 (AND).
	allow_but '[{"names": ["kill"], "action": "SCMP_ACT_ERRNO",
		     "args": [{"index": 1, "op": "SCMP_CMP_EQ", "value": 10},
			      {"index": 1, "op": "SCMP_CMP_EQ", "value": 12}]},
		    {"names": ["kill"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22,
		     "args": [{"index": 1, "op": "SCMP_CMP_EQ", "value": 1},
			      {"index": 0, "op": "SCMP_CMP_GT", "value": 1}]}]'
	run_sh 'trap "" USR1 USR2 HUP
		kill -USR1 $$; echo "usr1=$?"; kill -USR2 $$; echo "usr2=$?"
		sleep 100 & p=$!
		kill -HUP $$; echo "hup_self=$?"; kill -HUP $p; echo "hup_child=$?"
		kill -KILL $p'
	assert_output "usr1=1
usr2=1
hup_self=0
hup_child=1"
	[[ "$stderr" == *"Invalid argument"* ]] || show_run
}

@test "architectures: the native one is always filtered, foreign and unknown ones are accepted" {
	set_seccomp "{\"defaultAction\": \"SCMP_ACT_ALLOW\",
		\"architectures\": [\"SCMP_ARCH_AARCH64\", \"SCMP_ARCH_PPC64LE\", \"SCMP_ARCH_LOONGARCH64\"],
		\"syscalls\": [{\"names\": $MKDIR, \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38}]}"
	set_args sh -c 'mkdir /dev/shm/x'
	run --separate-stderr barco --debug --log "$BATS_TEST_TMPDIR/log" run -b "$BUNDLE" ctr
	[ "$status" -eq 1 ] || show_run
	[[ "$stderr" == *"Function not implemented"* ]] || show_run
	# libseccomp 2.5 predates LoongArch: skipped, with a debug line saying so.
	if ! grep -q "SCMP_ARCH_LOONGARCH64 is unknown to libseccomp 2.5" "$BATS_TEST_TMPDIR/log"; then
		grep -q "libseccomp 2.[6-9]" "$BATS_TEST_TMPDIR/log" || {
			cat "$BATS_TEST_TMPDIR/log" >&2
			return 1
		}
	fi
}

@test "unknown syscall names are skipped, the known ones of the rule still apply" {
	allow_but '[{"names": ["barco_no_such_syscall", "mkdir", "mkdirat"],
		     "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]'
	set_args sh -c 'mkdir /dev/shm/x'
	run --separate-stderr barco --debug --log "$BATS_TEST_TMPDIR/log" run -b "$BUNDLE" ctr
	[ "$status" -eq 1 ] || show_run
	[[ "$stderr" == *"Function not implemented"* ]] || show_run
	grep -q 'skipping unknown syscall "barco_no_such_syscall" (linux.seccomp.syscalls\[0\])' \
		"$BATS_TEST_TMPDIR/log"
}

# kmsg_mark: write a unique line to the kernel log and print it.  Counting records after it,
# rather than comparing totals, is immune to the ring buffer dropping old lines (the OOM
# reports of other tests fill it).
kmsg_mark() {
	local m="barco-bats-mark-$$-$RANDOM-$SECONDS"
	echo "$m" >/dev/kmsg
	echo "$m"
}

# audit_count MARK PATTERN: seccomp audit records (type=1326) after MARK matching a regex.
audit_count() {
	dmesg | sed -n "/$1/,\$p" | grep 'type=1326' | grep -cE "$2" || true
}

@test "SCMP_ACT_LOG allows and logs; SECCOMP_FILTER_FLAG_LOG logs the other actions" {
	dmesg >/dev/null 2>&1 || skip "the kernel log is not readable here"
	[ "$(uname -m)" = x86_64 ] || skip "syscall numbers below are those of x86_64"
	# mkdir is 83 and rmdir 84; an audit record's code is the action without its data:
	# 0x7ffc0000 for LOG, 0x50000 for ERRNO.
	local made='comm="mkdir".*syscall=83 .*code=0x7ffc0000'
	local denied='comm="rmdir".*syscall=84 .*code=0x50000'
	local mark profile
	profile="{\"defaultAction\": \"SCMP_ACT_ALLOW\",
		\"syscalls\": [{\"names\": $MKDIR, \"action\": \"SCMP_ACT_LOG\"},
			{\"names\": [\"rmdir\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38}]}"
	# Without the flag an ERRNO is not logged, a LOG is.
	mark=$(kmsg_mark)
	set_seccomp "$profile"
	run_sh 'mkdir /dev/shm/x && echo made; rmdir /dev/shm/x; echo "rmdir=$?"'
	assert_output "made
rmdir=1"
	sleep 0.2
	[ "$(audit_count "$mark" "$made")" -gt 0 ]
	[ "$(audit_count "$mark" "$denied")" -eq 0 ]
	# With it, both are.
	mark=$(kmsg_mark)
	update_config '.linux.seccomp.flags = ["SECCOMP_FILTER_FLAG_LOG"]'
	run_sh 'mkdir /dev/shm/x && echo made; rmdir /dev/shm/x; echo "rmdir=$?"'
	assert_output "made
rmdir=1"
	sleep 0.2
	[ "$(audit_count "$mark" "$made")" -gt 0 ]
	[ "$(audit_count "$mark" "$denied")" -gt 0 ]
}

@test "without noNewPrivileges the filter is loaded before the uid change (uid 1000)" {
	update_config '.process.noNewPrivileges = false | .process.user = {uid: 1000, gid: 1000}'
	update_config --argjson m "$MKDIR" '.linux.seccomp.syscalls |= map(.names -= $m)'
	run_sh 'id -u; mkdir /dev/shm/x'
	[ "$status" -eq 1 ] || show_run
	assert_output "1000"
	[ "$stderr" = "mkdir: can't create directory '/dev/shm/x': Operation not permitted" ] ||
		show_run
}

@test "a profile the kernel or libseccomp refuses fails create with the JSON path" {
	allow_but "[{\"names\": $MKDIR, \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 5000}]"
	run --separate-stderr barco run -b "$BUNDLE" ctr
	assert_error "config.json: linux.seccomp.syscalls[0].errnoRet: 5000 is out of range for SCMP_ACT_ERRNO (0 to 4094)"
	assert_root_empty
	allow_but '[{"names": ["kill"], "action": "SCMP_ACT_ERRNO",
		     "args": [{"index": 6, "op": "SCMP_CMP_EQ", "value": 1}]}]'
	run --separate-stderr barco run -b "$BUNDLE" ctr
	assert_error "config.json: linux.seccomp.syscalls[0].args[0].index: 6 is out of range (0 to 5)"
	update_config '.linux.seccomp.syscalls = [{names: ["mkdir"], action: "SCMP_ACT_NOTIFY"}]'
	run --separate-stderr barco run -b "$BUNDLE" ctr
	assert_error "config.json: linux.seccomp: SCMP_ACT_NOTIFY is used but listenerPath is not set"
	assert_root_empty
}

@test "SCMP_ACT_NOTIFY: create fails when nothing listens on listenerPath" {
	SOCK=$BATS_TEST_TMPDIR/nobody.sock
	notify_profile true
	run --separate-stderr barco run -b "$BUNDLE" ctr
	assert_error "seccomp: connect to listener $SOCK: No such file or directory"
	assert_root_empty
}

# wait_for_file FILE: FILE is there and not empty within 5 s.
wait_for_file() {
	local i
	for ((i = 0; i < 50; i++)); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	echo "$1 did not appear within 5 s" >&2
	return 1
}

# check_agent_state STATUS: what the agent received, against the running container ctr.
check_agent_state() {
	local st=$AGENT_OUT/state.json
	[ "$(cat "$AGENT_OUT/nfds")" = 1 ]
	jq -e --arg b "$BUNDLE" --argjson pid "$(pid_of ctr)" --arg status "$1" '
		.ociVersion != null and .fds == ["seccompFd"] and .pid == $pid
		and .metadata == "barco-test-metadata"
		and .state.id == "ctr" and .state.pid == $pid and .state.status == $status
		and .state.bundle == $b' "$st" >/dev/null || {
		echo "unexpected container process state:" >&2
		cat "$st" >&2
		return 1
	}
}

@test "SCMP_ACT_NOTIFY: the agent gets the fd and the state, and answers for the process" {
	start_agent 61
	notify_profile true
	set_args sh -c 'mkdir /dev/shm/x 2>&1; echo "rc=$?"
		ls -l /proc/1/fd | grep -c seccomp; sleep 1000'
	run_detached ctr
	wait_for_output "rc=1"
	grep -qx "mkdir: can't create directory '/dev/shm/x': No data available" \
		"$BATS_TEST_TMPDIR/out"
	# The notify fd went to the agent only: the process holds none.
	wait_for_output 0
	wait_for_file "$AGENT_OUT/nfds"
	check_agent_state running
	grep -qxE '83|258' "$AGENT_OUT/notifications"
	[ ! -e "$BUNDLE/rootfs/dev/shm/x" ]
	barco delete -f ctr
	wait_pid_gone "$AGENT_PID"
}

@test "SCMP_ACT_NOTIFY without noNewPrivileges: sent during create, state creating" {
	start_agent 61
	notify_profile false
	set_args sh -c 'mkdir /dev/shm/x 2>&1; echo "rc=$?"; sleep 1000'
	create_ctr ctr
	# Loaded before the uid change, so the agent has the fd before start.
	wait_for_file "$AGENT_OUT/nfds"
	check_agent_state creating
	barco start ctr
	wait_for_output "rc=1"
	grep -qx "mkdir: can't create directory '/dev/shm/x': No data available" \
		"$BATS_TEST_TMPDIR/out"
	barco delete -f ctr
	wait_pid_gone "$AGENT_PID"
}

# ---- the compiled-filter cache (src/seccomp_cache.c) ----

# The cache files below $ROOT, one per line.
cache_files() {
	find "$ROOT/.seccomp-cache" -type f 2>/dev/null | sort
}

@test "the compiled filter is cached in the state root; a hit is enforced the same" {
	allow_but "[{\"names\": $MKDIR, \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38}]"
	set_args sh -c 'mkdir /dev/shm/x 2>/dev/null; echo "rc=$?"'
	run --separate-stderr barco --debug run -b "$BUNDLE" ctr
	assert_success
	assert_output "rc=1"
	[[ "$stderr" != *"from the cache"* ]]
	[ "$(cache_files | wc -l)" -eq 1 ]
	[ "$(stat -c %a "$ROOT/.seccomp-cache")" = 700 ]
	[ "$(stat -c %a "$(cache_files)")" = 600 ]
	# The second container loads the cached program, and mkdir still fails with ENOSYS.
	set_args sh -c 'mkdir /dev/shm/x; echo "rc=$?"'
	run --separate-stderr barco --debug run -b "$BUNDLE" ctr
	assert_success
	assert_output "rc=1"
	[[ "$stderr" == *"from the cache"* ]] || {
		show_run
		false
	}
	[[ "$stderr" == *"can't create directory '/dev/shm/x': Function not implemented"* ]]
	# The cache is not a container.
	run barco list -q
	assert_success
	assert_output ""
	# Another profile gets a file of its own.
	allow_but "[{\"names\": $MKDIR, \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13}]"
	run --separate-stderr barco run -b "$BUNDLE" ctr
	assert_success
	[ "$(cache_files | wc -l)" -eq 2 ]
}

@test "a damaged or foreign cache file is not used: the profile is compiled and the file replaced" {
	local f
	allow_but "[{\"names\": $MKDIR, \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38}]"
	set_args sh -c 'mkdir /dev/shm/x; echo "rc=$?"'
	run --separate-stderr barco run -b "$BUNDLE" ctr
	assert_success
	f=$(cache_files)
	cp "$f" "$BATS_TEST_TMPDIR/good"
	# Its instructions spoiled: every BPF "return ALLOW" would do.
	truncate -s -8 "$f"
	run --separate-stderr barco --debug run -b "$BUNDLE" ctr
	assert_success
	assert_output "rc=1"
	[[ "$stderr" != *"from the cache"* ]]
	[[ "$stderr" == *"Function not implemented"* ]]
	cmp "$f" "$BATS_TEST_TMPDIR/good"
	# Writable by others: not trusted either.
	chmod 0666 "$f"
	run --separate-stderr barco --debug run -b "$BUNDLE" ctr
	assert_success
	assert_output "rc=1"
	[[ "$stderr" == *"not a private regular file"* ]] || {
		show_run
		false
	}
	[ "$(stat -c %a "$f")" = 600 ]
}

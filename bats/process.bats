#!/usr/bin/env bats
# The container process: args, env, cwd, user, umask, hostname, rlimits, oom score, fds,
# PATH lookup and terminals.

load helpers

setup_file() {
	common_setup_file || return 1
	build_recvtty
}

# True when the bounding set holds CAP_SYS_RESOURCE (bit 24).
have_cap_sys_resource() {
	local bnd
	bnd=$(awk '/^CapBnd:/ {print $2}' /proc/self/status)
	(((0x$bnd >> 24) & 1))
}

@test "args reach the process unchanged" {
	set_args sh -c 'for a in "$@"; do echo "[$a]"; done' sh "a b" "" 'c"d' '$HOME' "*"
	run --separate-stderr barco run -b "$BUNDLE" ctr
	assert_success
	[ "${lines[0]}" = "[a b]" ]
	[ "${lines[1]}" = "[]" ]
	[ "${lines[2]}" = '[c"d]' ]
	[ "${lines[3]}" = '[$HOME]' ]
	[ "${lines[4]}" = "[*]" ]
	[ "${#lines[@]}" -eq 5 ]
}

@test "env is exactly process.env, plus HOME" {
	update_config --arg mark "$MARK_VAR=$BATS_TEST_TMPDIR" \
		'.process.env = ["PATH=/bin:/usr/bin", "FOO=bar baz", "EMPTY=", "EQ=a=b", $mark]'
	export HOST_ONLY_VARIABLE=leak
	run_sh 'env | sort'
	assert_success
	local want
	want=$(printf '%s\n' "EMPTY=" "EQ=a=b" "FOO=bar baz" "HOME=/root" "$MARK_VAR=$BATS_TEST_TMPDIR" \
		"PATH=/bin:/usr/bin" | sort)
	# sh itself adds PWD and SHLVL.
	[ "$(echo "$output" | grep -vE '^(PWD|SHLVL|OLDPWD)=')" = "$want" ] || {
		show_run
		return 1
	}
}

@test "an explicit HOME is kept" {
	update_config '.process.env += ["HOME=/somewhere"]'
	run_sh 'echo "$HOME"'
	assert_success
	assert_output /somewhere
}

@test "HOME comes from the container's /etc/passwd for the uid" {
	update_config '.process.user = {"uid": 1000, "gid": 1000}'
	run_sh 'echo "$HOME"'
	assert_success
	assert_output /home/user
}

@test "cwd is process.cwd" {
	update_config '.process.cwd = "/etc"'
	run_sh 'pwd'
	assert_success
	assert_output /etc
}

@test "a missing process.cwd is created, even with a read-only root" {
	update_config '.process.cwd = "/work/deep/dir"'
	run_sh 'pwd; touch /work/x 2>/dev/null && echo writable || echo read-only'
	assert_success
	[ "${lines[0]}" = /work/deep/dir ]
	[ "${lines[1]}" = read-only ]
}

@test "the process runs as root with no supplementary groups by default" {
	run_sh 'id -u; id -g; grep ^Groups: /proc/self/status'
	assert_success
	[ "${lines[0]}" = 0 ]
	[ "${lines[1]}" = 0 ]
	[[ "${lines[2]}" =~ ^Groups:[[:space:]]*$ ]]
}

@test "process.user sets uid and gid" {
	update_config '.process.user = {"uid": 1000, "gid": 1000}'
	run_sh 'id -u; id -g; id -un'
	assert_success
	[ "${lines[0]}" = 1000 ]
	[ "${lines[1]}" = 1000 ]
	[ "${lines[2]}" = user ]
}

@test "process.user.additionalGids are the supplementary groups" {
	update_config '.process.user = {"uid": 1000, "gid": 1000, "additionalGids": [10, 20, 65534]}'
	run_sh 'grep ^Groups: /proc/self/status; id -G'
	assert_success
	[[ "${lines[0]}" =~ ^Groups:[[:space:]]*10\ 20\ 65534[[:space:]]*$ ]] || {
		show_run
		return 1
	}
	[[ " ${lines[1]} " == *" 20 "* ]]
}

@test "a non-root user cannot write what root owns" {
	update_config '.process.user = {"uid": 65534, "gid": 65534}
		| .mounts += [{"destination": "/data", "type": "tmpfs", "source": "tmpfs",
			"options": ["mode=755"]}]'
	run_sh 'touch /data/x 2>/dev/null && echo wrote || echo denied; id -un'
	assert_success
	[ "${lines[0]}" = denied ]
	[ "${lines[1]}" = nobody ]
}

@test "process.user.umask is applied" {
	update_config '.process.user.umask = 63
		| .mounts += [{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs"}]'
	run_sh 'umask; touch /scratch/f; mkdir /scratch/d; stat -c %a /scratch/f /scratch/d'
	assert_success
	[ "${lines[0]}" = 0077 ]
	[ "${lines[1]}" = 600 ]
	[ "${lines[2]}" = 700 ]
}

@test "the hostname is the configured one and the host's is unchanged" {
	local host_before
	host_before=$(hostname)
	update_config '.hostname = "box-1"'
	run_sh 'hostname; cat /proc/sys/kernel/hostname'
	assert_success
	[ "${lines[0]}" = box-1 ]
	[ "${lines[1]}" = box-1 ]
	[ "$(hostname)" = "$host_before" ]
}

@test "the domainname is the configured one" {
	local host_before
	host_before=$(cat /proc/sys/kernel/domainname)
	update_config '.domainname = "example.org"'
	run_sh 'cat /proc/sys/kernel/domainname'
	assert_success
	assert_output example.org
	[ "$(cat /proc/sys/kernel/domainname)" = "$host_before" ]
}

@test "rlimits set soft and hard limits" {
	update_config '.process.rlimits = [
		{"type": "RLIMIT_NOFILE", "soft": 100, "hard": 200},
		{"type": "RLIMIT_CORE", "soft": 1024, "hard": 2048}]'
	run_sh 'ulimit -n; ulimit -Hn; grep "Max core file size" /proc/self/limits'
	assert_success
	[ "${lines[0]}" = 100 ]
	[ "${lines[1]}" = 200 ]
	[[ "${lines[2]}" =~ Max\ core\ file\ size\ +1024\ +2048\ +bytes ]]
}

@test "raising a hard rlimit without CAP_SYS_RESOURCE fails clearly" {
	if have_cap_sys_resource; then
		skip "CAP_SYS_RESOURCE is in the bounding set: raising the limit would succeed"
	fi
	local hard
	hard=$(ulimit -Hn)
	[ "$hard" != unlimited ] || skip "the hard RLIMIT_NOFILE is unlimited"
	update_config --argjson h "$((hard + 1))" \
		'.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": $h}]'
	run --separate-stderr barco run -b "$BUNDLE" ctr
	assert_error "RLIMIT_NOFILE"
	assert_root_empty
}

@test "oomScoreAdj is written to /proc/self/oom_score_adj" {
	local cur want
	cur=$(cat /proc/self/oom_score_adj)
	# Only raising is allowed without CAP_SYS_RESOURCE.
	want=$((cur < 900 ? cur + 100 : 1000))
	update_config --argjson w "$want" '.process.oomScoreAdj = $w'
	run_sh 'cat /proc/self/oom_score_adj'
	assert_success
	assert_output "$want"
}

@test "lowering oomScoreAdj without CAP_SYS_RESOURCE fails clearly" {
	if have_cap_sys_resource; then
		skip "CAP_SYS_RESOURCE is in the bounding set: lowering would succeed"
	fi
	local cur
	cur=$(cat /proc/self/oom_score_adj)
	[ "$cur" -gt -1000 ] || skip "oom_score_adj is already -1000"
	update_config '.process.oomScoreAdj = -1000'
	run --separate-stderr barco run -b "$BUNDLE" ctr
	assert_error "oom_score_adj"
	assert_root_empty
}

@test "noNewPrivileges sets NoNewPrivs" {
	update_config '.process.noNewPrivileges = true'
	run_sh 'grep ^NoNewPrivs: /proc/self/status'
	assert_success
	[[ "$output" =~ ^NoNewPrivs:[[:space:]]+1$ ]]
	update_config '.process.noNewPrivileges = false'
	run_sh 'grep ^NoNewPrivs: /proc/self/status'
	assert_success
	[[ "$output" =~ ^NoNewPrivs:[[:space:]]+0$ ]]
}

@test "--preserve-fds passes exactly N extra fds" {
	echo three >"$BATS_TEST_TMPDIR/f3"
	echo four >"$BATS_TEST_TMPDIR/f4"
	echo five >"$BATS_TEST_TMPDIR/f5"
	set_args sh -c 'cat <&3; cat <&4; [ -e /proc/$$/fd/5 ] && echo fd5-leaked || echo no-fd5'
	run --separate-stderr "$BARCO" --root "$ROOT" run --preserve-fds 2 -b "$BUNDLE" ctr \
		3<"$BATS_TEST_TMPDIR/f3" 4<"$BATS_TEST_TMPDIR/f4" 5<"$BATS_TEST_TMPDIR/f5"
	assert_success
	[ "${lines[0]}" = three ]
	[ "${lines[1]}" = four ]
	[ "${lines[2]}" = no-fd5 ]
}

@test "without --preserve-fds no fd beyond stdio reaches the process" {
	echo three >"$BATS_TEST_TMPDIR/f3"
	set_args sh -c 'for n in 3 4 5 6 7 8 9 10; do [ -e /proc/$$/fd/$n ] && echo "fd $n open"; done; echo checked'
	run --separate-stderr "$BARCO" --root "$ROOT" run -b "$BUNDLE" ctr \
		3<"$BATS_TEST_TMPDIR/f3" 4<"$BATS_TEST_TMPDIR/f3" 7<"$BATS_TEST_TMPDIR/f3"
	assert_success
	assert_output checked
}

@test "create --preserve-fds keeps the fds until start" {
	echo preserved >"$BATS_TEST_TMPDIR/f3"
	set_args sh -c 'cat <&3'
	"$BARCO" --root "$ROOT" create --preserve-fds 1 -b "$BUNDLE" ctr \
		3<"$BATS_TEST_TMPDIR/f3" </dev/null >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
	barco start ctr
	wait_for_status ctr stopped
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = preserved ]
}

@test "a missing directory in PATH is skipped" {
	update_config '.process.env |= map(select(startswith("PATH=") | not))
		+ ["PATH=/no/such/dir:/also/missing:/bin"]'
	run_sh 'echo found'
	assert_success
	assert_output found
}

@test "a PATH without the command fails with 'executable file not found in \$PATH'" {
	update_config '.process.env |= map(select(startswith("PATH=") | not))
		+ ["PATH=/no/such/dir"] | .process.args = ["sh", "-c", "true"]'
	run --separate-stderr barco run -b "$BUNDLE" ctr
	assert_error 'exec: "sh": executable file not found in $PATH'
	assert_root_empty
}

@test "without PATH in env the default PATH is searched" {
	update_config '.process.env |= map(select(startswith("PATH=") | not))'
	run_sh 'echo default-path'
	assert_success
	assert_output default-path
}

@test "a relative executable path is taken from process.cwd" {
	update_config '.process.cwd = "/bin" | .process.args = ["./echo", "relative"]'
	run --separate-stderr barco run -b "$BUNDLE" ctr
	assert_success
	assert_output relative
}

@test "--no-new-keyring is accepted" {
	set_args sh -c 'echo keyring-ok'
	run --separate-stderr barco run --no-new-keyring -b "$BUNDLE" ctr
	assert_success
	assert_output keyring-ok
}

@test "stdin reaches the process" {
	set_args cat
	run --separate-stderr bash -c 'echo piped-in | "$0" --root "$1" run -b "$2" ctr 3>&-' \
		"$BARCO" "$ROOT" "$BUNDLE"
	assert_success
	assert_output piped-in
}

@test "a closed stdin becomes /dev/null: no fd barco opens takes number 0" {
	set_args sh -c 'readlink /proc/self/fd/0; echo ok'
	run --separate-stderr bash -c '"$0" --root "$1" run -b "$2" ctr 0<&- 3>&-' \
		"$BARCO" "$ROOT" "$BUNDLE"
	assert_success
	assert_output $'/dev/null\nok'
}

@test "closed stdout and stderr: barco and the process still run, the state is removed" {
	set_args sh -c 'echo out; echo err >&2; exit 7'
	run bash -c '"$0" --root "$1" run -b "$2" ctr 1>&- 2>&- 3>&-' "$BARCO" "$ROOT" "$BUNDLE"
	[ "$status" -eq 7 ] || {
		show_run
		false
	}
	[ -z "$(state_entries "$ROOT")" ]
}

@test "the process is the executed binary, with its own argv" {
	run_sh 'tr "\0" " " </proc/$$/cmdline; echo; readlink /proc/$$/exe'
	assert_success
	[[ "${lines[0]}" == "sh -c "* ]]
	[ "${lines[1]}" = /bin/busybox ]
}

@test "a terminal is passed to --console-socket" {
	need_recvtty
	start_recvtty
	update_config '.process.terminal = true'
	set_args sh -c 'tty; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo all-ttys; echo done'
	barco create --console-socket "$SOCK" -b "$BUNDLE" ctr </dev/null \
		>"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
	barco start ctr
	wait_for_status ctr stopped
	local rc=0
	wait "$RECVTTY_PID" || rc=$?
	[ "$rc" -eq 0 ]
	tr -d '\r' <"$TTYOUT" >"$BATS_TEST_TMPDIR/tty.txt"
	grep -qx '/dev/pts/[0-9]*' "$BATS_TEST_TMPDIR/tty.txt"
	grep -qx all-ttys "$BATS_TEST_TMPDIR/tty.txt"
	grep -qx 'done' "$BATS_TEST_TMPDIR/tty.txt"
}

@test "with a terminal, /dev/console is the container's pty" {
	# config-linux.md: /dev/console is set up by bind mounting the pseudoterminal pty.
	need_recvtty
	start_recvtty
	update_config '.process.terminal = true'
	set_args sh -c 'c=$(stat -L -c %t:%T /dev/console 2>&1); t=$(stat -L -c %t:%T "$(tty)")
		[ "$c" = "$t" ] && echo console-is-tty || echo "console=$c tty=$t"'
	barco create --console-socket "$SOCK" -b "$BUNDLE" ctr </dev/null \
		>"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
	barco start ctr
	wait_for_status ctr stopped
	wait "$RECVTTY_PID"
	[ "$(tr -d '\r' <"$TTYOUT")" = console-is-tty ] || {
		tr -d '\r' <"$TTYOUT" >&2
		return 1
	}
}

@test "process.consoleSize sets the terminal size" {
	need_recvtty
	start_recvtty
	update_config '.process.terminal = true | .process.consoleSize = {"height": 33, "width": 111}'
	set_args sh -c 'stty size'
	barco create --console-socket "$SOCK" -b "$BUNDLE" ctr </dev/null \
		>"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
	barco start ctr
	wait_for_status ctr stopped
	wait "$RECVTTY_PID"
	[ "$(tr -d '\r' <"$TTYOUT")" = "33 111" ]
}

@test "a console socket that does not exist fails create cleanly" {
	update_config '.process.terminal = true'
	run --separate-stderr barco create --console-socket "$BATS_TEST_TMPDIR/no.sock" \
		-b "$BUNDLE" ctr
	assert_error "no.sock"
	assert_root_empty
}

@test "run in the foreground proxies the terminal itself" {
	update_config '.process.terminal = true'
	set_args sh -c 'tty; echo via-tty'
	run --separate-stderr barco run -b "$BUNDLE" ctr </dev/null
	assert_success
	[[ "$(echo "$output" | tr -d '\r')" == *via-tty* ]] || {
		show_run
		return 1
	}
	[[ "$(echo "$output" | tr -d '\r')" == */dev/pts/* ]]
	assert_root_empty
}

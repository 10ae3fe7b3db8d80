#!/usr/bin/env bats
# Debian's podman (with conmon) running containers through barco: the OCI runtime of a
# containers.conf made for the file (see podman-helpers.bash).  Containers run without cgroups
# (podman --cgroups=disabled, barco --cgroup-manager disabled), except pause/unpause, which
# needs the freezer, and --memory/--pids-limit on cgroup v1: those get cgroups below the test's
# own.  --memory and --pids-limit on cgroup v2 are in cgroup-podman.bats (the VM).

load helpers
load podman-helpers

setup_file() { podman_setup_file; }
teardown_file() { podman_teardown_file; }
setup() { podman_setup; }
teardown() { podman_teardown; }

@test "podman run --rm: output, runtime calls and nothing left" {
	pm_run "$PM_IMAGE" echo hello from barco
	assert_success
	assert_output "hello from barco"
	# conmon ran barco create (with the json log and no cgroups) and start; cleanup deleted it.
	grep -q -- '--log-format=json --log .* --cgroup-manager disabled create --bundle ' \
		"$PM_DIR/runtime.log" || {
		pm_show_runtime_log
		false
	}
	grep -q '^start ' "$PM_DIR/runtime.log"
	[ -z "$(pm ps -aq)" ]
	[ -z "$(state_entries "$PM_DIR/barco")" ]
}

@test "podman run: exit codes pass through" {
	local code
	for code in 3 42 255; do
		pm_run "$PM_IMAGE" sh -c "exit $code"
		[ "$status" -eq "$code" ] || {
			show_run
			false
		}
	done
}

@test "podman run -i: stdin reaches the container" {
	run --separate-stderr pm run --rm -i "$PM_IMAGE" sh -c 'read -r l; echo "got $l"' \
		<<<"line one"
	assert_success
	assert_output "got line one"
}

@test "podman run -d, logs, stop, rm" {
	local id pid
	id=$(pm run -d --name pm-life "$PM_IMAGE" sh -c \
		'trap "echo stopping; exit 7" TERM; echo started; sleep 1000 & wait $!')
	pm_wait_log pm-life started
	run pm inspect -f '{{.State.Status}} {{.Id}}' pm-life
	assert_output "running $id"
	pid=$(pm inspect -f '{{.State.Pid}}' pm-life)
	# barco knows it too, in the state root podman's runtime wrapper gives it.
	run "$BARCO" --root "$PM_DIR/barco" state "$id"
	assert_success
	[ "$(jq -r .status <<<"$output")" = running ]
	[ "$(jq -r .pid <<<"$output")" = "$pid" ]

	run pm stop -t 10 pm-life
	assert_success
	run pm inspect -f '{{.State.Status}} {{.State.ExitCode}}' pm-life
	assert_output "exited 7"
	run pm logs pm-life
	assert_output "$(printf 'started\nstopping')"
	run pm rm pm-life
	assert_success
	[ -z "$(pm ps -aq)" ]
	[ -z "$(state_entries "$PM_DIR/barco")" ]
}

@test "podman exec into a running container" {
	local cmd
	pm run -d --name pm-exec "$PM_IMAGE" sh -c 'echo started; sleep 1000 & wait $!' >/dev/null
	pm_wait_log pm-exec started
	# conmon runs `barco exec --process FILE --detach --pid-file F ID`.
	run --separate-stderr pm exec pm-exec cat /proc/1/cmdline
	assert_success
	[[ "$output" == sh* ]] || {
		show_run
		false
	}
	grep -q -- ' exec .*--process .*--detach' "$PM_DIR/runtime.log" || {
		pm_show_runtime_log
		false
	}
	run --separate-stderr pm exec -e XV=42 -w /tmp --user 1000:1000 pm-exec \
		sh -c 'echo "$XV $(pwd) $(id -u):$(id -g)"'
	assert_success
	assert_output "42 /tmp 1000:1000"
	run --separate-stderr pm exec pm-exec sh -c 'exit 5'
	[ "$status" -eq 5 ] || {
		show_run
		false
	}
	# exec -t: a terminal through the console socket (script gives podman one of its own).
	cmd=$(printf '%q ' podman --root "$PM_DIR/storage" --runroot "$PM_DIR/run" \
		--storage-driver vfs --tmpdir "$PM_DIR/tmp" exec -t pm-exec \
		sh -c '[ -t 0 ] && [ -t 1 ] && echo exec-tty')
	run in_pty "$cmd"
	assert_success
	assert_output_contains exec-tty
	run pm rm -f -t 0 pm-exec
	assert_success
}

@test "podman run -t: the container gets a terminal (console socket)" {
	local cmd
	# podman -t wants a terminal on its own stdin: script gives it one.
	cmd=$(printf '%q ' podman --root "$PM_DIR/storage" --runroot "$PM_DIR/run" \
		--storage-driver vfs --tmpdir "$PM_DIR/tmp" run --rm -t "$PM_IMAGE" \
		sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo both-ttys; stty size; exit 4')
	# The window size of podman's terminal reaches the container's (conmon resizes it).
	run in_pty "stty rows 31 cols 97 && $cmd"
	[ "$status" -eq 4 ] || {
		show_run
		false
	}
	output=${output//$'\r'/}
	[[ "$output" == *"/dev/pts/0"* ]] || {
		show_run
		false
	}
	assert_output_contains both-ttys
	assert_output_contains "31 97"
	grep -q -- '--console-socket' "$PM_DIR/runtime.log"
}

@test "podman run --user" {
	pm_run --user 1000:1000 "$PM_IMAGE" id
	assert_success
	assert_output "uid=1000(user) gid=1000(user) groups=1000(user)"
	pm_run --user user "$PM_IMAGE" sh -c 'id -u; echo $HOME'
	assert_success
	assert_output "$(printf '1000\n/home/user')"
}

@test "podman run --cap-drop ALL --cap-add NET_RAW" {
	# CAP_NET_RAW is bit 13.
	pm_run --cap-drop ALL --cap-add NET_RAW "$PM_IMAGE" grep -E '^Cap(Eff|Bnd|Prm):' /proc/self/status
	assert_success
	assert_output "$(printf 'CapPrm:\t0000000000002000\nCapEff:\t0000000000002000\nCapBnd:\t0000000000002000')"
	# The default set keeps CAP_CHOWN (bit 0), which ALL drops.
	pm_run "$PM_IMAGE" sh -c 'touch /tmp/f && chown 1000 /tmp/f && echo chowned'
	assert_output chowned
	pm_run --cap-drop ALL "$PM_IMAGE" sh -c 'touch /tmp/f && chown 1000 /tmp/f && echo chowned'
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"Operation not permitted"* ]] || {
		show_run
		false
	}
}

@test "podman run --read-only" {
	pm_run --read-only "$PM_IMAGE" sh -c 'touch /etc/x; echo "rc=$?"; touch /tmp/y && echo tmp-ok'
	assert_success
	assert_output "$(printf 'rc=1\ntmp-ok')"
	[[ "$stderr" == *"Read-only file system"* ]] || {
		show_run
		false
	}
}

@test "podman run --env and --workdir" {
	pm_run --env FOO=bar --env 'SPACED=a b' --workdir /root "$PM_IMAGE" \
		sh -c 'echo "$FOO|$SPACED|$(pwd)"'
	assert_success
	assert_output "bar|a b|/root"
}

@test "podman kill: a signal reaches the container, the default kills it" {
	pm run -d --name pm-kill "$PM_IMAGE" sh -c \
		'trap "echo got-usr1" USR1; echo ready; while :; do sleep 1000 & wait $!; done' >/dev/null
	pm_wait_log pm-kill ready
	run pm kill -s USR1 pm-kill
	assert_success
	pm_wait_log pm-kill got-usr1
	run pm inspect -f '{{.State.Status}}' pm-kill
	assert_output running
	run pm kill pm-kill
	assert_success
	run pm wait pm-kill
	assert_output 137
	grep -q '^kill [0-9a-f]* 9$' "$PM_DIR/runtime.log" || {
		pm_show_runtime_log
		false
	}
	pm rm pm-kill >/dev/null
}

@test "podman pause and unpause freeze the container (cgroups below the test's own)" {
	local id pid a b
	pm_cgroup_parent
	id=$(pm run -d --cgroups enabled --cgroup-parent "$PM_CG_PARENT" --name pm-pause "$PM_IMAGE" \
		sh -c 'i=0; while :; do i=$((i + 1)); echo $i >/tmp/count; sleep 0.05; done')
	pid=$(pm inspect -f '{{.State.Pid}}' pm-pause)
	run pm pause pm-pause
	assert_success
	run pm inspect -f '{{.State.Status}}' pm-pause
	assert_output paused
	[ "$("$BARCO" --root "$PM_DIR/barco" state "$id" | jq -r .status)" = paused ]
	a=$(cat "/proc/$pid/root/tmp/count")
	sleep 0.5
	b=$(cat "/proc/$pid/root/tmp/count")
	[ "$a" = "$b" ] || {
		echo "the counter moved while paused: $a -> $b" >&2
		false
	}
	run pm unpause pm-pause
	assert_success
	run pm inspect -f '{{.State.Status}}' pm-pause
	assert_output running
	sleep 0.5
	b=$(cat "/proc/$pid/root/tmp/count")
	[ "$a" != "$b" ] || {
		echo "the counter stayed at $a after unpause" >&2
		false
	}
	run pm rm -f -t 0 pm-pause
	assert_success
}

@test "podman run --memory and --pids-limit on cgroup v1 (below the test's own cgroups)" {
	require_cgroup_v1
	pm_cgroup_parent
	pm_run --cgroups enabled --cgroup-parent "$PM_CG_PARENT" --memory 32m --memory-swap 32m \
		"$PM_IMAGE" sh -c 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes
		dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null; echo "dd=$?"
		grep "^oom_kill " /sys/fs/cgroup/memory/memory.oom_control'
	assert_success
	assert_output "$(printf '33554432\ndd=137\noom_kill 1')"
	pm_run --cgroups enabled --cgroup-parent "$PM_CG_PARENT" --pids-limit 10 "$PM_IMAGE" sh -c \
		'cat /sys/fs/cgroup/pids/pids.max; i=0
		 while [ $i -lt 30 ]; do sleep 100 & i=$((i + 1)); done; echo "all $i started"'
	# busybox sh gives up at the first failed fork.
	[ "$status" -eq 2 ] || {
		show_run
		false
	}
	assert_output 10
	[[ "$stderr" == *"can't fork: Resource temporarily unavailable"* ]] || {
		show_run
		false
	}
}

@test "podman run of a missing command: barco's error reaches podman's message" {
	run -127 --separate-stderr pm run --rm "$PM_IMAGE" /nonexistent/cmd
	# barco's words, through conmon's json log, in podman's message.
	[[ "$stderr" == *'barco: '*'/nonexistent/cmd'*'No such file or directory'* ]] || {
		show_run
		false
	}
	[ -z "$(pm ps -aq)" ]
}

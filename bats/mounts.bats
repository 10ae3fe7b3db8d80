#!/usr/bin/env bats
# The container's filesystem: /dev, spec mounts, read-only root, masked and read-only paths,
# symlinked destinations, linux.devices, --no-pivot and rootfsPropagation.

load helpers

# add_mount JSON: append one entry to .mounts.
add_mount() {
	update_config --argjson m "$1" '.mounts += [$m]'
}

# The fields of the /proc/mounts line whose mount point is $2, from the output $1.
mount_line() {
	echo "$1" | awk -v mp="$2" '$2 == mp' | tail -n 1
}

@test "/dev holds the default device nodes" {
	run_sh 'for d in null zero full random urandom tty; do
		echo "$d $(stat -c "%F %t:%T %a" /dev/$d)"; done'
	assert_success
	[ "${lines[0]}" = "null character special file 1:3 666" ]
	[ "${lines[1]}" = "zero character special file 1:5 666" ]
	[ "${lines[2]}" = "full character special file 1:7 666" ]
	[ "${lines[3]}" = "random character special file 1:8 666" ]
	[ "${lines[4]}" = "urandom character special file 1:9 666" ]
	[ "${lines[5]}" = "tty character special file 5:0 666" ]
}

@test "/dev has the standard links" {
	run_sh 'for l in ptmx fd stdin stdout stderr; do echo "$l -> $(readlink /dev/$l)"; done'
	assert_success
	[ "${lines[0]}" = "ptmx -> pts/ptmx" ]
	[ "${lines[1]}" = "fd -> /proc/self/fd" ]
	[ "${lines[2]}" = "stdin -> /proc/self/fd/0" ]
	[ "${lines[3]}" = "stdout -> /proc/self/fd/1" ]
	[ "${lines[4]}" = "stderr -> /proc/self/fd/2" ]
}

@test "the device nodes work" {
	run_sh 'echo x >/dev/null && echo null-ok
		[ "$(head -c 4 /dev/zero | od -An -tx1 | tr -d " ")" = 00000000 ] && echo zero-ok
		echo x 2>/dev/null >/dev/full || echo full-enospc
		[ "$(head -c 16 /dev/urandom | wc -c)" = 16 ] && echo urandom-ok'
	assert_success
	[ "$output" = "$(printf 'null-ok\nzero-ok\nfull-enospc\nurandom-ok')" ]
}

@test "/dev is a private tmpfs without the host's devices" {
	run_sh 'grep " /dev tmpfs " /proc/mounts; ls -A /dev'
	assert_success
	[[ "${lines[0]}" == *nosuid* ]]
	for host_only in sda vda kmsg mem port loop0 console; do
		! echo "$output" | grep -qx "$host_only" || {
			echo "/dev/$host_only is visible in the container" >&2
			show_run
			return 1
		}
	done
}

@test "/dev/pts, /dev/shm and /dev/mqueue are mounted" {
	run_sh 'cat /proc/mounts'
	assert_success
	[[ "$(mount_line "$output" /dev/pts)" == "devpts /dev/pts devpts "* ]]
	[[ "$(mount_line "$output" /dev/pts)" == *ptmxmode=666* ]] ||
		[[ "$(mount_line "$output" /dev/pts)" == *ptmxmode=0666* ]]
	[[ "$(mount_line "$output" /dev/shm)" == "shm /dev/shm tmpfs "* ]]
	[[ "$(mount_line "$output" /dev/mqueue)" == "mqueue /dev/mqueue mqueue "* ]]
	[[ "$(mount_line "$output" /proc)" == "proc /proc proc "* ]]
	[[ "$(mount_line "$output" /sys)" == "sysfs /sys sysfs ro,"* ]]
}

@test "/dev/shm is writable and /dev/pts/ptmx opens" {
	run_sh 'touch /dev/shm/x && echo shm-ok; [ -c /dev/pts/ptmx ] && echo ptmx-ok'
	assert_success
	[ "$output" = "$(printf 'shm-ok\nptmx-ok')" ]
}

@test "a tmpfs mount has its options" {
	add_mount '{"destination": "/mnt/t", "type": "tmpfs", "source": "tmpfs",
		"options": ["nosuid", "nodev", "noexec", "size=1m", "mode=700"]}'
	run_sh 'grep " /mnt/t " /proc/mounts; touch /mnt/t/f && echo writable; stat -c %a /mnt/t'
	assert_success
	local l=${lines[0]}
	[[ "$l" == "tmpfs /mnt/t tmpfs rw,"* ]]
	[[ "$l" == *nosuid* && "$l" == *nodev* && "$l" == *noexec* ]]
	[[ "$l" == *size=1024k* ]]
	[[ "$l" == *mode=700* ]]
	[ "${lines[1]}" = writable ]
	[ "${lines[2]}" = 700 ]
}

@test "a read-only tmpfs cannot be written" {
	add_mount '{"destination": "/mnt/ro", "type": "tmpfs", "source": "tmpfs",
		"options": ["ro"]}'
	run_sh 'grep " /mnt/ro " /proc/mounts; touch /mnt/ro/f 2>/dev/null && echo wrote || echo denied'
	assert_success
	[[ "${lines[0]}" == "tmpfs /mnt/ro tmpfs ro,"* ]]
	[ "${lines[1]}" = denied ]
}

@test "a read-write bind mount of a host directory" {
	local host=$BATS_TEST_TMPDIR/shared
	mkdir "$host"
	echo from-host >"$host/in"
	add_mount "$(jq -n --arg s "$host" '{destination: "/mnt/shared", type: "bind",
		source: $s, options: ["bind", "rw"]}')"
	run_sh 'cat /mnt/shared/in; echo from-container >/mnt/shared/out && echo wrote'
	assert_success
	[ "${lines[0]}" = from-host ]
	[ "${lines[1]}" = wrote ]
	[ "$(cat "$host/out")" = from-container ]
}

@test "a read-only bind mount of a host directory" {
	local host=$BATS_TEST_TMPDIR/shared
	mkdir "$host"
	echo from-host >"$host/in"
	add_mount "$(jq -n --arg s "$host" '{destination: "/mnt/ro", type: "bind",
		source: $s, options: ["rbind", "ro"]}')"
	run_sh 'cat /mnt/ro/in; touch /mnt/ro/out 2>/dev/null && echo wrote || echo denied
		awk "\$2 == \"/mnt/ro\" {print \$4}" /proc/mounts'
	assert_success
	[ "${lines[0]}" = from-host ]
	[ "${lines[1]}" = denied ]
	[[ "${lines[2]}" == ro,* ]]
	[ ! -e "$host/out" ]
	# The host's view stays writable.
	touch "$host/host-write"
}

# A host directory holding a tmpfs submount, unmounted by the test itself.
make_tree_with_submount() {
	mkdir -p "$1/sub"
	mount -t tmpfs -o size=64k tmpfs "$1/sub"
}

@test "rro makes every submount of an rbind read-only; plain ro only the top" {
	local host=$BATS_TEST_TMPDIR/tree
	make_tree_with_submount "$host"
	add_mount "$(jq -n --arg s "$host" '{destination: "/mnt/rro", type: "bind",
		source: $s, options: ["rbind", "rro"]}')"
	add_mount "$(jq -n --arg s "$host" '{destination: "/mnt/ro", type: "bind",
		source: $s, options: ["rbind", "ro"]}')"
	run_sh 'for d in /mnt/rro /mnt/rro/sub /mnt/ro /mnt/ro/sub; do
		touch $d/f 2>/dev/null && echo "$d writable" || echo "$d read-only"; done'
	umount "$host/sub"
	assert_success
	[ "$output" = "$(printf '/mnt/rro read-only\n/mnt/rro/sub read-only\n/mnt/ro read-only\n/mnt/ro/sub writable')" ]
}

@test "rnosuid, rnodev and rnoexec reach the submounts of an rbind" {
	local host=$BATS_TEST_TMPDIR/tree
	make_tree_with_submount "$host"
	add_mount "$(jq -n --arg s "$host" '{destination: "/mnt/r", type: "bind",
		source: $s, options: ["rbind", "rnosuid", "rnodev", "rnoexec"]}')"
	run_sh 'awk "\$2 == \"/mnt/r/sub\" {print \$4}" /proc/mounts'
	umount "$host/sub"
	assert_success
	[[ ",$output," == *,nosuid,* && ",$output," == *,nodev,* && ",$output," == *,noexec,* ]]
}

@test "a bind mount of a single file" {
	echo file-content >"$BATS_TEST_TMPDIR/single"
	add_mount "$(jq -n --arg s "$BATS_TEST_TMPDIR/single" '{destination: "/etc/single",
		type: "none", source: $s, options: ["bind", "ro"]}')"
	run_sh 'cat /etc/single'
	assert_success
	assert_output file-content
}

@test "a bind mount onto a missing path creates it in the rootfs" {
	mkdir "$BATS_TEST_TMPDIR/src"
	add_mount "$(jq -n --arg s "$BATS_TEST_TMPDIR/src" '{destination: "/new/deep/dir",
		type: "bind", source: $s, options: ["bind"]}')"
	run_sh 'touch /new/deep/dir/x && echo ok'
	assert_success
	assert_output ok
	[ -e "$BATS_TEST_TMPDIR/src/x" ]
	[ -d "$BUNDLE/rootfs/new/deep/dir" ]
}

@test "the root is read-only with root.readonly" {
	run_sh 'touch /x 2>&1 && echo wrote || echo denied; awk "\$2 == \"/\" {print \$4}" /proc/mounts'
	assert_success
	[ "${lines[-2]}" = denied ]
	[[ "${lines[-1]}" == ro,* ]]
	[ ! -e "$BUNDLE/rootfs/x" ]
}

@test "the root is writable without root.readonly" {
	update_config '.root.readonly = false'
	run_sh 'touch /x && echo wrote'
	assert_success
	assert_output wrote
	[ -e "$BUNDLE/rootfs/x" ]
}

@test "a masked file reads empty" {
	echo secret >"$BUNDLE/rootfs/etc/secret"
	update_config '.linux.maskedPaths += ["/etc/secret"]'
	run_sh 'cat /etc/secret; echo "size=$(wc -c </etc/secret)"; echo x >/etc/secret
		echo "after write size=$(wc -c </etc/secret)"'
	assert_success
	[ "$output" = "$(printf 'size=0\nafter write size=0')" ]
	[ "$(cat "$BUNDLE/rootfs/etc/secret")" = secret ]
}

@test "a masked directory is empty" {
	mkdir "$BUNDLE/rootfs/etc/secretdir"
	echo secret >"$BUNDLE/rootfs/etc/secretdir/file"
	update_config '.linux.maskedPaths += ["/etc/secretdir"]'
	run_sh 'ls -A /etc/secretdir; echo "listed"; cat /etc/secretdir/file 2>/dev/null || echo gone'
	assert_success
	[ "$output" = "$(printf 'listed\ngone')" ]
}

@test "the default masked paths hide kernel interfaces" {
	# Which of them exist depends on the kernel's configuration.
	local f checked=0
	for f in /proc/keys /proc/timer_list /proc/kcore /proc/sched_debug; do
		[ -e "$f" ] || continue
		run_sh "wc -c <$f"
		assert_success
		assert_output 0
		checked=$((checked + 1))
	done
	if [ -d /sys/firmware ] && [ -n "$(ls -A /sys/firmware)" ]; then
		run_sh 'ls -A /sys/firmware | wc -l'
		assert_success
		assert_output 0
		checked=$((checked + 1))
	fi
	[ "$checked" -gt 0 ] || skip "none of the masked kernel files exists on this host"
}

@test "a masked path that does not exist is ignored" {
	update_config '.linux.maskedPaths += ["/no/such/path"]'
	run_sh 'echo ran'
	assert_success
	assert_output ran
}

@test "readonlyPaths are read-only" {
	local host=$BATS_TEST_TMPDIR/shared
	mkdir "$host"
	add_mount "$(jq -n --arg s "$host" '{destination: "/data", type: "bind",
		source: $s, options: ["bind", "rw"]}')"
	update_config '.linux.readonlyPaths += ["/data"]'
	run_sh 'touch /data/x 2>/dev/null && echo wrote || echo denied'
	assert_success
	assert_output denied
	[ ! -e "$host/x" ]
}

@test "/proc/sys is read-only by default" {
	run_sh 'echo other >/proc/sys/kernel/hostname 2>/dev/null && echo wrote || echo denied; hostname'
	assert_success
	[ "${lines[0]}" = denied ]
	[ "${lines[1]}" = barco ]
}

@test "a destination that is an absolute symlink out of the rootfs stays inside" {
	local outside=$BATS_TEST_TMPDIR/outside
	mkdir "$outside"
	ln -s "$outside" "$BUNDLE/rootfs/evil"
	add_mount '{"destination": "/evil", "type": "tmpfs", "source": "tmpfs"}'
	run_sh "grep -c ' $outside tmpfs ' /proc/mounts; touch /evil/x && echo wrote"
	assert_success
	[ "${lines[0]}" = 1 ]
	[ "${lines[1]}" = wrote ]
	# The link was followed inside the rootfs: the host directory is untouched.
	[ -z "$(ls -A "$outside")" ]
	[ -d "$BUNDLE/rootfs$outside" ]
}

@test "a destination that climbs out with .. symlinks stays inside" {
	local name=barco-bats-escape-$$
	[ ! -e "/tmp/$name" ] || skip "/tmp/$name exists on the host"
	ln -s ../../../../../../../../../../tmp "$BUNDLE/rootfs/up"
	local host=$BATS_TEST_TMPDIR/shared
	mkdir "$host"
	add_mount "$(jq -n --arg s "$host" --arg d "/up/$name" '{destination: $d, type: "bind",
		source: $s, options: ["bind"]}')"
	run_sh "touch /tmp/$name/x && echo wrote"
	assert_success
	assert_output wrote
	[ -e "$host/x" ]
	[ -d "$BUNDLE/rootfs/tmp/$name" ]
	[ ! -e "/tmp/$name" ]
}

@test "a rootfs whose /proc is a symlink to a host path never mounts proc there" {
	local hostproc=$BATS_TEST_TMPDIR/hostproc
	mkdir "$hostproc"
	rmdir "$BUNDLE/rootfs/proc"
	ln -s "$hostproc" "$BUNDLE/rootfs/proc"
	run_sh "[ -e /proc/self/status ] && echo proc-ok; awk '\$4 == \"/\" && \$9 == \"proc\" {print \$5}' /proc/self/mountinfo"
	# Refusing such a rootfs is fine; following the link on the host is not.
	if [ "$status" -ne 0 ]; then
		assert_error
	else
		[ "${lines[0]}" = proc-ok ]
		[ "${lines[1]}" = "$hostproc" ]
		[ -d "$BUNDLE/rootfs$hostproc" ]
	fi
	[ -z "$(ls -A "$hostproc")" ]
}

@test "linux.devices creates nodes with major, minor, mode, uid and gid" {
	update_config '.linux.devices = [
		{"path": "/dev/mynull", "type": "c", "major": 1, "minor": 3, "fileMode": 384,
		 "uid": 1000, "gid": 1000},
		{"path": "/dev/sub/myblock", "type": "b", "major": 7, "minor": 200, "fileMode": 432},
		{"path": "/dev/myfifo", "type": "p"}]'
	run_sh 'stat -c "%F %t:%T %a %u %g" /dev/mynull /dev/sub/myblock
		stat -c %F /dev/myfifo; echo x >/dev/mynull && echo write-ok'
	assert_success
	[ "${lines[0]}" = "character special file 1:3 600 1000 1000" ]
	[ "${lines[1]}" = "block special file 7:c8 660 0 0" ]
	[ "${lines[2]}" = "fifo" ]
	[ "${lines[3]}" = write-ok ]
}

@test "--no-pivot runs the process in the rootfs" {
	echo host-marker >"$BATS_TEST_TMPDIR/marker"
	run_sh 'ls /bin/busybox; touch /x 2>/dev/null && echo wrote || echo read-only
		ls / | wc -l' --no-pivot
	assert_success
	[ "${lines[0]}" = /bin/busybox ]
	[ "${lines[1]}" = read-only ]
	[ "${lines[2]}" -eq "$(ls "$BUNDLE/rootfs" | wc -l)" ]
	assert_root_empty
}

@test "--no-pivot with create and start" {
	set_args sh -c 'cat /etc/hostname'
	create_ctr --no-pivot ctr
	barco start ctr
	wait_for_status ctr stopped
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = barco ]
}

# root_propagation: TAGS = the optional fields of the mountinfo line of "/" as the container
# sees it (shared:N, master:N, ...).
root_propagation() {
	run_sh 'awk "\$5 == \"/\" {print}" /proc/self/mountinfo'
	assert_success || return 1
	[ -n "$output" ] || return 1
	TAGS=$(echo "$output" | tail -n 1 | awk '{
		for (i = 7; i <= NF && $i != "-"; i++) printf "%s ", $i; print "" }')
	echo "propagation tags of /: '$TAGS'" >&2
}

@test "rootfsPropagation private leaves the root unshared" {
	update_config '.linux.rootfsPropagation = "private"'
	root_propagation
	[[ "$TAGS" != *shared:* && "$TAGS" != *master:* ]]
}

@test "rootfsPropagation shared makes the root a shared mount" {
	update_config '.linux.rootfsPropagation = "shared"'
	root_propagation
	[[ "$TAGS" == *shared:* ]]
}

@test "rootfsPropagation rslave makes the root a slave of the host" {
	# A slave has a master only when the host side is shared.
	mount --bind "$BUNDLE/rootfs" "$BUNDLE/rootfs"
	mount --make-shared "$BUNDLE/rootfs"
	update_config '.linux.rootfsPropagation = "rslave"'
	local rc=0
	root_propagation || rc=$?
	umount "$BUNDLE/rootfs"
	[ "$rc" -eq 0 ]
	[[ "$TAGS" == *master:* && "$TAGS" != *shared:* ]]
}

@test "mounts made in the container do not reach the host" {
	add_mount '{"destination": "/mnt/t", "type": "tmpfs", "source": "tmpfs"}'
	run_detached ctr
	[ "$(status_of ctr)" = running ]
	run grep -F "$BUNDLE" /proc/self/mountinfo
	[ "$status" -eq 1 ]
	barco delete -f ctr
}

# /sys/fs/cgroup on a v1 or hybrid host: one mount per host hierarchy, every one read-only,
# nosuid, nodev and noexec, with a cgroup namespace (fresh mounts) and without one (binds).
check_cgroup_tree() {
	local want
	want=$(awk '$5 ~ "^/sys/fs/cgroup/[^/]+$" && / - cgroup2? / {n++} END {print n + 0}' \
		/proc/self/mountinfo)
	[ "$want" -gt 0 ] || skip "no cgroup v1 hierarchy mounted under /sys/fs/cgroup (a v2 host)"
	run_sh 'awk '\''$5 ~ "^/sys/fs/cgroup/[^/]+$" {print $5, $6}'\'' /proc/self/mountinfo
		mkdir /sys/fs/cgroup/pids/barco-x 2>&1 || true'
	assert_success
	echo "$output"
	[ "$(echo "$output" | grep -c '^/sys/fs/cgroup/')" -eq "$want" ]
	local bad
	bad=$(echo "$output" | grep '^/sys/fs/cgroup/' |
		awk '{n = split($2, o, ","); f = 0
			for (i = 1; i <= n; i++) if (o[i] ~ /^(ro|nosuid|nodev|noexec)$/) f++
			if (f != 4) print}')
	[ -z "$bad" ]
	echo "$output" | grep -q 'Read-only file system'
}

@test "/sys/fs/cgroup (v1, cgroup namespace): each hierarchy is mounted ro,nosuid,nodev,noexec" {
	update_config '.linux.namespaces |= (map(select(.type != "cgroup")) + [{type: "cgroup"}])'
	check_cgroup_tree
}

@test "/sys/fs/cgroup (v1, no cgroup namespace): each hierarchy is bound ro,nosuid,nodev,noexec" {
	update_config '.linux.namespaces |= map(select(.type != "cgroup"))'
	check_cgroup_tree
}

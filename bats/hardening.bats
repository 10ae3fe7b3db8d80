#!/usr/bin/env bats
# Hardening against hostile images and configs: each test builds a malicious rootfs or
# config and asserts the secure outcome, as runc 1.2+ and crun behave.  Either create
# refuses with one clear line (and leaves no state entry; the teardown checks mounts and
# processes), or the container runs and the effect stays inside its rootfs.  Always: nothing
# on the host (a canary directory and file the test makes) is created, modified or mounted.

load helpers

setup_file() {
	common_setup_file || return 1
	build_recvtty
}

setup() {
	common_setup || return 1
	# $HOST stands for the host's filesystem outside the rootfs: symlinks in the image
	# point at it by absolute path, or climb up to it with "..".
	HOST=$BATS_TEST_TMPDIR/host
	CANARY_DIR=$HOST/canary-dir
	CANARY_FILE=$HOST/canary-file
	mkdir -p "$CANARY_DIR"
	echo host-canary >"$CANARY_FILE"
	# inode and ctime: a replacement, a write, a chmod or a chown all change them.
	CANARY_FILE_ID=$(stat -c '%i %.9Z' "$CANARY_FILE")
	CANARY_DIR_ID=$(stat -c '%i %.9Z' "$CANARY_DIR")
	# Enough "../" to climb from anywhere in the bundle to the host's "/".
	UP=$(printf '../%.0s' {1..40})
	UP=${UP%/}
	mkdir -p "$BUNDLE/rootfs/mnt"
}

teardown() { common_teardown; }

# ---- helpers ----

add_mount() {
	update_config --argjson m "$1" '.mounts += [$m]'
}

# bind_mount SRC DEST [OPTION...]: append a bind mount.
bind_mount() {
	local src=$1 dest=$2
	shift 2
	add_mount "$(jq -n --arg s "$src" --arg d "$dest" --argjson o "$(json_array bind "$@")" \
		'{destination: $d, type: "bind", source: $s, options: $o}')"
}

# No /dev mount in the config: a runtime that adds none uses the rootfs's own /dev.
drop_dev_mount() {
	update_config '.mounts |= map(select(.destination != "/dev"))'
}

# The rootfs's own /dev, bind mounted onto itself in place of the tmpfs: the only way to
# make every runtime use the image's /dev entries as they are.
bind_rootfs_dev() {
	update_config --arg s "$BUNDLE/rootfs/dev" '.mounts |= map(
		if .destination == "/dev"
		then {destination: "/dev", type: "bind", source: $s, options: ["rbind"]}
		else . end)'
}

# Nothing on the host was created, modified, mounted or remounted read-only.
assert_host_untouched() {
	local what
	if [ -L "$CANARY_DIR" ] || [ ! -d "$CANARY_DIR" ]; then
		echo "host: $CANARY_DIR is no longer a directory" >&2
		return 1
	fi
	what=$(ls -lA "$CANARY_DIR")
	if [ -n "$(ls -A "$CANARY_DIR")" ]; then
		echo "host: created in $CANARY_DIR: $what" >&2
		return 1
	fi
	if [ -L "$CANARY_FILE" ] || [ ! -f "$CANARY_FILE" ]; then
		echo "host: $CANARY_FILE is no longer a regular file: $(ls -l "$CANARY_FILE")" >&2
		return 1
	fi
	if [ "$(stat -c '%i %.9Z' "$CANARY_FILE")" != "$CANARY_FILE_ID" ]; then
		echo "host: $CANARY_FILE was replaced, written or had its owner or mode changed" >&2
		return 1
	fi
	if [ "$(stat -c '%i %.9Z' "$CANARY_DIR")" != "$CANARY_DIR_ID" ]; then
		echo "host: $CANARY_DIR was replaced, written or had its owner or mode changed" >&2
		return 1
	fi
	if [ "$(cat "$CANARY_FILE")" != host-canary ]; then
		echo "host: $CANARY_FILE was modified: $(head -c 200 "$CANARY_FILE")" >&2
		return 1
	fi
	what=$(ls -A "$HOST" | sort | tr '\n' ' ')
	if [ "$what" != "canary-dir canary-file " ]; then
		echo "host: $HOST now holds: $what" >&2
		return 1
	fi
	what=$(grep -F "$HOST" /proc/self/mountinfo || true)
	if [ -n "$what" ]; then
		echo "host: mounted on the host: $what" >&2
		return 1
	fi
	# A read-only remount of the filesystem holding them would show here.
	if ! { printf 'host-canary\n' >"$CANARY_FILE"; } 2>/dev/null ||
		! touch "$CANARY_DIR/.probe" 2>/dev/null; then
		echo "host: $HOST is no longer writable" >&2
		return 1
	fi
	rm -f "$CANARY_DIR/.probe"
	CANARY_FILE_ID=$(stat -c '%i %.9Z' "$CANARY_FILE")
	CANARY_DIR_ID=$(stat -c '%i %.9Z' "$CANARY_DIR")
}

# refusal_or_success: after run_sh, either barco refused the config before running anything
# (REFUSED=1: exit 1, exactly one "barco: " line, no output, no state entry) or the
# container ran and the script succeeded (REFUSED=0).
refusal_or_success() {
	REFUSED=0
	if [ "$status" -ne 0 ] && [ -z "$output" ]; then
		assert_error || return 1
		assert_root_empty || return 1
		REFUSED=1
		return 0
	fi
	assert_success
}

# run_or_refuse 'script' [barco run options]
run_or_refuse() {
	run_sh "$@"
	refusal_or_success
}

# assert_refused [SUBSTRING]: run_sh of a config barco must refuse; the process (which
# would print "ran") must never have run.
assert_refused() {
	assert_error "${1:-}" || return 1
	assert_root_empty
}

# expect_lines LINE...: stdout is exactly these lines.
expect_lines() {
	local want
	want=$(printf '%s\n' "$@")
	if [ "$output" != "${want%$'\n'}" ]; then
		echo "expected stdout:" >&2
		echo "$want" >&2
		show_run
		return 1
	fi
}

# tty_run_or_refuse 'script': with process.terminal and a console socket, create, start and
# wait for the container.  REFUSED=1 when create refused it (one line, no state entry);
# else TTY_TEXT is what the script wrote on its terminal.
# shellcheck disable=SC2034 # output, stderr and stderr_lines are read by assert_error
tty_run_or_refuse() {
	local out=$BATS_TEST_TMPDIR/create.out err=$BATS_TEST_TMPDIR/create.err
	need_recvtty
	start_recvtty || return 1
	update_config '.process.terminal = true'
	set_args sh -c "$1"
	status=0
	barco create --console-socket "$SOCK" -b "$BUNDLE" ctr </dev/null >"$out" 2>"$err" ||
		status=$?
	REFUSED=0
	if [ "$status" -ne 0 ]; then
		output=$(cat "$out")
		stderr=$(cat "$err")
		mapfile -t stderr_lines <"$err"
		assert_error || return 1
		assert_root_empty || return 1
		REFUSED=1
		return 0
	fi
	barco start ctr
	wait_for_status ctr stopped || return 1
	wait "$RECVTTY_PID" || true
	TTY_TEXT=$(tr -d '\r' <"$TTYOUT")
}

# ---- 1. mount destinations through symlinks (CVE-2021-30465 class) ----

@test "CVE-2021-30465: a tmpfs destination that is a symlink to a host dir stays in the rootfs" {
	ln -s "$CANARY_DIR" "$BUNDLE/rootfs/mnt/evil"
	add_mount '{"destination": "/mnt/evil", "type": "tmpfs", "source": "tmpfs"}'
	run_sh "awk -v p='$CANARY_DIR' '\$5 == p {print \$9}' /proc/self/mountinfo
		touch /mnt/evil/x && echo wrote; echo END"
	assert_success
	expect_lines tmpfs wrote END
	# The link was followed inside the rootfs: the mount point was made there.
	[ -d "$BUNDLE/rootfs$CANARY_DIR" ]
	assert_host_untouched
}

@test "CVE-2021-30465: a bind destination that is a symlink to a host dir stays in the rootfs" {
	local src=$BATS_TEST_TMPDIR/src
	mkdir "$src"
	ln -s "$CANARY_DIR" "$BUNDLE/rootfs/mnt/evil"
	bind_mount "$src" /mnt/evil
	run_sh 'echo via-bind >/mnt/evil/x && echo wrote; echo END'
	assert_success
	expect_lines wrote END
	[ "$(cat "$src/x")" = via-bind ]
	[ -d "$BUNDLE/rootfs$CANARY_DIR" ]
	assert_host_untouched
}

@test "CVE-2021-30465: destinations through ../../.. symlinks stay in the rootfs" {
	local src=$BATS_TEST_TMPDIR/src
	mkdir "$src"
	ln -s "$UP$CANARY_DIR" "$BUNDLE/rootfs/mnt/up"
	mkdir "$BUNDLE/rootfs/mnt/deep"
	ln -s "../$UP$HOST" "$BUNDLE/rootfs/mnt/deep/uphost"
	add_mount '{"destination": "/mnt/up", "type": "tmpfs", "source": "tmpfs"}'
	bind_mount "$src" /mnt/deep/uphost/canary-dir/sub
	run_sh "awk -v p='$CANARY_DIR' '\$5 == p {print \$9}' /proc/self/mountinfo
		echo via-bind >/mnt/deep/uphost/canary-dir/sub/x && echo wrote; echo END"
	assert_success
	expect_lines tmpfs wrote END
	[ "$(cat "$src/x")" = via-bind ]
	[ -d "$BUNDLE/rootfs$CANARY_DIR" ]
	assert_host_untouched
}

@test "CVE-2021-30465: a file bind onto a symlink to a host file stays in the rootfs" {
	local src=$BATS_TEST_TMPDIR/src-file
	echo from-source >"$src"
	ln -s "$CANARY_FILE" "$BUNDLE/rootfs/etc/evilfile"
	bind_mount "$src" /etc/evilfile
	run_sh 'cat /etc/evilfile; echo from-container >/etc/evilfile && echo wrote; echo END'
	assert_success
	expect_lines from-source wrote END
	[ "$(cat "$src")" = from-container ]
	[ -f "$BUNDLE/rootfs$CANARY_FILE" ]
	assert_host_untouched
}

@test "CVE-2021-30465: a later mount under an earlier bind whose content is a symlink stays in the rootfs" {
	# The first mount brings in symlinks the image did not have; the second mount's
	# destination goes through them and must be resolved again, inside the rootfs.
	local vol=$BATS_TEST_TMPDIR/vol src=$BATS_TEST_TMPDIR/src
	mkdir "$vol" "$src"
	ln -s "$CANARY_DIR/a" "$vol/abs"
	ln -s "$UP$CANARY_DIR/b" "$vol/rel"
	bind_mount "$vol" /vol
	add_mount '{"destination": "/vol/abs", "type": "tmpfs", "source": "tmpfs"}'
	bind_mount "$src" /vol/rel
	run_sh "awk -v p='$CANARY_DIR/a' '\$5 == p {print \$9}' /proc/self/mountinfo
		echo via-bind >/vol/rel/x && echo wrote; echo END"
	assert_success
	expect_lines tmpfs wrote END
	[ "$(cat "$src/x")" = via-bind ]
	[ -d "$BUNDLE/rootfs$CANARY_DIR/a" ]
	[ -d "$BUNDLE/rootfs$CANARY_DIR/b" ]
	# The volume itself is unchanged: still the two links.
	[ "$(readlink "$vol/abs")" = "$CANARY_DIR/a" ]
	[ "$(ls -A "$vol" | tr '\n' ' ')" = "abs rel " ]
	assert_host_untouched
}

@test "CVE-2021-30465: an earlier bind that turns an image directory into a symlink cannot redirect a later mount" {
	local vol=$BATS_TEST_TMPDIR/vol
	mkdir -p "$vol" "$BUNDLE/rootfs/data/sub"
	ln -s "$CANARY_DIR" "$vol/sub"
	bind_mount "$vol" /data
	add_mount '{"destination": "/data/sub", "type": "tmpfs", "source": "tmpfs"}'
	run_sh "awk -v p='$CANARY_DIR' '\$5 == p {print \$9}' /proc/self/mountinfo
		touch /data/sub/x && echo wrote; echo END"
	assert_success
	expect_lines tmpfs wrote END
	[ -d "$BUNDLE/rootfs$CANARY_DIR" ]
	assert_host_untouched
}

@test "CVE-2021-30465: a destination with .. components never leaves the rootfs" {
	add_mount "$(jq -n --arg d "/$UP$CANARY_DIR/dotdot" \
		'{destination: $d, type: "tmpfs", source: "tmpfs"}')"
	run_or_refuse "awk -v p='$CANARY_DIR/dotdot' '\$5 == p {print \$9}' /proc/self/mountinfo
		echo END"
	if [ "$REFUSED" = 0 ]; then
		expect_lines tmpfs END
		[ -d "$BUNDLE/rootfs$CANARY_DIR/dotdot" ]
	fi
	assert_host_untouched
}

# ---- 2. linux.devices through symlinks ----

# devices_case: one device node, /dev/hard-null (1:3), checked in the container.
devices_case() {
	update_config '.linux.devices = [{"path": "/dev/hard-null", "type": "c", "major": 1,
		"minor": 3, "fileMode": 438}]'
	run_or_refuse 'stat -c "%F %t:%T" /dev/hard-null; echo x >/dev/hard-null && echo write-ok
		echo END'
	if [ "$REFUSED" = 0 ]; then
		expect_lines "character special file 1:3" write-ok END
	fi
	assert_host_untouched
}

@test "linux.devices: /dev a symlink to a host dir creates nothing on the host" {
	rmdir "$BUNDLE/rootfs/dev"
	ln -s "$CANARY_DIR" "$BUNDLE/rootfs/dev"
	devices_case
}

@test "linux.devices: /dev a symlink to a host dir, without a /dev mount, creates nothing on the host" {
	rmdir "$BUNDLE/rootfs/dev"
	ln -s "$CANARY_DIR" "$BUNDLE/rootfs/dev"
	drop_dev_mount
	devices_case
}

@test "linux.devices: /dev a ../../.. symlink to a host dir creates nothing on the host" {
	rmdir "$BUNDLE/rootfs/dev"
	ln -s "$UP$CANARY_DIR" "$BUNDLE/rootfs/dev"
	drop_dev_mount
	devices_case
}

@test "linux.devices: directory symlinks below /dev never lead mknod to the host" {
	local vol=$BATS_TEST_TMPDIR/vol
	mkdir "$vol"
	ln -s "$CANARY_DIR" "$vol/abs"
	ln -s "$UP$CANARY_DIR" "$vol/rel"
	bind_mount "$vol" /dev/foo
	update_config '.linux.devices = [
		{"path": "/dev/foo/abs/n1", "type": "c", "major": 1, "minor": 3, "fileMode": 438},
		{"path": "/dev/foo/rel/n2", "type": "c", "major": 1, "minor": 3, "fileMode": 438}]'
	run_or_refuse "stat -c '%F %t:%T' /dev/foo/abs/n1 /dev/foo/rel/n2; echo END"
	if [ "$REFUSED" = 0 ]; then
		expect_lines "character special file 1:3" "character special file 1:3" END
		[ -c "$BUNDLE/rootfs$CANARY_DIR/n1" ]
		[ -c "$BUNDLE/rootfs$CANARY_DIR/n2" ]
	fi
	assert_host_untouched
}

@test "linux.devices: a node path that is a symlink to a host file never replaces or follows it" {
	local vol=$BATS_TEST_TMPDIR/vol
	mkdir "$vol"
	ln -s "$CANARY_FILE" "$vol/node"
	bind_mount "$vol" /dev/foo
	update_config '.linux.devices = [{"path": "/dev/foo/node", "type": "c", "major": 1,
		"minor": 3, "fileMode": 438}]'
	run_or_refuse "stat -c '%F %t:%T' /dev/foo/node; echo END"
	if [ "$REFUSED" = 0 ]; then
		expect_lines "character special file 1:3" END
	fi
	assert_host_untouched
}

@test "linux.devices: a path with .. components never leaves the rootfs" {
	update_config --arg p "/dev/$UP$CANARY_DIR/dotdot" '.linux.devices = [{"path": $p,
		"type": "c", "major": 1, "minor": 3, "fileMode": 438}]'
	run_or_refuse "stat -c '%F %t:%T' '$CANARY_DIR/dotdot'; echo END"
	if [ "$REFUSED" = 0 ]; then
		expect_lines "character special file 1:3" END
	fi
	assert_host_untouched
}

# ---- 3. maskedPaths and readonlyPaths that are symlinks ----

# Four image symlinks under /etc: to the host canary file and dir, by absolute path and by
# climbing up with "..".
make_listed_links() {
	ln -s "$CANARY_FILE" "$BUNDLE/rootfs/etc/file-abs"
	ln -s "$UP$CANARY_FILE" "$BUNDLE/rootfs/etc/file-rel"
	ln -s "$CANARY_DIR" "$BUNDLE/rootfs/etc/dir-abs"
	ln -s "$UP$CANARY_DIR" "$BUNDLE/rootfs/etc/dir-rel"
}

@test "maskedPaths that are symlinks to host paths never mask or touch the host's files" {
	make_listed_links
	update_config '.linux.maskedPaths += ["/etc/file-abs", "/etc/file-rel", "/etc/dir-abs",
		"/etc/dir-rel"]'
	run_or_refuse 'for f in file-abs file-rel dir-abs dir-rel; do
		cat /etc/$f 2>/dev/null; ls -A /etc/$f/ 2>/dev/null; done; echo END'
	if [ "$REFUSED" = 0 ]; then
		# Nothing of the host shows through (the links dangle inside the rootfs).
		expect_lines END
	fi
	assert_host_untouched
}

@test "readonlyPaths that are symlinks to host paths never remount the host's files" {
	make_listed_links
	update_config '.linux.readonlyPaths += ["/etc/file-abs", "/etc/file-rel", "/etc/dir-abs",
		"/etc/dir-rel"]'
	run_or_refuse 'for f in file-abs file-rel dir-abs dir-rel; do
		cat /etc/$f 2>/dev/null; ls -A /etc/$f/ 2>/dev/null; done; echo END'
	if [ "$REFUSED" = 0 ]; then
		expect_lines END
	fi
	assert_host_untouched
}

@test "maskedPaths and readonlyPaths with .. components never reach the host" {
	update_config --arg f "/$UP$CANARY_FILE" --arg d "/$UP$CANARY_DIR" \
		'.linux.maskedPaths += [$f] | .linux.readonlyPaths += [$d]'
	run_or_refuse 'echo END'
	assert_host_untouched
}

@test "a masked path reached through a symlink to a rootfs file still reads empty" {
	# A rootfs copy at the link's target: whatever the runtime masks (the link or its
	# target, resolved inside the rootfs), the secret must not show at the masked path.
	mkdir -p "$BUNDLE/rootfs$HOST"
	echo rootfs-secret >"$BUNDLE/rootfs$CANARY_FILE"
	ln -s "$CANARY_FILE" "$BUNDLE/rootfs/etc/secret-link"
	update_config '.linux.maskedPaths += ["/etc/secret-link"]'
	run_or_refuse 'echo "[$(cat /etc/secret-link 2>/dev/null)]"; echo END'
	if [ "$REFUSED" = 0 ]; then
		expect_lines "[]" END
	fi
	assert_host_untouched
}

# ---- 4. masking with a hostile /dev/null (CVE-2025-31133 class) ----

# The masked paths must be the null device itself: an empty read, 1:3, never the content
# of whatever the image put at /dev/null.  The first line tells what /dev/null is.
MASK_CHECK='echo "devnull $(stat -c %F /dev/null)"
	for f in /etc/secret /proc/keys /proc/timer_list; do
	[ -e $f ] || { echo "$f absent"; continue; }
	echo "$f $(stat -c "%F %t:%T" $f) size=$(wc -c <$f)"; done; echo END'

# mask_case [DEVNULL_TYPE]: with DEVNULL_TYPE, the container's /dev/null must be the image's
# hostile one (so that the test really puts masking against it).
mask_case() {
	echo secret >"$BUNDLE/rootfs/etc/secret"
	update_config '.linux.maskedPaths += ["/etc/secret"]'
	run_or_refuse "$MASK_CHECK"
	if [ "$REFUSED" = 0 ]; then
		if [ -n "${1:-}" ] && [ "${lines[0]}" != "devnull $1" ]; then
			echo "precondition: the container's /dev/null is not the image's $1" >&2
			show_run
			return 1
		fi
		output=$(echo "$output" | tail -n +2)
		expect_lines "/etc/secret character special file 1:3 size=0" \
			"/proc/keys character special file 1:3 size=0" \
			"/proc/timer_list character special file 1:3 size=0" END
	fi
	assert_host_untouched
}

@test "CVE-2025-31133: a regular file at the rootfs's /dev/null never becomes the mask (no /dev mount)" {
	echo leaked-devnull >"$BUNDLE/rootfs/dev/null"
	drop_dev_mount
	mask_case
	[ "$(cat "$BUNDLE/rootfs/dev/null")" = leaked-devnull ] || [ -c "$BUNDLE/rootfs/dev/null" ]
}

@test "CVE-2025-31133: a rootfs /dev/null symlink to a host file never becomes the mask (no /dev mount)" {
	ln -s "$CANARY_FILE" "$BUNDLE/rootfs/dev/null"
	drop_dev_mount
	mask_case
}

@test "CVE-2025-31133: a regular file at /dev/null in a bind-mounted /dev never becomes the mask" {
	echo leaked-devnull >"$BUNDLE/rootfs/dev/null"
	bind_rootfs_dev
	mask_case "regular file"
	[ "$(cat "$BUNDLE/rootfs/dev/null")" = leaked-devnull ]
}

@test "CVE-2025-31133: /dev/null a symlink to /proc/sys/kernel/core_pattern never becomes the mask" {
	local before
	before=$(cat /proc/sys/kernel/core_pattern)
	ln -s /proc/sys/kernel/core_pattern "$BUNDLE/rootfs/dev/null"
	bind_rootfs_dev
	mask_case "symbolic link"
	[ "$(cat /proc/sys/kernel/core_pattern)" = "$before" ]
}

@test "CVE-2025-31133: /dev/null a symlink to a host file in a bind-mounted /dev never becomes the mask" {
	ln -s "$CANARY_FILE" "$BUNDLE/rootfs/dev/null"
	bind_rootfs_dev
	mask_case "symbolic link"
	[ "$(readlink "$BUNDLE/rootfs/dev/null")" = "$CANARY_FILE" ]
}

# ---- 5. /dev/console and /dev/pts symlinks with a terminal (CVE-2025-52565 class) ----

# The image's /dev with what a terminal needs: pts/ and ptmx -> pts/ptmx.
rootfs_dev_for_tty() {
	mkdir -p "$BUNDLE/rootfs/dev/pts"
	ln -s pts/ptmx "$BUNDLE/rootfs/dev/ptmx"
}

TTY_CHECK='c=$(stat -L -c %t:%T /dev/console 2>&1); t=$(stat -L -c %t:%T "$(tty)")
	[ "$c" = "$t" ] && echo console-is-tty || echo "console=$c tty=$t"; echo END'

@test "CVE-2025-52565: /dev/console a symlink to a host file, no /dev mount: nothing on the host" {
	ln -s "$CANARY_FILE" "$BUNDLE/rootfs/dev/console"
	drop_dev_mount
	tty_run_or_refuse "$TTY_CHECK"
	if [ "$REFUSED" = 0 ]; then
		[ "$TTY_TEXT" = "$(printf 'console-is-tty\nEND')" ] || {
			echo "terminal: $TTY_TEXT" >&2
			return 1
		}
	fi
	assert_host_untouched
}

@test "CVE-2025-52565: /dev/console a symlink to a host file in a bind-mounted /dev: nothing on the host" {
	rootfs_dev_for_tty
	ln -s "$CANARY_FILE" "$BUNDLE/rootfs/dev/console"
	bind_rootfs_dev
	tty_run_or_refuse "$TTY_CHECK"
	if [ "$REFUSED" = 0 ]; then
		[ "$TTY_TEXT" = "$(printf 'console-is-tty\nEND')" ] || {
			echo "terminal: $TTY_TEXT" >&2
			return 1
		}
	fi
	assert_host_untouched
}

@test "CVE-2025-52565: /dev/console a symlink to /proc/sys/kernel/core_pattern never gets the pty" {
	local before
	before=$(cat /proc/sys/kernel/core_pattern)
	rootfs_dev_for_tty
	ln -s /proc/sys/kernel/core_pattern "$BUNDLE/rootfs/dev/console"
	bind_rootfs_dev
	tty_run_or_refuse 'stat -c "%F" /proc/sys/kernel/core_pattern
		echo x 2>/dev/null >/proc/sys/kernel/core_pattern && echo wrote || echo denied
		echo END'
	if [ "$REFUSED" = 0 ]; then
		[ "$TTY_TEXT" = "$(printf 'regular empty file\ndenied\nEND')" ] || {
			echo "terminal: $TTY_TEXT" >&2
			return 1
		}
	fi
	[ "$(cat /proc/sys/kernel/core_pattern)" = "$before" ]
	assert_host_untouched
}

@test "CVE-2025-52565: /dev/pts a symlink to a host dir: devpts never lands on the host" {
	rootfs_dev_for_tty
	rmdir "$BUNDLE/rootfs/dev/pts"
	ln -s "$CANARY_DIR" "$BUNDLE/rootfs/dev/pts"
	bind_rootfs_dev
	tty_run_or_refuse 'tty; echo END'
	if [ "$REFUSED" = 0 ]; then
		# devpts went where the link leads inside the rootfs.
		[ "$TTY_TEXT" = "$(printf '%s/0\nEND' "$CANARY_DIR")" ] || {
			echo "terminal: $TTY_TEXT" >&2
			return 1
		}
		[ -d "$BUNDLE/rootfs$CANARY_DIR" ]
	fi
	assert_host_untouched
}

@test "CVE-2025-52565: /dev/pts a ../../.. symlink to a host dir: devpts never lands on the host" {
	rootfs_dev_for_tty
	rmdir "$BUNDLE/rootfs/dev/pts"
	ln -s "$UP$CANARY_DIR" "$BUNDLE/rootfs/dev/pts"
	bind_rootfs_dev
	tty_run_or_refuse 'tty; echo END'
	if [ "$REFUSED" = 0 ]; then
		# devpts went where the link leads inside the rootfs.
		[ "$TTY_TEXT" = "$(printf '%s/0\nEND' "$CANARY_DIR")" ] || {
			echo "terminal: $TTY_TEXT" >&2
			return 1
		}
		[ -d "$BUNDLE/rootfs$CANARY_DIR" ]
	fi
	assert_host_untouched
}

# ---- 6. /proc and /sys (CVE-2019-16884, CVE-2023-27561 class) ----

# With /proc where the image's link leads: procfs is there, the default masks and the
# read-only /proc/sys apply to it.
PROC_CHECK='[ -r /proc/self/status ] && echo proc-ok
	for f in /proc/keys /proc/timer_list; do echo "$f $(stat -L -c %t:%T $f) $(wc -c <$f)"; done
	p=$(realpath /proc/sys); awk -v p="$p" "\$5 == p {split(\$6, o, \",\"); print \"sys \" o[1]}" /proc/self/mountinfo | tail -n 1
	echo END'

proc_case() {
	run_or_refuse "$PROC_CHECK"
	if [ "$REFUSED" = 0 ]; then
		expect_lines proc-ok "/proc/keys 1:3 0" "/proc/timer_list 1:3 0" "sys ro" END
	fi
	assert_host_untouched
}

@test "CVE-2019-16884: /proc a symlink to a host dir: proc is never mounted on the host" {
	rmdir "$BUNDLE/rootfs/proc"
	ln -s "$CANARY_DIR" "$BUNDLE/rootfs/proc"
	proc_case
}

@test "CVE-2019-16884: /proc a symlink to /tmp: refused, or proc inside the rootfs with its masks" {
	rmdir "$BUNDLE/rootfs/proc"
	ln -s /tmp "$BUNDLE/rootfs/proc"
	proc_case
}

@test "CVE-2019-16884: /proc a symlink to ../../../proc: proc is never the host's" {
	rmdir "$BUNDLE/rootfs/proc"
	ln -s ../../../proc "$BUNDLE/rootfs/proc"
	proc_case
}

@test "CVE-2019-16884: /proc a ../../.. symlink to a host dir: proc is never mounted on the host" {
	rmdir "$BUNDLE/rootfs/proc"
	ln -s "$UP$CANARY_DIR" "$BUNDLE/rootfs/proc"
	proc_case
}

SYS_CHECK='p=$(realpath /sys); awk -v p="$p" "\$5 == p {split(\$6, o, \",\"); print \"sys \" o[1]}" /proc/self/mountinfo | tail -n 1
	[ -d /sys/firmware ] && echo "firmware $(ls -A /sys/firmware | wc -l)" || echo "firmware absent"
	echo END'

sys_case() {
	local fw="firmware absent"
	[ -d /sys/firmware ] && fw="firmware 0"
	run_or_refuse "$SYS_CHECK"
	if [ "$REFUSED" = 0 ]; then
		expect_lines "sys ro" "$fw" END
	fi
	assert_host_untouched
}

@test "CVE-2019-16884: /sys a symlink to a host dir: sysfs is never mounted on the host" {
	rmdir "$BUNDLE/rootfs/sys"
	ln -s "$CANARY_DIR" "$BUNDLE/rootfs/sys"
	sys_case
}

@test "CVE-2019-16884: /sys a ../../.. symlink to a host dir: sysfs is never mounted on the host" {
	rmdir "$BUNDLE/rootfs/sys"
	ln -s "$UP$CANARY_DIR" "$BUNDLE/rootfs/sys"
	sys_case
}

@test "CVE-2019-16884: a tmpfs in place of proc on /proc is refused" {
	update_config '.mounts |= map(if .destination == "/proc"
		then {destination: "/proc", type: "tmpfs", source: "tmpfs"} else . end)'
	run_sh 'echo ran'
	assert_refused /proc
}

@test "CVE-2019-16884: a tmpfs on /proc over the procfs is refused" {
	add_mount '{"destination": "/proc", "type": "tmpfs", "source": "tmpfs"}'
	run_sh 'echo ran'
	assert_refused /proc
}

@test "CVE-2019-16884: a bind of a host directory on /proc is refused" {
	local fake=$BATS_TEST_TMPDIR/fakeproc
	mkdir -p "$fake/self/attr" "$fake/sys/kernel"
	bind_mount "$fake" /proc rbind
	run_sh 'echo ran'
	assert_refused /proc
}

@test "CVE-2019-16884: a bind onto /proc/self/attr is refused" {
	local fake=$BATS_TEST_TMPDIR/fakeattr
	mkdir -p "$fake"
	echo unconfined >"$fake/current"
	bind_mount "$fake" /proc/self/attr
	run_sh 'echo ran'
	assert_refused /proc
}

@test "a bind onto /proc/sys/kernel/core_pattern is refused" {
	local fake=$BATS_TEST_TMPDIR/core_pattern
	echo '|/bin/evil' >"$fake"
	bind_mount "$fake" /proc/sys/kernel/core_pattern
	run_sh 'echo ran'
	assert_refused /proc
}

@test "a bind onto /proc/sysrq-trigger is refused" {
	local fake=$BATS_TEST_TMPDIR/sysrq
	: >"$fake"
	bind_mount "$fake" /proc/sysrq-trigger
	run_sh 'echo ran'
	assert_refused /proc
}

@test "a bind reaching /proc/sys/kernel through a rootfs symlink is refused" {
	local fake=$BATS_TEST_TMPDIR/core_pattern
	echo '|/bin/evil' >"$fake"
	ln -s /proc/sys/kernel "$BUNDLE/rootfs/mnt/kernel"
	bind_mount "$fake" /mnt/kernel/core_pattern
	run_sh 'echo ran'
	assert_refused
}

@test "lxcfs-style binds onto /proc files runc allows are accepted" {
	# runc's list (libcontainer/rootfs_linux.go, checkProcMount): files lxcfs emulates.
	local f dir=$BATS_TEST_TMPDIR/lxcfs script='' want=()
	mkdir "$dir"
	for f in cpuinfo meminfo stat uptime loadavg diskstats swaps slabinfo; do
		[ -e "/proc/$f" ] || continue
		echo "fake-$f" >"$dir/$f"
		bind_mount "$dir/$f" "/proc/$f" ro
		script+="cat /proc/$f; "
		want+=("fake-$f")
	done
	[ "${#want[@]}" -gt 0 ] || skip "none of the lxcfs files exists in this kernel's /proc"
	run_sh "${script}echo END"
	assert_success
	expect_lines "${want[@]}" END
}

@test "binds onto /proc/sys/kernel/ns_last_pid and /proc/sys/crypto/fips_enabled are accepted, as runc 1.2 does" {
	# The two sysctl files at the end of runc's list (CRIU and FIPS emulation).
	local f dir=$BATS_TEST_TMPDIR/sysctl script='' want=()
	mkdir "$dir"
	for f in sys/kernel/ns_last_pid sys/crypto/fips_enabled; do
		[ -e "/proc/$f" ] || continue
		echo "fake-${f##*/}" >"$dir/${f##*/}"
		bind_mount "$dir/${f##*/}" "/proc/$f" ro
		script+="cat /proc/$f; "
		want+=("fake-${f##*/}")
	done
	[ "${#want[@]}" -gt 0 ] || skip "neither file exists in this kernel's /proc"
	run_sh "${script}echo END"
	assert_success
	expect_lines "${want[@]}" END
}

# ---- 7. no host fd reaches the container (CVE-2024-21626 class) ----

# fds_beyond MAX: from `ls -l /proc/self/fd/` in $output, the fds above MAX other than ls's
# own handle on the directory it lists.
fds_beyond() {
	echo "$output" | awk -v max="$1" '$(NF-1) == "->" && $(NF-2) > max &&
		$NF !~ /^\/proc\/[0-9]+\/fd$/'
}

@test "CVE-2024-21626: only stdio reaches the container process, whatever fds barco inherits" {
	local hostdir=$BATS_TEST_TMPDIR/hostdir leaks
	mkdir "$hostdir"
	set_args ls -l /proc/self/fd/
	run --separate-stderr "$BARCO" --root "$ROOT" run -b "$BUNDLE" ctr \
		3<"$hostdir" 4<"$CANARY_FILE" 5</sys/fs/cgroup 6<"$CANARY_DIR" 7<"$hostdir" \
		8<"$BUNDLE" 9<"$BUNDLE/rootfs"
	assert_success
	[[ "$output" == *" 2 -> "* ]] || {
		show_run
		return 1
	}
	leaks=$(fds_beyond 2)
	[ -z "$leaks" ] || {
		echo "fds beyond stdio reached the container process:" >&2
		echo "$leaks" >&2
		return 1
	}
	set_args sh -c 'readlink /proc/self/cwd'
	run --separate-stderr barco run -b "$BUNDLE" ctr
	assert_success
	assert_output /
	assert_host_untouched
}

@test "CVE-2024-21626: with --preserve-fds 2 exactly fds 3 and 4 are added" {
	local hostdir=$BATS_TEST_TMPDIR/hostdir leaks
	mkdir "$hostdir"
	echo three >"$BATS_TEST_TMPDIR/f3"
	echo four >"$BATS_TEST_TMPDIR/f4"
	set_args ls -l /proc/self/fd/
	run --separate-stderr "$BARCO" --root "$ROOT" run --preserve-fds 2 -b "$BUNDLE" ctr \
		3<"$BATS_TEST_TMPDIR/f3" 4<"$BATS_TEST_TMPDIR/f4" 5<"$hostdir" 6</sys/fs/cgroup
	assert_success
	[[ "$output" == *" 3 -> $BATS_TEST_TMPDIR/f3"* ]]
	[[ "$output" == *" 4 -> $BATS_TEST_TMPDIR/f4"* ]]
	leaks=$(fds_beyond 4)
	[ -z "$leaks" ] || {
		echo "fds beyond the preserved ones reached the container process:" >&2
		echo "$leaks" >&2
		return 1
	}
}

@test "CVE-2024-21626: while created, every fd of the init beyond stdio is close-on-exec" {
	local hostdir=$BATS_TEST_TMPDIR/hostdir pid fd flags bad=
	mkdir "$hostdir"
	"$BARCO" --root "$ROOT" create -b "$BUNDLE" ctr </dev/null >"$BATS_TEST_TMPDIR/out" \
		2>"$BATS_TEST_TMPDIR/err" 3>&- 4<"$hostdir" 5</sys/fs/cgroup 6<"$CANARY_DIR"
	pid=$(pid_of ctr)
	for fd in "/proc/$pid"/fd/*; do
		fd=${fd##*/}
		[ "$fd" -le 2 ] && continue
		flags=$(awk '$1 == "flags:" {print $2}' "/proc/$pid/fdinfo/$fd")
		if (((8#$flags & 8#2000000) == 0)); then
			bad+="fd $fd -> $(readlink "/proc/$pid/fd/$fd") (flags $flags); "
		fi
	done
	[ -z "$bad" ] || {
		echo "the created init holds fds that would survive exec: $bad" >&2
		return 1
	}
}

@test "CVE-2024-21626: process.cwd through /proc/*/fd/N (3..10) never puts the process in a host dir" {
	local hostdir=$BATS_TEST_TMPDIR/hostdir n cwd cwds=()
	mkdir "$hostdir"
	echo marker >"$hostdir/host-marker"
	set_args sh -c 'pwd; ls -a; touch ./cwd-probe 2>/dev/null; echo END'
	for n in 3 4 5 6 7 8 9 10; do
		cwds+=("/proc/self/fd/$n")
	done
	# The same magic links by other names, and through an image symlink.
	ln -s /proc/self/fd/3 "$BUNDLE/rootfs/mnt/fd3"
	ln -s /proc/self/fd/5 "$BUNDLE/rootfs/mnt/fd5"
	cwds+=(/proc/1/fd/3 /proc/thread-self/fd/5 /mnt/fd3 /mnt/fd5)
	for cwd in "${cwds[@]}"; do
		update_config --arg c "$cwd" '.process.cwd = $c'
		run --separate-stderr "$BARCO" --root "$ROOT" run -b "$BUNDLE" ctr \
			3<"$hostdir" 4<"$hostdir" 5<"$hostdir" 6<"$hostdir" 7</sys/fs/cgroup \
			8<"$CANARY_DIR" 9<"$hostdir" 10<"$HOST"
		refusal_or_success
		if [ "$REFUSED" = 0 ]; then
			[[ "$output" != *host-marker* && "$output" != *canary* &&
				"${lines[0]}" != *unreachable* ]] || {
				echo "process.cwd $cwd: the process runs in a host directory" >&2
				show_run
				return 1
			}
		fi
		[ "$(ls -A "$hostdir")" = host-marker ] || {
			echo "process.cwd $cwd: written in the host dir: $(ls -A "$hostdir")" >&2
			return 1
		}
		assert_host_untouched
	done
}

@test "CVE-2024-21626: process.args[0] through /proc/self/fd/N (3..10) never executes a host file" {
	# A static binary on the host, named sh so that busybox runs its shell.  From any
	# directory fd of the host's mount namespace (barco's own state directories, what its
	# caller left open), enough ".." reach the host's "/" and then the binary.
	local n bin=$BATS_TEST_TMPDIR/x/sh
	mkdir -p "$BATS_TEST_TMPDIR/x"
	cp "$BUNDLE/rootfs/bin/busybox" "$bin"
	for n in 3 4 5 6 7 8 9 10; do
		update_config --arg a "/proc/self/fd/$n/$UP$bin" \
			'.process.args = [$a, "-c", "echo escaped; readlink /proc/self/exe"]'
		run --separate-stderr "$BARCO" --root "$ROOT" run -b "$BUNDLE" ctr \
			5<"$BATS_TEST_TMPDIR" 6</sys/fs/cgroup 3>&-
		if [ "$status" -eq 0 ] || [[ "$output" == *escaped* ]]; then
			echo "process.args[0] /proc/self/fd/$n/...: the container ran the host's $bin" >&2
			show_run
			return 1
		fi
		assert_error || return 1
		assert_root_empty
	done
	cmp -s "$bin" "$BUNDLE/rootfs/bin/busybox"
}

@test "CVE-2024-21626: a startContainer hook from the image inherits no host fd" {
	# startContainer hooks run in the container, from its filesystem: an image binary, here
	# ls listing its own fds on the container's stdout.
	local hostdir=$BATS_TEST_TMPDIR/hostdir leaks
	mkdir "$hostdir"
	update_config '.hooks.startContainer = [{"path": "/bin/ls",
		"args": ["ls", "-l", "/proc/self/fd/"]}]'
	set_args true
	run --separate-stderr "$BARCO" --root "$ROOT" run -b "$BUNDLE" ctr \
		4<"$hostdir" 5</sys/fs/cgroup 6<"$CANARY_DIR" 3>&-
	assert_success
	[[ "$output" == *" 0 -> "* ]] || {
		echo "the hook did not list its fds" >&2
		show_run
		return 1
	}
	# Beyond stdio only ls's own handle on /proc/self/fd may be there.
	leaks=$(fds_beyond 2)
	[ -z "$leaks" ] || {
		echo "the startContainer hook (an image binary) got the runtime's fds:" >&2
		echo "$leaks" >&2
		return 1
	}
	assert_host_untouched
}

# ---- 8. numeric user ids on the command line ----

@test "run --rootfs --uid takes only a plain decimal number" {
	local v
	for v in 0x10 -1 16abc "" " 16" 1e3; do
		run --separate-stderr barco run --rootfs "$BUNDLE/rootfs" --uid "$v" true
		assert_error "--uid" || {
			echo "--uid '$v' was accepted" >&2
			return 1
		}
		assert_root_empty
	done
}

# ---- 9, 10. the init while created: non-dumpable, not the runtime's binary ----

@test "the created init is non-dumpable: its /proc files stay root's with process.user.uid 1000" {
	update_config '.process.user = {"uid": 1000, "gid": 1000}'
	create_ctr ctr
	local pid
	pid=$(pid_of ctr)
	[ "$(awk '$1 == "Uid:" {print $2}' "/proc/$pid/status")" = 1000 ]
	[ "$(stat -c %u "/proc/$pid/environ")" = 0 ] || {
		echo "/proc/$pid/environ belongs to $(stat -c %u "/proc/$pid/environ"): the init is dumpable" >&2
		return 1
	}
}

@test "CVE-2019-5736: the created init does not run the runtime's binary file" {
	# A copy of barco runs the test, so a vulnerable build corrupts only the copy.
	local copy=$BATS_TEST_TMPDIR/barco-copy pid exe
	cp "$BARCO" "$copy"
	"$copy" --root "$ROOT" create -b "$BUNDLE" ctr </dev/null >"$BATS_TEST_TMPDIR/out" \
		2>"$BATS_TEST_TMPDIR/err" 3>&-
	pid=$(pid_of ctr)
	exe=$(readlink "/proc/$pid/exe")
	[[ "$exe" != "$copy"* ]] || {
		echo "the init's exe is the runtime binary itself: $exe" >&2
		return 1
	}
	[ "$(stat -L -c %i "/proc/$pid/exe")" != "$(stat -c %i "$copy")" ]
	if (printf x >>"/proc/$pid/exe") 2>/dev/null; then
		echo "the init's exe ($exe) could be written through /proc/$pid/exe" >&2
		return 1
	fi
	cmp -s "$BARCO" "$copy"
}

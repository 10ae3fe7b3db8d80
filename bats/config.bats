#!/usr/bin/env bats
# Bad config.json documents: each must fail with exit status 1 and one line on stderr, and
# leave no state entry, process or mount behind (the teardown checks processes and mounts).

load helpers

# create_fails SUBSTRING: create fails as it should, and leaves nothing in $ROOT.
create_fails() {
	run --separate-stderr barco create -b "$BUNDLE" ctr
	assert_error "$1"
	assert_root_empty
}

# config_fails 'jq-expr' SUBSTRING: the default test config edited by jq-expr is refused.
config_fails() {
	cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/good.json"
	update_config "$1"
	create_fails "$2"
	cp "$BATS_TEST_TMPDIR/good.json" "$BUNDLE/config.json"
}

@test "a missing config.json" {
	rm "$BUNDLE/config.json"
	create_fails "config.json"
}

@test "config.json that is a directory" {
	rm "$BUNDLE/config.json"
	mkdir "$BUNDLE/config.json"
	create_fails "config.json"
}

@test "an empty config.json" {
	: >"$BUNDLE/config.json"
	create_fails "config.json"
}

@test "malformed JSON is reported with its line and column" {
	printf '{\n  "ociVersion": "1.3.0",\n  "process": {,\n}\n' >"$BUNDLE/config.json"
	create_fails "config.json: "
	[[ "$stderr" == *"line 3"* ]] || { show_run; return 1; }
	[[ "$stderr" == *"column"* ]] || { show_run; return 1; }
}

@test "a truncated document" {
	head -c 100 "$BUNDLE/config.json" >"$BATS_TEST_TMPDIR/t.json"
	mv "$BATS_TEST_TMPDIR/t.json" "$BUNDLE/config.json"
	create_fails "config.json: "
}

@test "a top level that is not an object" {
	echo '[]' >"$BUNDLE/config.json"
	create_fails "config.json: "
	echo '"just a string"' >"$BUNDLE/config.json"
	create_fails "config.json: "
}

@test "wrong types in process" {
	config_fails '.process.args = "sh"' "config.json: process.args: "
	config_fails '.process.terminal = "yes"' "config.json: process.terminal: "
	config_fails '.process.env = "A=b"' "config.json: process.env: "
	config_fails '.process.cwd = 7' "config.json: process.cwd: "
	config_fails '.process = []' "config.json: process: "
}

@test "wrong types and ranges in process.user" {
	config_fails '.process.user.uid = -1' "config.json: process.user.uid: "
	config_fails '.process.user.uid = "root"' "config.json: process.user.uid: "
	config_fails '.process.user.uid = 4294967296' "config.json: process.user.uid: "
	config_fails '.process.user.gid = 1.5' "config.json: process.user.gid: "
	config_fails '.process.user.additionalGids = [1, "x"]' \
		"config.json: process.user.additionalGids[1]: "
}

@test "wrong types elsewhere in the document" {
	config_fails '.hostname = 5' "config.json: hostname: "
	config_fails '.mounts = {}' "config.json: mounts: "
	config_fails '.mounts[0].options = "ro"' "config.json: mounts[0].options: "
	config_fails '.root = []' "config.json: root: "
	config_fails '.root.readonly = "true"' "config.json: root.readonly: "
	config_fails '.annotations = {"a": 1}' "config.json: annotations"
	config_fails '.linux.namespaces = {}' "config.json: linux.namespaces: "
}

@test "an unknown namespace type" {
	config_fails '.linux.namespaces[0].type = "bogus"' "config.json: linux.namespaces[0].type: "
}

@test "an unknown rlimit type" {
	config_fails '.process.rlimits = [{"type": "RLIMIT_BOGUS", "soft": 1, "hard": 1}]' \
		"RLIMIT_BOGUS"
}

@test "a relative process.cwd" {
	config_fails '.process.cwd = "relative/dir"' "config.json: process.cwd: "
}

@test "empty process.args" {
	config_fails '.process.args = []' "config.json: process.args"
}

@test "a missing process" {
	config_fails 'del(.process)' "process"
}

@test "a NUL character in a string" {
	config_fails '.hostname = "bad\u0000name"' "NUL"
}

@test "deeply nested arrays (10000 '[') are refused without a crash" {
	printf '[%.0s' {1..10000} >"$BUNDLE/config.json"
	create_fails "config.json: "
}

@test "deep nesting inside a valid document is refused" {
	local deep
	deep=$(printf '[%.0s' {1..200})1$(printf ']%.0s' {1..200})
	jq --argjson d "$deep" '.annotations = {"a": "b"} | .x = $d' "$BUNDLE/config.json" \
		>"$BATS_TEST_TMPDIR/c.json"
	mv "$BATS_TEST_TMPDIR/c.json" "$BUNDLE/config.json"
	create_fails "config.json: "
}

@test "a config.json larger than 16 MiB is refused" {
	{
		printf '{"ociVersion": "1.3.0", "annotations": {"big": "'
		head -c 17000000 /dev/zero | tr '\0' a
		printf '"}}'
	} >"$BUNDLE/config.json"
	create_fails "16 MiB"
}

@test "an unknown ociVersion is refused" {
	config_fails '.ociVersion = "2.0.0"' "config.json: ociVersion: "
	config_fails '.ociVersion = "not-a-version"' "config.json: ociVersion: "
	config_fails 'del(.ociVersion)' "ociVersion"
}

@test "an older 1.x ociVersion is accepted" {
	update_config '.ociVersion = "1.0.2" | .process.args = ["true"]'
	run --separate-stderr barco run -b "$BUNDLE" ctr
	assert_success
}

@test "unknown fields are ignored" {
	update_config '.process.args = ["true"] | .x_unknown = {"a": [1, 2]}
		| .process.x_unknown = true | .linux.x_unknown = "y"'
	run --separate-stderr barco run -b "$BUNDLE" ctr
	assert_success
}

@test "a missing rootfs directory" {
	config_fails '.root.path = "no-such-rootfs"' "no-such-rootfs"
}

@test "a rootfs that is a file" {
	touch "$BUNDLE/rootfs-file"
	config_fails '.root.path = "rootfs-file"' "rootfs-file"
}

@test "a missing root.path" {
	config_fails 'del(.root)' "root"
}

@test "a missing executable given by path" {
	config_fails '.process.args = ["/bin/no-such-binary"]' 'exec: "/bin/no-such-binary"'
}

@test "a missing executable looked up in PATH" {
	config_fails '.process.args = ["no-such-binary"]' \
		'exec: "no-such-binary": executable file not found in $PATH'
}

@test "an executable that is a directory or not executable" {
	config_fails '.process.args = ["/bin"]' 'exec: "/bin"'
	config_fails '.process.args = ["/etc/passwd"]' 'exec: "/etc/passwd"'
}

@test "an empty command name" {
	config_fails '.process.args = [""]' "process.args"
}

@test "a hostname without a new uts namespace" {
	config_fails '.linux.namespaces |= map(select(.type != "uts"))' "config.json: hostname: "
}

@test "no mount namespace" {
	config_fails '.linux.namespaces |= map(select(.type != "mount"))' "mount namespace"
}

@test "a user namespace without id mappings" {
	config_fails '.linux.namespaces += [{"type": "user"}]' "uidMappings"
}

@test "id mappings without a user namespace" {
	config_fails '.linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 1}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 1}]' \
		"uidMappings"
}

@test "a missing namespace path" {
	config_fails '.linux.namespaces |= (map(select(.type != "ipc"))
		+ [{"type": "ipc", "path": "/no/such/ns"}])' "/no/such/ns"
}

@test "a bind mount of a missing source fails in the init and leaves nothing" {
	update_config --arg src "$BATS_TEST_TMPDIR/no-such-source" \
		'.mounts += [{"destination": "/mnt", "type": "bind", "source": $src,
			"options": ["bind"]}]'
	create_fails "no-such-source"
}

@test "an unknown device type" {
	config_fails '.linux.devices = [{"path": "/dev/x", "type": "x", "major": 1, "minor": 3}]' \
		"config.json: linux.devices[0].type: "
}

@test "an unknown rootfsPropagation" {
	config_fails '.linux.rootfsPropagation = "bogus"' "bogus"
}

@test "a sysctl key that climbs out of /proc/sys" {
	config_fails '.linux.sysctl = {"../../../etc/x": "1"}' "sysctl"
}

@test "process.terminal without --console-socket fails for create" {
	config_fails '.process.terminal = true' "console-socket"
}

@test "run with a bad config leaves nothing behind either" {
	update_config '.process.args = ["no-such-binary"]'
	run --separate-stderr barco run -b "$BUNDLE" ctr
	assert_error 'exec: "no-such-binary": executable file not found in $PATH'
	assert_root_empty
	update_config '.ociVersion = "9.9.9"'
	run --separate-stderr barco run -b "$BUNDLE" ctr
	assert_error "ociVersion"
	assert_root_empty
}

@test "a failed create does not block a later create with the same ID" {
	update_config '.process.args = ["no-such-binary"]'
	run --separate-stderr barco create -b "$BUNDLE" ctr
	assert_error "no-such-binary"
	update_config '.process.args = ["sleep", "1000"]'
	create_ctr ctr
	[ "$(status_of ctr)" = created ]
}

#!/usr/bin/env bats
# Global flags, help, version, usage errors, container ID rules and `spec`.

load helpers

@test "--version prints the version, the spec version and libseccomp's" {
	run --separate-stderr barco --version
	assert_success
	[ "${#lines[@]}" -eq 3 ]
	[[ "${lines[0]}" =~ ^barco\ version\ [0-9]+\.[0-9]+ ]]
	[ "${lines[1]}" = "spec: 1.3.0" ]
	[[ "${lines[2]}" =~ ^libseccomp:\ [0-9] ]]
	[ -z "$stderr" ]
}

@test "--help lists every command and the global options" {
	run --separate-stderr barco --help
	assert_success
	[[ "${lines[0]}" == *"barco"* ]]
	for cmd in create start state kill delete run list spec; do
		echo "$output" | grep -qE "^  $cmd " || {
			echo "command $cmd missing from --help" >&2
			return 1
		}
	done
	for opt in --root --log --log-format --debug --systemd-cgroup --version; do
		assert_output_contains "$opt"
	done
	[ -z "$stderr" ]
}

@test "CMD --help prints the command's usage on stdout and exits 0" {
	for cmd in create start state kill delete run list spec; do
		run --separate-stderr barco "$cmd" --help
		assert_success
		[[ "${lines[0]}" == "Usage: barco "*"$cmd"* ]] || {
			show_run
			return 1
		}
		[ -z "$stderr" ]
	done
}

@test "the help of create documents its options" {
	run --separate-stderr barco create --help
	assert_success
	for opt in --bundle --pid-file --console-socket --no-pivot --no-new-keyring --preserve-fds; do
		assert_output_contains "$opt"
	done
}

@test "no command is a usage error" {
	run --separate-stderr barco
	assert_error
	[ -z "$output" ]
}

@test "an unknown command is a one-line usage error" {
	run --separate-stderr barco frobnicate
	assert_error "frobnicate"
	[ -z "$output" ]
}

@test "an unknown global option is a one-line usage error" {
	run --separate-stderr barco --no-such-option list
	assert_error "--no-such-option"
}

@test "an unknown command option is a one-line usage error" {
	run --separate-stderr barco list --no-such-option
	assert_error "--no-such-option"
	run --separate-stderr barco create --bogus -b "$BUNDLE" ctr
	assert_error "--bogus"
	assert_root_empty
}

@test "global options go before the command" {
	# --root after the command is an option of `list`, which does not know it.
	run --separate-stderr "$BARCO" list --root "$ROOT"
	assert_error "--root"
}

@test "a global option missing its value is a usage error" {
	run --separate-stderr "$BARCO" --root
	assert_error
}

@test "commands that need an ID fail without one" {
	for cmd in create start state kill delete run; do
		run --separate-stderr barco "$cmd"
		assert_error "ID"
	done
	assert_root_empty
}

@test "a command given one argument too many fails" {
	run --separate-stderr barco state a b
	assert_error "b"
	run --separate-stderr barco start a b
	assert_error "b"
	run --separate-stderr barco delete a b
	assert_error "b"
	run --separate-stderr barco kill a TERM extra
	assert_error "extra"
	run --separate-stderr barco list extra
	assert_error "extra"
}

@test "--systemd-cgroup is refused with a clear error" {
	run --separate-stderr barco --systemd-cgroup list
	assert_error "systemd"
	run --separate-stderr barco --systemd-cgroup create -b "$BUNDLE" ctr
	assert_error "systemd"
	assert_root_empty
}

@test "--log-format accepts only text and json" {
	run --separate-stderr barco --log-format xml list
	assert_error "xml"
	run --separate-stderr barco --log-format json list
	assert_success
	run --separate-stderr barco --log-format text list
	assert_success
}

@test "--preserve-fds needs a non-negative number" {
	run --separate-stderr barco create --preserve-fds abc -b "$BUNDLE" ctr
	assert_error "abc"
	run --separate-stderr barco create --preserve-fds -1 -b "$BUNDLE" ctr
	assert_error
	assert_root_empty
}

@test "list --format accepts only table and json" {
	run --separate-stderr barco list -f yaml
	assert_error "yaml"
}

@test "ID '..' is rejected and creates nothing outside the root" {
	mkdir -p "$ROOT"
	run --separate-stderr barco create -b "$BUNDLE" ..
	assert_error "invalid container ID"
	assert_root_empty
	[ ! -e "$BATS_TEST_TMPDIR/state.json" ]
	[ ! -e "$BATS_TEST_TMPDIR/exec.fifo" ]
}

@test "ID 'a/b' is rejected" {
	run --separate-stderr barco create -b "$BUNDLE" a/b
	assert_error "invalid container ID"
	assert_root_empty
}

@test "IDs '../x', '.', '.hidden' and '-x' are rejected" {
	for id in ../x . .hidden "with space" "tab	id"; do
		run --separate-stderr barco create -b "$BUNDLE" "$id"
		assert_error "invalid container ID"
	done
	[ ! -e "$BATS_TEST_TMPDIR/x" ]
	# A leading '-' is an option to getopt; after "--" it is an ID, and still invalid.
	run --separate-stderr barco create -b "$BUNDLE" -- -x
	assert_error "-x"
	assert_root_empty
}

@test "an empty ID is rejected" {
	run --separate-stderr barco create -b "$BUNDLE" ""
	assert_error "empty"
	run --separate-stderr barco state ""
	assert_error "empty"
	assert_root_empty
}

@test "a 1025-byte ID is rejected" {
	local id
	id=$(printf 'a%.0s' {1..1025})
	[ "${#id}" -eq 1025 ]
	run --separate-stderr barco create -b "$BUNDLE" "$id"
	assert_error "longer than 1024"
	run --separate-stderr barco state "$id"
	assert_error "longer than 1024"
	run --separate-stderr barco delete -f "$id"
	assert_error "longer than 1024"
	assert_root_empty
}

@test "state, start, kill and delete reject invalid IDs" {
	for cmd in state start kill delete; do
		run --separate-stderr barco "$cmd" a/b
		assert_error "invalid container ID"
	done
}

@test "IDs with letters, digits, '_', '.', '+' and '-' are accepted" {
	create_ctr "Abc_1.2+x-y"
	[ "$(status_of "Abc_1.2+x-y")" = created ]
}

@test "a state root that is a file is an error" {
	touch "$BATS_TEST_TMPDIR/rootfile"
	run --separate-stderr "$BARCO" --root "$BATS_TEST_TMPDIR/rootfile" create -b "$BUNDLE" ctr
	assert_error "rootfile"
}

@test "a state root that is a symbolic link is refused" {
	mkdir "$BATS_TEST_TMPDIR/real-root"
	ln -s real-root "$BATS_TEST_TMPDIR/link-root"
	run --separate-stderr "$BARCO" --root "$BATS_TEST_TMPDIR/link-root" create -b "$BUNDLE" ctr
	assert_error "link-root"
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/real-root")" ]
}

@test "--root is created with its parents when missing" {
	ROOT=$BATS_TEST_TMPDIR/a/b/root
	create_ctr ctr
	[ -d "$ROOT/ctr" ]
	[ "$(stat -c %a "$ROOT")" = 700 ]
	barco delete ctr
}

@test "list on a missing root prints nothing but the header" {
	run --separate-stderr barco list
	assert_success
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" == ID* ]]
	run --separate-stderr barco list -q
	assert_success
	[ -z "$output" ]
	run --separate-stderr barco list -f json
	assert_success
	[ "$(echo "$output" | jq length)" -eq 0 ]
}

@test "spec writes a runc-like default config.json" {
	local dir=$BATS_TEST_TMPDIR/spec
	mkdir "$dir"
	run --separate-stderr barco spec -b "$dir"
	assert_success
	[ -z "$output" ]
	local c=$dir/config.json
	jq -e . "$c" >/dev/null
	[ "$(jq -r .ociVersion "$c")" = 1.3.0 ]
	[ "$(jq -r .process.terminal "$c")" = true ]
	[ "$(jq -c .process.args "$c")" = '["sh"]' ]
	[ "$(jq -r .process.cwd "$c")" = / ]
	[ "$(jq -r .root.path "$c")" = rootfs ]
	[ "$(jq -r .root.readonly "$c")" = true ]
	[ "$(jq -r .hostname "$c")" = barco ]
	[ "$(jq -r '[.linux.namespaces[].type] | sort | join(",")' "$c")" = \
		"cgroup,ipc,mount,network,pid,uts" ]
	for m in /proc /dev /dev/pts /dev/shm /dev/mqueue /sys; do
		jq -e --arg m "$m" '[.mounts[].destination] | index($m) != null' "$c" >/dev/null || {
			echo "default mount $m missing" >&2
			return 1
		}
	done
	jq -e '.linux.maskedPaths | index("/proc/kcore") != null' "$c" >/dev/null
	jq -e '.linux.readonlyPaths | index("/proc/sys") != null' "$c" >/dev/null
	jq -e '.process.env | map(startswith("PATH=")) | any' "$c" >/dev/null
}

@test "spec writes into the current directory by default" {
	local dir=$BATS_TEST_TMPDIR/spec
	mkdir "$dir"
	cd "$dir"
	run --separate-stderr barco spec
	assert_success
	jq -e .process "$dir/config.json" >/dev/null
}

@test "spec refuses to overwrite an existing config.json" {
	local before
	before=$(sha256sum <"$BUNDLE/config.json")
	run --separate-stderr barco spec -b "$BUNDLE"
	assert_error "config.json"
	[ "$(sha256sum <"$BUNDLE/config.json")" = "$before" ]
}

@test "spec into a missing directory fails" {
	run --separate-stderr barco spec -b "$BATS_TEST_TMPDIR/does/not/exist"
	assert_error "does/not/exist"
}

@test "spec --rootless maps the caller and adds a user namespace" {
	local dir=$BATS_TEST_TMPDIR/spec
	mkdir "$dir"
	run --separate-stderr barco spec --rootless -b "$dir"
	assert_success
	local c=$dir/config.json
	jq -e '[.linux.namespaces[].type] | index("user") != null' "$c" >/dev/null
	jq -e '[.linux.namespaces[].type] | index("network") == null' "$c" >/dev/null
	[ "$(jq -r '.linux.uidMappings[0].hostID' "$c")" = "$(id -u)" ]
	[ "$(jq -r '.linux.uidMappings[0].containerID' "$c")" = 0 ]
	[ "$(jq -r '.linux.gidMappings[0].hostID' "$c")" = "$(id -g)" ]
}

@test "the default spec runs once made non-interactive" {
	rm "$BUNDLE/config.json"
	barco spec -b "$BUNDLE"
	update_config '.process.terminal = false | .process.args = ["sh", "-c", "echo default-ok"]'
	run --separate-stderr barco run -b "$BUNDLE" ctr
	assert_success
	assert_output "default-ok"
}

@test "a relative --root is taken from the current directory" {
	cd "$BATS_TEST_TMPDIR"
	"$BARCO" --root relroot create -b bundle ctr </dev/null >out 2>err 3>&-
	[ -d "$BATS_TEST_TMPDIR/relroot/ctr" ]
	[ "$("$BARCO" --root relroot state ctr | jq -r .status)" = created ]
	"$BARCO" --root relroot delete ctr
	[ ! -e "$BATS_TEST_TMPDIR/relroot/ctr" ]
}

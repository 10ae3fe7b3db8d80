#!/usr/bin/env bats
# Global flags, help, version, usage errors, container ID rules and `spec`.

load helpers

@test "--version prints the version, the commit and the spec version" {
	run --separate-stderr barco --version
	assert_success
	[ "${#lines[@]}" -eq 3 ]
	[[ "${lines[0]}" =~ ^barco\ version\ [0-9]+\.[0-9]+\.[0-9]+ ]]
	[[ "${lines[1]}" =~ ^commit:\ [^\ ]+$ ]]
	[ "${lines[2]}" = "spec: 1.3.0" ]
	[ -z "$stderr" ]
	# -v is the same, and libseccomp's version moved to `barco features`.
	local long=$output
	run --separate-stderr barco -v
	assert_output "$long"
	[ "$("$BARCO" features | jq -r '.annotations["io.github.seccomp.libseccomp.version"]')" != null ]
}

# go-runc (containerd's runc client) reads `--version` with one of two parsers: the older one
# wants exactly three lines, splitting the first at "version " and the others at ": " into
# exactly two parts; the newer one fills its fields only after a "runc version " prefix and
# never fails.  Both are written here as go-runc has them, in Python (strings.Split and
# str.split cut alike).
@test "--version is read by go-runc's parsers" {
	run --separate-stderr barco --version
	assert_success
	run /usr/bin/python3 -c '
import sys
data = sys.stdin.read()
parts = data.strip().split("\n")
if len(parts) != 3:
    sys.exit("old parser: %d lines, not 3" % len(parts))
fields = []
for line, sep in zip(parts, ["version ", ": ", ": "]):
    p2 = line.split(sep)
    if len(p2) != 2:
        sys.exit("old parser: unable to parse version line %r" % line)
    fields.append(p2[1])
print("runc=%s commit=%s spec=%s" % tuple(fields))
# The newer parser: a first line without "runc version " gives empty fields, no error.
first = data.strip().split("\n")[0]
print("new=%s" % (first[13:] if first.startswith("runc version ") else ""))
' <<<"$output"
	assert_success
	[[ "${lines[0]}" =~ ^runc=[0-9]+\.[0-9]+\.[0-9]+\ commit=[^\ ]+\ spec=1\.3\.0$ ]] || {
		show_run
		return 1
	}
	[ "${lines[1]}" = "new=" ]
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

# containerd and podman parse the whole of stdout as one JSON document.
@test "state prints only the JSON on stdout and nothing on stderr" {
	local st
	create_ctr ctr
	for st in created running stopped; do
		case $st in
		running) barco start ctr ;;
		stopped)
			barco kill ctr KILL
			wait_for_status ctr stopped
			;;
		esac
		run --separate-stderr barco state ctr
		assert_success
		[ -z "$stderr" ] || {
			show_run
			return 1
		}
		# Exactly one JSON value, an object with the OCI fields.
		[ "$(jq -s length <<<"$output")" -eq 1 ]
		[ "$(jq -r .status <<<"$output")" = "$st" ]
		[ "$(jq -r .id <<<"$output")" = ctr ]
		jq -e '.ociVersion and .bundle and (.pid | type == "number")' <<<"$output" >/dev/null
	done
}

# ---- the manual page and the bash completion ----

MAN_PAGE=$BATS_TEST_DIRNAME/../docs/barco.8
COMPLETION=$BATS_TEST_DIRNAME/../contrib/completion/barco

# The commands `barco --help` lists.
help_commands() {
	"$BARCO" --help | sed -n '/^Commands:/,/^$/p' | awk 'NF > 1 && /^  [a-z]/ {print $1}'
}

# The options `barco CMD --help` lists, long and short, one per line.
help_options() {
	"$BARCO" "$1" --help | sed -n '/^Options:/,$p' | grep -E '^ +-' |
		sed -E 's/^ +//; s/  .*//' | grep -oE '(^|[ ,])--?[a-z][a-z-]*' | tr -d ' ,' |
		sort -u
}

# The roff source of the page's sections for CMD (.SS lines whose title starts with CMD),
# with \- and font changes undone.
man_section() {
	sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' "$MAN_PAGE" | awk -v cmd="$1" '
		/^\.S[SH] / {
			t = $0
			sub(/^\.S[SH] "?/, "", t)
			split(t, w, /[ "]/)
			on = (w[1] == cmd)
			next
		}
		on'
}

# complete_words WORD...: what the completion offers for the line WORD... (the last word is
# the one under the cursor), one per line; in a fresh bash, as a shell would call it.
complete_words() {
	bash -c 'source "$1"; shift
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_barco
		printf "%s\n" "${COMPREPLY[@]}"' complete_words "$COMPLETION" "$@"
}

@test "the manual page is clean roff that man and groff render without warnings" {
	command -v groff >/dev/null || skip "groff is not installed"
	run groff -man -Tutf8 -ww -z "$MAN_PAGE"
	assert_success
	[ -z "$output" ] || {
		show_run
		return 1
	}
	run man -l "$MAN_PAGE"
	assert_success
	assert_output_contains "SYNOPSIS"
	for sec in NAME SYNOPSIS DESCRIPTION "GLOBAL OPTIONS" COMMANDS "EXIT STATUS" ENVIRONMENT \
		FILES EXAMPLES "SEE ALSO"; do
		grep -qx "\.SH \"\?$sec\"\?" "$MAN_PAGE" || {
			echo "section $sec missing" >&2
			return 1
		}
	done
	grep -q LISTEN_FDS "$MAN_PAGE"
	grep -q /run/barco "$MAN_PAGE"
	grep -q BinaryName "$MAN_PAGE"
}

@test "every command and option of --help is in the manual page" {
	local cmd opt n=0
	for opt in --root --log --log-format --debug --systemd-cgroup --rootless \
		--cgroup-manager --version --help; do
		man_section "GLOBAL" | grep -qe "$opt" || {
			echo "global option $opt missing from the manual page" >&2
			return 1
		}
	done
	for cmd in $(help_commands); do
		n=$((n + 1))
		[ -n "$(man_section "$cmd")" ] || {
			echo "command $cmd has no section in the manual page" >&2
			return 1
		}
		for opt in $(help_options "$cmd"); do
			man_section "$cmd" | grep -qE -- "(^|[^a-z-])$opt([^a-z-]|$)" || {
				echo "option $opt of $cmd missing from its section of the manual page" >&2
				return 1
			}
		done
	done
	[ "$n" -ge 15 ]
}

@test "the bash completion offers exactly the commands of --help" {
	local want got
	want=$(help_commands | sort)
	got=$(complete_words "$BARCO" "" | sort)
	[ "$got" = "$want" ] || {
		diff <(echo "$want") <(echo "$got") >&2
		return 1
	}
	[ "$(complete_words "$BARCO" cre)" = create ]
	[ "$(complete_words "$BARCO" --root /x "fea")" = features ]
	[ -z "$(complete_words "$BARCO" nosuchcommand)" ]
	# It registers itself for barco.
	run bash -c 'source "$1" && complete -p barco' _ "$COMPLETION"
	assert_success
	assert_output_contains "-F _barco"
}

@test "the bash completion offers every option of every command, and the global ones" {
	local cmd opt got
	for cmd in $(help_commands); do
		got=$(complete_words "$BARCO" "$cmd" -)
		for opt in $(help_options "$cmd"); do
			grep -qx -- "$opt" <<<"$got" || {
				echo "completion of 'barco $cmd -' lacks $opt: $got" >&2
				return 1
			}
		done
	done
	got=$(complete_words "$BARCO" --)
	for opt in --root --log --log-format --debug --systemd-cgroup --rootless \
		--cgroup-manager --version --help; do
		grep -qx -- "$opt" <<<"$got"
	done
	[ "$(complete_words "$BARCO" --log-format "")" = "$(printf 'text\njson')" ]
	[ "$(complete_words "$BARCO" --log-format = j)" = json ]
	[ "$(complete_words "$BARCO" --cgroup-manager d)" = disabled ]
	[ "$(complete_words "$BARCO" list --format "")" = "$(printf 'table\njson')" ]
	[ "$(complete_words "$BARCO" ps --format=j)" = json ]
}

@test "the bash completion offers the container IDs under --root, and signals for kill" {
	create_ctr ctr-one
	create_ctr ctr-two
	[ "$(complete_words "$BARCO" --root "$ROOT" state "")" = "$(printf 'ctr-one\nctr-two')" ]
	[ "$(complete_words "$BARCO" --root="$ROOT" delete -f ctr-t)" = ctr-two ]
	[ "$(complete_words "$BARCO" --root "$ROOT" kill -a "")" = "$(printf 'ctr-one\nctr-two')" ]
	# Another root holds none of them.
	[ -z "$(complete_words "$BARCO" --root "$BATS_TEST_TMPDIR/empty" state "")" ]
	# A new ID is not completed.
	[ -z "$(complete_words "$BARCO" --root "$ROOT" create "")" ]
	# After the ID of kill: signal names, with or without SIG, each one barco takes.
	local sigs s
	sigs=$(complete_words "$BARCO" --root "$ROOT" kill ctr-one "")
	grep -qx TERM <<<"$sigs"
	grep -qx KILL <<<"$sigs"
	[ "$(complete_words "$BARCO" --root "$ROOT" kill ctr-one SIGKI)" = SIGKILL ]
	[ "$(complete_words "$BARCO" --root "$ROOT" kill ctr-one USR)" = "$(printf 'USR1\nUSR2')" ]
	# No arguments after the signal.
	[ -z "$(complete_words "$BARCO" --root "$ROOT" kill ctr-one TERM "")" ]
	# barco takes every name offered (kill parses the signal before it looks for the
	# container), with and without SIG.
	[ "$(wc -l <<<"$sigs")" -ge 30 ]
	for s in $sigs SIG$(tr '\n' ' ' <<<"$sigs" | sed 's/ $//; s/ / SIG/g'); do
		run --separate-stderr barco kill no-such-ctr "$s"
		assert_error "container does not exist"
	done
	run --separate-stderr barco kill no-such-ctr NOTASIGNAL
	assert_error "NOTASIGNAL"
}

@test "the bash completion offers files and directories for path options" {
	mkdir -p "$BATS_TEST_TMPDIR/cdir/sub-dir"
	touch "$BATS_TEST_TMPDIR/cdir/sub-file"
	local d=$BATS_TEST_TMPDIR/cdir/sub
	[ "$(complete_words "$BARCO" create -b "$d")" = "$d-dir" ]
	[ "$(complete_words "$BARCO" run --bundle "$d")" = "$d-dir" ]
	[ "$(complete_words "$BARCO" --root "$d")" = "$d-dir" ]
	[ "$(complete_words "$BARCO" create --pid-file "$d" | sort)" = "$(printf '%s\n' "$d-dir" "$d-file")" ]
	[ "$(complete_words "$BARCO" exec -p "$d" | sort)" = "$(printf '%s\n' "$d-dir" "$d-file")" ]
	[ "$(complete_words "$BARCO" run --console-socket "$d" | sort)" = "$(printf '%s\n' "$d-dir" "$d-file")" ]
	[ "$(complete_words "$BARCO" --log "$d" | sort)" = "$(printf '%s\n' "$d-dir" "$d-file")" ]
}

@test "an unknown option is named in the error, for commands with and without options" {
	for cmd in start state kill delete create pause resume ps list spec run; do
		run "$BARCO" "$cmd" --no-such-flag x
		[ "$status" -eq 1 ]
		[[ "$output" == *"unknown option \"--no-such-flag\""* ]] || {
			echo "$cmd: $output"
			false
		}
	done
	run "$BARCO" state -z x
	[ "$status" -eq 1 ]
	[[ "$output" == *"unknown option \"-z\""* ]]
}

#!/usr/bin/env bash
# Memcheck over barco's CLI paths: spec, help and version, state, list, features, kill and delete,
# create (the runtime's side) and failed creates.  Each case must exit as expected, print what
# shows the path was taken, and leave valgrind with no error and no definite, indirect or possible
# leak.  Prints "ok N - name" / "not ok N - name" per case and closes with "N passed, N failed".
# Usage: valgrind-cli.sh BARCO   (a dynamically linked barco: configure --disable-static-exe)
#
# create re-executes barco from a sealed memfd copy of itself (src/sealed_exe.c).  valgrind 3.19
# cannot follow that: its execveat wrapper turns the memfd into its /proc/self/fd link text,
# "/memfd:barco (deleted)", and fails with ENOENT.  So the create cases run barco the way the
# re-executed barco runs: from a sealed memfd copy (made here by python3 and handed to valgrind
# as /proc/self/fd/N), where barco finds /proc/self/exe sealed and goes straight on.  That is the
# same binary and the same code path as in production, only the re-exec itself (a memfd_create,
# a sendfile and an execveat) is left out.  valgrind finds no symbols in a memfd, so frames in it
# show as ??? and are resolved here with addr2line.
#
# Only the runtime process is checked: --trace-children=no, and --child-silent-after-fork=yes
# for the container's init, which is a fork and so stays under valgrind until its execve.  That
# init cannot get far under valgrind 3.19: it has no wrapper for openat2 (barco's /proc access)
# nor seccomp(2), and refuses a change of RLIMIT_NOFILE's hard limit.  The create cases
# therefore use a config without linux.seccomp and without an RLIMIT_NOFILE rlimit; the init
# reports READY, so create completes, then fails to reopen exec.fifo and exits: the container
# is left stopped, which the cases below do not depend on.
#
# Not coverable under valgrind 3.19 (Debian 12): kill and delete of an existing container, which
# open a pidfd first (no pidfd_open wrapper: ENOSYS), and libseccomp's filter compilation (its
# API probe gets ENOSYS from seccomp(2)).  tests/asan-bats.sh runs those under ASan and
# LeakSanitizer.
set -euo pipefail

die() {
	echo "valgrind-cli.sh: $*" >&2
	exit 1
}

[ $# -eq 1 ] || die "usage: valgrind-cli.sh BARCO (a dynamically linked barco)"
[ -x "$1" ] || die "$1: not an executable file"
barco=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
for tool in valgrind readelf addr2line python3 jq; do
	command -v "$tool" >/dev/null ||
		die "$tool not found (Debian packages: valgrind, binutils, python3, jq)"
done
[ "$(id -u)" = 0 ] || die "must run as root (create makes namespaces and mounts)"
# valgrind replaces malloc through the dynamic loader: in a static(-pie) binary it sees no
# allocation at all, and every leak check would pass.
headers=$(readelf -l -d "$barco") || die "readelf failed on $barco"
grep -q 'INTERP' <<<"$headers" ||
	die "$barco is statically linked: valgrind cannot see its allocations; build with ./configure --disable-static-exe"
if grep -Eq 'NEEDED.*lib(a|ub)san' <<<"$headers"; then
	die "$barco is built with sanitizers (--enable-asan): those cannot run under valgrind"
fi

tmp=$(mktemp -d /tmp/barco-valgrind.XXXXXX)
root=$tmp/root

cleanup() {
	local id
	if [ -d "$root" ]; then
		for id in $("$barco" --root "$root" list -q 2>/dev/null); do
			"$barco" --root "$root" delete -f "$id" >/dev/null 2>&1 ||
				echo "valgrind-cli.sh: cleanup: delete -f $id failed" >&2
		done
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
exec </dev/null

# No suppression is needed: every report in the runtime process is taken as a finding.
# shellcheck disable=SC2054 # the commas are within option values
vg=(valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect,possible
	--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 --track-fds=no
	--trace-children=no --child-silent-after-fork=yes --num-callers=30)

# python3 argv: BARCO COMMAND... ; "@EXE@" in COMMAND becomes the sealed copy's /proc path.
# The copy's fd stays inheritable so valgrind (and its tool, which it execs) can open it.
sealed_py='
import fcntl, os, sys
try:
    fd = os.memfd_create("barco", os.MFD_ALLOW_SEALING | 0x10)  # MFD_EXEC
except OSError:
    fd = os.memfd_create("barco", os.MFD_ALLOW_SEALING)
with open(sys.argv[1], "rb") as f:
    data = f.read()
off = 0
while off < len(data):
    off += os.write(fd, data[off:])
fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK |
            fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE)
os.set_inheritable(fd, True)
args = [a.replace("@EXE@", "/proc/self/fd/%d" % fd) for a in sys.argv[2:]]
os.execvp(args[0], args)
'

# valgrind maps a PIE main program at 0x108000 (amd64): a memfd frame's file address is the
# difference.  Best effort: a frame that does not resolve stays as it was.
symbolize() {
	local line addr sym
	while IFS= read -r line; do
		if [[ $line =~ (0x[0-9A-Fa-f]+):\ \?\?\?\ \(in\ /memfd:barco ]]; then
			addr=${BASH_REMATCH[1]}
			sym=$(addr2line -f -i -p -e "$barco" "$(printf '0x%x' $((addr - 0x108000)))" 2>/dev/null |
				head -n 1)
			[ -n "$sym" ] && [[ $sym != \?\?* ]] && line="${line%%: ???*}: $sym"
		fi
		printf '%s\n' "$line"
	done
}

n=0 passed=0 failed=0

# run_case NAME WANT_RC REGEX [--sealed] ARGS...: barco ARGS under memcheck; REGEX must match its
# stdout or stderr (so that a case failing for another reason than the one meant cannot pass);
# an empty REGEX for a command that prints nothing.
run_case() {
	local name=$1 want=$2 regex=$3 rc=0 pid log why=
	local cmd=("${vg[@]}" --log-file="$tmp/vg.%p")
	shift 3
	if [ "$1" = --sealed ]; then
		shift
		cmd=(python3 -c "$sealed_py" "$barco" "${cmd[@]}" @EXE@)
	else
		cmd+=("$barco")
	fi
	n=$((n + 1))
	"${cmd[@]}" --root "$root" "$@" >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	wait "$pid" || rc=$?
	log=$tmp/vg.$pid
	if [ ! -s "$log" ]; then
		why="valgrind wrote no log (exit $rc)"
	elif [ "$rc" -eq 99 ] || ! grep -q 'ERROR SUMMARY: 0 errors' "$log"; then
		why="memcheck: $(grep -o 'ERROR SUMMARY: .*' "$log" | tail -n 1 || true)"
	elif [ "$rc" -ne "$want" ]; then
		why="exit $rc, expected $want"
	elif [ -n "$regex" ] && ! grep -Eq -- "$regex" "$tmp/out" "$tmp/err"; then
		why="output does not match /$regex/"
	fi
	if [ -z "$why" ]; then
		echo "ok $n - $name"
		passed=$((passed + 1))
	else
		echo "not ok $n - $name: $why"
		echo "# command: barco --root ROOT $*"
		sed -e 's/^/# stdout: /' "$tmp/out" | head -n 20
		sed -e 's/^/# stderr: /' "$tmp/err" | head -n 20
		[ -f "$log" ] && sed -n -e '/^==[0-9]*== Command:/,$p' "$log" | symbolize | sed -e 's/^/# /'
		failed=$((failed + 1))
	fi
	rm -f "$log"
}

# native BARCO_ARGS...: set-up steps, without valgrind; a failure ends the script.
native() {
	"$barco" --root "$root" "$@" >/dev/null || die "set-up step failed: barco $*"
}

# ---- bundles: the demo bundle, and variants of its config.json sharing its rootfs ----
sh "$here/../bats/mkdemo.sh" "$barco" "$tmp/bundle" >/dev/null ||
	die "mkdemo.sh failed to build the demo bundle"
variant() { # variant NAME JQ_FILTER
	mkdir -p "$tmp/$1"
	jq --arg rootfs "$tmp/bundle/rootfs" ".root.path = \$rootfs | $2" \
		"$tmp/bundle/config.json" >"$tmp/$1/config.json"
}
# What the container's init can do under valgrind (see the top of the file).
variant vgok 'del(.linux.seccomp) | .process.rlimits |= map(select(.type != "RLIMIT_NOFILE"))'
variant badns '.linux.namespaces += [{"type": "bogus"}]'
variant badseccomp '.linux.seccomp.defaultAction = "SCMP_ACT_BOGUS"'
variant badmount 'del(.linux.seccomp) | .process.rlimits |= map(select(.type != "RLIMIT_NOFILE"))
	| .mounts += [{"destination": "/mnt/x", "type": "bind", "source": "/nonexistent/src",
		"options": ["bind"]}]'
mkdir -p "$tmp/syntax" "$tmp/spec" "$tmp/spec-rootless"
printf '{"ociVersion": "1.0.2", "process": {' >"$tmp/syntax/config.json"

# ---- commands without a container ----
run_case "spec" 0 '' spec -b "$tmp/spec"
grep -q '"ociVersion"' "$tmp/spec/config.json" || die "spec wrote no config.json"
run_case "spec --rootless" 0 '' spec --rootless -b "$tmp/spec-rootless"
grep -q '"user"' "$tmp/spec-rootless/config.json" || die "spec --rootless wrote no user namespace"
run_case "--version" 0 'barco version' --version
run_case "--help" 0 '^Usage: barco' --help
run_case "create --help" 0 'bundle' create --help
run_case "unknown command" 1 'unknown command' no-such-command
run_case "features" 0 '"ociVersionMin"' features
run_case "list (empty)" 0 '^ID +PID +STATUS' list
run_case "state of a missing container" 1 'container does not exist' state nope
run_case "kill of a missing container" 1 'container does not exist' kill nope KILL
run_case "delete of a missing container" 1 'container does not exist' delete nope
run_case "delete -f of a missing container" 0 '' delete -f nope

# ---- two containers, created natively ----
native --cgroup-manager=disabled create -b "$tmp/bundle" vg-c1
native --cgroup-manager=disabled create -b "$tmp/bundle" vg-c2
run_case "state of a created container" 0 '"status": "created"' state vg-c1
run_case "list (2 containers)" 0 'vg-c2 +[0-9]+ +created' list
run_case "list -f json" 0 '"id": ?"vg-c1"' list -f json
run_case "list -q" 0 '^vg-c2$' list -q
run_case "ps of a created container" 0 '^UID +PID' ps vg-c1

# ---- create, the runtime's side (from a sealed copy, as the re-executed barco) ----
run_case "create: missing bundle" 1 'bundle .*/nonexistent' \
	--sealed --cgroup-manager=disabled create -b "$tmp/nonexistent" vg-x
run_case "create: syntax error in config.json" 1 'config.json' \
	--sealed --cgroup-manager=disabled create -b "$tmp/syntax" vg-x
run_case "create: unknown namespace type" 1 'unknown namespace type "bogus"' \
	--sealed --cgroup-manager=disabled create -b "$tmp/badns" vg-x
run_case "create: unknown seccomp action" 1 'unknown seccomp action "SCMP_ACT_BOGUS"' \
	--sealed --cgroup-manager=disabled create -b "$tmp/badseccomp" vg-x
run_case "create: existing ID" 1 'already exists' \
	--sealed --cgroup-manager=disabled create -b "$tmp/vgok" vg-c1
run_case "create: the init fails (bind mount of a missing source)" 1 '/nonexistent/src' \
	--sealed --cgroup-manager=disabled create -b "$tmp/badmount" vg-x
[ ! -e "$root/vg-x" ] || die "a failed create left its state entry $root/vg-x"
run_case "create" 0 '' --sealed --cgroup-manager=disabled create -b "$tmp/vgok" vg-c3
run_case "state of the container created under valgrind" 0 '"id": "vg-c3"' state vg-c3

# ---- delete ----
# kill, and delete of a container with a readable state, open a pidfd for the init first:
# valgrind 3.19 has no wrapper for pidfd_open (ENOSYS), so those paths cannot run under it
# (tests/asan-bats.sh runs them under LeakSanitizer).  delete -f of an entry whose state.json
# is damaged only warns when the pidfd fails, and removes the entry: the init is then stopped
# here, by its pid.
native --cgroup-manager=disabled create -b "$tmp/bundle" vg-c4
pid=$("$barco" --root "$root" state vg-c4 | jq -r .pid)
printf 'garbage' >"$root/vg-c4/state.json"
run_case "delete -f of a container with a damaged state.json" 0 'vg-c4' delete -f vg-c4
kill -KILL "$pid" 2>/dev/null || true
[ ! -e "$root/vg-c4" ] || die "delete -f left the entry $root/vg-c4"

# The containers made above, deleted natively; nothing may be left.
for id in vg-c1 vg-c2 vg-c3; do
	native delete -f "$id"
done
left=$("$barco" --root "$root" list -q)
[ -z "$left" ] || die "containers left after delete -f: $left"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]

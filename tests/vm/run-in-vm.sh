#!/bin/bash
# Run a command as root inside a throw-away qemu VM whose only cgroup hierarchy is cgroup v2.
#
# Usage: run-in-vm.sh [--timeout SECS] [--mem MB] [--cpus N] [--accel auto|tcg|kvm]
#                     [--env NAME]... [--verbose] -- CMD [ARGS...]
#
# The guest boots Debian's newest kernel from /boot with cgroup_no_v1=all, mounts the host's / read-only
# over 9p, puts a tmpfs overlay on top of it (so every path is writable and every host file, /tmp
# included, stays visible; writes vanish with the VM), mounts fresh tmpfs on /run, /var/tmp, /dev/shm,
# cgroup2 on /sys/fs/cgroup, then runs CMD in the caller's cwd with PATH, BARCO, HOME, LANG, TERM and
# every --env NAME copied from the caller. CMD's stdout and stderr both stream to this script's
# stdout (the guest has one console). The exit status is CMD's; 124 = timeout, 125 = the VM failed
# (no exit marker: kernel panic, boot failure, qemu error), with the console's tail on stderr.
#
# Needs (Debian): qemu-system-x86 linux-image-amd64 busybox-static.
# Acceleration: TCG by default on machines where /dev/kvm is missing or unusable; with --accel auto
# (the default) and a usable /dev/kvm, a 5-second probe boot decides (guests hang on some hosts'
# KVM, so KVM is used only if the probe prints its marker in time).
# BARCO_VM_LOG=FILE keeps the raw console log; BARCO_VM_TIMES=1 prints the timings (as --verbose).
# BARCO_VM_APPEND='ARGS' adds kernel arguments (e.g. 'loglevel=7' to see the boot messages in the log).
# BARCO_VM_CPU=MODEL overrides qemu's -cpu (default max; KVM uses host).
# BARCO_VM_KERNEL=/boot/vmlinuz-X overrides the kernel choice (its modules must be in
# /lib/modules/X).
set -u

prog=run-in-vm.sh
timeout_s=600
mem=1024
cpus=
accel=${BARCO_VM_ACCEL:-auto}
verbose=0
extra_env=()

die() {
	echo "$prog: $*" >&2
	exit 125
}
usage() {
	sed -n '4,5s/^# \{0,1\}//p' "$0" >&2
	exit 125
}

while [ $# -gt 0 ]; do
	case $1 in
	--timeout) timeout_s=${2:?}; shift 2 ;;
	--mem) mem=${2:?}; shift 2 ;;
	--cpus) cpus=${2:?}; shift 2 ;;
	--accel) accel=${2:?}; shift 2 ;;
	--env) extra_env+=("${2:?}"); shift 2 ;;
	-v | --verbose) verbose=1; shift ;;
	--) shift; break ;;
	-h | --help) usage ;;
	*) echo "$prog: unknown option '$1'" >&2; usage ;;
	esac
done
[ $# -gt 0 ] || usage
case $timeout_s in '' | *[!0-9]*) die "--timeout wants whole seconds, got '$timeout_s'" ;; esac
case $mem in '' | *[!0-9]*) die "--mem wants megabytes, got '$mem'" ;; esac
case $accel in auto | tcg | kvm) ;; *) die "--accel wants auto, tcg or kvm, got '$accel'" ;; esac
if [ -z "$cpus" ]; then
	cpus=$(nproc 2>/dev/null || echo 1)
	[ "$cpus" -gt 4 ] && cpus=4
fi
[ "$(id -u)" = 0 ] || echo "$prog: warning: not root; qemu may be unable to read every host file over 9p" >&2

qemu=$(command -v qemu-system-x86_64) || die "qemu-system-x86_64 not found: apt-get install qemu-system-x86"
command -v timeout >/dev/null || die "timeout(1) not found (coreutils)"
command -v cpio >/dev/null || die "cpio not found: apt-get install cpio"

# --- kernel and modules ------------------------------------------------------------------------
if [ -n "${BARCO_VM_KERNEL:-}" ]; then
	kernel=$BARCO_VM_KERNEL
else
	kernel=$(printf '%s\n' /boot/vmlinuz-* | sort -V | tail -n 1)
	[ "$kernel" = '/boot/vmlinuz-*' ] && kernel=
fi
if [ -z "$kernel" ] || [ ! -r "$kernel" ]; then
	die "no readable kernel /boot/vmlinuz-*: apt-get install linux-image-amd64"
fi
kver=${kernel##*/vmlinuz-}
moddir=/lib/modules/$kver
[ -r "$moddir/modules.dep" ] || die "$moddir/modules.dep missing: the modules of $kernel are not installed"

busybox=
for c in /bin/busybox /usr/bin/busybox; do
	if [ -x "$c" ] && ! ldd "$c" >/dev/null 2>&1; then busybox=$c; break; fi
done
[ -n "$busybox" ] || die "a static busybox is needed: apt-get install busybox-static"

tmp=$(mktemp -d /tmp/barco-vm.XXXXXX) || die "mktemp failed"
cleanup() {
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Modules the guest needs, in dependency order (deps first), resolved from modules.dep so that other
# kernel versions (other dependency sets, compressed .ko.xz/.ko.zst) work too. A module that is
# built in has no modules.dep line and is skipped.
wanted="virtio_pci 9pnet_virtio 9p overlay"
declare -A seen=()
modlist=()
add_mod() { # $1 = path relative to $moddir
	local rel=$1 line deps i
	[ -n "${seen[$rel]:-}" ] && return 0
	seen[$rel]=1
	line=$(grep -m1 -E "^$(printf '%s' "$rel" | sed 's/[.[\*^$]/\\&/g'):" "$moddir/modules.dep") || return 0
	read -r -a deps <<<"${line#*:}"
	# modules.dep lists the deps so that the last one has to be loaded first
	for ((i = ${#deps[@]} - 1; i >= 0; i--)); do add_mod "${deps[$i]}"; done
	modlist+=("$rel")
}
for m in $wanted; do
	rel=$(grep -m1 -E "(^|/)${m}\.ko(\.[a-z]+)?:" "$moddir/modules.dep" | cut -d: -f1)
	if [ -z "$rel" ]; then
		mname=$(echo "$m" | tr - _)
		grep -qE "/${mname}\.ko" "$moddir/modules.builtin" 2>/dev/null ||
			die "module $m is neither in $moddir/modules.dep nor built in"
		continue
	fi
	add_mod "$rel"
done

ird=$tmp/initramfs
mkdir -p "$ird/bin" "$ird/mod" "$ird/proc" "$ird/sys" "$ird/dev" "$ird/newroot" "$ird/lower" "$ird/upper" ||
	die "cannot create $ird"
cp "$busybox" "$ird/bin/busybox" || die "cannot copy $busybox"
n=0
: >"$ird/mod/order"
for rel in "${modlist[@]}"; do
	n=$((n + 1))
	base=$(basename "$rel")
	out=$ird/mod/$(printf '%02d' "$n")-${base%%.ko*}.ko
	case $rel in
	*.ko) cp "$moddir/$rel" "$out" ;;
	*.ko.xz) xz -dc "$moddir/$rel" >"$out" ;;
	*.ko.zst) zstd -qdc "$moddir/$rel" >"$out" ;;
	*.ko.gz) gzip -dc "$moddir/$rel" >"$out" ;;
	*) die "unknown module format: $moddir/$rel" ;;
	esac || die "cannot unpack $moddir/$rel (xz/zstd/gzip installed?)"
	echo "${out#"$ird"}" >>"$ird/mod/order"
done

# --- the command, as a script run by the guest after switch_root ---------------------------------
{
	echo "cd $(printf '%q' "$PWD") 2>/dev/null || cd /"
	for v in PATH BARCO HOME LANG TERM "${extra_env[@]}"; do
		case $v in '' | *[!A-Za-z0-9_]* | [0-9]*) die "bad variable name for --env: '$v'" ;; esac
		if [ -n "${!v+set}" ]; then echo "export $v=$(printf '%q' "${!v}")"; fi
	done
	printf 'exec'
	printf ' %q' "$@"
	printf '\n'
} >"$ird/cmd.sh" || die "cannot write $ird/cmd.sh"
# %q may emit bash-only quoting ($'...'); the script is run by bash when the host has it.
shell=/bin/bash
[ -x "$shell" ] || shell=/bin/sh

# stage 1: /init in the initramfs
cat >"$ird/init" <<'EOF'
#!/bin/busybox sh
export PATH=/bin
/bin/busybox --install -s /bin
fail() {
	echo "BARCO-VM-FAIL: $*"
	echo "BARCO-VM-EXIT=125"
	reboot -f
	sleep 10
}
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
if grep -q barco_vm.probe /proc/cmdline; then
	echo "BARCO-VM-EXIT=0"
	reboot -f
fi
while read -r m; do
	insmod "$m" || fail "insmod $m failed"
done </mod/order
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose root /lower || fail "mounting the host root over 9p failed"
mount -t tmpfs -o mode=0755 tmpfs /upper || fail "tmpfs on /upper failed"
mkdir -p /upper/data /upper/work
if ! mount -t overlay -o lowerdir=/lower,upperdir=/upper/data,workdir=/upper/work overlay /newroot 2>/dev/null; then
	echo "BARCO-VM-WARN: overlay on 9p failed: root is read-only 9p with tmpfs on /tmp, /run, /var/tmp"
	mount --bind /lower /newroot || fail "bind-mounting the 9p root failed"
	mount -t tmpfs -o mode=1777 tmpfs /newroot/tmp || fail "tmpfs on /tmp failed"
fi
mount -t tmpfs -o mode=0755 tmpfs /newroot/run || fail "tmpfs on /run failed"
mount -t tmpfs -o mode=1777 tmpfs /newroot/var/tmp || fail "tmpfs on /var/tmp failed"
mkdir -p /newroot/run/barco-vm /newroot/run/lock
cp /cmd.sh /stage2 /bin/busybox /newroot/run/barco-vm/ || fail "copying the guest scripts failed"
for d in proc sys dev; do
	mount --move /$d /newroot/$d || fail "moving /$d failed"
done
exec switch_root /newroot /run/barco-vm/busybox sh /run/barco-vm/stage2
fail "switch_root failed"
EOF

# stage 2: runs in the switched root
cat >"$ird/stage2" <<EOF
bb=/run/barco-vm/busybox
\$bb mkdir -p /dev/pts /dev/shm
\$bb mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts /dev/pts
\$bb mount -t tmpfs -o mode=1777 tmpfs /dev/shm
\$bb mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup || \$bb echo "BARCO-VM-WARN: mounting cgroup2 failed"
\$bb mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
\$bb hostname barco-vm
\$bb ln -sf /proc/self/fd /dev/fd 2>/dev/null
\$bb ln -sf /proc/self/fd/0 /dev/stdin 2>/dev/null
\$bb ln -sf /proc/self/fd/1 /dev/stdout 2>/dev/null
\$bb ln -sf /proc/self/fd/2 /dev/stderr 2>/dev/null
\$bb echo "BARCO-VM-START uptime=\$(\$bb cut -d' ' -f1 /proc/uptime)"
$shell /run/barco-vm/cmd.sh </dev/null
rc=\$?
\$bb sync
\$bb echo "BARCO-VM-END uptime=\$(\$bb cut -d' ' -f1 /proc/uptime)"
\$bb echo "BARCO-VM-EXIT=\$rc"
\$bb reboot -f
\$bb sleep 10
EOF
chmod 0755 "$ird/init" "$ird/stage2" "$ird/cmd.sh"
(cd "$ird" && find . | cpio -o -H newc --quiet) >"$tmp/initrd.cpio" || die "building the initramfs failed"

# --- qemu ---------------------------------------------------------------------------------------
# mitigations=off: a throw-away test guest; under TCG the retpolines and RSB filling cost about
# a fifth of every fork/exec.
cmdline="console=ttyS0 quiet loglevel=1 panic=-1 oops=panic mitigations=off cgroup_no_v1=all systemd.unified_cgroup_hierarchy=1 rdinit=/init ${BARCO_VM_APPEND:-}"
qemu_args=(-nodefaults -no-user-config -nographic -no-reboot -m "$mem" -smp "$cpus" -cpu "${BARCO_VM_CPU:-max}"
	-kernel "$kernel" -initrd "$tmp/initrd.cpio"
	-chardev stdio,id=con,signal=off -serial chardev:con
	-fsdev local,id=rootfs,path=/,security_model=none,readonly=on,multidevs=remap
	-device virtio-9p-pci,fsdev=rootfs,mount_tag=root
	-nic none)

kvm_usable() {
	[ -e /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] || return 1
	local out
	out=$(timeout -k 1 5 "$qemu" "${qemu_args[@]}" -accel kvm -cpu host -append "$cmdline barco_vm.probe=1" \
		</dev/null 2>&1)
	case $out in *BARCO-VM-EXIT=0*) return 0 ;; esac
	return 1
}
case $accel in
tcg) accel_args=(-accel tcg,thread=multi) ;;
kvm) accel_args=(-accel kvm -cpu host) ;;
auto)
	if kvm_usable; then
		accel_args=(-accel kvm -cpu host)
	else
		[ -e /dev/kvm ] && [ "$verbose" = 1 ] && echo "$prog: KVM probe boot failed, using TCG" >&2
		accel_args=(-accel tcg,thread=multi)
	fi
	;;
esac
[ "$verbose" = 1 ] && echo "$prog: kernel $kernel, ${#modlist[@]} modules, ${accel_args[*]}, ${mem} MB, $cpus cpus" >&2

# The console goes to a log; filter() streams the part between the start and end markers to stdout
# (CR stripped, markers dropped) and records the exit status and the guest's uptimes. (A shell loop,
# not awk: mawk reads a pipe in big blocks and would hold the output back until the VM ends.)
filter() {
	local l started=0 ended=0 done=0
	while IFS= read -r l || [ -n "$l" ]; do
		l=${l%$'\r'}
		[ "$done" = 1 ] && continue
		case $l in
		*BARCO-VM-START\ uptime=*)
			started=1
			echo "start ${l##*uptime=}" >>"$res"
			echo "hoststart $(date +%s%N)" >>"$res"
			;;
		*BARCO-VM-END\ uptime=*)
			# output that did not end in a newline shares the line with the marker
			[ "$started" = 1 ] && [ -n "${l%%BARCO-VM-END*}" ] && printf '%s\n' "${l%%BARCO-VM-END*}"
			ended=1
			echo "end ${l##*uptime=}" >>"$res"
			;;
		*BARCO-VM-EXIT=*) done=1; echo "exit ${l##*BARCO-VM-EXIT=}" >>"$res" ;;
		*BARCO-VM-FAIL:* | *BARCO-VM-WARN:*) echo "guest: ${l#*BARCO-VM-}" >&2 ;;
		*) if [ "$started" = 1 ] && [ "$ended" = 0 ]; then printf '%s\n' "$l"; fi ;;
		esac
	done
}
log=$tmp/console.log
res=$tmp/result
: >"$res"
start_ns=$(date +%s%N)
timeout -k 5 "$timeout_s" "$qemu" "${qemu_args[@]}" "${accel_args[@]}" -append "$cmdline" \
	</dev/null 2>"$tmp/qemu.err" | tee "$log" | filter
qrc=${PIPESTATUS[0]}
[ -n "${BARCO_VM_LOG:-}" ] && cp "$log" "$BARCO_VM_LOG"
end_ns=$(date +%s%N)
total=$(awk -v a="$start_ns" -v b="$end_ns" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')

rc=$(sed -n 's/^exit //p' "$res" 2>/dev/null)
boot=$(sed -n 's/^start //p' "$res" 2>/dev/null)
cmdend=$(sed -n 's/^end //p' "$res" 2>/dev/null)
if [ -z "$rc" ]; then
	if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
		what="timed out after ${timeout_s}s"
		status=124
	elif grep -q 'Kernel panic' "$log" 2>/dev/null; then
		what="the guest kernel panicked"
		status=125
	elif [ -n "$boot" ]; then
		what="the guest died while running the command (no exit marker, qemu status $qrc)"
		status=125
	else
		what="the guest did not reach the command (qemu status $qrc)"
		status=125
	fi
	{
		echo "$prog: FAILED: $what; total ${total}s"
		if [ -s "$tmp/qemu.err" ]; then
			echo "--- qemu stderr:"
			tail -n 20 "$tmp/qemu.err"
		fi
		echo "--- last console lines:"
		tr -d '\r' <"$log" | grep -v '^BARCO-VM-' | tail -n 40
	} >&2
	exit "$status"
fi
if [ "$verbose" = 1 ] || [ -n "${BARCO_VM_TIMES:-}" ]; then
	hoststart=$(sed -n 's/^hoststart //p' "$res")
	cmdtime=$(awk -v a="$boot" -v b="$cmdend" 'BEGIN { printf "%.1f", b - a }')
	hostboot=$(awk -v a="$start_ns" -v b="$hoststart" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
	echo "$prog: qemu start to command ${hostboot}s (guest uptime ${boot}s), command ${cmdtime}s," \
		"total ${total}s, exit $rc" >&2
fi
exit "$rc"

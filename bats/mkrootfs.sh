#!/bin/sh
# Build a minimal busybox root filesystem in DIR from Debian's busybox-static (no downloads).
# Usage: mkrootfs.sh DIR
set -eu
dir=${1:?usage: mkrootfs.sh DIR}
bb=
for c in /bin/busybox /usr/bin/busybox; do
	if [ -x "$c" ] && ! ldd "$c" >/dev/null 2>&1; then bb=$c; break; fi
done
if [ -z "$bb" ]; then
	echo "mkrootfs.sh: a static busybox is needed: install the Debian package busybox-static" >&2
	exit 1
fi
mkdir -p "$dir/bin" "$dir/sbin" "$dir/usr/bin" "$dir/usr/sbin" "$dir/etc" "$dir/proc" \
	"$dir/sys" "$dir/dev" "$dir/tmp" "$dir/root" "$dir/home"
cp "$bb" "$dir/bin/busybox"
for app in $("$bb" --list); do
	[ "$app" = busybox ] && continue
	[ -e "$dir/bin/$app" ] || ln -s busybox "$dir/bin/$app"
done
chmod 1777 "$dir/tmp"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\nuser:x:1000:1000:user:/home/user:/bin/sh\n' >"$dir/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\nuser:x:1000:\n' >"$dir/etc/group"
echo barco >"$dir/etc/hostname"

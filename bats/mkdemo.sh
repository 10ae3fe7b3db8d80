#!/bin/sh
# Assemble the demo bundle: a busybox rootfs and `barco spec`'s config, set to print a greeting.
# Usage: mkdemo.sh BARCO DIR
set -eu
barco=${1:?usage: mkdemo.sh BARCO DIR}
dir=${2:?usage: mkdemo.sh BARCO DIR}
here=$(dirname "$0")
rm -rf "$dir"
"$here/mkrootfs.sh" "$dir/rootfs"
"$barco" spec -b "$dir"
# Non-interactive: the demo runs from a script as well as from a terminal.
sed -i -e 's/"terminal": true/"terminal": false/' \
	-e 's#^\( *\)"sh"$#\1"sh",\n\1"-c",\n\1"echo Hello from barco: I am pid $$ in $(hostname), as uid $(id -u); ls /"#' \
	"$dir/config.json"

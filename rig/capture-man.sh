#!/usr/bin/env bash
# Renders the man pages another engineer needs for per-version feature and
# property rules (zpool-create, zpoolprops, zfsprops, zpool-features,
# zpool-status, zpool-list) from the recipe's zfsutils-linux .deb, on the
# host (the guests carry no man pages):
#
#   rig/capture-man.sh 2.4 fixtures/zfs/2.4.4
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -eq 2 ] || { echo "usage: rig/capture-man.sh LINE OUTDIR" >&2; exit 2; }
export ZLAB_RIG_ZFS=$1
out=$2
. "$here/lib.sh"
rig_recipe
rig_apt_setup
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && rig_apt_get download -qq "zfsutils-linux=$ZFS_VERSION")
dpkg-deb -x "$work"/zfsutils-linux_*.deb "$work/pkg"
mkdir -p "$out/man"
for page in man8/zpool-create.8 man7/zpoolprops.7 man7/zfsprops.7 man7/zpool-features.7 \
  man8/zpool-status.8 man8/zpool-list.8 man8/zpool-iostat.8 man7/vdevprops.7 man7/zpoolconcepts.7; do
  src=$(ls "$work/pkg/usr/share/man/$page"* 2>/dev/null | head -n 1) || true
  [ -n "$src" ] || { echo "capture-man.sh: $page not in zfsutils-linux $ZFS_VERSION" >&2; continue; }
  MANWIDTH=100 MAN_KEEP_FORMATTING=0 man -l "$src" 2>/dev/null | col -bx > "$out/man/$(basename "$page").txt"
done
echo "capture-man.sh: $(ls "$out/man" | wc -l) pages in $out/man" >&2

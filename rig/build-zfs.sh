#!/usr/bin/env bash
# Builds the recipe's OpenZFS kernel modules for its guest kernel, once, into
# the rig cache (never the host's /lib/modules: only one zfs-dkms can be
# installed there, and the rig needs one per line). Source: the recipe's
# zfs-dkms .deb, downloaded and unpacked, configured and built as DKMS would.
# Prints the directory holding the .ko files as its last line.
#
#   ZLAB_RIG_ZFS     the OpenZFS line (see lib.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
rig_recipe

out="$rig_cache/zfs/$ZFS_VERSION-$GUEST_KERNEL"
if compgen -G "$out/zfs.ko" >/dev/null; then
  echo "$out"
  exit 0
fi
# A host that ran the single-version rig has this line's module from DKMS
# already (zfs-dkms installed by apt): the same source and kernel, so reuse it.
dkms_dir="/lib/modules/$GUEST_KERNEL/updates/dkms"
if [ -f "$dkms_dir/zfs.ko" ] && [ "$(modinfo -F version "$dkms_dir/zfs.ko" 2>/dev/null)" = "$ZFS_VERSION" ]; then
  mkdir -p "$out.tmp"
  cp "$dkms_dir"/*.ko "$out.tmp/"
  echo "taken from DKMS ($dkms_dir)" > "$out.tmp/build-time"
  rm -rf "$out"
  mv "$out.tmp" "$out"
  echo "rig: OpenZFS $ZFS_VERSION for $GUEST_KERNEL taken from $dkms_dir" >&2
  echo "$out"
  exit 0
fi
rig_apt_setup
echo "rig: building OpenZFS $ZFS_VERSION for $GUEST_KERNEL ($ZFS_BUILD; several minutes)" >&2
started=$SECONDS
mkdir -p "$rig_cache/zfs"
work=$(mktemp -d "$rig_cache/zfs/.build.XXXXXX")
mounted=()
cleanup() {
  local m
  for m in "${mounted[@]}"; do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

(cd "$work" && rig_apt_get download -qq "zfs-dkms=$ZFS_VERSION") >&2
dpkg-deb -x "$work"/zfs-dkms_*.deb "$work/pkg"
src=$(echo "$work"/pkg/usr/src/zfs-*)
[ -f "$src/configure" ] || { echo "rig: no configure script in the zfs-dkms package" >&2; exit 1; }

# Debian's dkms.conf for zfs runs exactly this configure: kernel parts only.
build_script='set -e
cd "$1"
./configure --with-config=kernel --with-linux="/lib/modules/$2/source" --with-linux-obj="/lib/modules/$2/build" >configure.log 2>&1 || { tail -n 30 configure.log; exit 1; }
make -j"$(nproc)" -s >make.log 2>&1 || { tail -n 30 make.log; exit 1; }'

case "$ZFS_BUILD" in
  host)
    [ -d "/lib/modules/$GUEST_KERNEL/build" ] || {
      echo "rig: linux-headers-$GUEST_KERNEL is not installed (rig/host-setup.sh installs it)" >&2
      exit 1
    }
    bash -c "$build_script" build "$src" "$GUEST_KERNEL" >&2
    ;;
  chroot)
    # The guest release's own compiler and headers: its kernel was built with
    # them, and this host's older gcc does not know all of its flags.
    chroot_dir="$rig_cache/chroot/$GUEST_SUITE-$GUEST_KERNEL"
    if [ ! -x "$chroot_dir/usr/bin/make" ]; then
      command -v mmdebstrap >/dev/null || { echo "rig: mmdebstrap is missing (rig/host-setup.sh installs it)" >&2; exit 1; }
      echo "rig: creating a $GUEST_SUITE chroot with gcc and linux-headers-$GUEST_KERNEL" >&2
      rm -rf "$chroot_dir.tmp"
      mkdir -p "$(dirname "$chroot_dir")"
      mmdebstrap --quiet --variant=apt --include="build-essential,linux-headers-$GUEST_KERNEL" \
        "$GUEST_SUITE" "$chroot_dir.tmp" \
        "deb http://deb.debian.org/debian $GUEST_SUITE main" \
        "deb http://deb.debian.org/debian-security $GUEST_SUITE-security main" >&2
      rm -rf "$chroot_dir"
      mv "$chroot_dir.tmp" "$chroot_dir"
    fi
    rm -rf "$chroot_dir/build"
    cp -a "$src" "$chroot_dir/build"
    mount -t proc proc "$chroot_dir/proc" && mounted+=("$chroot_dir/proc")
    mount --bind /dev "$chroot_dir/dev" && mounted+=("$chroot_dir/dev")
    chroot "$chroot_dir" /bin/bash -c "$build_script" build /build "$GUEST_KERNEL" >&2
    src="$chroot_dir/build"
    ;;
  *) echo "rig: ZFS_BUILD must be host or chroot, not $ZFS_BUILD" >&2; exit 1 ;;
esac

# 2.1 still has zavl, znvpair, icp… beside spl and zfs; 2.2+ only spl and zfs.
stage="$work/out"
mkdir -p "$stage"
find "$src/module" -name '*.ko' -exec cp {} "$stage/" \;
# Without debug info, as DKMS strips them: zfs.ko shrinks from ~100 MB to ~5 MB.
strip --strip-debug "$stage"/*.ko
[ "${ZFS_BUILD}" = chroot ] && rm -rf "$chroot_dir/build"
echo "built in $((SECONDS - started)) s" > "$stage/build-time"
rm -rf "$out"
mv "$stage" "$out"
echo "rig: OpenZFS $ZFS_VERSION for $GUEST_KERNEL built in $((SECONDS - started)) s" >&2
echo "$out"

#!/usr/bin/env bash
# Builds the rig's guest for one OpenZFS line once and caches it: the recipe's
# Debian kernel and a RAM-only initramfs with its OpenZFS (module from
# build-zfs.sh), util-linux, parted, brd and friends. Prints the cache
# directory as its last line.
#
#   ZLAB_RIG_ZFS     the OpenZFS line: 2.1, 2.3 or 2.4 (rig/guest-<line>.conf)
#   ZLAB_RIG_CACHE   where guests are cached (default ~/.cache/zlab/rig)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
rig_recipe

key=$(cat "$recipe" "$here/build-guest.sh" "$here/build-zfs.sh" "$here/lib.sh" "$here/init" | sha256sum | cut -c1-16)
cache=$rig_cache
out="$cache/$key"
if [ -f "$out/initramfs.cpio.lz4" ] && [ -f "$out/vmlinuz" ]; then
  echo "$out"
  exit 0
fi

"$here/host-setup.sh"
started=$SECONDS
zfs_modules=$("$here/build-zfs.sh" | tail -n 1)
rig_apt_setup
echo "rig: building guest $key for OpenZFS $ZFS_VERSION, kernel $GUEST_KERNEL (cold cache)" >&2
mkdir -p "$cache"
work=$(mktemp -d "$cache/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
root="$work/root"
mkdir -p "$work/debs" "$work/kernel" "$root"/{usr/bin,usr/sbin,usr/lib,usr/lib64,etc,proc,sys,dev,tmp,run,mnt,var/tmp,root}
# Debian is usr-merged: keep /bin, /sbin, /lib, /lib64 as links.
for d in bin sbin lib lib64; do ln -s "usr/$d" "$root/$d"; done

# Userland: the packages and everything they depend on, from APT_TARGET first.
cd "$work/debs"
# shellcheck disable=SC2086
deps=$(rig_apt_cache -t "$APT_TARGET" depends --recurse --no-recommends --no-suggests \
  --no-conflicts --no-breaks --no-replaces --no-enhances $GUEST_PACKAGES \
  | grep -v '^ ' | grep -v '^<' | sort -u)
# Not needed in a RAM-only guest and large or problematic to unpack.
deps=$(echo "$deps" | grep -Ev '^(debconf|perl-base|systemd|udev|dpkg|init-system-helpers|libsystemd-shared|python3.*|libpython3.*|debianutils|base-files|sensible-utils|adduser|passwd|login|libpam-runtime)$' || true)
# shellcheck disable=SC2086
rig_apt_get download -t "$APT_TARGET" $deps >/dev/null 2>"$work/download.log" || {
  cat "$work/download.log" >&2
  exit 1
}
got=$(dpkg-deb -f ./zfsutils-linux_*.deb Version)
[ "$got" = "$ZFS_VERSION" ] || { echo "rig: got zfsutils-linux $got, the recipe says $ZFS_VERSION" >&2; exit 1; }
for deb in ./*.deb; do
  dpkg-deb --fsys-tarfile "$deb" | tar -x --keep-directory-symlink -C "$root"
done
rm -rf "$root"/usr/share/{doc,man,info,locale,lintian,bash-completion,zsh}

# Kernel and just the modules the rig uses, with the zfs modules built for it.
rig_apt_get download "linux-image-$GUEST_KERNEL" >/dev/null
dpkg-deb -x ./linux-image-"$GUEST_KERNEL"_*.deb "$work/kernel"
# trixie's kernel package ships its modules under /usr/lib/modules (bookworm's
# under /lib/modules); depmod and modprobe -d look under <base>/lib/modules.
[ -e "$work/kernel/lib" ] || ln -s usr/lib "$work/kernel/lib"
mods="$work/kernel/lib/modules/$GUEST_KERNEL"
mkdir -p "$mods/updates/dkms"
cp "$zfs_modules"/*.ko "$mods/updates/dkms/"
depmod -b "$work/kernel" "$GUEST_KERNEL"
# shellcheck disable=SC2086
for m in $GUEST_MODULES; do
  modprobe -d "$work/kernel" -S "$GUEST_KERNEL" --show-depends "$m"
done | awk '$1 == "insmod" { print $2 }' | sort -u | while read -r path; do
  rel=${path#"$work/kernel"}
  mkdir -p "$root$(dirname "$rel")"
  cp "$path" "$root$rel"
done
cp "$mods"/modules.{order,builtin,builtin.modinfo} "$root/lib/modules/$GUEST_KERNEL/"
depmod -b "$root" "$GUEST_KERNEL"

install -m 0755 "$here/init" "$root/init"
echo "zlab-rig" > "$root/etc/hostname"
printf 'root:x:0:0:root:/root:/bin/bash\n' > "$root/etc/passwd"
printf 'root:x:0:\n' > "$root/etc/group"
ln -sf /proc/mounts "$root/etc/mtab"
# Programs popen() through /bin/sh (parted runs dmidecode that way and crashes
# without one); Debian's dash is not needed, bash serves.
ln -sf bash "$root/usr/bin/sh"
# No udev in the guest, so there is never anything to wait for: parted's calls
# to `udevadm settle` succeed at once.
printf '#!/bin/sh\nexit 0\n' > "$root/usr/bin/udevadm"
chmod +x "$root/usr/bin/udevadm"

stage="$work/out"
mkdir -p "$stage"
cp "$work/kernel/boot/vmlinuz-$GUEST_KERNEL" "$stage/vmlinuz"
# lz4 (legacy format, which the kernel reads): under TCG the kernel unpacks it
# 5-8 s faster than gzip -1.
(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) | lz4 -q -l -1 > "$stage/initramfs.cpio.lz4"
echo "OpenZFS $ZFS_VERSION, kernel $GUEST_KERNEL; guest built in $((SECONDS - started)) s, module $(cat "$zfs_modules/build-time")" > "$stage/recipe"
rm -rf "$out"
mv "$stage" "$out"
echo "rig: guest ready: $(du -sh "$out" | cut -f1) in $out ($((SECONDS - started)) s)" >&2
echo "$out"

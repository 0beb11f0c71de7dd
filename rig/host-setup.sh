#!/usr/bin/env bash
# Installs, once, what building and booting a rig guest needs on a Debian 12
# host: qemu, cpio, busybox, lz4, a compiler and, per the recipe, the guest
# kernel's headers (modules compiled on this host) or mmdebstrap (modules
# compiled in a chroot of the guest's release). OpenZFS itself is not
# installed here: build-zfs.sh builds each line's module into the rig cache.
#
#   ZLAB_RIG_ZFS     the OpenZFS line whose recipe decides (see lib.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
rig_recipe

# The system's apt gets bookworm-backports (this image's qemu-utils comes from
# there); the guests' suites stay in the rig's private apt (lib.sh).
sources=/etc/apt/sources.list.d/zlab-rig.sources
if [ ! -f "$sources" ]; then
  echo "rig: adding Debian contrib and bookworm-backports to apt" >&2
  cat > "$sources" <<SRC
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  apt-get update -qq
fi

wanted=(qemu-system-x86 cpio busybox-static kmod lz4 make gcc binutils)
case "$ZFS_BUILD" in
  host) wanted+=("linux-headers-$GUEST_KERNEL") ;;
  chroot) wanted+=(mmdebstrap) ;;
esac
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "rig: apt-get install ${missing[*]}" >&2
  # Backports first: this image's qemu-utils comes from there and the
  # bookworm qemu-system would conflict with it.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -t bookworm-backports "${missing[@]}" >&2
fi

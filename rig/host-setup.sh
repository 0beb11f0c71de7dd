#!/usr/bin/env bash
# Installs, once, what building and booting the rig guest needs on a Debian 12
# host: qemu, cpio, busybox, and OpenZFS 2.3 from bookworm-backports/contrib built
# by DKMS against the guest kernel's headers (the host kernel loads no modules).
set -euo pipefail
. "$(dirname "$0")/guest.conf"

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

missing=()
for pkg in qemu-system-x86 cpio busybox-static kmod dkms lz4 "linux-headers-$GUEST_KERNEL"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "rig: apt-get install ${missing[*]}" >&2
  # Backports first: this image's qemu-utils comes from there and the
  # bookworm qemu-system would conflict with it.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -t bookworm-backports "${missing[@]}" >&2
fi

if [ ! -f "/lib/modules/$GUEST_KERNEL/updates/dkms/zfs.ko" ] && [ ! -f "/lib/modules/$GUEST_KERNEL/updates/dkms/zfs.ko.xz" ]; then
  echo "rig: building OpenZFS for $GUEST_KERNEL with DKMS (about 4 minutes)" >&2
  if ! dpkg-query -W -f='${Status}' zfs-dkms 2>/dev/null | grep -q "ok installed"; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -t bookworm-backports zfs-dkms >&2 || true
  fi
  version=$(dpkg-query -W -f='${Version}' zfs-dkms | sed 's/-.*//')
  dkms install "zfs/$version" -k "$GUEST_KERNEL" >&2 || true
  ls "/lib/modules/$GUEST_KERNEL/updates/dkms/"zfs.ko* >/dev/null
fi

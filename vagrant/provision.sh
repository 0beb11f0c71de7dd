#!/usr/bin/env bash
# Provisions the Vagrant VM (as root): OpenZFS (Debian: zfs-dkms from
# bookworm-backports/contrib; Ubuntu: the kernel's own module), disk tools,
# Rust, zlab built from /vagrant; then builds $ZLAB_SCENARIO, if set.
#
# Scenarios name the rig's virtual disks /dev/vda, /dev/vdb, …; here they are
# mapped, in order, onto this VM's extra disks (on libvirt /dev/vdb…, on
# VirtualBox /dev/sdb…), into /home/vagrant/zlab-scenario.yaml.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
. /etc/os-release

echo "== OpenZFS and tools ($PRETTY_NAME)"
if [ "$ID" = debian ]; then
  cat > /etc/apt/sources.list.d/zlab.sources <<SRC
Types: deb
URIs: http://deb.debian.org/debian
Suites: $VERSION_CODENAME $VERSION_CODENAME-updates $VERSION_CODENAME-backports
Components: main contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  apt-get update -qq
  apt-get install -y -qq "linux-headers-$(uname -r)" build-essential pkg-config curl ca-certificates parted gdisk
  apt-get install -y -qq -t "$VERSION_CODENAME-backports" zfs-dkms zfsutils-linux
else
  apt-get update -qq
  apt-get install -y -qq zfsutils-linux build-essential pkg-config curl ca-certificates parted gdisk
fi
modprobe zfs
zfs version

echo "== Rust and zlab"
if [ ! -x /root/.cargo/bin/cargo ]; then
  curl -sSf https://sh.rustup.rs | sh -s -- -y -q --profile minimal
fi
(cd /vagrant && /root/.cargo/bin/cargo build --release --locked -q)
install -m 0755 /vagrant/target/release/zlab /usr/local/bin/zlab
zlab --version

[ -n "${ZLAB_SCENARIO:-}" ] || { echo "== no ZLAB_SCENARIO: done"; exit 0; }
echo "== $ZLAB_SCENARIO on this VM's extra disks"
root_disk=$(lsblk -no PKNAME "$(findmnt -no SOURCE /)" | head -n 1)
mapfile -t extra < <(lsblk -dnpo NAME,TYPE | awk -v root="/dev/$root_disk" '$2 == "disk" && $1 != root { print $1 }' | head -n "${ZLAB_DISKS:-4}")
[ ${#extra[@]} -gt 0 ] || { echo "no extra disks found (ZLAB_DISKS=0?)" >&2; exit 1; }
scenario=/home/vagrant/zlab-scenario.yaml
args=() back=()
for i in "${!extra[@]}"; do
  letter=$(printf "\\x$(printf %x $((97 + i)))")
  args+=(-e "s#/dev/vd${letter}\\b#@zlab-disk-$i@#g")
  back+=(-e "s#@zlab-disk-$i@#${extra[$i]}#g")
  echo "   /dev/vd$letter -> ${extra[$i]}"
done
sed "${args[@]}" "/vagrant/$ZLAB_SCENARIO" | sed "${back[@]}" > "$scenario"
cd /vagrant
zlab validate "$scenario"
zlab up --yes "$scenario"
zlab status "$scenario"
echo "== built: vagrant ssh -c 'sudo zlab status $scenario'; tear down with 'sudo zlab down $scenario'"

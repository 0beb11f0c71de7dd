#!/usr/bin/env bash
# Runs a command inside a throw-away qemu guest with real OpenZFS.
#
#   rig/run.sh [--zfs 2.1|2.3|2.4] [--mem MiB] [--cpus N] [--disk SIZE]... [--share DIR] -- COMMAND [ARGS...]
#
# The guest sees DIR (default: the git top level) at the same path as the host,
# so binaries built here run there unchanged; COMMAND runs in the current
# directory. Each --disk adds a sparse virtio disk (/dev/vda, /dev/vdb, …).
# --zfs picks the OpenZFS line's guest (rig/guest-<line>.conf; default
# $ZLAB_RIG_ZFS, else the newest line). The exit status is COMMAND's (125 if
# the guest never reported one).
#   ZLAB_RIG_TIMEOUT  seconds before the guest is killed (default 3000)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

mem=4096 cpus=2 share="" disks=()
while [ $# -gt 0 ]; do
  case "$1" in
    --zfs) export ZLAB_RIG_ZFS=$2; shift 2 ;;
    --mem) mem=$2; shift 2 ;;
    --cpus) cpus=$2; shift 2 ;;
    --disk) disks+=("$2"); shift 2 ;;
    --share) share=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "usage: rig/run.sh [--zfs 2.1|2.3|2.4] [--mem MiB] [--cpus N] [--disk SIZE]... [--share DIR] -- COMMAND [ARGS...]" >&2; exit 2 ;;
  esac
done
[ $# -gt 0 ] || { echo "rig/run.sh: no command given" >&2; exit 2; }
share=$(cd "${share:-$(git rev-parse --show-toplevel)}" && pwd)
case "$PWD/" in "$share"/*) ;; *) echo "rig/run.sh: the current directory must be inside $share" >&2; exit 2 ;; esac

guest=$("$here/build-guest.sh" | tail -n 1)
ctl=$(mktemp -d "$share/.rig-run.XXXXXX")
trap 'rm -rf "$ctl"' EXIT
printf '%q ' "$@" > "$ctl/cmd"
echo >> "$ctl/cmd"
echo "$PWD" > "$ctl/cwd"

drives=()
for i in "${!disks[@]}"; do
  truncate -s "${disks[$i]}" "$ctl/disk$i.raw"
  drives+=(-drive "file=$ctl/disk$i.raw,format=raw,if=none,id=disk$i,cache=unsafe"
    -device "virtio-blk-pci,drive=disk$i,serial=zlab-disk$i")
done

# no_timer_check: on a loaded host TCG is too slow for the kernel's IO-APIC
# timer check, which then panics ("IO-APIC + timer doesn't work").
timeout --foreground -k 10 "${ZLAB_RIG_TIMEOUT:-3000}" \
  qemu-system-x86_64 -accel tcg -cpu max -m "$mem" -smp "$cpus" \
    -kernel "$guest/vmlinuz" -initrd "$guest/initramfs.cpio.lz4" \
    -append "console=ttyS0 quiet panic=-1 no_timer_check zlab.share=$share zlab.ctl=$ctl" \
    -display none -no-reboot -nic none -serial stdio -monitor none \
    -virtfs "local,path=$share,mount_tag=rig,security_model=none,id=rig" \
    "${drives[@]}" </dev/null || true

if [ -f "$ctl/exit" ]; then
  exit "$(cat "$ctl/exit")"
fi
echo "rig/run.sh: the guest reported no exit status" >&2
exit 125

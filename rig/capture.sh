#!/usr/bin/env bash
# Captures what this OpenZFS prints, for fixtures/zfs/<version>/ (see its
# README): pools of every vdev kind, a degraded one, a missing device, a
# resilver and a dRAID rebuild, each read with the commands zlab reads.
# Runs inside the rig guest, as root, on loop devices over tmpfs files:
#
#   rig/run.sh --zfs 2.4 --mem 8192 -- rig/capture.sh fixtures/zfs/2.4.4
#
# A command that fails (`zpool status -j` before 2.3) leaves its stderr in
# NAME.stderr and its status in NAME.exit beside NAME.txt.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: rig/capture.sh OUTDIR" >&2; exit 2; }
out=$1
[ -d /sys/module/zfs ] || { echo "capture.sh: no zfs module: run it in the rig" >&2; exit 2; }
[ -z "$(zpool list -H -o name)" ] || { echo "capture.sh: pools exist already" >&2; exit 2; }
# Everything but man/ (rig/capture-man.sh writes that on the host).
mkdir -p "$out"
find "$out" -mindepth 1 -maxdepth 1 ! -name man -exec rm -rf {} +
work=$(mktemp -d /tmp/capture.XXXXXX)
loops=()
cleanup() {
  local p l
  for p in $(zpool list -H -o name 2>/dev/null); do zpool destroy -f "$p" || true; done
  for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# A fresh loop device over a sparse file of SIZE; its path in $dev.
n=0
new_dev() {
  truncate -s "$1" "$work/d$n.img"
  dev=$(losetup -f --show "$work/d$n.img")
  loops+=("$dev")
  n=$((n + 1))
}
# Detaches loop devices of a destroyed pool and frees their files: /tmp is a
# tmpfs of half the guest's memory, and the resilver and rebuild pools hold data.
gone() {
  local l
  for l in "$@"; do
    rm -f "$(cat "/sys/block/${l#/dev/}/loop/backing_file")"
    losetup -d "$l"
  done
}
devs() {
  local count=$1 size=$2 i
  list=()
  for ((i = 0; i < count; i++)); do new_dev "$size"; list+=("$dev"); done
}

# Runs a command into DIR/NAME.txt (stderr and status beside it if it fails).
cap() {
  local dir=$1 name=$2 status=0
  shift 2
  mkdir -p "$out/$dir"
  "$@" >"$out/$dir/$name.txt" 2>"$out/$dir/$name.stderr" || status=$?
  if [ "$status" -ne 0 ]; then
    echo "$status" > "$out/$dir/$name.exit"
  elif [ ! -s "$out/$dir/$name.stderr" ]; then
    rm -f "$out/$dir/$name.stderr"
  fi
}

# Everything zlab (or a parser of it) reads about one pool, into DIR.
pool_state() {
  local pool=$1 dir=$2
  cap "$dir" zpool-status-P zpool status -P "$pool"
  cap "$dir" zpool-status-jP-json-int zpool status -jP --json-int "$pool"
  cap "$dir" zpool-list-vHP zpool list -vHP "$pool"
  cap "$dir" zpool-list-Hp-o zpool list -Hp -o name,size,alloc,free,cap,frag,health,guid "$pool"
  cap "$dir" zpool-get-Hp-all zpool get -Hp all "$pool"
  cap "$dir" zfs-get-Hp-all zfs get -Hp -r all "$pool"
  cap "$dir" zfs-list-Hp-o zfs list -Hp -r -o name,used,avail,refer "$pool"
  cap "$dir" zpool-iostat-vHp zpool iostat -vHp "$pool"
}

write_data() { # POOL MiB: incompressible enough for ZFS (compression off)
  zfs set compression=off "$1"
  dd if=/dev/zero of="/$1/data" bs=1M count="$2" status=none
  zpool sync "$1"
}

# The release itself.
cap . zfs-version zfs version
cap . sys-module-zfs-version cat /sys/module/zfs/version
cap . zpool-upgrade-v zpool upgrade -v
# Pool names must not start with a vdev kind (mirror, raidz, draid, spare, log).
# With no arguments these print usage and the tables of settable properties
# and their values (exit status 2).
cap . zpool-get-usage zpool get
cap . zfs-get-usage zfs get
cap . zpool-usage zpool
cap . zpool-create-usage zpool create
cap . zpool-status-usage zpool status '-?'
cap . zpool-list-usage zpool list '-?'

# dRAID with special, log, cache and a hot spare beside its distributed spare
# (a 3-way special mirror: zpool refuses less redundancy than draid2's).
devs 10 2G; data=("${list[@]}")
devs 3 1G; special=("${list[@]}")
devs 2 1G; log=("${list[@]}")
new_dev 1G; cache=$dev
new_dev 2G; spare=$dev
zpool create -o ashift=12 tank_draid draid2:4d:10c:1s "${data[@]}" special mirror "${special[@]}" \
  log mirror "${log[@]}" cache "$cache" spare "$spare"
zfs create -o recordsize=1M -o compression=lz4 tank_draid/fs
zfs create -V 64M tank_draid/vol
pool_state tank_draid draid

# raidz2 and raidz1 top-level vdevs (mixed parity needs -f), a single log, a cache.
devs 6 1G; z2=("${list[@]}")
devs 3 1G; z1=("${list[@]}")
new_dev 512M; log=$dev
new_dev 512M; cache=$dev
zpool create -f -o ashift=12 tank_raidz raidz2 "${z2[@]}" raidz1 "${z1[@]}" log "$log" cache "$cache"
pool_state tank_raidz raidz

# Two two-way mirrors and a spare; a three-way mirror at ashift 9.
devs 4 1G; m=("${list[@]}")
new_dev 1G; spare=$dev
zpool create -o ashift=12 tank_mirror mirror "${m[0]}" "${m[1]}" mirror "${m[2]}" "${m[3]}" spare "$spare"
pool_state tank_mirror mirror
devs 3 1G
zpool create -o ashift=9 tank_mirror3 mirror "${list[@]}"
pool_state tank_mirror3 mirror3

# A plain stripe of two devices.
devs 2 1G
zpool create tank_stripe "${list[@]}"
pool_state tank_stripe stripe

# Degraded: one raidz1 member offline (DEGRADED, OFFLINE), one faulted.
devs 4 1G; d=("${list[@]}")
zpool create tank_degraded raidz1 "${d[@]}"
zpool offline tank_degraded "${d[1]}"
pool_state tank_degraded degraded-offline
zpool online tank_degraded "${d[1]}"
zpool wait -t resilver tank_degraded
zpool offline -f tank_degraded "${d[2]}"
pool_state tank_degraded degraded-faulted
zpool destroy tank_degraded
gone "${d[@]}"

# A device missing at import (its file gone): UNAVAIL, pool DEGRADED.
mkdir "$work/files"
for i in 0 1 2; do truncate -s 1G "$work/files/f$i"; done
zpool create tank_missing raidz1 "$work/files/f0" "$work/files/f1" "$work/files/f2"
zpool export tank_missing
rm "$work/files/f2"
zpool import -d "$work/files" tank_missing
pool_state tank_missing missing-device
zpool destroy tank_missing

# Resilver onto a hot spare (spare INUSE), caught while it runs and after.
devs 2 2G; r=("${list[@]}")
new_dev 2G; spare=$dev
zpool create tank_resilver mirror "${r[@]}" spare "$spare"
write_data tank_resilver 384
zpool offline tank_resilver "${r[1]}"
zpool replace tank_resilver "${r[1]}" "$spare"
pool_state tank_resilver resilver-running
zpool wait -t resilver tank_resilver
pool_state tank_resilver resilver-done
zpool destroy tank_resilver
gone "${r[@]}" "$spare"

# A dRAID sequential rebuild onto its distributed spare, while it runs and after.
devs 5 2G
zpool create tank_rebuild draid1:2d:5c:1s "${list[@]}"
write_data tank_rebuild 256
zpool offline tank_rebuild "${list[0]}"
zpool replace tank_rebuild "${list[0]}" draid1-0-0
pool_state tank_rebuild rebuild-running
zpool wait -t resilver tank_rebuild
pool_state tank_rebuild rebuild-done
# dRAID scrubs itself after a sequential rebuild.
zpool wait -t scrub tank_rebuild
pool_state tank_rebuild rebuild-scrubbed
zpool destroy tank_rebuild
gone "${list[@]}"

# A scrubbed pool (scan: scrub repaired …).
devs 2 1G
zpool create tank_scrubbed mirror "${list[@]}"
write_data tank_scrubbed 64
zpool scrub -w tank_scrubbed
pool_state tank_scrubbed scrubbed

# All pools at once, as `zlab status` reads them.
cap all zpool-status-P zpool status -P
cap all zpool-status-jP-json-int zpool status -jP --json-int
cap all zpool-list-vHP zpool list -vHP
cap all zpool-list-Hp-o zpool list -Hp -o name,size,alloc,free,cap,frag,health,guid
cap all zfs-list-Hp-o zfs list -Hp -o name,used,avail,refer
for pool in $(zpool list -H -o name); do zpool destroy "$pool"; done
echo "capture.sh: $(find "$out" -type f | wc -l) files in $out" >&2

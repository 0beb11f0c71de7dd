#!/usr/bin/env bash
# Captures `zpool status -P` (every release) and `zpool status -jP --json-int`
# (2.3+) of the pools the topology readers must read, into OUTDIR (e.g.
# fixtures/zfs/2.3.2/topology): every vdev class, raidz and mirror, a faulted
# device, a dRAID rebuild onto a distributed spare and a resilver onto a hot
# spare (caught while they run where the guest is slow enough, and after).
# Runs inside the rig guest, as root:
#
#   rig/run.sh -- rig/capture-topology.sh fixtures/zfs/2.3.2/topology [draid|raidz|mirror]...
#
# (pool names avoid zpool's reserved prefixes: mirror, raidz, draid, spare, log)
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: rig/capture-topology.sh OUTDIR [PART]..." >&2; exit 2; }
out=$1
shift
parts=${*:-draid raidz mirror}
[ -d /sys/module/zfs ] || { echo "no zfs module: run it in the rig" >&2; exit 2; }
[ -z "$(zpool list -H -o name)" ] || { echo "pools exist already" >&2; exit 2; }
mkdir -p "$out"
work=$(mktemp -d /tmp/capture.XXXXXX)
loops=()
cleanup() {
  for p in $(zpool list -H -o name 2>/dev/null); do zpool destroy -f "$p" || true; done
  for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
n=0
devs() { # COUNT SIZE: loop devices over sparse files, in $list
  list=()
  for ((i = 0; i < $1; i++)); do
    truncate -s "$2" "$work/d$n.img"
    dev=$(losetup -f --show "$work/d$n.img"); loops+=("$dev"); list+=("$dev")
    n=$((n + 1))
  done
}
# NAME POOL: status text and, where the release has it, JSON (its failure kept).
cap() {
  zpool status -P "$2" > "$out/$1.status.txt"
  if zpool status -jP --json-int "$2" > "$out/$1.status.json" 2> "$work/err"; then :; else
    mv "$work/err" "$out/$1.status.json.stderr"; rm -f "$out/$1.status.json"
  fi
}
zfs version > "$out/zfs-version.txt"

draid() {
devs 10 2G; d=("${list[@]}"); devs 2 1G; s=("${list[@]}"); devs 2 1G; l=("${list[@]}")
devs 1 1G; c=$dev; devs 1 2G; p=$dev
zpool create -f -o ashift=12 -O compression=off every draid2:4d:1s "${d[@]}" \
  special mirror "${s[@]}" log mirror "${l[@]}" cache "$c" spare "$p"
dd if=/dev/urandom of=/every/data bs=1M count=512 status=none
zpool sync every
cap every-class every
zpool offline -f every "${d[3]}"
cap draid-faulted every
zpool replace -s every "${d[3]}" draid2-0-0
cap draid-rebuilding every
zpool wait -t resilver every
cap draid-rebuilt every
zpool offline -f every "${d[5]}"
zpool replace every "${d[5]}" "$p"
cap draid-resilvering-hot-spare every
zpool wait -t resilver every
cap draid-hot-spare-in-use every
zpool destroy every
}

raidz() {
devs 6 1G; z2=("${list[@]}"); devs 3 1G; z1=("${list[@]}")
zpool create -f -o ashift=12 tankz raidz2 "${z2[@]}" raidz1 "${z1[@]}"
cap raidz tankz
zpool destroy tankz
}

mirror() {
devs 4 2G; m=("${list[@]}")
zpool create -o ashift=12 -O compression=off tankm mirror "${m[0]}" "${m[1]}" mirror "${m[2]}" "${m[3]}"
dd if=/dev/urandom of=/tankm/data bs=1M count=256 status=none
zpool sync tankm
zpool offline tankm "${m[1]}"
cap mirror-offline tankm
devs 1 2G
zpool replace tankm "${m[1]}" "$dev"
cap mirror-replacing tankm
zpool wait -t resilver tankm
zpool scrub tankm
cap mirror-scrubbing tankm
zpool wait -t scrub tankm
cap mirror-scrubbed tankm
zpool destroy tankm
}

for part in $parts; do "$part"; done
echo "captured into $out"

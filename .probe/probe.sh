set -x
cd /tmp; truncate -s 2G d{0..11}.img
for i in $(seq 0 11); do losetup -f --show /tmp/d$i.img; done
zpool create -o ashift=12 -O compression=off tank draid2:4d:8c:1s /dev/loop0 /dev/loop1 /dev/loop2 /dev/loop3 /dev/loop4 /dev/loop5 /dev/loop6 /dev/loop7 log mirror /dev/loop8 /dev/loop9 cache /dev/loop10 spare /dev/loop11
zpool status -jP --json-int tank
zpool status -j tank | head -50
zpool list -vHP tank
zdb -C tank | head -60
zpool get -Hp -o property,value ashift tank
zfs get -Hp -o name,property,value,source compression,recordsize tank
lsblk --json --paths --output NAME,TYPE,FSTYPE,PTTYPE,MOUNTPOINT /dev/loop0
zpool destroy tank
lsblk --json --paths --output NAME,TYPE,FSTYPE,PTTYPE,MOUNTPOINT /dev/loop0

#!/usr/bin/env bash
# Clone benchmark: Vireo against libvirt's tools on the same machine, in the same run.
#   - linked clone of a stopped VM with a 1 GiB qcow2 disk (256 MiB of it written): `vireo clone --linked`
#     against doing it by hand the libvirt way (qemu-img create -b ... -F qcow2, then virsh define)
#   - full clone of the same VM: `vireo clone` against `virt-clone` (which copies the disk and defines the domain)
# Both daemons run inside a network namespace this script creates; the VMs have no NICs. Medians over repeated
# runs. Needs root; libvirt and virtinst are installed for the comparison only, and the libvirtd/virtlogd this
# script starts are ended by the PIDs in their pid files.
# Usage: bench/run-clones.sh [--runs N] [--out FILE]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib.sh
runs=5; out=""
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        *) echo "usage: $0 [--runs N] [--out FILE]" >&2; exit 2 ;;
    esac
done
require_root
require_no_libvirtd

install_for_comparison libvirt-daemon-system libvirt-clients virtinst jq
use_tiny_image

work=$(mktemp -d /tmp/vbclone.XXXXXX)
ns=vbc-$(basename "$work" | cut -d. -f2 | tr 'A-Z' 'a-z')
cleanup() {
    set +e
    for d in $(virsh list --all --name 2>/dev/null | grep '^vbc-'); do virsh undefine "$d" >/dev/null 2>&1; done
    stop_vireod
    stop_libvirtd_and_netns "$ns"
    rm -rf "$work"
}
trap cleanup EXIT

make_netns "$ns"
build_vireo
start_vireod --netns "$ns" --image-dir "$(dirname "$image")"
start_libvirtd_in "$ns"
chmod 0755 "$work"

log "source disk: 1 GiB qcow2 with 256 MiB of random data"
qemu-img create -q -f raw "$work/seed.raw" 1G
dd if=/dev/urandom of="$work/seed.raw" bs=1M count=256 conv=notrunc status=none
V vol import default/src-root.qcow2 --from "$work/seed.raw" --source-format raw --format qcow2 >/dev/null 2>&1
V create --name src --boot "kernel=$kernel,initrd=$initrd,kernel_args=$cmdline" --memory 128 --graphics none --network none --disk vol=default/src-root.qcow2 >/dev/null
mkdir -p "$work/lv"
qemu-img convert -q -f raw -O qcow2 "$work/seed.raw" "$work/lv/src.qcow2"
rm -f "$work/seed.raw"
domain_xml() { # name disk
    cat <<XML
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type><kernel>$kernel</kernel><initrd>$initrd</initrd><cmdline>$cmdline</cmdline></os>
  <features><acpi/></features>
  <cpu mode='maximum'/>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$2'/><target dev='vda' bus='virtio'/></disk>
  </devices>
</domain>
XML
}
domain_xml vbc-src "$work/lv/src.qcow2" > "$work/src.xml"
virsh define "$work/src.xml" >/dev/null


log "linked and full clones ($runs runs each)"
vl=(); ll=(); vf=(); lf=()
for i in $(seq 1 "$runs"); do
    t0=$(now); V clone src "l$i" --linked >/dev/null; t1=$(now); vl+=("$(ms "$t0" "$t1")")
    t0=$(now)
    qemu-img create -q -f qcow2 -b "$work/lv/src.qcow2" -F qcow2 "$work/lv/l$i.qcow2"
    domain_xml "vbc-l$i" "$work/lv/l$i.qcow2" > "$work/l.xml"; virsh define "$work/l.xml" >/dev/null
    t1=$(now); ll+=("$(ms "$t0" "$t1")")
    t0=$(now); V clone src "f$i" >/dev/null 2>&1; t1=$(now); vf+=("$(ms "$t0" "$t1")")
    t0=$(now); virt-clone --original vbc-src --name "vbc-f$i" --file "$work/lv/f$i.qcow2" --check all=off >/dev/null 2>&1; t1=$(now); lf+=("$(ms "$t0" "$t1")")
    [ -s "$work/lv/f$i.qcow2" ] || { echo "bench: virt-clone made no copy" >&2; exit 1; }
    V undefine "l$i" >/dev/null; V vol delete "default/l$i-root.qcow2" >/dev/null
    V undefine "f$i" >/dev/null; V vol delete "default/f$i-root.qcow2" >/dev/null
    virsh undefine "vbc-l$i" >/dev/null; virsh undefine "vbc-f$i" >/dev/null; rm -f "$work/lv/l$i.qcow2" "$work/lv/f$i.qcow2"
done

a=$(med "${vl[@]}"); b=$(med "${ll[@]}"); c=$(med "${vf[@]}"); d=$(med "${lf[@]}")
report=$(cat <<TXT
Clone benchmark, $(date -u +%Y-%m-%d), $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), QEMU $(qemu-system-x86_64 --version | head -n1 | awk '{print $4}'), $(virsh version 2>/dev/null | awk '/Using library/ {print "libvirt " $4}'), virt-clone $(virt-clone --version 2>/dev/null)
stopped VM, 1 GiB qcow2 disk with 256 MiB written; medians (min-max) over $runs runs; ratio = vireo / peer
| operation | vireo ms | peer ms | ratio |
|---|---|---|---|
| linked clone (vireo clone --linked / qemu-img create -b + virsh define) | $a ($(minmax "${vl[@]}")) | $b ($(minmax "${ll[@]}")) | $(ratio "$a" "$b") |
| full clone (vireo clone / virt-clone) | $c ($(minmax "${vf[@]}")) | $d ($(minmax "${lf[@]}")) | $(ratio "$c" "$d") |
TXT
)
echo "$report"
[ -n "$out" ] && echo "$report" > "$out"
exit 0

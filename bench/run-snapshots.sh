#!/usr/bin/env bash
# Snapshot benchmark: Vireo against libvirt on the same machine, in the same run.
#   - take a snapshot with RAM of a running 128 MiB tiny guest (vireo snapshot create / virsh snapshot-create-as)
#   - revert the running guest to it (vireo snapshot revert / virsh snapshot-revert)
# Both make qcow2 internal snapshots (libvirt's default for a qcow2 disk), of equivalent guests: same kernel and
# initrd, a 64 MiB qcow2 virtio disk, 128 MiB, q35, 1 vCPU, TCG, no NIC. Both daemons run inside a network
# namespace this script creates; medians over N runs. Needs root; libvirt is installed for the comparison only,
# and the libvirtd/virtlogd this script starts are ended by the PIDs in their pid files.
# Usage: bench/run-snapshots.sh [--runs N] [--out FILE]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib.sh
runs=7; out=""
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        *) echo "usage: $0 [--runs N] [--out FILE]" >&2; exit 2 ;;
    esac
done
require_root
require_no_libvirtd

install_for_comparison libvirt-daemon-system libvirt-clients jq
use_tiny_image

work=$(mktemp -d /tmp/vbsnap.XXXXXX)
ns=vbs-$(basename "$work" | cut -d. -f2 | tr 'A-Z' 'a-z')
cleanup() {
    set +e
    virsh destroy vbs-dom >/dev/null 2>&1
    for s in $(virsh snapshot-list vbs-dom --name 2>/dev/null); do virsh snapshot-delete vbs-dom "$s" --metadata >/dev/null 2>&1; done
    virsh undefine vbs-dom >/dev/null 2>&1
    stop_vireod snap
    stop_libvirtd_and_netns "$ns"
    rm -rf "$work"
}
trap cleanup EXIT

make_netns "$ns"
build_vireo
start_vireod --netns "$ns" --image-dir "$(dirname "$image")"
start_libvirtd_in "$ns"
chmod 0755 "$work"


qemu-img create -q -f qcow2 "$work/vireo.qcow2" 64M
qemu-img create -q -f qcow2 "$work/libvirt.qcow2" 64M
V create --name snap --boot "kernel=$kernel,initrd=$initrd,kernel_args=$cmdline" --memory 128 --graphics none \
    --network none --disk "path=$work/vireo.qcow2,format=qcow2" >/dev/null
vlog=$(V info snap -o json | jq -r .serial_log)
cat > "$work/d.xml" <<XML
<domain type='qemu'>
  <name>vbs-dom</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type><kernel>$kernel</kernel><initrd>$initrd</initrd><cmdline>$cmdline</cmdline></os>
  <features><acpi/></features>
  <cpu mode='maximum'/>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$work/libvirt.qcow2'/><target dev='vda' bus='virtio'/></disk>
    <serial type='file'><source path='$work/libvirt.log'/><target port='0'/></serial>
  </devices>
</domain>
XML
virsh define "$work/d.xml" >/dev/null
V start snap >/dev/null; wait_line "$vlog"
virsh start vbs-dom >/dev/null; wait_line "$work/libvirt.log"

log "snapshot with RAM, and revert, of a running guest ($runs runs each)"
vc=(); lc=(); vr=(); lr=()
for i in $(seq 1 "$runs"); do
    t0=$(now); V snapshot create snap "s$i" >/dev/null; t1=$(now); vc+=("$(ms "$t0" "$t1")")
    t0=$(now); virsh snapshot-create-as vbs-dom "s$i" >/dev/null; t1=$(now); lc+=("$(ms "$t0" "$t1")")
    sleep 1
    t0=$(now); V snapshot revert snap "s$i" >/dev/null; t1=$(now); vr+=("$(ms "$t0" "$t1")")
    t0=$(now); virsh snapshot-revert vbs-dom "s$i" >/dev/null; t1=$(now); lr+=("$(ms "$t0" "$t1")")
    # Keep the images small and comparable: one snapshot at a time (not timed).
    V snapshot delete snap "s$i" >/dev/null
    virsh snapshot-delete vbs-dom "s$i" >/dev/null
done
[ "$(V info snap -o json | jq -r .state)" = running ] || { log "vireo VM not running after the reverts"; exit 1; }
[ "$(virsh domstate vbs-dom)" = running ] || { log "libvirt domain not running after the reverts"; exit 1; }

a=$(med "${vc[@]}"); b=$(med "${lc[@]}"); c=$(med "${vr[@]}"); d=$(med "${lr[@]}")
report=$(cat <<TXT
Snapshot benchmark, $(date -u +%Y-%m-%d), $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), accel: $([ -w /dev/kvm ] && echo kvm || echo tcg), QEMU $(qemu-system-x86_64 --version | head -n1 | awk '{print $4}'), $(virsh version 2>/dev/null | awk '/Using library/ {print "libvirt " $4}')
running 128 MiB tiny guest, qcow2 internal snapshots with RAM; $runs runs; medians (min–max); ratio = vireo / libvirt (below 1 means Vireo is faster)
| measurement | vireo | libvirt | ratio |
|---|---|---|---|
| snapshot with RAM (vireo snapshot create / virsh snapshot-create-as), ms | $a ($(minmax "${vc[@]}")) | $b ($(minmax "${lc[@]}")) | $(ratio "$a" "$b") |
| revert a running guest (vireo snapshot revert / virsh snapshot-revert), ms | $c ($(minmax "${vr[@]}")) | $d ($(minmax "${lr[@]}")) | $(ratio "$c" "$d") |
samples: create ${vc[*]} / ${lc[*]} | revert ${vr[*]} / ${lr[*]}
TXT
)
echo "$report"
[ -n "$out" ] && echo "$report" > "$out"
exit 0

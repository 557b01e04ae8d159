#!/usr/bin/env bash
# Networks benchmark: Vireo against libvirt on the same machine, in the same run.
#   - create and start a NAT network (vireo net create / virsh net-define + net-start), and start alone of a
#     stopped one (vireo net start / virsh net-start)
#   - plug a virtio NIC on that network into a running tiny guest (vireo attach-interface / virsh
#     attach-interface --live), on q35 with spare PCIe root ports in both
# Both daemons run inside a network namespace this script creates (their bridges, dnsmasq and firewall rules live
# and die there); medians over repeated runs. Needs root; libvirt is installed for the comparison only, and the
# libvirtd/virtlogd this script starts are ended by the PIDs in their pid files.
# Usage: bench/run-networks.sh [--runs N] [--plugs N] [--out FILE]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib.sh
runs=15; plugs=5; out=""
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=$2; shift 2 ;;
        --plugs) plugs=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        *) echo "usage: $0 [--runs N] [--plugs N] [--out FILE]" >&2; exit 2 ;;
    esac
done
require_root
require_no_libvirtd

install_for_comparison libvirt-daemon-system libvirt-clients jq
use_tiny_image

work=$(mktemp -d /tmp/vbnet.XXXXXX)
ns=vbn-$(basename "$work" | cut -d. -f2 | tr 'A-Z' 'a-z')
cleanup() {
    set +e
    for d in $(virsh list --all --name 2>/dev/null | grep '^vbn-'); do virsh destroy "$d" >/dev/null 2>&1; virsh undefine "$d" >/dev/null 2>&1; done
    for n in $(virsh net-list --all --name 2>/dev/null | grep '^lbn'); do virsh net-destroy "$n" >/dev/null 2>&1; virsh net-undefine "$n" >/dev/null 2>&1; done
    stop_vireod plug
    stop_libvirtd_and_netns "$ns"
    rm -rf "$work"
}
trap cleanup EXIT

make_netns "$ns"
build_vireo
start_vireod --netns "$ns" --image-dir "$(dirname "$image")"
start_libvirtd_in "$ns"
chmod 0755 "$work"

net_xml() { # name bridge third-octet
    echo "<network><name>$1</name><bridge name='$2'/><forward mode='nat'/><ip address='10.201.$3.1' netmask='255.255.255.0'><dhcp><range start='10.201.$3.2' end='10.201.$3.254'/></dhcp></ip></network>"
}

log "create+start and start of a NAT network ($runs runs each)"
vc=(); lc=(); vs=(); ls_=()
for i in $(seq 1 "$runs"); do
    t0=$(now); V net create "bn$i" --subnet "10.200.$i.0/24" >/dev/null; t1=$(now); vc+=("$(ms "$t0" "$t1")")
    net_xml "lbn$i" "lbr$i" "$i" > "$work/n.xml"
    t0=$(now); virsh net-define "$work/n.xml" >/dev/null; virsh net-start "lbn$i" >/dev/null; t1=$(now); lc+=("$(ms "$t0" "$t1")")
    V net stop "bn$i" >/dev/null; t0=$(now); V net start "bn$i" >/dev/null; t1=$(now); vs+=("$(ms "$t0" "$t1")")
    virsh net-destroy "lbn$i" >/dev/null; t0=$(now); virsh net-start "lbn$i" >/dev/null; t1=$(now); ls_+=("$(ms "$t0" "$t1")")
    [ "$i" -gt 1 ] && { V net delete "bn$i" >/dev/null; virsh net-destroy "lbn$i" >/dev/null; virsh net-undefine "lbn$i" >/dev/null; }
done

log "NIC hot-plug into a running guest ($plugs plugs each)"
V create --name plug --boot "kernel=$kernel,initrd=$initrd,kernel_args=$cmdline" --memory 128 --graphics none --network network=bn1 >/dev/null
vlog=$(V info plug -o json | jq -r .serial_log)
cat > "$work/d.xml" <<XML
<domain type='qemu'>
  <name>vbn-plug</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type><kernel>$kernel</kernel><initrd>$initrd</initrd><cmdline>$cmdline</cmdline></os>
  <features><acpi/></features>
  <cpu mode='maximum'/>
  <devices>
    <controller type='pci' index='0' model='pcie-root'/>
    <controller type='pci' index='1' model='pcie-root-port'/><controller type='pci' index='2' model='pcie-root-port'/>
    <controller type='pci' index='3' model='pcie-root-port'/><controller type='pci' index='4' model='pcie-root-port'/>
    <controller type='pci' index='5' model='pcie-root-port'/>
    <serial type='file'><source path='$work/libvirt-plug.log'/><target port='0'/></serial>
    <interface type='network'><source network='lbn1'/><model type='virtio'/></interface>
  </devices>
</domain>
XML
virsh define "$work/d.xml" >/dev/null
vp=(); lp=()
for p in $(seq 1 "$plugs"); do
    rm -f "$vlog"; V start plug >/dev/null; wait_line "$vlog"
    t0=$(now); V attach-interface plug --network "network=bn1,mac=52:54:00:be:00:01" >/dev/null; t1=$(now); vp+=("$(ms "$t0" "$t1")")
    V destroy plug >/dev/null; V detach-interface plug --mac 52:54:00:be:00:01 >/dev/null
    rm -f "$work/libvirt-plug.log"; virsh start vbn-plug >/dev/null; wait_line "$work/libvirt-plug.log"
    t0=$(now); virsh attach-interface vbn-plug network lbn1 --model virtio --mac 52:54:00:be:00:02 --live >/dev/null; t1=$(now); lp+=("$(ms "$t0" "$t1")")
    virsh destroy vbn-plug >/dev/null
done

a=$(med "${vc[@]}"); b=$(med "${lc[@]}"); c=$(med "${vs[@]}"); d=$(med "${ls_[@]}"); e=$(med "${vp[@]}"); f=$(med "${lp[@]}")
report=$(cat <<TXT
Networks benchmark, $(date -u +%Y-%m-%d), $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), accel: $([ -w /dev/kvm ] && echo kvm || echo tcg), QEMU $(qemu-system-x86_64 --version | head -n1 | awk '{print $4}'), $(virsh version 2>/dev/null | awk '/Using library/ {print "libvirt " $4}')
both daemons in one network namespace; medians; ratio = vireo / libvirt (below 1 means Vireo is faster)
| measurement | vireo | libvirt | ratio |
|---|---|---|---|
| create + start a NAT network (vireo net create / virsh net-define + net-start), ms | $a | $b | $(ratio "$a" "$b") |
| start a stopped NAT network (vireo net start / virsh net-start), ms | $c | $d | $(ratio "$c" "$d") |
| hot-plug a virtio NIC into a running guest (vireo attach-interface / virsh attach-interface --live), ms | $e | $f | $(ratio "$e" "$f") |
samples: create ${vc[*]} / ${lc[*]} | start ${vs[*]} / ${ls_[*]} | plug ${vp[*]} / ${lp[*]}
TXT
)
echo "$report"
[ -n "$out" ] && echo "$report" > "$out"
exit 0

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
runs=7; out=""
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        *) echo "usage: $0 [--runs N] [--out FILE]" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 2; }
log() { echo "bench: $*" >&2; }
if virsh -c qemu:///system version >/dev/null 2>&1; then
    echo "bench: a libvirtd is already running; this benchmark starts its own inside a namespace. Stop it first." >&2; exit 2
fi

bash scripts/deps.sh
need=()
for p in libvirt-daemon-system libvirt-clients jq; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
[ ${#need[@]} -gt 0 ] && { log "installing ${need[*]} (for the comparison only)"; DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null; }
bash guest/build-tiny.sh
image=${VIREO_IMAGE_DIR:-/var/cache/vireo/images}/tiny
kernel=$image/kernel; initrd=$image/initrd.img
cmdline=$(sed -n 's/^  "cmdline": "\(.*\)",$/\1/p' "$image/image.json")

work=$(mktemp -d /tmp/vbsnap.XXXXXX)
ns=vbs-$(basename "$work" | cut -d. -f2 | tr 'A-Z' 'a-z')
vireod_pid=""
cleanup() {
    set +e
    virsh destroy vbs-dom >/dev/null 2>&1
    for s in $(virsh snapshot-list vbs-dom --name 2>/dev/null); do virsh snapshot-delete vbs-dom "$s" --metadata >/dev/null 2>&1; done
    virsh undefine vbs-dom >/dev/null 2>&1
    [ -n "$vireod_pid" ] && { V destroy snap >/dev/null 2>&1; kill -TERM "$vireod_pid"; wait "$vireod_pid" 2>/dev/null; }
    for f in /run/libvirtd.pid /run/virtlogd.pid; do [ -s "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null; done
    sleep 1
    # Whatever still runs in the namespace was started by this script (QEMU): end it by PID.
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
    ip netns delete "$ns" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

ip netns add "$ns"; ip -n "$ns" link set lo up
log "building vireod and the Native AOT vireo"
dotnet publish src/Vireo.Daemon -c Release -nologo -v quiet -o "$work/vireod" >/dev/null
dotnet publish src/Vireo.Cli -c Release -nologo -v quiet -r linux-x64 -p:PublishAot=true -o "$work/vireo" >/dev/null
export VIREO_SOCKET=$work/s/vireod.sock
V() { "$work/vireo/vireo" "$@"; }
ip netns exec "$ns" "$work/vireod/vireod" --state-dir "$work/s" --socket "$VIREO_SOCKET" --image-dir "$(dirname "$image")" --no-default-network > "$work/vireod.log" 2>&1 &
vireod_pid=$!
for _ in $(seq 1 200); do V version >/dev/null 2>&1 && break; sleep 0.1; done
log "starting virtlogd and libvirtd in namespace $ns"
ip netns exec "$ns" /usr/sbin/virtlogd -d; sleep 0.5
ip netns exec "$ns" /usr/sbin/libvirtd -d; for _ in $(seq 1 100); do virsh -c qemu:///system version >/dev/null 2>&1 && break; sleep 0.1; done
export LIBVIRT_DEFAULT_URI=qemu:///system
chmod 0755 "$work"

now() { date +%s%N; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1000000 }'; }
med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
minmax() { printf '%s\n' "$@" | sort -n | awk 'NR==1 {lo=$1} {hi=$1} END {print lo "–" hi}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
wait_line() { for _ in $(seq 1 3000); do grep -qs VIREO-GUEST-READY "$1" && return 0; sleep 0.01; done; echo "bench: no ready line in $1" >&2; return 1; }

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

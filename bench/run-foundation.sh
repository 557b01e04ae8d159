#!/usr/bin/env bash
# Foundation benchmark: Vireo against libvirt (and raw QEMU) on the same machine, in the same run.
#   - `vireo list` / `vireo info` latency with 100 defined VMs, against `virsh list --all` / `virsh dominfo`
#   - start-to-ready of the tiny guest (command issued -> VIREO-GUEST-READY on the serial console), against
#     `virsh start` of a domain with the same kernel, initrd and command line, and against QEMU run by hand
# Medians over repeated runs (hyperfine for the short commands). Needs root. libvirt is installed for the
# benchmark only (apt-get), and the libvirtd/virtlogd this script starts are stopped again, by PID.
# Usage: bench/run-foundation.sh [--runs N] [--boots N] [--out FILE]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib.sh
runs=30; boots=7; out=""
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=$2; shift 2 ;;
        --boots) boots=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        *) echo "usage: $0 [--runs N] [--boots N] [--out FILE]" >&2; exit 2 ;;
    esac
done
require_root

install_for_comparison libvirt-daemon-system libvirt-clients hyperfine jq
use_tiny_image

work=$(mktemp -d /tmp/vbench.XXXXXX)
started_pids=()
cleanup() {
    set +e
    for d in $(virsh list --all --name 2>/dev/null | grep '^vbench-'); do
        virsh destroy "$d" >/dev/null 2>&1; virsh undefine "$d" >/dev/null 2>&1
    done
    stop_vireod ready
    for pid in "${started_pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    # QEMU started by hand for the baseline, if one is left.
    [ -f "$work/raw.pid" ] && kill -KILL "$(cat "$work/raw.pid")" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

build_vireo
start_vireod --image-dir "$(dirname "$image")"
# The peers use what Vireo chose, so all three boot on the same accelerator: KVM where it runs stock guests, else TCG
# (also where /dev/kvm opens but is kvm_pvm, which boots only PVM-built kernels).
accel=$(V version -o json | jq -r .daemon.accel)
if [ "$accel" = kvm ]; then domain_type=kvm; raw_accel=(-accel kvm -cpu host); else domain_type=qemu; raw_accel=(-accel tcg,tb-size=128 -cpu max); fi

# libvirt: use the running daemon, or start one (and its log daemon) for the benchmark.
if ! virsh -c qemu:///system version >/dev/null 2>&1; then
    log "starting virtlogd and libvirtd"
    /usr/sbin/virtlogd -d; sleep 0.5; started_pids+=("$(pgrep -n -x virtlogd)")
    /usr/sbin/libvirtd -d; for _ in $(seq 1 100); do virsh -c qemu:///system version >/dev/null 2>&1 && break; sleep 0.1; done
    started_pids+=("$(pgrep -n -x libvirtd)")
fi
export LIBVIRT_DEFAULT_URI=qemu:///system
chmod 0755 "$work"

domain_xml() { # name serial-log
    cat <<XML
<domain type='$domain_type'>
  <name>$1</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type><kernel>$kernel</kernel><initrd>$initrd</initrd><cmdline>$cmdline</cmdline></os>
  <features><acpi/></features>
  <cpu mode='maximum'/>
  <devices>
    <serial type='file'><source path='$2'/><target port='0'/></serial>
    <interface type='user'><model type='virtio'/></interface>
  </devices>
</domain>
XML
}

log "defining 100 VMs in each"
for i in $(seq 0 99); do
    V create --name "vbench-$i" --boot "kernel=$kernel,initrd=$initrd,kernel_args=$cmdline" --memory 128 --graphics none --network user >/dev/null
    domain_xml "vbench-$i" "$work/libvirt-$i.log" > "$work/d.xml"
    virsh define "$work/d.xml" >/dev/null
done

log "list/info latency ($runs runs each)"
hyperfine -N --style none --warmup 3 --runs "$runs" --export-json "$work/cli.json" \
    -n "vireo list --all" "$work/vireo/vireo list --all" \
    -n "virsh list --all" "virsh list --all" \
    -n "vireo info" "$work/vireo/vireo info vbench-42" \
    -n "virsh dominfo" "virsh dominfo vbench-42" >/dev/null
median() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .median * 1000' "$work/cli.json"; }


log "start-to-ready ($boots boots each)"
V create --name ready --boot "kernel=$kernel,initrd=$initrd,kernel_args=$cmdline" --memory 128 --graphics none --network user >/dev/null
vlog=$(V info ready -o json | jq -r .serial_log)
domain_xml vbench-ready "$work/libvirt-ready.log" > "$work/d.xml"; virsh define "$work/d.xml" >/dev/null
raw_args=(-nodefaults -no-user-config -machine q35 "${raw_accel[@]}" -m 128 -display none
    -kernel "$kernel" -initrd "$initrd" -append "$cmdline" -serial "file:$work/raw.log"
    -netdev user,id=n0 -device virtio-net-pci,netdev=n0,romfile= -daemonize -pidfile "$work/raw.pid")
vireo_t=(); virsh_t=(); raw_t=()
for b in $(seq 1 "$boots"); do
    rm -f "$vlog"; t0=$(now); V start ready >/dev/null; wait_line "$vlog"; t1=$(now); vireo_t+=("$(ms "$t0" "$t1")"); V destroy ready >/dev/null
    rm -f "$work/libvirt-ready.log"; t0=$(now); virsh start vbench-ready >/dev/null; wait_line "$work/libvirt-ready.log"; t1=$(now)
    virsh_t+=("$(ms "$t0" "$t1")"); virsh destroy vbench-ready >/dev/null
    rm -f "$work/raw.log"; t0=$(now); qemu-system-x86_64 "${raw_args[@]}"; wait_line "$work/raw.log"; t1=$(now)
    raw_t+=("$(ms "$t0" "$t1")"); kill -KILL "$(cat "$work/raw.pid")"; rm -f "$work/raw.pid"
done
vr=$(med "${vireo_t[@]}"); lr=$(med "${virsh_t[@]}"); rr=$(med "${raw_t[@]}")

vl=$(median "vireo list --all"); ll=$(median "virsh list --all"); vi=$(median "vireo info"); li=$(median "virsh dominfo")
report=$(cat <<TXT
Foundation benchmark, $(date -u +%Y-%m-%d), $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), accel: $accel, QEMU $(qemu-system-x86_64 --version | head -n1 | awk '{print $4}'), $(virsh version 2>/dev/null | awk '/Using library/ {print "libvirt " $4}')
100 VMs defined in each; medians; ratio = vireo / peer (below 1 means Vireo is faster)
| measurement | vireo | peer | ratio |
|---|---|---|---|
| list (vireo list --all / virsh list --all), ms | $(printf %.1f "$vl") | $(printf %.1f "$ll") | $(ratio "$vl" "$ll") |
| info (vireo info / virsh dominfo), ms | $(printf %.1f "$vi") | $(printf %.1f "$li") | $(ratio "$vi" "$li") |
| start to VIREO-GUEST-READY (vireo start / virsh start), ms | $vr | $lr | $(ratio "$vr" "$lr") |
| start to VIREO-GUEST-READY (vireo start / QEMU by hand), ms | $vr | $rr | $(ratio "$vr" "$rr") |
boots: vireo ${vireo_t[*]} | virsh ${virsh_t[*]} | raw ${raw_t[*]}
TXT
)
echo "$report"
[ -n "$out" ] && echo "$report" > "$out"
exit 0

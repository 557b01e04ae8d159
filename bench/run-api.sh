#!/usr/bin/env bash
# API benchmark: vireod's JSON API against libvirtd's RPC, with the same 100 VMs defined in each, on this machine.
#   - requests per second and p50/p99 latency for listing every VM and for showing one VM, from a bounded
#     closed-loop load generator (bench/ApiLoad: W workers, each one request at a time on its own kept-alive
#     connection), the same program and loop for both sides:
#       vireod over its Unix socket (GET /v1/vms, GET /v1/vms/NAME), and over TLS on loopback with a token when
#       vireod has --listen;
#       libvirtd over its Unix socket through libvirt.so (the library virsh uses): list = one
#       virConnectGetAllDomainStats(state, vcpu, balloon) call, libvirt's cheapest way to list every domain with its
#       state; show = virDomainLookupByName + virDomainGetXMLDesc, what `virsh dumpxml` does.
#   - resident memory of vireod and of libvirtd with the 100 VMs defined, idle and after the load, and vireod's
#     with its web UI open in headless Chromium on the VM list for 60 s (bench/ui-open.mjs; playwright-core is
#     installed into the scratch directory for the run).
# Medians over --runs rounds; in each round every side runs once, back to back, so drift hits all sides alike.
# Needs root. libvirt is installed for the comparison only; the libvirtd it starts (in a namespace) is ended by PID.
# Usage: bench/run-api.sh [--runs N] [--seconds S] [--workers W] [--out FILE]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib.sh
runs=5; seconds=5; workers=4; out=""
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=$2; shift 2 ;;
        --seconds) seconds=$2; shift 2 ;;
        --workers) workers=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        *) echo "usage: $0 [--runs N] [--seconds S] [--workers W] [--out FILE]" >&2; exit 2 ;;
    esac
done
require_root
require_no_libvirtd
install_for_comparison libvirt-daemon-system libvirt-clients jq chromium
use_tiny_image

work=$(mktemp -d /tmp/vbapi.XXXXXX)
ns=vba-$(basename "$work" | cut -d. -f2 | tr 'A-Z' 'a-z')
ui_pid=""
cleanup() {
    set +e
    [ -n "$ui_pid" ] && kill -TERM "$ui_pid" 2>/dev/null
    for i in $(seq 0 99); do virsh undefine "vbench-$i" >/dev/null 2>&1; done
    stop_vireod
    stop_libvirtd_and_netns "$ns"
    rm -rf "$work"
}
trap cleanup EXIT

make_netns "$ns"
log "building the web UI (published with vireod)"
(cd web && npm ci --no-audit --no-fund --loglevel=error >/dev/null && npm run build --silent >/dev/null)
build_vireo
log "building the load generator"
dotnet publish bench/ApiLoad -c Release -nologo -v quiet -o "$work/apiload" >/dev/null
listen=()
port=$((20000 + RANDOM % 20000))
if "$work/vireod/vireod" --help | grep -q -- '--listen'; then listen=(--listen "127.0.0.1:$port"); fi
start_vireod --netns "$ns" --image-dir "$(dirname "$image")" "${listen[@]}"
start_libvirtd_in "$ns"
chmod 0755 "$work"

domain_xml() {
    cat <<XML
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type><kernel>$kernel</kernel><initrd>$initrd</initrd><cmdline>$cmdline</cmdline></os>
  <features><acpi/></features>
  <cpu mode='maximum'/>
  <devices>
    <serial type='file'><source path='$work/libvirt-$1.log'/><target port='0'/></serial>
    <interface type='user'><model type='virtio'/></interface>
  </devices>
</domain>
XML
}
log "defining 100 VMs in each"
for i in $(seq 0 99); do
    V create --name "vbench-$i" --boot "kernel=$kernel,initrd=$initrd,kernel_args=$cmdline" --memory 128 --graphics none --network user >/dev/null
    domain_xml "vbench-$i" > "$work/d.xml"
    virsh define "$work/d.xml" >/dev/null
done

targets=("unix:$VIREO_SOCKET")
if [ ${#listen[@]} -gt 0 ]; then
    export VIREO_TOKEN; VIREO_TOKEN=$(V token create --role viewer --description api-bench --output json | jq -r .token)
    targets+=("https://127.0.0.1:$port")
fi
targets+=("libvirt:qemu:///system")

libvirtd_pid=$(cat /run/libvirtd.pid)
rss() { awk '/^VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
rss_idle_vireod=$(rss "$vireod_pid"); rss_idle_libvirtd=$(rss "$libvirtd_pid")

declare -A results
for r in $(seq 1 "$runs"); do
    for op in list show; do
        for t in "${targets[@]}"; do
            # In vireod's namespace: its TLS listener is on that namespace's loopback (both sockets are files).
            line=$(ip netns exec "$ns" "$work/apiload/apiload" --target "$t" --op "$op" --vm vbench-42 --workers "$workers" --seconds "$seconds" --warmup 1)
            results["$op|$t|rps"]+="$(jq -r .rps <<<"$line") "
            results["$op|$t|p99"]+="$(jq -r .p99_ms <<<"$line") "
            results["$op|$t|p50"]+="$(jq -r .p50_ms <<<"$line") "
        done
    done
    log "round $r of $runs done"
done
rss_load_vireod=$(rss "$vireod_pid"); rss_load_libvirtd=$(rss "$libvirtd_pid")

rss_ui="not measured (no TLS listener)"
if [ ${#listen[@]} -gt 0 ]; then
    log "vireod's memory with the web UI open"
    mkdir -p "$work/ui" && cp bench/ui-open.mjs "$work/ui/" && (cd "$work/ui" && npm init -y >/dev/null && npm install --no-audit --no-fund -s playwright-core@1.65.1 >/dev/null)
    ui_token=$(V token create --role viewer --description api-bench-ui --output json | jq -r .token)
    ip netns exec "$ns" node "$work/ui/ui-open.mjs" "https://127.0.0.1:$port/" "$ui_token" 60 > "$work/ui.out" 2>&1 &
    ui_pid=$!
    for _ in $(seq 1 600); do grep -q ready "$work/ui.out" && break; kill -0 "$ui_pid" 2>/dev/null || break; sleep 0.1; done
    samples=()
    while kill -0 "$ui_pid" 2>/dev/null && grep -q ready "$work/ui.out"; do samples+=("$(rss "$vireod_pid")"); sleep 1; done
    wait "$ui_pid" || true
    if [ ${#samples[@]} -gt 10 ]; then rss_ui="median $(med "${samples[@]}"), max $(max "${samples[@]}") over ${#samples[@]} s"
    else rss_ui="not measured: $(tail -n 3 "$work/ui.out" | tr '\n' ' ')"; fi
fi

m() { med ${results["$1"]}; }
name() { case "$1" in unix:*) echo "vireod, Unix socket" ;; https:*) echo "vireod, TLS + token" ;; libvirt:*) echo "libvirtd, Unix socket" ;; esac; }
peer="libvirt:qemu:///system"
report=$(
    echo "API benchmark, $(date -u +%Y-%m-%d), $(nproc) CPUs, $(virsh version 2>/dev/null | awk '/Using library/ {print "libvirt " $4}'), 100 VMs defined in each (not running)"
    echo "bounded load: $workers workers, closed loop, ${seconds} s per measurement after 1 s warm-up; medians of $runs rounds; ratio = vireod / libvirtd (rps: above 1 means vireod serves more; p99: below 1 means vireod answers faster)"
    echo "| operation | server | req/s | p50 ms | p99 ms | req/s ratio | p99 ratio |"
    echo "|---|---|---|---|---|---|---|"
    for op in list show; do
        for t in "${targets[@]}"; do
            rps=$(m "$op|$t|rps"); p99=$(m "$op|$t|p99"); p50=$(m "$op|$t|p50")
            if [ "$t" = "$peer" ]; then rr="—"; pr="—"; else rr=$(ratio "$rps" "$(m "$op|$peer|rps")"); pr=$(ratio "$p99" "$(m "$op|$peer|p99")"); fi
            echo "| $op | $(name "$t") | $rps | $p50 | $p99 | $rr | $pr |"
        done
    done
    echo "resident memory, MiB: vireod $rss_idle_vireod idle, $rss_load_vireod after the load; libvirtd $rss_idle_libvirtd idle, $rss_load_libvirtd after the load"
    echo "vireod resident memory with the web UI open on the VM list (100 VMs), MiB: $rss_ui"
    for op in list show; do for t in "${targets[@]}"; do echo "rounds $op $(name "$t"): rps ${results["$op|$t|rps"]}| p99 ${results["$op|$t|p99"]}"; done; done
)
echo "$report"
[ -n "$out" ] && echo "$report" > "$out"
exit 0

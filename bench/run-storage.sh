#!/usr/bin/env bash
# Storage benchmark: `vireo vol convert` against plain `qemu-img convert` of the same image, in the same run.
#   - a 1 GiB raw image, about half of it written with random data (the rest sparse), imported into the default pool
#   - qcow2 -> raw and raw -> qcow2, through vireo (CLI -> vireod -> qemu-img -p, followed by long polling) and with
#     qemu-img convert -f -O by hand; the peer writes into the same pool directory; outputs are deleted between runs
#   - and the same qemu-img command with the allocator settings vireod gives every qemu-img it runs (GLIBC_TUNABLES,
#     read from src/Vireo.Qemu/Images/QemuImg.Environment.cs), so that Vireo's own fixed cost stays visible apart
#     from the faster copy those settings make
# Medians, min and max of N runs; vireod runs on a private state directory and is ended by its PID.
# --cold drops the page cache before every timed conversion (needs root), so both sides read the image from disk as
# they would an image that is not in memory; without it the 1 GiB image is read from the page cache.
# --data-mib M writes M MiB of random data into the 1 GiB image (default 512; 1024 fills it).
# --libvirt adds libvirt's own way to do it, `virsh vol-create-from` (a dir pool holding hard links to the same source
# files), run by a libvirtd this script starts in a network namespace (needs root; installs libvirt if missing).
# Usage: bench/run-storage.sh [--runs N] [--cold] [--data-mib M] [--libvirt] [--out FILE]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib.sh
runs=7; out=""; cold=0; data=512; lv=0
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --cold) cold=1; shift ;;
        --data-mib) data=$2; shift 2 ;;
        --libvirt) lv=1; shift ;;
        *) echo "usage: $0 [--runs N] [--cold] [--data-mib M] [--libvirt] [--out FILE]" >&2; exit 2 ;;
    esac
done
[ "$cold" = 0 ] || [ "$(id -u)" = 0 ] || { echo "bench: --cold drops the page cache and needs root" >&2; exit 2; }
if [ "$lv" = 1 ]; then require_root; require_no_libvirtd; install_for_comparison libvirt-daemon-system libvirt-clients; fi
# Dirty pages are written first, then clean ones dropped: both sides then start with nothing cached. Without --cold
# the source is read once first, so both sides start with it in the page cache: hosts that reclaim idle page cache
# (this VM runs DAMON pageout of memory unused for about a minute) otherwise evict it at random between runs, which
# added a second to one run in three for either side.
# Then memory is primed: on a VM whose host takes back free guest pages (virtio-balloon free page reporting, about two
# seconds after they are freed), the first write into a page the host has taken back costs a host fault; a conversion
# that got such pages for its output's page cache took 1.3-1.9 s instead of 0.3 s, at random, on either side (measured
# here: 1 GiB into page cache right after deleting a file 0.28-0.49 s, three seconds after 1.72-3.04 s). Writing and
# deleting a scratch file as large as the output just before each timed run gives both sides freshly backed pages.
settle() {
    sync
    if [ "$cold" = 1 ]; then echo 3 > /proc/sys/vm/drop_caches; else cat "$1" > /dev/null; fi
    dd if=/dev/zero of="$work/prime" bs=1M count=$(((cold + 1) * data + 64)) status=none
    rm -f "$work/prime"
}
command -v qemu-img >/dev/null || { echo "bench: qemu-img is missing (apt-get install qemu-utils)" >&2; exit 2; }
tunables=$(sed -n 's/.*MallocTunables = "\(.*\)";/\1/p' src/Vireo.Qemu/Images/QemuImg.Environment.cs)
[ -n "$tunables" ] || { echo "bench: cannot read MallocTunables from src/Vireo.Qemu/Images/QemuImg.Environment.cs" >&2; exit 2; }

work=$(mktemp -d /tmp/vbst.XXXXXX)
ns=vbst-$$
cleanup() {
    set +e
    stop_vireod
    if [ "$lv" = 1 ]; then
        virsh pool-destroy vbst-pool >/dev/null 2>&1
        virsh pool-undefine vbst-pool >/dev/null 2>&1
        stop_libvirtd_and_netns "$ns"
    fi
    rm -rf "$work"
}
trap cleanup EXIT

build_vireo
start_vireod
pool=$work/s/pools/default

[ "$data" -ge 4 ] && [ "$data" -le 1024 ] || { echo "bench: --data-mib must be 4..1024" >&2; exit 2; }
log "making the 1 GiB image ($data MiB random data in 4 MiB runs spread over it)"
truncate -s 1G "$work/src.raw"
chunks=$((data / 4))
for i in $(seq 0 $((chunks - 1))); do dd if=/dev/urandom of="$work/src.raw" bs=4M count=1 seek=$((i * 256 / chunks)) conv=notrunc status=none; done
V vol import default/src.raw --from "$work/src.raw" --source-format raw >/dev/null 2>&1
V vol convert default/src.raw default/src.qcow2 --format qcow2 >/dev/null 2>&1
rm -f "$work/src.raw"
# A small image shows the fixed cost of going through vireo (CLI start, HTTP, bookkeeping) apart from the copy.
truncate -s 16M "$work/small.raw"; dd if=/dev/urandom of="$work/small.raw" bs=1M count=8 conv=notrunc status=none
V vol import default/small.raw --from "$work/small.raw" --source-format raw >/dev/null 2>&1
if [ "$lv" = 1 ]; then
    make_netns "$ns"
    start_libvirtd_in "$ns"
    mkdir "$work/lpool"
    for f in src.raw src.qcow2 small.raw; do ln "$pool/$f" "$work/lpool/$f"; done
    virsh pool-define-as vbst-pool dir --target "$work/lpool" >/dev/null
    virsh pool-start vbst-pool >/dev/null
fi

declare -A times
run_case() { # label vireo-src vireo-dst format qemu-src-file qemu-src-fmt
    local label=$1 src=$2 dst=$3 fmt=$4 qsrc=$5 qfmt=$6 v=() q=() t=() l=()
    log "$label ($runs runs each, alternating)"
    if [ "$lv" = 1 ]; then
        local size
        size=$(qemu-img info -f "$qfmt" "$pool/$qsrc" | sed -n 's/^virtual size: .*(\([0-9]*\) bytes)$/\1/p')
        echo "<volume><name>out.$fmt</name><capacity>$size</capacity><target><format type='$fmt'/></target></volume>" > "$work/vol.xml"
    fi
    for i in $(seq 1 "$runs"); do
        settle "$pool/$qsrc"
        t0=$(now); V vol convert "$src" "$dst" --format "$fmt" >/dev/null 2>&1; t1=$(now); v+=("$(ms "$t0" "$t1")")
        V vol delete "$dst" >/dev/null; settle "$pool/$qsrc"
        t0=$(now); qemu-img convert -f "$qfmt" -O "$fmt" "$pool/$qsrc" "$pool/peer.out"; t1=$(now); q+=("$(ms "$t0" "$t1")")
        rm -f "$pool/peer.out"
        settle "$pool/$qsrc"
        t0=$(now); GLIBC_TUNABLES=$tunables qemu-img convert -f "$qfmt" -O "$fmt" "$pool/$qsrc" "$pool/peer.out"; t1=$(now); t+=("$(ms "$t0" "$t1")")
        rm -f "$pool/peer.out"
        if [ "$lv" = 1 ]; then
            settle "$pool/$qsrc"
            t0=$(now); virsh vol-create-from vbst-pool "$work/vol.xml" "$qsrc" --inputpool vbst-pool >/dev/null; t1=$(now)
            l+=("$(ms "$t0" "$t1")")
            virsh vol-delete "out.$fmt" --pool vbst-pool >/dev/null
        fi
    done
    if [ "$lv" = 1 ]; then
        times["$label libvirt"]="$(med "${l[@]}") $(min "${l[@]}") $(max "${l[@]}") $(paired "${v[@]}" "${l[@]}")"
        echo "$label libvirt: ${l[*]}" >&2
    fi
    times[$label]="$(med "${v[@]}") $(min "${v[@]}") $(max "${v[@]}") $(med "${q[@]}") $(min "${q[@]}") $(max "${q[@]}") $(paired "${v[@]}" "${q[@]}") $(med "${t[@]}") $(paired "${v[@]}" "${t[@]}")"
    echo "$label vireo: ${v[*]}" >&2
    echo "$label qemu-img: ${q[*]}" >&2
    echo "$label qemu-img with vireod's GLIBC_TUNABLES: ${t[*]}" >&2
}
run_case "qcow2 -> raw" default/src.qcow2 default/out.raw raw src.qcow2 qcow2
run_case "raw -> qcow2" default/src.raw default/out.qcow2 qcow2 src.raw raw
run_case "small raw -> qcow2" default/small.raw default/out.qcow2 qcow2 small.raw raw

{
    note=""; [ "$cold" = 0 ] || note=", page cache dropped before each"
    head="| conversion (1 GiB with $data MiB data; small: 16 MiB with 8 MiB)$note | vireo vol convert median (min-max) | qemu-img convert median (min-max) | ratio of medians | median of paired ratios | qemu-img with vireod's GLIBC_TUNABLES median | vireo / that: median of paired ratios |"
    rule="|---|---|---|---|---|---|---|"
    if [ "$lv" = 1 ]; then
        head="$head virsh vol-create-from median (min-max) | vireo / libvirt: ratio of medians | median of paired ratios |"
        rule="$rule---|---|---|"
    fi
    echo "$head"; echo "$rule"
    for label in "qcow2 -> raw" "raw -> qcow2" "small raw -> qcow2"; do
        read -r vm vmin vmax qm qmin qmax pr tm tpr <<< "${times[$label]}"
        row="| $label | ${vm} ms (${vmin}-${vmax}) | ${qm} ms (${qmin}-${qmax}) | **$(ratio "$vm" "$qm")** | $pr | ${tm} ms | $tpr |"
        if [ "$lv" = 1 ]; then
            read -r lm lmin lmax lpr <<< "${times[$label libvirt]}"
            row="$row ${lm} ms (${lmin}-${lmax}) | $(ratio "$vm" "$lm") | $lpr |"
        fi
        echo "$row"
    done
} | tee ${out:+"$out"}

#!/usr/bin/env bash
# First real VM benchmark: from "make me a VM from the Debian 12 cloud image with this user, key and hostname" to
# SSH answering (`ssh ops@... hostname` prints the hostname), on the same image (guest/build-debian.sh) in the
# same run, for
#   (a) plain QEMU by hand: qemu-img overlay, a NoCloud seed ISO (xorriso), qemu-system-x86_64 with user-mode
#       networking and a hostfwd to the guest's port 22
#   (b) virt-install --import --cloud-init user-data=...,meta-data=... (same seed content), with the same
#       user-mode NIC and hostfwd passed through --qemu-commandline (libvirt has no hostfwd of its own)
#   (c) vireo create --name bench-N --image debian-12 --cloud-init user=ops,ssh-key=KEYFILE,hostname=bench-N
#       on a user-mode network (`vireo net create --mode user`; a bare `--network user` NIC has no forwards)
#       with a port forward 127.0.0.1:PORT -> bench-N:22, then vireo start (the image is registered first with
#       `vireo image build debian-12`, outside the timing)
# Each timing starts before the tool is called (the overlay and the seed are part of it) and ends when ssh prints
# the hostname. TCG, 1 vCPU, 1 GiB. Medians of N runs (default 3), ratios vireo/virt-install and vireo/qemu.
# Needs root. libvirt-daemon-system and virtinst are installed for the comparison only if missing; the libvirtd
# and virtlogd this script starts run in a network namespace it creates and are ended by PID with it.
# Usage: bench/run-first-real-vm.sh [--runs N] [--out FILE] [--firmware bios|uefi] [--only qemu,virt-install,vireo]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib.sh
runs=3; out=""; firmware=bios; only=qemu,virt-install,vireo
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --firmware) firmware=$2; shift 2 ;;
        --only) only=$2; shift 2 ;;
        *) echo "usage: $0 [--runs N] [--out FILE] [--firmware bios|uefi] [--only qemu,virt-install,vireo]" >&2; exit 2 ;;
    esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "bench: --runs must be a positive number, not '$runs'" >&2; exit 2; }
[[ $firmware == bios || $firmware == uefi ]] || { echo "bench: --firmware must be bios or uefi, not '$firmware'" >&2; exit 2; }
want() { [[ ",$only," == *",$1,"* ]]; }
require_root
want virt-install && require_no_libvirtd

bash scripts/deps.sh
bash guest/build-debian.sh
image=${VIREO_IMAGE_DIR:-/var/cache/vireo/images}/debian-12
disk=$image/disk.qcow2
OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd
BOOT_TIMEOUT=${BENCH_BOOT_TIMEOUT:-900}

work=$(mktemp -d /tmp/vbreal.XXXXXX)
chmod 0755 "$work"
ns=vbr-$(basename "$work" | cut -d. -f2 | tr 'A-Z' 'a-z')
qemu_pid=""; vi_pid=""
ns_made=0
cleanup() {
    set +e
    [ -n "$qemu_pid" ] && kill -KILL "$qemu_pid" 2>/dev/null && wait "$qemu_pid" 2>/dev/null
    [ -n "$vi_pid" ] && kill "$vi_pid" 2>/dev/null
    if [ "$ns_made" = 1 ]; then
        for d in $(virsh list --all --name 2>/dev/null | grep '^vbr-'); do
            virsh destroy "$d" >/dev/null 2>&1; virsh undefine --nvram "$d" >/dev/null 2>&1
        done
        stop_libvirtd_and_netns "$ns"
    fi
    if [ -n "$vireod_pid" ]; then
        for i in $(seq 1 "$runs"); do V destroy "bench-$i" >/dev/null 2>&1; V undefine "bench-$i" >/dev/null 2>&1; done
        V net delete vbr-user >/dev/null 2>&1
        stop_vireod
    fi
    rm -rf "$work"
}
trap cleanup EXIT

ssh-keygen -q -t ed25519 -N '' -C bench -f "$work/id"
SSH=(ssh -q -i "$work/id" -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
    -o ConnectTimeout=5 -o LogLevel=ERROR)
free_port() { local p; for _ in $(seq 1 50); do p=$((20000 + RANDOM % 40000)); ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && { echo "$p"; return; }; done; return 1; }
# seed_files DIR NAME: the cloud-init user-data and meta-data every side gets (user ops, the key, the hostname).
seed_files() {
    mkdir -p "$1"
    printf 'instance-id: %s-%s\nlocal-hostname: %s\n' "$2" "$RANDOM" "$2" > "$1/meta-data"
    cat > "$1/user-data" <<EOF
#cloud-config
hostname: $2
users:
  - name: ops
    shell: /bin/bash
    sudo: "ALL=(ALL) NOPASSWD:ALL"
    ssh_authorized_keys:
      - $(cat "$work/id.pub")
EOF
}
result=""; watch_log=""
# where_time_went NAME PORT [NETNS]: after the timing, what held SSH back in the guest (the boot's journal with
# monotonic times: network waits, cloud-init stages, sshd), into the log: the figures alone do not say whether a
# side waited out a timeout. (systemd-analyze refuses while cloud-init's last stage still runs.)
where_time_went() {
    local prefix=()
    [ -n "${3:-}" ] && prefix=(ip netns exec "$3")
    "${prefix[@]}" "${SSH[@]}" -p "$2" ops@127.0.0.1 \
        'sudo journalctl -b -o short-monotonic --no-pager | grep -Ei "wait-online|timed out|timeout|cloud-init\[[0-9]+\]: Cloud-init v|Started .*(OpenBSD|ssh)|link becomes ready|DHCP" | head -n 14' \
        2>/dev/null | sed "s/^/bench: $1: /" >&2 || true
}
# wait_ssh T0 NAME PORT [NETNS]: polls until ssh prints NAME; sets $result to the ms since T0. (Not run in a
# command substitution: a TERM must not leave a polling subshell behind.)
wait_ssh() {
    local t0=$1 name=$2 port=$3 prefix=() out end=$((SECONDS + BOOT_TIMEOUT))
    [ -n "${4:-}" ] && prefix=(ip netns exec "$4")
    while ((SECONDS < end)); do
        if [ -n "$watch_log" ] && grep -qs '^ERROR' "$watch_log"; then cat "$watch_log" >&2; return 1; fi
        out=$("${prefix[@]}" "${SSH[@]}" -p "$port" ops@127.0.0.1 hostname 2>/dev/null) && [ "$out" = "$name" ] &&
            { result=$(ms "$t0" "$(now)"); return 0; }
        sleep 1
    done
    echo "bench: no ssh answer from $name on port $port within $BOOT_TIMEOUT s" >&2
    return 1
}

# ------------------------------------------------------------------ (a) plain QEMU
run_qemu() { # run_qemu N
    local name=bench-qemu-$1 d=$work/q$1 port t0 fw=()
    port=$(free_port)
    if [ "$firmware" = uefi ]; then
        fw=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_CODE" -drive "if=pflash,format=raw,unit=1,file=$work/q$1.vars")
    fi
    t0=$(now)
    seed_files "$d" "$name"
    xorriso -as genisoimage -quiet -output "$d.iso" -volid cidata -joliet -rock "$d/user-data" "$d/meta-data" 2>/dev/null
    qemu-img create -q -f qcow2 -F qcow2 -b "$disk" "$d.qcow2" 10G
    [ "$firmware" = uefi ] && cp "$OVMF_VARS" "$work/q$1.vars"
    qemu-system-x86_64 -nodefaults -no-user-config -machine q35 -accel tcg,tb-size=256 -cpu max -smp 1 -m 1024 \
        -display none -serial "file:$d.serial" "${fw[@]}" \
        -blockdev "driver=file,filename=$d.qcow2,node-name=f0" -blockdev driver=qcow2,file=f0,node-name=d0 \
        -device virtio-blk-pci,drive=d0,bootindex=1 \
        -blockdev "driver=file,filename=$d.iso,node-name=f1,read-only=on" -blockdev driver=raw,file=f1,node-name=cd0,read-only=on \
        -device ide-cd,drive=cd0,bus=ide.1 \
        -device virtio-serial-pci -chardev "socket,id=qga0,path=$d.qga,server=on,wait=off" \
        -device virtserialport,chardev=qga0,name=org.qemu.guest_agent.0 \
        -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$port-:22" -device virtio-net-pci,netdev=n0 2>"$d.err" &
    qemu_pid=$!
    wait_ssh "$t0" "$name" "$port" || { tail -n 20 "$d.serial" >&2; return 1; }
    where_time_went "$name" "$port"
    kill -TERM "$qemu_pid"; wait "$qemu_pid" 2>/dev/null || true; qemu_pid=""
    rm -rf "$d" "$d".*
}

# ------------------------------------------------------------------ (b) virt-install
setup_libvirt() {
    install_for_comparison libvirt-daemon-system libvirt-clients virtinst
    make_netns "$ns"; ns_made=1
    start_libvirtd_in "$ns"
    # A fresh libvirtd probes QEMU's capabilities on its first domain (minutes on a loaded TCG host): a one-time
    # cost, paid here, outside the timings.
    virsh domcapabilities --virttype qemu --machine q35 >/dev/null
    # The comparison runs on the image as it is; virt-install's QEMU runs as libvirt-qemu and needs to read it.
    chmod o+rx "$work"; mkdir -p "$work/lv"; chmod 0777 "$work/lv"
}
run_virt_install() { # run_virt_install N
    local name=bench-vi-$1 d=$work/lv/v$1 port t0 boot=()
    port=$(free_port)
    [ "$firmware" = uefi ] && boot=(--boot uefi)
    t0=$(now)
    seed_files "$d" "$name"
    qemu-img create -q -f qcow2 -F qcow2 -b "$disk" "$d.qcow2" 10G
    # debian11: the newest Debian in this host's osinfo-db (2022); the devices are the same (virtio). The --xml
    # edits give libvirt's QEMU what the other sides get: -cpu max and a 256 MiB TCG translation cache.
    # The passed-through NIC needs its own PCI slot: the first free one is where libvirt puts its root ports.
    virt-install --name "vbr-$1" --virt-type qemu --memory 1024 --vcpus 1 --osinfo debian11 "${boot[@]}" \
        --import --disk "path=$d.qcow2,format=qcow2,bus=virtio" \
        --cloud-init "user-data=$d/user-data,meta-data=$d/meta-data" \
        --network none --graphics none --noautoconsole \
        --xml ./cpu/@mode=maximum --xml ./features/tcg/tb-cache=256 --xml ./features/tcg/tb-cache/@unit=MiB \
        --qemu-commandline="-netdev user,id=bn0,hostfwd=tcp:127.0.0.1:$port-:22 -device virtio-net-pci,netdev=bn0,bus=pcie.0,addr=0x10" \
        > "$d.log" 2>&1 &
    # With --cloud-init, virt-install does not return after starting the domain, even with --noautoconsole: it
    # waits for the first boot to end (to take the seed out). So it runs in the background; the clock stops at SSH.
    vi_pid=$!; watch_log=$d.log
    local rc=0
    wait_ssh "$t0" "$name" "$port" "$ns" || rc=1
    ((rc == 0)) && where_time_went "$name" "$port" "$ns"
    watch_log=""
    virsh destroy "vbr-$1" >/dev/null 2>&1; virsh undefine --nvram "vbr-$1" >/dev/null 2>&1
    kill "$vi_pid" 2>/dev/null; wait "$vi_pid" 2>/dev/null; vi_pid=""
    ((rc == 0)) || return 1
    rm -rf "$d" "$d".*
}

# ------------------------------------------------------------------ (c) vireo
setup_vireo() {
    build_vireo
    start_vireod --image-dir "$(dirname "$image")"
    # Registers the built image in this vireod's catalogue (the build itself is cached on its recipe), outside the timing.
    if ! VIREO_GUEST_DIR=$PWD/guest V image build debian-12 >"$work/image-build.log" 2>&1; then
        log "skipping vireo: 'vireo image build debian-12' failed: $(tail -n 3 "$work/image-build.log")"
        return 1
    fi
    V net create vbr-user --mode user >/dev/null
}
run_vireo() { # run_vireo N
    local name=bench-$1 port t0
    port=$(free_port)
    t0=$(now)
    # A forward needs the VM (and its NIC on the network) to exist, and QEMU applies it when the VM starts: so
    # create (not started), forward, start. All three are in the timing.
    V create --name "$name" --image debian-12 --cloud-init "user=ops,ssh-key=$work/id.pub,hostname=$name" \
        --network network=vbr-user --boot "$([ "$firmware" = uefi ] && echo uefi || echo hd)" --memory 1024 --vcpus 1 \
        > "$work/c$1.log" 2>&1 || { cat "$work/c$1.log" >&2; return 1; }
    V net forward add vbr-user --host-port "$port" --host-address 127.0.0.1 --to "$name:22" >/dev/null || return 1
    V start "$name" >/dev/null || return 1
    wait_ssh "$t0" "$name" "$port" || return 1
    where_time_went "$name" "$port"
    V destroy "$name" >/dev/null 2>&1
    V net forward remove vbr-user --host-port "$port" --host-address 127.0.0.1 >/dev/null 2>&1 || true
    V undefine "$name" >/dev/null 2>&1
}

tq=(); tv=(); tc=()
have_vi=0; have_vireo=0
want virt-install && { setup_libvirt && have_vi=1; }
want vireo && { setup_vireo && have_vireo=1 || true; }
for i in $(seq 1 "$runs"); do
    # Each function sets $result (ms) on success; a failed run is logged and left out of the figures.
    if want qemu; then run_qemu "$i" && tq+=("$result") && log "run $i: qemu $result ms" || log "run $i: qemu failed"; fi
    if ((have_vi)); then run_virt_install "$i" && tv+=("$result") && log "run $i: virt-install $result ms" || log "run $i: virt-install failed"; fi
    if ((have_vireo)); then run_vireo "$i" && tc+=("$result") && log "run $i: vireo $result ms" || log "run $i: vireo failed"; fi
done

row() { # label values...
    local label=$1; shift
    if [ $# -gt 0 ]; then echo "| $label | $(med "$@") | $(minmax "$@") | $* |"; else echo "| $label | - | - | not run |"; fi
}
a=$( ((${#tq[@]})) && med "${tq[@]}" || echo ""); b=$( ((${#tv[@]})) && med "${tv[@]}" || echo ""); c=$( ((${#tc[@]})) && med "${tc[@]}" || echo "")
report=$(cat <<TXT
First real VM, $(date -u +%Y-%m-%d), $(nproc) CPUs, QEMU $(qemu-system-x86_64 --version | head -n1 | awk '{print $4}'), TCG, 1 vCPU, 1 GiB, firmware $firmware, image $(sed -n 's/^ *"recipe": *"sha256:\(.\{12\}\).*/\1/p' "$image/image.json")
create -> ssh 'hostname' prints it (ms); medians (min-max) over $runs runs
| side | median ms | min-max | all |
|---|---|---|---|
$(row "qemu by hand" "${tq[@]}")
$(row "virt-install --import --cloud-init" "${tv[@]}")
$(row "vireo create --image debian-12 --cloud-init" "${tc[@]}")
ratio vireo/virt-install: $([ -n "$c" ] && [ -n "$b" ] && ratio "$c" "$b" || echo n/a); vireo/qemu: $([ -n "$c" ] && [ -n "$a" ] && ratio "$c" "$a" || echo n/a); virt-install/qemu: $([ -n "$b" ] && [ -n "$a" ] && ratio "$b" "$a" || echo n/a)
TXT
)
echo "$report"
[ -n "$out" ] && echo "$report" > "$out"
exit 0

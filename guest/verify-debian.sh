#!/usr/bin/env bash
# Boots the built "debian-12" image with plain QEMU (TCG, 1 vCPU, 1 GiB, an overlay larger
# than the image) and a cloud-init NoCloud seed, first with SeaBIOS, then with OVMF UEFI,
# and checks what Vireo relies on:
#   1. the guest agent (virtio-serial org.qemu.guest_agent.0) answers guest-sync + guest-ping
#   2. SSH (slirp hostfwd on 127.0.0.1) as the seed's user and key prints the seed's hostname
#   3. the root file system grew to the overlay's size; cloud-init finished without errors;
#      the network: DHCP (cloud-init's fallback) on SeaBIOS boots, a network-config v2 static
#      address (rendered through netplan) on UEFI boots
#   4. ACPI power-off (QMP system_powerdown) ends QEMU
# and prints the timings boot->agent, boot->ssh, powerdown->exit (boot = QEMU process start).
#
#   guest/verify-debian.sh [--image DIR] [--firmware bios|uefi|both] [--runs N]
#                          [--disk virtio|sata] [--nic virtio|e1000e]
#
# --runs N boots N times per firmware (all checks each time) and prints the medians.
# Needs qemu-system-x86_64, qemu-img, socat, ssh, ssh-keygen, xorriso or genisoimage, and
# OVMF (/usr/share/OVMF) for UEFI. Exits non-zero when a check fails.
set -euo pipefail
export LC_ALL=C

IMAGE=${VIREO_IMAGE_DIR:-/var/cache/vireo/images}/debian-12
FIRMWARE=both
RUNS=1
DISK_BUS=virtio
NIC=virtio
OVERLAY_SIZE=4G          # larger than the image's 3 GiB: the root must grow to it
OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd
BOOT_TIMEOUT=${VERIFY_BOOT_TIMEOUT:-900}  # seconds; a first boot under TCG takes ~1 min idle, 4+ min on a loaded host

while (($#)); do
    case "$1" in
        --image) IMAGE=$2; shift 2 ;;
        --firmware) FIRMWARE=$2; shift 2 ;;
        --runs) RUNS=$2; shift 2 ;;
        --disk) DISK_BUS=$2; shift 2 ;;
        --nic) NIC=$2; shift 2 ;;
        -h|--help) sed -n '2,18s/^# \{0,1\}//p' "$0"; exit 0 ;;
        *) echo "verify-debian: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
case $FIRMWARE in bios) FIRMWARES=(bios) ;; uefi) FIRMWARES=(uefi) ;; both) FIRMWARES=(bios uefi) ;;
    *) echo "verify-debian: --firmware must be bios, uefi or both, not '$FIRMWARE'" >&2; exit 2 ;; esac
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "verify-debian: --runs must be a positive number, not '$RUNS'" >&2; exit 2; }
[[ $DISK_BUS == virtio || $DISK_BUS == sata ]] || { echo "verify-debian: --disk must be virtio or sata, not '$DISK_BUS'" >&2; exit 2; }
[[ $NIC == virtio || $NIC == e1000e ]] || { echo "verify-debian: --nic must be virtio or e1000e, not '$NIC'" >&2; exit 2; }
for tool in qemu-system-x86_64 qemu-img socat ssh ssh-keygen; do
    command -v "$tool" >/dev/null || { echo "verify-debian: $tool is required" >&2; exit 2; }
done
if command -v xorriso >/dev/null; then MKISO=(xorriso -as genisoimage)
elif command -v genisoimage >/dev/null; then MKISO=(genisoimage)
else echo "verify-debian: xorriso or genisoimage is required" >&2; exit 2; fi
[[ -f $IMAGE/image.json && -f $IMAGE/disk.qcow2 ]] ||
    { echo "verify-debian: no debian-12 image in $IMAGE (run guest/build-debian.sh)" >&2; exit 2; }
if [[ " ${FIRMWARES[*]} " == *" uefi "* ]]; then
    [[ -f $OVMF_CODE && -f $OVMF_VARS ]] || { echo "verify-debian: OVMF is required for UEFI ($OVMF_CODE)" >&2; exit 2; }
fi

TMP=$(mktemp -d /tmp/verify-debian.XXXXXX)
QEMU_PID=
FAILURES=0
stop_qemu() {
    [[ -n $QEMU_PID ]] || return 0
    if kill -0 "$QEMU_PID" 2>/dev/null; then
        kill "$QEMU_PID" 2>/dev/null || true
        for _ in {1..50}; do kill -0 "$QEMU_PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$QEMU_PID" 2>/dev/null || true
    fi
    wait "$QEMU_PID" 2>/dev/null || true
    QEMU_PID=
}
cleanup() {
    local rc=$?
    stop_qemu
    if ((rc != 0)) && [[ -s $TMP/serial.log ]]; then
        echo "---- last serial console lines ----" >&2
        tail -n 30 "$TMP/serial.log" | tr -d '\r' >&2
    fi
    rm -rf "$TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pass() { printf 'PASS  %s\n' "$*"; }
fail() { printf 'FAIL  %s\n' "$*"; FAILURES=$((FAILURES + 1)); }
now() { echo "${EPOCHREALTIME/./}"; }
elapsed() { local us=$(($2 - $1)); printf '%d.%01d' $((us / 1000000)) $((us % 1000000 / 100000)); }
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

ssh-keygen -q -t ed25519 -N '' -C verify-debian -f "$TMP/id" >/dev/null
SSH=(ssh -q -i "$TMP/id" -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
    -o ConnectTimeout=5 -o LogLevel=ERROR)

MAC=52:54:00:12:34:56
# make_seed NAME dhcp|static: a NoCloud seed ISO (volume label cidata) with a user, key and
# hostname; "static" adds a network-config v2 with slirp's usual address, set statically.
make_seed() {
    local name=$1 net=$2 dir=$TMP/seed files=()
    rm -rf "$dir" && mkdir "$dir"
    if [[ $net == static ]]; then
        cat >"$dir/network-config" <<EOF
version: 2
ethernets:
  nic0:
    match:
      macaddress: "$MAC"
    addresses: [10.0.2.15/24]
    routes:
      - to: default
        via: 10.0.2.2
    nameservers:
      addresses: [10.0.2.3]
EOF
        files+=("$dir/network-config")
    fi
    cat >"$dir/meta-data" <<EOF
instance-id: $name
local-hostname: $name
EOF
    cat >"$dir/user-data" <<EOF
#cloud-config
hostname: $name
users:
  - name: ops
    shell: /bin/bash
    sudo: "ALL=(ALL) NOPASSWD:ALL"
    ssh_authorized_keys:
      - $(cat "$TMP/id.pub")
EOF
    rm -f "$TMP/seed.iso"
    "${MKISO[@]}" -quiet -output "$TMP/seed.iso" -volid cidata -joliet -rock "$dir/user-data" "$dir/meta-data" "${files[@]}" 2>/dev/null
}

# agent_ping: one guest-sync (with a unique id: replies to commands queued while the agent
# was not yet running arrive first and are skipped) and one guest-ping. The connection stays
# open until the answer is read: QEMU's socket chardev takes a half-close (EOF from the
# client) as a disconnect and drops the replies.
agent_ping() {
    local id=$((RANDOM * 32768 + RANDOM)) line rc=1 end=$((SECONDS + 4)) pid
    coproc QGA { exec socat - "UNIX-CONNECT:$TMP/qga.sock" 2>/dev/null; }
    pid=$QGA_PID
    printf '{"execute":"guest-sync","arguments":{"id":%d}}\n{"execute":"guest-ping"}\n' "$id" >&"${QGA[1]}" 2>/dev/null || true
    while ((SECONDS <= end)) && IFS= read -r -t 3 line <&"${QGA[0]}"; do
        if [[ $line == *"\"return\": $id}"* ]]; then
            IFS= read -r -t 3 line <&"${QGA[0]}" && [[ $line == *'"return": {}'* ]] && rc=0
            break
        fi
    done 2>/dev/null
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    return "$rc"
}
qmp_send() {
    { printf '{"execute":"qmp_capabilities"}\n%s\n' "$1"; sleep 1; } | timeout 5 socat - "UNIX-CONNECT:$TMP/qmp.sock" 2>/dev/null
}

T_AGENT=() T_SSH=() T_OFF=()
boot_once() { # boot_once FIRMWARE RUN
    local fw=$1 run=$2 name port argv t0 t deadline size status net addr
    name=verify-$fw-$run-$$
    net=dhcp; [[ $fw == uefi ]] && net=static
    make_seed "$name" "$net"
    rm -f "$TMP/overlay.qcow2" "$TMP/serial.log" "$TMP/qga.sock" "$TMP/qmp.sock"
    qemu-img create -q -f qcow2 -F qcow2 -b "$IMAGE/disk.qcow2" "$TMP/overlay.qcow2" "$OVERLAY_SIZE"
    for _ in {1..20}; do port=$((20000 + RANDOM % 40000)); port_is_free "$port" && break; done
    argv=(qemu-system-x86_64 -nodefaults -no-user-config -machine q35 -accel tcg,tb-size=256 -cpu max
        -smp 1 -m 1024 -display none
        -chardev "file,id=ser0,path=$TMP/serial.log" -serial chardev:ser0
        -qmp "unix:$TMP/qmp.sock,server=on,wait=off"
        -blockdev "driver=file,filename=$TMP/overlay.qcow2,node-name=f0"
        -blockdev "driver=qcow2,file=f0,node-name=d0"
        -blockdev "driver=file,filename=$TMP/seed.iso,node-name=f1,read-only=on"
        -blockdev "driver=raw,file=f1,node-name=cd0,read-only=on"
        -device ide-cd,drive=cd0,bus=ide.1
        -device virtio-serial-pci,id=vser0
        -chardev "socket,id=qga0,path=$TMP/qga.sock,server=on,wait=off"
        -device virtserialport,bus=vser0.0,chardev=qga0,name=org.qemu.guest_agent.0
        -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$port-:22")
    if [[ $DISK_BUS == virtio ]]; then argv+=(-device virtio-blk-pci,drive=d0,bootindex=1)
    else argv+=(-device ide-hd,drive=d0,bus=ide.0,bootindex=1); fi
    if [[ $NIC == virtio ]]; then argv+=(-device "virtio-net-pci,netdev=n0,mac=$MAC")
    else argv+=(-device "e1000e,netdev=n0,mac=$MAC"); fi
    if [[ $fw == uefi ]]; then
        cp "$OVMF_VARS" "$TMP/vars.fd"
        argv+=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_CODE"
            -drive "if=pflash,format=raw,unit=1,file=$TMP/vars.fd")
    fi
    t0=$(now)
    "${argv[@]}" 2>"$TMP/qemu.err" &
    QEMU_PID=$!
    deadline=$((SECONDS + BOOT_TIMEOUT))

    # 1. guest agent
    t=
    while ((SECONDS < deadline)) && kill -0 "$QEMU_PID" 2>/dev/null; do
        if [[ -S $TMP/qga.sock ]] && agent_ping; then t=$(now); break; fi
        sleep 1
    done
    if [[ -n $t ]]; then
        T_AGENT+=("$(elapsed "$t0" "$t")")
        pass "$fw #$run 1 guest agent answered guest-sync + guest-ping after ${T_AGENT[-1]} s"
    else
        fail "$fw #$run 1 guest agent did not answer within $BOOT_TIMEOUT s"
        cat "$TMP/qemu.err" >&2; stop_qemu; return 1
    fi

    # 2. SSH as the seed's user; the hostname is the seed's
    t= out=
    while ((SECONDS < deadline)); do
        out=$("${SSH[@]}" -p "$port" ops@127.0.0.1 hostname 2>/dev/null) && { t=$(now); break; }
        sleep 1
    done
    if [[ -n $t && $out == "$name" ]]; then
        T_SSH+=("$(elapsed "$t0" "$t")")
        pass "$fw #$run 2 ssh ops@127.0.0.1:$port 'hostname' printed '$out' after ${T_SSH[-1]} s"
    else
        fail "$fw #$run 2 ssh did not print the hostname '$name' (got '${out:-nothing}')"
        stop_qemu; return 1
    fi

    # 3. the root grew to the overlay; cloud-init finished without errors
    size=$("${SSH[@]}" -p "$port" ops@127.0.0.1 "df -B1 --output=size / | tail -n 1" 2>/dev/null | tr -d ' ') || size=0
    if [[ $size =~ ^[0-9]+$ ]] && ((size > 3500000000)); then
        pass "$fw #$run 3 root file system grew to $size bytes (overlay $OVERLAY_SIZE, image 3 GiB)"
    else
        fail "$fw #$run 3 root file system did not grow: size '$size'"
    fi
    addr=$("${SSH[@]}" -p "$port" ops@127.0.0.1 "ip -4 -o addr show scope global" 2>/dev/null) || addr=
    if [[ $net == dhcp && $addr == *"10.0.2.15/24"*dynamic* ]]; then
        pass "$fw #$run 3 network: 10.0.2.15/24 from DHCP (cloud-init's fallback config)"
    elif [[ $net == static && $addr == *"10.0.2.15/24"* && $addr != *dynamic* ]]; then
        pass "$fw #$run 3 network: 10.0.2.15/24 static, from the seed's network-config v2"
    else
        fail "$fw #$run 3 network: expected 10.0.2.15/24 ($net), got: ${addr:-nothing}"
    fi
    status=$("${SSH[@]}" -p "$port" ops@127.0.0.1 "timeout 240 cloud-init status --wait" 2>/dev/null | tail -n 1) || true
    if [[ $status == "status: done" ]]; then
        pass "$fw #$run 3 cloud-init status: done (after $(elapsed "$t0" "$(now)") s)"
    else
        fail "$fw #$run 3 cloud-init did not finish cleanly: '$status'"
        "${SSH[@]}" -p "$port" ops@127.0.0.1 "cloud-init status --long; sudo grep -iE 'warn|error|trace' /var/log/cloud-init.log | tail -n 15" 2>/dev/null || true
    fi

    # 4. ACPI power-off ends QEMU
    t=$(now)
    qmp_send '{"execute":"system_powerdown"}' >/dev/null || true
    for _ in {1..600}; do kill -0 "$QEMU_PID" 2>/dev/null || break; sleep 0.1; done
    if ! kill -0 "$QEMU_PID" 2>/dev/null; then
        wait "$QEMU_PID" 2>/dev/null || true
        QEMU_PID=
        T_OFF+=("$(elapsed "$t" "$(now)")")
        pass "$fw #$run 4 system_powerdown -> QEMU exited after ${T_OFF[-1]} s"
    else
        fail "$fw #$run 4 QEMU still running 60 s after system_powerdown"
        stop_qemu
    fi
}

for fw in "${FIRMWARES[@]}"; do
    T_AGENT=() T_SSH=() T_OFF=()
    for ((run = 1; run <= RUNS; run++)); do
        boot_once "$fw" "$run" || true
    done
    printf 'TIMES %s (disk %s, nic %s, %d run(s)): boot->agent %s s, boot->ssh %s s, powerdown->exit %s s (medians; all: agent [%s] ssh [%s])\n' \
        "$fw" "$DISK_BUS" "$NIC" "$RUNS" "$( ((${#T_AGENT[@]})) && median "${T_AGENT[@]}" || echo -)" \
        "$( ((${#T_SSH[@]})) && median "${T_SSH[@]}" || echo -)" "$( ((${#T_OFF[@]})) && median "${T_OFF[@]}" || echo -)" \
        "${T_AGENT[*]:-}" "${T_SSH[*]:-}"
done

if ((FAILURES)); then
    echo "verify-debian: $FAILURES check(s) failed"
    exit 1
fi
echo "verify-debian: all checks passed"

#!/usr/bin/env bash
# Boots the built "tiny" guest with plain QEMU (TCG) the way Vireo runs it (-S, then QMP
# "cont"; -no-shutdown) and checks what the rest of Vireo relies on:
#   1. VIREO-GUEST-READY on the serial console       4. VIREO-NET line from DHCP (slirp)
#   2. the root shell answers piped commands; Ctrl-C   5. HTTP page via hostfwd on 127.0.0.1
#   3. vireo.hostname= names the guest                 6. ACPI power-off (QMP system_powerdown)
#
#   guest/verify-tiny.sh [--image DIR] [--boots N]
#
# --boots N additionally boots N more times (no -S, nothing else attached but the NIC)
# and prints each process-start -> VIREO-GUEST-READY time and their median.
# Needs qemu-system-x86_64, socat and curl. Exits non-zero when a check fails.
set -euo pipefail
export LC_ALL=C

IMAGE=${VIREO_IMAGE_DIR:-/var/cache/vireo/images}/tiny
BOOTS=0
while (($#)); do
    case "$1" in
        --image) IMAGE=$2; shift 2 ;;
        --boots) BOOTS=$2; shift 2 ;;
        -h|--help) sed -n '2,13s/^# \{0,1\}//p' "$0"; exit 0 ;;
        *) echo "verify-tiny: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
for tool in qemu-system-x86_64 socat curl; do
    command -v "$tool" >/dev/null || { echo "verify-tiny: $tool is required" >&2; exit 2; }
done
[[ -f $IMAGE/image.json && -f $IMAGE/kernel && -f $IMAGE/initrd.img ]] ||
    { echo "verify-tiny: no tiny image in $IMAGE (run guest/build-tiny.sh)" >&2; exit 2; }
CMDLINE=$(sed -n 's/^ *"cmdline": *"\([^"]*\)".*/\1/p' "$IMAGE/image.json")
[[ $CMDLINE == *console=ttyS0* ]] || { echo "verify-tiny: image.json cmdline lacks console=ttyS0" >&2; exit 1; }

HOSTNAME_UNDER_TEST=verify-tiny-$$
MAC=52:54:00:12:34:56
TMP=$(mktemp -d /tmp/verify-tiny.XXXXXX)
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
    exec 4>&- 5<&-
    qmp_close
    stop_qemu
    if ((rc != 0)) && [[ -s $TMP/serial.log ]]; then
        echo "---- last serial console lines ----" >&2
        tail -n 25 "$TMP/serial.log" | tr -d '\r' >&2
    fi
    rm -rf "$TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pass() { printf 'PASS  %s\n' "$*"; }
fail() { printf 'FAIL  %s\n' "$*"; FAILURES=$((FAILURES + 1)); }
# Times in microseconds from bash's own clock: no process per measurement.
now() { echo "${EPOCHREALTIME/./}"; }
elapsed() { local us=$(($2 - $1)); printf '%d.%02d' $((us / 1000000)) $((us % 1000000 / 10000)); }

# Serial console: a QEMU "pipe" chardev is two FIFOs (path.in to the guest, path.out
# from it). Lines are read as they arrive, so times are exact, not polled.
open_serial() {
    rm -f "$TMP/serial.in" "$TMP/serial.out"
    mkfifo "$TMP/serial.in" "$TMP/serial.out"
    : >"$TMP/serial.log"
}
attach_serial() {
    # QEMU opens both FIFOs read-write, so these opens do not block.
    exec 4>"$TMP/serial.in" 5<"$TMP/serial.out"
}
send() { printf '%s' "$1" >&4; }

# wait_line REGEX SECONDS: reads console lines until one (CRs and the shell's
# cursor-position query ESC[6n removed) matches REGEX; sets LINE.
wait_line() {
    local regex=$1 deadline left raw
    deadline=$(($(now) + $2 * 1000000))
    while :; do
        left=$((deadline - $(now)))
        ((left > 0)) || return 1
        IFS= read -r -t "$((left / 1000000)).$(printf '%06d' $((left % 1000000)))" raw <&5 || return 1
        printf '%s\n' "$raw" >>"$TMP/serial.log"
        LINE=${raw//$'\r'/}
        LINE=${LINE//$'\e[6n'/}
        [[ $LINE =~ $regex ]] && return 0
    done
}

qmp_connect() {
    for _ in {1..100}; do [[ -S $TMP/qmp.sock ]] && break; sleep 0.05; done
    coproc QMP { socat - "UNIX-CONNECT:$TMP/qmp.sock" 2>/dev/null; }
    QMP_SOCAT=$QMP_PID
    qmp_expect '"QMP"' 5 && qmp '{"execute":"qmp_capabilities"}' '"return"' 5
}
# qmp_expect REGEX SECONDS: reads QMP messages until one matches; sets QMP_LINE.
qmp_expect() {
    local regex=$1 end=$((SECONDS + $2))
    while ((SECONDS <= end)); do
        [[ -n ${QMP[0]:-} ]] || return 1   # socat gone: QEMU closed the socket
        IFS= read -r -t "$2" QMP_LINE <&"${QMP[0]}" || return 1
        printf '%s\n' "$QMP_LINE" >>"$TMP/qmp.log"
        [[ $QMP_LINE =~ $regex ]] && return 0
    done
    return 1
}
qmp() {
    [[ -n ${QMP[1]:-} ]] || return 1
    printf '%s\n' "$1" >&"${QMP[1]}" && qmp_expect "$2" "$3"
}
qmp_close() {
    [[ -n ${QMP_SOCAT:-} ]] || return 0
    kill "$QMP_SOCAT" 2>/dev/null || true
    wait "$QMP_SOCAT" 2>/dev/null || true
    QMP_SOCAT=
}

port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

base_argv() {
    ARGV=(qemu-system-x86_64 -nodefaults -no-user-config -machine q35 -accel tcg -cpu max -m 128
        -display none -kernel "$IMAGE/kernel" -initrd "$IMAGE/initrd.img"
        -chardev "pipe,id=ser0,path=$TMP/serial" -serial chardev:ser0)
}

# ------------------------------------------------------------------ main boot
open_serial
for attempt in 1 2 3; do
    PORT=$((20000 + RANDOM % 40000))
    port_is_free "$PORT" || continue
    base_argv
    ARGV+=(-append "$CMDLINE vireo.hostname=$HOSTNAME_UNDER_TEST"
        -qmp "unix:$TMP/qmp.sock,server=on,wait=off"
        -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$PORT-:80"
        -device "virtio-net-pci,netdev=n0,mac=$MAC"
        -device pvpanic -no-shutdown -S)
    T0=$(now)
    "${ARGV[@]}" 2>"$TMP/qemu.err" &
    QEMU_PID=$!
    sleep 0.2
    kill -0 "$QEMU_PID" 2>/dev/null && break
    wait "$QEMU_PID" || true
    QEMU_PID=
    ((attempt < 3)) || { cat "$TMP/qemu.err" >&2; exit 1; }
done
attach_serial
qmp_connect || { echo "verify-tiny: QMP handshake failed" >&2; exit 1; }
qmp '{"execute":"cont"}' '"return"' 5

# 1. ready line
if wait_line '^VIREO-GUEST-READY$' 60; then
    T_READY=$(now)
    pass "1 VIREO-GUEST-READY after $(elapsed "$T0" "$T_READY") s (process start, incl. -S/QMP cont)"
else
    fail "1 no VIREO-GUEST-READY within 60 s"; exit 1
fi

# 2. shell: a piped command is answered; Ctrl-C interrupts a foreground job
sleep 0.2
send $'cat /proc/cpuinfo | grep -c processor\n'
if wait_line '^[0-9]+$' 10 && ((LINE >= 1)); then
    pass "2 shell answered 'cat /proc/cpuinfo | grep -c processor' with $LINE"
else
    fail "2 shell did not answer the processor count"
fi
send $'sleep 60\n'
sleep 0.5
send $'\003'
send $'echo "ctrl-c-$((40 + 2))"\n'
if wait_line '^ctrl-c-42$' 10; then
    pass "2 Ctrl-C interrupted 'sleep 60' (the shell has a controlling tty)"
else
    fail "2 Ctrl-C did not interrupt 'sleep 60'"
fi

# 4. DHCP (printed in the background; may have come before the shell answers)
if grep -q "VIREO-NET eth0 $MAC 10.0.2.15/24 gw 10.0.2.2" <(tr -d '\r' <"$TMP/serial.log") ||
    wait_line "VIREO-NET eth0 $MAC 10\\.0\\.2\\.15/24 gw 10\\.0\\.2\\.2\$" 20; then
    pass "4 VIREO-NET eth0 $MAC 10.0.2.15/24 gw 10.0.2.2"
else
    fail "4 no VIREO-NET line for eth0 with the slirp lease"
fi

# 3 + 5. hostname from the kernel command line, served over HTTP via hostfwd
BODY=
for _ in {1..20}; do
    BODY=$(curl -s --max-time 3 "http://127.0.0.1:$PORT/" || true)
    [[ -n $BODY ]] && break
    sleep 0.5
done
if [[ $BODY == *"vireo tiny guest"* ]]; then
    pass "5 HTTP page on 127.0.0.1:$PORT -> guest port 80 contains 'vireo tiny guest'"
else
    fail "5 HTTP page via hostfwd missing or wrong: '${BODY:0:80}'"
fi
send $'hostname\n'
if [[ $BODY == *"$HOSTNAME_UNDER_TEST"* ]] && wait_line "^$HOSTNAME_UNDER_TEST\$" 10; then
    pass "3 hostname is '$HOSTNAME_UNDER_TEST' (vireo.hostname=), in the shell and on the page"
else
    fail "3 hostname from vireo.hostname= not applied"
fi

# 6. ACPI power button -> clean power-off; -no-shutdown turns it into SHUTDOWN + STOP
T_DOWN=$(now)
qmp '{"execute":"system_powerdown"}' '"return"' 5
if qmp_expect '"event": *"SHUTDOWN".*"guest": *true' 30; then
    T_OFF=$(now)
    pass "6 system_powerdown -> SHUTDOWN (guest=true) after $(elapsed "$T_DOWN" "$T_OFF") s"
    if qmp '{"execute":"query-status"}' '"status": *"shutdown"' 5; then
        pass "6 QEMU stopped with status 'shutdown' (-no-shutdown), still running for Vireo"
    else
        fail "6 unexpected status after power-off: $QMP_LINE"
    fi
else
    fail "6 no guest SHUTDOWN event within 30 s of system_powerdown"
fi
qmp '{"execute":"quit"}' '"return"' 5 || true
wait "$QEMU_PID" 2>/dev/null || true
QEMU_PID=
qmp_close
exec 4>&- 5<&-

# ------------------------------------------------------------------ boot timing
if ((BOOTS > 0)); then
    times=()
    for ((i = 1; i <= BOOTS; i++)); do
        open_serial
        base_argv
        ARGV+=(-append "$CMDLINE" -netdev user,id=n0 -device virtio-net-pci,netdev=n0)
        T0=$(now)
        "${ARGV[@]}" 2>"$TMP/qemu.err" &
        QEMU_PID=$!
        attach_serial
        if wait_line '^VIREO-GUEST-READY$' 60; then
            times+=("$(elapsed "$T0" "$(now)")")
            echo "boot $i: VIREO-GUEST-READY after ${times[-1]} s"
        else
            fail "boot $i: no VIREO-GUEST-READY within 60 s"
        fi
        exec 4>&- 5<&-
        stop_qemu
    done
    if ((${#times[@]})); then
        median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }')
        echo "boot to VIREO-GUEST-READY, median of ${#times[@]}: $median s"
    fi
fi

if ((FAILURES)); then
    echo "verify-tiny: $FAILURES check(s) failed"
    exit 1
fi
echo "verify-tiny: all checks passed"

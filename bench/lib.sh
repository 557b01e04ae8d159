# Shared by the bench/run-*.sh scripts (sourced, from the repository root): building Vireo, starting and stopping
# a private vireod and, for the comparisons, a libvirtd inside a network namespace, and the statistics.
# A script sets `work` (its scratch directory) before calling build_vireo/start_vireod; everything it starts is
# ended by PID in its own cleanup (stop_vireod, stop_libvirtd_and_netns).

log() { echo "bench: $*" >&2; }

require_root() { [ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 2; }; }

# The comparisons start their own libvirtd inside a namespace: one already running would answer instead.
require_no_libvirtd() {
    if virsh -c qemu:///system version >/dev/null 2>&1; then
        echo "bench: a libvirtd is already running; this benchmark starts its own inside a namespace. Stop it first." >&2
        exit 2
    fi
}

# Installs the named Debian packages that are missing (for the comparison only) after Vireo's own dependencies.
install_for_comparison() {
    bash scripts/deps.sh
    local need=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
    done
    if [ ${#need[@]} -gt 0 ]; then
        log "installing ${need[*]} (for the comparison only)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
    fi
}

# Builds (or reuses) the tiny guest; sets image, kernel, initrd and cmdline.
use_tiny_image() {
    bash guest/build-tiny.sh
    image=${VIREO_IMAGE_DIR:-/var/cache/vireo/images}/tiny
    kernel=$image/kernel; initrd=$image/initrd.img
    cmdline=$(sed -n 's/^  "cmdline": "\(.*\)",$/\1/p' "$image/image.json")
}

# Publishes vireod and the Native AOT vireo into $work, as install.sh does.
build_vireo() {
    log "building vireod and the Native AOT vireo"
    dotnet publish src/Vireo.Daemon -c Release -nologo -v quiet -o "$work/vireod" >/dev/null
    dotnet publish src/Vireo.Cli -c Release -nologo -v quiet -r linux-x64 -p:PublishAot=true -o "$work/vireo" >/dev/null
    export VIREO_SOCKET=$work/s/vireod.sock
}

V() { "$work/vireo/vireo" "$@"; }

vireod_pid=""

# Starts vireod on a private state directory and waits until it answers: start_vireod [--netns NS] [ARGS...]
start_vireod() {
    local prefix=()
    if [ "${1:-}" = --netns ]; then prefix=(ip netns exec "$2"); shift 2; fi
    "${prefix[@]}" "$work/vireod/vireod" --state-dir "$work/s" --socket "$VIREO_SOCKET" --no-default-network "$@" \
        > "$work/vireod.log" 2>&1 &
    vireod_pid=$!
    for _ in $(seq 1 200); do V version >/dev/null 2>&1 && return 0; sleep 0.1; done
    echo "bench: vireod did not answer; its log is $work/vireod.log" >&2
    return 1
}

# Ends vireod by its PID, after destroying the named VMs (QEMU outlives vireod).
stop_vireod() {
    [ -n "$vireod_pid" ] || return 0
    local vm
    for vm in "$@"; do V destroy "$vm" >/dev/null 2>&1; done
    kill -TERM "$vireod_pid" 2>/dev/null
    wait "$vireod_pid" 2>/dev/null
    vireod_pid=""
}

make_netns() { ip netns add "$1"; ip -n "$1" link set lo up; }

# libvirtd probes QEMU's capabilities as root, but decides whether KVM is usable now by whether its QEMU user
# (libvirt-qemu, group kvm) may open /dev/kvm. Where /dev/kvm is root's only (0600: no udev rule gives it to the
# group kvm, as on these machines), the two disagree: libvirtd finds its capability cache invalid at every lookup
# ("KVM was enabled when probing ..., but it is not available now", in its debug log) and probes QEMU again, which
# under TCG takes 1-4 minutes, inside every define, start and virt-install. A Debian host with udev has /dev/kvm
# 0660 root:kvm; the benchmark gives it that mode for its run and puts the old one back (restore_dev_kvm).
kvm_orig=""
share_dev_kvm() {
    [ -c /dev/kvm ] || return 0
    getent group kvm >/dev/null || return 0
    kvm_orig=$(stat -c '%a %g' /dev/kvm)
    chgrp kvm /dev/kvm && chmod 0660 /dev/kvm
}
restore_dev_kvm() {
    [ -n "$kvm_orig" ] || return 0
    chmod "${kvm_orig%% *}" /dev/kvm; chgrp "${kvm_orig##* }" /dev/kvm
    kvm_orig=""
}

# Starts virtlogd and libvirtd inside namespace $1 and waits until libvirtd answers.
start_libvirtd_in() {
    log "starting virtlogd and libvirtd in namespace $1"
    share_dev_kvm
    ip netns exec "$1" /usr/sbin/virtlogd -d; sleep 0.5
    ip netns exec "$1" /usr/sbin/libvirtd -d
    for _ in $(seq 1 100); do virsh -c qemu:///system version >/dev/null 2>&1 && break; sleep 0.1; done
    export LIBVIRT_DEFAULT_URI=qemu:///system
}

# Ends the libvirtd/virtlogd started by start_libvirtd_in (by the PIDs in their pid files), then whatever still runs
# in namespace $1 (dnsmasq, QEMU: started by this run), then the namespace itself.
stop_libvirtd_and_netns() {
    local f pid
    for f in /run/libvirtd.pid /run/virtlogd.pid; do [ -s "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null; done
    sleep 1
    for pid in $(ip netns pids "$1" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
    ip netns delete "$1" 2>/dev/null
    restore_dev_kvm
    return 0
}

# Waits (30 s at most) for the tiny guest's ready line in a serial log.
wait_line() {
    for _ in $(seq 1 3000); do grep -qs VIREO-GUEST-READY "$1" && return 0; sleep 0.01; done
    echo "bench: no ready line in $1" >&2
    return 1
}

now() { date +%s%N; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1000000 }'; }
med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
min() { printf '%s\n' "$@" | sort -n | head -1; }
max() { printf '%s\n' "$@" | sort -n | tail -1; }
minmax() { echo "$(min "$@")–$(max "$@")"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# Median of the per-run ratios a[i]/b[i] of two equally long lists given one after the other: the two sides of run i
# ran back to back, so each is compared with the peer run made under the same conditions (this kind of VM's speed
# drifts by a third over minutes; a median per side compares runs made at different times).
paired() { local n=$(($# / 2)) r=() i; local a=("$@"); for ((i = 0; i < n; i++)); do r+=("$(ratio "${a[i]}" "${a[i + n]}")"); done; med "${r[@]}"; }

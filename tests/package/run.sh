#!/usr/bin/env bash
# The package test of issue 19: installs the .deb with apt in a fresh Debian 12 (bookworm) and a fresh Debian 13
# (trixie) root and checks, in each, that it works, survives an upgrade with a VM running, and removes cleanly.
#
#   tests/package/run.sh [--deb OLD.deb] [--new-deb NEW.deb | --build-new] [--suites "bookworm trixie"] [--measure FILE]
#
# Without --deb it builds the package with packaging/deb/build.sh. The "newer build" of the upgrade: --new-deb NEW.deb
# (a real newer build: its vireod must report its package version), or --build-new (a second packaging/deb/build.sh of
# this checkout stamped OLD_VERSION+upgrade1; its cost is in docs/install-measured.md), or by default the same package
# repacked with a higher version (+upgrade1): an upgrade to it runs every maintainer script of an upgrade, but its
# vireod reports the old version. A broken newer package (+broken1: its vireod does not run) is always repacked.
# Prints one line per check, "PASS suite [mode]: check (figures)" or "FAIL suite [mode]: check: why", then
# "N passed, N failed", and exits non-zero when a check failed. scripts/test.sh runs it on the .deb that
# tests/packaging/check-deb.sh built and counts those lines. --measure FILE appends the figures as Markdown table rows.
#
# How a root is run:
#  - the cached root (tests/package/roots.sh, keyed on its package list) is the lower layer of an overlay mount, so
#    every run starts from the same fresh root and the cache is never written; everything happens in a private
#    mount namespace (unshare --mount) that ends with the run, so no mount outlives it even when the run is killed;
#  - [chroot] apt install runs in a chroot with /proc and /dev mounted, in the host's network namespace (it needs
#    deb.debian.org); downloaded .debs are kept per suite in the roots cache (apt-archives-SUITE);
#  - [nspawn] then the root is booted with systemd-nspawn (tests/package/nspawn-checks.sh): systemd starts
#    vireod.service as shipped, and the checks run in the container (its own private network; the upgrades install
#    .debs that need nothing new, offline). The container is stopped by its PID; its PID namespace takes every QEMU.
#    VIREO_PKGTEST_MODE=chroot skips it;
#  - [chroot] where nspawn is missing or the root does not boot, the run says why and checks in the chroot instead:
#    vireod runs as the unit's ExecStart= line says, in a network namespace of its own (ip netns, deleted at the end,
#    every process left in it killed by PID), with /sys mounted for that namespace; the test restarts it after the
#    upgrade as the unit would (no systemd runs there to do it).
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${VIREO_ROOTS_CACHE:-/var/cache/vireo/roots}
TINY=${VIREO_TINY_IMAGE:-/var/cache/vireo/images/tiny}
export LC_ALL=C PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# ------------------------------------------------------------------------------------------ one suite (inner)
if [ "${1:-}" = --inner ]; then
    suite=$2 base=$3 old=$4 new=$5 ns=$6 results=$7 work=$8 broken=$9
    R=$work/root
    # Every check line names how it ran: "chroot" (apt in the root with the host's network, or the whole run where
    # nspawn does not boot) or "nspawn" (in the root booted with systemd-nspawn: systemd runs vireod.service).
    mode=chroot
    pass() { echo "PASS $suite [$mode]: $*" | tee -a "$results"; }
    fail() { echo "FAIL $suite [$mode]: $*" | tee -a "$results"; }
    figure() { echo "$1=$2" >>"$work/figures"; }
    # apt calls hold the suite's download cache (shared by concurrent runs) with a lock of their own, so two runs wait
    # for each other instead of failing on apt's own archives lock.
    apt_root() { flock -w 900 "$CACHE/.apt-archives-$suite.lock" chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 HOME=/root DEBIAN_FRONTEND=noninteractive apt-get "$@"; }
    in_root() { chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 HOME=/root DEBIAN_FRONTEND=noninteractive "$@"; }
    in_ns() { ip netns exec "$ns" chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 HOME=/root "$@"; }
    now() { date +%s.%N; }
    secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

    mount --make-rprivate /
    mkdir -p "$work/upper" "$work/ovl" "$R"
    if ! mount -t overlay overlay -o "lowerdir=$base/root,upperdir=$work/upper,workdir=$work/ovl" "$R" 2>"$work/overlay.err"; then
        echo "run.sh: overlay mount failed ($(cat "$work/overlay.err")): copying the root" >&2
        cp -a --reflink=auto "$base/root/." "$R/"
    fi
    mount -t proc proc "$R/proc"
    mount --rbind /dev "$R/dev" && mount --make-rslave "$R/dev"
    mkdir -p "$CACHE/apt-archives-$suite/partial" "$R/var/cache/apt/archives"
    mount --bind "$CACHE/apt-archives-$suite" "$R/var/cache/apt/archives"
    cp /etc/resolv.conf "$R/etc/resolv.conf" 2>/dev/null || true
    # A throwaway root needs no fsync after every file dpkg writes (sbuild and pbuilder chroots do the same).
    echo force-unsafe-io >"$R/etc/dpkg/dpkg.cfg.d/vireo-test-unsafe-io"
    cp "$old" "$new" "$R/tmp/"
    oldname=$(basename "$old") newname=$(basename "$new") brokenname=$(basename "$broken")
    oldv=$(dpkg-deb -f "$old" Version) newv=$(dpkg-deb -f "$new" Version)

    # 1. apt install resolves the dependencies from the archive
    used_before=$(du -sm "$work/upper" | cut -f1)
    t0=$(now)
    if apt_root install -y -q "/tmp/$oldname" >"$work/apt-install.log" 2>&1; then
        t1=$(now)
        isize=$(in_root dpkg-query -W -f='${Installed-Size}' vireo)
        deps=$(grep -c '^Setting up ' "$work/apt-install.log")
        grown=$(( $(du -sm "$work/upper" | cut -f1) - used_before ))
        pass "apt install ./$oldname resolves its dependencies from the archive ($(secs "$t0" "$t1") s, $deps packages set up, vireo ${isize} KiB installed, root grew by ${grown} MB)"
        figure apt_install_s "$(secs "$t0" "$t1")"; figure vireo_installed_kib "$isize"; figure root_grew_mb "$grown"; figure packages "$deps"
    else
        fail "apt install ./$oldname: $(tail -n 5 "$work/apt-install.log" | tr '\n' ' ')"
        exit 0
    fi

    # 2. no dotnet in the root
    dn=$( (find "$R" -xdev \( -name dotnet -o -name 'dotnet-*' \) -not -path "$R/proc/*" 2>/dev/null; in_root dpkg-query -W -f='${Package}\n' 2>/dev/null | grep -i -E '^(dotnet|aspnetcore|netstandard)') | head -n 5)
    if [ -z "$dn" ]; then pass "no dotnet in the root (no file named dotnet*, no dotnet/aspnetcore package)"
    else fail "dotnet found in the root: $dn"; fi

    # 3-7 in the root booted with systemd-nspawn, where it boots (nspawn-checks.sh); otherwise in the chroot below.
    if [ "${VIREO_PKGTEST_MODE:-nspawn}" = nspawn ]; then
        if ! command -v systemd-nspawn >/dev/null; then
            why="systemd-nspawn is not installed here (apt-get install systemd-container)"
        else
            . "$HERE/nspawn-checks.sh"
            nspawn_checks && exit 0
            why=$(cat "$work/nspawn-why" 2>/dev/null || echo "nspawn stopped before its checks")
        fi
        echo "run.sh: $suite: falling back to the chroot: $why" | tee -a "$work/mode"
        fallback=" (the chroot: $why)"
        mount -t proc proc "$R/proc" 2>/dev/null; mountpoint -q "$R/dev" || { mount --rbind /dev "$R/dev" && mount --make-rslave "$R/dev"; }
        mountpoint -q "$R/var/cache/apt/archives" || mount --bind "$CACHE/apt-archives-$suite" "$R/var/cache/apt/archives"
        mode=chroot
    else
        echo "run.sh: $suite: VIREO_PKGTEST_MODE=${VIREO_PKGTEST_MODE}: the chroot" | tee -a "$work/mode"
    fi

    # 3. vireod starts as the unit's ExecStart would start it; vireo version and vireo host check answer
    unit=$(ls "$R"/usr/lib/systemd/system/vireod.service "$R"/lib/systemd/system/vireod.service 2>/dev/null | head -n1)
    start_daemon() {
        local exec
        exec=$(sed -n 's/^ExecStart=[-@!+]*//p' "$unit" | head -n1)
        # systemd's RuntimeDirectory=/StateDirectory=/CacheDirectory= of the unit.
        install -d -m 0750 "$R/run/vireo"; install -d "$R/var/lib/vireo" "$R/var/cache/vireo"
        # In the network namespace, with a sysfs of that namespace: vireod must see the namespace's links, not the host's.
        ip netns exec "$ns" unshare --mount --propagation slave sh -c '
            R=$1; shift
            mount -t sysfs sysfs "$R/sys" && { [ ! -d /sys/fs/cgroup ] || mount --rbind /sys/fs/cgroup "$R/sys/fs/cgroup"; } || exit 1
            exec chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 HOME=/root "$@"' \
            sh "$R" $exec >>"$work/vireod.log" 2>&1 &
        echo $! >"$work/vireod.pid"
        local i
        for i in $(seq 1 600); do in_ns vireo version >/dev/null 2>&1 && return 0; kill -0 "$(cat "$work/vireod.pid")" 2>/dev/null || return 1; sleep 0.1; done
        return 1
    }
    stop_daemon() {
        local pid
        pid=$(cat "$work/vireod.pid" 2>/dev/null) || return 0
        kill -TERM "$pid" 2>/dev/null
        for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null; return 1
    }
    if [ -z "$unit" ]; then
        fail "the package installs no vireod.service"; exit 0
    fi
    # The built-in tiny image: vireod uses it from its image directory; copied from the host's cache to keep the
    # test bounded, unless the package built it already.
    if [ ! -f "$R/var/cache/vireo/images/tiny/kernel" ]; then
        mkdir -p "$R/var/cache/vireo/images" && cp -a "$TINY" "$R/var/cache/vireo/images/tiny"
    fi
    t2=$(now)
    if start_daemon; then
        ver=$(in_ns vireo version 2>&1)
        pass "vireod starts ($(secs "$t2" "$(now)") s)${fallback:-} and vireo version answers: $(echo "$ver" | tr '\n' ' ' | tr -s ' ' | cut -c1-160)"
    else
        fail "vireod did not start: $(tail -n 8 "$work/vireod.log" | tr '\n' ' ')"; exit 0
    fi
    if check=$(in_ns vireo host check 2>&1) || [ -n "$check" ]; then
        qemu=$(echo "$check" | grep -i -m1 'qemu' | tr -s ' ')
        if echo "$check" | grep -q -E '^ *(PASS|OK)' && ! echo "$check" | grep -q -E '^ *FAIL'; then
            pass "vireo host check answers with no FAIL ($(echo "$check" | grep -c -E '^ *(PASS|OK)') pass; $qemu)"
        else
            fail "vireo host check: $(echo "$check" | grep -E 'FAIL' | head -n 5 | tr '\n' ' ')"
        fi
    fi

    # 4. vireo create --image tiny && vireo start; the guest reaches VIREO-GUEST-READY
    # As the README says, no names: the VM is named after the image, and start takes the VM created last.
    vm=tiny
    if in_ns vireo create --image tiny >"$work/create.log" 2>&1 && grep -q "VM '$vm' defined" "$work/create.log" &&
        in_ns vireo start >>"$work/create.log" 2>&1; then
        ready=
        for _ in $(seq 1 240); do
            if in_ns vireo logs $vm --tail 200 2>/dev/null | grep -q VIREO-GUEST-READY; then ready=1; break; fi
            sleep 0.5
        done
        t3=$(now)
        pid=$(in_ns vireo info $vm -o json | sed -n 's/^ *"pid": *\([0-9]*\).*/\1/p' | head -n1)
        if [ -n "$ready" ] && [ -n "$pid" ]; then
            pass "vireo create --image tiny and vireo start: the guest printed VIREO-GUEST-READY ($(secs "$t2" "$t3") s after vireod started, $(secs "$t0" "$t3") s after apt install began; QEMU PID $pid)"
            figure install_to_running_s "$(secs "$t0" "$t3")"; figure daemon_to_ready_s "$(secs "$t2" "$t3")"
        else
            fail "the guest did not print VIREO-GUEST-READY in 120 s (pid '$pid'): $(in_ns vireo logs $vm --tail 5 2>&1 | tr '\n' ' ')"
        fi
    else
        fail "vireo create/start: $(tail -n 5 "$work/create.log" | tr '\n' ' ')"; pid=
    fi

    # 5. upgrade to a newer build: the VM keeps running (the same QEMU process)
    if [ -n "${pid:-}" ]; then
        qemu_start=$(awk '{print $22}' "/proc/$pid/stat" 2>/dev/null)
        if apt_root install -y -q "/tmp/$newname" >"$work/apt-upgrade.log" 2>&1; then
            # Where systemd runs, the package restarts vireod (KillMode=process leaves the VMs alone); in a chroot
            # nothing can, so the test restarts it the way the unit would.
            stop_daemon; start_daemon || fail "vireod $newv did not start: $(tail -n 5 "$work/vireod.log" | tr '\n' ' ')"
            installed=$(in_root dpkg-query -W -f='${Version}' vireo)
            state=$(in_ns vireo info $vm -o json 2>/dev/null | sed -n 's/^ *"state": *"\([a-z_]*\)".*/\1/p' | head -n1)
            pid2=$(in_ns vireo info $vm -o json 2>/dev/null | sed -n 's/^ *"pid": *\([0-9]*\).*/\1/p' | head -n1)
            if [ "$installed" = "$newv" ] && [ "$state" = running ] && [ "$pid2" = "$pid" ] &&
                [ "$(awk '{print $22}' "/proc/$pid/stat" 2>/dev/null)" = "$qemu_start" ]; then
                pass "upgrade $oldv -> $newv with apt install: the VM is still running, same QEMU process (PID $pid), re-attached by the new vireod"
            else
                fail "after the upgrade to $newv (installed '$installed'): state '$state', PID '$pid2' (was $pid)"
            fi
        else
            fail "apt install ./$newname (upgrade): $(tail -n 5 "$work/apt-upgrade.log" | tr '\n' ' ')"
        fi
        in_ns vireo destroy $vm >/dev/null 2>&1
    fi

    # 6. apt remove keeps /var/lib/vireo; apt purge removes it
    stop_daemon
    if apt_root remove -y -q vireo >"$work/apt-remove.log" 2>&1; then
        if [ -d "$R/var/lib/vireo" ] && [ -n "$(ls -A "$R/var/lib/vireo")" ] && [ ! -e "$R/usr/sbin/vireod" ] && [ ! -L "$R/usr/sbin/vireod" ]; then
            pass "apt remove removes the programs and keeps /var/lib/vireo ($(ls -A "$R/var/lib/vireo" | wc -l) entries, $(du -sh "$R/var/lib/vireo" | cut -f1))"
        else
            fail "after apt remove: /var/lib/vireo $( [ -d "$R/var/lib/vireo" ] && echo "has: $(ls -A "$R/var/lib/vireo" | tr '\n' ' ')" || echo missing); vireod $( [ -L "$R/usr/sbin/vireod" ] && echo still there || echo gone)"
        fi
    else
        fail "apt remove vireo: $(tail -n 5 "$work/apt-remove.log" | tr '\n' ' ')"
    fi
    if apt_root purge -y -q vireo >"$work/apt-purge.log" 2>&1; then
        if [ ! -e "$R/var/lib/vireo" ] && [ ! -e "$R/var/lib/vireo-uids" ] && [ ! -e "$R/etc/vireo" ] && ! in_root dpkg-query -W vireo >/dev/null 2>&1; then
            pass "apt purge removes /var/lib/vireo, /var/lib/vireo-uids and /etc/vireo"
        else
            fail "after apt purge: /var/lib/vireo $( [ -e "$R/var/lib/vireo" ] && echo "still there: $(ls -A "$R/var/lib/vireo" | tr '\n' ' ')" || echo gone), /var/lib/vireo-uids $( [ -e "$R/var/lib/vireo-uids" ] && echo "still there" || echo gone), /etc/vireo $( [ -e "$R/etc/vireo" ] && echo "still there" || echo gone), dpkg status '$(in_root dpkg-query -W -f='${Status}' vireo 2>&1)'"
        fi
    else
        fail "apt purge vireo: $(tail -n 5 "$work/apt-purge.log" | tr '\n' ' ')"
    fi
    exit 0
fi

# ------------------------------------------------------------------------------------------------ driver
[ "$(id -u)" = 0 ] || { echo "run.sh: run as root (debootstrap, chroot, mounts, network namespaces)" >&2; exit 2; }
old= new= suites="bookworm trixie" measure= build_new=
while (($#)); do
    case "$1" in
        --deb) old=$(realpath "$2"); shift 2 ;;
        --new-deb) new=$(realpath "$2"); export VIREO_NEW_IS_BUILD=1; shift 2 ;;
        --build-new) build_new=1; shift ;;
        --suites) suites=$2; shift 2 ;;
        --measure) measure=$(realpath -m "$2"); shift 2 ;;
        *) echo "run.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
for tool in debootstrap unshare ip chroot dpkg-deb; do
    command -v "$tool" >/dev/null || { echo "run.sh: $tool is missing (scripts/deps.sh installs it)" >&2; echo "0 passed, 1 failed"; exit 1; }
done
run=$(mktemp -d /var/tmp/vireo-pkgtest.XXXXXX)
results=$run/results
touch "$results"
declare -A nspaces=()
# A container the inner run left behind (killed mid-run): its leader (PID 1 of its PID namespace, so every QEMU in
# it dies with it), then systemd-nspawn, by the PIDs nspawn-checks.sh wrote.
kill_container() {
    local pid
    for pid in $(cat "$1/nspawn.leader" "$1/nspawn.pid" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
}
cleanup() {
    local ns pid d
    for d in "$run"/*/; do kill_container "$d"; done
    for ns in "${nspaces[@]}"; do
        # Every process still in the namespace (vireod, QEMU, dnsmasq) was started by this run.
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
        ip netns del "$ns" 2>/dev/null
    done
    rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "$old" ]; then
    [ -f "$REPO/packaging/deb/build.sh" ] || { echo "FAIL build: packaging/deb/build.sh is missing"; echo "0 passed, 1 failed"; exit 1; }
    t=$(date +%s)
    (cd "$REPO" && bash packaging/deb/build.sh) >"$run/build.log" 2>&1 || { echo "FAIL build: $(tail -n 5 "$run/build.log" | tr '\n' ' ')"; echo "0 passed, 1 failed"; exit 1; }
    old=$(ls -t "$REPO"/dist/vireo_*_amd64.deb | head -n1)
    echo "build: $(basename "$old") in $(( $(date +%s) - t )) s"
fi
v=$(dpkg-deb -f "$old" Version)
mkdir -p "$run/repack/pkg" "$run/newer" "$run/broken"
dpkg-deb -R "$old" "$run/repack/pkg"
if [ -z "$new" ] && [ -n "$build_new" ]; then
    # The newer build: a second real build of this checkout, stamped with a higher version (its vireod and vireo
    # report it). build.sh replaces dist/vireo_*.deb: the package under test is kept aside first.
    orig=$old
    cp "$orig" "$run/old.deb" && old=$run/old.deb
    t=$(date +%s)
    if (cd "$REPO" && VIREO_VERSION="$v+upgrade1" VIREO_PKG_WORK="$run/newbuild" VIREO_SKIP_WEB=1 VIREO_LINTIAN=0 bash packaging/deb/build.sh) >"$run/build-new.log" 2>&1; then
        mv "$REPO/dist/vireo_${v}+upgrade1_amd64.deb" "$run/newer/" && new=$run/newer/vireo_${v}+upgrade1_amd64.deb
        [ -e "$orig" ] || cp "$old" "$orig"
        rm -rf "$run/newbuild"
        export VIREO_NEW_IS_BUILD=1
        echo "build: the newer package $(basename "$new") built in $(( $(date +%s) - t )) s"
    else
        echo "FAIL build: the newer package (VIREO_VERSION=$v+upgrade1): $(tail -n 5 "$run/build-new.log" | tr '\n' ' ')"; echo "0 passed, 1 failed"; exit 1
    fi
fi
if [ -z "$new" ]; then
    # The newer build: this package, repacked with a higher version.
    sed -i "s/^Version: .*/Version: $v+upgrade1/" "$run/repack/pkg/DEBIAN/control"
    new=$run/newer/vireo_${v}+upgrade1_amd64.deb
    dpkg-deb --root-owner-group -Zgzip -z1 -b "$run/repack/pkg" "$new" >/dev/null || { echo "FAIL build: repacking $old"; echo "0 passed, 1 failed"; exit 1; }
fi
# A broken newer package (between the two versions): this package with a vireod that does not run. Installing it
# must fail and leave the running vireod and its VMs alone (checked where systemd runs: nspawn-checks.sh).
sed -i "s/^Version: .*/Version: $v+broken1/" "$run/repack/pkg/DEBIAN/control"
printf '#!/bin/sh\necho "vireod: this build is broken on purpose (tests/package/run.sh)" >&2\nexit 1\n' >"$run/repack/pkg/usr/lib/vireo/vireod/vireod"
broken=$run/broken/vireo_${v}+broken1_amd64.deb
dpkg-deb --root-owner-group -Zgzip -z1 -b "$run/repack/pkg" "$broken" >/dev/null || { echo "FAIL build: repacking $old as a broken package"; echo "0 passed, 1 failed"; exit 1; }
rm -rf "$run/repack"

for suite in $suites; do
    t=$(date +%s)
    base=$(bash "$HERE/roots.sh" ensure "$suite") || { echo "FAIL $suite: no root: debootstrap failed" | tee -a "$results"; continue; }
    echo "root: $suite at $base (ready in $(( $(date +%s) - t )) s; built once in $(cat "$base/build-seconds") s, $(cat "$base/size-mb") MB)"
    ns=vireo-pkg-$suite-$$
    nspaces[$suite]=$ns
    ip netns add "$ns" && ip -n "$ns" link set lo up
    mkdir -p "$run/$suite"
    t=$(date +%s)
    unshare --mount --propagation private -- bash "${BASH_SOURCE[0]}" --inner "$suite" "$base" "$old" "$new" "$ns" "$results" "$run/$suite" "$broken"
    kill_container "$run/$suite"
    echo "$suite: $(( $(date +%s) - t )) s"
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
    if [ -n "$measure" ] && [ -f "$run/$suite/figures" ]; then
        . <(sed 's/^/f_/' "$run/$suite/figures")
        echo "| $suite | $(dpkg-deb -f "$old" Version) | ${f_vireo_installed_kib:-?} KiB | ${f_root_grew_mb:-?} MB (${f_packages:-?} packages) | ${f_apt_install_s:-?} s | ${f_install_to_running_s:-?} s ($(grep -q 'booted with systemd-nspawn' "$run/$suite/mode" 2>/dev/null && echo "nspawn, boot included" || echo chroot)${f_tiny_build_s:+; the tiny image built at first use in $f_tiny_build_s s included}) |" >>"$measure"
        unset "${!f_@}"
    fi
done

passed=$(grep -c '^PASS ' "$results") failed=$(grep -c '^FAIL ' "$results")
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]

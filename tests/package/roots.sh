#!/usr/bin/env bash
# Fresh Debian roots for the package tests (issue 19), cached outside the repository.
#   roots.sh ensure SUITE   prints the cached root's directory, building it with debootstrap when it is missing
#   roots.sh key SUITE      prints the cache key (the root's package list, hashed)
# A root is keyed on its package list: the suite, the mirror, the debootstrap variant, the included packages and this
# recipe's version. A change to any of them builds a new root beside the old one (old ones are pruned: only the newest
# two per suite are kept). Built roots are never used in place: run.sh copies one for each run.
# Nothing but http://deb.debian.org/debian is needed.
set -euo pipefail

CACHE=${VIREO_ROOTS_CACHE:-/var/cache/vireo/roots}
MIRROR=${VIREO_ROOTS_MIRROR:-http://deb.debian.org/debian}
RECIPE=1
# systemd, systemd-sysv and dbus: so that the root can boot under systemd-nspawn where that works; everything else
# (QEMU, dnsmasq, nftables...) must come from the package's own Depends when it is installed.
INCLUDE=systemd,systemd-sysv,dbus

key() {
    printf 'recipe=%s\nsuite=%s\nmirror=%s\nvariant=minbase\ninclude=%s\n' "$RECIPE" "$1" "$MIRROR" "$INCLUDE" |
        sha256sum | cut -c1-12
}

ensure() {
    local suite=$1 dir tmp start
    dir="$CACHE/$suite-$(key "$suite")"
    if [ -f "$dir/built" ]; then echo "$dir"; return; fi
    mkdir -p "$CACHE"
    exec 9>"$CACHE/.$suite.lock"; flock 9
    if [ -f "$dir/built" ]; then echo "$dir"; return; fi
    tmp="$dir.tmp.$$"
    rm -rf "$tmp"; mkdir -p "$tmp"
    trap 'rm -rf "$tmp"' EXIT
    start=$(date +%s)
    echo "roots: debootstrap $suite (minbase + $INCLUDE) from $MIRROR into $dir" >&2
    # debs downloaded once per suite are kept in $CACHE/debs-SUITE and reused by every later build of that suite.
    mkdir -p "$CACHE/debs-$suite"
    debootstrap --variant=minbase --include="$INCLUDE" --cache-dir="$CACHE/debs-$suite" \
        "$suite" "$tmp/root" "$MIRROR" >"$tmp/debootstrap.log" 2>&1 ||
        { tail -n 30 "$tmp/debootstrap.log" >&2; exit 1; }
    cat >"$tmp/root/etc/apt/sources.list" <<SRC
deb $MIRROR $suite main
deb $MIRROR $suite-updates main
SRC
    echo "vireo-$suite" >"$tmp/root/etc/hostname"
    chroot "$tmp/root" apt-get update -q >>"$tmp/debootstrap.log" 2>&1 ||
        { tail -n 30 "$tmp/debootstrap.log" >&2; exit 1; }
    rm -rf "$tmp/root/var/cache/apt/archives/"*.deb
    echo "$(( $(date +%s) - start ))" >"$tmp/build-seconds"
    du -sm "$tmp/root" | cut -f1 >"$tmp/size-mb"
    touch "$tmp/built"
    mv "$tmp" "$dir"
    trap - EXIT
    echo "roots: $suite built in $(cat "$dir/build-seconds") s, $(cat "$dir/size-mb") MB" >&2
    # Keep the newest two roots of this suite.
    ls -1dt "$CACHE/$suite"-*/ 2>/dev/null | grep -v '\.tmp\.' | tail -n +3 | xargs -r rm -rf
    echo "$dir"
}

case "${1:-}" in
    ensure) ensure "${2:?suite}" ;;
    key) key "${2:?suite}" ;;
    *) echo "usage: roots.sh ensure|key SUITE" >&2; exit 2 ;;
esac

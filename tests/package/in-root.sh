#!/usr/bin/env bash
# Runs a command of this checkout inside a fresh Debian root, with that root's QEMU: how the host tests are run
# against Debian 13's QEMU 10.0 on a Debian 12 machine (and the other way round).
#
#   tests/package/in-root.sh SUITE COMMAND...
#   e.g. tests/package/in-root.sh trixie dotnet test tests/Vireo.Qmp.Tests -c Release --no-build --filter "FullyQualifiedName~Integration"
#
# The cached root of tests/package/roots.sh gets, in an overlay that ends with the run, the Debian packages the host
# tests use (PACKAGES below, from the root's own archive: QEMU 10.0 in trixie, 7.2 in bookworm); this checkout and the
# host's .NET SDK are bind-mounted at their own paths, and COMMAND runs there in a chroot with /proc, /sys and /dev
# mounted, all in a private mount namespace. It runs in the host's network namespace (apt needs the archive); the
# tests make their own namespaces for taps and bridges, as they do on the host.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${VIREO_ROOTS_CACHE:-/var/cache/vireo/roots}
# The host tests' tools, as in scripts/deps.sh (without the build and web tools: the host builds, the root runs).
PACKAGES="qemu-system-x86 qemu-utils ovmf iproute2 nftables dnsmasq-base iputils-ping iptables procps util-linux genisoimage socat curl ca-certificates cpio kmod xz-utils busybox-static osinfo-db libssl3t64|libssl3 libicu76|libicu72"
# (libicu: the host's .NET SDK, which runs dotnet test in the root, needs ICU; Vireo itself runs without it.)
export LC_ALL=C PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

if [ "${1:-}" = --inner ]; then
    shift; work=$1 base=$2 suite=$3; shift 3
    R=$work/root
    mount --make-rprivate /
    mkdir -p "$work/upper" "$work/ovl" "$R"
    mount -t overlay overlay -o "lowerdir=$base/root,upperdir=$work/upper,workdir=$work/ovl" "$R"
    mount -t proc proc "$R/proc"
    mount --rbind /sys "$R/sys" && mount --make-rslave "$R/sys"
    mount --rbind /dev "$R/dev" && mount --make-rslave "$R/dev"
    mkdir -p "$CACHE/apt-archives-$suite/partial"
    mount --bind "$CACHE/apt-archives-$suite" "$R/var/cache/apt/archives"
    cp /etc/resolv.conf "$R/etc/resolv.conf"
    echo force-unsafe-io >"$R/etc/dpkg/dpkg.cfg.d/vireo-test-unsafe-io"
    # Each alternative "a|b": the first one the archive has.
    pkgs=()
    for p in $PACKAGES; do
        for alt in ${p//|/ }; do
            if chroot "$R" apt-cache show "$alt" >/dev/null 2>&1; then pkgs+=("$alt"); break; fi
        done
    done
    flock -w 900 "$CACHE/.apt-archives-$suite.lock" chroot "$R" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${pkgs[@]}" >"$work/apt.log" 2>&1 ||
        { tail -n 20 "$work/apt.log" >&2; exit 1; }
    dotnet=$(dirname "$(readlink -f "$(command -v dotnet)")")
    mkdir -p "$R$dotnet" "$R$REPO" && mount --bind "$dotnet" "$R$dotnet" && mount --bind "$REPO" "$R$REPO"
    ln -sf "$dotnet/dotnet" "$R/usr/local/bin/dotnet"
    # The guest images the tests boot (guest/build-tiny.sh, guest/build-debian.sh), read-only.
    if [ -d /var/cache/vireo/images ]; then
        mkdir -p "$R/var/cache/vireo/images" && mount --bind -o ro /var/cache/vireo/images "$R/var/cache/vireo/images"
    fi
    echo "in-root: $suite, $(chroot "$R" qemu-system-x86_64 --version | head -n1)" >&2
    chroot "$R" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
        DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_ROOT="$dotnet" sh -c 'cd "$1" && shift && exec "$@"' sh "$REPO" "$@"
    exit $?
fi

[ "$(id -u)" = 0 ] || { echo "in-root.sh: run as root" >&2; exit 2; }
suite=${1:?usage: in-root.sh SUITE COMMAND...}; shift
base=$(bash "$HERE/roots.sh" ensure "$suite")
work=$(mktemp -d /var/tmp/vireo-inroot.XXXXXX)
trap 'rm -rf "$work"' EXIT
unshare --mount --propagation private -- bash "${BASH_SOURCE[0]}" --inner "$work" "$base" "$suite" "$@"

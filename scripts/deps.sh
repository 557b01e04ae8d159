#!/usr/bin/env bash
# Installs, with apt-get, every Debian package Vireo needs to build, run and test, when it is missing.
# The .NET 10 SDK is not in Debian's archive: it must already be on PATH (or come from Microsoft's apt repository).
set -euo pipefail

packages=(
    qemu-system-x86 qemu-utils          # the hypervisor and qemu-img
    dnsmasq-base nftables iproute2      # networking: DHCP/DNS, NAT rules, bridges and taps
    iputils-ping                        # bridge-uplink checks that the gateway answers through the bridge
    busybox-static cpio kmod xz-utils   # building the tiny guest
    socat curl ca-certificates procps   # tools the tests and scripts use
    iptables                            # tests: another program's iptables-nft FORWARD chain (ForeignForwardTests)
    genisoimage                         # ISO images for the CD-ROM tests
    gcc zlib1g-dev                      # Native AOT linking of the vireo CLI
    osinfo-db                           # the OS database of vireo os (and virt-install); Vireo's overlay is data/osinfo
    debootstrap debian-archive-keyring  # building the debian-12 image (guest/build-debian.sh)
    fdisk e2fsprogs dosfstools mtools   #   its disk without loop devices: sfdisk, mkfs.ext4 -d, mkfs.vfat + mcopy
    grub-common grub-pc-bin grub-efi-amd64-bin  # its boot loaders: i386-pc (SeaBIOS) and x86_64-efi (OVMF)
    ovmf xorriso openssh-client         # guest/verify-debian.sh: UEFI boots, NoCloud seed ISOs, ssh
    chromium                            # the web UI's browser test (Playwright drives /usr/bin/chromium; never its own download)
    python3                             # tests/reliability/render.py renders docs/reliability.md
    afl++                               # coverage-guided fuzzing of the parsers (fuzz/run.sh, with SharpFuzz)
    util-linux                          # setsid and setpriv: QEMU starts in its own session as its VM's uid (docs/security.md)
    dpkg-dev debhelper fakeroot lintian # the Debian package: packaging/deb/build.sh (dpkg-buildpackage -b, then lintian)
    zsh fish                            # tests/packaging/check-deb.sh parses the zsh and fish completions it ships
)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "deps: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

# The system groups (docs/security.md): vireo may use the API socket (root:vireo 0660); every QEMU runs with
# vireo-qemu, as a uid of its own per VM. vireod makes them too when they are missing.
for g in vireo vireo-qemu; do
    getent group "$g" >/dev/null || groupadd --system "$g"
done

# The web UI (web/) is built with Vite, which needs Node.js 20.19 or newer and npm. Debian 12's own nodejs is 18:
# a Node 20 already installed (Debian's backport or NodeSource's nodejs, which includes npm) is kept.
node_major() { node --version 2>/dev/null | sed -n 's/^v\([0-9]*\).*/\1/p'; }
if [ "$(node_major)" = "" ] || [ "$(node_major)" -lt 20 ] || ! command -v npm >/dev/null; then
    echo "deps: installing nodejs and npm (the web UI's build)" >&2
    apt-get install -y -q --no-install-recommends nodejs npm >/dev/null 2>&1 || true
    if [ "$(node_major)" = "" ] || [ "$(node_major)" -lt 20 ] || ! command -v npm >/dev/null; then
        echo "deps: the web UI needs Node.js 20 or newer with npm (found: $(node --version 2>/dev/null || echo none))." >&2
        echo "      Install NodeSource's nodejs 20 (https://github.com/nodesource/distributions) and run this again." >&2
        exit 1
    fi
fi

if ! dotnet --list-sdks 2>/dev/null | grep -q '^10\.'; then
    echo "deps: the .NET 10 SDK is missing; trying apt-get install dotnet-sdk-10.0" >&2
    if ! apt-get install -y -q dotnet-sdk-10.0 >/dev/null 2>&1; then
        echo "deps: cannot install the .NET 10 SDK with apt-get. Add Microsoft's package repository" >&2
        echo "      (https://learn.microsoft.com/dotnet/core/install/linux-debian) and run this again." >&2
        exit 1
    fi
fi

#!/usr/bin/env bash
# Builds Vireo's embedded default guest "tiny": Debian 12's own kernel (booted as an
# uncompressed PVH ELF) plus a busybox initramfs made from guest/tiny/.
#
#   guest/build-tiny.sh [--out DIR] [--force]
#
# Output (default ${VIREO_IMAGE_DIR:-/var/cache/vireo/images}/tiny): kernel, initrd.img,
# image.json. Downloaded .debs stay in ${VIREO_CACHE_DIR:-/var/cache/vireo}/debs, so a
# rebuild needs no network. Runs as root on Debian 12; installs its own build tools.
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LC_ALL=C

SCRIPT=$(readlink -f "${BASH_SOURCE[0]}")
GUEST_DIR=${SCRIPT%/*}
RECIPE_DIR=$GUEST_DIR/tiny
CACHE_DIR=${VIREO_CACHE_DIR:-/var/cache/vireo}
DEB_DIR=$CACHE_DIR/debs
OUT=${VIREO_IMAGE_DIR:-/var/cache/vireo/images}/tiny
FORCE=0

KERNEL_META=linux-image-amd64
BUSYBOX_PKG=busybox-static
# Default kernel command line (measurements in guest/tiny/README.md):
#   console=ttyS0      the serial console the host talks to (root shell, READY line)
#   quiet              only errors reach the emulated UART, so the host sees the protocol
#                      lines, not the boot log
#   cryptomgr.notests  skips the crypto self-tests, the slowest initcall under TCG (~0.4 s)
# Also tried under TCG, with no measurable gain (so left out): no_timer_check,
# 8250.nr_uarts=1, init_on_alloc=0, rodata=off, mitigations=off, and blacklisting the
# crypto_kdf108_init / init_kprobe_trace initcalls.
CMDLINE="console=ttyS0 quiet cryptomgr.notests"
DESCRIPTION="Busybox initramfs on Debian 12's kernel: root shell on ttyS0, DHCP on every NIC, HTTP on port 80, ACPI power-off"

usage() {
    sed -n '2,9s/^# \{0,1\}//p' "$SCRIPT"
}

log() { printf '==> %s\n' "$*"; }
die() { printf 'build-tiny: error: %s\n' "$*" >&2; exit 1; }
usage_error() { printf 'build-tiny: %s\n' "$*" >&2; exit 2; }

while (($#)); do
    case "$1" in
        --out) (($# >= 2)) || usage_error "--out needs a directory"; OUT=$2; shift 2 ;;
        --out=*) OUT=${1#--out=}; shift ;;
        --force) FORCE=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage_error "unknown argument '$1' (see --help)" ;;
    esac
done
OUT=$(realpath -m -- "$OUT")
OUT_PARENT=${OUT%/*}
OUT_PARENT=${OUT_PARENT:-/}

(( EUID == 0 )) || die "run as root (it installs build tools and creates device nodes in the initramfs)"
[[ -d $RECIPE_DIR/rootfs && -f $RECIPE_DIR/modules.list ]] || die "recipe not found under $RECIPE_DIR"

# ---------------------------------------------------------------- package resolution
# apt-cache rebuilds its whole package cache on every call here (~1 s, Debian's
# Docker-style config disables pkgcache.bin), so the resolved versions are cached,
# keyed on the apt configuration and package lists they were resolved from.
# The up-to-date path must stay well under a second on a busy 2-core host, where
# each process start costs 30-80 ms: it runs only a handful of processes.
RESOLVED_FILE=$CACHE_DIR/tiny-packages.env

apt_fingerprint() {
    local files=() f lines
    for f in /var/lib/apt/lists/*_Packages* /etc/apt/sources.list /etc/apt/sources.list.d/* \
        /etc/apt/preferences /etc/apt/preferences.d/*; do
        [[ -e $f ]] && files+=("$f")
    done
    lines=()
    ((${#files[@]})) && mapfile -t lines < <(stat -c '%n:%s:%Y' "${files[@]}")
    f="$KERNEL_META $BUSYBOX_PKG ${lines[*]}"
    echo "${f// /|}"
}

candidate_version() {
    apt-cache show --no-all-versions "$1" 2>/dev/null | awk '/^Version:/ { print $2; exit }'
}

resolve_from_apt() {
    # linux-image-amd64 is a metapackage; the kernel itself is the versioned
    # linux-image-<abi>-amd64 it depends on.
    KERNEL_PKG=$(apt-cache depends "$KERNEL_META" 2>/dev/null |
        awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
    KERNEL_VER=
    BUSYBOX_VER=$(candidate_version "$BUSYBOX_PKG")
    [[ -n $KERNEL_PKG ]] && KERNEL_VER=$(candidate_version "$KERNEL_PKG")
    [[ -n $KERNEL_PKG && -n $KERNEL_VER && -n $BUSYBOX_VER ]]
}

resolve_packages() {
    local fp
    fp=$(apt_fingerprint)
    APT_FINGERPRINT=
    if [[ -f $RESOLVED_FILE ]]; then
        # shellcheck disable=SC1090
        source "$RESOLVED_FILE"
        [[ $APT_FINGERPRINT == "$fp" && -n ${KERNEL_PKG:-} && -n ${KERNEL_VER:-} && -n ${BUSYBOX_VER:-} ]] &&
            return 0
    fi
    if ! resolve_from_apt; then
        log "resolving $KERNEL_META needs fresh package lists: apt-get update"
        apt-get update -q >/dev/null
        fp=$(apt_fingerprint)
        resolve_from_apt || die "cannot resolve $KERNEL_META / $BUSYBOX_PKG with apt-cache"
    fi
    mkdir -p "$CACHE_DIR"
    printf 'APT_FINGERPRINT=%q\nKERNEL_PKG=%q\nKERNEL_VER=%q\nBUSYBOX_VER=%q\n' \
        "$fp" "$KERNEL_PKG" "$KERNEL_VER" "$BUSYBOX_VER" >"$RESOLVED_FILE.tmp"
    mv -f "$RESOLVED_FILE.tmp" "$RESOLVED_FILE"
}

# ---------------------------------------------------------------- recipe hash
# Everything that decides the image's content: this script, every file under
# guest/tiny/ (path, mode, bytes) and the exact package versions it is built from.
recipe_hash() {
    local entries=() names=() sums line
    # Only the executable bit of a mode matters (the rest follows the checkout's umask).
    mapfile -t entries < <(cd "$RECIPE_DIR" && find . -type f \( -perm -u+x -printf 'x %P\n' -o -printf '- %P\n' \) | sort -k2)
    # Paths relative to guest/, so the hash does not depend on where the checkout is.
    for line in "${entries[@]}"; do names+=("${RECIPE_DIR##*/}/${line#* }"); done
    sums=$(cd "$GUEST_DIR" && sha256sum -- "${SCRIPT##*/}" "${names[@]}")
    line=$(printf '%s\n' "$sums" "${entries[@]}" "kernel $KERNEL_PKG $KERNEL_VER" \
        "busybox $BUSYBOX_PKG $BUSYBOX_VER" | sha256sum)
    echo "${line%% *}"
}

# Prints the recipe hash recorded in the built image, if the image is complete.
built_hash() {
    local line
    [[ -f $OUT/image.json && -f $OUT/kernel && -f $OUT/initrd.img ]] || return 0
    while IFS= read -r line; do
        if [[ $line =~ ^\ *\"recipe_hash\":\ *\"([^\"]*)\" ]]; then
            echo "${BASH_REMATCH[1]}"
            return 0
        fi
    done <"$OUT/image.json"
}

resolve_packages
RECIPE_HASH=sha256:$(recipe_hash)
if ((FORCE == 0)) && [[ $(built_hash) == "$RECIPE_HASH" ]]; then
    echo "tiny image is up to date: $OUT (recipe $RECIPE_HASH)"
    exit 0
fi

# ---------------------------------------------------------------- build
mkdir -p "$CACHE_DIR" "$DEB_DIR" "$OUT_PARENT"
# One build at a time per output; a second caller waits, then finds it up to date.
exec 9>"$OUT_PARENT/.tiny.lock"
flock 9
if ((FORCE == 0)) && [[ $(built_hash) == "$RECIPE_HASH" ]]; then
    echo "tiny image is up to date: $OUT (recipe $RECIPE_HASH)"
    exit 0
fi

ensure_tools() {
    local -A need=([dpkg-deb]=dpkg [cpio]=cpio [depmod]=kmod [modprobe]=kmod [xz]=xz-utils
        [zstd]=zstd [gzip]=gzip [readelf]=binutils [od]=coreutils [apt-get]=apt)
    local cmd missing=()
    for cmd in "${!need[@]}"; do
        command -v "$cmd" >/dev/null || missing+=("${need[$cmd]}")
    done
    ((${#missing[@]})) || return 0
    mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
    log "installing build tools: ${missing[*]}"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; then
        apt-get update -q >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

# Prints the path of PKG=VER's .deb in the cache, downloading it if needed.
fetch_deb() {
    local pkg=$1 ver=$2 file tmp
    file=$DEB_DIR/${pkg}_${ver//:/%3a}_amd64.deb
    if [[ ! -s $file ]]; then
        log "downloading $pkg $ver" >&2
        tmp=$(mktemp -d "$DEB_DIR/.download.XXXXXX")
        # Sandbox user root: _apt may not write into this root-owned cache.
        if ! (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg=$ver" >/dev/null); then
            apt-get update -q >/dev/null
            (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg=$ver" >/dev/null) ||
                { rm -rf "$tmp"; die "cannot download $pkg=$ver"; }
        fi
        mv -f "$tmp"/*.deb "$file"
        rm -rf "$tmp"
    fi
    [[ $(dpkg-deb -f "$file" Package) == "$pkg" && $(dpkg-deb -f "$file" Version) == "$ver" ]] ||
        die "$file is not $pkg $ver"
    echo "$file"
}

ensure_tools
WORK=$(mktemp -d "$OUT_PARENT/.tiny.build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
KERNEL_DEB=$(fetch_deb "$KERNEL_PKG" "$KERNEL_VER")
BUSYBOX_DEB=$(fetch_deb "$BUSYBOX_PKG" "$BUSYBOX_VER")

log "unpacking $KERNEL_PKG $KERNEL_VER"
dpkg-deb -x "$KERNEL_DEB" "$WORK/kpkg"
dpkg-deb -x "$BUSYBOX_DEB" "$WORK/bbpkg"
shopt -s nullglob
kdirs=("$WORK"/kpkg/lib/modules/*/ "$WORK"/kpkg/usr/lib/modules/*/)   # Debian 12: /lib; later: /usr/lib
bzimages=("$WORK"/kpkg/boot/vmlinuz-*)
shopt -u nullglob
((${#kdirs[@]} == 1 && ${#bzimages[@]} == 1)) || die "unexpected layout in $KERNEL_DEB"
KVER=$(basename "${kdirs[0]}")
BZIMAGE=${bzimages[0]}

IMAGE=$WORK/image
mkdir "$IMAGE"

# shellcheck source=guest/tiny/build/kernel.sh
source "$RECIPE_DIR/build/kernel.sh"
if extract_vmlinux "$BZIMAGE" "$IMAGE/kernel" && is_pvh_elf "$IMAGE/kernel"; then
    KERNEL_FORMAT=pvh-elf
    log "kernel: uncompressed PVH ELF ($(du -m "$IMAGE/kernel" | cut -f1) MB)"
else
    echo "build-tiny: warning: could not extract a PVH ELF from $BZIMAGE; using the bzImage" >&2
    cp "$BZIMAGE" "$IMAGE/kernel"
    KERNEL_FORMAT=bzimage
fi

# shellcheck source=guest/tiny/build/initramfs.sh
source "$RECIPE_DIR/build/initramfs.sh"
build_initramfs "$WORK/initramfs" "$IMAGE/initrd.img"
log "initrd.img: $(stat -c %s "$IMAGE/initrd.img") bytes; ${#LOADED_MODULES[@]} modules loaded at boot, ${#ONDEMAND_MODULES[@]} more on demand"

cat >"$IMAGE/image.json" <<EOF
{
  "name": "tiny",
  "description": "$DESCRIPTION",
  "recipe_hash": "$RECIPE_HASH",
  "kernel_package": "$KERNEL_PKG",
  "kernel_version": "$KERNEL_VER",
  "kernel_release": "$KVER",
  "kernel_format": "$KERNEL_FORMAT",
  "busybox_package": "$BUSYBOX_PKG",
  "busybox_version": "$BUSYBOX_VER",
  "cmdline": "$CMDLINE",
  "built_at": "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
}
EOF
chmod 0644 "$IMAGE"/*
chmod 0755 "$IMAGE"

# Into place: rename(2) of the finished directory, so no reader ever sees a partial
# image. An existing image is moved aside first (rename cannot replace a non-empty
# directory) and removed afterwards.
if [[ -e $OUT ]]; then
    mv -T "$OUT" "$WORK/previous"
fi
mv -T "$IMAGE" "$OUT"
log "built $OUT (recipe $RECIPE_HASH, kernel $KERNEL_FORMAT)"

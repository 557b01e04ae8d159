#!/usr/bin/env bash
# Builds Vireo's default guest image `tiny` from Debian packages: Debian's kernel (taken from its .deb, never
# installed on the host), unpacked to an uncompressed PVH ELF for a fast boot under TCG, plus a busybox
# initramfs with the virtio drivers and the guest's own files from guest/tiny/rootfs.
#
# Usage: guest/build-tiny.sh [--out DIR] [--force]
#   --out DIR  output directory (default ${VIREO_IMAGE_DIR:-/var/cache/vireo/images}/tiny)
#   --force    rebuild even if the image matches the recipe
# The output holds kernel, initrd.img and image.json; it is replaced atomically. Downloads are cached in
# ${VIREO_CACHE_DIR:-/var/cache/vireo}/debs.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
recipe_dir="$here/tiny"
out="${VIREO_IMAGE_DIR:-/var/cache/vireo/images}/tiny"
cache="${VIREO_CACHE_DIR:-/var/cache/vireo}/debs"
force=0
while [ $# -gt 0 ]; do
    case "$1" in
        --out) out="$2"; shift 2 ;;
        --out=*) out="${1#--out=}"; shift ;;
        --force) force=1; shift ;;
        -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "build-tiny: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
log() { echo "build-tiny: $*" >&2; }

# Tools the build needs; installed with apt-get on a fresh machine.
need_packages=()
command -v busybox >/dev/null && busybox --list 2>/dev/null | grep -qx udhcpc || need_packages+=(busybox-static)
[ -x /bin/busybox ] && file_is_static=$(LC_ALL=C ldd /bin/busybox 2>&1 | grep -c "not a dynamic" || true) || file_is_static=0
[ "${file_is_static:-0}" -ge 1 ] || need_packages+=(busybox-static)
command -v cpio >/dev/null || need_packages+=(cpio)
command -v depmod >/dev/null || need_packages+=(kmod)
command -v xz >/dev/null || need_packages+=(xz-utils)
command -v dpkg-deb >/dev/null || need_packages+=(dpkg)
if [ ${#need_packages[@]} -gt 0 ]; then
    log "installing ${need_packages[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need_packages[@]}" >/dev/null \
        || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need_packages[@]}" >/dev/null; }
fi

# The kernel package linux-image-amd64 points to, and its version.
kernel_pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
if [ -z "$kernel_pkg" ]; then
    apt-get update -q >/dev/null
    kernel_pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
fi
kernel_version=$(apt-cache policy "$kernel_pkg" | awk '/Candidate:/ {print $2}')
[ -n "$kernel_pkg" ] && [ -n "$kernel_version" ] || { log "cannot resolve the kernel package behind linux-image-amd64"; exit 1; }

recipe_hash=$( { cat "$0"; (cd "$recipe_dir" && find . -type f | LC_ALL=C sort | xargs -d '\n' sha256sum); echo "$kernel_pkg=$kernel_version"; } | sha256sum | cut -c1-16)
if [ "$force" = 0 ] && [ -f "$out/image.json" ] && grep -q "\"recipe\": \"$recipe_hash\"" "$out/image.json" \
    && [ -f "$out/kernel" ] && [ -f "$out/initrd.img" ]; then
    log "up to date: $out (recipe $recipe_hash)"
    exit 0
fi

mkdir -p "$cache" "$(dirname "$out")"
deb=$(ls "$cache/${kernel_pkg}_${kernel_version//:/%3a}_amd64.deb" 2>/dev/null || true)
if [ -z "$deb" ]; then
    log "downloading $kernel_pkg $kernel_version"
    (cd "$cache" && apt-get download "$kernel_pkg=$kernel_version" 2>/dev/null) \
        || (apt-get update -q >/dev/null && cd "$cache" && apt-get download "$kernel_pkg=$kernel_version")
    deb=$(ls "$cache/${kernel_pkg}_"*"_amd64.deb" | head -n1)
fi

work=$(mktemp -d "$(dirname "$out")/.tiny-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
log "unpacking $(basename "$deb")"
dpkg-deb -x "$deb" "$work/pkg"
release=$(ls "$work/pkg/lib/modules" | head -n1)
vmlinuz="$work/pkg/boot/vmlinuz-$release"

# --- kernel: extract the uncompressed ELF from the bzImage --------------------------------------------------------
# A bzImage is a small decompressor followed by the compressed kernel. Under TCG the decompression alone takes
# seconds, so boot the ELF inside it directly: QEMU starts an ELF kernel through its PVH entry point.
is_elf() { [ "$(head -c 4 "$1" | od -An -tx1 | tr -d ' \n')" = "7f454c46" ]; }
extract_elf() {
    local image=$1 target=$2 magic tool offset
    for pair in "\xfd\x37\x7a\x58\x5a\x00:xz -dc" "\x1f\x8b\x08\x00:gzip -dc" "\x28\xb5\x2f\xfd:zstd -dc" "\x5d\x00\x00\x00:xz -F lzma -dc"; do
        magic=${pair%%:*}; tool=${pair#*:}
        command -v "${tool%% *}" >/dev/null || continue
        # Byte offsets of the magic (GNU grep: -b offsets, -o only the match, -U -a binary as text, -P escapes).
        for offset in $(LC_ALL=C grep -obUaP "$magic" "$image" 2>/dev/null | cut -d: -f1 | head -n 5); do
            tail -c +$((offset + 1)) "$image" | $tool > "$target" 2>/dev/null || true
            if is_elf "$target"; then return 0; fi
        done
    done
    return 1
}
has_pvh_note() {
    # XEN_ELFNOTE_PHYS32_ENTRY (type 18) in a note named "Xen": QEMU's PVH boot needs it.
    if command -v readelf >/dev/null; then
        readelf -n "$1" 2>/dev/null | grep -q "Xen.*0x00000012\|Xen.*Unknown note type: (0x00000012)\|XEN_ELFNOTE_PHYS32_ENTRY"
    else
        LC_ALL=C grep -qa "Xen" "$1"
    fi
}
kernel_format=bzimage
if extract_elf "$vmlinuz" "$work/vmlinux" && has_pvh_note "$work/vmlinux"; then
    kernel_format=pvh-elf
    mv "$work/vmlinux" "$work/kernel"
    log "kernel: uncompressed PVH ELF ($(du -m "$work/kernel" | cut -f1) MiB)"
else
    log "kernel: no PVH ELF could be extracted; using the bzImage (slower boot under TCG)"
    cp "$vmlinuz" "$work/kernel"
fi

# --- initramfs -------------------------------------------------------------------------------------------------------
root="$work/root"
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,run,root,www,lib/modules,usr/bin,usr/sbin,mnt}
cp -a "$recipe_dir/rootfs/." "$root/"
cp /bin/busybox "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
    [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
ln -sf ../bin/busybox "$root/sbin/init"

# Modules with their dependencies, in load order.
depmod -b "$work/pkg" "$release"
: > "$root/etc/modules.load"
grep -v '^\s*#' "$recipe_dir/modules.txt" | while read -r module; do
    [ -n "$module" ] || continue
    modprobe -d "$work/pkg" -S "$release" --show-depends "$module" 2>/dev/null | awk '$1 == "insmod" {print $2}' || true
done | awk '!seen[$0]++' | while read -r ko; do
    name=$(basename "$ko")
    cp "$ko" "$root/lib/modules/$name"
    echo "$name" >> "$root/etc/modules.load"
done
log "modules: $(wc -l < "$root/etc/modules.load") ($(tr '\n' ' ' < "$root/etc/modules.load"))"

(cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet) | gzip -1 -n > "$work/initrd.img"
log "initrd: $(du -k "$work/initrd.img" | cut -f1) KiB"

cmdline="console=ttyS0 quiet cryptomgr.notests 8250.nr_uarts=1 i8042.noaux i8042.nomux i8042.nopnp random.trust_cpu=on"
cat > "$work/image.json" <<JSON
{
  "name": "tiny",
  "recipe": "$recipe_hash",
  "kernel_package": "$kernel_pkg",
  "kernel_version": "$kernel_version",
  "kernel_release": "$release",
  "kernel_format": "$kernel_format",
  "cmdline": "$cmdline",
  "built_at": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "description": "busybox guest on Debian kernel $release: serial shell, DHCP on every NIC, HTTP on port 80"
}
JSON

# Atomic replacement: the new image appears whole or not at all.
mkdir -p "$work/image"
mv "$work/kernel" "$work/initrd.img" "$work/image.json" "$work/image/"
if [ -d "$out" ]; then
    mv "$out" "$work/old"
fi
mv "$work/image" "$out"
log "built $out (recipe $recipe_hash)"

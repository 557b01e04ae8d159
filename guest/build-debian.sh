#!/usr/bin/env bash
# Builds Vireo's "debian-12" guest image: a Debian 12 (bookworm) cloud disk with
# cloud-init (NoCloud), qemu-guest-agent and openssh-server, bootable from disk with both
# SeaBIOS and OVMF UEFI. Made without mount, loop or nbd devices.
#
#   guest/build-debian.sh [--out DIR] [--force]
#
# Output (default ${VIREO_IMAGE_DIR:-/var/cache/vireo/images}/debian-12): disk.qcow2 and
# image.json, moved into place together. Keyed on the recipe (this script, guest/debian/,
# the mirror and the host's GRUB): an unchanged recipe is not rebuilt (--force rebuilds).
# Downloaded packages stay in ${VIREO_CACHE_DIR:-/var/cache/vireo}/debootstrap.
# Mirror: the host's configured Debian mirror, or $VIREO_DEBIAN_MIRROR. Runs as root.
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LC_ALL=C

SCRIPT=$(readlink -f "${BASH_SOURCE[0]}")
GUEST_DIR=${SCRIPT%/*}
RECIPE_DIR=$GUEST_DIR/debian
CACHE_DIR=${VIREO_CACHE_DIR:-/var/cache/vireo}
PKG_CACHE=$CACHE_DIR/debootstrap
OUT=${VIREO_IMAGE_DIR:-/var/cache/vireo/images}/debian-12
FORCE=0

SUITE=bookworm
IMAGE_NAME=debian-12
ROOT_LABEL=vireo-root
# Disk layout (GPT, 512-byte sectors): BIOS boot partition for GRUB's i386-pc core,
# an EFI system partition, then the root file system last so growpart can grow it.
DISK_SIZE_MIB=3072
BIOS_START=2048 BIOS_SECTORS=2048           # 1 MiB at 1 MiB
ESP_START=4096 ESP_SECTORS=65536            # 32 MiB (FAT16)
ROOT_START=69632                            # 34 MiB .. end (minus the backup GPT)
GRUB_MODULES_COMMON="part_gpt ext2 fat search search_label search_fs_uuid normal linux
    configfile echo test serial terminal boot gzio cat ls halt reboot sleep"
GRUB_MODULES_PC="biosdisk $GRUB_MODULES_COMMON"
GRUB_MODULES_EFI="efi_gop efi_uga video video_fb all_video $GRUB_MODULES_COMMON"
DESCRIPTION="Debian 12 (bookworm) cloud image: cloud-init, qemu-guest-agent, openssh-server"

usage() { sed -n '2,12s/^# \{0,1\}//p' "$SCRIPT"; }
log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'build-debian: error: %s\n' "$*" >&2; exit 1; }
usage_error() { printf 'build-debian: %s\n' "$*" >&2; exit 2; }

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

(( EUID == 0 )) || die "run as root (debootstrap installs packages into a chroot)"
[[ -f $RECIPE_DIR/packages.list && -d $RECIPE_DIR/rootfs && -f $RECIPE_DIR/early.cfg ]] ||
    die "recipe not found under $RECIPE_DIR"

# The host's Debian mirror: the first apt source (one-line or deb822) that serves the
# plain suite (not -security / -updates). Pure bash: the cached path must stay fast.
host_mirror() {
    local f line uris= suites= types=
    shopt -s nullglob
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -f $f ]] || continue
        while read -r line; do
            if [[ $line =~ ^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+)[[:space:]]+$SUITE[[:space:]] ]]; then
                echo "${BASH_REMATCH[2]}"; return 0
            fi
        done <"$f"
    done
    for f in /etc/apt/sources.list.d/*.sources; do
        uris= suites= types=
        while IFS= read -r line || [[ -n $line ]]; do
            case "$line" in
                URIs:*) uris=${line#URIs:} ;;
                Suites:*) suites=" ${line#Suites:} " ;;
                Types:*) types=${line#Types:} ;;
                "")
                    if [[ $types == *deb* && $suites == *" $SUITE "* && -n $uris ]]; then
                        read -r line _ <<<"$uris"; echo "$line"; return 0
                    fi
                    uris= suites= types= ;;
            esac
        done <"$f"
        if [[ $types == *deb* && $suites == *" $SUITE "* && -n $uris ]]; then
            read -r line _ <<<"$uris"; echo "$line"; return 0
        fi
    done
    shopt -u nullglob
    return 1
}
MIRROR=${VIREO_DEBIAN_MIRROR:-$(host_mirror || true)}
[[ -n $MIRROR ]] || die "no Debian $SUITE mirror in /etc/apt/sources.list*; set VIREO_DEBIAN_MIRROR (e.g. http://deb.debian.org/debian)"
MIRROR=${MIRROR%/}

# ---------------------------------------------------------------- recipe hash
# Everything that decides the disk's content: this script, every file under
# guest/debian/ (path, executable bit, bytes), the mirror and suite, and the host's GRUB
# (its boot images and modules go onto the disk). Package versions on the mirror are
# not part of it (resolving ~250 packages takes seconds): --force picks up updates.
recipe_hash() {
    local entries=() names=() sums line grub
    mapfile -t entries < <(cd "$RECIPE_DIR" && find . -type f \( -perm -u+x -printf 'x %P\n' -o -printf '- %P\n' \) | sort -k2)
    for line in "${entries[@]}"; do names+=("${RECIPE_DIR##*/}/${line#* }"); done
    sums=$(cd "$GUEST_DIR" && sha256sum -- "${SCRIPT##*/}" "${names[@]}")
    grub=$(sha256sum /usr/lib/grub/i386-pc/modinfo.sh /usr/lib/grub/x86_64-efi/modinfo.sh 2>/dev/null || echo "no grub")
    line=$(printf '%s\n' "$sums" "${entries[@]}" "mirror $MIRROR $SUITE" "${grub//\/usr\/lib\/grub\//}" | sha256sum)
    echo "${line%% *}"
}

# Prints the recipe recorded in the built image, if the image is complete.
built_hash() {
    local line
    [[ -f $OUT/image.json && -f $OUT/disk.qcow2 ]] || return 0
    while IFS= read -r line; do
        if [[ $line =~ ^\ *\"recipe\":\ *\"([^\"]*)\" ]]; then
            echo "${BASH_REMATCH[1]}"; return 0
        fi
    done <"$OUT/image.json"
}

RECIPE_HASH=sha256:$(recipe_hash)
if ((FORCE == 0)) && [[ $(built_hash) == "$RECIPE_HASH" ]]; then
    echo "debian-12 image is cached (recipe unchanged): $OUT (recipe $RECIPE_HASH)"
    exit 0
fi

# ---------------------------------------------------------------- build
mkdir -p "$CACHE_DIR" "$PKG_CACHE" "$OUT_PARENT"
exec 9>"$OUT_PARENT/.debian-12.lock"
flock 9
if ((FORCE == 0)) && [[ $(built_hash) == "$RECIPE_HASH" ]]; then
    echo "debian-12 image is cached (recipe unchanged): $OUT (recipe $RECIPE_HASH)"
    exit 0
fi

ensure_tools() {
    local -A need=([debootstrap]=debootstrap [sfdisk]=fdisk [mkfs.ext4]=e2fsprogs [mkfs.vfat]=dosfstools
        [mmd]=mtools [mcopy]=mtools [grub-mkimage]=grub-common [qemu-img]=qemu-utils [flock]=util-linux)
    local cmd missing=()
    for cmd in "${!need[@]}"; do command -v "$cmd" >/dev/null || missing+=("${need[$cmd]}"); done
    [[ -f /usr/lib/grub/i386-pc/boot.img ]] || missing+=(grub-pc-bin)
    [[ -f /usr/lib/grub/x86_64-efi/linux.mod ]] || missing+=(grub-efi-amd64-bin)
    [[ -f /usr/share/keyrings/debian-archive-keyring.gpg ]] || missing+=(debian-archive-keyring)
    ((${#missing[@]})) || return 0
    mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
    log "installing build tools: ${missing[*]}"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; then
        apt-get update -q >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
    fi
}
ensure_tools

START=$SECONDS
WORK=$(mktemp -d "$OUT_PARENT/.debian-12.build.XXXXXX")
cleanup() {
    local rc=$?
    # debootstrap's second stage mounts /proc and /sys in the target; a failed one may
    # leave them mounted. Never delete through a mount point.
    local m
    for m in "$WORK/rootfs/proc" "$WORK/rootfs/sys" "$WORK/rootfs/dev/pts" "$WORK/rootfs/dev"; do
        mountpoint -q "$m" 2>/dev/null && umount -l "$m" 2>/dev/null || true
    done
    if grep -q " $WORK/" /proc/mounts 2>/dev/null; then
        echo "build-debian: warning: mounts remain under $WORK; not removing it" >&2
    else
        rm -rf "$WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ROOT=$WORK/rootfs
mapfile -t PACKAGES < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$RECIPE_DIR/packages.list")
INCLUDE=$(IFS=,; echo "${PACKAGES[*]}")

# Two stages, so the trimming dpkg configuration (no docs, man pages, translations) is
# in place before dpkg installs anything.
log "debootstrap $SUITE (minbase + ${#PACKAGES[@]} packages) from $MIRROR; stage 1: download and unpack"
if ! debootstrap --variant=minbase --foreign --merged-usr --include="$INCLUDE" \
    --cache-dir="$PKG_CACHE" --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
    "$SUITE" "$ROOT" "$MIRROR" >"$WORK/debootstrap.log" 2>&1; then
    tail -n 20 "$WORK/debootstrap.log" >&2
    die "debootstrap (first stage) failed; see the lines above"
fi
install -D -m 0644 "$RECIPE_DIR/rootfs/etc/dpkg/dpkg.cfg.d/90-vireo-trim" "$ROOT/etc/dpkg/dpkg.cfg.d/90-vireo-trim"
log "debootstrap stage 2: configure ($((SECONDS - START)) s so far)"
# No daemons may start in the chroot.
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
chmod 0755 "$ROOT/usr/sbin/policy-rc.d"
if ! LANG=C.UTF-8 chroot "$ROOT" /debootstrap/debootstrap --second-stage >"$WORK/debootstrap2.log" 2>&1; then
    tail -n 20 "$WORK/debootstrap2.log" >&2
    die "debootstrap (second stage) failed; see the lines above"
fi
rm -f "$ROOT/usr/sbin/policy-rc.d"

log "configuring the guest ($((SECONDS - START)) s so far)"
# The recipe's files (cloud-init config, fstab, grub.cfg, units, ...).
cp -a --no-preserve=ownership "$RECIPE_DIR/rootfs/." "$ROOT/"
KVER=$(cd "$ROOT/lib/modules" && ls -1 | head -n 1)
[[ -n $KVER && -e $ROOT/vmlinuz && -e $ROOT/initrd.img ]] || die "no kernel or initrd in the root file system"
cat >"$ROOT/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb http://deb.debian.org/debian-security $SUITE-security main
EOF
systemctl --root="$ROOT" enable vireo-ssh-keygen.service systemd-networkd.service systemd-resolved.service >/dev/null 2>&1 ||
    die "systemctl --root enable failed"
# Serial getty: a login prompt on ttyS0 (the kernel console there too).
systemctl --root="$ROOT" enable serial-getty@ttyS0.service >/dev/null 2>&1 || true
# First-boot identity: empty machine-id (systemd generates one), no SSH host keys
# (cloud-init or vireo-ssh-keygen makes them), no random seed, no logs.
: >"$ROOT/etc/machine-id"
rm -f "$ROOT/var/lib/dbus/machine-id" && ln -s /etc/machine-id "$ROOT/var/lib/dbus/machine-id"
rm -f "$ROOT"/etc/ssh/ssh_host_*
rm -f "$ROOT/var/lib/systemd/random-seed"
# Trim: docs, man pages, translations, package lists, caches; kernel modules for
# hardware no VM has (graphics cards, Wi-Fi, sound, media, InfiniBand, staging).
rm -rf "$ROOT"/usr/share/man/* "$ROOT"/usr/share/info/* "$ROOT"/usr/share/lintian/* \
    "$ROOT"/var/cache/apt/*.bin "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/* \
    "$ROOT"/var/log/*.log "$ROOT"/var/log/apt/* "$ROOT"/debootstrap "$ROOT"/var/cache/debconf/*-old
find "$ROOT/usr/share/doc" -mindepth 1 ! -name copyright ! -type d -delete 2>/dev/null || true
find "$ROOT/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
find "$ROOT/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} + 2>/dev/null || true
MODDIR=$ROOT/lib/modules/$KVER/kernel
rm -rf "$MODDIR"/drivers/gpu/drm/{amd,radeon,nouveau,i915} "$MODDIR"/drivers/net/wireless \
    "$MODDIR"/drivers/media "$MODDIR"/drivers/infiniband "$MODDIR"/drivers/staging \
    "$MODDIR"/drivers/isdn "$MODDIR"/drivers/bluetooth "$MODDIR"/sound "$MODDIR"/net/wireless \
    "$MODDIR"/net/mac80211 "$MODDIR"/net/bluetooth
rm -rf "$ROOT"/usr/lib/firmware/* 2>/dev/null || true
chroot "$ROOT" depmod -a "$KVER"
printf 'APT::Install-Recommends "false";\n' >"$ROOT/etc/apt/apt.conf.d/90-vireo-no-recommends"
log "root file system: $(du -sm "$ROOT" | cut -f1) MB"

# ---------------------------------------------------------------- disk
log "making the disk: GPT, BIOS boot + ESP + ext4 '$ROOT_LABEL' ($((SECONDS - START)) s so far)"
RAW=$WORK/disk.raw
truncate -s "${DISK_SIZE_MIB}M" "$RAW"
sfdisk -q "$RAW" >/dev/null <<EOF
label: gpt
unit: sectors
first-lba: 2048
start=$BIOS_START, size=$BIOS_SECTORS, type=21686148-6E6F-7468-6E65-656446494248, name="bios"
start=$ESP_START, size=$ESP_SECTORS, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="esp"
start=$ROOT_START, type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, name="root"
EOF
ROOT_SECTORS=$(sfdisk -d "$RAW" | awk -v s="$ROOT_START" '$0 ~ "start= *"s"," { sub(/.*size= */, ""); sub(/,.*/, ""); print; exit }')
[[ $ROOT_SECTORS =~ ^[0-9]+$ ]] || die "cannot read the root partition's size back from sfdisk"

# Root file system straight into the partition: mke2fs -d copies the tree, at an offset.
mkfs.ext4 -q -F -L "$ROOT_LABEL" -d "$ROOT" -E "offset=$((ROOT_START * 512)),nodiscard" \
    "$RAW" "$((ROOT_SECTORS / 2))k"

# GRUB: an embedded config finds the root by label and reads /boot/grub/grub.cfg there.
# i386-pc: boot.img in the MBR's code area pointing at core.img in the BIOS boot
# partition (what grub-bios-setup does for a GPT disk).
grub-mkimage -O i386-pc -o "$WORK/core.img" -c "$RECIPE_DIR/early.cfg" -p /boot/grub $GRUB_MODULES_PC
CORE_BYTES=$(stat -c %s "$WORK/core.img")
CORE_SECTORS=$(((CORE_BYTES + 511) / 512))
((CORE_SECTORS <= BIOS_SECTORS)) || die "GRUB core.img ($CORE_BYTES bytes) exceeds the BIOS boot partition"
put_le() { # put_le FILE OFFSET BYTES VALUE: write VALUE little-endian at OFFSET
    local file=$1 off=$2 n=$3 v=$4 i hex=
    for ((i = 0; i < n; i++)); do hex+=$(printf '\\x%02x' $(((v >> (8 * i)) & 255))); done
    printf "$hex" | dd of="$file" bs=1 seek="$off" conv=notrunc status=none
}
# diskboot.img's blocklist (last 12 bytes of core.img's first sector): the rest of
# core.img, its start sector, length and load segment (0x800 + 0x20).
put_le "$WORK/core.img" 500 8 $((BIOS_START + 1))
put_le "$WORK/core.img" 508 2 $((CORE_SECTORS - 1))
put_le "$WORK/core.img" 510 2 $((0x820))
dd if="$WORK/core.img" of="$RAW" bs=512 seek="$BIOS_START" conv=notrunc status=none
# boot.img's code (first 440 bytes; the protective MBR's partition table stays), with
# the sector of core.img at 0x5c and the boot-drive check at 0x66 replaced by NOPs.
dd if=/usr/lib/grub/i386-pc/boot.img of="$RAW" bs=440 count=1 conv=notrunc status=none
put_le "$RAW" $((0x5c)) 8 "$BIOS_START"
printf '\x90\x90' | dd of="$RAW" bs=1 seek=$((0x66)) conv=notrunc status=none

# x86_64-efi: a standalone GRUB at the removable-media path EFI/BOOT/BOOTX64.EFI, so an
# empty NVRAM boots it.
grub-mkimage -O x86_64-efi -o "$WORK/BOOTX64.EFI" -c "$RECIPE_DIR/early.cfg" -p /boot/grub $GRUB_MODULES_EFI
mkfs.vfat -C -F 16 -n VIREO-ESP "$WORK/esp.img" $((ESP_SECTORS / 2)) >/dev/null
mmd -i "$WORK/esp.img" ::/EFI ::/EFI/BOOT
mcopy -i "$WORK/esp.img" "$WORK/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI
dd if="$WORK/esp.img" of="$RAW" bs=512 seek="$ESP_START" conv=notrunc,sparse status=none
sfdisk -q --verify "$RAW" >/dev/null || die "the partition table does not verify"

log "compressing to qcow2 ($((SECONDS - START)) s so far)"
IMAGE=$WORK/image
mkdir "$IMAGE"
qemu-img convert -q -f raw -O qcow2 -c -o compression_type=zlib "$RAW" "$IMAGE/disk.qcow2"
rm -f "$RAW"
VIRTUAL_SIZE=$((DISK_SIZE_MIB * 1024 * 1024))
cat >"$IMAGE/image.json" <<EOF
{
  "name": "$IMAGE_NAME",
  "os": "debian12",
  "format": "qcow2",
  "disk": "disk.qcow2",
  "firmware": ["bios", "uefi"],
  "recipe": "$RECIPE_HASH",
  "built": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "virtual_size": $VIRTUAL_SIZE,
  "description": "$DESCRIPTION",
  "kernel_release": "$KVER",
  "root_label": "$ROOT_LABEL"
}
EOF
chmod 0644 "$IMAGE"/*
chmod 0755 "$IMAGE"

# Into place: rename(2) of the finished directory, so no reader ever sees a partial
# image. An existing image is moved aside first and removed afterwards.
if [[ -e $OUT ]]; then
    mv -T "$OUT" "$WORK/previous"
fi
mv -T "$IMAGE" "$OUT"
log "built $OUT in $((SECONDS - START)) s: disk.qcow2 $(($(stat -c %s "$OUT/disk.qcow2") / 1048576)) MiB, virtual $DISK_SIZE_MIB MiB (recipe $RECIPE_HASH)"

#!/usr/bin/env bash
# Packs what the lent device machine (no package registry there) needs to run Vireo and the tiny guest:
# QEMU (Debian's binaries with their shared libraries, firmware and TCG module), the tiny image, the .NET runtime,
# and vireod/vireo published from this tree. Output: .devbundle/ (git-ignored through .git/info/exclude), about
# 62 MB, under the 64 MiB a device call may carry. Run as root on the development machine after scripts/install.sh.
# Usage: bench/device/make-bundle.sh; then run bench/device/e2e-pvm.sh there with .devbundle carried.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
out=$PWD/.devbundle
grep -qx '/.devbundle/' .git/info/exclude 2>/dev/null || { mkdir -p .git/info; echo '/.devbundle/' >> .git/info/exclude; }
tmp=$(mktemp -d /tmp/vdev.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out" "$tmp/q/bin" "$tmp/q/lib/ipxe/qemu" "$tmp/q/lib/qemu-modules" "$tmp/q/share" "$tmp/tiny"
cp /usr/bin/qemu-system-x86_64 /usr/bin/qemu-img "$tmp/q/bin/"
# Every library they link, except glibc's own (the device's newer glibc serves them).
for l in $( (ldd /usr/bin/qemu-system-x86_64; ldd /usr/bin/qemu-img) | awk '{print $3}' | grep / | sort -u); do
    case $(basename "$l") in libc.so*|libm.so*|libpthread*|libdl.so*|librt.so*|ld-linux*|libresolv*) ;; *) cp -L "$l" "$tmp/q/lib/" ;; esac
done
cp /usr/lib/x86_64-linux-gnu/qemu/accel-tcg-x86_64.so "$tmp/q/lib/qemu-modules/"
# QEMU looks for firmware next to its binary (BIN/../share/qemu, ../share/seabios, ../lib/ipxe/qemu).
mkdir -p "$tmp/q/share/qemu"
for f in kvmvapic.bin linuxboot.bin linuxboot_dma.bin multiboot.bin multiboot_dma.bin pvh.bin qboot.rom; do cp -L "/usr/share/qemu/$f" "$tmp/q/share/qemu/"; done
cp -rL /usr/share/seabios "$tmp/q/share/seabios"
cp /usr/lib/ipxe/qemu/efi-virtio.rom "$tmp/q/lib/ipxe/qemu/"
cp "${VIREO_IMAGE_DIR:-/var/cache/vireo/images}"/tiny/* "$tmp/tiny/"
(cd "$tmp" && tar cf - q tiny | xz -T0 -9 > "$out/qt.tar.xz")
dotnet publish src/Vireo.Daemon -c Release -nologo -v quiet -o "$tmp/app/vireod" >/dev/null
dotnet publish src/Vireo.Cli -c Release -nologo -v quiet -r linux-x64 -p:PublishAot=true -o "$tmp/app/cli" >/dev/null
rm -f "$tmp"/app/*/*.pdb "$tmp"/app/*/*.dbg
dn=$(dirname "$(readlink -f "$(command -v dotnet)")")
mkdir -p "$tmp/dn/shared"
cp -r "$dn/dotnet" "$dn/host" "$tmp/dn/"
cp -r "$dn/shared/Microsoft.NETCore.App" "$dn/shared/Microsoft.AspNetCore.App" "$tmp/dn/shared/"
(cd "$tmp" && tar cf - dn app | xz -T0 -9 > "$out/dn.tar.xz")
xz -t "$out/qt.tar.xz" "$out/dn.tar.xz"
cp bench/device/e2e-pvm.sh "$out/"
ls -la "$out"
# A device call carries the working tree and the bundle, 64 MiB in all.
total=$(( $(du -sb "$out" | cut -f1) + $(git ls-files -z | xargs -0 cat | wc -c) ))
echo "bundle plus tracked files: $((total / 1048576)) MiB of the 64 MiB a device call may carry"
[ "$total" -lt $((64 * 1048576)) ] || { echo "too large to carry" >&2; exit 1; }

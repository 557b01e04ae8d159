# Sourced by guest/build-tiny.sh: gets the uncompressed kernel out of a bzImage.
#
# Why: under TCG most of a stock boot is the bzImage's decompressor running in the
# emulated CPU (first kernel line at ~3.4 s). The vmlinux inside is an ELF carrying the
# Xen PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY, CONFIG_PVH=y), and QEMU's -kernel boots
# such an ELF directly, so the host's native decompressor does that work once, at build
# time (first kernel line at ~0.5 s).

# Reads an unsigned little-endian integer of SIZE bytes at OFFSET of FILE.
_le_uint() {
    od -An -tu"$3" -j "$2" -N "$3" "$1" | tr -d ' '
}

# Decompresses the stream that starts at byte OFFSET of FILE (LENGTH bytes, 0 = to the
# end) into OUT, choosing the decompressor by the stream's magic. Trailing bytes after
# the stream (the bzImage appends the decompressed size) are tolerated; the result is
# judged by _is_elf64_x86, not by the decompressor's exit status.
_decompress_at() {
    local file=$1 offset=$2 length=$3 out=$4 magic tool
    magic=$(od -An -tx1 -j "$offset" -N 6 "$file" | tr -d ' \n')
    case "$magic" in
        fd377a585a00*) tool=(xz -dc --single-stream) ;;
        1f8b*)         tool=(gzip -dc) ;;
        28b52ffd*)     tool=(zstd -dcq) ;;
        5d0000*)       tool=(xz -dc --format=lzma) ;;
        425a68*)       tool=(bzip2 -dc) ;;
        02214c18*)     tool=(lz4 -dc) ;;
        894c5a4f*)     tool=(lzop -dc) ;;
        *) return 1 ;;
    esac
    command -v "${tool[0]}" >/dev/null || { echo "build-tiny: ${tool[0]} is needed to unpack this kernel" >&2; return 1; }
    if ((length > 0)); then
        tail -c "+$((offset + 1))" "$file" | head -c "$length" | "${tool[@]}" >"$out" 2>/dev/null || true
    else
        tail -c "+$((offset + 1))" "$file" | "${tool[@]}" >"$out" 2>/dev/null || true
    fi
    _is_elf64_x86 "$out"
}

_is_elf64_x86() {
    [[ -s $1 && $(od -An -tx1 -N 5 "$1" | tr -d ' \n') == 7f454c4602 ]] &&
        readelf -h "$1" 2>/dev/null | grep -q 'Machine: *Advanced Micro Devices X86-64'
}

# True when FILE is an x86-64 ELF with the Xen PVH entry note (owner "Xen", type 18).
is_pvh_elf() {
    _is_elf64_x86 "$1" &&
        readelf -n "$1" 2>/dev/null |
            awk '$1 == "Xen" && ($0 ~ /\(0x00000012\)/ || $0 ~ /PHYS32_ENTRY/) { found = 1 } END { exit !found }'
}

# extract_vmlinux BZIMAGE OUT: writes the uncompressed kernel ELF to OUT.
extract_vmlinux() {
    local bz=$1 out=$2 setup_sects start len magic offsets off
    # 1. The boot protocol header says where the payload is (Documentation/x86/boot.rst):
    #    setup code is (setup_sects + 1) * 512 bytes, payload_offset (0x248) is relative
    #    to its end, payload_length is at 0x24c. "HdrS" at 0x202 marks protocol >= 2.00.
    if [[ $(od -An -tx1 -j $((0x202)) -N 4 "$bz" | tr -d ' \n') == 48647253 ]]; then  # "HdrS"
        setup_sects=$(_le_uint "$bz" $((0x1f1)) 1)
        ((setup_sects == 0)) && setup_sects=4
        start=$(( (setup_sects + 1) * 512 + $(_le_uint "$bz" $((0x248)) 4) ))
        len=$(_le_uint "$bz" $((0x24c)) 4)
        _decompress_at "$bz" "$start" "$len" "$out" && return 0
    fi
    # 2. Otherwise scan for every known compression magic, as the kernel's own
    #    scripts/extract-vmlinux does, and keep the first stream that is an ELF.
    for magic in '\xfd7zXZ\x00' '\x1f\x8b\x08' '\x28\xb5\x2f\xfd' '\x5d\x00\x00' 'BZh' \
        '\x02\x21\x4c\x18' '\x89\x4c\x5a\x4f'; do
        offsets=$(LC_ALL=C grep -obUaP "$magic" "$bz" 2>/dev/null | cut -d: -f1 | head -n 8) || true
        for off in $offsets; do
            _decompress_at "$bz" "$off" 0 "$out" && return 0
        done
    done
    rm -f "$out"
    return 1
}

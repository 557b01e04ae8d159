# Sourced by guest/build-tiny.sh: assembles the tiny guest's initramfs.
# Uses KVER, WORK ($WORK/kpkg = unpacked kernel package, $WORK/bbpkg = busybox-static)
# and RECIPE_DIR; sets LOADED_MODULES (module names in load order).

# Reads "NAME MODE" lines and prints "KO MODE" lines: the .ko paths (relative to
# lib/modules/$KVER) that loading NAME takes, dependencies first, each once (a module
# keeps the mode of its first appearance). Names that do not exist in this kernel, or
# are built in, are skipped with a note. depmod -b must have run.
resolve_modules() {
    local kroot=$1 name mode deps line ko
    local -A seen=()
    while read -r name mode; do
        if ! deps=$(modprobe -d "$kroot" -S "$KVER" --show-depends "$name" 2>/dev/null); then
            echo "build-tiny: note: module $name does not exist in $KVER, skipped" >&2
            continue
        fi
        while read -r line; do
            case "$line" in
                builtin\ *) echo "build-tiny: note: $name is built into $KVER" >&2 ;;
                insmod\ *)
                    ko=${line#insmod }
                    ko=${ko%% *}
                    ko=${ko#"$kroot/lib/modules/$KVER/"}
                    if [[ -z ${seen[$ko]:-} ]]; then
                        seen[$ko]=1
                        echo "$ko $mode"
                    fi
                    ;;
            esac
        done <<<"$deps"
    done
}

# "NAME MODE" for every module in modules.list; MODE is sync, async or ondemand ("?").
module_names() {
    sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$RECIPE_DIR/modules.list" |
        awk '/^@sync$/ { mode = "sync"; next }
             /^@async$/ { mode = "async"; next }
             /^@/ { print "build-tiny: unknown section " $0 > "/dev/stderr"; exit 1 }
             /^\?/ { print substr($0, 2), "ondemand"; next }
             { print $0, (mode ? mode : "sync") }'
}

# build_initramfs STAGING_DIR OUTPUT_FILE
build_initramfs() {
    local root=$1 out=$2 kroot=$WORK/kpkg bb applet ko
    local moddir=lib/modules/$KVER
    # Debian 12 ships modules in /lib/modules; later releases in /usr/lib/modules.
    if [[ ! -d $kroot/lib/modules && -d $kroot/usr/lib/modules ]]; then
        ln -s usr/lib "$kroot/lib"
    fi

    mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,run,root,mnt,www,var/log,"$moddir"}
    chmod 1777 "$root/tmp"
    chmod 0700 "$root/root"
    ln -s /run "$root/var/run"

    # busybox: one static binary, every applet a symlink made here at build time
    # (cheaper than "busybox --install" at every boot).
    bb=$WORK/bbpkg/bin/busybox
    [[ -x $bb ]] || die "busybox-static package has no bin/busybox"
    install -m 0755 "$bb" "$root/bin/busybox"
    while read -r applet; do
        [[ $applet == bin/busybox || -e $root/$applet ]] && continue
        mkdir -p "$root/$(dirname "$applet")"
        ln -s /bin/busybox "$root/$applet"
    done < <("$bb" --list-full)

    # The guest's own files (init, inittab, profile, udhcpc script, acpid config, page),
    # with modes set here rather than taken from the checkout's umask.
    local rel
    while IFS= read -r rel; do
        if [[ -x $RECIPE_DIR/rootfs/$rel ]]; then
            install -D -m 0755 "$RECIPE_DIR/rootfs/$rel" "$root/$rel"
        else
            install -D -m 0644 "$RECIPE_DIR/rootfs/$rel" "$root/$rel"
        fi
    done < <(cd "$RECIPE_DIR/rootfs" && find . -type f -printf '%P\n')
    chmod 0600 "$root/etc/shadow"

    # The kernel opens /dev/console for init's stdio before /init can mount devtmpfs.
    mknod -m 0600 "$root/dev/console" c 5 1
    mknod -m 0666 "$root/dev/null" c 1 3

    # Kernel modules, with a load-order list for /init, and modules.dep/modules.alias
    # for busybox modprobe (on-demand NIC drivers, and by hand inside the guest).
    depmod -b "$kroot" "$KVER"
    # modules.load: "PATH sync|async" per line, in load order, for /init.
    LOADED_MODULES=()
    ONDEMAND_MODULES=()
    : >"$root/etc/vireo/modules.load"
    local names mode
    names=$(module_names) || die "bad modules.list"
    while read -r ko mode; do
        mkdir -p "$root/$moddir/$(dirname "$ko")"
        cp "$kroot/$moddir/$ko" "$root/$moddir/$ko"
        if [[ $mode == ondemand ]]; then
            ONDEMAND_MODULES+=("$(basename "$ko" .ko)")
        else
            echo "/$moddir/$ko $mode" >>"$root/etc/vireo/modules.load"
            LOADED_MODULES+=("$(basename "$ko" .ko)")
        fi
    done < <(resolve_modules "$kroot" <<<"$names")
    ((${#LOADED_MODULES[@]})) || die "no kernel modules resolved"
    cp "$kroot/$moddir"/modules.{builtin,builtin.modinfo,order} "$root/$moddir/" 2>/dev/null || true
    depmod -b "$root" "$KVER"

    # newc is the format the kernel unpacks; owner root; sorted for a stable archive.
    # gzip -9: under TCG it boots as fast as an uncompressed archive (the kernel inflates
    # it in ~15 ms) at a third of the size; xz would save 0.7 MB more but costs ~0.4 s
    # of emulated CPU to unpack.
    (cd "$root" && find . -mindepth 1 | sort | cpio --quiet -o -H newc -R 0:0 --reproducible) |
        gzip -9 -n >"$out"
}

# Sourced by tests/package/run.sh --inner, after apt installed the package in the chroot (checks 1 and 2): checks 3 to 7
# in the same root booted with systemd-nspawn, where systemd itself runs vireod.service as the package ships it.
#
#   systemd-nspawn -D ROOT --boot --register=no --keep-unit --private-network --bind=/dev/net/tun
#
# --register=no and --keep-unit: the host's PID 1 is not systemd here, so there is no machined to register with and no
# scope unit to move into. --private-network: vireod, its bridges, taps, dnsmasq and nft tables live in the
# container's own network namespace (it has none but lo). Commands run in the container with nsenter into its leader
# (PID 1 inside). The container is stopped by its nspawn PID (SIGTERM: systemd halts), then SIGKILL to its leader;
# its PID namespace ends with the leader, so no QEMU outlives it; the overlay mount ends with run.sh's private mount
# namespace.
#
# VIREO_PKGTEST_NSPAWN_ARGS: more systemd-nspawn options (e.g. --setenv=..., or a bad one to try the chroot fallback).
#
# nspawn_checks returns 0 when the checks ran (passed or failed), 1 when the root did not boot (the reason is in
# $work/nspawn-why): run.sh then runs its chroot checks instead.
# Uses run.sh's variables (suite R work CACHE TINY old new broken oldname newname brokenname oldv newv t0 results) and
# functions (pass fail figure now secs).

nspawn_stop() {
    local nsp leader i
    nsp=$(cat "$work/nspawn.pid" 2>/dev/null) || return 0
    leader=$(cat "$work/nspawn.leader" 2>/dev/null)
    kill -TERM "$nsp" 2>/dev/null
    for i in $(seq 1 600); do kill -0 "$nsp" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$nsp" 2>/dev/null; then
        echo "run.sh: $suite: the container did not halt in 60 s: killed" >&2
        [ -n "$leader" ] && kill -KILL "$leader" 2>/dev/null
        kill -KILL "$nsp" 2>/dev/null
    fi
    wait "$nsp" 2>/dev/null
    rm -f "$work/nspawn.pid" "$work/nspawn.leader"
}

nspawn_checks() {
    local ctenv=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 HOME=/root DEBIAN_FRONTEND=noninteractive)
    ct() { nsenter -t "$leader" -a "${ctenv[@]}" "$@"; }
    # In the container's mount, PID, UTS and IPC namespaces but the host's network: only for building the tiny image,
    # which downloads Debian's kernel and busybox (the container's own network has no way out).
    ct_hostnet() { nsenter -t "$leader" -m -u -i -p -C -r -w "${ctenv[@]}" "$@"; }
    unit_show() { ct systemctl show -p "$1" --value vireod.service 2>/dev/null; }
    daemon_version() { ct vireo version 2>/dev/null | sed -n 's/^Daemon: *vireod \([^ ]*\) .*/\1/p'; }
    vm_field() { ct vireo info $vm -o json 2>/dev/null | sed -n "s/^ *\"$1\": *\"\\{0,1\\}\\([a-z_0-9]*\\).*/\\1/p" | head -n1; }
    started() { ct awk '{print $22}' "/proc/$1/stat" 2>/dev/null; }
    local vm=tiny build_tiny= binds=(--bind=/dev/net/tun) nsp leader i st t_boot t_active

    # The tiny image: built at first use by `vireo create --image tiny` in one suite (VIREO_PKGTEST_BUILD_TINY, default
    # bookworm: the image is Debian 12's kernel), copied from the host's cache in the others. The downloaded .debs are
    # kept per suite outside the root (like apt's archives), so a warm run downloads nothing.
    if [ "$suite" = "${VIREO_PKGTEST_BUILD_TINY-bookworm}" ]; then
        build_tiny=1
        mkdir -p "$CACHE/tiny-debs-$suite" "$R/var/cache/vireo/debs"
        binds+=(--bind="$CACHE/tiny-debs-$suite:/var/cache/vireo/debs")
    elif [ ! -f "$R/var/cache/vireo/images/tiny/kernel" ]; then
        mkdir -p "$R/var/cache/vireo/images" && cp -a "$TINY" "$R/var/cache/vireo/images/tiny"
    fi
    # nspawn mounts its own /proc, /sys, /dev (and a tmpfs on /tmp): the chroot's mounts go, the packages go to /root.
    umount "$R/var/cache/apt/archives" 2>/dev/null; umount "$R/proc" 2>/dev/null; umount -R "$R/dev" 2>/dev/null
    cp "$old" "$new" "$broken" "$R/root/"

    t_boot=$(now)
    systemd-nspawn -D "$R" --boot --register=no --keep-unit --private-network --machine="vireo-pkg-$suite-$$" \
        "${binds[@]}" ${VIREO_PKGTEST_NSPAWN_ARGS:-} >"$work/nspawn.log" 2>&1 &
    nsp=$!
    echo "$nsp" >"$work/nspawn.pid"
    # The container's PID 1: nspawn's child in a PID namespace of its own.
    leader=
    for i in $(seq 1 300); do
        for leader in $(pgrep -P "$nsp"); do
            [ "$(readlink "/proc/$leader/ns/pid")" != "$(readlink /proc/self/ns/pid)" ] && break 2
        done
        leader=
        kill -0 "$nsp" 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "$leader" ]; then
        echo "systemd-nspawn did not start the container: $(grep -v '^$' "$work/nspawn.log" | tail -n 3 | tr '\n' ' ')" >"$work/nspawn-why"
        nspawn_stop; return 1
    fi
    echo "$leader" >"$work/nspawn.leader"
    # systemd in the container answers once it runs; then vireod.service is active (Type=notify: after vireod's
    # READY=1) or failed. systemd never answering in 120 s means the root did not boot here: the chroot instead.
    st=
    for i in $(seq 1 1200); do
        st=$(unit_show ActiveState)
        case "$st" in active|failed) break ;; esac
        if [ -z "$st" ] && [ "$i" -ge 600 ]; then break; fi
        kill -0 "$nsp" 2>/dev/null || break
        sleep 0.1
    done
    t_active=$(now)
    if [ -z "$st" ]; then
        echo "systemd in the container did not answer in 60 s ($(grep -v '^$' "$work/nspawn.log" | tail -n 3 | tr '\n' ' '))" >"$work/nspawn-why"
        nspawn_stop; return 1
    fi
    mode=nspawn
    echo "run.sh: $suite: booted with systemd-nspawn ($(ct systemctl --version | head -n1))" | tee -a "$work/mode"

    # 3. systemd started vireod.service; vireo version and vireo host check answer
    local main1 sysstate
    main1=$(unit_show MainPID)
    sysstate=$(ct systemctl is-system-running 2>/dev/null)
    if [ "$st" = active ] && [ "${main1:-0}" != 0 ] && ver=$(ct vireo version 2>&1); then
        pass "systemd started vireod.service, active (Type=notify: READY=1 sent) $(secs "$t_boot" "$t_active") s after boot, MainPID $main1, system $sysstate; vireo version answers: $(echo "$ver" | head -n 3 | tr '\n' ' ' | tr -s ' ' | cut -c1-160)"
    else
        fail "vireod.service is '$st' after $(secs "$t_boot" "$t_active") s (MainPID '$main1'): $(ct journalctl -u vireod.service --no-pager -n 8 2>&1 | tr '\n' ' ' | cut -c1-600)"
        nspawn_stop; return 0
    fi
    local check qemu
    check=$(ct vireo host check 2>&1)
    qemu=$(echo "$check" | grep -i -m1 'qemu' | tr -s ' ')
    if echo "$check" | grep -q -E '^ *(PASS|OK)' && ! echo "$check" | grep -q -E '^ *FAIL'; then
        pass "vireo host check answers with no FAIL ($(echo "$check" | grep -c -E '^ *(PASS|OK)') pass; $qemu)"
    else
        fail "vireo host check: $(echo "$check" | grep -E 'FAIL' | head -n 5 | tr '\n' ' ')$( [ -z "$check" ] && echo 'no answer')"
    fi

    # 4. vireo create --image tiny (building the image at first use, with its progress shown, in one suite) and
    #    vireo start, as the README says (no names: the VM is named after the image, and start takes the VM created
    #    last): the guest reaches VIREO-GUEST-READY
    local t2 t3 pid= created crc t_created
    t2=$(now)
    if [ -n "$build_tiny" ]; then
        created=$(ct_hostnet vireo create --image tiny 2>&1 | tee "$work/create.log"; exit "${PIPESTATUS[0]}")
    else
        created=$(ct vireo create --image tiny 2>&1 | tee "$work/create.log"; exit "${PIPESTATUS[0]}")
    fi
    crc=$?
    t_created=$(now)
    if [ -n "$build_tiny" ]; then
        local steps
        steps=$(grep -c '^==> ' <<<"$created")
        if [ "$crc" = 0 ] && grep -q 'image is not built yet: building it now' <<<"$created" && [ "$steps" -ge 3 ] &&
            [ -f "$R/var/cache/vireo/images/tiny/kernel" ]; then
            pass "vireo create --image tiny built the tiny image at first use in $(secs "$t2" "$t_created") s, its progress shown ($steps steps, '$(grep -m1 '^==> ' <<<"$created" | cut -c5-60)' ... '$(grep '^==> ' <<<"$created" | tail -n1 | cut -c5-60)')"
            figure tiny_build_s "$(secs "$t2" "$t_created")"
        else
            fail "vireo create --image tiny (build at first use): exit $crc, $steps progress lines: $(tail -n 5 <<<"$created" | tr '\n' ' ')"
        fi
    fi
    if [ "$crc" = 0 ] && grep -q "VM '$vm' defined" "$work/create.log" && ct vireo start >>"$work/create.log" 2>&1; then
        local ready=
        for _ in $(seq 1 240); do
            if ct vireo logs $vm --tail 200 2>/dev/null | grep -q VIREO-GUEST-READY; then ready=1; break; fi
            sleep 0.5
        done
        t3=$(now)
        pid=$(vm_field pid)
        if [ -n "$ready" ] && [ -n "$pid" ]; then
            pass "vireo create --image tiny && vireo start (the VM named $vm): the guest printed VIREO-GUEST-READY ($(secs "$t2" "$t3") s after create$( [ -n "$build_tiny" ] && echo ", the image build included"), $(secs "$t0" "$t3") s after apt install began, boot included; QEMU PID $pid in the container)"
            figure install_to_running_s "$(secs "$t0" "$t3")"; figure daemon_to_ready_s "$(secs "$t2" "$t3")"
        else
            fail "the guest did not print VIREO-GUEST-READY in 120 s (pid '$pid'): $(ct vireo logs $vm --tail 5 2>&1 | tr '\n' ' ')"
            pid=
        fi
    else
        fail "vireo create/start: $(tail -n 5 "$work/create.log" | tr '\n' ' ')"
    fi

    # 5. a failed upgrade leaves the previous version working; 6. the upgrade restarts vireod through systemd and the
    #    VM keeps its QEMU process
    if [ -n "$pid" ]; then
        local qemu_start ver_old brokenv rc main_b st_b ver_b state_b pid_b
        qemu_start=$(started "$pid")
        ver_old=$(daemon_version)
        brokenv=$(dpkg-deb -f "$broken" Version)
        ct apt-get install -y -q "/root/$brokenname" >"$work/apt-broken.log" 2>&1
        rc=$?
        main_b=$(unit_show MainPID) st_b=$(unit_show ActiveState) ver_b=$(daemon_version)
        state_b=$(vm_field state) pid_b=$(vm_field pid)
        if [ "$rc" != 0 ] && grep -q 'does not run' "$work/apt-broken.log" && [ "$main_b" = "$main1" ] && [ "$st_b" = active ] &&
            [ "$ver_b" = "$ver_old" ] && [ "$state_b" = running ] && [ "$pid_b" = "$pid" ] && [ "$(started "$pid")" = "$qemu_start" ]; then
            pass "a failed upgrade to $brokenv (its vireod --version fails) leaves $oldv working: apt install exits $rc, postinst '$(grep -m1 'does not run' "$work/apt-broken.log" | cut -c1-70)...'; vireod not restarted (MainPID $main_b), answers as vireod $ver_b; the VM runs on (QEMU PID $pid)"
        else
            fail "the broken upgrade to $brokenv: apt exit $rc (must fail), vireod.service $st_b MainPID $main_b (was $main1), daemon '$ver_b' (was $ver_old), VM '$state_b' PID '$pid_b' (was $pid): $(tail -n 4 "$work/apt-broken.log" | tr '\n' ' ' | cut -c1-300)"
        fi

        local t4 t5 installed main2 st2 ver_new bin_new state pid2 reattached verdict
        t4=$(now)
        if ct apt-get install -y -q "/root/$newname" >"$work/apt-upgrade.log" 2>&1; then
            t5=$(now)
            for _ in $(seq 1 300); do [ "$(unit_show ActiveState)" = active ] && break; sleep 0.2; done
            installed=$(ct dpkg-query -W -f='${Version}' vireo)
            main2=$(unit_show MainPID) st2=$(unit_show ActiveState) ver_new=$(daemon_version)
            bin_new=$(ct vireod --version 2>/dev/null | grep -o '[0-9][A-Za-z0-9.+~]*' | head -n1)
            state=$(vm_field state) pid2=$(vm_field pid)
            reattached=$(ct journalctl -u vireod.service --no-pager -o cat 2>/dev/null | grep -c "re-attached to QEMU PID $pid ")
            # The daemon answering must be the newly installed build: its version is what the installed vireod
            # reports; when the newer package is a real second build, that version is the new package's.
            if [ "${VIREO_NEW_IS_BUILD:-0}" = 1 ]; then
                verdict=$([ "$ver_new" = "$newv" ] && [ "$ver_new" != "$ver_old" ] && echo ok)
            else
                verdict=$([ -n "$ver_new" ] && [ "$ver_new" = "$bin_new" ] && echo ok)
            fi
            if [ "$installed" = "$newv" ] && [ "$st2" = active ] && [ "${main2:-0}" != 0 ] && [ "$main2" != "$main1" ] &&
                [ -n "$verdict" ] && [ "$state" = running ] && [ "$pid2" = "$pid" ] && [ "$(started "$pid")" = "$qemu_start" ] &&
                [ "$reattached" -ge 1 ]; then
                pass "upgrade with apt install ($(secs "$t4" "$t5") s) repaired it: $newv installed, postinst restarted vireod through systemd (MainPID $main1 -> $main2), the daemon answers as vireod $ver_new (was $ver_old$([ "${VIREO_NEW_IS_BUILD:-0}" = 1 ] || echo '; the newer package is this build repacked, so the same daemon version')); the VM is still running, same QEMU process (PID $pid), re-attached ('re-attached to QEMU PID $pid' in vireod's journal)"
            else
                fail "after the upgrade to $newv (installed '$installed'): vireod.service $st2, MainPID $main1 -> '$main2', daemon '$ver_new' (was $ver_old, installed binary '$bin_new'), VM '$state' PID '$pid2' (was $pid), re-attach lines $reattached"
            fi
        else
            fail "apt install /root/$newname (upgrade): $(tail -n 5 "$work/apt-upgrade.log" | tr '\n' ' ')"
        fi
        ct vireo destroy $vm >/dev/null 2>&1
    fi

    # 7. apt remove stops vireod (systemd) and keeps /var/lib/vireo; apt purge removes it
    local st3
    if ct apt-get remove -y -q vireo >"$work/apt-remove.log" 2>&1; then
        st3=$(unit_show ActiveState)
        if [ "$st3" != active ] && [ -d "$R/var/lib/vireo" ] && [ -n "$(ls -A "$R/var/lib/vireo")" ] && [ ! -L "$R/usr/sbin/vireod" ] && [ ! -e "$R/usr/bin/vireo" ]; then
            pass "apt remove stops vireod.service ($st3), removes the programs and keeps /var/lib/vireo ($(ls -A "$R/var/lib/vireo" | wc -l) entries, $(du -sh "$R/var/lib/vireo" | cut -f1))"
        else
            fail "after apt remove: vireod.service '$st3'; /var/lib/vireo $( [ -d "$R/var/lib/vireo" ] && echo "has: $(ls -A "$R/var/lib/vireo" | tr '\n' ' ')" || echo missing); vireod $( [ -L "$R/usr/sbin/vireod" ] && echo still there || echo gone)"
        fi
    else
        fail "apt remove vireo: $(tail -n 5 "$work/apt-remove.log" | tr '\n' ' ')"
    fi
    if ct apt-get purge -y -q vireo >"$work/apt-purge.log" 2>&1; then
        # Where the tiny image was built, the test's download cache is bind-mounted at /var/cache/vireo/debs: purge
        # deletes /var/cache/vireo but never what is mounted below it.
        local kept=ok
        if [ -n "$build_tiny" ]; then
            kept=$([ -n "$(ls -A "$CACHE/tiny-debs-$suite")" ] && grep -q 'kept what is mounted below /var/cache/vireo' "$work/apt-purge.log" &&
                [ ! -e "$R/var/cache/vireo/images" ] && echo ok)
        fi
        if [ ! -e "$R/var/lib/vireo" ] && [ ! -e "$R/var/lib/vireo-uids" ] && [ ! -e "$R/etc/vireo" ] && ! ct dpkg-query -W vireo >/dev/null 2>&1 && [ -n "$kept" ]; then
            pass "apt purge removes /var/lib/vireo, /var/lib/vireo-uids and /etc/vireo$( [ -n "$build_tiny" ] && echo ", and /var/cache/vireo but what is mounted below it (the test's .deb cache at /var/cache/vireo/debs: kept, $(ls "$CACHE/tiny-debs-$suite" | wc -l) files)")"
        else
            fail "after apt purge: mounted cache '${kept:-deleted or not reported}', /var/lib/vireo $( [ -e "$R/var/lib/vireo" ] && echo "still there: $(ls -A "$R/var/lib/vireo" | tr '\n' ' ')" || echo gone), /var/lib/vireo-uids $( [ -e "$R/var/lib/vireo-uids" ] && echo "still there" || echo gone), /etc/vireo $( [ -e "$R/etc/vireo" ] && echo "still there" || echo gone)"
        fi
    else
        fail "apt purge vireo: $(tail -n 5 "$work/apt-purge.log" | tr '\n' ' ')"
    fi
    local t_halt
    t_halt=$(now)
    nspawn_stop
    echo "run.sh: $suite: the container halted in $(secs "$t_halt" "$(now)") s" >&2
    figure nspawn_boot_to_active_s "$(secs "$t_boot" "$t_active")"
    return 0
}

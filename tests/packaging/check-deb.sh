#!/usr/bin/env bash
# Builds Vireo's Debian package (packaging/deb/build.sh, which runs lintian and fails on its errors and warnings)
# and checks what it holds: self-contained binaries that run without .NET, the unit, the conffile, maintainer
# scripts, logrotate, man pages and shell completions generated from the CLI. Prints one "PASS name" or
# "FAIL name: why" line per check (scripts/test.sh counts them) and exits non-zero when one failed.
#   VIREO_DEB=PATH  check this .deb instead of building one (lintian then runs here)
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
failed=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; failed=1; }
check() { local name=$1 why=$2; shift 2; if "$@" >/dev/null 2>&1; then pass "$name"; else fail "$name" "$why"; fi; }

deb=${VIREO_DEB:-}
if [ -z "$deb" ]; then
    start=$(date +%s)
    if deb=$(bash packaging/deb/build.sh | tail -n1) && [ -f "$deb" ]; then
        pass "deb: build.sh builds it and lintian passes ($(( $(date +%s) - start )) s)"
    else
        fail "deb: build.sh builds it and lintian passes" "build.sh failed (output above)"; exit 1
    fi
else
    check "deb: lintian passes" "lintian found errors or warnings" lintian --fail-on error,warning "$deb"
fi

x=$(mktemp -d /tmp/vireo-deb-check.XXXXXX)
trap 'rm -rf "$x"' EXIT
dpkg-deb -x "$deb" "$x/root" && dpkg-deb -e "$deb" "$x/control" || { fail "deb: dpkg-deb can unpack it" "$deb"; exit 1; }
contents=$(dpkg-deb --contents "$deb" | awk '{print $6, $7, $8}')
info=$(dpkg-deb -f "$deb")
has() { grep -qE "^\./$1/?( |$)" <<<"$contents"; }

for path in usr/bin/vireo usr/lib/vireo/vireod/vireod usr/lib/vireo/vireod/libcoreclr.so usr/share/vireo/web/index.html \
            usr/share/vireo/guest/build-tiny.sh usr/share/vireo/osinfo etc/vireo/vireod.conf etc/logrotate.d/vireo \
            usr/share/doc/vireo/copyright; do
    check "deb: holds /$path" "not in dpkg-deb --contents" has "$path"
done
check "deb: /usr/sbin/vireod links to the self-contained vireod" "no such link" \
    grep -qE '^\./usr/sbin/vireod -> \.\./lib/vireo/vireod/vireod$' <<<"$contents"
unit=$(grep -oE '^\./(usr/)?lib/systemd/system/vireod\.service' <<<"$contents" | head -n1)
if [ -n "$unit" ] && grep -q '^ExecStart=/usr/sbin/vireod ' "$x/root/$unit" && grep -q '^Type=notify' "$x/root/$unit" \
    && grep -q '^KillMode=process' "$x/root/$unit"; then
    pass "deb: vireod.service (Type=notify, KillMode=process, ExecStart=/usr/sbin/vireod)"
else
    fail "deb: vireod.service (Type=notify, KillMode=process, ExecStart=/usr/sbin/vireod)" "missing or wrong: ${unit:-no unit}"
fi
check "deb: /etc/vireo/vireod.conf is a conffile" "not in DEBIAN/conffiles" grep -qx /etc/vireo/vireod.conf "$x/control/conffiles"
for s in postinst postrm prerm; do
    check "deb: $s is valid sh" "sh -n failed or missing" sh -n "$x/control/$s"
done

# Self-contained: no dotnet package among the relations, and both binaries run with no .NET to find. LD_DEBUG
# names every library the loader maps: the runtime must come from the package's own folder, never /usr/share/dotnet.
relations=$(grep -E '^(Pre-)?Depends:' <<<"$info")
if grep -qiE 'dotnet|aspnetcore|libcoreclr' <<<"$relations"; then
    fail "deb: depends on no .NET package" "$relations"
else
    pass "deb: depends on no .NET package"
fi
for rel in 'qemu-system-x86 \(>= 1:7\.2\)' 'qemu-utils' 'dnsmasq-base' 'nftables' 'iproute2'; do
    check "deb: Depends names ${rel//\\/}" "Depends: $relations" grep -qE "$rel" <<<"$relations"
done
check "deb: Recommends ovmf and osinfo-db" "$(grep '^Recommends' <<<"$info")" grep -qE '^Recommends:.*ovmf.*osinfo-db' <<<"$info"
noenv=(env -i PATH=/nonexistent DOTNET_ROOT=/nonexistent HOME=/nonexistent)
for bin in usr/lib/vireo/vireod/vireod usr/bin/vireo; do
    libs=$("${noenv[@]}" LD_DEBUG=libs "$x/root/$bin" --version 2>&1 >/dev/null | grep -oE 'calling init: [^ ]+' | awk '{print $3}')
    if "${noenv[@]}" "$x/root/$bin" --version >/dev/null 2>&1 && ! grep -q '/dotnet/' <<<"$libs"; then
        pass "deb: /$bin runs without .NET ($(grep -c . <<<"$libs") libraries mapped, none from a dotnet install)"
    else
        fail "deb: /$bin runs without .NET" "$(grep '/dotnet/' <<<"$libs" | head -n3)"
    fi
done
check "deb: vireo is Native AOT (no libcoreclr, no libhostfxr)" "it needs a .NET runtime" \
    bash -c "! readelf -d '$x/root/usr/bin/vireo' | grep -qE 'libcoreclr|libhostfxr' && ! grep -q libhostfxr '$x/root/usr/bin/vireo'"
check "deb: vireod's runtimeconfig is self-contained" "it names a shared framework" \
    grep -q '"includedFrameworks"' "$x/root/usr/lib/vireo/vireod/vireod.runtimeconfig.json"

# Man pages and completions, generated from the CLI's own help: vireo create's page has the flags `vireo create
# --help` prints; bash completes commands and subcommands.
for page in man1/vireo.1.gz man1/vireo-create.1.gz man1/vireo-net.1.gz man8/vireod.8.gz; do
    check "deb: man page $page" "missing" has "usr/share/man/$page"
done
create_help=$("$x/root/usr/bin/vireo" create --help 2>/dev/null | grep -oE -- '--[a-z][a-z-]+' | sort -u)
page=$(zcat "$x/root/usr/share/man/man1/vireo-create.1.gz" | sed 's/\\-/-/g')
absent=$(for o in $create_help; do grep -qF -- "$o" <<<"$page" || echo "$o"; done)
if [ -n "$create_help" ] && [ -z "$absent" ]; then
    pass "deb: vireo-create(1) has every flag of vireo create --help ($(wc -w <<<"$create_help"))"
else
    fail "deb: vireo-create(1) has every flag of vireo create --help" "missing: ${absent:-no help}"
fi
check "deb: man pages render" "man -l failed" bash -c "man -l '$x/root/usr/share/man/man8/vireod.8.gz' | grep -q state-dir"
for c in usr/share/bash-completion/completions/vireo usr/share/zsh/vendor-completions/_vireo usr/share/fish/vendor_completions.d/vireo.fish; do
    check "deb: completion /$c" "missing" has "$c"
done
complete_words() {  # complete_words WORD... : what bash offers for the last word
    bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _vireo; printf "%s\n" "${COMPREPLY[@]}"' _ \
        "$x/root/usr/share/bash-completion/completions/vireo" "$@"
}
check "deb: bash completes 'vireo ne' to net" "got: $(complete_words vireo ne | tr '\n' ' ')" grep -qx net <<<"$(complete_words vireo ne)"
check "deb: bash completes 'vireo net forward a' to add" "got: $(complete_words vireo --socket /x net forward a | tr '\n' ' ')" \
    grep -qx add <<<"$(complete_words vireo --socket /x net forward a)"
check "deb: bash completes 'vireo create --ima' to --image" "got: $(complete_words vireo create --ima | tr '\n' ' ')" \
    grep -qx -- --image <<<"$(complete_words vireo create --ima)"
# zsh and fish come from scripts/deps.sh (for these checks only).
check "deb: zsh completion parses" "zsh -n failed (or zsh is missing: scripts/deps.sh installs it)" zsh -n "$x/root/usr/share/zsh/vendor-completions/_vireo"
check "deb: fish completion parses" "fish -n failed (or fish is missing: scripts/deps.sh installs it)" fish -n "$x/root/usr/share/fish/vendor_completions.d/vireo.fish"
fish_complete() { fish -c 'source $argv[1]; complete -C $argv[2]' "$x/root/usr/share/fish/vendor_completions.d/vireo.fish" "$1" 2>/dev/null | cut -f1; }
check "deb: fish completes 'vireo cre' to create and 'vireo create --ima' to --image" "got: $(fish_complete 'vireo cre' | tr '\n' ' ')/ $(fish_complete 'vireo create --ima' | tr '\n' ' ')" \
    bash -c 'grep -qx create <<<"$1" && grep -qx -- --image <<<"$2"' _ "$(fish_complete 'vireo cre')" "$(fish_complete 'vireo create --ima')"

echo "deb: $(basename "$deb"): Installed-Size $(grep '^Installed-Size' <<<"$info" | awk '{print $2}') KiB, file $(( $(stat -c %s "$deb") / 1024 )) KiB"
exit $failed

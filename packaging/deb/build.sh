#!/usr/bin/env bash
# Builds Vireo's Debian package from this checkout:
#
#   bash packaging/deb/build.sh        ->  dist/vireo_VERSION_amd64.deb
#
# One binary package, vireo (amd64), with no .NET needed on the host: the vireo CLI as Native AOT (/usr/bin/vireo),
# vireod self-contained with ReadyToRun code (/usr/lib/vireo/vireod/, /usr/sbin/vireod), the web UI
# (/usr/share/vireo/web), the osinfo overlay and the guest build scripts (/usr/share/vireo), the systemd unit, a
# conffile /etc/vireo/vireod.conf, logrotate, and man pages and shell completions generated from the CLI's own
# command tree (tools/Vireo.DocGen). The Debian side is packaging/deb/debian (debhelper, dh_installsystemd, ...):
# this script publishes the binaries into a staging folder, then runs dpkg-buildpackage -b on them and lintian on
# the result. Needs the .NET 10 SDK, Node.js 20+ with npm, debhelper and lintian (scripts/deps.sh installs them).
#
# Environment knobs:
#   VIREO_VERSION=V      the package version (default: the Version of Directory.Build.props, then +git, the last
#                        commit's UTC time and its hash, e.g. 0.1.0+git20261207.215100.54ab30c; a later commit
#                        sorts later). Set it to build a "newer" package, e.g. for an upgrade test.
#   VIREO_PKG_WORK=DIR   the work folder (default out/deb; it is cleaned first, except for nothing)
#   VIREO_LINTIAN=0      skip lintian (default 1: lintian runs, and its errors or warnings fail the build)
#   VIREO_SKIP_WEB=1     do not rebuild web/dist when it exists already (default: npm ci when needed + npm run build)
# Prints the .deb's path last. Exit status: 0 built; 1 a step failed; 2 a tool is missing (the message says which).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
root=$PWD
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
step() { printf '==> %s\n' "$*" >&2; }
missing() { printf 'build.sh: %s\n' "$*" >&2; exit 2; }

command -v dotnet >/dev/null && dotnet --list-sdks 2>/dev/null | grep -q '^10\.' \
    || missing "the .NET 10 SDK is needed to build (not on the host that installs the package): https://learn.microsoft.com/dotnet/core/install/linux-debian"
command -v npm >/dev/null || missing "Node.js 20+ with npm is needed to build the web UI (bash scripts/deps.sh installs it)"
for tool in dpkg-buildpackage dh lintian fakeroot; do
    command -v "$tool" >/dev/null || missing "$tool is missing: apt-get install dpkg-dev debhelper lintian fakeroot (or bash scripts/deps.sh)"
done

base=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props | head -n1)
if [ -z "${VIREO_VERSION:-}" ]; then
    stamp=$(TZ=UTC git log -1 --date=format-local:%Y%m%d.%H%M%S --format=%cd 2>/dev/null || date -u +%Y%m%d.%H%M%S)
    hash=$(git rev-parse --short=7 HEAD 2>/dev/null || echo local)
    VIREO_VERSION="$base+git$stamp.$hash"
fi
version=$VIREO_VERSION
[[ $version =~ ^[0-9][A-Za-z0-9.+~]*$ ]] \
    || { echo "build.sh: VIREO_VERSION '$version' is not a Debian version (digits first, then letters, digits, . + ~)" >&2; exit 2; }
work=${VIREO_PKG_WORK:-$root/out/deb}
src=$work/vireo-$version
stage=$src/stage
rm -rf "$work" && mkdir -p "$stage"

step "Building the web UI (web/dist)"
if [ "${VIREO_SKIP_WEB:-0}" = 1 ] && [ -f web/dist/index.html ]; then
    echo "VIREO_SKIP_WEB=1: using the existing web/dist" >&2
else
    (cd web
     if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
         npm ci --no-audit --no-fund --loglevel=error
     fi
     npm run build --silent)
fi
cp -r web/dist "$stage/web"

step "Publishing vireod (self-contained, ReadyToRun)"
# Self-contained: the .NET runtime ships inside /usr/lib/vireo/vireod, so the host needs no dotnet. A folder, not a
# single file: dh_shlibdeps then sees the runtime's native libraries and declares what they link against.
dotnet publish src/Vireo.Daemon -c Release -nologo -v quiet -r linux-x64 --self-contained true \
    -p:PublishReadyToRun=true -p:InformationalVersion="$version" -p:IncludeSourceRevisionInInformationalVersion=false -o "$stage/vireod"
# LTTng tracing support is optional (loaded only when liblttng-ust is installed, which nothing here requires);
# shipping it would make dh_shlibdeps demand liblttng-ust. The runtime runs without it, as Microsoft documents.
rm -f "$stage/vireod/libcoreclrtraceptprovider.so"
# The web UI goes to /usr/share/vireo/web (architecture-independent data), where vireod also looks.
rm -rf "$stage/vireod/web"

step "Publishing vireo (Native AOT)"
dotnet publish src/Vireo.Cli -c Release -nologo -v quiet -r linux-x64 -p:PublishAot=true \
    -p:InformationalVersion="$version" -p:IncludeSourceRevisionInInformationalVersion=false -o "$stage/vireo"
rm -f "$stage/vireo/"*.dbg

step "Checking the new binaries before they are packaged"
# A package whose binaries do not start must never reach an upgrade: both must run here, without dotnet.
env -u DOTNET_ROOT PATH=/usr/sbin:/usr/bin:/sbin:/bin "$stage/vireod/vireod" --version >&2
env -u DOTNET_ROOT PATH=/usr/sbin:/usr/bin:/sbin:/bin "$stage/vireo/vireo" --version >&2

step "Generating man pages and shell completions from the CLI's command tree"
"$stage/vireod/vireod" --help > "$work/vireod-help.txt"
dotnet run --project tools/Vireo.DocGen -c Release -v quiet -- --out "$stage/docs-generated" --version "$version" \
    --vireod-help "$work/vireod-help.txt"

step "Collecting data files"
cp -r data/osinfo "$stage/osinfo"
cp -r guest "$stage/guest"
install -m 0644 README.md "$stage/README.md"
mkdir -p "$stage/doc" && cp docs/*.md "$stage/doc/"
cp -r packaging/deb/debian "$src/debian"
install -m 0644 packaging/systemd/vireod.service "$src/debian/vireo.vireod.service"
sed -i 's:^ExecStart=/usr/local/bin/vireod:ExecStart=/usr/sbin/vireod:' "$src/debian/vireo.vireod.service"
cat > "$src/debian/changelog" <<CHANGELOG
vireo ($version) unstable; urgency=medium

  * Built from commit $(git rev-parse --short=12 HEAD 2>/dev/null || echo "unknown") by packaging/deb/build.sh.

 -- Vireo developers <vireo@example.invalid>  $(date -uR)
CHANGELOG

step "Building the package (dpkg-buildpackage -b)"
(cd "$src" && dpkg-buildpackage -b -us -uc --no-sign >&2)
deb=$work/vireo_${version}_amd64.deb
[ -f "$deb" ] || { echo "build.sh: dpkg-buildpackage wrote no $deb" >&2; exit 1; }
mkdir -p dist
rm -f dist/vireo_*.deb
cp "$deb" dist/

if [ "${VIREO_LINTIAN:-1}" = 1 ]; then
    step "lintian"
    lintian --fail-on error,warning --profile debian "dist/${deb##*/}" >&2 \
        || { echo "build.sh: lintian found errors or warnings (above)" >&2; exit 1; }
fi
dpkg-deb -I "dist/${deb##*/}" | grep -E 'Version|Installed-Size|Depends|Recommends|Suggests' >&2
echo "$root/dist/${deb##*/}"

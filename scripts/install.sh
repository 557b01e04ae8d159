#!/usr/bin/env bash
# Sets up Vireo on this Debian 12 machine and boots the default VM:
#   1. installs missing Debian packages (apt-get), checks the host (vireo host check),
#   2. builds the web UI (web/, npm) and installs vireod with it (/usr/local/bin/vireod, serving the UI on its
#      --listen addresses) and the vireo CLI (/usr/local/bin/vireo, Native AOT),
#   3. builds the tiny guest image into /var/cache/vireo/images/tiny,
#   4. runs vireod: as the systemd service vireod.service where systemd runs, else in the background,
#   5. creates the VM "demo" from the tiny image, starts it, and waits until it is ready.
# Safe to run again: it upgrades the binaries and restarts vireod, and running VMs keep running.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ "$(id -u)" = 0 ] || { echo "install.sh: run as root" >&2; exit 2; }
step() { printf '\n==> %s\n' "$*"; }

# Before anything changes: the build tools that Debian's archive does not have. Without them this stops here,
# having installed nothing, and says where to get them (the Debian package, packaging/deb/build.sh, needs neither on
# the host that installs it).
. /etc/os-release 2>/dev/null || true
if ! dotnet --list-sdks 2>/dev/null | grep -q '^10\.'; then
    found=$(dotnet --list-sdks 2>/dev/null | awk '{printf "%s%s", sep, $1; sep=", "}')
    command -v dotnet >/dev/null || found="no dotnet on PATH"
    cat >&2 <<TXT
install.sh: the .NET 10 SDK is missing (found: ${found:-dotnet with no SDK}).
Debian's archive does not ship it. Get it from Microsoft's package repository (the official source,
https://learn.microsoft.com/dotnet/core/install/linux-debian), as root:

    wget https://packages.microsoft.com/config/debian/${VERSION_ID:-12}/packages-microsoft-prod.deb -O /tmp/packages-microsoft-prod.deb
    dpkg -i /tmp/packages-microsoft-prod.deb && rm /tmp/packages-microsoft-prod.deb
    apt-get update && apt-get install -y dotnet-sdk-10.0

or with Microsoft's install script: https://learn.microsoft.com/dotnet/core/install/linux-scripted-manual
Then run this again. Nothing was installed or changed.
TXT
    exit 1
fi
node_major=$(node --version 2>/dev/null | sed -n 's/^v\([0-9]*\).*/\1/p')
apt_node=$(apt-cache policy nodejs 2>/dev/null | sed -n 's/^ *Candidate: \([0-9]*\).*/\1/p')
if [ "${node_major:-0}" -lt 20 ] && [ "${apt_node:-0}" -lt 20 ]; then
    cat >&2 <<TXT
install.sh: the web UI's build needs Node.js 20 or newer with npm (found: $(node --version 2>/dev/null || echo none); apt offers
${apt_node:-no} nodejs). Install NodeSource's Node.js 20 (https://github.com/nodesource/distributions) and run this again.
Nothing was installed or changed.
TXT
    exit 1
fi

step "Installing packages"
bash scripts/deps.sh

prefix=/usr/local
libdir=$prefix/lib/vireo
step "Building the web UI"
# web/dist goes into vireod's publish folder as web/, the first place vireod looks for its UI (docs/web-ui.md).
(cd web && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)

step "Building vireod and vireo"
dotnet publish src/Vireo.Daemon -c Release -nologo -v quiet -o "$libdir/vireod.new"
rm -rf "$libdir/vireod" && mv "$libdir/vireod.new" "$libdir/vireod"
ln -sf "$libdir/vireod/vireod" "$prefix/bin/vireod"
if dotnet publish src/Vireo.Cli -c Release -nologo -v quiet -r linux-x64 -p:PublishAot=true -o "$libdir/vireo-aot.new"; then
    install -m 0755 "$libdir/vireo-aot.new/vireo" "$prefix/bin/vireo.new" && mv "$prefix/bin/vireo.new" "$prefix/bin/vireo"
    rm -rf "$libdir/vireo-aot.new"
else
    echo "install.sh: Native AOT publish failed; installing the framework-dependent CLI instead" >&2
    dotnet publish src/Vireo.Cli -c Release -nologo -v quiet -o "$libdir/vireo"
    ln -sf "$libdir/vireo/vireo" "$prefix/bin/vireo"
fi
# Vireo's osinfo overlay (releases newer than Debian's osinfo-db), read after /usr/share/osinfo (docs/os-catalog.md).
rm -rf /usr/share/vireo/osinfo.new && install -d /usr/share/vireo/osinfo.new && cp -r data/osinfo/. /usr/share/vireo/osinfo.new/
rm -rf /usr/share/vireo/osinfo && mv /usr/share/vireo/osinfo.new /usr/share/vireo/osinfo
# The guest build scripts, for `vireo image build` on a host without the source checkout (docs/images.md).
rm -rf /usr/share/vireo/guest.new && install -d /usr/share/vireo/guest.new && cp -r guest/. /usr/share/vireo/guest.new/
rm -rf /usr/share/vireo/guest && mv /usr/share/vireo/guest.new /usr/share/vireo/guest
install -d /usr/local/share/doc/vireo && install -m 0644 README.md docs/*.md /usr/local/share/doc/vireo/ 2>/dev/null || true

step "Checking the host"
vireo host check --state-dir /var/lib/vireo || { echo "install.sh: fix the FAIL lines above and run this again" >&2; exit 1; }

step "Building the tiny guest image"
bash guest/build-tiny.sh

step "Building the Debian 12 image"
bash guest/build-debian.sh

socket=/run/vireo/vireod.sock
step "Configuring the remote API and web UI"
# Like Proxmox VE's port 8006: the API and the web UI over TLS on every address, a self-signed certificate made on
# the first start (its fingerprint is printed below), and nothing served without a token. An existing
# /etc/vireo/vireod.conf is the operator's and is left alone (docs/remote-access.md).
if [ ! -e /etc/vireo/vireod.conf ]; then
    install -d -m 0755 /etc/vireo
    if ss -Hltn 'sport = :8443' | grep -q .; then
        echo "port 8443 is in use: vireod gets no TCP listener; set listen = ADDR:PORT in /etc/vireo/vireod.conf"
        printf '# vireod settings (vireod --help). The TLS listener for the remote API and web UI:\n# listen = 0.0.0.0:8443\n' > /etc/vireo/vireod.conf.new
    else
        printf '# vireod settings (vireod --help). The TLS listener for the remote API and web UI:\nlisten = 0.0.0.0:8443\n' > /etc/vireo/vireod.conf.new
    fi
    mv /etc/vireo/vireod.conf.new /etc/vireo/vireod.conf
fi
grep -E '^[[:space:]]*listen' /etc/vireo/vireod.conf || true

step "Starting vireod"
if [ -d /run/systemd/system ]; then
    install -m 0644 packaging/systemd/vireod.service /etc/systemd/system/vireod.service
    systemctl daemon-reload
    systemctl enable vireod.service >/dev/null 2>&1
    # restart picks up new binaries; KillMode=process keeps the VMs running.
    systemctl restart vireod.service
else
    echo "systemd is not running here: starting vireod in the background (log: /var/log/vireo/vireod.log)"
    mkdir -p /var/log/vireo /var/lib/vireo
    if [ -f /var/lib/vireo/vireod.pid ] && old=$(cat /var/lib/vireo/vireod.pid 2>/dev/null) && [ -n "$old" ] \
        && [ -r "/proc/$old/cmdline" ] && tr '\0' ' ' < "/proc/$old/cmdline" | grep -q vireod; then
        echo "stopping the running vireod (PID $old); its VMs keep running"
        kill -TERM "$old"
        for _ in $(seq 1 100); do [ -d "/proc/$old" ] || break; sleep 0.1; done
    fi
    nohup "$prefix/bin/vireod" --state-dir /var/lib/vireo --socket "$socket" >> /var/log/vireo/vireod.log 2>&1 &
fi
for _ in $(seq 1 300); do vireo version >/dev/null 2>&1 && break; sleep 0.1; done
vireo version

step "Booting the default VM 'demo'"
vireo info demo >/dev/null 2>&1 || vireo create --name demo --image tiny --memory 128
state=$(vireo info demo -o json | sed -n 's/^  "state": "\(.*\)",\{0,1\}$/\1/p')
[ "$state" = running ] || vireo start demo
for i in $(seq 1 120); do
    vireo logs demo --tail 50 | grep -q VIREO-GUEST-READY && break
    sleep 0.5
done
vireo logs demo --tail 50 | grep -q VIREO-GUEST-READY || { echo "install.sh: demo did not become ready; see vireo logs demo" >&2; exit 1; }
vireo list
cat <<TXT

Vireo is running, and the VM "demo" is up (a busybox guest on Debian's kernel).
  vireo console demo      attach to its serial console (root shell; detach with Ctrl+])
  vireo logs demo -f      follow its console output
  vireo info demo         details; vireo shutdown demo / vireo destroy demo to stop it
  vireo --help            everything else
TXT
# The first TCP address vireod serves ("Listen (TLS)  0.0.0.0:8443, ..."), as its port.
listen=$(vireo host info | sed -n 's/^Listen (TLS): *[^ ]*:\([0-9][0-9]*\).*/\1/p' | head -n1)
if [ -n "$listen" ]; then
    cat <<TXT

The web UI and the remote API: https://$(hostname -f 2>/dev/null || hostname):$listen/  (TLS, self-signed; compare the fingerprint)
  $(vireo host info | grep 'TLS SHA-256')
  vireo token create --role admin --description "$(whoami)@$(hostname)"   a token to sign in with (shown once)
  vireo remote add NAME https://THIS-HOST:$listen --token TOKEN             the CLI on another machine (docs/remote-cli.md)
TXT
fi

#!/bin/bash
# Runs on the lent device machine, from a bundle made by bench/device/make-bundle.sh (argument: the carried
# .devbundle folder): records what kind of /dev/kvm it has, what Vireo makes of it (host check, accel auto, an
# explicit accel: kvm VM), and start-to-ready of the tiny guest, vireo start against QEMU by hand, alternating.
# Files land in $OUT (the device tool's result folder).
set -u
B=$1; cd /opt && tar xJf "$B/qt.tar.xz" && tar xJf "$B/dn.tar.xz"
export LD_LIBRARY_PATH=/opt/q/lib QEMU_MODULE_DIR=/opt/q/lib/qemu-modules DOTNET_ROOT=/opt/dn PATH=/opt/q/bin:$PATH
mkdir -p $OUT
{ echo "== /proc/modules (kvm)"; grep kvm /proc/modules; echo "== /sys/module kvm*"; ls -d /sys/module/kvm*; ls /sys/module/kvm_pvm
  echo "== cpuinfo"; sed -n '1,/^$/p' /proc/cpuinfo; echo "== /dev/kvm"; ls -la /dev/kvm; echo "== uname"; uname -a; } > $OUT/pvm-host.txt 2>&1
S=/tmp/vs; mkdir -p $S
/opt/app/vireod/vireod --state-dir $S --socket $S/vireod.sock --no-default-network --image-dir /opt > $S/log 2>&1 &
VP=$!
export VIREO_SOCKET=$S/vireod.sock; V=/opt/app/cli/vireo
for i in $(seq 100); do $V version >/dev/null 2>&1 && break; sleep 0.1; done
$V version; $V host check; echo "rc=$?"
K=/opt/tiny/kernel; I=/opt/tiny/initrd.img; C=$(sed -n 's/^  "cmdline": "\(.*\)",$/\1/p' /opt/tiny/image.json)
$V create --name t --boot "kernel=$K,initrd=$I,kernel_args=$C" --memory 128 --graphics none --network user
$V info t -o json | grep -E '"accel|"accel_warning|serial_log'
SL=$($V info t -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["serial_log"])')
wait_ready() { for i in $(seq 4000); do grep -q VIREO-GUEST-READY "$1" 2>/dev/null && return 0; sleep 0.005; done; return 1; }
now() { date +%s%N; }
vt=(); rt=()
for b in 1 2 3 4 5 6 7; do
  rm -f "$SL"; t0=$(now); $V start t >/dev/null; wait_ready "$SL"; t1=$(now); vt+=($(( (t1-t0)/1000000 ))); $V destroy t >/dev/null
  rm -f /tmp/raw.log; t0=$(now)
  qemu-system-x86_64 -nodefaults -no-user-config -machine q35 -accel tcg,tb-size=128 -cpu max -m 128 -display none \
    -kernel $K -initrd $I -append "$C" -serial file:/tmp/raw.log -netdev user,id=n0 -device virtio-net-pci,netdev=n0,romfile= \
    -daemonize -pidfile /tmp/raw.pid; wait_ready /tmp/raw.log; t1=$(now); rt+=($(( (t1-t0)/1000000 ))); kill -9 $(cat /tmp/raw.pid); sleep 0.2
done
echo "vireo start to ready (ms): ${vt[*]}"; echo "qemu by hand (ms): ${rt[*]}"
if [ -e /dev/kvm ]; then
  printf 'name: k\naccel: kvm\nmemory: 128MiB\nserial: true\ngraphics:\n  type: none\nboot:\n  kernel: %s\n  initrd: %s\n  cmdline: %s\n' $K $I "$C" > /tmp/k.yaml
  $V define /tmp/k.yaml; echo "define rc=$?"; $V start k; echo "start rc=$?"; $V info k -o json | grep -E '"state|"accel'
  KL=$($V info k -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["serial_log"])'); sleep 5
  echo "explicit kvm serial bytes after 5 s: $(stat -c %s $KL 2>/dev/null)"; $V destroy k
fi
kill $VP; wait $VP; echo "vireod exit $?"; tail -5 $S/log

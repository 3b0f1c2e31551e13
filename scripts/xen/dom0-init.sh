#!/bin/bash
# dom0's /init in the Xen testbed (scripts/xen-testbed.sh): mounts, modules,
# the Xen daemons, then the test script /test/NAME; reports its exit status
# through QEMU's isa-debug-exit port (0xf4) and on the console
# ("xentb: RESULT N"). Lines for the host start with "xentb: " (this init) or
# "xentb| " (the test's output).
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb LC_ALL=C

say() { echo "xentb: $*"; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }

report() {
	local code=$1
	[ "$code" -le 127 ] || code=127
	say "RESULT $code"
	# let the console drain through Xen to the UART before QEMU goes away
	sleep 1
	# shellcheck disable=SC2059 # the format is the byte to write
	printf "\\x$(printf %02x "$code")" | dd of=/dev/port bs=1 seek=244 count=1 conv=notrunc 2>/dev/null
	sleep 5
	poweroff -f
	sleep infinity
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/lock /run/xen /var/log/xen/console /var/lib/xen /tmp
chmod 1777 /tmp
hostname dom0
echo "127.0.0.1 localhost dom0" >/etc/hosts
ip link set lo up
say "init: dom0 up $(uptime_s) s"

for m in xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs xen-blkback xen-netback bridge tun veth; do
	modprobe "$m" || { say "modprobe $m failed"; report 126; }
done
mount -t xenfs xenfs /proc/xen || { say "cannot mount xenfs"; report 126; }
t=$(uptime_s)
if ! /etc/init.d/xen start >/var/log/xen/init.log 2>&1; then
	sed 's/^/xentb: xen start: /' /var/log/xen/init.log
	report 126
fi
xl list >/dev/null 2>&1 || { say "xl list fails after xen start"; report 126; }
say "xen daemons up in $(awk -v a="$t" -v b="$(uptime_s)" 'BEGIN { printf "%.1f", b - a }') s (dom0 uptime $(uptime_s) s)"

# the host's settings for the test (scripts/xen-testbed.sh writes them)
if [ -f /opt/jitsu-xen/env ]; then
	# shellcheck disable=SC1091
	. /opt/jitsu-xen/env
	export XENTB_E2E
fi
script=$(cat /opt/jitsu-xen/test-script)
say "running /test/$script"
cd /test || report 126
set -o pipefail
"./$script" /test 2>&1 | sed -u 's/^/xentb| /'
rc=$?
report "$rc"

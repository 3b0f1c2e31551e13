#!/bin/busybox sh
# shellcheck shell=dash disable=SC2013
# A PV guest's /init in the Xen testbed: eth0 (xen-netfront) configured from the
# kernel command line (jitsu_ip=ADDR/LEN, jitsu_gw=ADDR, jitsu_name=NAME), then
# `busybox httpd` on port 80 serving a page that names the guest.
/bin/busybox mkdir -p /sbin /usr/bin /usr/sbin /proc /sys /dev /tmp /www
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null

for m in $(cat /lib/modules/load-order); do
	insmod "/lib/modules/$m"
done

ip='' gw='' name=guest
for a in $(cat /proc/cmdline); do
	case $a in
	jitsu_ip=*) ip=${a#*=} ;;
	jitsu_gw=*) gw=${a#*=} ;;
	jitsu_name=*) name=${a#*=} ;;
	esac
done
hostname "$name"
ip link set lo up

i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
if [ -e /sys/class/net/eth0 ] && [ -n "$ip" ]; then
	ip addr add "$ip" dev eth0
	ip link set eth0 up
	[ -z "$gw" ] || ip route add default via "$gw"
	echo "guest $name: eth0 $ip, serving http on port 80"
else
	echo "guest $name: no eth0 or no jitsu_ip= on the command line"
fi

echo "<html><body><h1>jitsu guest $name</h1></body></html>" >/www/index.html
echo "$name" >/www/name
httpd -f -p 80 -h /www
echo "guest $name: httpd exited"
poweroff -f

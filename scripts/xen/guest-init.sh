#!/bin/busybox sh
# shellcheck shell=dash disable=SC2013
# A PV guest's /init in the Xen testbed: eth0 (xen-netfront) configured from the
# kernel command line (jitsu_ip=ADDR/LEN, jitsu_gw=ADDR, jitsu_name=NAME), then
# `busybox httpd` on port 80 serving a page that names the guest (and CGI
# scripts that crash it, power it off or reboot it).
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
	if [ -n "$gw" ]; then
		# the gateway may be outside the guest's subnet (jitsu's is on its
		# uplink side and answers ARP for it on the bridge): reach it on-link
		ip route add "$gw" dev eth0 2>/dev/null
		ip route add default via "$gw" dev eth0
	fi
	echo "guest $name: eth0 $ip, serving http on port 80"
else
	echo "guest $name: no eth0 or no jitsu_ip= on the command line"
fi

# xs_write PATH VALUE: a xenstore write through /dev/xen/xenbus, in the wire
# format (struct xsd_sockmsg: type XS_WRITE = 11, req_id, tx_id, len; then
# PATH NUL VALUE); PATH is relative to /local/domain/DOMID. Prints the reply's
# type: 11 when written, 16 (XS_ERROR) when not.
xs_write() {
	len=$((${#1} + 1 + ${#2}))
	exec 3<>/dev/xen/xenbus || return 1
	printf "\\013\\000\\000\\000\\001\\000\\000\\000\\000\\000\\000\\000\\$(printf %03o $((len & 255)))\\$(printf %03o $((len >> 8)))\\000\\000%s\\000%s" "$1" "$2" >&3
	dd bs=256 count=1 <&3 2>/dev/null | od -An -tu1 | awk 'NR == 1 { print $1 }'
	exec 3<&-
}

echo "<html><body><h1>jitsu guest $name</h1></body></html>" >/www/index.html
echo "$name" >/www/name
# for the gateway's tests of a guest that ends on its own: GET /cgi-bin/crash
# panics the kernel (the domain crashes), /cgi-bin/poweroff powers it off,
# /cgi-bin/reboot reboots it
mkdir -p /www/cgi-bin
printf '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\ncrashing\\n"\necho c >/proc/sysrq-trigger\n' \
	>/www/cgi-bin/crash
printf '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\npowering off\\n"\npoweroff -f\n' \
	>/www/cgi-bin/poweroff
printf '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\nrebooting\\n"\nreboot -f\n' \
	>/www/cgi-bin/reboot
chmod 0755 /www/cgi-bin/crash /www/cgi-bin/poweroff /www/cgi-bin/reboot
httpd -f -p 80 -h /www &
httpd=$!
i=0
while ! netstat -ltn 2>/dev/null | grep -q ':80 ' && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
# serving: say so in xenstore (/local/domain/DOMID/data/jitsu-ready = 1), as
# Jitsu's unikernels do, for the gateway's `ready = xenstore:data/jitsu-ready`
echo "guest $name: ready; xenstore data/jitsu-ready: reply type $(xs_write data/jitsu-ready 1) (11: written)"
# asked to shut down (xl shutdown, the gateway's stop = shutdown): the kernel
# runs /sbin/poweroff, which signals init, that is this script
trap 'echo "guest $name: asked to power off"; poweroff -f' USR2 TERM
wait $httpd
echo "guest $name: httpd exited"
poweroff -f

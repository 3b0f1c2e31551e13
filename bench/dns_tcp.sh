#!/usr/bin/env bash
# DNS over TCP against UDP, with a real client: dnsperf in a client
# namespace made here, against jitsu's gateway address through a net_tap
# uplink (as in tests/e2e/test_dns_server_e2e.sh), one worker.
#
#   bench/dns_tcp.sh [BUILD]       (BUILD: where jitsu is built, default build)
#
# Prints queries per second over UDP and over TCP (dnsperf -m tcp: each
# client keeps its connection and pipelines up to -q queries), and their
# ratio. The tap and the kernel's stack bound both figures, so the ratio is
# that of the whole path, not of the worker alone; the worker's own share is
# in /jitsu/cycles (dns path), printed too.
# Environment: BENCH_SECONDS (10), BENCH_CLIENTS (8), BENCH_OUTSTANDING (64).
set -euo pipefail
BUILD=${1:-build}
jitsu=$(realpath "$BUILD/jitsu")
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$top/scripts/netns.sh"
SECS=${BENCH_SECONDS:-10}
CLIENTS=${BENCH_CLIENTS:-8}
OUTST=${BENCH_OUTSTANDING:-64}

session_begin dnstcp
ns="jitsu-cli-$SFX"
up="jup$SFX"
cat >"$TMP/jitsu.conf" <<CONF
[gateway]
address = 10.77.0.1
dns_ttl = 30
zones = example.org
mac = 02:4a:00:00:00:01
netns_prefix = jitsu-$SFX
veth_prefix = jv$SFX
bridge = jbr$SFX
measure_cycles = on
dns_tcp_conns = 1024

[service www]
dns = www.example.org
address = 10.77.1.10
CONF
for i in $(seq 1000); do echo "www.example.org A"; done >"$TMP/queries"
ip netns add "$ns"
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip -n "$ns" link set lo up
ip netns exec "$ns" "$jitsu" -l 0-1 --no-huge -m 256 --no-pci --file-prefix "$PREFIX" \
	--log-level=lib.eal:error --log-level=pmd.net.tap:critical --vdev="net_tap0,iface=$up" \
	--vdev="net_tap1,iface=jdn$SFX" -- -c "$TMP/jitsu.conf" >"$TMP/log" 2>&1 &
JITSU_PID=$!
netns_wait_link "$ns" "$up"
wait_telemetry "$PREFIX"
ip -n "$ns" link set "$up" address 02:00:00:00:00:02
ip -n "$ns" addr add 10.77.0.2/24 dev "$up"
ip -n "$ns" link set "$up" up
ip netns exec "$ns" dig @10.77.0.1 +tries=5 +time=1 +short www.example.org >/dev/null

run() { # mode
	ip netns exec "$ns" dnsperf -s 10.77.0.1 -m "$1" -d "$TMP/queries" -l "$SECS" -c "$CLIENTS" \
		-q "$OUTST" -t 5 2>&1 | tee "$TMP/$1.out" | awk '/Queries per second/ { print $4 }'
}
cyc() { "$top/scripts/telemetry.py" "$PREFIX" /jitsu/cycles; }
c0=$(cyc)
udp=$(run udp)
c1=$(cyc)
tcp=$(run tcp)
c2=$(cyc)
lost_u=$(awk '/Queries lost/ { print $3 }' "$TMP/udp.out")
lost_t=$(awk '/Queries lost/ { print $3 }' "$TMP/tcp.out")
# the worker's cycles per packet received over each run (all paths: for TCP
# the ACKs and the handshakes are in)
per() { /usr/bin/python3 -c "
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
cy = sum(b[k]['cycles'] - a[k]['cycles'] for k in b)
pk = sum(b[k]['packets'] - a[k]['packets'] for k in b)
print(f'{cy / max(pk, 1):.0f} cycles a packet over {pk} packets')" "$1" "$2"; }
echo "dnsperf, ${SECS} s, ${CLIENTS} clients, ${OUTST} outstanding, one worker, net_tap uplink"
echo "  UDP: $udp queries/s (lost $lost_u); worker: $(per "$c0" "$c1")"
echo "  TCP: $tcp queries/s (lost $lost_t); worker: $(per "$c1" "$c2")"
/usr/bin/python3 -c "import sys; u, t = float(sys.argv[1]), float(sys.argv[2]); print(f'  TCP / UDP = {t / u:.3f}')" "$udp" "$tcp"

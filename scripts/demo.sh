#!/usr/bin/env bash
# `make demo`: the gateway with conf/demo.conf, a client in a network
# namespace made here, and dig asking it questions. Everything is removed
# at the end.
# Usage: demo.sh JITSU
set -euo pipefail
jitsu=$(realpath "$1")
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/netns.sh"

sfx=$(netns_suffix)
ns="jitsu-demo-$sfx"
up="jup$sfx"
down="jdn$sfx"
prefix="jitsu-demo-$sfx"
log=$(mktemp)
pid=
cleanup() {
	stop_pid "$pid"
	ip netns del "$ns" 2>/dev/null || true
	rm -f "$log"
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "client namespace $ns, gateway jitsu on a net_tap uplink ($up)"
ip netns add "$ns"
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip -n "$ns" link set lo up
echo "jitsu -l 0-1 --no-huge -m 256 --no-pci --vdev=net_tap0,iface=$up --vdev=net_tap1,iface=$down -- -c conf/demo.conf"
ip netns exec "$ns" "$jitsu" -l 0-1 --no-huge -m 256 --no-pci --file-prefix "$prefix" \
	--log-level=lib.eal:error --log-level=pmd.net.tap:critical --vdev="net_tap0,iface=$up" --vdev="net_tap1,iface=$down" \
	-- -c "$top/conf/demo.conf" >"$log" 2>&1 &
pid=$!
netns_wait_link "$ns" "$up"
wait_telemetry "$prefix"
ip -n "$ns" link set "$up" address 02:00:00:00:00:02
ip -n "$ns" addr add 10.77.0.2/24 dev "$up"
ip -n "$ns" link set "$up" up
sed 's/^/  /' "$log"

ask() {
	step "dig @10.77.0.1 $*"
	ip netns exec "$ns" dig @10.77.0.1 +tries=2 +time=2 +nocmd +nostats +noquestion "$@" |
		grep -vE '^;; (Got answer|global options)|^$' | sed 's/^/  /'
}
ask www.example.org A
ask api.example.org A
ask www.example.org AAAA
ask nope.example.org A
ask www.google.com A

step "gateway MAC, learned by the client through ARP"
ip -n "$ns" neigh show 10.77.0.1 | sed 's/^/  /'

step "counters (/jitsu/stats through DPDK telemetry)"
"$top/scripts/telemetry.py" "$prefix" /jitsu/stats | /usr/bin/python3 -c '
import json, sys
s = json.load(sys.stdin)
print("  " + "  ".join(f"{k}={v}" for k, v in s.items() if v and not k.startswith("drop_")))
print("  drops by reason: " + (", ".join(f"{k}={v}" for k, v in s.items() if v and k.startswith("drop_")) or "none"))'

step "stopping the gateway (SIGTERM)"
stop_pid "$pid"
pid=
tail -n 2 "$log" | sed 's/^/  /'

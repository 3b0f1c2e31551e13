#!/usr/bin/env bash
# End to end: jitsu with a net_tap uplink whose kernel side is the client's
# interface in a network namespace made here; dig from that namespace gets
# the right A record, NXDOMAIN and REFUSED. Everything made is removed on
# exit, pass or fail.
# Usage: test_dns_e2e.sh JITSU
set -euo pipefail
jitsu=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/scripts/netns.sh"

session_begin dns
ns="jitsu-cli-$SFX"
up="jup$SFX"
down="jdn$SFX"

cat >"$TMP/jitsu.conf" <<CONF
[gateway]
address = 10.77.0.1
dns_ttl = 30
zones = example.org
mac = 02:4a:00:00:00:01
netns_prefix = jitsu-$SFX
veth_prefix = jv$SFX
bridge = jbr$SFX

[service www]
dns = www.example.org
address = 10.77.1.10
CONF

ip netns add "$ns"
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip -n "$ns" link set lo up

# jitsu runs inside the client namespace so that its taps are created there:
# the uplink tap's kernel side is the client's network interface.
ip netns exec "$ns" "$jitsu" -l 0-1 --no-huge -m 256 --no-pci --file-prefix "$PREFIX" \
	--log-level=lib.eal:error --log-level=pmd.net.tap:critical --vdev="net_tap0,iface=$up" --vdev="net_tap1,iface=$down" \
	-- -c "$TMP/jitsu.conf" >"$TMP/log" 2>&1 &
JITSU_PID=$!
netns_wait_link "$ns" "$up"
wait_telemetry "$PREFIX"
# The tap's kernel side starts with the port's MAC: give the client its own.
ip -n "$ns" link set "$up" address 02:00:00:00:00:02
ip -n "$ns" addr add 10.77.0.2/24 dev "$up"
ip -n "$ns" link set "$up" up

fail=0 pass=0
check() { # description, command that must succeed
	local what=$1; shift
	if "$@"; then pass=$((pass + 1)); echo "ok   $what"; else fail=$((fail + 1)); echo "FAIL $what"; fi
}
dig_ns() { ip netns exec "$ns" dig @10.77.0.1 +tries=3 +time=2 "$@"; }

a=$(dig_ns www.example.org A +short || true)
check "A www.example.org = 10.77.1.10 (got '$a')" [ "$a" = "10.77.1.10" ]
a=$(dig_ns WWW.Example.ORG A +short || true)
check "case-insensitive name (got '$a')" [ "$a" = "10.77.1.10" ]
out=$(dig_ns nope.example.org A || true)
check "NXDOMAIN for an unknown name in the zone" grep -q "status: NXDOMAIN" <<<"$out"
check "NXDOMAIN carries the zone's SOA" grep -qE "^example\.org\..*SOA" <<<"$out"
out=$(dig_ns www.google.com A || true)
check "REFUSED for a name outside our zones" grep -q "status: REFUSED" <<<"$out"
out=$(dig_ns www.example.org AAAA || true)
check "AAAA of an IPv4-only service: NOERROR, no answer" \
	grep -q "status: NOERROR.*ANSWER: 0" <<<"$(tr '\n' ' ' <<<"$out")"
out=$(dig_ns +noedns www.example.org A || true)
check "answer without EDNS has no OPT record" bash -c '! grep -q "OPT PSEUDOSECTION" <<<"$1" && grep -q "10.77.1.10" <<<"$1"' _ "$out"
mac=$(ip -n "$ns" neigh show 10.77.0.1 | awk '{print $5}')
check "the client learned the gateway's MAC by ARP (got '$mac')" [ "$mac" = "02:4a:00:00:00:01" ]

stats=$("$top/scripts/telemetry.py" "$PREFIX" /jitsu/stats)
get() { /usr/bin/python3 -c "import json,sys; print(json.loads(sys.argv[1])['$1'])" "$stats"; }
check "counters: dns_answer $(get dns_answer) >= 3" [ "$(get dns_answer)" -ge 3 ]
check "counters: nxdomain $(get dns_nxdomain) >= 1, refused $(get dns_refused) >= 1" \
	[ "$(get dns_nxdomain)" -ge 1 -a "$(get dns_refused)" -ge 1 ]
check "counters: arp_reply $(get arp_reply) >= 1" [ "$(get arp_reply)" -ge 1 ]

out=$(echo /jitsu/stats | dpdk-telemetry.py -f "$PREFIX" 2>&1 || true)
check "the stock dpdk-telemetry.py reads /jitsu/stats" grep -q '"dns_answer": [1-9]' <<<"$out"

kill -TERM "$JITSU_PID"
rc=0
wait "$JITSU_PID" || rc=$?
JITSU_PID=
check "SIGTERM stops jitsu with status 0 (got $rc)" [ "$rc" -eq 0 ]
check "final counters on stderr" grep -q "jitsu: stopped: rx" "$TMP/log"
[ "$fail" -eq 0 ] || { echo "--- jitsu log"; cat "$TMP/log"; }
echo "e2e dns: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

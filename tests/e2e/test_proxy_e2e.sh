#!/usr/bin/env bash
# End to end: synjitsu = proxy. Clients connect straight to stopped
# services' addresses; the gateway answers with cookie SYN-ACKs, holds the
# requests (acknowledged), summons on the proof of a cookie-valid ACK, opens
# the connection to the service once it is READY and translates the flow for
# its whole life. Checked: a cold connect is served with no SYN or data
# retransmission on the client's side (its capture and its own counters);
# parallel cold connects and a 4 MB transfer through the translation; a warm
# service is not proxied; a failed summon gives the client a RST; a spoofed
# SYN flood from random sources against every service address summons
# nothing while a real client's connect is served; a DNS flood from random
# sources summons no more than the budget; no mbuf and no flow is left.
# Usage: test_proxy_e2e.sh JITSU
set -euo pipefail
jitsu=$(realpath "$1")
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/netns.sh"

session_begin pxy
mkdir -p "$TMP/www"
echo "proxied www of $SFX" >"$TMP/www/index.html"
head -c 4000000 /dev/urandom >"$TMP/www/big"
{
	gateway_section
	cat <<CONF
idle_timeout = 600
synjitsu = proxy
pending_timeout = 5000
failure_backoff = 200
stop_grace = 1000
summon_rate = 1
summon_burst = 2
summon_prefix_rate = 60000
summon_prefix_burst = 1000

[service slow]
dns = slow.example.org
address = 10.77.1.10
exec = sh -c 'sleep 0.3 && exec busybox httpd -f -p 80 -h $TMP/www'
ready = tcp:80

[service broken]
dns = broken.example.org
address = 10.77.1.11
exec = /nonexistent/jitsu-no-such-command

[service s1]
dns = s1.example.org
address = 10.77.1.21
exec = sh -c 'sleep 0.3 && exec busybox httpd -f -p 80 -h $TMP/www'
ready = tcp:80

[service s2]
dns = s2.example.org
address = 10.77.1.22
exec = sh -c 'sleep 0.3 && exec busybox httpd -f -p 80 -h $TMP/www'
ready = tcp:80

[service s3]
dns = s3.example.org
address = 10.77.1.23
exec = sh -c 'sleep 0.3 && exec busybox httpd -f -p 80 -h $TMP/www'
ready = tcp:80
CONF
} >"$TMP/jitsu.conf"
topo_up "$SFX"
jitsu_start "$jitsu" "$PREFIX" "$TMP/log" "$TMP/jitsu.conf"

fail=0 pass=0
check() {
	local what=$1; shift
	if "$@"; then pass=$((pass + 1)); echo "ok   $what"; else fail=$((fail + 1)); echo "FAIL $what"; fi
}
px() { field "$1" "['proxy']['$2']"; }
summons() { field "$1" "['summons']"; }
# the client's own TCP counters: SYN retransmissions, segments sent again
tcpstat() {
	ip netns exec "$CLI_NS" /usr/bin/python3 -c '
import sys
lines = open("/proc/net/netstat").read().splitlines() + open("/proc/net/snmp").read().splitlines()
d = {}
for names, values in zip(lines[::2], lines[1::2]):
    k = names.split(":")[0]
    d.update({k + "." + n: v for n, v in zip(names.split()[1:], values.split()[1:])})
print(d[sys.argv[1]])' "$1"
}
# capture the client's SYNs (and data segments it sends) while running the rest
capture() {
	local out=$1 host=$2; shift 2
	ip netns exec "$CLI_NS" tcpdump -i "jcl$SFX" -nn -U --immediate-mode -w "$out" \
		"src host 10.77.0.2 and dst host $host and tcp" 2>"$out.err" &
	local cap=$!
	wait_until "$JITSU_TEST_DEADLINE" grep -q listening "$out.err" || true
	sleep 0.3 # "listening" comes a little before the socket sees packets
	"$@"
	sleep 0.2
	stop_pid "$cap"
}
# SYNs in a capture; data segments sent twice (same sequence number and length)
syns_in() { ip netns exec "$CLI_NS" tcpdump -nn -r "$1" 'tcp[tcpflags] & tcp-syn != 0' 2>/dev/null | wc -l; }
data_again() {
	/usr/bin/python3 - "$1" <<'PY'
import sys
from scapy.all import IP, TCP, rdpcap
seen, again = set(), []
for p in rdpcap(sys.argv[1]):
    if TCP not in p:
        continue
    t = p[TCP]
    n = len(t.payload) + (1 if t.flags & 0x01 else 0)
    if n == 0 or t.flags & 0x02:
        continue
    k = (p[IP].dst, t.sport, t.dport, t.seq, n)
    if k in seen:
        again.append(k)
    seen.add(k)
print(len(again), *again[:4], file=sys.stdout)
PY
}
fetch() { # URL OUT: prints curl's exit code
	local rc=0
	ip netns exec "$CLI_NS" curl -s -m 15 -o "$2" "$1" || rc=$?
	echo "$rc"
}
# wait_for EXPR-COMMAND...: until it succeeds (the deadline: only a hang reaches it)
wait_for() { wait_until "$JITSU_TEST_DEADLINE" "$@"; }
no_flows() {
	local s
	for s in slow broken s1 s2 s3; do [ "$(px "$s" flows)" -eq 0 ] || return 1; done
}
up_mac=$(ip -n "$GW_NS" -o link show "jup$SFX" | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
baseline=$(counter mbuf_in_use)

# ---- a cold connect: cookie SYN-ACK, held request, replay, translation
syn0=$(tcpstat TcpExt.TCPSynRetrans) re0=$(tcpstat Tcp.RetransSegs)
capture "$TMP/cold.pcap" 10.77.1.10 fetch http://10.77.1.10/ "$TMP/page" >"$TMP/rc"
check "cold: served through the proxy (curl $(cat "$TMP/rc"))" grep -q "proxied www of $SFX" "$TMP/page"
check "cold: one SYN from the client (capture: $(syns_in "$TMP/cold.pcap"))" \
	[ "$(syns_in "$TMP/cold.pcap")" -eq 1 ]
again=$(data_again "$TMP/cold.pcap")
check "cold: no data segment sent twice (capture: $again)" [ "${again%% *}" -eq 0 ]
check "cold: no retransmission in the client's counters (SYN $syn0 -> $(tcpstat TcpExt.TCPSynRetrans), segments $re0 -> $(tcpstat Tcp.RetransSegs))" \
	[ "$(tcpstat TcpExt.TCPSynRetrans)" -eq "$syn0" -a "$(tcpstat Tcp.RetransSegs)" -eq "$re0" ]
check "cold: cookie SYN-ACK $(px slow cookie_synack), valid ACK $(px slow cookie_valid), established $(px slow established), translated $(px slow translated_up)/$(px slow translated_down)" \
	[ "$(px slow cookie_synack)" -ge 1 -a "$(px slow cookie_valid)" -ge 1 -a \
	  "$(px slow established)" -ge 1 -a "$(px slow translated_down)" -ge 1 ]
check "cold: one summon, on the proof" [ "$(summons slow)" -eq 1 ]
check "cold: the flow goes after both FINs (flows: $(px slow flows))" wait_for no_flows

# ---- warm: READY, the SYN is forwarded untouched, nothing proxied
c0=$(px slow cookie_synack)
check "warm: served (curl $(fetch http://10.77.1.10/ "$TMP/page"))" grep -q "proxied www of $SFX" "$TMP/page"
check "warm: not proxied (cookie SYN-ACKs $c0 -> $(px slow cookie_synack))" [ "$(px slow cookie_synack)" -eq "$c0" ]

# ---- parallel cold connects and a 4 MB transfer, translated the whole way
ctl stop slow >/dev/null
check "slow stopped" wait_state slow stopped
syn0=$(tcpstat TcpExt.TCPSynRetrans) re0=$(tcpstat Tcp.RetransSegs)
e0=$(px slow established)
par() {
	local i pids=()
	for i in 1 2 3 4 5; do
		ip netns exec "$CLI_NS" curl -s -m 20 -o "$TMP/par$i" http://10.77.1.10/ &
		pids+=($!)
	done
	ip netns exec "$CLI_NS" curl -s -m 30 -o "$TMP/big.out" http://10.77.1.10/big &
	pids+=($!)
	for i in "${pids[@]}"; do wait "$i" || true; done
}
capture "$TMP/par.pcap" 10.77.1.10 par
ok=0
for i in 1 2 3 4 5; do grep -q "proxied www of $SFX" "$TMP/par$i" && ok=$((ok + 1)); done
check "parallel: 5 of 5 cold connects served ($ok)" [ "$ok" -eq 5 ]
check "parallel: the 4 MB file came whole ($(stat -c %s "$TMP/big.out" 2>/dev/null || echo 0) bytes)" \
	cmp -s "$TMP/www/big" "$TMP/big.out"
check "parallel: 6 flows proxied ($e0 -> $(px slow established))" [ "$(px slow established)" -ge $((e0 + 6)) ]
check "parallel: 6 SYNs, none sent again (capture: $(syns_in "$TMP/par.pcap"); client: $syn0 -> $(tcpstat TcpExt.TCPSynRetrans))" \
	[ "$(syns_in "$TMP/par.pcap")" -eq 6 -a "$(tcpstat TcpExt.TCPSynRetrans)" -eq "$syn0" ]
again=$(data_again "$TMP/par.pcap")
check "parallel: no data segment sent twice (capture: $again)" [ "${again%% *}" -eq 0 ]
check "parallel: no segment sent again (client: $re0 -> $(tcpstat Tcp.RetransSegs))" \
	[ "$(tcpstat Tcp.RetransSegs)" -eq "$re0" ]
check "parallel: the flows go" wait_for no_flows

# ---- a summon that fails: the proxied client gets a RST
rc=$(fetch http://10.77.1.11/ /dev/null)
check "failed summon: the client's request is reset (curl $rc: 56 = recv failure, 52 = empty)" \
	[ "$rc" -eq 56 -o "$rc" -eq 52 -o "$rc" -eq 7 ]
check "failed summon: counted ($(counter px_failed) failed, $(counter px_reset) RST)" \
	[ "$(counter px_failed)" -ge 1 -a "$(counter px_reset)" -ge 1 ]
check "failed summon: no flow left" wait_for no_flows

# ---- a spoofed SYN flood against every service address: no summon
ctl stop slow >/dev/null
check "slow stopped again" wait_state slow stopped
for s in slow s1 s2 s3; do eval "sum0_$s=$(summons "$s")"; done
cs0=$(counter px_cookie_synack)
# rounds of flood until the gateway has answered 1000 of it (a busy machine
# may lose most of a round on the veth), PROXY_FLOOD_SECONDS (60) at most;
# PROXY_FLOOD_MIN (1) seconds at least (a longer flood, as a measurement)
syn_flood() {
	local t0=$SECONDS
	while :; do
		ip netns exec "$CLI_NS" /usr/bin/python3 "$top/tests/e2e/pxflood.py" syn "jcl$SFX" \
			"$up_mac" 300000 8 10.77.1.10 10.77.1.11 10.77.1.21 10.77.1.22 10.77.1.23 \
			>>"$TMP/flood" 2>&1 || true
		[ $((SECONDS - t0)) -ge "${PROXY_FLOOD_SECONDS:-60}" ] && break
		[ $((SECONDS - t0)) -ge "${PROXY_FLOOD_MIN:-1}" ] &&
			[ $(($(counter px_cookie_synack) - cs0)) -ge 1000 ] && break
	done
}
syn_flood &
flood=$!
sleep 0.5 # the flood is on
rc=$(fetch http://10.77.1.21/ "$TMP/page")
wait "$flood" || true
check "SYN flood: $(awk '{ n += $1; t += $2 } END { print n " in " t " s" }' "$TMP/flood") (sent); $(($(counter px_cookie_synack) - cs0)) cookie SYN-ACKs" \
	[ "$(($(counter px_cookie_synack) - cs0))" -ge 1000 ]
check "SYN flood: a real client's connect during it is served (curl $rc)" \
	grep -q "proxied www of $SFX" "$TMP/page"
check "SYN flood: only that client's service was summoned (s1: $sum0_s1 -> $(summons s1))" \
	[ "$(summons s1)" -eq $((sum0_s1 + 1)) ]
check "SYN flood: no other service summoned (slow $sum0_slow -> $(summons slow), s2 $sum0_s2 -> $(summons s2), s3 $sum0_s3 -> $(summons s3))" \
	[ "$(summons slow)" -eq "$sum0_slow" -a "$(summons s2)" -eq "$sum0_s2" -a "$(summons s3)" -eq "$sum0_s3" ]
check "SYN flood: no flow for a spoofed source" wait_for no_flows

# ---- a DNS flood from random sources: no more summons than the budget
total() { local t=0 s; for s in slow s2 s3; do t=$((t + $(summons "$s"))); done; echo "$t"; }
n0=$(total) r0=$(counter budget_refused_global)
# rounds until the global budget has refused some (60 s at most)
for _ in $(seq 12); do
	ip netns exec "$CLI_NS" /usr/bin/python3 "$top/tests/e2e/pxflood.py" dns "jcl$SFX" "$up_mac" \
		30000 5 10.77.0.1 slow.example.org s2.example.org s3.example.org >>"$TMP/dflood" 2>&1 || true
	[ $(($(counter budget_refused_global) - r0)) -ge 100 ] && break
done
# the summons can only come while it sends (and a moment after, from the
# rings): per round, the bucket's depth (2, refilled between rounds) and one a
# second of its sending time, rounded up, and one of slack
allowed=$(awk '{ n += 2 + int($2) + 1 + 1 } END { print n }' "$TMP/dflood")
check "DNS flood: $(awk '{ n += $1; t += $2 } END { print n " queries in " t " s" }' "$TMP/dflood"): $(($(total) - n0)) summons, at most $allowed; $(($(counter budget_refused_global) - r0)) refused by the global budget" \
	[ "$(($(total) - n0))" -le "$allowed" -a "$(($(counter budget_refused_global) - r0))" -ge 1 ]

# ---- nothing left: no flow, every held mbuf replayed or freed
check "no flow left anywhere" wait_for no_flows
leak() { [ "$(counter mbuf_in_use)" -eq "$baseline" ]; }
check "mbufs in use back to the ports' own ($baseline -> $(counter mbuf_in_use))" wait_for leak

if [ "$fail" -ne 0 ]; then
	echo "--- uplink MAC $up_mac; counters that are not zero:"
	ctl stats | /usr/bin/python3 -c "import json,sys; print({k: v for k, v in json.load(sys.stdin).items() if v})"
	echo "--- jitsu log"
	tail -n 50 "$TMP/log"
	cat "$TMP"/*.err
fi
echo "e2e proxy: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

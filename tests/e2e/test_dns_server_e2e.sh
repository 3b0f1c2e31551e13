#!/usr/bin/env bash
# End to end: the gateway as a DNS server an operator delegates a zone to,
# checked with real tools from a client namespace made here: dig and kdig
# over TCP (several queries on one connection), the zone's SOA and NS at the
# apex, an empty non-terminal, NOTIMP for other opcodes, response rate
# limiting of a flood from one prefix while another is answered, and names
# outside our zones answered through the exception port by a real resolver
# (dnsmasq) in a namespace of its own, over UDP and TCP. Everything made is
# removed on exit, pass or fail.
# Usage: test_dns_server_e2e.sh JITSU
set -euo pipefail
jitsu=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/scripts/netns.sh"

session_begin dnssrv
ns="jitsu-cli-$SFX"
res="jitsu-res-$SFX"
up="jup$SFX"
down="jdn$SFX"
exc="jex$SFX"
RES_PID=
cleanup_res() {
	stop_pid "$RES_PID"
	ip netns del "$res" 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
	session_end
}
trap cleanup_res EXIT

cat >"$TMP/jitsu.conf" <<CONF
[gateway]
address = 10.77.0.1
dns_ttl = 30
zones = example.org
mac = 02:4a:00:00:00:01
netns_prefix = jitsu-$SFX
veth_prefix = jv$SFX
bridge = jbr$SFX
rrl_rate = 20
rrl_slip = 2
rrl_prefix = 24
dns_tcp_idle = 5000
dns_forward = on
dns_forward_address = 10.99.0.53

[ports]
uplink = 0
downlink = 1
exception = 2

[zone example.org]
ns = ns1.example.org, ns2.example.org

[service www]
dns = www.example.org, example.org, a.b.example.org
address = 10.77.1.10
CONF

ip netns add "$ns"
ip netns add "$res"
for n in "$ns" "$res"; do
	ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip -n "$n" link set lo up
done

# The resolver's namespace: dnsmasq answers a test zone of its own there
# (no upstream), reached through the exception port's tap.
cat >"$TMP/dnsmasq.conf" <<DNSMASQ
no-resolv
no-hosts
bind-interfaces
listen-address=10.99.0.53
port=53
address=/elsewhere.test/10.99.1.1
host-record=big.elsewhere.test,10.99.1.2
DNSMASQ

ip netns exec "$ns" "$jitsu" -l 0-1 --no-huge -m 256 --no-pci --file-prefix "$PREFIX" \
	--log-level=lib.eal:error --log-level=pmd.net.tap:critical --vdev="net_tap0,iface=$up" \
	--vdev="net_tap1,iface=$down" --vdev="net_tap2,iface=$exc" \
	-- -c "$TMP/jitsu.conf" >"$TMP/log" 2>&1 &
JITSU_PID=$!
netns_wait_link "$ns" "$up"
netns_wait_link "$ns" "$exc"
wait_telemetry "$PREFIX"
ip -n "$ns" link set "$up" address 02:00:00:00:00:02
ip -n "$ns" addr add 10.77.0.2/24 dev "$up"
ip -n "$ns" addr add 10.77.5.2/24 dev "$up" # a second client prefix
ip -n "$ns" link set "$up" up
# the exception tap's kernel side is the resolver's interface
ip -n "$ns" link set "$exc" netns "$res"
ip -n "$res" addr add 10.99.0.53/24 dev "$exc"
ip -n "$res" link set "$exc" up
ip -n "$res" route add 10.77.0.1/32 dev "$exc"
ip netns exec "$res" dnsmasq --keep-in-foreground --conf-file="$TMP/dnsmasq.conf" \
	--pid-file="$TMP/dnsmasq.pid" >"$TMP/dnsmasq.log" 2>&1 &
RES_PID=$!

fail=0 pass=0
check() { # description, command that must succeed
	local what=$1; shift
	if "$@"; then pass=$((pass + 1)); echo "ok   $what"; else fail=$((fail + 1)); echo "FAIL $what"; fi
}
in_ns() { ip netns exec "$ns" "$@"; }
dig_ns() { in_ns dig @10.77.0.1 +tries=3 +time=2 "$@"; }
flat() { tr '\n' ' ' <<<"$1"; }
stat_of() { "$top/scripts/telemetry.py" "$PREFIX" /jitsu/stats | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

# ---- the zone's own records over UDP
out=$(dig_ns example.org SOA +norec || true)
check "SOA at an apex that is a service: in the answer, AA" \
	grep -qE "flags: qr aa;.*ANSWER: 1, AUTHORITY: 0" <<<"$(flat "$out")"
check "SOA names: ns1.example.org. hostmaster.example.org." \
	grep -qE "^example\.org\.\s+30\s+IN\s+SOA\s+ns1\.example\.org\. hostmaster\.example\.org\." <<<"$out"
out=$(dig_ns example.org NS +norec || true)
check "NS at the apex: two names, with glue" \
	bash -c 'grep -q "ANSWER: 2, AUTHORITY: 0, ADDITIONAL: 3" <<<"$1" && grep -qE "^ns1\.example\.org\.\s+30\s+IN\s+A\s+10\.77\.0\.1" <<<"$2"' _ "$(flat "$out")" "$out"
a=$(dig_ns example.org A +short || true)
check "A at the apex that is a service (got '$a')" [ "$a" = "10.77.1.10" ]
a=$(dig_ns ns2.example.org A +short || true)
check "the name server's A is the gateway (got '$a')" [ "$a" = "10.77.0.1" ]
out=$(dig_ns b.example.org A || true)
check "empty non-terminal: NOERROR, no answer, SOA" \
	grep -qE "status: NOERROR.*ANSWER: 0, AUTHORITY: 1" <<<"$(flat "$out")"

# ---- the serial changes on reload (SIGHUP)
serial() { dig_ns example.org SOA +short | awk '{ print $3 }'; }
s0=$(serial)
kill -HUP "$JITSU_PID"
s1=$s0
applied() { s1=$(serial); [ -n "$s1" ] && [ "$s1" != "$s0" ]; }
wait_until "$JITSU_TEST_DEADLINE" applied || true # until the reload is applied
check "the SOA serial grows on reload ($s0 -> $s1)" [ "${s0:-0}" -gt 0 -a "${s1:-0}" -gt "${s0:-0}" ]

# ---- opcodes
for op in 1 2 3 5 7 15; do
	out=$(dig_ns +opcode=$op www.example.org A || true)
	check "opcode $op: NOTIMP, the question echoed" \
		grep -qE "status: NOTIMP.*QUERY: 1" <<<"$(flat "$out")"
done
out=$(dig_ns +opcode=notify example.org SOA || true)
check "NOTIFY for our zone: NOTIMP" grep -q "status: NOTIMP" <<<"$out"

# ---- TCP
out=$(dig_ns +tcp www.example.org A || true)
check "dig +tcp: A" bash -c 'grep -qE "^www\.example\.org\.\s+30\s+IN\s+A\s+10\.77\.1\.10" <<<"$1" && grep -q "(TCP)" <<<"$1"' _ "$out"
out=$(dig_ns +tcp example.org SOA || true)
check "dig +tcp: SOA" grep -qE "^example\.org\..*SOA\s+ns1\.example\.org\." <<<"$out"
out=$(dig_ns +tcp example.org NS || true)
check "dig +tcp: NS" grep -qE "^example\.org\..*NS\s+ns2\.example\.org\." <<<"$out"
syn0=$(stat_of dns_tcp_synack)
out=$(in_ns kdig @10.77.0.1 +tcp +keepopen +timeout=3 www.example.org A example.org SOA example.org NS 2>&1 || true)
syn1=$(stat_of dns_tcp_synack)
check "kdig +tcp +keepopen: A, SOA and NS answered" \
	bash -c 'grep -qE "www\.example\.org\.\s+30\s+IN\s+A\s+10\.77\.1\.10" <<<"$1" && grep -qE "example\.org\.\s+30\s+IN\s+SOA" <<<"$1" && grep -qE "example\.org\.\s+30\s+IN\s+NS" <<<"$1"' _ "$out"
check "kdig +keepopen: the three on one connection (SYN-ACKs $syn0 -> $syn1)" [ $((syn1 - syn0)) -eq 1 ]
out=$(dig_ns +tcp +keepalive www.example.org A 2>&1 || true)
check "edns-tcp-keepalive answered with our timeout (5.0 s)" grep -qiE "KEEPALIVE: ?5\.0 ?s" <<<"$out"
grep -qiE "KEEPALIVE: ?5\.0 ?s" <<<"$out" || echo "$out"

# ---- forwarding through the exception port to dnsmasq
# dnsmasq is up when it answers in its namespace
wait_until "$JITSU_TEST_DEADLINE" ip netns exec "$res" dig @10.99.0.53 +tries=1 +time=1 +short x.elsewhere.test >/dev/null 2>&1 || true
a=$(dig_ns x.elsewhere.test A +short | tail -n 1 || true)
check "a foreign name over UDP: answered by the resolver (got '$a')" [ "$a" = "10.99.1.1" ]
a=$(dig_ns +tcp big.elsewhere.test A +short | tail -n 1 || true)
check "a foreign name over TCP: answered by the resolver (got '$a')" [ "$a" = "10.99.1.2" ]
ok=0
for i in $(seq 20); do
	# the last line: on a busy machine dig may say it timed out once and
	# retried (the counters below count every query)
	a=$(dig_ns "n$i.elsewhere.test" A +short | tail -n 1 || true)
	[ "$a" = "10.99.1.1" ] && ok=$((ok + 1))
done
check "20 foreign names in a row relayed ($ok)" [ "$ok" -eq 20 ]
check "counters: dns_forwarded $(stat_of dns_forwarded) >= 22, relayed $(stat_of dns_fwd_relayed) >= 22" \
	[ "$(stat_of dns_forwarded)" -ge 22 -a "$(stat_of dns_fwd_relayed)" -ge 22 ]

# ---- RRL: a flood from 10.77.0.0/24 while 10.77.5.0/24 is answered
cat >"$TMP/flood.py" <<'PY'
import socket, struct, sys, time
src, n = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((src, 0))
s.setblocking(False)
q = lambda i: struct.pack(">HHHHHH", i, 0x0100, 1, 0, 0, 0) + b"\x03www\x07example\x03org\x00\x00\x01\x00\x01"
got = tc = 0
for i in range(n):
    s.sendto(q(i), ("10.77.0.1", 53))
    try:
        while True:
            r = s.recv(2048)
            got += 1
            tc += (r[2] & 2) != 0
    except BlockingIOError:
        pass
s.settimeout(1.0)
try:
    while True:
        r = s.recv(2048)
        got += 1
        tc += (r[2] & 2) != 0
except socket.timeout:
    pass
print(got, tc)
PY
drop0=$(stat_of drop_dns_rrl) slip0=$(stat_of dns_rrl_slip)
read -r got tc < <(in_ns /usr/bin/python3 "$TMP/flood.py" 10.77.0.2 2000)
drop1=$(stat_of drop_dns_rrl) slip1=$(stat_of dns_rrl_slip)
check "RRL: of 2000 queries some dropped ($((drop1 - drop0)))" [ $((drop1 - drop0)) -gt 0 ]
check "RRL: some slipped TC=1 ($((slip1 - slip0)) counted, $tc seen)" [ $((slip1 - slip0)) -gt 0 -a "$tc" -gt 0 ]
check "RRL: fewer answers than queries ($got)" [ "$got" -lt 2000 ]
a=$(in_ns dig @10.77.0.1 -b 10.77.5.2 +tries=2 +time=2 +short www.example.org A || true)
check "another prefix is answered meanwhile (got '$a')" [ "$a" = "10.77.1.10" ]
a=$(dig_ns +tcp +short www.example.org A || true)
check "the flooded prefix still gets TCP (got '$a')" [ "$a" = "10.77.1.10" ]

# ---- idle close: the server's FIN after dns_tcp_idle
exp0=$(stat_of dns_tcp_expired)
cat >"$TMP/idle.py" <<'PY'
import socket, struct
s = socket.create_connection(("10.77.0.1", 53), timeout=60)
m = struct.pack(">HHHHHH", 7, 0x0100, 1, 0, 0, 0) + b"\x03www\x07example\x03org\x00\x00\x01\x00\x01"
s.sendall(struct.pack(">H", len(m)) + m)
n = struct.unpack(">H", s.recv(2))[0]
body = b""
while len(body) < n:
    body += s.recv(n - len(body))
print("answer" if body[:2] == b"\x00\x07" else "wrong", "closed" if s.recv(10) == b"" else "data")
PY
out=$(in_ns /usr/bin/python3 "$TMP/idle.py" 2>&1 || true)
check "an idle connection is closed by the server (got '$out')" [ "$out" = "answer closed" ]
check "counted: dns_tcp_expired $exp0 -> $(stat_of dns_tcp_expired)" [ "$(stat_of dns_tcp_expired)" -gt "$exp0" ]

kill -TERM "$JITSU_PID"
rc=0
wait "$JITSU_PID" || rc=$?
JITSU_PID=
check "SIGTERM stops jitsu with status 0 (got $rc)" [ "$rc" -eq 0 ]
[ "$fail" -eq 0 ] || { echo "--- jitsu log"; cat "$TMP/log"; echo "--- dnsmasq log"; cat "$TMP/dnsmasq.log"; }
echo "e2e dns server: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/usr/bin/env bash
# End to end: synjitsu. A client connects straight to a stopped service's
# address (no DNS: its SYN summons it); the service takes ~0.3 s to boot.
# With synjitsu = buffer the SYN is held and replayed: the client sends
# exactly one SYN (a capture on its side says so) and connects. With
# synjitsu = off the first SYN is lost and the client retransmits. A summon
# that fails answers the held SYN with an RST. No mbuf is left behind.
# Usage: test_synjitsu_e2e.sh JITSU
set -euo pipefail
jitsu=$(realpath "$1")
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/netns.sh"

session_begin syn
mkdir -p "$TMP/www"
echo "slow www of $SFX" >"$TMP/www/index.html"
conf() { # synjitsu mode
	{
		gateway_section
		cat <<CONF
idle_timeout = 600
synjitsu = $1
pending_timeout = 60000
failure_backoff = 200
stop_grace = 1000

[service slow]
dns = slow.example.org
address = 10.77.1.10
exec = sh -c 'sleep 0.3 && exec busybox httpd -f -p 80 -h $TMP/www'
ready = tcp:80

[service broken]
dns = broken.example.org
address = 10.77.1.11
exec = /nonexistent/jitsu-no-such-command
CONF
	} >"$TMP/jitsu.conf"
}
conf buffer
topo_up "$SFX"
jitsu_start "$jitsu" "$PREFIX" "$TMP/log" "$TMP/jitsu.conf"

fail=0 pass=0
check() {
	local what=$1; shift
	if "$@"; then pass=$((pass + 1)); echo "ok   $what"; else fail=$((fail + 1)); echo "FAIL $what"; fi
}
synstat() { field "$1" "['synjitsu']['$2']"; }
# the client's own count of retransmitted SYNs (TcpExt TCPSynRetrans)
syn_retrans() {
	ip netns exec "$CLI_NS" /usr/bin/python3 -c '
lines = open("/proc/net/netstat").read().splitlines()
for names, values in zip(lines[::2], lines[1::2]):
    if names.startswith("TcpExt:"):
        print(dict(zip(names.split()[1:], values.split()[1:]))["TCPSynRetrans"])'
}
# capture the client's SYNs to $1 while running the rest; it ends once the
# capture holds SYNS_MIN SYNs (1) -- the ones the client sent before it
# connected -- rather than after a fixed time
capture() {
	local out=$1; shift
	ip netns exec "$CLI_NS" tcpdump -i "jcl$SFX" -nn -U --immediate-mode -w "$out" \
		"tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn and dst host $1" 2>"$out.err" &
	local cap=$!
	wait_until "$JITSU_TEST_DEADLINE" grep -q listening "$out.err" || true
	sleep 0.3 # "listening" comes a little before the socket sees packets
	"${@:2}"
	wait_until "$JITSU_TEST_DEADLINE" syns_at_least "$out" "${SYNS_MIN:-1}" || true
	stop_pid "$cap"
}
syns_in() { ip netns exec "$CLI_NS" tcpdump -nn -r "$1" 2>/dev/null | wc -l; }
syns_at_least() { [ "$(syns_in "$1")" -ge "$2" ]; }
fetch() { ip netns exec "$CLI_NS" curl -s -m 120 -o "$TMP/page" -w '%{time_connect}' "http://$1/" || true; }

baseline=$(counter mbuf_in_use)

# ---- buffer: one SYN, held, replayed into the booting service
r0=$(syn_retrans)
capture "$TMP/buffer.pcap" 10.77.1.10 fetch 10.77.1.10 >"$TMP/connect"
check "buffer: the cold connect succeeds (connect $(cat "$TMP/connect") s)" \
	grep -q "slow www of $SFX" "$TMP/page"
check "buffer: the client sent exactly one SYN (capture: $(syns_in "$TMP/buffer.pcap"))" \
	[ "$(syns_in "$TMP/buffer.pcap")" -eq 1 ]
check "buffer: no SYN retransmission in the client's stats" [ "$(syn_retrans)" -eq "$r0" ]
check "buffer: the connect took the boot time (>= 0.25 s)" \
	/usr/bin/python3 -c "import sys; sys.exit(float('$(cat "$TMP/connect")') < 0.25)"
check "buffer: held $(synstat slow held), replayed $(synstat slow replayed)" \
	[ "$(synstat slow held)" -ge 1 -a "$(synstat slow replayed)" -ge 1 ]
check "buffer: a replay was timed" \
	[ "$(field slow "['replay']['count']")" -ge 1 ]

# ---- a summon that fails: the held SYN gets an RST, the client fails fast:
# refused on its first SYN, without retransmitting it (its own count says so,
# not a clock)
r0=$(syn_retrans)
rc=0
ip netns exec "$CLI_NS" curl -s -m 120 http://10.77.1.11/ >/dev/null 2>&1 || rc=$?
check "failed summon: the client is refused (curl exit $rc, 7 = refused)" [ "$rc" -eq 7 ]
check "failed summon: on its first SYN (no retransmission)" [ "$(syn_retrans)" -eq "$r0" ]
check "failed summon: counted as a reset ($(counter syn_reset))" [ "$(counter syn_reset)" -ge 1 ]

# ---- off: the first SYN is dropped, the client retransmits
ctl stop slow >/dev/null
wait_state slow stopped || true
conf off
check "reload to synjitsu = off" ctl reload
r0=$(syn_retrans)
SYNS_MIN=2 capture "$TMP/off.pcap" 10.77.1.10 fetch 10.77.1.10 >"$TMP/connect"
check "off: the connect still succeeds, late (connect $(cat "$TMP/connect") s)" \
	grep -q "slow www of $SFX" "$TMP/page"
check "off: the client had to send its SYN again ($(syns_in "$TMP/off.pcap") SYNs)" \
	[ "$(syns_in "$TMP/off.pcap")" -ge 2 ]
check "off: and says so in its stats" [ "$(syn_retrans)" -gt "$r0" ]

# ---- nothing leaked: every held mbuf was replayed or freed
mbufs_back() { [ "$(counter mbuf_in_use)" -eq "$baseline" ]; }
wait_until "$JITSU_TEST_DEADLINE" mbufs_back || true
check "mbufs in use back to the ports' own ($baseline -> $(counter mbuf_in_use))" \
	[ "$(counter mbuf_in_use)" -eq "$baseline" ]

[ "$fail" -eq 0 ] || { echo "--- jitsu log"; cat "$TMP/log"; cat "$TMP"/*.err; }
echo "e2e synjitsu: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/usr/bin/env bash
# Golden test: the real jitsu reads tests/golden/golden.py's pcap through
# net_pcap and every packet it writes back is checked, with the counters.
# Usage: test_golden.sh JITSU
set -euo pipefail
jitsu=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
prefix="jitsu-golden-$$"
pid=
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; wait "$pid" 2>/dev/null || true; fi
	rm -rf "$tmp" "/var/run/dpdk/$prefix"
}
trap cleanup EXIT

/usr/bin/python3 "$here/golden.py" gen "$tmp/in.pcap"
n=$(/usr/bin/python3 -c "from scapy.all import rdpcap; print(len(rdpcap('$tmp/in.pcap')))" 2>/dev/null)

"$jitsu" -l 0-1 --no-huge -m 256 --no-pci --file-prefix "$prefix" --log-level=lib.eal:error \
	--vdev="net_pcap0,rx_pcap=$tmp/in.pcap,tx_pcap=$tmp/out.pcap" --vdev=net_null0,no-rx=1 \
	-- -c "$here/golden.conf" >"$tmp/log" 2>&1 &
pid=$!

# The pcap is read at once; wait until every frame went through the worker
# (deadline JITSU_TEST_DEADLINE, 120 s: only a hang reaches it), then until
# the counters stand still (the last tx burst leaves on the drain timer).
deadline=$((SECONDS + ${JITSU_TEST_DEADLINE:-120}))
stats=
while [ "$SECONDS" -lt "$deadline" ]; do
	if stats=$("$top/scripts/telemetry.py" "$prefix" /jitsu/stats 2>/dev/null) &&
		[ "$(echo "$stats" | /usr/bin/python3 -c 'import json,sys; print((json.load(sys.stdin) or {}).get("rx_uplink"))')" = "$n" ]; then
		break
	fi
	sleep 0.1
done
while [ "$SECONDS" -lt "$deadline" ]; do
	sleep 0.2
	again=$("$top/scripts/telemetry.py" "$prefix" /jitsu/stats 2>/dev/null) || continue
	[ "$again" = "$stats" ] && break
	stats=$again
done
"$top/scripts/telemetry.py" "$prefix" /jitsu/stats >"$tmp/stats.json"
"$top/scripts/telemetry.py" "$prefix" /jitsu/cycles >"$tmp/cycles.json"

kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
if [ "$rc" -ne 0 ]; then
	echo "jitsu exited with $rc on SIGTERM:"; cat "$tmp/log"; exit 1
fi
grep -q "jitsu: stopped: rx $n " "$tmp/log" || { echo "no final counters line:"; cat "$tmp/log"; exit 1; }
/usr/bin/python3 "$here/golden.py" check "$tmp/in.pcap" "$tmp/out.pcap" "$tmp/stats.json" \
	"$tmp/cycles.json"

#!/usr/bin/env bash
# `make demo`: the gateway with its embedded demo configuration, two
# busybox httpd services, and a client in its own network namespace that
# resolves and fetches a page from a cold service, then from a warm one.
# Everything made here is removed at the end.
# Usage: demo.sh JITSU
set -euo pipefail
jitsu=$(realpath "$1")
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/netns.sh"

session_begin demo

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
indent() { sed 's/^/  /'; }

mkdir -p "$TMP/www" "$TMP/api"
echo "Hello from www, summoned just in time." >"$TMP/www/index.html"
echo '{"api": "summoned just in time"}' >"$TMP/api/index.html"
cat >"$TMP/jitsu.conf" <<CONF
; the demo's configuration
[gateway]
address = 10.77.0.1
dns_ttl = 2
zones = example.org
idle_timeout = 4
netns_prefix = jitsu-$SFX
veth_prefix = jv$SFX
bridge = jbr$SFX

[service www]
dns = www.example.org, example.org
address = 10.77.1.10
exec = busybox httpd -f -p 80 -h $TMP/www
ready = tcp:80

[service api]
dns = api.example.org
address = 10.77.1.11
exec = busybox httpd -f -p 80 -h $TMP/api
ready = tcp:80
dns_reply = ready
CONF

step "namespaces: client jitsu-cli-$SFX (10.77.0.2), gateway jitsu-gw-$SFX"
topo_up "$SFX"
echo "jitsu -l 0-1 --no-huge -m 256 --no-pci --vdev=$UPLINK_VDEV --vdev=$DOWNLINK_VDEV -- -c jitsu.conf" | indent
jitsu_start "$jitsu" "$PREFIX" "$TMP/log" "$TMP/jitsu.conf"
sed 's/^/  /' "$TMP/log"
step "services (jitsuctl list): nothing runs yet"
ctl list | indent

# fetch NAME: resolve through the gateway, then fetch; print both times
fetch() {
	local t0 t1 addr
	t0=$(date +%s%N)
	addr=$(ip netns exec "$CLI_NS" dig @10.77.0.1 +short +tries=2 +time=3 "$1" A)
	t1=$(date +%s%N)
	printf '  dig %s -> %s in %d ms\n' "$1" "$addr" $(((t1 - t0) / 1000000))
	ip netns exec "$CLI_NS" curl -s -m 10 -o "$TMP/page" \
		-w "  curl http://$1/: connect %{time_connect} s, first byte %{time_starttransfer} s, total %{time_total} s\n" \
		--resolve "$1:80:$addr" "http://$1/"
	printf '  page: %s\n' "$(cat "$TMP/page")"
	printf '  resolve + fetch: %d ms\n' $((($(date +%s%N) - t0) / 1000000))
}

step "cold: www is not running; the query summons it"
fetch www.example.org
step "warm: www is running"
fetch www.example.org
step "cold with dns_reply = ready: the answer waits until api can serve"
fetch api.example.org

step "services now"
ctl list | indent
echo "  www's cold start (jitsuctl show www):"
ctl show www >"$TMP/www.json"
/usr/bin/python3 - "$TMP/www.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print(f"    state {s['state']}, pid {s['pid']}, namespace {s['namespace']}, summons {s['summons']}")
for ph in ("exec", "running", "ready", "total"):
    print(f"    {ph:8} p50 {s[ph]['p50_us'] / 1000:7.2f} ms")
PY

step "idle for 4 s: the gateway stops them"
sleep 5
ctl list | indent

step "counters (jitsuctl stats)"
ctl stats | /usr/bin/python3 -c '
import json, sys
s = json.load(sys.stdin)
print("  " + "  ".join(f"{k}={v}" for k, v in s.items() if v and not k.startswith("drop_")))
print("  drops by reason: " + (", ".join(f"{k}={v}" for k, v in s.items() if v and k.startswith("drop_")) or "none"))'

step "stopping the gateway (SIGTERM): services, namespaces and links go with it"
stop_pid "$JITSU_PID"
JITSU_PID=
grep -E "stopped: rx|stopping" "$TMP/log" | tail -n 2 | indent

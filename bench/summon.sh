#!/usr/bin/env bash
# Trigger-to-ready time of a busybox httpd service, summoned by a DNS query
# from a client namespace, over BENCH_SUMMONS summons (default 60): after each
# one the service is stopped again through jitsuctl, so every summon is cold.
#
#   bench/summon.sh [BUILD]
#
# The per-summon times are jitsu's own ("ready in X ms" in its log: from the
# moment the control plane takes the summon event to readiness: the answer
# to the dataplane's SYN probe to tcp:80); their exact p50/p90/p99 are printed
# next to the per-phase histograms of /jitsu/service,www (12.5 % buckets).
# Writes BUILD/bench/summon.json. Everything runs in namespaces made here.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)
. "$top/scripts/netns.sh"

[ $# -le 1 ] || { echo "usage: $0 [BUILD]" >&2; exit 2; }
BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
N=${BENCH_SUMMONS:-60}
mkdir -p "$BUILD/bench"

session_begin bench

mkdir -p "$TMP/www"
echo "bench" >"$TMP/www/index.html"
{
	gateway_section
	cat <<CONF
idle_timeout = 3600
stop_grace = 2000
summon_service_cap = 0

[service www]
dns = www.example.org
address = 10.77.1.10
exec = busybox httpd -f -p 80 -h $TMP/www
ready = tcp:80
CONF
} >"$TMP/jitsu.conf"

topo_up "$SFX"
jitsu_start "$BUILD/jitsu" "$PREFIX" "$TMP/log" "$TMP/jitsu.conf"

for i in $(seq "$N"); do
	ip netns exec "$CLI_NS" dig @10.77.0.1 +short +tries=2 +time=2 www.example.org A >/dev/null
	wait_state www ready 10
	ctl stop www >/dev/null
	wait_state www stopped 10
done
ctl show www >"$TMP/www.json"

/usr/bin/python3 - "$TMP/log" "$TMP/www.json" "$BUILD/bench/summon.json" "$N" <<'PY'
import json, re, sys

log, show, out, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
times = sorted(float(m) for m in re.findall(r"www: ready in ([0-9.]+) ms", open(log).read()))
if len(times) != n:
    sys.exit(f"summon: {len(times)} ready lines for {n} summons")

def q(p):  # nearest rank
    return times[max(0, min(len(times) - 1, int(-(-p * len(times) // 1)) - 1))]

s = json.load(open(show))
res = {
    "summons": n,
    "trigger_to_ready_ms": {"p50": q(0.50), "p90": q(0.90), "p99": q(0.99),
                            "min": times[0], "max": times[-1],
                            "mean": sum(times) / len(times)},
    "phases_us": {ph: s[ph] for ph in ("exec", "running", "ready", "first_packet", "total")},
    "service": "busybox httpd -f -p 80, ready = tcp:80, process backend",
}
json.dump(res, open(out, "w"), indent=2)
t = res["trigger_to_ready_ms"]
print(f"Trigger to ready, {n} cold summons of a busybox httpd service (DNS query -> READY):")
print(f"  p50 {t['p50']:.1f} ms   p90 {t['p90']:.1f} ms   p99 {t['p99']:.1f} ms   "
      f"min {t['min']:.1f}   max {t['max']:.1f}   mean {t['mean']:.1f}")
print("  phases from /jitsu/service,www (histograms, 12.5 % buckets):")
for ph in ("exec", "running", "ready", "total"):
    h = s[ph]
    print(f"    {ph:8} count {h['count']:3}  p50 {h['p50_us'] / 1000:7.2f} ms  "
          f"p99 {h['p99_us'] / 1000:7.2f} ms")
print(f"  JSON: {out}")
PY

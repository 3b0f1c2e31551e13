#!/usr/bin/env bash
# Cold starts with synjitsu = buffer, proxy and off, in one run.
#
#   bench/coldstart.sh [BUILD]
#
# The service boots like a small unikernel: 50 ms of start-up (a sleep), then
# busybox httpd; ready = tcp:80. From a client namespace:
#   - BENCH_COLD_N (20) sequential cold fetches per mode: DNS query, connect,
#     HTTP GET, the service stopped before each (jitsuctl stop);
#   - a burst of BENCH_COLD_M (50) concurrent cold connects per mode;
#   - with buffer, BENCH_REPLAY_ROUNDS (5) bursts of 1000 connects, for the
#     replay latency of 1000 held SYNs (ready to the last one on the wire).
# SYN retransmissions are the client's own TcpExt TCPSynRetrans, segment
# retransmissions (data, FINs) its Tcp RetransSegs. With proxy, connect and
# first byte are also given over the ready time (the goal: first byte within
# the boot plus one round trip). Prints a table and writes
# BUILD/bench/coldstart.json.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)
. "$top/scripts/netns.sh"

[ $# -le 1 ] || { echo "usage: $0 [BUILD]" >&2; exit 2; }
BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
N=${BENCH_COLD_N:-20}
M=${BENCH_COLD_M:-50}
ROUNDS=${BENCH_REPLAY_ROUNDS:-5}
mkdir -p "$BUILD/bench"

session_begin cold
mkdir -p "$TMP/www"
echo "cold" >"$TMP/www/index.html"
conf() { # synjitsu mode
	{
		gateway_section
		cat <<CONF
idle_timeout = 3600
synjitsu = $1
max_pending = 2048
pending_timeout = 10000
stop_grace = 1000
summon_service_cap = 0

[service svc]
dns = svc.example.org
address = 10.77.1.10
exec = sh -c 'sleep 0.05 && exec busybox httpd -f -p 80 -h $TMP/www'
ready = tcp:80
CONF
	} >"$TMP/jitsu.conf"
}
conf buffer
topo_up "$SFX"
jitsu_start "$BUILD/jitsu" "$PREFIX" "$TMP/log" "$TMP/jitsu.conf"

client() { ip netns exec "$CLI_NS" /usr/bin/python3 "$here/coldclient.py" "$@"; }
cold() { # stop the service and wait until it is
	ctl stop svc >/dev/null
	wait_state svc stopped 10
}
ready_lines() { grep -c "svc: ready in" "$TMP/log" || true; }

for mode in buffer proxy off; do
	conf "$mode"
	ctl reload >/dev/null
	r0=$(client synretrans) d0=$(client retrans)
	for i in $(seq "$N"); do
		cold
		before=$(ready_lines)
		out=$(client fetch 10.77.0.1 svc.example.org)
		for _ in $(seq 200); do [ "$(ready_lines)" -gt "$before" ] && break; sleep 0.01; done
		ready=$(grep "svc: ready in" "$TMP/log" | tail -n 1 | sed 's/.*ready in \([0-9.]*\) ms/\1/')
		echo "{\"mode\": \"$mode\", \"run\": $i, \"ready_ms\": $ready, \"fetch\": $out}" >>"$TMP/seq.jsonl"
	done
	r1=$(client synretrans)
	cold
	client burst 10.77.1.10 80 "$M" >"$TMP/burst-$mode.json"
	# the burst's sockets close at once: their FINs' retransmissions count
	# for this mode, so the counters are read once none is left but in
	# TIME-WAIT (else the next mode's figures carried them)
	wait_until "$JITSU_TEST_DEADLINE" bash -c "[ -z \"\$(ip netns exec '$CLI_NS' ss -Htn dst 10.77.1.10 exclude time-wait)\" ]" || true
	r2=$(client synretrans) d2=$(client retrans)
	echo "{\"mode\": \"$mode\", \"seq_retrans\": $((r1 - r0)), \"burst_retrans\": $((r2 - r1)), \"segment_retrans\": $((d2 - d0))}" \
		>>"$TMP/retrans.jsonl"
done

# a fresh gateway, so that its replay histogram holds these rounds only
conf buffer
stop_pid "$JITSU_PID"
jitsu_start "$BUILD/jitsu" "$PREFIX" "$TMP/log2" "$TMP/jitsu.conf"
for r in $(seq "$ROUNDS"); do
	cold
	client burst 10.77.1.10 80 1000 >"$TMP/replay-$r.json"
	sleep 0.1 # the control plane times the replay on its next tick
done
ctl show svc >"$TMP/svc.json"
[ -n "${BENCH_DEBUG:-}" ] && cat "$TMP/svc.json" "$TMP/log2" >&2

/usr/bin/python3 - "$TMP" "$BUILD/bench/coldstart.json" "$N" "$M" "$ROUNDS" <<'PY'
import glob, json, sys

tmp, out, n, m, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
seq = [json.loads(l) for l in open(f"{tmp}/seq.jsonl")]
retrans = {r["mode"]: r for r in (json.loads(l) for l in open(f"{tmp}/retrans.jsonl"))}
svc = json.load(open(f"{tmp}/svc.json"))

def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, max(0, -(-len(v) * p // 100) - 1))] if v else None

def p50_99(v):
    return {"p50": pct(v, 50), "p99": pct(v, 99)}

res = {"setup": {"sequential": n, "burst": m, "replay_rounds": rounds,
                 "service": "sh -c 'sleep 0.05 && exec busybox httpd', ready = tcp:80",
                 "trigger": "the DNS query (sequential), the SYN (bursts)"}}
table = []
for mode in ("buffer", "proxy", "off"):
    runs = [s for s in seq if s["mode"] == mode]
    fb = [s["fetch"]["first_byte_ms"] for s in runs]
    conn = [s["fetch"]["connect_ms"] for s in runs]
    ready = [s["ready_ms"] for s in runs]
    burst = json.load(open(f"{tmp}/burst-{mode}.json"))
    res[f"first_byte_ms_{mode}"] = p50_99(fb)
    res[f"connect_ms_{mode}"] = p50_99(conn)
    res[f"ready_ms_{mode}"] = p50_99(ready)
    res[f"syn_retransmits_{mode}"] = retrans[mode]["seq_retrans"] + retrans[mode]["burst_retrans"]
    res[f"burst_connect_ms_{mode}"] = p50_99(burst["connect_ms"])
    res[f"burst_failed_{mode}"] = burst["failed"]
    res[f"segment_retransmits_{mode}"] = retrans[mode]["segment_retrans"]
    if mode == "buffer":
        res["connect_over_ready"] = p50_99([c / r for c, r in zip(conn, ready)])
    if mode == "proxy":
        res["proxy_connect_over_ready"] = p50_99([c / r for c, r in zip(conn, ready)])
        res["proxy_first_byte_over_ready"] = p50_99([f / r for f, r in zip(fb, ready)])
        res["proxy_first_byte_minus_ready_ms"] = p50_99([f - r for f, r in zip(fb, ready)])
    table.append((mode, p50_99(fb), p50_99(conn), p50_99(ready), res[f"syn_retransmits_{mode}"],
                  p50_99(burst["connect_ms"]), burst["failed"]))
rep = svc["replay"]
res["replay_p99_us_1000"] = rep["p99_us"]
res["replay_us_1000"] = {k: rep[k] for k in ("count", "p50_us", "p99_us", "max_us")}
res["synjitsu"] = svc["synjitsu"]
json.dump(res, open(out, "w"), indent=2)

print(f"Cold starts: {n} sequential fetches (DNS, connect, GET) and a burst of {m} connects per mode;")
print("the service boots in ~50 ms + busybox httpd, ready = tcp:80 (ms; p50 / p99)")
print(f"  {'synjitsu':8} {'first byte':>16} {'connect':>16} {'ready':>14} {'SYN rexmit':>10} "
      f"{'seg rexmit':>10} {'burst connect':>18} {'failed':>6}")
for mode, fb, conn, ready, rx, bc, bf in table:
    print(f"  {mode:8} {fb['p50']:7.1f} /{fb['p99']:7.1f} {conn['p50']:7.1f} /{conn['p99']:7.1f} "
          f"{ready['p50']:6.1f} /{ready['p99']:6.1f} {rx:10} {res[f'segment_retransmits_{mode}']:10} "
          f"{bc['p50']:8.1f} /{bc['p99']:8.1f} {bf:6}")
c = res["connect_over_ready"]
print(f"  connect / ready (buffer, from the DNS query): p50 {c['p50']:.3f}  p99 {c['p99']:.3f}")
pc, pf, pm = res["proxy_connect_over_ready"], res["proxy_first_byte_over_ready"], res["proxy_first_byte_minus_ready_ms"]
print(f"  proxy: connect / ready p50 {pc['p50']:.3f} p99 {pc['p99']:.3f}; first byte / ready "
      f"p50 {pf['p50']:.3f} p99 {pf['p99']:.3f} (first byte - ready: p50 {pm['p50']:.2f} ms, "
      f"p99 {pm['p99']:.2f} ms)")
print(f"  replay of 1000 held SYNs (ready to the last on the wire), {rep['count']} rounds: "
      f"p50 {rep['p50_us']} us, p99 {rep['p99_us']} us")
print(f"  JSON: {out}")
PY

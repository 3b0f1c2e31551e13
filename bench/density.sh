#!/usr/bin/env bash
# Density: what each configured process service costs the gateway, and how
# summons and shutdown scale. For each size N (BENCH_DENSITY_SIZES, default
# "1000 10000 100000"): N busybox httpd services (ready = tcp:80) are loaded;
# printed are the load time (start to telemetry up), the gateway's RSS and
# the kernel's slab per configured service (RSS above the gateway's with one
# service; slab: the whole machine's, so other work on it shows), the wall time of one cold summon
# and of 100 at once, as a client sees them: TCP connects from the client
# namespace (synjitsu holds each SYN and replays it when the service is
# READY), one, then 100 to 100 services at once until the last is connected,
# with BENCH_DENSITY_POOL (128) prepared shells, after a first summon that is
# not counted. (Polling jitsuctl for READY, as this did before, measured the
# polling: a listing of 100,000 services takes longer than a summon.)
# and the shutdown time (SIGTERM to exit), with what it left (namespaces,
# cgroups). Writes BUILD/bench/density.json. Everything runs in namespaces
# made here; wall-clock figures are this machine's, under its load.
#
#   bench/density.sh [BUILD]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)
. "$top/scripts/netns.sh"

[ $# -le 1 ] || { echo "usage: $0 [BUILD]" >&2; exit 2; }
BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
SIZES=${BENCH_DENSITY_SIZES:-1000 10000 100000}
POOL=${BENCH_DENSITY_POOL:-128} # prepared shells: 100 at once take them
jitsu=$BUILD/jitsu
mkdir -p "$BUILD/bench"

session_begin density
mkdir -p "$TMP/www"
echo "density" >"$TMP/www/index.html"
topo_up "$SFX"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
slab_kb() { awk '/^Slab:/ { print $2 }' /proc/meminfo; }
# addresses: s0..s199 in 10.77.1-2.x (the client's route), the rest in 10.80/12
addr() {
	awk -v n="$1" 'BEGIN {
		for (i = 0; i < n; i++) {
			if (i < 200)
				a = sprintf("10.77.%d.%d", 1 + int(i / 100), 1 + i % 100)
			else
				a = sprintf("10.%d.%d.%d", 80 + int(i / 62500), int(i / 250) % 250, 1 + i % 250)
			printf "%s\n", a
		}
	}'
}
conf() {
	gateway_section
	printf 'dns_ttl = 1\nidle_timeout = 3600\nready_timeout = 20000\nmax_concurrent_summons = 128\n'
	# one client's 100 summons at once: within its /24's budget (60 by default)
	printf 'summon_prefix_burst = 1000\nsummon_burst = 1000\n'
	printf 'prepared_pool = %d\n\n' "$POOL"
	addr "$1" | awk -v dir="$TMP/www" '{
		printf "[service s%d]\ndns = s%d.example.org\naddress = %s\n", NR - 1, NR - 1, $1
		printf "exec = busybox httpd -f -p 80 -h %s\nready = tcp:80\n\n", dir
	}'
}
ready_count() { ctl list --state ready | wc -l; }
client() { ip netns exec "$CLI_NS" /usr/bin/python3 "$here/coldclient.py" "$@"; }
# the time until the last connect, in ms; a failed connect fails the run
json_ms() { /usr/bin/python3 -c 'import json,sys; r = json.load(sys.stdin); sys.exit("density: %d connects failed" % r["failed"]) if r["failed"] else print(round(r["all_ms"]))'; }
wait_ready() { # wait_ready N: until N services are READY (a hang: 120 s)
	for _ in $(seq 4800); do
		[ "$(ready_count)" -ge "$1" ] && return 0
		sleep 0.025
	done
	return 1
}

entries=()
# the gateway's own RSS with one service: what the per-service figures leave out
conf 1 >"$TMP/jitsu.conf"
jitsu_start "$jitsu" "$PREFIX" "$TMP/log" "$TMP/jitsu.conf"
rss_base=$(awk '/^VmRSS:/ { print $2 }' "/proc/$JITSU_PID/status")
stop_pid "$JITSU_PID"
JITSU_PID=
echo "gateway RSS with one service: $rss_base kB (subtracted below)"
printf '%-8s %9s %12s %12s %10s %12s %8s %12s %s\n' services load_ms rss_B/svc slab_B/svc \
	summon1_ms summon100_ms ratio shutdown_ms left
for n in $SIZES; do
	conf "$n" >"$TMP/jitsu.conf"
	slab0=$(slab_kb)
	t0=$(now_ms)
	jitsu_start "$jitsu" "$PREFIX" "$TMP/log" "$TMP/jitsu.conf"
	wait_telemetry "$PREFIX" 600
	t1=$(now_ms)
	load=$((t1 - t0))
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$JITSU_PID/status")
	slab1=$(slab_kb)
	rss_per=$(((rss - rss_base) * 1024 / n))
	slab_per=$(((slab1 - slab0) * 1024 / n))

	# the prepared shells filled (in the background: ~10 ms each)
	for _ in $(seq 2400); do
		[ "$(ls /run/netns | grep -c -- "^jitsu-$SFX-POOL" || true)" -ge "$POOL" ] && break
		sleep 0.05
	done
	# a first summon (not counted: the client's ARP for the gateway, the
	# first veth on the bridge), then one cold summon, then 100 at once: the
	# client's connects, until the last one is (its SYN held until READY)
	client spread 80 "$(addr 200 | sed -n 200p)" >/dev/null
	wait_ready 1
	one=$(client spread 80 "$(addr 1 | sed -n 1p)" | json_ms)
	wait_ready 2
	hundred=$(client spread 80 $(addr 101 | sed -n 2,101p) | json_ms)
	wait_ready 102
	ratio=$(awk -v a="$hundred" -v b="$one" 'BEGIN { printf "%.2f", b ? a / b : 0 }')

	tree=$(dirname "$(ctl show s0 | python3 -c 'import json,sys; print(json.load(sys.stdin)["cgroup"])')")
	t0=$(now_ms)
	kill -TERM "$JITSU_PID"
	wait "$JITSU_PID" || true
	JITSU_PID=
	down=$(($(now_ms) - t0))
	left_ns=$(ls /run/netns | grep -c "^jitsu-$SFX-" || true)
	left_cg=$([ -d "$tree" ] && echo 1 || echo 0)
	printf '%-8s %9s %12s %12s %10s %12s %8s %12s ns:%s cgroup:%s\n' "$n" "$load" "$rss_per" \
		"$slab_per" "$one" "$hundred" "$ratio" "$down" "$left_ns" "$left_cg"
	entries+=("{\"services\":$n,\"load_ms\":$load,\"rss_bytes\":$((rss * 1024)),\"rss_base_bytes\":$((rss_base * 1024)),\"rss_bytes_per_service\":$rss_per,\"slab_bytes_per_service\":$slab_per,\"summon_one_ms\":$one,\"summon_100_ms\":$hundred,\"summon_ratio\":$ratio,\"shutdown_ms\":$down,\"left_namespaces\":$left_ns,\"left_cgroup\":$left_cg}")
	rm -rf "/var/run/dpdk/$PREFIX"
done
(IFS=,; echo "[${entries[*]}]") | python3 -m json.tool >"$BUILD/bench/density.json"
echo "wrote $BUILD/bench/density.json"

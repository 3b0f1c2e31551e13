#!/usr/bin/env bash
# The benchmark harness (issue 5): every figure of the gateway against
# dpdk-testpmd in one run, on a 2-core machine.
#
#   bench/harness.sh BUILD     (BUILD/jitsu: make; BUILD/jitsu-pktgen: make pktgen)
#
# Every measurement is one run of the traffic generator BUILD/jitsu-pktgen
# (memif server, started first, its worker on lcore 1 = CPU 1) against one
# device under test (memif client, its forwarding lcore 0 = CPU 0 with
# --main-lcore 1): jitsu, or dpdk-testpmd with the same descriptors, burst and
# mbuf pool. Both have two ports, two memif links to the generator: port 0
# (jitsu's uplink) carries what the generator sends and what comes back to
# it; port 1 (jitsu's downlink, towards its services) carries what the device
# forwards, which the generator receives on its own port 1 (--down-port) and
# matches like any reply. testpmd forwards port 0 to port 1 (paired
# topology) in the fwd runs and turns frames around on port 0 (loop topology)
# in the others; either device polls both ports in every run. The device is stopped first; the generator (--linger) closes its
# port after it (DPDK 22.11's memif may crash the side still polling). Rates
# are the growth of the device's own counters (telemetry) over a window in the
# steady state; losses and latencies are the generator's.
#
# Each of BENCH_TRIALS trials (interleaved, jitsu then testpmd) measures
#   dns_j/dns_t     dns-hit as fast as possible: jitsu dns_answer/s, testpmd macswap tx pps
#   fwd_j/fwd_t     fwd to a READY service (a process service whose exec is a
#                   long sleep, summoned with jitsuctl), routed by jitsu out of
#                   its downlink to the generator's port 1, which checks each
#                   frame (the service's MAC, TTL decremented, checksums) and
#                   its latency: jitsu forwarded_down/s; testpmd macswap from
#                   port 0 to port 1: its port 1 tx pps
#   syn_j/syn_t     syn-cold to a service that cannot run (jitsu holds each SYN
#                   and answers it with an RST): syn_reset/s, testpmd io tx pps
#   cookie_j/cookie_t  syn-cold with synjitsu = proxy: every SYN answered
#                   with a cookie SYN-ACK from the fast path (nothing held):
#                   jitsu px_cookie_synack/s; testpmd macswap tx pps
#   mix_j/mix_t     the mix BENCH_MIX (dns-hit and syn-cold) as fast as possible
#                   (the top rate of the NDR searches)
#   flood_j         DNS under a SYN flood: dns-hit paced at BENCH_FLOOD_DNS
#                   (0.5) x this trial's dns_j answer rate, and every other slot
#                   of every burst a syn-cold frame, as fast as the generator
#                   makes them; the generator's port is --lossy: what the
#                   device's full ring does not take is dropped (DNS and SYN
#                   alike, the DNS frames spread through each burst), as a
#                   NIC drops what a saturated wire brings, instead of memif
#                   pushing back on the generator
#   alone_j         dns-hit alone at that same paced rate, --lossy too
#                   dns_under_flood_vs_alone = jitsu dns_answer/s in flood_j
#                   / dns_answer/s in alone_j: 1 when the flood costs DNS
#                   nothing; below 1 as the flood takes ring slots and cycles
#                   from DNS (jitsu has no DNS priority: one rx queue)
#   ndr_j/ndr_t     NDR and PDR of BENCH_MIX (binary search on --rate)
#   pdr_dns_j       NDR and PDR of dns-hit through jitsu
#   lat_j/lat_t     dns-hit at half of that PDR: p99 round trip through each
# and, once, a run with measure_cycles = on: /jitsu/cycles by path.
# The table (median, min, max over the trials) goes to stdout, the figures to
# BUILD/bench/results.json.
#
# jitsu runs in a network namespace made here, jhx-SUFFIX, where it makes its
# bridge and the host ends of the services' veths; the services' own
# namespaces are jhxs-SUFFIX-NAME (netns_prefix), bridge and veth prefix carry
# the suffix too. All traffic is in memif's shared memory (both ports). Every process is stopped by its PID (a service left behind by a
# jitsu that died: by the PIDs of its namespace); sockets, namespaces, EAL
# runtime directories and temporary files are removed on exit, also on failure.
#
# Environment: BENCH_TRIALS (5), BENCH_WARMUP (0.5 s), BENCH_WINDOW (1 s),
# BENCH_SLACK (0.8 s: sending time around the window), BENCH_SEARCH_STEPS (8),
# BENCH_SEARCH_DURATION (1 s), BENCH_PDR_LOSS (0.005), BENCH_SHORTFALL (0.02:
# the share of the offered rate a search step may fail to send, as memif
# pushes back instead of dropping), BENCH_LAT_DURATION (2 s), BENCH_MIX
# (dns-hit=50,syn-cold=50), BENCH_FLOOD_DNS (0.5), BENCH_RETRIES (3: a failed
# run is made again that many times; the count is printed with the results;
# a run that still fails leaves its trial out, and the harness fails when
# fewer than half the trials went through), TESTPMD (dpdk-testpmd).
# A reply that comes back more than 65536 packets late finds its tag reused
# (rx_unmatched): up to 1 % of the replies of a run may (a stalled process on
# a loaded machine); more fail the run.
# Exit status: 0 when at least half the trials went through and the cycles
# run too (the goals are for the record), 1 otherwise (a run failed after
# its retries: a process died, a counter did not move, a check of
# correctness failed), 2 on bad usage. Needs root (namespaces).
set -euo pipefail

prog=harness
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)
PY=/usr/bin/python3

die() { echo "$prog: $*" >&2; exit 1; }

[ $# -eq 1 ] || { echo "usage: $0 BUILD" >&2; exit 2; }
BUILD=$1
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
TESTPMD=${TESTPMD:-dpdk-testpmd}
TRIALS=${BENCH_TRIALS:-5}
WARMUP=${BENCH_WARMUP:-0.5}
WINDOW=${BENCH_WINDOW:-1}
SLACK=${BENCH_SLACK:-0.8}
STEPS=${BENCH_SEARCH_STEPS:-8}
SEARCH_DURATION=${BENCH_SEARCH_DURATION:-1}
PDR_LOSS=${BENCH_PDR_LOSS:-0.005}
SHORTFALL=${BENCH_SHORTFALL:-0.02}
LAT_DURATION=${BENCH_LAT_DURATION:-2}
MIX=${BENCH_MIX:-dns-hit=50,syn-cold=50}
FLOOD_DNS=${BENCH_FLOOD_DNS:-0.5}
RETRIES=${BENCH_RETRIES:-3}
retried=0
last_failed=
STOP_TIMEOUT=10 # s: from SIGTERM to exit

for v in TRIALS STEPS; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "BENCH_$v must be a positive integer, not '${!v}'"
done
[[ $RETRIES =~ ^[0-9]+$ ]] || die "BENCH_RETRIES must be a number, not '$RETRIES'"
for v in WARMUP WINDOW SLACK SEARCH_DURATION PDR_LOSS SHORTFALL LAT_DURATION FLOOD_DNS; do
	[[ ${!v} =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "BENCH_$v must be a number, not '${!v}'"
done
[[ $MIX =~ ^[a-z-]+=[0-9]+(,[a-z-]+=[0-9]+)*$ ]] || die "BENCH_MIX: K=W,... not '$MIX'"

# ---- preflight ------------------------------------------------------------
[ -x "$BUILD/jitsu" ] || die "$BUILD/jitsu not found: build it first (make)"
[ -x "$BUILD/jitsuctl" ] || die "$BUILD/jitsuctl not found: build it first (make)"
[ -x "$BUILD/jitsu-pktgen" ] || die "$BUILD/jitsu-pktgen not found: make pktgen"
command -v "$TESTPMD" >/dev/null || die "$TESTPMD not found (Debian package dpdk)"
TESTPMD=$(command -v "$TESTPMD")
[ -x "$PY" ] || die "$PY not found"
[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces)"
for c in ip nsenter; do command -v "$c" >/dev/null || die "$c not found (iproute2, util-linux)"; done
[ "$(nproc)" -ge 2 ] || die "needs 2 cores, this machine has $(nproc)"

# ---- clean-up: every process by its PID, every file and namespace we made --
tmp=$(mktemp -d "${TMPDIR:-/tmp}/jitsu-harness.XXXXXX")
sfx=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
NS=jhx-$sfx          # where jitsu runs (its bridge and veths live here)
SVC_NS_PREFIX=jhxs-$sfx # the services' namespaces: $SVC_NS_PREFIX-NAME
pids=()     # started, not yet reaped
prefixes=() # EAL file prefixes used here
H=("$PY" "$here/harness.py")

. "$here/proc.sh"

# remove a namespace made here, after killing, by PID, what still runs in it
# (a service jitsu could not stop because it died)
netns_remove() {
	local ns=$1 p
	[ -e "/run/netns/$ns" ] || return 0
	for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
	ip netns del "$ns" 2>/dev/null || echo "$prog: could not remove namespace $ns" >&2
}

cleanup() {
	local rc=$? p ns
	trap - EXIT INT TERM HUP
	set +e
	# SIGTERM to all first: a generator then ends its sending before its
	# peer goes away (memif), then each is reaped
	for p in "${pids[@]+"${pids[@]}"}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${pids[@]+"${pids[@]}"}"; do stop "$p"; done
	for ns in /run/netns/"$SVC_NS_PREFIX"-*; do
		[ -e "$ns" ] && netns_remove "$(basename "$ns")"
	done
	netns_remove "$NS"
	for p in "${prefixes[@]+"${prefixes[@]}"}"; do rm -rf -- "$(runtime_dir "$p")"; done
	rm -rf -- "$tmp"
	[ "$rc" -eq 0 ] || echo "$prog: FAILED (exit $rc)" >&2
	exit "$rc"
}
trap cleanup EXIT
trap 'echo "$prog: interrupted" >&2; exit 130' INT
trap 'echo "$prog: terminated" >&2; exit 143' TERM HUP

# ---- the gateway, its namespace and its configuration -----------------------
# Copies of the binaries: every run measures the same ones, even if the tree
# is rebuilt meanwhile.
for b in jitsu jitsuctl jitsu-pktgen; do cp -- "$BUILD/$b" "$tmp/$b"; done
JITSU=$tmp/jitsu JITSUCTL=$tmp/jitsuctl PG=$tmp/jitsu-pktgen

ip netns add "$NS"
ip -n "$NS" link set lo up

GW=10.99.0.1
GW_MAC=02:4a:00:00:00:01 # jitsu's uplink (its memif devarg)
GW_DOWN_MAC=02:4a:00:00:00:02 # jitsu's downlink
IO_MAC=02:70:67:00:00:aa # testpmd io returns frames as they were: sent to ourselves
WWW=10.99.1.10           # no exec: never runs; SYNs to it are held and reset
API=10.99.1.11
FWD=10.99.1.20           # a long sleep: READY at start, once summoned
FWD_MAC=02:4a:00:00:01:14 # its MAC: what jitsu's forwarded frames are addressed to
FWD_SVC=fwd
ZONE=bench.test

write_conf() { # FILE [gateway lines...]
	local f=$1 l
	shift
	{
		echo "; written by bench/harness.sh"
		echo "[gateway]"
		echo "address = $GW"
		echo "zones = $ZONE"
		echo "netns_prefix = $SVC_NS_PREFIX"
		echo "veth_prefix = h$sfx"
		echo "bridge = jhxbr$sfx"
		for l in "$@"; do echo "$l"; done
		cat <<CONF

[ports]
uplink = 0
downlink = 1

[service www]
dns = www.$ZONE
address = $WWW

[service api]
dns = api.$ZONE
address = $API

[service $FWD_SVC]
dns = $FWD_SVC.$ZONE
address = $FWD
mac = $FWD_MAC
exec = sleep 100000
ready = start
CONF
	} >"$f"
}
CONF=$tmp/jitsu.conf
CONF_CYCLES=$tmp/jitsu-cycles.conf
CONF_PROXY=$tmp/jitsu-proxy.conf
write_conf "$CONF"
write_conf "$CONF_CYCLES" "measure_cycles = on"
write_conf "$CONF_PROXY" "synjitsu = proxy"

# ---- the runs -----------------------------------------------------------------
EAL=(--no-huge -m 256 --no-pci --log-level=lib.eal:error --log-level=pmd.net.memif:warning)
GEN_EAL=(-l 0-1 "${EAL[@]}")                # main lcore 0, worker lcore 1
DUT_EAL=(-l 0-1 --main-lcore 1 "${EAL[@]}") # forwarding lcore 0
GEN_ARGS=(--gw "$GW" --svc-ip "$WWW" --fwd-ip "$FWD" --zone "$ZONE"
	--names "www.$ZONE=$WWW,api.$ZONE=$API" --drain 200 --link-timeout 30
	--linger "$STOP_TIMEOUT")
# testpmd: the descriptors and burst of jitsu; its pool (size and cache) is
# set to jitsu's from the first jitsu run; the topology is per run
TESTPMD_APP=(--auto-start --nb-cores=1 --rxd=1024 --txd=1024 --burst=32 --stats-period=1)
TESTPMD_POOL=()
RATE_DURATION=$("$PY" -c "print($WARMUP + $WINDOW + $SLACK)")

# dut_cmd DUT SOCK DOWN_SOCK PREFIX: the device's command line in dut (array)
dut_cmd() {
	local up="net_memif0,role=client,socket=$2,socket-abstract=no,id=0"
	local down="net_memif1,role=client,socket=$3,socket-abstract=no,id=0"
	case $1 in
	jitsu | jitsu-fwd | jitsu-cycles | jitsu-proxy)
		local conf=$CONF
		[ "$1" = jitsu-cycles ] && conf=$CONF_CYCLES
		[ "$1" = jitsu-proxy ] && conf=$CONF_PROXY
		dut=(nsenter "--net=/run/netns/$NS" "$JITSU" "${DUT_EAL[@]}" --file-prefix "$4"
			"--vdev=$up,mac=$GW_MAC" "--vdev=$down,mac=$GW_DOWN_MAC" -- -c "$conf") ;;
	macswap | io | macswap-fwd)
		local mode=${1%-fwd} topo=loop
		[ "$1" = macswap-fwd ] && topo=paired
		dut=("$TESTPMD" "${DUT_EAL[@]}" --file-prefix "$4" "--vdev=$up" "--vdev=$down"
			-- "--forward-mode=$mode" "--port-topology=$topo" "${TESTPMD_APP[@]}"
			"${TESTPMD_POOL[@]+"${TESTPMD_POOL[@]}"}") ;;
	*) die "unknown device $1" ;;
	esac
}

dut_kind() { case $1 in jitsu*) echo jitsu ;; *) echo testpmd ;; esac; }

# summon_ready PREFIX: summon the fwd service and wait until it is READY
summon_ready() {
	local i
	"$PY" "$top/scripts/telemetry.py" "$1" /jitsu/stats --wait 15 >/dev/null || return 1
	"$JITSUCTL" -f "$1" summon "$FWD_SVC" >/dev/null || return 1
	for ((i = 0; i < 200; i++)); do
		"$JITSUCTL" -f "$1" list | awk -v n="$FWD_SVC" '$1 == n { s = $2 } END { exit s != "ready" }' &&
			return 0
		sleep 0.025
	done
	echo "$prog: $FWD_SVC is not READY 5 s after its summon" >&2
	return 1
}

# run NAME DUT DURATION WINDOW [pktgen options...]: one measurement; leaves
# NAME.json (the generator's report), NAME.sample.json (the device's
# counters), NAME.summary.json; a run that failed is made again up to
# BENCH_RETRIES times (a loaded machine may stall a process for long enough
# to break a window); 1 when it still fails (its trial is left out)
run() {
	local try
	for ((try = 0; ; try++)); do
		run_once "$@" && return 0
		if [ "$try" -ge "$RETRIES" ]; then
			last_failed=$1
			return 1
		fi
		echo "$prog: run $1 failed: again ($((try + 1)) of $RETRIES)" >&2
		retried=$((retried + 1))
	done
}

run_once() {
	local n=$1 d=$2 duration=$3 window=$4 sock=$tmp/$1.sock dsock=$tmp/$1.down.sock
	local gp="hxg-$$-$1" dp="hxd-$$-$1"
	local gpid dpid i ok=0 kind pg_mac=(--gw-mac "$GW_MAC") extra=()
	shift 4
	kind=$(dut_kind "$d")
	[ "$d" = io ] && pg_mac=(--gw-mac "$IO_MAC" --src-mac "$IO_MAC")
	# jitsu routes fwd to the service's MAC; testpmd's macswap returns it to us
	[ "$kind" = jitsu ] && pg_mac+=(--fwd-mac "$FWD_MAC")
	[ "$d" = jitsu-cycles ] && extra=(--cycles)
	prefixes+=("$gp" "$dp")
	: >"$tmp/$n.json"
	"$PG" "${GEN_EAL[@]}" --file-prefix "$gp" \
		--vdev="net_memif0,role=server,socket=$sock,socket-abstract=no,id=0" \
		--vdev="net_memif1,role=server,socket=$dsock,socket-abstract=no,id=0" \
		-- "${GEN_ARGS[@]}" --down-port 1 "${pg_mac[@]}" --duration "$duration" "$@" \
		>"$tmp/$n.json" 2>"$tmp/$n.err" </dev/null &
	gpid=$!
	pids+=("$gpid")
	for ((i = 0; i < 200; i++)); do # the server's sockets, then the client
		[ -S "$sock" ] && [ -S "$dsock" ] && break
		alive "$gpid" || break
		sleep 0.02
	done
	dut_cmd "$d" "$sock" "$dsock" "$dp"
	"${dut[@]}" >"$tmp/$n.dut.log" 2>&1 </dev/null &
	dpid=$!
	pids+=("$dpid")
	case $d in jitsu-fwd | jitsu-cycles) summon_ready "$dp" || ok=1 ;; esac
	if [ "$ok" -eq 0 ]; then
		"${H[@]}" sample --dut "$kind" --prefix "$dp" --pid "$dpid" --gen-pid "$gpid" \
			--timeout 40 --report "$tmp/$n.json" --warmup "$WARMUP" --window "$window" --expect "$duration" \
			"${extra[@]+"${extra[@]}"}" --out "$tmp/$n.sample.json" || ok=1
	fi
	local died=
	alive "$dpid" || died=" (it had exited during the run)"
	# the generator must be done sending before its peer goes (memif)
	if ! grep -q '"port": ' "$tmp/$n.json"; then
		kill -TERM "$gpid" 2>/dev/null || true
		for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
			grep -q '"port": ' "$tmp/$n.json" && break
			alive "$gpid" || break
			sleep 0.1
		done
	fi
	stop "$dpid"
	local dut_status=$stop_status
	reap "$gpid"
	local pg_status=$stop_status
	# testpmd may end with 0 or re-raise SIGTERM (143): both clean
	if [ "$dut_status" -ne 0 ] && { [ "$kind" = jitsu ] || [ "$dut_status" -ne 143 ]; }; then
		echo "$prog: $n: $d exit status $dut_status$died" >&2
		ok=1
	fi
	if [ "$pg_status" -ne 0 ]; then
		echo "$prog: $n: jitsu-pktgen exit status $pg_status" >&2
		ok=1
	fi
	rm -f -- "$sock" "$dsock"
	rm -rf -- "$(runtime_dir "$gp")" "$(runtime_dir "$dp")"
	if [ "$ok" -eq 0 ]; then
		"${H[@]}" analyze --name "$n" --dut "$kind" --gen "$tmp/$n.json" \
			--sample "$tmp/$n.sample.json" --out "$tmp/$n.summary.json" || ok=1
	fi
	if [ "$ok" -ne 0 ]; then
		echo "$prog: run $n ($d, $*) failed; the generator's and the device's last lines:" >&2
		tail -n 12 "$tmp/$n.err" | sed 's/^/    pktgen: /' >&2
		tail -n 12 "$tmp/$n.dut.log" | sed 's/\x1b\[[0-9;]*[A-Za-z]//g; s/^/    dut: /' >&2
		return 1
	fi
	if [ "$kind" = jitsu ] && [ ${#TESTPMD_POOL[@]} -eq 0 ]; then
		TESTPMD_POOL=(--total-num-mbufs="$(get "$n.summary" pool.size)"
			--mbcache="$(get "$n.summary" pool.cache_size)")
		JITSU_NIC=$(sed -n 's/^jitsu\.nic: //p' "$tmp/$n.dut.log" | tr '\n' ';')
	fi
}

get() { "${H[@]}" get "$tmp/$1.json" "$2"; } # get NAME.summary|NAME.search KEY

# measure NAME DUT [pktgen options...]: a run with a window in its middle
measure() {
	local n=$1 d=$2
	shift 2
	run "$n" "$d" "$RATE_DURATION" "$WINDOW" "$@"
}

# search NAME DUT TOP [pktgen options...]: NDR and PDR through DUT, from the
# rate TOP down; NAME.search.json has both
search() {
	local n=$1 d=$2 hi=$3 step=0 rate
	shift 3
	rate=$("${H[@]}" search --state "$tmp/$n.search.json" --init "$hi" --steps "$STEPS" \
		--pdr-loss "$PDR_LOSS" --shortfall "$SHORTFALL") || return 1
	while [ "$rate" != "done" ]; do
		step=$((step + 1))
		run "$n.s$step" "$d" "$SEARCH_DURATION" 0 --rate "$rate" "$@" || return 1
		rate=$("${H[@]}" search --state "$tmp/$n.search.json" \
			--result "$tmp/$n.s$step.summary.json") || return 1
	done
	echo "  $n: NDR $(get "$n.search" ndr) pps, PDR $(get "$n.search" pdr) pps"
}

# the rate at which a run's generator sent (kind: one kind's part)
sent_pps() { # RUN [KIND]
	if [ $# -eq 2 ]; then get "$1.summary" "sent_pps.$2"; else get "$1.summary" tx_pps; fi
}

# trial T: every run of one trial; 1 at the first run that failed (even
# after its retries): the trial is then left out
trial() {
	local t=$1 flood_dns pdr
	echo "== trial $t of $TRIALS"
	measure "t$t-dns_j" jitsu --profile dns-hit || return 1
	measure "t$t-dns_t" macswap --profile dns-hit || return 1
	measure "t$t-fwd_j" jitsu-fwd --profile fwd || return 1
	measure "t$t-fwd_t" macswap-fwd --profile fwd || return 1
	measure "t$t-syn_j" jitsu --profile syn-cold || return 1
	measure "t$t-syn_t" io --profile syn-cold || return 1
	measure "t$t-cookie_j" jitsu-proxy --profile syn-cold || return 1
	measure "t$t-cookie_t" macswap --profile syn-cold || return 1
	measure "t$t-mix_j" jitsu --mix "$MIX" || return 1
	measure "t$t-mix_t" macswap --mix "$MIX" || return 1
	flood_dns=$(get "t$t-dns_j.summary" rates.dns_answer) || return 1
	flood_dns=$("$PY" -c "print(int($FLOOD_DNS * $flood_dns))") || return 1
	measure "t$t-flood_j" jitsu --profile dns-hit --rate "$flood_dns" --flood syn-cold --lossy ||
		return 1
	measure "t$t-alone_j" jitsu --profile dns-hit --rate "$flood_dns" --lossy || return 1
	search "t$t-ndr_j" jitsu "$(sent_pps "t$t-mix_j")" --mix "$MIX" || return 1
	search "t$t-ndr_t" macswap "$(sent_pps "t$t-mix_t")" --mix "$MIX" || return 1
	search "t$t-pdr_dns_j" jitsu "$(sent_pps "t$t-dns_j")" --profile dns-hit || return 1
	pdr=$(get "t$t-pdr_dns_j.search" pdr) || return 1
	pdr=$("$PY" -c "print(max(1000, int($pdr / 2)))") || return 1
	run "t$t-lat_j" jitsu "$LAT_DURATION" 0 --profile dns-hit --rate "$pdr" || return 1
	run "t$t-lat_t" macswap "$LAT_DURATION" 0 --profile dns-hit --rate "$pdr" || return 1
}

started=$(date +%s)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "$prog: $TRIALS trials; generator: jitsu-pktgen, worker lcore 1 (CPU 1), memif server;" \
	"device under test: jitsu or dpdk-testpmd, forwarding lcore 0 (CPU 0, --main-lcore 1)," \
	"memif client; jitsu in namespace $NS"
ok_trials=()
dropped=()
for ((t = 1; t <= TRIALS; t++)); do
	if trial "$t"; then
		ok_trials+=("$t")
	else
		echo "$prog: trial $t left out: run $last_failed failed $((RETRIES + 1)) times" >&2
		dropped+=("$t:$last_failed")
	fi
done
# the medians need most of the trials
need=$(((TRIALS + 1) / 2))
[ "${#ok_trials[@]}" -ge "$need" ] ||
	die "only ${#ok_trials[@]} of $TRIALS trials went through ($need needed)"
echo "== cycles per packet (measure_cycles = on, one run)"
measure cycles jitsu-cycles --profile mixed || die "the cycles run failed"
elapsed=$(($(date +%s) - started))

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
"${H[@]}" report --dir "$tmp" --trials "$(IFS=,; echo "${ok_trials[*]}")" \
	--cycles "$tmp/cycles.summary.json" \
	--pdr-loss "$PDR_LOSS" --json "$BUILD/bench/results.json" \
	--set "cpu=$cpu" --set "cores=$(nproc)" \
	--set "dpdk=$(pkg-config --modversion libdpdk 2>/dev/null || echo unknown)" \
	--set "commit=$(git -C "$top" describe --always --dirty 2>/dev/null || echo unknown)" \
	--set "jitsu_sha256_16=$(sha256sum "$JITSU" | cut -c1-16)" \
	--set "devices=net_memif x 2 (generator: servers; device: clients, default ring of 1024 slots): port 0 = jitsu's uplink, port 1 = jitsu's downlink (forwarded traffic back to the generator); testpmd --port-topology=paired for fwd, loop otherwise" \
	--set "descriptors=1024 rx / 1024 tx in the generator, jitsu and testpmd (--rxd/--txd); jitsu: ${JITSU_NIC:-}" \
	--set "burst=32 (generator, jitsu, testpmd --burst)" \
	--set "testpmd=$TESTPMD ${TESTPMD_APP[*]} ${TESTPMD_POOL[*]}" \
	--set "durations=rate runs ${RATE_DURATION} s of sending, ${WARMUP} s warm-up then a ${WINDOW} s window; search ${STEPS} steps of ${SEARCH_DURATION} s; latency runs ${LAT_DURATION} s" \
	--set "mix=$MIX (mix runs, NDR/PDR); flood: dns-hit at $FLOOD_DNS x the trial's DNS answer rate plus syn-cold filling every burst, --lossy; cycles run: the generator's default mix, fwd to the READY service" \
	--set "criteria=NDR: 0 frames lost, PDR: <= $PDR_LOSS lost; both: at most $SHORTFALL of the offered rate not sent (memif pushes back instead of dropping)" \
	--set "elapsed_s=$elapsed" --set "runs_retried=$retried" \
	--set "trials_dropped=${dropped[*]:-none}" \
	--set "load_before=$load_before" --set "load_after=$(cut -d' ' -f1-3 /proc/loadavg)"
echo "$prog: all runs passed in ${elapsed} s"

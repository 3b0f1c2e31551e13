#!/usr/bin/env bash
# DNS answer rate of the jitsu fast path, against dpdk-testpmd's macswap on
# the same core and the same input.
#
#   bench/dns_rate.sh [BUILD]        (BUILD: where jitsu is built, default build)
#
# Both programs read the same pcap of distinct DNS A queries through net_pcap
# with infinite_rx=1 (the file is loaded into a ring once and replayed
# forever; what is transmitted is freed by the PMD, as no tx_pcap/tx_iface is
# given). The forwarding work runs on lcore 1 in both; lcore 0 is the main
# lcore (jitsu's control plane, testpmd's prompt/stats), shared with this
# script and its telemetry sampler, which mostly sleep.
#
#   jitsu:   answers per second = growth of /jitsu/stats dns_answer / wall time
#   testpmd: packets per second = growth of /ethdev/stats,0 opackets / wall time
#
# Each is measured BENCH_REPEAT times, interleaved (jitsu, testpmd, jitsu, ...):
# after forwarding is seen to start, BENCH_WARMUP s of warm-up, then
# BENCH_SAMPLES samples over BENCH_WINDOW s. The table gives the median, min
# and max; $BUILD/bench/dns_rate.json has every run.
#
# A run is valid when its counter grew, port 0 has no errors/missed/nombuf
# and, for jitsu, drops stay 0 and every query got an A answer; the first run
# that is not stops the benchmark. Each run also reports how much of the
# window its lcore-1 thread was on the CPU and how busy core 0 was, to spot
# interference from other work on the machine. Runs use a copy of the jitsu
# binary, so a rebuild in the middle does not mix two versions.
#
# Environment: BENCH_REPEAT (3), BENCH_WARMUP (1), BENCH_WINDOW (5),
# BENCH_SAMPLES (5), BENCH_QUERIES (1024), TESTPMD (dpdk-testpmd).
# Exit status: 0 when every run was valid; 1 at the first run that is not
# (it stops there, with the run's log), or on any error; 2 on bad usage.
set -euo pipefail

prog=dns_rate
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=/usr/bin/python3 # Debian's, with python3-scapy
TEL=("$PY" "$here/dpdk_tel.py")

die() { echo "$prog: $*" >&2; exit 1; }

[ $# -le 1 ] || { echo "usage: $0 [BUILD]" >&2; exit 2; }
BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
JITSU=$BUILD/jitsu
CONF=$here/bench.conf
OUT_JSON=$BUILD/bench/dns_rate.json
TESTPMD=${TESTPMD:-dpdk-testpmd}

REPEAT=${BENCH_REPEAT:-3}
WARMUP=${BENCH_WARMUP:-1}
WINDOW=${BENCH_WINDOW:-5}
SAMPLES=${BENCH_SAMPLES:-5}
QUERIES=${BENCH_QUERIES:-1024}
STARTUP_TIMEOUT=30 # s: EAL start, pcap load, first forwarded packet
STOP_TIMEOUT=10    # s: from SIGTERM to exit, before SIGKILL

# The MAC net_pcap gives its first port (02:70:63:61:70 is "pcap", then the
# port's index); jitsu's start-up log is checked against it.
UPLINK_MAC=02:70:63:61:70:00

for v in REPEAT SAMPLES QUERIES; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "BENCH_$v must be a positive integer, not '${!v}'"
done
for v in WARMUP WINDOW; do
	[[ ${!v} =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "BENCH_$v must be a number of seconds, not '${!v}'"
done

# ---- preflight ------------------------------------------------------------
[ -x "$JITSU" ] || die "$JITSU not found: build it first (make)"
command -v "$TESTPMD" >/dev/null || die "$TESTPMD not found (Debian package dpdk)"
TESTPMD=$(command -v "$TESTPMD")
[ -x "$PY" ] || die "$PY not found (Debian package python3)"
"$PY" -c 'import scapy.all' 2>/dev/null || die "$PY cannot import scapy (Debian package python3-scapy)"
[ -r "$CONF" ] || die "$CONF not found"
ncpu=$(nproc)
[ "$ncpu" -ge 2 ] || die "needs 2 cores (lcores 0-1), this machine has $ncpu"

# ---- clean-up: every process by its PID, every file we made ----------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/jitsu-bench.XXXXXX")
pids=()     # processes started and not yet reaped
prefixes=() # EAL file prefixes used (their runtime directories are ours)

. "$here/proc.sh"

cleanup() {
	local rc=$? p
	trap - EXIT INT TERM HUP
	set +e
	for p in "${pids[@]+"${pids[@]}"}"; do
		stop "$p"
	done
	# Anything else this shell started and did not reap (a process caught
	# between its start and its record in pids): by PID, never by name.
	for p in $(ps -o pid= --ppid $$ 2>/dev/null); do
		alive "$p" && kill -KILL "$p" 2>/dev/null
	done
	for p in "${prefixes[@]+"${prefixes[@]}"}"; do
		rm -rf -- "$("${TEL[@]}" runtime-dir "$p")"
	done
	rm -rf -- "$tmp"
	exit "$rc"
}
trap cleanup EXIT
trap 'echo "$prog: interrupted" >&2; exit 130' INT
trap 'echo "$prog: terminated" >&2; exit 143' TERM HUP

# ---- input ----------------------------------------------------------------
# A copy of the binary: every run measures the same one, even if the tree is
# rebuilt meanwhile.
cp -- "$JITSU" "$tmp/jitsu"
jitsu_sha=$(sha256sum "$tmp/jitsu" | cut -c1-16)
JITSU_BIN=$tmp/jitsu
pcap=$tmp/dns.pcap
"$PY" "$here/gen_dns_pcap.py" -c "$CONF" -m "$UPLINK_MAC" -n "$QUERIES" -o "$pcap" |
	sed "s|$tmp/||"

# pmd.net.pcap at info: the PMD then says how it set its tx side up (drop)
EAL_COMMON=(-l 0-1 --no-huge -m 512 --no-pci "--log-level=pmd.net.pcap,info")
VDEV_PCAP=--vdev=net_pcap0,rx_pcap=$pcap,infinite_rx=1
# testpmd: one port, forwarding on lcore 1 (the only lcore besides the main
# one), the same descriptor counts and burst as jitsu, and a pool of as many
# mbufs with the same cache as jitsu's (read from jitsu's telemetry in the
# first run; testpmd's default pool does not fit in -m 512).
TESTPMD_APP=(--forward-mode=macswap --port-topology=loop --auto-start --stats-period=1
	--nb-cores=1 --rxd=1024 --txd=1024 --burst=32)

runs=()

# measure KIND RUN PREFIX PID LOG: sample a started process, then stop it.
measure() {
	local kind=$1 run=$2 prefix=$3 pid=$4 log=$5 rc=0
	"${TEL[@]}" measure --kind "$kind" --run "$run" --prefix "$prefix" --pid "$pid" \
		--warmup "$WARMUP" --window "$WINDOW" --samples "$SAMPLES" \
		--timeout "$STARTUP_TIMEOUT" --out "$tmp/$kind-$run.json" || rc=$?
	stop "$pid"
	if [ "$kind" = jitsu ] && [ "$stop_status" -ne 0 ]; then
		echo "$prog: jitsu run $run: exit status $stop_status after SIGTERM (expected 0)" >&2
		rc=1
	fi
	# testpmd re-raises SIGTERM in some versions: 0 or 143 are both a clean stop
	if [ "$kind" = testpmd ] && [ "$stop_status" -ne 0 ] && [ "$stop_status" -ne 143 ]; then
		echo "$prog: testpmd run $run: exit status $stop_status after SIGTERM" >&2
		rc=1
	fi
	rm -rf -- "$("${TEL[@]}" runtime-dir "$prefix")"
	if [ "$rc" -ne 0 ]; then
		echo "$prog: $kind run $run failed; last lines of its log:" >&2
		tail -n 15 "$log" | sed 's/\x1b\[[0-9;]*[A-Za-z]//g; s/^/    /' >&2
		exit 1
	fi
	if [ "$kind" = jitsu ]; then
		grep -a "^jitsu: stopped:" "$log" | sed "s/^/                /" || true
	fi
	runs+=("$tmp/$kind-$run.json")
}

run_jitsu() {
	local run=$1 prefix="jb-$$" log=$tmp/jitsu-$1.log pid mac i
	prefixes+=("$prefix")
	: >"$log" # exists before the child opens it: polled below
	"$JITSU_BIN" "${EAL_COMMON[@]}" --file-prefix "$prefix" "$VDEV_PCAP" \
		--vdev=net_null0,no-rx=1 -- -c "$CONF" >"$log" 2>&1 </dev/null &
	pid=$!
	pids+=("$pid")
	# the uplink MAC, from the start-up log, must be the pcap's destination
	for ((i = 0; i < STARTUP_TIMEOUT * 10; i++)); do
		grep -aq '^jitsu: gateway .* up' "$log" && break
		alive "$pid" || break
		sleep 0.1
	done
	mac=$(sed -n 's/^jitsu\.nic: port 0 (net_pcap0): \([0-9A-Fa-f:]\{17\}\),.*/\1/p' "$log")
	if ! grep -aq '^jitsu: gateway .* up' "$log"; then
		if alive "$pid"; then
			echo "$prog: jitsu run $run did not start within ${STARTUP_TIMEOUT} s" >&2
			stop "$pid"
		else
			stop "$pid"
			echo "$prog: jitsu run $run exited at start-up (status $stop_status)" >&2
		fi
		tail -n 15 "$log" | sed 's/^/    /' >&2
		exit 1
	fi
	if [ "${mac,,}" != "${UPLINK_MAC,,}" ]; then
		echo "$prog: jitsu's uplink MAC is '${mac:-not in its log}', the pcap is" \
			"addressed to $UPLINK_MAC" >&2
		stop "$pid"
		exit 1
	fi
	measure jitsu "$run" "$prefix" "$pid" "$log"
	if [ "$run" -eq 1 ]; then
		# what net_pcap does with transmitted frames (no tx_pcap, no tx_iface)
		grep -a 'pmd_pcap_probe().*\(tx\|infinite\)' "$log" | sed 's/^/        net_pcap: /' || true
		local pool
		pool=$("${TEL[@]}" pool "$tmp/jitsu-1.json")
		TESTPMD_APP+=(--total-num-mbufs="${pool% *}" --mbcache="${pool#* }")
	fi
}

run_testpmd() {
	local run=$1 prefix="jb-$$-testpmd" log=$tmp/testpmd-$1.log pid
	prefixes+=("$prefix")
	"$TESTPMD" "${EAL_COMMON[@]}" --file-prefix "$prefix" "$VDEV_PCAP" \
		-- "${TESTPMD_APP[@]}" >"$log" 2>&1 </dev/null &
	pid=$!
	pids+=("$pid")
	measure testpmd "$run" "$prefix" "$pid" "$log"
}

echo "$prog: $REPEAT x (jitsu, testpmd): ${WARMUP} s warm-up, ${WINDOW} s window," \
	"$SAMPLES samples; forwarding on lcore 1"
for ((r = 1; r <= REPEAT; r++)); do
	run_jitsu "$r"
	run_testpmd "$r"
done

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
dpdk=$(pkg-config --modversion libdpdk 2>/dev/null || echo unknown)
commit=$(git -C "$here/.." describe --always --dirty 2>/dev/null || echo unknown)
"${TEL[@]}" report --json "$OUT_JSON" \
	--label "$QUERIES distinct queries, ${WINDOW} s windows" \
	--set "cpu=$cpu" --set "cores=$ncpu" --set "dpdk=$dpdk" --set "commit=$commit" \
	--set "jitsu_sha256_16=$jitsu_sha" \
	--set "queries=$QUERIES" --set "warmup_s=$WARMUP" --set "window_s=$WINDOW" \
	--set "samples=$SAMPLES" --set "pcap=bench/gen_dns_pcap.py -c bench/bench.conf -m $UPLINK_MAC -n $QUERIES (defaults: 256 clients, EDNS0 on half, seed 53)" \
	--set "jitsu_cmd=$JITSU ${EAL_COMMON[*]} --file-prefix jb-PID $VDEV_PCAP --vdev=net_null0,no-rx=1 -- -c $CONF" \
	--set "testpmd_cmd=$TESTPMD ${EAL_COMMON[*]} --file-prefix jb-PID-testpmd $VDEV_PCAP -- ${TESTPMD_APP[*]}" \
	--note "lcores: jitsu's worker and testpmd's forwarding core are lcore 1; the main lcore" \
	--note "(jitsu control plane, testpmd main) shares core 0 with this script and its sampler." \
	--note "Input: net_pcap infinite_rx (rx copies each frame into a fresh mbuf), tx dropped" \
	--note "by the PMD (no tx_pcap). $cpu, $ncpu cores, DPDK $dpdk, jitsu $commit." \
	"${runs[@]}"

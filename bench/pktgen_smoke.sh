#!/usr/bin/env bash
# Smoke test of the traffic generator, build/jitsu-pktgen: correctness, never
# speed. A few thousand packets per profile at a low rate through a net_memif
# port (shared memory, nothing else on any network), against
#   - the real gateway, build/jitsu, with a configuration written here (a
#     gateway address, a zone, two services with DNS names and addresses, no
#     exec: they can never run, so a SYN to one is answered with an RST):
#     an A record with the configured address for every dns-hit query,
#     NXDOMAIN for every dns-miss query, an ARP reply for every request, an
#     RST for every syn-cold SYN, fwd dropped (the service is not READY) and
#     counted by jitsu, jitsu's own counters agreeing;
#   - dpdk-testpmd --forward-mode=macswap (one port): every frame of every
#     kind back, 64-byte and IMIX, nothing lost; with two ports paired, fwd
#     sent on port 0 comes back forwarded out of port 1 (--down-port), every
#     frame matched; a paced profile with a lossy flood (--flood, --lossy);
# plus the pcap writer and the command line.
#
#   bench/pktgen_smoke.sh BUILD      (make pktgen builds BUILD/jitsu-pktgen;
#                                      make builds BUILD/jitsu)
#
# memif: the generator is the server (it creates the socket) and starts
# first: a client whose server is not there yet fails its port start. At the
# end the peer is stopped first and the generator (--linger) closes its port
# after it: with DPDK 22.11's memif, the side still polling when the other
# disconnects can crash (seen as a SIGSEGV in testpmd's forwarding lcore).
# Lcores: the generator's worker runs on lcore 1, the peer's on lcore 0
# (--main-lcore 1), so that two polling loops never share a core.
#
# Environment: SMOKE_RATE (2500 pps), SMOKE_DURATION (1.2 s), TESTPMD.
# Exit status: 0 when every check passed, 1 otherwise, 2 on bad usage. The
# last line is "pktgen smoke: N passed, M failed".
set -euo pipefail

prog=pktgen_smoke
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)
PY=/usr/bin/python3 # JSON only

[ $# -eq 1 ] || { echo "usage: $0 BUILD" >&2; exit 2; }
BUILD=$1
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
PG=$BUILD/jitsu-pktgen
JITSU=$BUILD/jitsu
TESTPMD=${TESTPMD:-dpdk-testpmd}
RATE=${SMOKE_RATE:-2500}
DURATION=${SMOKE_DURATION:-1.2}
# Deadlines only a hang reaches, on a machine many times slower than the
# author's (make check-slow): waits are for the socket, the report, the exit
START_TIMEOUT=${JITSU_TEST_DEADLINE:-120} # s: a run, from its start to its report (link timeout 60)
STOP_TIMEOUT=30  # s: from SIGTERM to exit

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "  ok    $*"; }
fail() { failed=$((failed + 1)); echo "  FAIL  $*"; }
finish() {
	echo "pktgen smoke: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

# ---- preflight: a missing tool is a failure, said once ---------------------
missing=
[ -x "$PG" ] || missing="$PG (make pktgen)"
[ -x "$JITSU" ] || missing="${missing:+$missing, }$JITSU (make)"
command -v "$TESTPMD" >/dev/null || missing="${missing:+$missing, }$TESTPMD (Debian package dpdk)"
[ -x "$PY" ] || missing="${missing:+$missing, }$PY"
[ "$(nproc)" -ge 2 ] || missing="${missing:+$missing, }a second core"
if [ -n "$missing" ]; then
	fail "preflight: missing $missing"
	finish
	exit 1
fi
TESTPMD=$(command -v "$TESTPMD")

# ---- clean-up: every process by its PID, every file and runtime dir ---------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pktgen-smoke.XXXXXX")
pids=()     # started, not yet reaped
prefixes=() # EAL file prefixes used here

. "$here/proc.sh"

cleanup() {
	local rc=$? p
	trap - EXIT INT TERM HUP
	set +e
	for p in "${pids[@]+"${pids[@]}"}"; do stop "$p"; done
	for p in "${prefixes[@]+"${prefixes[@]}"}"; do rm -rf -- "$(runtime_dir "$p")"; done
	rm -rf -- "$tmp"
	exit "$rc"
}
trap cleanup EXIT
trap 'echo "$prog: interrupted" >&2; exit 130' INT
trap 'echo "$prog: terminated" >&2; exit 143' TERM HUP

# ---- the gateway's side ------------------------------------------------------
GW=10.77.0.1
GW_MAC=02:4a:00:00:00:01 # the memif devarg of jitsu's uplink (testpmd: any)
WWW=10.77.1.10
API=10.77.1.11
sfx=$$
cat >"$tmp/jitsu.conf" <<CONF
; written by bench/pktgen_smoke.sh; no exec: nothing is ever started
[gateway]
address = $GW
zones = example.org
netns_prefix = pgsmoke-$sfx
veth_prefix = pq$sfx
bridge = pqbr$sfx

[ports]
uplink = 0
downlink = 1

[service www]
dns = www.example.org
address = $WWW

[service api]
dns = api.example.org, api-v2.example.org
address = $API
CONF

EAL=(--no-huge -m 256 --no-pci --log-level=lib.eal:error --log-level=pmd.net.memif:warning)
# --drain 2000, --link-timeout 30: late replies still count, and a slow start
# still connects, on a machine whose other load stalls the peer for hundreds
# of ms (seen beside a QEMU guest)
PG_ARGS=(--gw "$GW" --gw-mac "$GW_MAC" --svc-ip "$WWW" --zone example.org
	--names "www.example.org=$WWW,api.example.org=$API,api-v2.example.org=$API"
	--rate "$RATE" --duration "$DURATION" --drain 2000 --link-timeout 60 --linger "$STOP_TIMEOUT")

# run N PEER [pktgen options...]: the generator (memif server) and PEER
# (jitsu | testpmd | testpmd-paired (two ports, the second the generator's
# --down-port), memif client); leaves N.json (the report), N.err, N.peer
# (the peer's log), N.stats (jitsu's counters); 0 when all went as planned
run() {
	local n=$1 peer=$2 sock=$tmp/$1.sock dsock=$tmp/$1.down.sock pgp="pgs-$$-$1"
	local pp="pgs-$$-$1-peer" gpid ppid i gen_down=() pmd_down=() topo=loop
	shift 2
	if [ "$peer" = testpmd-paired ]; then
		gen_down=(--vdev="net_memif1,role=server,socket=$dsock,socket-abstract=no,id=0")
		pmd_down=(--vdev="net_memif1,role=client,socket=$dsock,socket-abstract=no,id=0")
		topo=paired
		set -- "$@" --down-port 1
	fi
	prefixes+=("$pgp" "$pp")
	: >"$tmp/$n.json"
	"$PG" -l 0-1 "${EAL[@]}" --file-prefix "$pgp" \
		--vdev="net_memif0,role=server,socket=$sock,socket-abstract=no,id=0" \
		"${gen_down[@]+"${gen_down[@]}"}" \
		-- "${PG_ARGS[@]}" "$@" >"$tmp/$n.json" 2>"$tmp/$n.err" </dev/null &
	gpid=$!
	pids+=("$gpid")
	for ((i = 0; i < START_TIMEOUT * 20; i++)); do # the server's socket, then the client
		[ -S "$sock" ] && { [ "$topo" = loop ] || [ -S "$dsock" ]; } && break
		alive "$gpid" || break
		sleep 0.05
	done
	if [ "$peer" = jitsu ]; then
		"$JITSU" -l 0-1 --main-lcore 1 "${EAL[@]}" --file-prefix "$pp" \
			--vdev="net_memif0,role=client,socket=$sock,socket-abstract=no,id=0,mac=$GW_MAC" \
			--vdev=net_null0,no-rx=1 -- -c "$tmp/jitsu.conf" >"$tmp/$n.peer" 2>&1 </dev/null &
	else
		"$TESTPMD" -l 0-1 --main-lcore 1 "${EAL[@]}" --file-prefix "$pp" \
			--vdev="net_memif0,role=client,socket=$sock,socket-abstract=no,id=0" \
			"${pmd_down[@]+"${pmd_down[@]}"}" \
			-- --forward-mode=macswap --port-topology="$topo" --auto-start --nb-cores=1 \
			--total-num-mbufs=4096 --stats-period=1 >"$tmp/$n.peer" 2>&1 </dev/null &
	fi
	ppid=$!
	pids+=("$ppid")
	# the report is printed before the generator lingers for the peer
	for ((i = 0; i < START_TIMEOUT * 10; i++)); do
		grep -q '"port": ' "$tmp/$n.json" && break
		alive "$gpid" || break
		sleep 0.1
	done
	local ok=0
	if ! grep -q '"port": ' "$tmp/$n.json"; then
		echo "    no report from jitsu-pktgen; its stderr and the peer's log:" >&2
		ok=1
	elif [ "$peer" = jitsu ]; then
		"$PY" "$top/scripts/telemetry.py" "$pp" /jitsu/stats >"$tmp/$n.stats" 2>&1 || ok=1
	fi
	stop "$ppid"
	local peer_status=$stop_status
	reap "$gpid"
	local pg_status=$stop_status
	# testpmd may end with 0 or re-raise SIGTERM (143): both clean
	if [ "$peer" = jitsu ] && [ "$peer_status" -ne 0 ]; then
		echo "    jitsu: exit status $peer_status after SIGTERM (expected 0)" >&2
		ok=1
	elif [ "$peer" != jitsu ] && [ "$peer_status" -ne 0 ] && [ "$peer_status" -ne 143 ]; then
		echo "    testpmd: exit status $peer_status after SIGTERM" >&2
		ok=1
	fi
	if [ "$pg_status" -ne 0 ]; then
		echo "    jitsu-pktgen: exit status $pg_status" >&2
		ok=1
	fi
	if [ "$ok" -ne 0 ]; then
		sed 's/^/    pktgen: /' "$tmp/$n.err" | tail -n 8 >&2
		sed 's/\x1b\[[0-9;]*[A-Za-z]//g; s/^/    peer: /' "$tmp/$n.peer" | tail -n 8 >&2
	fi
	rm -f -- "$sock" "$dsock"
	rm -rf -- "$(runtime_dir "$pgp")" "$(runtime_dir "$pp")"
	return "$ok"
}

# check N CHECK...: each "label :: python expression" over r (the
# report), k (its kinds), c (its counters), j (jitsu's stats, {} for
# testpmd); prints a line per check and counts them
check() {
	local n=$1 out line
	shift
	out=$("$PY" - "$tmp/$n.json" "$tmp/$n.stats" "$@" <<'PY'
import json, os, sys

rep, stats, checks = sys.argv[1], sys.argv[2], sys.argv[3:]
try:
    r = json.load(open(rep))
except (OSError, ValueError) as e:
    for chk in checks:
        print(f"FAIL\t{chk.split(' :: ', 1)[0]}: no report ({e})")
    sys.exit(0)
j = json.load(open(stats)) if os.path.exists(stats) and os.path.getsize(stats) else {}
k, c = r["kinds"], r["counters"]
RX_DROPS = [n for n in c if n.startswith("rx_") and n != "rx_multiseg"] + \
    [n for n in c if n.startswith("bad_")]

def drops():
    """the receive-side drop and bad-reply counters that are not 0"""
    return {n: c[n] for n in RX_DROPS if c[n]}

def kind(name, *fields):
    return {f: k[name][f] for f in fields}

for chk in checks:
    label, expr = chk.split(" :: ", 1)
    try:
        ok = eval(expr)
    except Exception as e:  # a missing key is a failed check
        ok, err = False, repr(e)
    else:
        err = ""
    print(("PASS" if ok else "FAIL") + "\t" + label + ("" if ok else f": {expr.strip()} {err}"))
PY
	)
	while IFS=$'\t' read -r res line; do
		if [ "$res" = PASS ]; then pass "$n: $line"; else fail "$n: $line"; fi
	done <<<"$out"
}

# the summary of a run, for the eye: kind, sent, received, correct, ...
show() {
	grep -a -A8 '^jitsu-pktgen: ' "$tmp/$1.err" | grep -av '^jitsu-pktgen: port' |
		sed 's/^/        /' || true
}

live() { # N PEER CHECKS... -- PKTGEN OPTIONS...
	local n=$1 peer=$2 checks=()
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do checks+=("$1"); shift; done
	shift
	echo "== $n: $peer, $*"
	if run "$n" "$peer" "$@"; then
		pass "$n: the run and its peer started and stopped cleanly"
	else
		fail "$n: the run and its peer started and stopped cleanly"
	fi
	show "$n"
	check "$n" "${checks[@]}"
}

# every sent packet of KIND answered correctly, nothing lost
answered() { echo "$1 answered :: k['$1']['sent'] > 0 and k['$1']['correct'] == k['$1']['received'] == k['$1']['sent'] and k['$1']['wrong'] == 0"; }
# every sent packet of KIND came back as it was (macswap)
echoed() { echo "$1 echoed :: k['$1']['sent'] > 0 and k['$1']['echoed'] == k['$1']['received'] == k['$1']['sent'] and k['$1']['wrong'] == 0"; }
NODROPS="no receive drops or bad replies :: not drops()"
# at most what the rate asks for (RATE x DURATION, a few thousand); how many
# fewer is no matter of correctness: a loaded machine may stall the generator
# or its peer for a second (seen beside a QEMU guest), and what the schedule
# could not send is skipped and counted (tx_behind)
# "no more than the rate asks" over the time it sent for: --duration, or
# longer when a busy machine woke the generator's main lcore late to stop it
ENOUGH="packets sent, no more than the rate asks :: 0 < r['sent'] <= 1.05 * $RATE * max(r['duration_s'], r['tx']['seconds']) + 64"

# ---- against the gateway -----------------------------------------------------
live gw-dns-hit jitsu "$(answered dns-hit)" "$NODROPS" "$ENOUGH" \
	"every answer carries the configured address :: c['bad_dns_addr'] == 0 and c['bad_dns_answer'] == 0" \
	"jitsu answered as many A queries :: j['dns_answer'] == k['dns-hit']['sent']" \
	"jitsu dropped nothing :: j['drops'] == 0" \
	-- --profile dns-hit

live gw-dns-miss jitsu "$(answered dns-miss)" "$NODROPS" "$ENOUGH" \
	"every answer is NXDOMAIN :: c['bad_dns_rcode'] == 0" \
	"jitsu counted as many NXDOMAIN :: j['dns_nxdomain'] == k['dns-miss']['sent']" \
	"jitsu dropped nothing :: j['drops'] == 0" \
	-- --profile dns-miss

live gw-syn-cold jitsu "$(answered syn-cold)" "$NODROPS" "$ENOUGH" \
	"an RST for every SYN :: k['syn-cold']['rst'] == k['syn-cold']['sent'] and k['syn-cold']['synack'] == 0" \
	"jitsu held and reset every SYN :: j['syn_held'] == j['syn_reset'] == k['syn-cold']['sent']" \
	"jitsu dropped nothing :: j['drops'] == 0" \
	-- --profile syn-cold

live gw-arp jitsu "$(answered arp)" "$NODROPS" "$ENOUGH" \
	"jitsu replied to every request (and the probes) :: j['arp_reply'] >= k['arp']['sent']" \
	-- --profile arp

live gw-mixed-imix jitsu "$(answered dns-hit)" "$(answered dns-miss)" "$(answered syn-cold)" \
	"$(answered arp)" "$NODROPS" "$ENOUGH" \
	"fwd to a service that is not READY is dropped :: k['fwd']['sent'] > 0 and k['fwd']['received'] == 0" \
	"jitsu counted those drops, and only those :: j['drop_svc_not_ready'] == j['drops'] == k['fwd']['sent']" \
	"IMIX: frames far above the 64-byte mode's :: r['tx']['bytes'] / r['tx']['packets'] > 150" \
	-- --profile mixed --imix

# ---- against testpmd's macswap --------------------------------------------
live pmd-mixed testpmd "$(echoed dns-hit)" "$(echoed dns-miss)" "$(echoed syn-cold)" \
	"$(echoed fwd)" "$(echoed arp)" "$NODROPS" "$ENOUGH" \
	"nothing lost :: r['lost'] == 0" \
	"latency measured for every packet :: r['latency_ns']['count'] == r['sent'] and r['latency_ns']['p50'] > 0" \
	-- --profile mixed --mix dns-hit=1,dns-miss=1,syn-cold=1,fwd=1,arp=1

live pmd-imix testpmd "$(echoed dns-hit)" "$(echoed fwd)" "$NODROPS" "$ENOUGH" \
	"nothing lost :: r['lost'] == 0" \
	"IMIX 7:4:1 bytes :: abs(r['tx']['bytes'] / r['tx']['packets'] - (7 * 75 + 4 * 566 + 1514) / 12) < 60" \
	-- --profile mixed --mix dns-hit=1,fwd=1 --imix

live pmd-fwd-down testpmd-paired "$(answered fwd)" "$NODROPS" "$ENOUGH" \
	"nothing lost :: r['lost'] == 0" \
	"every fwd frame came out of the down port, TTL and MAC as sent :: c['bad_fwd_route'] == 0 and k['fwd']['echoed'] == 0" \
	-- --profile fwd --fwd-ip "$API"

# paced DNS and a SYN flood filling every burst, dropped at a full ring: the
# flood's tags wrap around within ms, so late echoes of it may be unmatched
live pmd-flood testpmd \
	"DNS at its pace, not the flood's :: 0 < k['dns-hit']['sent'] + k['dns-hit']['dropped'] <= 1.05 * $RATE * max(r['duration_s'], r['tx']['seconds']) + 64" \
	"the flood outnumbers it :: k['syn-cold']['sent'] + k['syn-cold']['dropped'] > 10 * (k['dns-hit']['sent'] + k['dns-hit']['dropped'])" \
	"what went out came back :: k['dns-hit']['echoed'] > 0 and k['syn-cold']['echoed'] > 0 and k['dns-hit']['wrong'] == k['syn-cold']['wrong'] == 0" \
	"the report says flood and lossy :: r['flood'] == 'syn-cold' and r['lossy'] is True" \
	-- --profile dns-hit --flood syn-cold --lossy

# ---- pcap and the command line ----------------------------------------------
echo "== pcap and command line"
# ARP requests are 60-byte frames: 24 + N * (16 + 60) bytes
if "$PG" -- --profile arp --gw-mac "$GW_MAC" --pcap "$tmp/arp.pcap" --count 1000 2>"$tmp/pcap.err" &&
	[ "$(stat -c %s "$tmp/arp.pcap")" -eq $((24 + 1000 * 76)) ] &&
	[ "$(od -An -tx4 -N4 "$tmp/arp.pcap" | tr -d ' ')" = a1b2c3d4 ]; then
	pass "pcap: 1000 ARP frames, classic pcap, no EAL"
else
	fail "pcap: 1000 ARP frames, classic pcap, no EAL ($(tail -n 1 "$tmp/pcap.err"))"
fi
if "$PG" -- --profile mixed --imix --gw-mac "$GW_MAC" --svc-ip "$WWW" --pcap "$tmp/mix.pcap" \
	--count 1200 --rate 1000 2>/dev/null && [ "$(stat -c %s "$tmp/mix.pcap")" -gt $((1200 * 200)) ]; then
	pass "pcap: 1200 IMIX frames of the mixed profile"
else
	fail "pcap: 1200 IMIX frames of the mixed profile"
fi
rc=0
"$PG" -- --help >"$tmp/help" 2>&1 || rc=$?
if [ "$rc" -eq 0 ] && grep -q -- '--imix' "$tmp/help"; then pass "--help: exit 0"; else fail "--help: exit $rc"; fi
rc=0
"$PG" -- --profile syn-cold --gw-mac "$GW_MAC" --bogus >/dev/null 2>"$tmp/bad" || rc=$?
if [ "$rc" -eq 2 ] && grep -q 'syn-cold needs --svc-ip' "$tmp/bad"; then
	pass "a bad command line: exit 2, every problem listed"
else
	fail "a bad command line: exit $rc"
fi
rc=0
"$PG" -- --profile dns-hit --gw-mac "$GW_MAC" --svc-ip "$WWW" --flood syn-cold --down-port 0 \
	>/dev/null 2>"$tmp/bad" || rc=$?
if [ "$rc" -eq 2 ] && grep -q -- '--flood needs --rate' "$tmp/bad" &&
	grep -q -- '--down-port must differ' "$tmp/bad"; then
	pass "--flood without --rate, --down-port = --port: exit 2, both said"
else
	fail "--flood without --rate, --down-port = --port: exit $rc"
fi

finish

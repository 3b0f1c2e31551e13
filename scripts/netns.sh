# Helpers for tests and the demo that build throw-away network namespaces.
# Source it; every name carries a per-run suffix and is removed on exit.
# Nothing here sends traffic: callers only talk to addresses inside the
# namespaces they create.

# A short random suffix for names (interface names have 15 characters).
netns_suffix() {
	od -An -N3 -tx1 /dev/urandom | tr -d ' \n'
}

# Every wait of the tests is for a state or an event, bounded by a deadline
# that only a hang reaches (on a machine many times slower than the author's,
# as under `make check-slow`): JITSU_TEST_DEADLINE seconds (120) unless the
# caller names one.
: "${JITSU_TEST_DEADLINE:=120}"

# wait_until SECONDS COMMAND...: until COMMAND succeeds, polling, by the
# clock; 1 once SECONDS have passed
wait_until() {
	local end=$((SECONDS + $1))
	shift
	while :; do
		"$@" && return 0
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.05
	done
}

# Wait until interface $2 exists in namespace $1.
netns_wait_link() {
	local ns=$1 dev=$2
	wait_until "$JITSU_TEST_DEADLINE" ip -n "$ns" link show "$dev" >/dev/null 2>&1 && return 0
	echo "interface $dev did not appear in $ns" >&2
	return 1
}

# Stop a process we started, by its PID: TERM, then KILL after 60 s.
stop_pid() {
	local pid=$1
	[ -n "$pid" ] || return 0
	kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
	kill -TERM "$pid" 2>/dev/null || true
	local end=$((SECONDS + 60))
	while [ "$SECONDS" -lt "$end" ]; do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || true
}

# Wait until the telemetry socket of file prefix $1 answers (jitsu is up).
wait_telemetry() {
	local top
	top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	"$top/scripts/telemetry.py" "$1" /jitsu/stats --wait "${2:-$JITSU_TEST_DEADLINE}" >/dev/null
}

# The services' topology, in namespaces made here, with suffix $1:
#   jitsu-cli-$1: the client, 10.77.0.2/24 on jcl$1, routes to 10.77.0.0/16
#                 through the gateway 10.77.0.1
#   jitsu-gw-$1:  where jitsu runs; its uplink is net_af_packet on jup$1 (the
#                 veth peer of jcl$1), its downlink a net_tap jdn$1 that jitsu
#                 puts on its bridge with the services' veths
# Sets GW_NS, CLI_NS, UPLINK_VDEV and DOWNLINK_VDEV.
# gateway_section: the [gateway] lines of every test's and benchmark's
# configuration (they go on with their own): the gateway's address, the zone,
# and the names of what it makes, which carry this run's suffix ($SFX)
gateway_section() {
	printf '[gateway]\naddress = 10.77.0.1\nzones = example.org\n'
	printf 'netns_prefix = jitsu-%s\nveth_prefix = jv%s\nbridge = jbr%s\n' "$SFX" "$SFX" "$SFX"
}

topo_up() {
	local s=$1
	GW_NS="jitsu-gw-$s"
	CLI_NS="jitsu-cli-$s"
	ip netns add "$GW_NS"
	ip netns add "$CLI_NS"
	for ns in "$GW_NS" "$CLI_NS"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
		ip -n "$ns" link set lo up
	done
	ip -n "$GW_NS" link add "jup$s" type veth peer name "jcl$s" netns "$CLI_NS"
	ip -n "$GW_NS" link set "jup$s" up
	ip -n "$CLI_NS" addr add 10.77.0.2/24 dev "jcl$s"
	ip -n "$CLI_NS" link set "jcl$s" up
	ip -n "$CLI_NS" route add 10.77.0.0/16 via 10.77.0.1
	# af_packet hands frames over as the kernel queued them: the client's
	# checksums must be complete, as on a wire
	ip netns exec "$CLI_NS" ethtool -K "jcl$s" tx off >/dev/null
	UPLINK_VDEV="net_af_packet0,iface=jup$s"
	DOWNLINK_VDEV="net_tap0,iface=jdn$s"
}

# Remove what topo_up made and what a jitsu running there may have left.
topo_down() {
	local s=$1
	ip netns del "jitsu-cli-$s" 2>/dev/null || true
	ip netns del "jitsu-gw-$s" 2>/dev/null || true
	for ns in /run/netns/jitsu-"$s"-*; do
		[ -e "$ns" ] && ip netns del "$(basename "$ns")" 2>/dev/null
	done
	return 0
}

# Start jitsu in the gateway namespace (network namespace only, so that the
# service namespaces it makes are visible here). Sets JITSU_PID.
# Usage: jitsu_start JITSU PREFIX LOG CONF [app args...]
jitsu_start() {
	local jitsu=$1 prefix=$2 log=$3 conf=$4
	shift 4
	nsenter --net="/run/netns/$GW_NS" "$jitsu" -l 0-1 --no-huge -m 256 --no-pci \
		--file-prefix "$prefix" --log-level=lib.eal:error --log-level=pmd.net.tap:critical \
		--vdev="$UPLINK_VDEV" --vdev="$DOWNLINK_VDEV" -- -c "$conf" "$@" >"$log" 2>&1 &
	JITSU_PID=$!
	JITSUCTL="$(dirname "$jitsu")/jitsuctl"
	wait_telemetry "$prefix"
}

# What every script that runs jitsu in namespaces starts with: a per-run
# suffix SFX, a telemetry file prefix PREFIX (jitsu-KIND-SFX), a scratch TMP,
# and a trap that stops jitsu (JITSU_PID) and removes all of it on exit.
session_begin() {
	SFX=$(netns_suffix)
	PREFIX="jitsu-$1-$SFX"
	TMP=$(mktemp -d)
	JITSU_PID=
	trap session_end EXIT
}

session_end() {
	stop_pid "$JITSU_PID"
	topo_down "$SFX"
	rm -rf "$TMP"
	# EAL leaves its runtime directory (telemetry socket, config) behind
	[ "$(id -u)" -eq 0 ] && rm -rf "/var/run/dpdk/$PREFIX"
	return 0
}

# jitsuctl for the gateway jitsu_start started (its file prefix PREFIX).
ctl() { "$JITSUCTL" -f "$PREFIX" "$@"; }
# state NAME: the service's state
state() { ctl list | awk -v n="$1" '$1 == n { print $2 }'; }
# counter NAME: one of /jitsu/stats
counter() { ctl stats | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
# field NAME PATH: a value of jitsuctl show NAME, PATH as in Python: "['pid']"
field() { ctl show "$1" | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)$2)"; }
# wait_state NAME STATE [SECONDS]: until the service is in STATE
# (JITSU_TEST_DEADLINE). A state that lasts only as long as a timer of the
# test's configuration must not be waited for this way: give the timer far
# longer than the checks take (see tests/e2e/test_services_e2e.sh).
state_is() { [ "$(state "$1")" = "$2" ]; }
wait_state() {
	wait_until "${3:-$JITSU_TEST_DEADLINE}" state_is "$1" "$2" && return 0
	echo "     $1 is $(state "$1"), not $2" >&2
	return 1
}

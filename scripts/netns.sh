# Helpers for tests and the demo that build throw-away network namespaces.
# Source it; every name carries a per-run suffix and is removed on exit.
# Nothing here sends traffic: callers only talk to addresses inside the
# namespaces they create.

# A short random suffix for names (interface names have 15 characters).
netns_suffix() {
	od -An -N3 -tx1 /dev/urandom | tr -d ' \n'
}

# Wait up to ~5 s for interface $2 to exist in namespace $1.
netns_wait_link() {
	local ns=$1 dev=$2
	for _ in $(seq 50); do
		ip -n "$ns" link show "$dev" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "interface $dev did not appear in $ns" >&2
	return 1
}

# Stop a process we started, by its PID: TERM, then KILL after ~5 s.
stop_pid() {
	local pid=$1
	[ -n "$pid" ] || return 0
	kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 50); do
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
	"$top/scripts/telemetry.py" "$1" /jitsu/stats --wait "${2:-10}" >/dev/null
}

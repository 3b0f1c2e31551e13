# Process helpers of the benchmark scripts; source it. The script sets
# `prog` (for messages), STOP_TIMEOUT (seconds) and keeps the PIDs it started
# in the array `pids`; everything is stopped by PID, never by name.

alive() { # PID: exists and is not a zombie
	local st
	st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	st=${st##*) }
	[ "${st%% *}" != Z ]
}

runtime_dir() { # FILE_PREFIX: EAL's runtime directory (eal_create_runtime_dir)
	local base=${RUNTIME_DIRECTORY:-}
	if [ -z "$base" ]; then
		if [ "$(id -u)" -eq 0 ]; then base=/var/run; else base=${XDG_RUNTIME_DIR:-/tmp}; fi
	fi
	echo "$base/dpdk/$1"
}

# stop PID: SIGTERM, up to STOP_TIMEOUT s, then SIGKILL; reap it; its exit
# status in stop_status (137 when it had to be killed); it leaves `pids`
stop_status=0
stop() {
	local pid=$1 i keep=() p
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
		alive "$pid" || break
		sleep 0.1
	done
	if alive "$pid"; then
		echo "$prog: process $pid still running ${STOP_TIMEOUT} s after SIGTERM: SIGKILL" >&2
		kill -KILL "$pid" 2>/dev/null || true
	fi
	stop_status=0
	wait "$pid" 2>/dev/null || stop_status=$?
	for p in "${pids[@]+"${pids[@]}"}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
	pids=("${keep[@]+"${keep[@]}"}")
}

# reap PID that is to exit by itself within STOP_TIMEOUT s (else stop it)
reap() {
	local pid=$1 i
	for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
		alive "$pid" || break
		sleep 0.1
	done
	stop "$pid"
}

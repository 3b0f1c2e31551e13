#!/usr/bin/env bash
# End to end at scale: 2,000 process services load (nothing made in the
# kernel for them until summoned), `jitsuctl list` shows every one of them
# (page by page, past DPDK telemetry's 256 entries) and `--state` filters;
# a few are summoned and served; a reload changes one; the gateway's SIGTERM
# leaves nothing. (Reload churn: test_reload_churn_e2e.sh.)
# Usage: test_scale_e2e.sh JITSU   (JITSU_SCALE_N: how many, 2000)
set -euo pipefail
jitsu=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/scripts/netns.sh"

N=${JITSU_SCALE_N:-2000}
session_begin scale
mkdir -p "$TMP/www"
echo "www of $SFX" >"$TMP/www/index.html"

# services s0..s(N-1) at 10.77.1.1 on; service s$1 (churn) with idle_timeout $2
conf() {
	gateway_section
	printf 'dns_ttl = 1\nidle_timeout = 600\npending_timeout = 1000\nready_timeout = 5000\n'
	printf 'max_concurrent_summons = 64\n\n'
	awk -v n="$N" -v churn="$1" -v it="$2" -v dir="$TMP/www" 'BEGIN {
		for (i = 0; i < n; i++) {
			printf "[service s%d]\ndns = s%d.example.org\naddress = 10.77.%d.%d\n", \
				i, i, 1 + int(i / 250), 1 + i % 250
			printf "exec = busybox httpd -f -p 80 -h %s\nready = tcp:80\n", dir
			if (i == churn)
				printf "idle_timeout = %d\n", it
			printf "\n"
		}
	}'
}
conf -1 0 >"$TMP/jitsu.conf"

topo_up "$SFX"
t0=$(date +%s%N)
jitsu_start "$jitsu" "$PREFIX" "$TMP/log" "$TMP/jitsu.conf" 
t1=$(date +%s%N)
echo "     $N services loaded in $(((t1 - t0) / 1000000)) ms (telemetry up)"

fail=0 pass=0
check() { # description, command that must succeed
	local what=$1; shift
	if "$@"; then pass=$((pass + 1)); echo "ok   $what"; else fail=$((fail + 1)); echo "FAIL $what"; fi
}
in_cli() { ip netns exec "$CLI_NS" "$@"; }

ctl list >"$TMP/list"
check "jitsuctl list shows all $N services ($(wc -l <"$TMP/list"))" [ "$(wc -l <"$TMP/list")" = "$N" ]
check "... each one once" [ "$(awk '{ print $1 }' "$TMP/list" | sort -u | wc -l)" = "$N" ]
check "... the last one too" grep -q "^s$((N - 1)) " "$TMP/list"
check "... all stopped" [ "$(awk '$2 != "stopped"' "$TMP/list" | wc -l)" = 0 ]
# (the prepared shells, prepared_pool = 8 of them, are no service's)
check "no namespace is made for a service never summoned" \
	bash -c "! ls /run/netns | grep '^jitsu-$SFX-' | grep -vq -- '-POOL[0-9]*\$'"
check "... nor a veth" bash -c "! ip -n '$GW_NS' -o link show | grep ' jv$SFX' | grep -vq ' jv${SFX}P'"
check "... but for the prepared shells: at most 8 ($(ls /run/netns | grep -c -- "^jitsu-$SFX-POOL" || true))" \
	[ "$(ls /run/netns | grep -c -- "^jitsu-$SFX-POOL" || true)" -le 8 ]
# one fd per service would not start with a default ulimit -n of 1024
fds=$(ls "/proc/$JITSU_PID/fd" | wc -l)
check "the gateway holds few fds for $N services ($fds)" [ "$fds" -lt 200 ]

# ---- a few summoned: listed by state, served
for i in 0 7 $((N - 1)); do ctl summon "s$i" >/dev/null; done
for i in 0 7 $((N - 1)); do wait_state "s$i" ready 20 || true; done
ready=$(ctl list --state ready | awk '{ print $1 }' | sort | tr '\n' ' ')
check "jitsuctl list --state ready: the three summoned ($ready)" \
	[ "$ready" = "$(printf 's%s\n' 0 7 $((N - 1)) | sort | tr '\n' ' ')" ]
check "jitsuctl list --state stopped: the others" \
	[ "$(ctl list --state stopped | wc -l)" = "$((N - 3))" ]
check "jitsuctl list --state nosuch: refused" bash -c "! '$JITSUCTL' -f '$PREFIX' list --state nosuch 2>/dev/null"
last=10.77.$((1 + (N - 1) / 250)).$((1 + (N - 1) % 250))
page=$(in_cli curl -s -m 5 "http://$last/" || true)
check "the last service serves at $last (got '$page')" [ "$page" = "www of $SFX" ]

# ---- a reload that changes one service keeps the others running
conf 3 601 >"$TMP/jitsu.conf"
check "a reload of $N services that changes one is accepted" ctl reload
check "... s0 kept running through it" [ "$(state s0)" = ready ]
ctl summon s3 >/dev/null
check "... and the changed one is summoned" wait_state s3 ready
check "... all $N still listed" [ "$(ctl list | wc -l)" = "$N" ]

# ---- shutdown leaves nothing
tree=$(dirname "$(field s0 "['cgroup']")")
t0=$(date +%s%N)
kill -TERM "$JITSU_PID"
st=0
wait "$JITSU_PID" || st=$?
t1=$(date +%s%N)
JITSU_PID=
echo "     shutdown in $(((t1 - t0) / 1000000)) ms"
check "SIGTERM: jitsu exits 0 (got $st)" [ "$st" = 0 ]
check "SIGTERM: no service namespace is left" bash -c "! ls /run/netns | grep -q '^jitsu-$SFX-'"
check "SIGTERM: no busybox of this run is left" bash -c "! pgrep -f '[h]ttpd -f -p 80 -h $TMP/www' >/dev/null"
check "SIGTERM: the cgroup subtree is gone ($tree)" [ ! -d "$tree" ]

echo "e2e scale: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/usr/bin/env bash
# End to end: reload churn. 1,100 reloads that each change one service (of
# ten, one of them running) are all accepted: the ids of removed services
# are reused (once no worker or held packet can still mean them), where
# they used to run out after 1,024; the running service is untouched and a
# service made again by a reload is summoned and serves.
# Usage: test_reload_churn_e2e.sh JITSU   (JITSU_CHURN_RELOADS: how many, 1100)
set -euo pipefail
jitsu=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/scripts/netns.sh"

RELOADS=${JITSU_CHURN_RELOADS:-1100}
session_begin churn
mkdir -p "$TMP/www"
echo "www of $SFX" >"$TMP/www/index.html"

conf() { # conf K IT: services s0..s9, s$K with idle_timeout IT
	gateway_section
	printf 'dns_ttl = 1\nidle_timeout = 600\npending_timeout = 500\nready_timeout = 5000\n\n'
	for i in 0 1 2 3 4 5 6 7 8 9; do
		printf '[service s%d]\ndns = s%d.example.org\naddress = 10.77.1.%d\n' $i $i $((i + 10))
		printf 'exec = busybox httpd -f -p 80 -h %s\nready = tcp:80\n' "$TMP/www"
		[ "$i" = "$1" ] && printf 'idle_timeout = %d\n' "$2"
		printf '\n'
	done
}
conf -1 0 >"$TMP/jitsu.conf"
topo_up "$SFX"
jitsu_start "$jitsu" "$PREFIX" "$TMP/log" "$TMP/jitsu.conf"

fail=0 pass=0
check() { # description, command that must succeed
	local what=$1; shift
	if "$@"; then pass=$((pass + 1)); echo "ok   $what"; else fail=$((fail + 1)); echo "FAIL $what"; fi
}
in_cli() { ip netns exec "$CLI_NS" "$@"; }

ctl summon s0 >/dev/null
wait_state s0 ready || true
pid0=$(field s0 "['pid']")
# A reload that would need an id freed less than pending_timeout + 1 s ago is
# refused with "try again later" (what a worker or a held packet may still
# mean by it): on a fast machine 1,100 reloads come quicker than that, so
# such a refusal is retried, deliberately, and counted apart. Any other
# refusal is a failure.
ok=0 bad=0 later=0 t0=$(date +%s%N)
for r in $(seq "$RELOADS"); do
	conf $((1 + r % 9)) $((600 + r)) >"$TMP/jitsu.conf"
	for _ in $(seq 200); do
		if ctl reload >/dev/null 2>"$TMP/reload.err"; then ok=$((ok + 1)); break; fi
		if grep -q "not reused yet" "$TMP/reload.err"; then later=$((later + 1)); sleep 0.05; continue; fi
		bad=$((bad + 1)); cp "$TMP/reload.err" "$TMP/last.err"; break
	done
done
t1=$(date +%s%N)
echo "     $RELOADS reloads in $(((t1 - t0) / 1000000)) ms ($later retried: ids not reusable yet)"
check "$RELOADS reloads each changing one service: all accepted ($ok ok, $bad refused: $(cat "$TMP/last.err" 2>/dev/null))" \
	[ "$ok" = "$RELOADS" ]
check "s0 ran through them untouched (pid $pid0)" [ "$(state s0)" = ready -a "$(field s0 "['pid']")" = "$pid0" ]
k=$((1 + RELOADS % 9))
ctl summon "s$k" >/dev/null
check "s$k, made again by the last reload, is summoned" wait_state "s$k" ready 10
page=$(in_cli curl -s -m 5 "http://10.77.1.$((k + 10))/" || true)
check "... and serves (got '$page')" [ "$page" = "www of $SFX" ]
check "ten services listed" [ "$(ctl list | wc -l)" = 10 ]

kill -TERM "$JITSU_PID"
st=0
wait "$JITSU_PID" || st=$?
JITSU_PID=
check "SIGTERM: jitsu exits 0 (got $st)" [ "$st" = 0 ]
check "SIGTERM: no service namespace is left" bash -c "! ls /run/netns | grep -q '^jitsu-$SFX-'"

echo "e2e reload churn: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

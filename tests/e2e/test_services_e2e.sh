#!/usr/bin/env bash
# End to end: the control plane and the process backend. A client namespace
# asks the gateway (running in its own namespace) for services that are
# busybox httpd processes in namespaces the gateway makes; dig summons them,
# curl reaches them through the gateway, idle ones stop, broken ones fail and
# are retried, spoofed packets are dropped, jitsuctl drives it, and nothing of
# it is left once the gateway exits.
# Usage: test_services_e2e.sh JITSU
set -euo pipefail
jitsu=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/scripts/netns.sh"

session_begin e2e

mkdir -p "$TMP/www" "$TMP/api"
echo "www of $SFX" >"$TMP/www/index.html"
echo "api of $SFX" >"$TMP/api/index.html"
cat >"$TMP/notify.py" <<'PY'
import os, socket, time
time.sleep(0.3)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(b"STATUS=up\nREADY=1", os.environ["NOTIFY_SOCKET"])
time.sleep(3600)
PY
{
	gateway_section
	cat <<CONF
dns_ttl = 1
idle_timeout = 600
failure_backoff = 2000
stop_grace = 1000
ready_timeout = 60000

[service www]
dns = www.example.org
address = 10.77.1.10
exec = busybox httpd -f -p 80 -h $TMP/www
ready = tcp:80

[service api]
dns = api.example.org
address = 10.77.1.11
exec = busybox httpd -f -p 8080 -h $TMP/api
ready = tcp:8080
idle_timeout = 600

[service paused]
dns = paused.example.org
address = 10.77.1.12
exec = busybox httpd -f -p 80 -h $TMP/www
ready = tcp:80
stop = pause

[service notified]
dns = notified.example.org
address = 10.77.1.13
exec = /usr/bin/python3 $TMP/notify.py
ready = notify
idle_timeout = 600

[service broken]
dns = broken.example.org
address = 10.77.1.14
exec = /nonexistent/jitsu-no-such-command
idle_timeout = 600

[service slow]
dns = slow.example.org
address = 10.77.1.16
exec = /usr/bin/python3 $TMP/notify.py
ready = notify
dns_reply = ready
idle_timeout = 600

[service brokenwait]
dns = brokenwait.example.org
address = 10.77.1.17
exec = /nonexistent/jitsu-no-such-command
dns_reply = ready

[service late]
dns = late.example.org
address = 10.77.1.18
exec = sh -c 'sleep 0.3 && exec busybox httpd -f -p 80 -h $TMP/www'
ready = tcp:80
idle_timeout = 600

[service idler]
dns = idler.example.org
address = 10.77.1.19
exec = busybox httpd -f -p 80 -h $TMP/www
ready = tcp:80
idle_timeout = 2

[service crashy]
dns = crashy.example.org
address = 10.77.1.15
exec = sh -c 'sleep 0.1 && exit 3'
ready = tcp:80
CONF
} >"$TMP/jitsu.conf"

topo_up "$SFX"
# the client cached another MAC for the gateway (an earlier run's, say)
ip -n "$CLI_NS" neigh replace 10.77.0.1 lladdr 02:00:00:00:00:99 dev "jcl$SFX" nud stale
# what a crashed run left under this run's prefixes, claimed by no service
ip netns add "jitsu-$SFX-ghost"
ip -n "$GW_NS" link add "jv${SFX}77" type veth peer name "jw${SFX}77"
jitsu_start "$jitsu" "$PREFIX" "$TMP/log" "$TMP/jitsu.conf"

fail=0 pass=0
check() { # description, command that must succeed
	local what=$1; shift
	if "$@"; then pass=$((pass + 1)); echo "ok   $what"; else fail=$((fail + 1)); echo "FAIL $what"; fi
}
in_cli() { ip netns exec "$CLI_NS" "$@"; }
dig_a() { in_cli dig @10.77.0.1 +tries=2 +time=2 +short "$1" A; }

baseline=$(counter mbuf_in_use) # the ports' own: a tap fills its rx ring

# ---- the gateway announced itself at start (gratuitous ARP)
upmac=$(ip -n "$GW_NS" -o link show "jup$SFX" | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
client_cached_gw() {
	cached=$(ip -n "$CLI_NS" neigh show 10.77.0.1 | grep -o 'lladdr [0-9a-f:]*' | cut -d' ' -f2)
	[ "$cached" = "$upmac" ]
}
wait_until "$JITSU_TEST_DEADLINE" client_cached_gw || true
check "a gratuitous ARP at start replaced the client's stale entry for the gateway ($cached, uplink $upmac)" \
	[ "$cached" = "$upmac" ]
check "announcements counted: arp_announce $(counter arp_announce)" [ "$(counter arp_announce)" -ge 2 ]

check "an earlier run's namespace that no service claims is removed" \
	[ ! -e "/run/netns/jitsu-$SFX-ghost" ]
check "and its link" bash -c "! ip -n '$GW_NS' link show 'jv${SFX}77' >/dev/null 2>&1"

# ---- a cold service: summoned by DNS, reached through the gateway
states=$(ctl list | awk '{print $2}' | sort -u | tr '\n' ' ')
check "every service starts stopped (states: $states)" [ "$states" = "stopped " ]
check "dig answers for a cold service" [ "$(dig_a www.example.org)" = "10.77.1.10" ]
check "the query summons it and it becomes ready" wait_state www ready
page=$(in_cli curl -s -m 5 http://10.77.1.10/ || true)
check "curl through the gateway gets the page (got '$page')" [ "$page" = "www of $SFX" ]
pid=$(field www "['pid']")
check "the service is a process in its own namespace (pid $pid)" \
	[ "$(stat -L -c %i "/proc/$pid/ns/net")" = "$(stat -L -c %i "/run/netns/jitsu-$SFX-www")" ]
check "phases recorded: trigger-to-ready count 1" [ "$(field www "['total']['count']")" = 1 ]

# ---- idle stop, then summoned again by the next query: a service of its own
# (idle_timeout = 2; every other one has 600, far longer than the checks), of
# which only the stop is checked, never the READY state its timer ends
stopped_after() { [ "$(field "$1" "['stops']")" -ge "$2" ] && state_is "$1" stopped; }
summons_reach() { [ "$(field "$1" "['summons']")" -ge "$2" ]; }
check "idler: dig answers and summons it" [ "$(dig_a idler.example.org)" = "10.77.1.19" ]
check "idle for 2 s: stopped" wait_until "$JITSU_TEST_DEADLINE" stopped_after idler 1
check "its process is gone (none left in its namespace)" \
	bash -c "[ -z \"\$(ip netns pids jitsu-$SFX-idler 2>/dev/null)\" ]"
check "the next query summons it again" [ "$(dig_a idler.example.org)" = "10.77.1.19" ]
check "two summons in all" wait_until "$JITSU_TEST_DEADLINE" summons_reach idler 2
check "and it stops again when idle" wait_until "$JITSU_TEST_DEADLINE" stopped_after idler 2

# ---- a flood of queries for one cold service: one summon
for i in $(seq 200); do echo "api.example.org A"; done >"$TMP/queries"
in_cli dig @10.77.0.1 +tries=1 +time=2 +short -f "$TMP/queries" >"$TMP/answers" || true
check "200 queries answered ($(grep -c 10.77.1.11 "$TMP/answers"))" [ "$(grep -c 10.77.1.11 "$TMP/answers")" -ge 195 ]
wait_state api ready || true
check "exactly one summon for the flood ($(field api "['summons']"))" [ "$(field api "['summons']")" = 1 ]
page=$(in_cli curl -s -m 5 http://10.77.1.11:8080/ || true)
check "api serves on 8080 (got '$page')" [ "$page" = "api of $SFX" ]

# ---- readiness by notification
dig_a notified.example.org >/dev/null
check "notify: ready once it sent READY=1" wait_state notified ready
check "notify: ready took the service's 0.3 s ($(field notified "['ready']['p50_us']") us)" \
	[ "$(field notified "['ready']['p50_us']")" -ge 250000 ]

# ---- readiness by the dataplane's SYN probe (ready = tcp:PORT): refused by
# the service's stack while nothing listens, then answered and reset
sent=$(counter probe_sent) answered=$(counter probe_answered) refused=$(counter probe_refused)
check "tcp:PORT: the SYN probes were answered so far ($sent sent, $answered answered)" \
	[ "$answered" -ge 3 -a "$sent" -ge "$answered" ]
dig_a late.example.org >/dev/null
check "tcp:PORT: a service that listens after 0.3 s becomes ready" wait_state late ready
check "tcp:PORT: its probes were refused until then ($refused -> $(counter probe_refused))" \
	[ "$(counter probe_refused)" -gt "$refused" ]
check "tcp:PORT: ready only once it listened ($(field late "['ready']['p50_us']") us)" \
	[ "$(field late "['ready']['p50_us']")" -ge 250000 ]
page=$(in_cli curl -s -m 5 http://10.77.1.18/ || true)
check "tcp:PORT: it serves (got '$page')" [ "$page" = "www of $SFX" ]
# (the RST that answers the last probe's SYN-ACK may still be on its way
# when the service is READY: waited for, a hang only reaches the deadline)
check "tcp:PORT: the probes' half-open connections were reset: none left" \
	wait_until "$JITSU_TEST_DEADLINE" bash -c "! ip netns exec jitsu-$SFX-late ss -Htn state syn-recv | grep -q ."

# ---- dns_reply = ready: the answer waits for the service, or says SERVFAIL
out=$(in_cli dig @10.77.0.1 +tries=1 +time=60 slow.example.org A)
qt=$(sed -n 's/^;; Query time: \([0-9]*\) msec/\1/p' <<<"$out")
check "dns_reply = ready: answered with the address" grep -q "^slow.example.org.*10.77.1.16" <<<"$out"
check "dns_reply = ready: only once the service was ready (${qt} ms >= 250)" [ "${qt:-0}" -ge 250 ]
check "dns_reply = ready: the service was ready by then" [ "$(state slow)" = ready ]
out=$(in_cli dig @10.77.0.1 +tries=1 +time=60 brokenwait.example.org A || true)
check "dns_reply = ready: a failed summon gives SERVFAIL" grep -q "status: SERVFAIL" <<<"$out"
check "dns_reply = ready: counted" [ "$(counter dns_servfail)" -ge 1 -a "$(counter dns_released)" -ge 1 ]

# ---- pause instead of stop: the same process resumes
dig_a paused.example.org >/dev/null
wait_state paused ready || true
ppid=$(field paused "['pid']")
ctl stop paused >/dev/null
check "pause: stopped on request (stop = pause), its process kept" wait_state paused stopped
# the whole cgroup of the service is frozen, not only its leader
pcg="$(findmnt -n -t cgroup2 -o TARGET | head -1)$(sed -n 's/^0:://p' /proc/$ppid/cgroup)"
# (frozen is reported once every task of it has stopped: waited for)
frozen() { for _ in $(seq 2000); do grep -qx "frozen 1" "$pcg/cgroup.events" && return 0; sleep 0.025; done; return 1; }
check "pause: its cgroup is frozen" frozen
dig_a paused.example.org >/dev/null
check "pause: the next query resumes it" wait_state paused ready
check "pause: same process ($ppid)" [ "$(field paused "['pid']")" = "$ppid" ]
page=$(in_cli curl -s -m 5 http://10.77.1.12/ || true)
check "pause: it serves after resuming" [ "$page" = "www of $SFX" ]
# a paused service whose process dies (killed from outside, while frozen):
# its leaf is thawed, so that the next run does not start frozen (the
# gateway waits for a child's exec: it would hang with it)
ppid=$(field paused "['pid']")
ctl stop paused >/dev/null
wait_state paused stopped || true
check "pause again: frozen" frozen
kill -KILL "$ppid"
check "its process killed while frozen: stopped, no longer paused" \
	wait_until "$JITSU_TEST_DEADLINE" bash -c "[ \"\$('$JITSUCTL' -f '$PREFIX' show paused | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d[\"state\"], d[\"paused\"], d[\"pid\"])')\" = 'stopped 0 0' ]"
dig_a paused.example.org >/dev/null
check "... and the next query starts it anew" wait_state paused ready
check "... a new process ($(field paused "['pid']") after $ppid)" [ "$(field paused "['pid']")" != "$ppid" ]
page=$(in_cli curl -s -m 5 http://10.77.1.12/ || true)
check "... which serves" [ "$page" = "www of $SFX" ]

# ---- failures: a command that does not exist, one that exits during boot
dig_a broken.example.org >/dev/null
# FAILED lasts failure_backoff: its count is what is waited for
failures_reach() { [ "$(field "$1" "['failures']")" -ge "$2" ]; }
check "a missing command: FAILED" wait_until "$JITSU_TEST_DEADLINE" failures_reach broken 1
check "the reason is kept: '$(field broken "['last_error']")'" \
	grep -q "No such file or directory" <<<"$(ctl show broken)"
check "the reason is logged" grep -q "broken: summon failed: cannot run '/nonexistent/jitsu-no-such-command': No such file or directory" "$TMP/log"
check "after the back-off it can be summoned again" wait_state broken stopped
dig_a broken.example.org >/dev/null
wait_until "$JITSU_TEST_DEADLINE" failures_reach broken 2 || true
check "and is: two failures" [ "$(field broken "['failures']")" = 2 ]
dig_a crashy.example.org >/dev/null
check "a command that exits during boot: FAILED" wait_until "$JITSU_TEST_DEADLINE" failures_reach crashy 1
check "with its exit status logged" grep -q "crashy: summon failed: the process exited with status 3 during boot" "$TMP/log"

# ---- anti-spoofing: a service sending with an address that is not its own
before=$(counter drop_spoofed)
ip -n "jitsu-$SFX-www" addr add 10.77.1.99/32 dev eth0
ip netns exec "jitsu-$SFX-www" /usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.77.1.99", 0))
for _ in range(5):
    s.sendto(b"spoof", ("10.77.0.2", 9))'
spoofed_counted() { [ "$(($(counter drop_spoofed) - before))" -ge 5 ]; }
wait_until "$JITSU_TEST_DEADLINE" spoofed_counted || true
after=$(counter drop_spoofed)
check "spoofed packets dropped and counted ($before -> $after)" [ "$((after - before))" -ge 5 ]

# ---- jitsuctl
check "jitsuctl stop www" ctl stop www
check "www stopped on request" wait_state www stopped
check "jitsuctl summon www" ctl summon www
check "www summoned on request" wait_state www ready
check "jitsuctl show of an unknown service fails" bash -c "! \"$JITSUCTL\" -f $PREFIX show nosuch 2>/dev/null"
check "jitsuctl summon of an unknown service fails" bash -c "! \"$JITSUCTL\" -f $PREFIX summon nosuch 2>/dev/null"

# ---- reload: unchanged services keep running and serving, the rest follows
check "www is serving before the reload" wait_state www ready
wpid=$(field www "['pid']")
( ok=0 bad=0
  for i in $(seq 60); do
	if [ "$(in_cli curl -s -m 30 http://10.77.1.10/)" = "www of $SFX" ]; then ok=$((ok + 1)); else bad=$((bad + 1)); fi
	sleep 0.02
  done
  echo "$ok $bad" >"$TMP/during" ) &
loop=$!
sleep 0.3
cp "$TMP/jitsu.conf" "$TMP/jitsu.conf.orig"
/usr/bin/python3 - "$TMP/jitsu.conf" <<'PY'
import re, sys
p = sys.argv[1]
t = open(p).read()
t = re.sub(r"\[service notified\][^\[]*", "", t)                   # removed
t = t.replace("ready = tcp:8080\nidle_timeout = 600", "ready = tcp:8080\nidle_timeout = 500")  # changed
t += "\n[service extra]\ndns = extra.example.org\naddress = 10.77.1.20\n" \
     "exec = busybox httpd -f -p 80 -h " + p.rsplit("/", 1)[0] + "/www\nready = tcp:80\n"  # added
open(p, "w").write(t)
PY
out=$(ctl reload 2>&1)
check "jitsuctl reload: $out" grep -q "^reloaded" <<<"$out"
wait "$loop" || true
read -r ok bad <"$TMP/during"
check "www served all through the reload ($ok ok, $bad failed)" [ "$bad" -eq 0 -a "$ok" -eq 60 ]
check "www kept its process ($wpid)" [ "$(field www "['pid']")" = "$wpid" -a "$(state www)" = ready ]
check "a removed service is gone from DNS" grep -q "status: NXDOMAIN" <<<"$(in_cli dig @10.77.0.1 +tries=2 +time=2 notified.example.org A)"
check "a removed service's process is gone" [ -z "$(state notified)" ]
check "a changed service starts afresh" [ "$(state api)" = stopped -a "$(field api "['summons']")" = 0 ]
check "a new service answers" [ "$(dig_a extra.example.org)" = "10.77.1.20" ]
check "and is summoned" wait_state extra ready
check "and serves" [ "$(in_cli curl -s -m 5 http://10.77.1.20/ || true)" = "www of $SFX" ]
printf '[gateway]\naddress = 10.77.0.1\n[service bad]\nnot a line\n' >"$TMP/jitsu.conf"
out=$(ctl reload 2>&1 || true)
check "a bad configuration is refused: $out" grep -q "reload refused" <<<"$out"
check "and the running one stays" [ "$(dig_a extra.example.org)" = "10.77.1.20" -a "$(state www)" = ready ]
# max_pending sized the workers' synjitsu tables at start: refused, as ports are
sed 's/^\[gateway\]$/[gateway]\nmax_pending = 77/' "$TMP/jitsu.conf.orig" >"$TMP/jitsu.conf"
out=$(ctl reload 2>&1 || true)
check "a reload that changes max_pending is refused: $out" grep -q "reload refused.*max_pending" <<<"$out"
cp "$TMP/jitsu.conf.orig" "$TMP/jitsu.conf"
kill -HUP "$JITSU_PID"
hup_reloaded() { [ -n "$(state notified)" ] && [ -z "$(state extra)" ]; }
wait_until "$JITSU_TEST_DEADLINE" hup_reloaded || true
check "SIGHUP reloads too: notified is back, extra is gone" [ -n "$(state notified)" -a -z "$(state extra)" ]
check "www still untouched ($wpid)" [ "$(field www "['pid']")" = "$wpid" ]

mbufs_back() { [ "$(counter mbuf_in_use)" -eq "$baseline" ]; }
wait_until "$JITSU_TEST_DEADLINE" mbufs_back || true
check "mbufs in use back to the ports' own ($baseline -> $(counter mbuf_in_use))" \
	[ "$(counter mbuf_in_use)" -eq "$baseline" ]

# ---- nothing is left once the gateway exits
pids=$(for s in www api paused notified slow; do field $s "['pid']"; done | grep -v '^0$' | tr '\n' ' ')
kill -TERM "$JITSU_PID"
rc=0
wait "$JITSU_PID" || rc=$?
JITSU_PID=
check "SIGTERM: exit status 0 (got $rc)" [ "$rc" -eq 0 ]
check "no service process left ($pids)" bash -c "for p in $pids; do ! kill -0 \$p 2>/dev/null || exit 1; done"
check "no service namespace left" bash -c "! ls /run/netns | grep -q '^jitsu-$SFX-'"
check "no veth or bridge left in the gateway namespace" \
	bash -c "! ip -n $GW_NS -o link | grep -qE 'jv$SFX|jbr$SFX'"

[ "$fail" -eq 0 ] || { echo "--- jitsu log"; cat "$TMP/log"; }
echo "e2e services: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

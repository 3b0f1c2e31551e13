#!/usr/bin/env bash
# End to end: process services contained in cgroup v2. A service that
# daemonises (busybox httpd without -f, and a `setsid ... &` of its own) is
# served by its daemon and leaves nothing after a stop or the gateway's
# shutdown; a memory hog is stopped by its memory_max (or refused, where the
# memory controller is not delegated); a crash-looping `ready = start`
# service backs off exponentially; the gateway killed with SIGKILL leaves its
# services running, and a restart kills them (process_recover = kill) or
# adopts them (adopt), with nothing left after the clean stop. A service
# with user = nobody runs as nobody (port 80 still its own), cannot leave
# its cgroup, and is stopped only once every process of it is gone (a child
# that ignores SIGTERM is killed, and the stop waits for it).
# Usage: test_cgroup_e2e.sh JITSU
set -euo pipefail
jitsu=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/scripts/netns.sh"

cg2=$(findmnt -n -t cgroup2 -o TARGET | head -1)
if [ -z "$cg2" ]; then
	echo "e2e cgroup: skipped (no cgroup v2 mounted)"
	exit 0
fi

session_begin cgroup
# the services' subtree, beside what session_end removes: whatever a failed
# check left in it is killed on exit
tree=
cg_end() {
	session_end
	if [ -n "$tree" ] && [ -d "$tree" ]; then
		for leaf in "$tree"/*/; do
			[ -d "$leaf" ] || continue
			echo 1 >"$leaf/cgroup.kill" 2>/dev/null || true
			for _ in $(seq 200); do grep -qx "populated 0" "$leaf/cgroup.events" && break; sleep 0.025; done
			rmdir "$leaf" 2>/dev/null || true
		done
		rmdir "$tree" 2>/dev/null || true
	fi
}
trap cg_end EXIT

mkdir -p "$TMP/www" "$TMP/usr"
echo "www of $SFX" >"$TMP/www/index.html"
chmod 755 "$TMP" "$TMP/www" # the user = nobody service serves it too
chmod 1777 "$TMP/usr"      # where it says whether it could leave its cgroup
conf() { # conf RECOVER: the configuration, with process_recover = RECOVER
	gateway_section
	cat <<CONF
dns_ttl = 1
idle_timeout = 600
failure_backoff = 100
stop_grace = 1000
ready_timeout = 5000
process_recover = $1
dynamic_user_base = 1500000000

[service www]
dns = www.example.org
address = 10.77.1.10
exec = sh -c 'setsid sleep 3600 & exec busybox httpd -p 80 -h $TMP/www'
ready = tcp:80

[service hog]
dns = hog.example.org
address = 10.77.1.11
exec = /usr/bin/python3 $TMP/hog.py
memory_max = 64

[service crashloop]
dns = crashloop.example.org
address = 10.77.1.12
exec = false

[service usr]
dns = usr.example.org
address = 10.77.1.13
user = nobody
exec = sh $TMP/usr.sh
ready = tcp:80

[service usr2]
dns = usr2.example.org
address = 10.77.1.15
user = nobody
exec = busybox httpd -f -p 80 -h $TMP/www

[service dyn]
dns = dyn.example.org
address = 10.77.1.14
user = dynamic
exec = busybox httpd -f -p 80 -h $TMP/www
ready = tcp:80
CONF
}
cat >"$TMP/hog.py" <<'PY'
import time
b = bytearray(512 << 20)
for i in range(0, len(b), 4096):
    b[i] = 1
time.sleep(600)
PY
cat >"$TMP/usr.sh" <<SH
(trap "" TERM; exec sleep 3600) &
if echo \$\$ >$cg2/cgroup.procs; then echo escaped; else echo contained; fi >$TMP/usr/escape 2>&1
exec busybox httpd -f -p 80 -h $TMP/www
SH
chmod 644 "$TMP/usr.sh"
conf kill >"$TMP/kill.conf"
conf adopt >"$TMP/adopt.conf"

topo_up "$SFX"
jitsu_start "$jitsu" "$PREFIX" "$TMP/log" "$TMP/kill.conf"

fail=0 pass=0
check() { # description, command that must succeed
	local what=$1; shift
	if "$@"; then pass=$((pass + 1)); echo "ok   $what"; else fail=$((fail + 1)); echo "FAIL $what"; fi
}
in_cli() { ip netns exec "$CLI_NS" "$@"; }
# until: COMMAND... holds (the deadline: a hang only)
until_ok() { wait_until "$JITSU_TEST_DEADLINE" "$@"; }
alive() { # alive PID...: every one exists and is not a zombie
	local p
	for p in "$@"; do
		[ -r "/proc/$p/stat" ] || return 1
		[ "$(awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$p/stat")" != Z ] || return 1
	done
}
none_alive() { local p; for p in "$@"; do ! alive "$p" || return 1; done; }
procs() { cat "$1/cgroup.procs" 2>/dev/null | tr '\n' ' '; }
# settled LEAF: the daemonising www is down to its two daemons (the leader
# that forked them may still be on its way out when it is ready)
settled() { [ "$(wc -w <<<"$(procs "$1")")" = 2 ] && alive $(procs "$1"); }
empty_or_gone() { [ ! -d "$1" ] || grep -qx "populated 0" "$1/cgroup.events"; }

# ---- a daemonising service: its daemons are the service, in its cgroup
ctl summon www >/dev/null
check "a daemonising service becomes ready (its daemon answers the probe)" wait_state www ready
leaf=$(field www "['cgroup']")
tree=$(dirname "$leaf")
until_ok settled "$leaf" || true
check "its cgroup is under the gateway's subtree ($leaf)" [ "$(basename "$tree")" = "jitsu-$SFX" ]
pids=$(procs "$leaf")
n=$(wc -w <<<"$pids")
check "the daemon and the setsid'd sleep are in it ($pids)" [ "$n" -ge 2 ]
lead=$(field www "['pid']")
check "the service's pid is a process of its cgroup ($lead)" grep -qw "$lead" <<<"$pids"
page=$(in_cli curl -s -m 5 http://10.77.1.10/ || true)
check "the daemon serves (got '$page')" [ "$page" = "www of $SFX" ]
ctl stop www >/dev/null
check "stop: stopped" wait_state www stopped
check "stop: every process of it is gone ($pids)" until_ok none_alive $pids
check "stop: its cgroup is empty" empty_or_gone "$leaf"

# ---- user = nobody: its processes are nobody's, in its cgroup to stay
uids() { local p; for p in $(procs "$1"); do awk '$1 == "Uid:" { print $2 }' "/proc/$p/status"; done | sort -u | tr '\n' ' '; }
ctl summon usr >/dev/null
check "user = nobody: ready on port 80 of its namespace" wait_state usr ready
uleaf=$(field usr "['cgroup']")
check "user = nobody: its httpd and the child that ignores SIGTERM are in its leaf" \
	until_ok bash -c "[ \"\$(cat '$uleaf/cgroup.procs' | wc -l)\" = 2 ]"
upids=$(procs "$uleaf")
nnp() { local p; for p in $(procs "$1"); do awk '$1 == "NoNewPrivs:" { print $2 }' "/proc/$p/status"; done | sort -u | tr '\n' ' '; }
check "user = nobody: no new privileges for any of them ($(nnp "$uleaf"))" [ "$(nnp "$uleaf")" = "1 " ]
check "user = nobody: every process of it runs as 65534 ($(uids "$uleaf"))" [ "$(uids "$uleaf")" = "65534 " ]
page=$(in_cli curl -s -m 5 http://10.77.1.13/ || true)
check "user = nobody: it serves (got '$page')" [ "$page" = "www of $SFX" ]
check "user = nobody: it could not leave its cgroup ($(cat "$TMP/usr/escape" 2>/dev/null))" \
	grep -q contained "$TMP/usr/escape"
# user = dynamic: a uid of its own (the base + its id), not nobody's
ctl summon dyn >/dev/null
check "user = dynamic: ready" wait_state dyn ready
duid=$(field dyn "['uid']")
check "user = dynamic: a uid and gid of its own above the base ($duid:$(field dyn "['gid']"))" \
	[ "$duid" -ge 1500000000 -a "$(field dyn "['gid']")" = "$duid" -a "$(field usr "['uid']")" = 65534 ]
check "... which its process runs as ($(uids "$(field dyn "['cgroup']")"))" [ "$(uids "$(field dyn "['cgroup']")")" = "$duid " ]
page=$(in_cli curl -s -m 5 http://10.77.1.14/ || true)
check "... and it serves (got '$page')" [ "$page" = "www of $SFX" ]
ctl stop dyn >/dev/null
check "two services of one user are said at load to share its uid" \
	grep -q "usr2 run as one uid (65534, user = nobody)\|usr run as one uid (65534, user = nobody)" "$TMP/log"
check "... and a dynamic one is not" bash -c "! grep -q 'dyn and .* run as one uid\|and dyn run as one uid' '$TMP/log'"
check "... stopped" wait_state dyn stopped
ctl stop usr >/dev/null
# its child ignores SIGTERM: the leader goes, and the leaf is killed with
# it; stopped means every process of it is gone, at that very moment
check "stop: stopped (a child of it ignores SIGTERM)" wait_state usr stopped
check "... the child killed with its leader, gone when it is stopped ($upids)" none_alive $upids
check "... its cgroup is empty" empty_or_gone "$uleaf"

# ---- a memory hog meets its memory_max
ctl summon hog >/dev/null
# FAILED lasts failure_backoff (100 ms): its count is what is waited for
check "the hog fails" until_ok bash -c "[ \"\$('$JITSUCTL' -f '$PREFIX' show hog | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"failures\"])')\" -ge 1 ]"
why=$(field hog "['last_error']")
if grep -qw memory "$tree/cgroup.subtree_control" 2>/dev/null; then
	check "killed by its limit: '$why'" grep -q "OOM killer at its memory_max" <<<"$why"
else
	echo "     (the memory controller is not delegated here: the limit is refused instead)"
	check "its memory_max is refused with a reason: '$why'" \
		grep -q "memory_max: the memory controller is not enabled" <<<"$why"
fi
check "nothing of the hog is left" empty_or_gone "$tree/hog"

# ---- a crash loop: exec = false, ready = start, backs off 100, 200, 400...
for k in 1 2 3 4 5; do
	until_ok bash -c "[ \"\$('$JITSUCTL' -f '$PREFIX' list | awk '\$1 == \"crashloop\" { print \$2 }')\" = stopped ]" || true
	ctl summon crashloop >/dev/null || true
	until_ok bash -c "[ \"\$('$JITSUCTL' -f '$PREFIX' show crashloop | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"failures\"])')\" -ge $k ]" || true
	got=$(field crashloop "['backoff_ms']")
	inrow=$(field crashloop "['failures_in_a_row']")
	check "crash loop: failure $k in a row ($inrow) backs off $((100 << (k - 1))) ms ($got)" \
		[ "$inrow" = "$k" -a "$got" = "$((100 << (k - 1)))" ]
done

# ---- kill -9 of the gateway: process_recover = kill
ctl summon www >/dev/null
wait_state www ready || true
until_ok settled "$leaf" || true
old=$(procs "$leaf")
kill -KILL "$JITSU_PID"
wait "$JITSU_PID" 2>/dev/null || true
check "after SIGKILL of the gateway its service runs on, contained ($old)" alive $old
check "... still in its cgroup" [ "$(procs "$leaf")" = "$old" ]
jitsu_start "$jitsu" "$PREFIX" "$TMP/log2" "$TMP/kill.conf"
check "restart (process_recover = kill): the old processes are gone ($old)" until_ok none_alive $old
check "... and www is stopped, to be summoned anew" [ "$(state www)" = stopped ]

# ---- kill -9 again: process_recover = adopt
ctl summon www >/dev/null
wait_state www ready || true
until_ok settled "$leaf" || true
old=$(procs "$leaf")
oldlead=$(field www "['pid']")
kill -KILL "$JITSU_PID"
wait "$JITSU_PID" 2>/dev/null || true
jitsu_start "$jitsu" "$PREFIX" "$TMP/log3" "$TMP/adopt.conf"
check "restart (process_recover = adopt): www is ready without a summon" wait_state www ready
check "... on the same processes ($old)" alive $old
check "... its leader the old one ($oldlead = $(field www "['pid']"))" [ "$(field www "['pid']")" = "$oldlead" ]
check "... no summon in this run" [ "$(field www "['summons']")" = 0 ]
page=$(in_cli curl -s -m 5 http://10.77.1.10/ || true)
check "... and it serves through its namespace plumbed again (got '$page')" [ "$page" = "www of $SFX" ]

# ---- a clean stop leaves nothing of any run
kill -TERM "$JITSU_PID"
st=0
wait "$JITSU_PID" || st=$?
JITSU_PID=
check "SIGTERM: jitsu exits 0 (got $st)" [ "$st" = 0 ]
check "SIGTERM: no process of any run is left ($old)" until_ok none_alive $old
check "SIGTERM: the services' cgroup subtree is gone ($tree)" [ ! -d "$tree" ]
check "SIGTERM: no service namespace is left" bash -c "! ls /run/netns | grep -q '^jitsu-$SFX-'"

[ "$fail" -eq 0 ] || grep -v "^EAL\|TELEMETRY" "$TMP/log3" | tail -25
echo "e2e cgroup: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

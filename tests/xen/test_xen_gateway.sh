#!/bin/bash
# The gateway on real Xen (issue 6), run inside the testbed's dom0 by
# scripts/xen-testbed.sh: the real jitsu (DPDK, --no-huge) with its uplink on
# a veth to a client namespace and its downlink (net_tap) on the bridge where
# the guests' vifs go; services are PV guests (the guest kernel with a busybox
# initramfs that serves HTTP on the address given on its command line and
# then writes data/jitsu-ready into xenstore).
#
#   test_xen_gateway.sh DIR   (DIR holds jitsu, jitsuctl, guest-vmlinuz, guest.cpio.gz)
#
# From the client namespace: dig summons through libxl, curl connects (its
# SYN held by synjitsu while the guest boots, retransmissions absorbed) and
# is answered once the guest answers the dataplane's SYN probe (ready =
# tcp:80); the idle timeout destroys the domain (xl list); a guest that
# reboots is booted again (on_reboot = restart); one that crashes has its
# core dumped (on_crash = coredump-destroy), turns FAILED and is summoned
# again; a suspend service is saved and
# restored; a pause service is paused and unpaused; a shutdown service is
# asked and powers itself off; a PVH guest boots and serves, and when it
# crashes is kept (on_crash = preserve) until the operator destroys it; jitsu killed and started again adopts the
# running domains (xen_recover = adopt) or destroys them (destroy, and those
# no service claims); a guest that powers off turns FAILED; two domains boot
# at the same time; on SIGTERM jitsu
# leaves no domain behind. Prints the per-phase times.
# Everything is inside the testbed VM, which has no network card.
#
# Nothing here depends on the machine's speed (a domain create takes ~6 s on
# the author's machine, 13.6 s or more on slower ones, and more under
# `make check-slow`): every wait is for a state or an event, bounded by D
# seconds (JITSU_XEN_DEADLINE, 900) that only a hang reaches; no check of a
# state races a timer of this configuration (the services' idle timeouts
# are an hour, except idl's, which is checked only for its idle stop);
# ready_timeout and pending_timeout are the longest the gateway allows. The
# client waits for a boot deliberately: its namespace retries a SYN for
# ~8.5 min (net.ipv4.tcp_syn_retries = 8, not Linux's 6, ~127 s) and curl
# is given as long (fetch: --connect-timeout 600), so the connect outlasts
# any boot but a hung one.
# One limit is libxl's, not this test's: libxl gives a vif's hotplug script
# 40 s (LIBXL_HOTPLUG_TIMEOUT, built in), and a domain create fails past it;
# on a machine ~8x slower than the author's (make check-slow beside five
# other engineers' builds) www's create failed after 83 s, most likely on
# that timeout (the run was stopped before libxl's log was printed).
set -uo pipefail
D=${JITSU_XEN_DEADLINE:-900}

dir=$(cd "${1:?usage: $0 DIR}" && pwd)
jitsu=$dir/jitsu
jitsuctl=$dir/jitsuctl
guest_kernel=${GUEST_KERNEL:-$dir/guest-vmlinuz}
guest_initrd=${GUEST_INITRD:-$dir/guest.cpio.gz}
prefix=jitsu-xen
cli=jitsu-cli
tmp=$(mktemp -d)
jpid=

fail=0 pass=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

cleanup() {
	if [ -n "$jpid" ] && kill -0 "$jpid" 2>/dev/null; then
		kill -TERM "$jpid"
		for _ in $(seq 300); do kill -0 "$jpid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$jpid" 2>/dev/null
	fi
	ip netns del "$cli" 2>/dev/null
	umount "$tmp/state" 2>/dev/null
	rm -rf "$tmp" "/var/run/dpdk/$prefix"
}
trap cleanup EXIT
trap 'exit 1' TERM

ms() { date +%s%3N; }
# jitsu dying ends the test at once, with its log (a crash prints its stack)
ctl() {
	if [ -n "$jpid" ] && ! kill -0 "$jpid" 2>/dev/null; then
		echo "FAIL jitsu died; its log:" >&2
		# the mappings a crash report ends with: only the code's
		grep -Ev '^[0-9a-f]+-[0-9a-f]+ ([r-][w-][x-][ps]) ' "$tmp/jitsu.log" | tail -n 60 >&2
		grep -E '^[0-9a-f]+-[0-9a-f]+ r-xp ' "$tmp/jitsu.log" >&2
		kill -TERM $$ # from a $(...) too
		exit 1
	fi
	"$jitsuctl" -f "$prefix" "$@"
}
state() { ctl list | awk -v n="$1" '$1 == n { print $2 }'; }
# json NAME KEY: a field of jitsuctl show NAME; KEY may be a path (synjitsu.held:
# "held" is also a key of the proxy's section)
json() {
	ctl show "$1" | python3 -c '
import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v.get(k, "") if isinstance(v, dict) else ""
print(v)' "$2" 2>/dev/null
}
# wait_until SECONDS COMMAND...: until COMMAND succeeds, by the clock (a
# jitsuctl call itself takes a while under emulation)
wait_until() {
	local end=$((SECONDS + $1))
	shift
	while [ "$SECONDS" -lt "$end" ]; do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}
state_is() { [ "$(state "$1")" = "$2" ]; }
count_reaches() { [ "$(json "$1" "$2")" -ge "$3" ] 2>/dev/null; }
wait_state() { # NAME STATE SECONDS
	wait_until "$3" state_is "$1" "$2" && return 0
	echo "     $1 is $(state "$1"), not $2 (last error: $(json "$1" last_error))"
	return 1
}
wait_json() { # NAME KEY N SECONDS: until the service's count KEY reaches N
	# (failures: a FAILED state lasts only failure_backoff; the count stays)
	wait_until "$4" count_reaches "$1" "$2" "$3" && return 0
	echo "     $1 is $(state "$1"), $2 $(json "$1" "$2")"
	return 1
}
in_cli() { ip netns exec "$cli" "$@"; }
# fetch URL: the body, by a client that waits for a boot however long it takes
fetch() { in_cli curl -s --connect-timeout 600 --max-time 900 "$1"; }
domain_listed() { xl list 2>/dev/null | awk '{ print $1 }' | grep -qx "$1"; }
domain_absent() { ! domain_listed "$1"; }
domain_state() { xl list "$1" 2>/dev/null | awk 'NR == 2 { print $5 }'; }

# ---- topology: client namespace -- veth -- jitsu (dom0) -- bridge -- vifs ----
ip netns add "$cli"
ip -n "$cli" link set lo up
ip link add jup0 type veth peer name jcl0 netns "$cli"
ip link set jup0 up
ip -n "$cli" addr add 10.77.0.2/24 dev jcl0
ip -n "$cli" link set jcl0 up
ip -n "$cli" route add 10.77.0.0/16 via 10.77.0.1
in_cli ethtool -K jcl0 tx off >/dev/null 2>&1 || true
# the client retries its SYN for ~511 s (1 + 2 + ... + 256), not ~127 s
in_cli sysctl -qw net.ipv4.tcp_syn_retries=8

# suspended images (96 MiB guests) go to a tmpfs of their own: dom0's root
# is an initramfs with little room left
mkdir -p "$tmp/state"
mount -t tmpfs -o size=256m,mode=0700 jitsu-state "$tmp/state"

cat >"$tmp/jitsu.conf" <<EOF
[gateway]
address = 10.77.0.1
zones = example.org
bridge = jitsubr0
synjitsu = buffer
ready_timeout = 600000
pending_timeout = 600000
stop_grace = 20000
max_concurrent_summons = 2
failure_backoff = 1000
state_dir = $tmp/state

[ports]
uplink = 0
downlink = 1
EOF
# one service per stop mode: destroy, suspend, pause, shutdown; each a PV
# guest that says its name; a PVH guest; and idl, whose 5 s idle timeout
# is checked only for the stop it makes (which needs tsc_mode = native
# under QEMU's emulated CPU). www is ready when it answers the dataplane's SYN
# probe, the others when they write data/jitsu-ready into xenstore.
while read -r svc ip stop idle ready type more; do
	printf 'type = "%s"\ntsc_mode = "%s"\nkernel = "%s"\nramdisk = "%s"\nextra = "%s"\nmemory = 96\nvcpus = 1\n' \
		"$type" "$([ "$type" = pvh ] && echo native || echo default)" "$guest_kernel" "$guest_initrd" "console=hvc0 quiet jitsu_ip=$ip/24 jitsu_gw=10.77.0.1 jitsu_name=$svc" \
		>"$tmp/$svc.cfg"
	for kv in $more; do printf '%s = "%s"\n' "${kv%%=*}" "${kv#*=}" >>"$tmp/$svc.cfg"; done
	printf '\n[service %s]\ndns = %s.example.org\naddress = %s\nbackend = libxl\nxl = %s\nready = %s\nstop = %s\nidle_timeout = %s\n' \
		"$svc" "$svc" "$ip" "$tmp/$svc.cfg" "$ready" "$stop" "$idle" >>"$tmp/jitsu.conf"
done <<EOF
www 10.77.1.10 destroy 3600 tcp:80 pv on_crash=coredump-destroy
sus 10.77.1.11 suspend 3600 xenstore:data/jitsu-ready pv
pau 10.77.1.12 pause 3600 xenstore:data/jitsu-ready pv
shu 10.77.1.13 shutdown 3600 tcp:80 pv
pvh 10.77.1.14 destroy 3600 tcp:80 pvh on_crash=preserve
idl 10.77.1.15 destroy 5 xenstore:data/jitsu-ready pv
EOF

check "jitsu -n accepts the configuration on a dom0" \
	"$jitsu" -l 0-1 --no-huge -m 256 --no-pci --file-prefix "$prefix-n" --vdev=net_null0 \
	--vdev=net_null1 --log-level=*:error -- -c "$tmp/jitsu.conf" -n
rm -rf "/var/run/dpdk/$prefix-n"

# jitsu_start CONF: run jitsu (in the background, $jpid) until it answers
# jitsuctl. JITSU_XEN_GDB=1: under gdb, which prints the stack if it crashes.
dbg=()
[ "${JITSU_XEN_GDB:-0}" = 1 ] && dbg=(gdb -q -batch -ex run -ex bt -ex "info registers rip" --args)
jitsu_start() {
	"${dbg[@]}" "$jitsu" -l 0-1 --no-huge -m 256 --no-pci --file-prefix "$prefix" \
		--log-level=lib.eal:error --log-level=pmd.net.tap:critical \
		--vdev=net_af_packet0,iface=jup0 --vdev=net_tap0,iface=jdn0 \
		-- -c "$1" >>"$tmp/jitsu.log" 2>&1 &
	jpid=$!
	wait_until "$D" ctl list >/dev/null 2>&1
}
# counter NAME: one of jitsu's counters (jitsuctl stats)
counter() { ctl stats | python3 -c "import json, sys; print(json.load(sys.stdin)['$1'])"; }
domain_gone() { # NAME SECONDS
	wait_until "$2" domain_absent "$1"
}
jitsu_start "$tmp/jitsu.conf"
check "jitsu runs with six libxl services, all STOPPED" \
	test "$(ctl list | awk '$2 == "stopped"' | wc -l)" -eq 6
grep -q "libxl backend ready" "$tmp/jitsu.log" && ok "the libxl backend opened" ||
	bad "the libxl backend opened"

# JITSU_XEN_ONLY (www sus pau shu pvh rec par): the parts to run, when debugging one
only=" ${JITSU_XEN_ONLY:-www sus pau shu pvh rec par} "
if [[ $only == *" www "* ]]; then
# ---- www: dig summons, curl is held and replayed ----
t0=$(ms)
ans=$(in_cli dig +short +time=10 +tries=3 @10.77.0.1 www.example.org A)
check "dig answers www.example.org with its address" test "$ans" = "10.77.1.10"
body=$(fetch http://10.77.1.10/)
t1=$(ms)
check "curl through the cold start is answered by the guest" grep -q "jitsu guest www" <<<"$body"
echo "     cold connect + fetch: $((t1 - t0)) ms (dig to body)"
# READY, or why not: its last error and what libxl said (a create that
# fails on a very slow machine, e.g. past libxl's hotplug timeout, says so)
www_ready() {
	wait_state www ready 1 && return 0
	grep -E "libxl|xen: www" "$tmp/jitsu.log" | tail -n 20 | sed 's/^/     log: /'
	return 1
}
check "www is READY" www_ready
check "ready = tcp:80: the dataplane's SYN probe was answered (sent $(counter probe_sent), answered $(counter probe_answered), refused $(counter probe_refused))" \
	test "$(counter probe_answered)" -ge 1
domid=$(json www domid)
check "www runs as domain jitsu-svc-www ($domid)" domain_listed jitsu-svc-www
held=$(json www synjitsu.held)
dups=$(json www synjitsu.duplicates)
echo "     synjitsu: held ${held:-?}, duplicate SYNs absorbed ${dups:-?}"
check "the SYN was held and replayed" test "${held:-0}" -ge 1
grep -E "www: (ready in|(create|restore) of domain)" "$tmp/jitsu.log" | sed 's/^/     log: /'
# the cold start's phases (the histograms hold one summon so far)
ctl show www | python3 -c '
import json, sys
s = json.load(sys.stdin)
ph = s.get("phases", s)
for k in ("exec", "running", "link", "ready", "replay", "total", "first_packet"):
    h = ph.get(k)
    if isinstance(h, dict) and h.get("count"):
        print("     phase %-12s %8.1f ms" % (k, h.get("max_us", 0) / 1000.0))
' || true
# ---- idl: summoned on request once www is READY (not beside www's first
# create: one create at a time for the first checks; two domains made at
# once are tested apart, below), stopped by its idle timeout; only the stop is checked,
# never the READY state its timer ends
ctl summon idl >/dev/null
idl_stopped() { [ "$(json idl stops)" -ge 1 ] 2>/dev/null && state_is idl stopped; }
# (until it stopped, or failed: a failed summon is no reason to wait on)
idl_settled() { idl_stopped || [ "$(json idl failures)" -ge 1 ] 2>/dev/null; }
wait_until "$D" idl_settled
check "idl (idle_timeout = 5) is stopped when idle (failures $(json idl failures))" idl_stopped
check "and its domain is destroyed (xl list)" domain_gone jitsu-svc-idl "$D"
grep -E "idl: (destroy of domain)" "$tmp/jitsu.log" | sed 's/^/     log: /'
ctl stop www >/dev/null
check "jitsuctl stop www: STOPPED" wait_state www stopped "$D"
check "and its domain is destroyed (xl list)" domain_gone jitsu-svc-www "$D"
grep -E "www: (destroy of domain)" "$tmp/jitsu.log" | sed 's/^/     log: /'
body=$(fetch http://10.77.1.10/)
check "a second cold connect (no DNS) summons it again" grep -q "jitsu guest www" <<<"$body"

# ---- www: a guest that reboots on its own (on_reboot: xl's default, restart) ----
d1=$(json www domid)
in_cli curl -s --max-time 5 http://10.77.1.10/cgi-bin/reboot >/dev/null
check "a guest that reboots is restarted (restarts $(json www restarts))" wait_json www restarts 1 "$D"
check "and is READY again" wait_state www ready "$D"
d2=$(json www domid)
check "on a new domain ($d1 -> $d2)" test "$d2" != "$d1"
check "not counted as a failure" test "$(json www failures)" = 0
body=$(fetch http://10.77.1.10/)
check "it serves after the restart" grep -q "jitsu guest www" <<<"$body"
grep -E "www: .*(rebooted|restarting|starting it again)" "$tmp/jitsu.log" | sed 's/^/     log: /'

# ---- www: a guest that crashes (on_crash = coredump-destroy) ----
in_cli curl -s --max-time 5 http://10.77.1.10/cgi-bin/crash >/dev/null
check "a guest whose kernel panics: www FAILED" wait_json www failures 1 "$D"
check "with the reason ($(json www last_error))" \
	grep -q "^domain [0-9]* crashed (core: $tmp/state/jitsu-svc-www.core)$" <<<"$(json www last_error)"
check "its domain is gone (xl list)" domain_gone jitsu-svc-www "$D"
check "its core was dumped first (an ELF file)" \
	bash -c "head -c 4 '$tmp/state/jitsu-svc-www.core' | grep -q ELF"
rm -f "$tmp/state/jitsu-svc-www.core"
grep -E "www: (summon failed|domain [0-9]*'s core)" "$tmp/jitsu.log" | sed 's/^/     log: /'
check "after the back-off it can be summoned again" wait_state www stopped "$D"
body=$(fetch http://10.77.1.10/)
check "and the next connect boots it again and is answered" grep -q "jitsu guest www" <<<"$body"

fi

if [[ $only == *" sus "* ]]; then
# ---- sus: suspend to a file, restore on the next summon ----
body=$(fetch http://10.77.1.11/)
check "sus boots and answers" grep -q "jitsu guest sus" <<<"$body"
ctl stop sus >/dev/null
check "jitsuctl stop sus: suspended (STOPPED)" wait_state sus stopped "$D"
check "its image is saved" test -s "$tmp/state/jitsu-svc-sus.save"
echo "     image: $(stat -c %s "$tmp/state/jitsu-svc-sus.save" 2>/dev/null) bytes, begins $(od -A n -t x1 -N 16 "$tmp/state/jitsu-svc-sus.save" 2>/dev/null)"
check "and no domain is left running" bash -c "! xl list 2>/dev/null | grep -q jitsu-svc-sus"
t0=$(ms)
body=$(fetch http://10.77.1.11/)
t1=$(ms)
check "the next connect restores it and is answered" grep -q "jitsu guest sus" <<<"$body"
echo "     restore + fetch: $((t1 - t0)) ms"
check "the image is consumed" test ! -e "$tmp/state/jitsu-svc-sus.save"
grep -E "sus: (suspend|restore|destroy) of domain" "$tmp/jitsu.log" | sed 's/^/     log: /'

fi

if [[ $only == *" pau "* ]]; then
# ---- pau: pause, unpause on summon ----
body=$(fetch http://10.77.1.12/)
check "pau boots and answers" grep -q "jitsu guest pau" <<<"$body"
d1=$(json pau domid)
ctl stop pau >/dev/null
check "jitsuctl stop pau: paused (STOPPED)" wait_state pau stopped "$D"
check "the domain is paused (xl list)" bash -c "xl list jitsu-svc-pau | awk 'NR == 2 { exit !(\$5 ~ /p/) }'"
t0=$(ms)
body=$(fetch http://10.77.1.12/)
t1=$(ms)
check "the next connect unpauses it and is answered" grep -q "jitsu guest pau" <<<"$body"
check "the same domain ($d1)" test "$(json pau domid)" = "$d1"
echo "     unpause + fetch: $((t1 - t0)) ms"

fi

if [[ $only == *" shu "* ]]; then
# ---- shu: stop = shutdown asks the guest, which powers itself off ----
body=$(fetch http://10.77.1.13/)
check "shu boots and answers" grep -q "jitsu guest shu" <<<"$body"
ctl stop shu >/dev/null
check "jitsuctl stop shu: STOPPED" wait_state shu stopped "$D"
check "the guest powered itself off when asked, before stop_grace" \
	grep -q "shu: domain [0-9]* powered off" "$tmp/jitsu.log"
check "its domain is gone (xl list)" domain_gone jitsu-svc-shu "$D"
grep -E "shu: (domain [0-9]* powered off|(shutdown|destroy) of domain)" "$tmp/jitsu.log" |
	sed 's/^/     log: /'

fi

if [[ $only == *" pvh "* ]]; then
# ---- pvh: a PVH guest ----
body=$(fetch http://10.77.1.14/)
check "a PVH guest boots and answers" grep -q "jitsu guest pvh" <<<"$body"
check "its domain is PVH (xl list -l)" bash -c "xl list -l jitsu-svc-pvh | grep -q '\"type\": \"pvh\"'"
grep -E "pvh: ready in" "$tmp/jitsu.log" | sed 's/^/     log: /'
# on_crash = preserve: the crashed domain is kept for the operator
in_cli curl -s --max-time 5 http://10.77.1.14/cgi-bin/crash >/dev/null
check "a PVH guest that crashes: pvh FAILED" wait_json pvh failures 1 "$D"
check "the reason says it is kept ($(json pvh last_error))" grep -q "crashed (kept: preserve" <<<"$(json pvh last_error)"
sleep 2 # past the back-off: still FAILED, since its domain is still there
check "the crashed domain is kept (xl list: $(domain_state jitsu-svc-pvh))" domain_listed jitsu-svc-pvh
check "and the service stays FAILED while it is" test "$(state pvh)" = failed
xl destroy jitsu-svc-pvh
check "once the operator destroys it (xl destroy), pvh is STOPPED" wait_state pvh stopped "$D"

fi

if [[ $only == *" rec "* ]]; then
# ---- recover: jitsu killed with domains running, then started again ----
body=$(fetch http://10.77.1.12/)
check "pau serves" grep -q "jitsu guest pau" <<<"$body"
body=$(fetch http://10.77.1.11/)
check "sus serves" grep -q "jitsu guest sus" <<<"$body"
d1=$(json pau domid)
kill -KILL "$jpid"
wait "$jpid" 2>/dev/null
jitsu_start "$tmp/jitsu.conf"
check "restarted with xen_recover = adopt: pau READY without a summon" test "$(state pau)" = ready
check "the same domain ($d1 -> $(json pau domid))" test "$(json pau domid)" = "$d1"
check "no summon was needed" test "$(json pau summons)" = 0
grep -E "adopting domain" "$tmp/jitsu.log" | sed 's/^/     log: /'
body=$(fetch http://10.77.1.12/)
check "and it serves through the new gateway" grep -q "jitsu guest pau" <<<"$body"
# again, now with xen_recover = destroy and without the service sus: pau's
# domain is destroyed as configured, sus's as claimed by no service
kill -KILL "$jpid"
wait "$jpid" 2>/dev/null
sed -e 's/^\[gateway\]$/[gateway]\nxen_recover = destroy/' "$tmp/jitsu.conf" |
	awk '/^\[service sus\]$/ { skip = 1; next } /^\[/ { skip = 0 } !skip' >"$tmp/recover.conf"
jitsu_start "$tmp/recover.conf"
check "restarted with xen_recover = destroy: pau's domain destroyed" domain_gone jitsu-svc-pau "$D"
check "and pau STOPPED" wait_state pau stopped "$D"
check "a domain no service claims (sus's) destroyed" domain_gone jitsu-svc-sus "$D"
grep -E "destroying domain" "$tmp/jitsu.log" | sed 's/^/     log: /'
body=$(fetch http://10.77.1.12/)
check "pau is summoned afresh by the next connect" grep -q "jitsu guest pau" <<<"$body"

# ---- a guest that powers itself off ----
in_cli curl -s --max-time 5 http://10.77.1.12/cgi-bin/poweroff >/dev/null
check "a guest that powers off: pau FAILED" wait_json pau failures 1 "$D"
check "with the reason ($(json pau last_error))" grep -q "^domain [0-9]* powered off$" <<<"$(json pau last_error)"
check "its domain is gone (xl list)" domain_gone jitsu-svc-pau "$D"

fi

if [[ $only == *" par "* ]]; then
# ---- two domains made at once: libxl's operations run in the control loop ----
ctl summon www >/dev/null
ctl summon shu >/dev/null
both_starting() {
	[ "$(ctl list | awk '($1 == "www" || $1 == "shu") && ($2 == "starting" || $2 == "booted")' |
		wc -l)" -eq 2 ]
}
check "two domains boot at the same time (both starting)" wait_until "$D" both_starting
check "the first is READY" wait_state www ready "$D"
check "and the second" wait_state shu ready "$D"

fi

# ---- exit: nothing left behind ----
kill -TERM "$jpid"
rc=0
for _ in $(seq 600); do kill -0 "$jpid" 2>/dev/null || break; sleep 0.1; done
wait "$jpid" || rc=$?
jpid=
check "jitsu exits 0 on SIGTERM" test "$rc" -eq 0
check "no domain of the gateway is left" bash -c "! xl list 2>/dev/null | grep -q jitsu-svc-"
check "no vif is left on the bridge" bash -c "! ip -o link 2>/dev/null | grep -q ' vif[0-9]'"
if [ "$fail" -ne 0 ]; then
	echo "---- jitsu's log: libxl's errors, then its end ----"
	grep -aE "libxl: (error|critical)|xc: error|libxl-save-helper|stream|fatal|rip " "$tmp/jitsu.log" |
		grep -avE "^[0-9a-f]+-[0-9a-f]+ " | tail -n 40
	grep -avE "libxl: debug|xencall:buffer|^[0-9a-f]+-[0-9a-f]+ |domainbuilder|xc: detail" "$tmp/jitsu.log" |
		tail -n 40
fi
echo "xen gateway: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

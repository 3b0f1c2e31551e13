# shellcheck shell=bash
# Helpers for tests that run inside the testbed's dom0 (scripts/xen-testbed.sh),
# sourced as /opt/jitsu-xen/lib.sh. Bash.

XENTB_VMLINUZ=/opt/jitsu-xen/vmlinuz    # the guests' kernel (dom0's too)
XENTB_VMLINUX=/opt/jitsu-xen/vmlinux    # the same, uncompressed: xl create ~6 s faster
XENTB_GUEST_CPIO=/opt/jitsu-xen/guest.cpio.gz  # busybox guest: eth0, httpd, data/jitsu-ready

# the deadline of every wait of the tests in dom0, in seconds: only a hang
# reaches it (emulation on a slow, busy machine is many times slower than
# on the author's)
XENTB_DEADLINE=${XENTB_DEADLINE:-900}

# milliseconds since dom0 booted
xentb_ms() {
	awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime
}

_xentb_t0=$(xentb_ms)
_xentb_last=$_xentb_t0

# step NAME: prints how long since the previous step (and since the test began)
step() {
	local now
	now=$(xentb_ms)
	printf 'step %-28s %6d ms  (total %6d ms)\n' "$1" $((now - _xentb_last)) $((now - _xentb_t0))
	_xentb_last=$now
}

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# wait_for SECONDS CMD...: runs CMD every 0.1 s until it succeeds; 1 when
# SECONDS have passed (by the clock: commands are slow under emulation)
wait_for() {
	local end=$(($(xentb_ms) + $1 * 1000))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(xentb_ms)" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# domid NAME: the domain id of a running domain, empty when none
domid() {
	xl domid "$1" 2>/dev/null || true
}

# vif_state DOMID [DEVID]: the backend state of a vif in xenstore
# (/local/domain/0/backend/vif/DOMID/DEVID/state; 4 = Connected)
vif_state() {
	xenstore-read "/local/domain/0/backend/vif/$1/${2:-0}/state" 2>/dev/null
}

vif_connected() {
	[ "$(vif_state "$@")" = 4 ]
}

# guest_console NAME [LINES]: the end of a guest's console (xenconsoled logs it)
guest_console() {
	tail -n "${2:-40}" "/var/log/xen/console/guest-$1.log" 2>/dev/null | tr -d '\r' || true
}

# make_bridge NAME ADDR/LEN: a bridge in dom0 for the guests' vifs
make_bridge() {
	ip link add name "$1" type bridge stp_state 0 forward_delay 0
	ip addr add "$2" dev "$1"
	ip link set "$1" up
}

# guest_cfg TEMPLATE OUT KEY=VALUE...: writes TEMPLATE with each @KEY@ replaced
guest_cfg() {
	local tmpl=$1 out=$2 kv args=()
	shift 2
	for kv in "$@"; do
		args+=(-e "s|@${kv%%=*}@|${kv#*=}|g")
	done
	args+=(-e "s|@VMLINUZ@|$XENTB_VMLINUZ|g" -e "s|@VMLINUX@|$XENTB_VMLINUX|g" -e "s|@GUEST_CPIO@|$XENTB_GUEST_CPIO|g")
	sed "${args[@]}" "$tmpl" >"$out"
	! grep -q '@[A-Z_]*@' "$out" || fail "unreplaced keys in $out: $(grep -o '@[A-Z_]*@' "$out" | sort -u | tr '\n' ' ')"
}

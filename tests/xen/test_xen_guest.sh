#!/bin/bash
# Runs inside the testbed's dom0: a PV guest with a vif on a bridge serves
# HTTP to dom0, then is destroyed. Proves netback, the vif hotplug script
# (vif-bridge, run by libxl itself: there is no udev) and xl under emulation.
set -euo pipefail
# shellcheck source=scripts/xen/lib.sh
. /opt/jitsu-xen/lib.sh

BR=jitsubr0
NAME=web1
IP=10.77.1.10
MAC=02:4a:0a:4d:01:0a

make_bridge "$BR" 10.77.1.1/24
guest_cfg guest.cfg /tmp/$NAME.cfg NAME=$NAME IP=$IP/24 GW=10.77.1.1 MAC=$MAC BRIDGE=$BR
step bridge

xl create /tmp/$NAME.cfg || { tail -n 50 /var/log/xen/xl-$NAME.log 2>/dev/null; fail "xl create"; }
id=$(domid $NAME)
[ -n "$id" ] || fail "no domain $NAME after xl create"
step "xl create (domid $id)"

if ! wait_for "$XENTB_DEADLINE" vif_connected "$id"; then
	xenstore-ls -f "/local/domain/0/backend/vif/$id" || true
	tail -n 50 /var/log/xen/xl-$NAME.log 2>/dev/null || true
	guest_console $NAME
	fail "vif backend of domain $id never Connected (state $(vif_state "$id"))"
fi
step "vif Connected"
vif=vif$id.0
[ "$(sed -n 's/^INTERFACE=//p' "/sys/class/net/$vif/master/uevent" 2>/dev/null)" = "$BR" ] ||
	fail "$vif is not on $BR: $(ip -o link show "$vif" 2>&1)"
echo "backend: $(xenstore-ls -f "/local/domain/0/backend/vif/$id/0" | grep -E '/(state|bridge|mac|script|hotplug-status) ' | tr '\n' ' ')"

# retried deliberately: one short try every 0.1 s until the guest's httpd
# answers (its boot takes what emulation makes it take), then one fetch
if ! wait_for "$XENTB_DEADLINE" curl -sf --max-time 2 "http://$IP/"; then
	xl list
	ip -s link show "$vif" || true
	guest_console $NAME
	fail "no HTTP answer from $IP"
fi
body=$(curl -sf --max-time 120 "http://$IP/")
step "HTTP answer"
echo "guest says: $body"
echo "its console:"
guest_console $NAME 5 | sed 's/^/  /'
case $body in *"$NAME"*) ;; *) fail "the page does not name $NAME: $body" ;; esac

# the guest says it is ready in xenstore, as the gateway's
# `ready = xenstore:data/jitsu-ready` expects
ready_key() { [ "$(xenstore-read "/local/domain/$id/data/jitsu-ready" 2>/dev/null)" = 1 ]; }
wait_for "$XENTB_DEADLINE" ready_key || { guest_console $NAME; fail "no /local/domain/$id/data/jitsu-ready = 1"; }
step "xenstore data/jitsu-ready"

xl destroy $NAME
step "xl destroy"
if xl list | awk 'NR > 1 { print $1 }' | grep -qx "$NAME"; then
	xl list
	fail "$NAME still listed after xl destroy"
fi
wait_for "$XENTB_DEADLINE" test ! -e "/sys/class/net/$vif" || fail "$vif still there after destroy"
step "vif gone"
echo "ok: guest $NAME (domid $id) served HTTP over its vif on $BR"

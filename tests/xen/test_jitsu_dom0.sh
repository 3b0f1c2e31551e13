#!/bin/bash
# Runs inside the testbed's dom0: the gateway built on the host runs there
# (shared libraries, EAL without hugepages or PCI, net_tap ports, telemetry),
# then the host's own end-to-end tests run in dom0 unchanged.
set -euo pipefail
# shellcheck source=scripts/xen/lib.sh
. /opt/jitsu-xen/lib.sh

if [ ! -x ./jitsu ]; then
	echo "SKIP: no /test/jitsu (make all, then scripts/xen-testbed.sh check)"
	exit 0
fi
missing=$(ldd ./jitsu | grep 'not found' || true)
[ -z "$missing" ] || fail "libraries missing in dom0: $missing"
./jitsu --version
./jitsu --help >/dev/null || fail "jitsu --help"
step "jitsu --help"
./jitsu --no-huge --no-pci -l 0 -m 256 -- --help >/dev/null || fail "jitsu EAL args -- --help"
step "jitsu EAL -- --help"

# a trivial start: two net_tap ports, one process service, then SIGTERM
pfx=xentb$$
./jitsu -l 0-1 --no-huge -m 256 --no-pci --file-prefix "$pfx" \
	--vdev=net_tap0,iface=jxup0 --vdev=net_tap1,iface=jxdn0 \
	-- --address 10.77.0.1 -s "dns=www.example.org,ip=10.77.1.10,exec=busybox httpd -f -p 80" \
	>/tmp/jitsu.log 2>&1 &
pid=$!
if ! wait_for "$XENTB_DEADLINE" ./jitsuctl -f "$pfx" list; then
	cat /tmp/jitsu.log
	fail "jitsu did not come up"
fi
step "jitsu up (telemetry answers)"
./jitsuctl -f "$pfx" list
ip -br link show jxup0 || fail "no tap interface jxup0"
ip -br link show jxdn0 || fail "no tap interface jxdn0"
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
tail -n 3 /tmp/jitsu.log
[ "$rc" -eq 0 ] || { cat /tmp/jitsu.log; fail "jitsu exited $rc after SIGTERM"; }
step "jitsu stopped (exit 0)"

# the host's end-to-end tests, as they are, inside dom0: the DNS one, and
# those JITSU_XEN_E2E names (scripts/xen-testbed.sh passes it as XENTB_E2E),
# e.g. "test_dns_e2e.sh test_services_e2e.sh". Emulation makes everything
# there many times slower than on the host (a service that listens after
# 0.3 s is ready in ~5 s), which proves that no check of theirs depends on
# the machine's speed; their waits' deadline is the testbed's. (The services
# test takes ~7 minutes there: not in `make check` by default.)
export JITSU_TEST_DEADLINE=$XENTB_DEADLINE
for t in ${XENTB_E2E:-test_dns_e2e.sh}; do
	[ -x "repo/tests/e2e/$t" ] || fail "no repo/tests/e2e/$t in /test (scripts/xen-testbed.sh check puts it there)"
	echo "--- tests/e2e/$t"
	repo/tests/e2e/"$t" repo/build/jitsu || fail "tests/e2e/$t in dom0"
	step "e2e $t"
done
echo "ok: jitsu runs in dom0"

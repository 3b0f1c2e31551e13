#!/usr/bin/env bash
# The command line: --help and --version without EAL, -n on good and bad
# configurations (exit 0 / 2, with the file, line, section and key), bad
# options, and a missing worker lcore. No port sends anything (net_null).
# Usage: test_cli.sh JITSU
set -uo pipefail
jitsu=$(realpath "$1")
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
prefix="jitsu-cli-$$"
trap 'rm -rf "$tmp" "/var/run/dpdk/$prefix"' EXIT
eal=(-l 0-1 --no-huge -m 128 --no-shconf --file-prefix "$prefix" --no-pci --log-level=*:error
	--vdev=net_null0,no-rx=1 --vdev=net_null1,no-rx=1)

fail=0 pass=0
# expect WHAT STATUS PATTERN command...: exit status and a line of its output
expect() {
	local what=$1 status=$2 pattern=$3 out rc=0
	shift 3
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" -eq "$status" ] && grep -qE -- "$pattern" <<<"$out"; then
		pass=$((pass + 1)); echo "ok   $what"
	else
		fail=$((fail + 1)); echo "FAIL $what (exit $rc)"; sed 's/^/     /' <<<"$out" | head -5
	fi
}

expect "--help needs no EAL" 0 "^Usage: jitsu \[EAL options\] -- \[options\]" "$jitsu" --help
expect "-- --help too" 0 "--check" "$jitsu" -l 0 -- --help
expect "--version" 0 "^jitsu [0-9.]+ \(DPDK" "$jitsu" --version
jitsuctl=$(dirname "$jitsu")/jitsuctl
expect "jitsuctl --help" 0 "^  -f, --file-prefix PREFIX" "$jitsuctl" --help
expect "jitsuctl: an unknown option" 2 "unrecognized option '--bogus'" "$jitsuctl" --bogus
expect "-n: a good configuration" 0 "configuration OK \(2 services" \
	"$jitsu" "${eal[@]}" -- -c "$top/conf/jitsu.conf" -n
printf '[gateway]\naddress = 10.77.0.1\n[service www]\ndns = www.example.org\naddress = 10.77.1.10\n' \
	>"$tmp/noexec.conf"
expect "-n: a process service without exec" 2 "noexec.conf:3: \[service www\]: exec: missing" \
	"$jitsu" "${eal[@]}" -- -c "$tmp/noexec.conf" -n
printf '[gateway]\naddress = 10.77.0.1\n[service www]\ndns = www.example.org\naddress = 10.77.1.10\nexec = sleep 1\nuser = no-such-user-%s\n' \
	"$$" >"$tmp/nouser.conf"
expect "-n: a user that does not exist, with its line" 2 "nouser.conf:3: \[service www\]: user: no user 'no-such-user-$$'" \
	"$jitsu" "${eal[@]}" -- -c "$tmp/nouser.conf" -n
printf '[gateway]\naddress = 10.77.0.1\nuser = nobody:nogroup\n[service www]\ndns = www.example.org\naddress = 10.77.1.10\nexec = sleep 1\n' \
	>"$tmp/user.conf"
expect "-n: the gateway's user for its process services" 0 "configuration OK \(1 services" \
	"$jitsu" "${eal[@]}" -- -c "$tmp/user.conf" -n
printf '[gateway]\naddress = 10.77.0.1\nsynjitsu = proxy\n' >"$tmp/proxy.conf"
expect "-n: synjitsu = proxy is taken" 0 "configuration OK \(0 services" \
	"$jitsu" "${eal[@]}" -- -c "$tmp/proxy.conf" -n
printf '[gateway]\naddress = 10.77.0.1\nsynjitsu = cookies\n' >"$tmp/badmode.conf"
expect "-n: an unknown synjitsu mode" 2 "badmode.conf:3: \[gateway\] synjitsu: not one of buffer, proxy, off" \
	"$jitsu" "${eal[@]}" -- -c "$tmp/badmode.conf" -n
printf 'kernel = "/bin/true"\nmemory = 64\nmodel = "x"\n' >"$tmp/bad.cfg"
printf '[gateway]\naddress = 10.77.0.1\n[service x]\ndns = x.example.org\naddress = 10.77.1.5\nbackend = libxl\nxl = %s\n' \
	"$tmp/bad.cfg" >"$tmp/xl.conf"
expect "-n: a key the libxl backend does not support, with its line" 2 "bad.cfg:3: model: " \
	"$jitsu" "${eal[@]}" -- -c "$tmp/xl.conf" -n
printf '[ports]\nuplink = 7\n' >"$tmp/port.conf"
expect "-n: a port that does not exist" 2 "\[ports\] uplink: port 7 does not exist" \
	"$jitsu" "${eal[@]}" -- -c "$tmp/port.conf" --address 10.77.0.1 -n
expect "--service form" 0 "configuration OK \(1 services" \
	"$jitsu" "${eal[@]}" -- --address 10.77.0.1 --service 'dns=www.example.org,ip=10.77.1.10,exec=sleep 1' -n
expect "an unknown option" 2 "unknown option '--bogus'" "$jitsu" "${eal[@]}" -- --bogus
expect "no configuration at all" 2 "no configuration" "$jitsu" "${eal[@]}" --
expect "no worker lcore" 2 "no worker lcore" \
	"$jitsu" -l 0 --no-huge -m 128 --no-shconf --file-prefix "$prefix" --no-pci --log-level=*:error \
	--vdev=net_null0,no-rx=1 --vdev=net_null1,no-rx=1 -- -c "$top/conf/jitsu.conf"
printf 'kernel = "/bin/true"\nmemory = 64\n' >"$tmp/ok.cfg"
for r in tcp:80 notify; do
	printf '[gateway]\naddress = 10.77.0.1\n[service x]\ndns = x.example.org\naddress = 10.77.1.5\nbackend = libxl\nxl = %s\nready = %s\n' \
		"$tmp/ok.cfg" "$r" >"$tmp/xl-$r.conf"
done
expect "-n: a libxl service can be ready = tcp:PORT (the dataplane's SYN probe)" 0 \
	"configuration OK \(1 services" "$jitsu" "${eal[@]}" -- -c "$tmp/xl-tcp:80.conf" -n
expect "-n: a libxl service cannot be ready = notify" 2 \
	"xl-notify.conf:3: \[service x\]: ready: notify is for process services" \
	"$jitsu" "${eal[@]}" -- -c "$tmp/xl-notify.conf" -n
printf '[gateway]\naddress = 10.77.0.1\nuser = nobody\n[service x]\ndns = x.example.org\naddress = 10.77.1.5\nbackend = libxl\nxl = %s\nuser = nobody\n' \
	"$tmp/ok.cfg" >"$tmp/xl-user.conf"
printf '[gateway]\naddress = 10.77.0.1\nuser = nobody\n[service x]\ndns = x.example.org\naddress = 10.77.1.5\nbackend = libxl\nxl = %s\n' \
	"$tmp/ok.cfg" >"$tmp/xl-gwuser.conf"
expect "-n: the gateway's user does not apply to a libxl service" 0 "configuration OK \(1 services" \
	"$jitsu" "${eal[@]}" -- -c "$tmp/xl-gwuser.conf" -n
expect "-n: a libxl service cannot be given a user" 2 \
	"xl-user.conf:4: \[service x\]: user: a libxl service is a domain" \
	"$jitsu" "${eal[@]}" -- -c "$tmp/xl-user.conf" -n

# Not a Xen dom0: a libxl service is refused at load, saying why, and the
# gateway runs the rest (here nothing) until SIGTERM, exiting 0. In a network
# namespace of its own, although a refused service makes no link.
printf '[gateway]\naddress = 10.77.0.1\n[service x]\ndns = x.example.org\naddress = 10.77.1.5\nbackend = libxl\nxl = %s\nready = vif\n' \
	"$tmp/ok.cfg" >"$tmp/xlrun.conf"
unshare --net "$jitsu" "${eal[@]}" -- -c "$tmp/xlrun.conf" >"$tmp/xlrun.log" 2>&1 &
xpid=$!
# until it said so, and its telemetry answers: it runs on (deadline 120 s)
for _ in $(seq 1200); do grep -q "refused at load" "$tmp/xlrun.log" && break; sleep 0.1; done
"$top/scripts/telemetry.py" "$prefix" /jitsu/stats --wait "${JITSU_TEST_DEADLINE:-120}" >/dev/null 2>&1 || true
kill -TERM "$xpid" 2>/dev/null
xrc=0
wait "$xpid" || xrc=$?
expect "not a dom0: the libxl service is refused at load, saying why" 0 \
	"\[service x\]: refused at load: backend libxl: Xen is not available" cat "$tmp/xlrun.log"
expect "not a dom0: the gateway runs on and exits 0 on SIGTERM" 0 "^0$" echo "$xrc"
echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/usr/bin/env bash
# Run every test suite of `make check` and print one closing line:
# "check: N passed, M failed". Exits non-zero when anything failed.
set -u
BUILD=${1:-build}
cd "$(dirname "$0")/.."
pass=0 fail=0 failed=()

run() { # name, command...
	local name=$1; shift
	echo "=== $name"
	if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); failed+=("$name"); fi
}

run "layers (the fast path, the state machine and telemetry reach no further than they may)" tests/check_layers.sh
for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] && run "unit $(basename "$t")" "$t" --jobs=1
done
# Criterion reports a test that leaked or hit undefined behaviour in a child
# as passed: the sanitizers' own reports decide.
sanitized() {
	local out rc=0
	out=$(ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 "$@" 2>&1) || rc=$?
	echo "$out" | tail -n 1
	if grep -qE "ERROR: (Address|Leak)Sanitizer|runtime error:" <<<"$out"; then
		grep -E -A8 "ERROR: (Address|Leak)Sanitizer|runtime error:" <<<"$out" | head -n 40
		return 1
	fi
	return "$rc"
}
for t in "$BUILD"/asan/tests/test_*; do
	[ -x "$t" ] && run "asan+ubsan $(basename "$t")" sanitized "$t" --jobs=1
done
for f in "$BUILD"/fuzz/fuzz_*; do
	[ -x "$f" ] && run "fuzz $(basename "$f")" tests/fuzz/run.sh "$f"
done
for t in tests/golden/test_*.sh tests/e2e/test_*.sh; do
	[ -x "$t" ] && run "$(basename "$(dirname "$t")") $(basename "$t" .sh)" "$t" "$BUILD/jitsu"
done
# The gateway itself under ASan+UBSan (BUILD/asan/jitsu): any sanitizer
# report fails the test (tests/asan.sh). JITSU_ASAN_E2E: which ones.
for t in ${JITSU_ASAN_E2E:-tests/golden/test_golden.sh tests/e2e/test_dns_e2e.sh tests/e2e/test_services_e2e.sh tests/e2e/test_synjitsu_e2e.sh tests/e2e/test_cgroup_e2e.sh tests/e2e/test_cli.sh}; do
	[ -x "$t" ] && run "asan+ubsan $(basename "$(dirname "$t")") $(basename "$t" .sh)" tests/asan.sh "$t" "$BUILD"
done

[ -x "$BUILD/jitsu-pktgen" ] && run "bench pktgen smoke" bench/pktgen_smoke.sh "$BUILD"

# The real Xen: the testbed boots Xen and a dom0 in QEMU and runs
# tests/xen/ there (about 4 minutes; JITSU_SKIP_XEN=1 leaves it out).
if [ "${JITSU_SKIP_XEN:-0}" != 1 ]; then
	run "xen testbed (tests/xen in a real Xen under QEMU)" scripts/xen-testbed.sh check
fi

echo
[ ${#failed[@]} -eq 0 ] || printf 'failed: %s\n' "${failed[@]}"
echo "check: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

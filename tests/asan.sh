#!/usr/bin/env bash
# Run an end-to-end (or golden) test with the sanitizer build of the gateway,
# BUILD/asan/jitsu and BUILD/asan/jitsuctl (ASan + UBSan: the gateway's own
# heap, stack and arithmetic; DPDK, a system library, is not instrumented),
# and fail on any sanitizer report, whatever the test said.
#
#   tests/asan.sh TEST BUILD        (e.g. tests/e2e/test_dns_e2e.sh build)
#
# Every instrumented process of the run (jitsu, each jitsuctl call) writes
# its reports to a file of its own (log_path=DIR/asan.PID, ubsan.PID):
# a report there is a failure, printed. What works with DPDK (22.11,
# --no-huge, one file prefix a run): ASan's defaults, leak detection on
# (the gateway frees what it allocates; DPDK's own start-up allocations are
# released by rte_eal_cleanup(), and nothing of them is reported);
# halt_on_error=1 so that the first error ends the process, and UBSan
# (built with -fno-sanitize-recover=all) aborting likewise. One warning is
# not a report: a service process is spawned with clone(CLONE_VM |
# CLONE_VFORK) on a stack of its own (control/proc.c), and ASan says once a
# run that it "is ignoring requested __asan_handle_no_return" there (the
# child only execs or _exits: nothing to check there); it is shown, not
# counted.
set -u
[ $# -eq 2 ] || { echo "usage: $0 TEST BUILD" >&2; exit 2; }
test=$1
build=$2
jitsu=$build/asan/jitsu
[ -x "$jitsu" ] && [ -x "$build/asan/jitsuctl" ] || { echo "asan: no $jitsu or jitsuctl (make asan)" >&2; exit 2; }
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
chmod 0777 "$logs"
export ASAN_OPTIONS="log_path=$logs/asan:halt_on_error=1:detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="log_path=$logs/ubsan:halt_on_error=1:print_stacktrace=1"
rc=0
"$test" "$jitsu" || rc=$?
reports=0
for f in "$logs"/*; do
	[ -e "$f" ] || continue
	if grep -qE "ERROR: [A-Za-z]+Sanitizer|runtime error:|^SUMMARY: " "$f"; then
		reports=$((reports + 1))
		echo "---- sanitizer report: $(basename "$f")"
		head -n 60 "$f"
	else
		echo "     sanitizer note ($(basename "$f"), not a report): $(head -n 1 "$f" | cut -c1-120)"
	fi
done
if [ "$reports" -ne 0 ]; then
	echo "asan: $reports sanitizer report(s) in $(basename "$test")"
	exit 1
fi
echo "asan: no sanitizer report"
exit "$rc"

#!/usr/bin/env bash
# Run every benchmark: bench/run.sh BUILD (as `make bench` does).
# Each benchmark prints its table and writes BUILD/bench/<name>.json; this
# exits non-zero when any of them failed (after running the others).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ $# -eq 1 ] || { echo "usage: $0 BUILD" >&2; exit 2; }
BUILD=$1

benchmarks=(dns_rate summon coldstart harness px_micro dns_cookie)

failed=()
for b in "${benchmarks[@]}"; do
	echo "== bench: $b"
	if "$here/$b.sh" "$BUILD"; then
		echo "== bench: $b: ok"
	else
		rc=$?
		echo "== bench: $b: FAILED (exit $rc)" >&2
		failed+=("$b")
		# an interrupted benchmark stops the whole run
		case $rc in 130 | 143) exit "$rc" ;; esac
	fi
done
if [ ${#failed[@]} -ne 0 ]; then
	echo "bench: failed: ${failed[*]}" >&2
	exit 1
fi
echo "bench: all ${#benchmarks[@]} benchmark(s) passed; results in $BUILD/bench/"

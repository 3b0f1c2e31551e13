#!/usr/bin/env bash
# Run a libFuzzer target (tests/fuzz/fuzz_NAME.c, built as BUILD/fuzz/fuzz_NAME).
#
#   run.sh FUZZER [RUNS]     the short run of `make check`: a bounded number
#                            of inputs, from the committed corpus
#                            (tests/fuzz/corpus/NAME) and the hand-made seeds
#                            (tests/fuzz/seeds/NAME) copied into a scratch
#                            folder; nothing in the tree changes
#   run.sh --long FUZZER     `make fuzz-long`: FUZZ_TIME seconds (600) from the
#                            corpus and the seeds; what it finds goes into the
#                            corpus, which is then minimised (-merge=1: only
#                            the inputs that add coverage stay) in place, to be
#                            committed. A crash stops it with the input kept
#                            as BUILD/fuzz/crash-NAME-* (fix it, and add the
#                            input to tests/fuzz/seeds/NAME as its regression
#                            seed). Ends with a line "fuzz-long NAME: ..." with
#                            the executions, the coverage (libFuzzer's cov:
#                            edges, ft: features) and the corpus size.
#
# A new target needs nothing but its file: the Makefile builds every
# tests/fuzz/fuzz_*.c, `make check` and `make fuzz-long` run every one built.
set -euo pipefail
long=0
if [ "${1:-}" = --long ]; then long=1; shift; fi
fuzzer=$1
name=$(basename "$fuzzer")
here=$(cd "$(dirname "$0")" && pwd)
seeds=$here/seeds/$name
corpus=$here/corpus/$name
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ "$long" -eq 0 ]; then
	# Packet targets run at ~100k inputs/s; the config target writes a file each.
	case "$name" in fuzz_config) default=30000 ;; *) default=300000 ;; esac
	runs=${2:-$default}
	[ -d "$seeds" ] && cp -r "$seeds"/. "$work"/
	[ -d "$corpus" ] && cp -r "$corpus"/. "$work"/
	"$fuzzer" -runs="$runs" -max_len=2048 -seed=1 -print_final_stats=1 "$work" 2>&1 | tail -n 12
	exit "${PIPESTATUS[0]}"
fi

time=${FUZZ_TIME:-600}
out=$(cd "$(dirname "$fuzzer")" && pwd)
mkdir -p "$corpus" "$work/new" "$work/merged"
before=$(find "$corpus" -type f | wc -l)
rc=0
# new inputs go to work/new (the first folder); the corpus and seeds are read
"$fuzzer" -max_total_time="$time" -max_len=2048 -print_final_stats=1 -timeout=10 \
	-artifact_prefix="$out/crash-$name-" "$work/new" "$corpus" \
	$([ -d "$seeds" ] && echo "$seeds") >"$work/log" 2>&1 || rc=$?
if [ "$rc" -ne 0 ]; then
	grep -vE '^#[0-9]+' "$work/log" | tail -n 40
	echo "fuzz-long $name: FAILED (exit $rc); input kept as $(ls "$out"/crash-"$name"-* 2>/dev/null | tail -n 1)"
	exit 1
fi
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n 1)
last=$(grep -E '^#[0-9]+' "$work/log" | tail -n 1)
cov=$(grep -oE 'cov: [0-9]+' <<<"$last" | grep -oE '[0-9]+' || true)
ft=$(grep -oE 'ft: [0-9]+' <<<"$last" | grep -oE '[0-9]+' || true)
# minimise: what the old corpus and the new inputs cover, in as few files
"$fuzzer" -merge=1 -max_len=2048 "$work/merged" "$corpus" "$work/new" >"$work/merge.log" 2>&1 ||
	{ tail -n 20 "$work/merge.log"; echo "fuzz-long $name: merge failed"; exit 1; }
find "$corpus" -type f -delete
cp "$work/merged"/. "$corpus"/ -r
after=$(find "$corpus" -type f | wc -l)
echo "fuzz-long $name: $execs executions in $time s ($((execs / time))/s), cov $cov edges, ft $ft features; corpus $before -> $after files ($(du -sk "$corpus" | cut -f1) KiB)"

#!/usr/bin/env bash
# Run a libFuzzer target for a bounded number of inputs, from its seed
# corpus (tests/fuzz/seeds/NAME) copied into a scratch folder.
# Usage: run.sh FUZZER [RUNS]
set -euo pipefail
fuzzer=$1
name=$(basename "$fuzzer")
# Packet targets run at ~100k inputs/s; the config target writes a file each.
case "$name" in fuzz_config) default=30000 ;; *) default=300000 ;; esac
runs=${2:-$default}
seeds="$(dirname "$0")/seeds/$name"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -d "$seeds" ] && cp -r "$seeds"/. "$work"/
"$fuzzer" -runs="$runs" -max_len=2048 -seed=1 -print_final_stats=1 "$work" 2>&1 | tail -n 12

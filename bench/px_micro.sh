#!/usr/bin/env bash
# synjitsu = proxy's cost per packet on the fast path, on plain buffers
# (bench/px_micro.c): for each path, the fastest batch's ns a packet, and
# instructions a packet under callgrind (the difference of two runs of
# different lengths, so that the set-up cancels out: the same figure on a
# busy machine). Prints a table with translated ÷ untouched forwarding and
# writes BUILD/bench/px_micro.json.
#
#   bench/px_micro.sh BUILD
#
# Environment: PX_MICRO_BATCHES (20), PX_MICRO_PACKETS (1000000).
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 BUILD" >&2; exit 2; }
BUILD=$1
bin=$BUILD/bench/px_micro
[ -x "$bin" ] || { echo "px_micro: $bin missing (make $bin)" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "px_micro: valgrind missing (scripts/install-deps.sh)" >&2; exit 2; }
mkdir -p "$BUILD/bench"
batches=${PX_MICRO_BATCHES:-20}
packets=${PX_MICRO_PACKETS:-1000000}

irefs() { # PATH PACKETS: the run's instructions
	valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" 1 "$2" "$1" 2>&1 >/dev/null |
		awk '/refs:/ { gsub(",", "", $NF); print $NF }'
}
declare -A ns ins
for p in fwd_up px_up fwd_down px_down cookie; do
	out=$("$bin" "$batches" "$packets" "$p")
	ns[$p]=$(awk '{ print $3 }' <<<"$out")
	a=$(irefs "$p" 10000)
	b=$(irefs "$p" 30000)
	ins[$p]=$(((b - a) / 20000))
done
printf '%-9s %12s %14s\n' path "ns/packet" "instr/packet"
for p in fwd_up px_up fwd_down px_down cookie; do
	printf '%-9s %12s %14s\n' "$p" "${ns[$p]}" "${ins[$p]}"
done
r() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
echo "translated ÷ untouched, up:   $(r "${ins[px_up]}" "${ins[fwd_up]}") (instructions), $(r "${ns[px_up]}" "${ns[fwd_up]}") (ns)"
echo "translated ÷ untouched, down: $(r "${ins[px_down]}" "${ins[fwd_down]}") (instructions), $(r "${ns[px_down]}" "${ns[fwd_down]}") (ns)"
{
	printf '{"batches": %s, "packets": %s, "paths": {' "$batches" "$packets"
	sep=
	for p in fwd_up px_up fwd_down px_down cookie; do
		printf '%s"%s": {"ns": %s, "instructions": %s}' "$sep" "$p" "${ns[$p]}" "${ins[$p]}"
		sep=", "
	done
	printf '}, "px_up_vs_fwd_up_instructions": %s, "px_down_vs_fwd_down_instructions": %s}\n' \
		"$(r "${ins[px_up]}" "${ins[fwd_up]}")" "$(r "${ins[px_down]}" "${ins[fwd_down]}")"
} >"$BUILD/bench/px_micro.json"
echo "px_micro: results in $BUILD/bench/px_micro.json"

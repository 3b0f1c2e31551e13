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
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/micro.sh"
mkdir -p "$BUILD/bench"
batches=${PX_MICRO_BATCHES:-20}
packets=${PX_MICRO_PACKETS:-1000000}

declare -A ns ins
for p in fwd_up warm_up px_up fwd_down px_down cookie; do
	out=$("$bin" "$batches" "$packets" "$p")
	ns[$p]=$(awk '{ print $3 }' <<<"$out")
	ins[$p]=$(micro_instr 10000 30000 "$bin" 1 @N@ "$p")
done
printf '%-9s %12s %14s\n' path "ns/packet" "instr/packet"
for p in fwd_up warm_up px_up fwd_down px_down cookie; do
	printf '%-9s %12s %14s\n' "$p" "${ns[$p]}" "${ins[$p]}"
done
echo "translated ÷ untouched, up:   $(micro_ratio "${ins[px_up]}" "${ins[fwd_up]}") (instructions), $(micro_ratio "${ns[px_up]}" "${ns[fwd_up]}") (ns)"
echo "translated ÷ untouched, down: $(micro_ratio "${ins[px_down]}" "${ins[fwd_down]}") (instructions), $(micro_ratio "${ns[px_down]}" "${ns[fwd_down]}") (ns)"
{
	printf '{"batches": %s, "packets": %s, "paths": {' "$batches" "$packets"
	sep=
	for p in fwd_up warm_up px_up fwd_down px_down cookie; do
		printf '%s"%s": {"ns": %s, "instructions": %s}' "$sep" "$p" "${ns[$p]}" "${ins[$p]}"
		sep=", "
	done
	printf '}, "px_up_vs_fwd_up_instructions": %s, "px_down_vs_fwd_down_instructions": %s}\n' \
		"$(micro_ratio "${ins[px_up]}" "${ins[fwd_up]}")" "$(micro_ratio "${ins[px_down]}" "${ins[fwd_down]}")"
} >"$BUILD/bench/px_micro.json"
echo "px_micro: results in $BUILD/bench/px_micro.json"

# Sourced by the micro-benchmarks on plain buffers (bench/px_micro.sh,
# bench/dns_cookie.sh): instructions per packet under callgrind, the same
# figure on a busy machine.
#
# micro_instr N1 N2 COMMAND ARGS...: COMMAND is run twice under callgrind, with
# @N@ in ARGS replaced by N1, then N2 (packets); prints the difference of the
# two runs' instructions ÷ (N2 - N1), so that the set-up cancels out.
micro_instr() {
	local n1=$1 n2=$2 a b
	shift 2
	command -v valgrind >/dev/null || { echo "micro: valgrind missing (scripts/install-deps.sh)" >&2; return 2; }
	a=$(micro_irefs "$n1" "$@") && b=$(micro_irefs "$n2" "$@") || return 1
	echo $(((b - a) / (n2 - n1)))
}
micro_irefs() {
	local n=$1 args=() x
	shift
	for x in "$@"; do args+=("${x//@N@/$n}"); done
	valgrind --tool=callgrind --callgrind-out-file=/dev/null "${args[@]}" 2>&1 >/dev/null |
		awk '/refs:/ { gsub(",", "", $NF); print $NF; found = 1 } END { exit !found }'
}
micro_ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

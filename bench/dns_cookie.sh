#!/usr/bin/env bash
# DNS answers with cookies ÷ without (issue 12), on plain buffers
# (bench/dns_micro.c): UDP queries for the services' names, each with an OPT
# record, either without a COOKIE option, with a client cookie alone
# (answered with a server cookie: SipHash-2-4 of the client cookie, a
# timestamp and the client's address, RFC 9018) or with the client cookie and
# the server cookie a first answer gave (a returning client: the cookie is
# checked, then a new one written), and without EDNS for reference. For each, the
# fastest batch's ns a query and instructions a query under callgrind.
# Prints the table and writes BUILD/bench/dns_cookie.json.
#
#   bench/dns_cookie.sh BUILD
#
# Environment: DNS_MICRO_BATCHES (20), DNS_MICRO_QUERIES (1000000).
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 BUILD" >&2; exit 2; }
BUILD=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/micro.sh"
bin=$BUILD/bench/dns_micro
[ -x "$bin" ] || { echo "dns_cookie: $bin missing (make $bin)" >&2; exit 2; }
mkdir -p "$BUILD/bench"
batches=${DNS_MICRO_BATCHES:-20}
queries=${DNS_MICRO_QUERIES:-1000000}

declare -A ns ins
modes=(plain:0 edns:3 cookie:2 valid:4)
for m in "${modes[@]}"; do
	k=${m%%:*} e=${m#*:}
	ns[$k]=$("$bin" "$batches" "$queries" "$e" | awk '{ print $2 }')
	ins[$k]=$(micro_instr 10000 30000 "$bin" 1 @N@ "$e")
done
printf '%-8s %12s %14s\n' query "ns/query" "instr/query"
for m in "${modes[@]}"; do
	k=${m%%:*}
	printf '%-8s %12s %14s\n' "$k" "${ns[$k]}" "${ins[$k]}"
done
# answers per second with cookies ÷ without: the inverse ratio of the costs
r_ns=$(micro_ratio "${ns[edns]}" "${ns[cookie]}")
r_in=$(micro_ratio "${ins[edns]}" "${ins[cookie]}")
v_ns=$(micro_ratio "${ns[edns]}" "${ns[valid]}")
v_in=$(micro_ratio "${ins[edns]}" "${ins[valid]}")
echo "answers with a new client's cookie ÷ without (both with EDNS): $r_in (instructions), $r_ns (ns)"
echo "answers with a returning client's cookies ÷ without:           $v_in (instructions), $v_ns (ns)"
printf '{"batches": %s, "queries": %s, "ns": {"plain": %s, "edns": %s, "cookie": %s, "valid": %s}, "instructions": {"plain": %s, "edns": %s, "cookie": %s, "valid": %s}, "cookie_vs_edns_rate_instructions": %s, "cookie_vs_edns_rate_ns": %s, "valid_vs_edns_rate_instructions": %s, "valid_vs_edns_rate_ns": %s}\n' \
	"$batches" "$queries" "${ns[plain]}" "${ns[edns]}" "${ns[cookie]}" "${ns[valid]}" \
	"${ins[plain]}" "${ins[edns]}" "${ins[cookie]}" "${ins[valid]}" "$r_in" "$r_ns" "$v_in" "$v_ns" \
	>"$BUILD/bench/dns_cookie.json"
echo "dns_cookie: results in $BUILD/bench/dns_cookie.json"

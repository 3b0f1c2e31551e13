#!/usr/bin/env bash
# The layers' rule, checked on the sources (make check runs it):
# - the fast path (dataplane/, synjitsu/, nic/) includes nothing of control/;
# - the state machine (control/runtime.c) and telemetry (control/telemetry.c)
#   see backends only through control/backend.h and its table: they include
#   no header under control/backend/ (but list.h, through config.h) and name
#   no backend's symbol (what control/backend/*.h declares, the backends'
#   ops and kinds in control/backend/list.h) nor a backend's private field.
# Prints each violation; exits non-zero when there is one.
set -u
cd "$(dirname "$0")/.."
bad=0
fail() { echo "layers: $*"; bad=1; }

# 1. the fast path
while IFS= read -r hit; do
	fail "the fast path includes control's header: $hit"
done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]*/)?control/' \
	dataplane/*.[ch] synjitsu/*.[ch] nic/*.[ch] 2>/dev/null)

# 2. the state machine and telemetry
core=(control/runtime.c control/telemetry.c control/runtime.h)
while IFS= read -r hit; do
	fail "includes a backend's header: $hit"
done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"backend/' "${core[@]}")

# what the backends' headers declare (functions, types) and the table's names
syms=$(
	grep -hoE '\b(ctl|proc|xen|xl|toy)_[a-z0-9_]+[[:space:]]*\(' control/backend/*.h |
		sed 's/[[:space:](]//g'
	sed -n 's/^\(struct\|enum\) \([a-z0-9_]*\) {.*/\2/p' control/backend/*.h
	sed -n 's/^[[:space:]]*X(\([A-Z0-9_]*\), *"[^"]*", *\([a-z0-9_]*\)).*/CTL_BACKEND_\1 \2/p' \
		control/backend/list.h | tr ' ' '\n'
)
syms=$(sort -u <<<"$syms" | grep -vE '^(JITSU_|CTL_BACKEND_LIST|ctl_backends)$')
[ -n "$syms" ] || fail "no backend symbol found to look for (is control/backend/ there?)"
for s in $syms; do
	while IFS= read -r hit; do
		fail "names backend symbol $s: $hit"
	done < <(grep -nw -- "$s" "${core[@]}")
done
# the names of libraries and fields that only a backend has
while IFS= read -r hit; do
	fail "reaches into a backend: $hit"
done < <(grep -nE '\blibxl_|\bxs_[a-z]|->(pid|netns_fd|netns|veth|argv|envp|notify_[a-z]+|live|domid)\b' \
	"${core[@]}")

[ "$bad" -eq 0 ] && echo "layers: ok (fast path free of control/; runtime and telemetry see backends through control/backend.h only)"
exit "$bad"

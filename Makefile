# Jitsu gateway. `make` builds build/jitsu; `make check` installs what is
# missing (scripts/install-deps.sh), builds and runs every test; `make demo`
# and `make bench` likewise. Nothing is written outside build/.

BUILD ?= build
CC ?= cc
FUZZ_CC ?= clang
PKG_CONFIG ?= pkg-config
PKGS := libdpdk xenlight xlutil xenstore xentoollog libpcap libnl-route-3.0
JITSU_VERSION := 0.1

# Evaluated when used, so that `make check` on a fresh machine can install
# the packages (deps) before anything asks pkg-config.
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS))
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS))
CRIT_CFLAGS = $(shell $(PKG_CONFIG) --cflags criterion)
CRIT_LIBS = $(shell $(PKG_CONFIG) --libs criterion)

# V=1 shows the commands.
Q := $(if $(V),,@)

WARN := -Wall -Wextra -Werror
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -O2 -g $(WARN) -MMD -MP \
	-DJITSU_VERSION='"$(JITSU_VERSION)"'
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# Fast-path and configuration code that runs on plain buffers, without EAL:
# what the unit tests, the sanitizer build and the fuzzers link.
CORE_SRCS := dataplane/counters.c dataplane/pkt.c dataplane/svctab.c dataplane/dns.c \
	dataplane/frame.c control/config.c control/hist.c control/backend/netns.c control/backend/command.c \
	synjitsu/mode.c synjitsu/pending.c control/backend/xlcfg.c \
	dataplane/neigh.c \
	synjitsu/cookie.c synjitsu/budget.c synjitsu/proxy.c dataplane/pxframe.c \
	dataplane/dnscookie.c
# cgroup v2 containment of process services (no EAL: unit-tested as is)
CORE_SRCS += control/backend/cgroup.c
EAL_SRCS := dataplane/worker.c nic/nic.c control/telemetry.c control/loop.c control/runtime.c control/gateway.c \
	$(filter-out $(CORE_SRCS),$(wildcard control/backend/*.c))
MAIN_SRC := control/main.c control/ports.c control/workers.c control/signals.c
# the DNS server's parts (issue 16): rate limiting, TCP, forwarding
CORE_SRCS += dataplane/rrl.c dataplane/dnstcp.c dataplane/dnsfwd.c
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)

CORE_OBJS := $(CORE_SRCS:%.c=$(BUILD)/obj/%.o)
EAL_OBJS := $(EAL_SRCS:%.c=$(BUILD)/obj/%.o)
MAIN_OBJ := $(MAIN_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
ASAN_CORE_OBJS := $(CORE_SRCS:%.c=$(BUILD)/asan/obj/%.o)
ASAN_EAL_OBJS := $(EAL_SRCS:%.c=$(BUILD)/asan/obj/%.o)
ASAN_UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/asan/tests/%)
ASAN_MAIN_OBJ := $(MAIN_SRC:%.c=$(BUILD)/asan/obj/%.o)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)

# keep objects that only tests use
.SECONDARY:

.PHONY: all deps check check-run check-xen demo demo-run bench bench-run clean unit asan fuzz pktgen
.PHONY: check-slow fuzz-long

all: $(BUILD)/jitsu $(BUILD)/jitsuctl

deps:
	@scripts/install-deps.sh

$(BUILD)/jitsu: $(CORE_OBJS) $(EAL_OBJS) $(MAIN_OBJ)
	@echo "  LD      $@"
	$(Q)$(CC) $(BASE_CFLAGS) -o $@ $^ $(PKG_LIBS)

# jitsu-pktgen, the benchmarks' traffic generator (a DPDK application)
# it shares the gateway's DNS name handling and histograms
PKTGEN_SRCS = $(wildcard bench/pktgen/*.c) dataplane/dns.c dataplane/svctab.c control/hist.c
$(BUILD)/jitsu-pktgen: $(PKTGEN_SRCS) $(wildcard bench/pktgen/*.h) control/hist.h
	@echo "  LD      $@"
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(BASE_CFLAGS) $(PKG_CFLAGS) -o $@ $(PKTGEN_SRCS) $(PKG_LIBS) -lm

pktgen: $(BUILD)/jitsu-pktgen

# the fast path's cost per packet on plain buffers: synjitsu = proxy
# (bench/px_micro.sh), DNS answers with and without cookies (bench/dns_cookie.sh)
$(BUILD)/bench/%_micro: bench/%_micro.c $(CORE_OBJS)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(BASE_CFLAGS) $(PKG_CFLAGS) -I. -o $@ $< $(CORE_OBJS) $(PKG_LIBS)

# jitsuctl speaks to the telemetry socket: libc only
$(BUILD)/jitsuctl: control/jitsuctl.c
	@echo "  LD      $@"
	$(Q)$(CC) $(BASE_CFLAGS) -o $@ $<

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(BASE_CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(BUILD)/asan/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC/SAN  $<"
	$(Q)$(CC) $(BASE_CFLAGS) $(SAN_FLAGS) -O1 $(PKG_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(CORE_OBJS) $(EAL_OBJS) tests/unit/helpers.h
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	$(Q)$(CC) $(BASE_CFLAGS) $(PKG_CFLAGS) $(CRIT_CFLAGS) -o $@ $< $(CORE_OBJS) \
		$(EAL_OBJS) $(PKG_LIBS) $(CRIT_LIBS)

$(BUILD)/asan/tests/%: tests/unit/%.c $(ASAN_CORE_OBJS) $(ASAN_EAL_OBJS) tests/unit/helpers.h
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	$(Q)$(CC) $(BASE_CFLAGS) $(SAN_FLAGS) -O1 $(PKG_CFLAGS) $(CRIT_CFLAGS) -o $@ $< \
		$(ASAN_CORE_OBJS) $(ASAN_EAL_OBJS) $(PKG_LIBS) $(CRIT_LIBS)

# libFuzzer targets: clang, with the core sources compiled in.
$(BUILD)/fuzz/%: tests/fuzz/%.c $(CORE_SRCS)
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	$(Q)$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Werror \
		-fsanitize=fuzzer,address,undefined $(PKG_CFLAGS) -o $@ $< $(CORE_SRCS) $(PKG_LIBS)

# The gateway and jitsuctl under ASan+UBSan (build/asan/jitsu): the gateway's
# own heap, stack and arithmetic are checked; DPDK (a system library) is not
# instrumented. tests/check.sh runs end-to-end tests with it (tests/asan.sh).
$(BUILD)/asan/jitsu: $(ASAN_CORE_OBJS) $(ASAN_EAL_OBJS) $(ASAN_MAIN_OBJ)
	@echo "  LD/SAN  $@"
	$(Q)$(CC) $(BASE_CFLAGS) $(SAN_FLAGS) -O1 -o $@ $^ $(PKG_LIBS)

$(BUILD)/asan/jitsuctl: control/jitsuctl.c
	@mkdir -p $(dir $@)
	@echo "  LD/SAN  $@"
	$(Q)$(CC) $(BASE_CFLAGS) $(SAN_FLAGS) -O1 -o $@ $<

unit: $(UNIT_BINS)
asan: $(ASAN_UNIT_BINS) $(BUILD)/asan/jitsu $(BUILD)/asan/jitsuctl
fuzz: $(FUZZ_BINS)

check: deps
	@$(MAKE) --no-print-directory check-run

check-run: all unit asan fuzz pktgen
	@tests/check.sh $(BUILD)

# The whole of `make check` on a slowed machine: a CPU hog pinned to the
# same cores (tests/slow.sh; JITSU_SLOW_HOGS, JITSU_SLOW_NICE).
check-slow: deps
	@tests/slow.sh $(MAKE) --no-print-directory check-run

# Each libFuzzer target for FUZZ_TIME seconds (600), from and into its
# corpus tests/fuzz/corpus/NAME (minimised with -merge=1 at the end; commit
# it): tests/fuzz/run.sh --long. Not part of `make check`, whose short run
# starts from that corpus and tests/fuzz/seeds/NAME.
FUZZ_TIME ?= 600
fuzz-long: fuzz
	@for f in $(FUZZ_BINS); do FUZZ_TIME=$(FUZZ_TIME) tests/fuzz/run.sh --long $$f || exit 1; done

# The real Xen testbed (scripts/xen-testbed.sh): Xen 4.17 and a Debian dom0
# booted in QEMU (TCG, no KVM needed); every tests/xen/test_*.sh runs in dom0,
# each in a boot of its own, with build/jitsu and build/jitsuctl at /test/.
# Serial logs: build/xen/serial-TEST.log. Needs root. `make check` runs it
# too, last (JITSU_SKIP_XEN=1 leaves it out).
check-xen: deps
	@$(MAKE) --no-print-directory all
	@scripts/xen-testbed.sh check

demo: deps
	@$(MAKE) --no-print-directory demo-run

demo-run: all
	@scripts/demo.sh $(BUILD)/jitsu

bench: deps
	@$(MAKE) --no-print-directory bench-run

bench-run: all pktgen $(BUILD)/bench/px_micro $(BUILD)/bench/dns_micro
	@bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

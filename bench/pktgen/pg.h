/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * jitsu-pktgen: the benchmarks' traffic generator. One header for the whole
 * program (it is one module, prefix pg_):
 *
 * - pg_config: the command line as plain data (opts.c), no EAL needed;
 * - pg_gen: frame templates and the per-packet patching, on byte buffers
 *   (gen.c), shared by the port and the pcap writer;
 * - pg_match: what comes back, classified and matched to what was sent, on
 *   byte buffers (match.c);
 * - pg_hist: log-linear latency histogram (hist.c);
 * - pg_worker: the lcore loop, the only code that touches mbufs (worker.c);
 * - the report (report.c) and the pcap writer (pcap.c).
 *
 * The generator writes into, and the matcher reads from, one table of
 * "slots" per kind: a slot remembers when and what was sent under a tag (a
 * DNS ID, a TCP port, an ARP sender address, a sequence number), so that a
 * reply finds its send time without any per-packet allocation.
 */
#ifndef JITSU_PKTGEN_PG_H
#define JITSU_PKTGEN_PG_H

#include <stdint.h>
#include <stdio.h>

#include <rte_ether.h>

#include "../../control/hist.h"

#define PG_BURST 32
#define PG_NAMES_MAX 64
#define PG_NAME_MAX 255          /* wire form, root included */
#define PG_FRAME_MAX 1514        /* 1518 on the wire with the FCS */
#define PG_FCS_LEN 4             /* frame sizes are given with it, as on a wire */
#define PG_PORT_NONE UINT16_MAX

/* The kinds of traffic: X(id, name). A profile is a weighted mix of them. */
#define PG_KINDS(X)               \
	X(dns_hit, "dns-hit")     \
	X(dns_miss, "dns-miss")   \
	X(syn_cold, "syn-cold")   \
	X(fwd, "fwd")             \
	X(arp, "arp")

enum pg_kind {
#define PG_X(id, name) PG_K_##id,
	PG_KINDS(PG_X)
#undef PG_X
	PG_K__COUNT
};

/* What happened to packets, besides the per-kind outcomes: X(name, help).
 * Every received frame lands in exactly one place: a kind's correct, wrong
 * or echoed count, or one of the rx_ drop counters. bad_ counters say why a
 * matched reply was wrong (it is also in its kind's wrong count). */
#define PG_COUNTERS(X)                                                                   \
	X(tx_nombuf, "bursts not generated: the mempool was empty")                   \
	X(tx_retry, "bursts the port took only part of (the rest was sent again)")       \
	X(tx_behind, "packets the rate asked for that could not go out in time (skipped)") \
	X(tx_unsent, "packets generated but still not taken by the port at the end")     \
	X(rx_not_ours, "frames that are no reply to and no echo of what we sent")        \
	X(rx_malformed, "frames too short or inconsistent to parse")                     \
	X(rx_multiseg, "frames in several segments: only the first one was read")        \
	X(rx_bad_ip_cksum, "replies with a wrong IPv4 header checksum (not matched)")    \
	X(rx_bad_l4_cksum, "replies with a wrong UDP or TCP checksum (not matched)")     \
	X(rx_unmatched, "replies whose tag's slot holds another packet (late, or never sent)") \
	X(rx_duplicate, "second replies to one packet")                                  \
	X(bad_dst_mac, "replies not addressed to our MAC")                               \
	X(bad_dns_header, "DNS replies without QR, with another opcode or question count") \
	X(bad_dns_rcode, "DNS replies with an unexpected RCODE")                         \
	X(bad_dns_answer, "dns-hit replies without one A record in the answer")          \
	X(bad_dns_addr, "dns-hit replies with another address than the one expected")    \
	X(bad_arp_reply, "ARP replies from another address or MAC than the gateway's")   \
	X(bad_tcp_reply, "TCP replies other than RST or SYN-ACK, or with a wrong ACK")   \
	X(bad_fwd_addr, "fwd packets back with addresses neither echoed nor answered")  \
	X(bad_fwd_route, "fwd packets out of --down-port with another MAC or TTL than expected") \
	X(rx_down_not_fwd, "frames out of --down-port that are no fwd packet of ours")     \
	X(gw_arp_request, "ARP requests of the device's own (a router asking for our addresses)")

enum pg_counter {
#define PG_X(name, help) PG_C_##name,
	PG_COUNTERS(PG_X)
#undef PG_X
	PG_C__COUNT
};

/* Per-kind outcomes: X(name). received = correct + wrong + echoed.
 * dropped: made but turned away by a full ring with --lossy (never sent). */
#define PG_KIND_COUNTERS(X) \
	X(sent)             \
	X(sent_bytes)       \
	X(dropped)          \
	X(received)         \
	X(received_bytes)   \
	X(correct)          \
	X(wrong)            \
	X(echoed)           \
	X(rst)              \
	X(synack)

enum pg_kind_counter {
#define PG_X(name) PG_KC_##name,
	PG_KIND_COUNTERS(PG_X)
#undef PG_X
	PG_KC__COUNT
};

extern const char *const pg_kind_names[PG_K__COUNT];
extern const char *const pg_counter_names[PG_C__COUNT];
extern const char *const pg_counter_help[PG_C__COUNT];
extern const char *const pg_kind_counter_names[PG_KC__COUNT];

/* ---- configuration (opts.c) ------------------------------------------- */

/** A name to ask for, and the address its answer must carry (0: any). */
struct pg_name {
	char text[PG_NAME_MAX + 1];
	uint8_t wire[PG_NAME_MAX];
	uint16_t wire_len;
	uint32_t addr; /* network order */
};

/** The command line, as plain data. Addresses are in network order. */
struct pg_config {
	uint32_t weight[PG_K__COUNT]; /* the profile: a weight per kind */
	char profile[16];             /* its name, for the report */
	int imix;
	uint16_t size; /* frame size with FCS, for DNS and fwd */
	uint64_t rate_pps; /* 0: as fast as possible */
	double duration_s;
	uint32_t drain_ms;
	uint32_t link_timeout_s;
	uint32_t linger_s;
	int probe;
	uint16_t port;
	uint16_t down_port;  /* PG_PORT_NONE: none */
	int flood;           /* a kind that fills every burst besides the profile, or -1 */
	int lossy;           /* frames the port does not take are dropped, not retried */
	uint32_t gw_ip, svc_ip, fwd_ip, src_ip;
	uint16_t syn_port, fwd_port;
	struct rte_ether_addr gw_mac, src_mac, fwd_mac;
	int have_gw_mac, have_src_mac, have_svc_ip, have_fwd_ip, have_fwd_mac;
	struct pg_name names[PG_NAMES_MAX];
	unsigned int n_names;
	char zone[PG_NAME_MAX + 1];
	uint8_t zone_wire[PG_NAME_MAX];
	uint16_t zone_len;
	const char *pcap_path;
	uint64_t count;
	uint64_t seed;
	int quiet;
};

enum pg_opts_result { PG_OPTS_RUN, PG_OPTS_EXIT_OK, PG_OPTS_BAD };

/**
 * Parse the application's options (what follows "--") into @p cfg, with
 * defaults. Problems are printed to stderr. -h/-V print and say EXIT_OK.
 */
enum pg_opts_result pg_opts_parse(int argc, char **argv, struct pg_config *cfg);

/** The usage text. */
void pg_usage(FILE *f);

/* ---- flows: what was sent under which tag (gen.c writes, match.c reads) - */

/** One tag's last packet. */
struct pg_slot {
	uint64_t tsc;  /* when it was generated */
	uint32_t seq;  /* the kind's sequence number (the ISN for syn-cold) */
	uint32_t aux;  /* dns-hit: the name's index; syn-cold: the source address */
	uint32_t state; /* PG_SLOT_* */
	uint32_t pad;
};

enum { PG_SLOT_FREE, PG_SLOT_LIVE, PG_SLOT_ANSWERED };

#define PG_SLOTS_DNS 65536u  /* tag: the DNS ID (the source port says the kind and era) */
#define PG_SLOTS_SYN 32768u  /* tag: the TCP source port, 32768..65535 */
#define PG_SLOTS_ARP 65536u  /* tag: the sender address, 198.19.0.0/16 */
#define PG_SLOTS_FWD 65536u  /* tag: the low bits of the sequence number in the payload */

/** The slot tables, one per kind. */
struct pg_flows {
	struct pg_slot *slot[PG_K__COUNT];
	uint32_t mask[PG_K__COUNT];
};

/* ---- latency histogram (hist.c, on control/hist.c) ----------------------------------------- */

/* Log-linear: values below 2^PG_HIST_SUB_BITS cycles exactly, then each
 * power of two in 2^PG_HIST_SUB_BITS steps (error below 1/32 = 3 %). */
#define PG_HIST_SUB_BITS 5
#define PG_HIST_SUB (1u << PG_HIST_SUB_BITS)
#define PG_HIST_BUCKETS ((64 - PG_HIST_SUB_BITS + 1) * PG_HIST_SUB)

struct pg_hist {
	uint64_t count, sum, min, max;
	uint64_t bucket[PG_HIST_BUCKETS];
};

/** The bucket of a value (TSC cycles): the gateway's log-linear histogram
 * (control/hist.h) at this resolution. */
static inline unsigned int
pg_hist_bucket(uint64_t v)
{
	return ctl_loglin_bucket(v, PG_HIST_SUB_BITS, PG_HIST_BUCKETS);
}

/** Record one value (TSC cycles). */
static inline void
pg_hist_add(struct pg_hist *h, uint64_t v)
{
	if (v < h->min || h->count == 0)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->count++;
	h->sum += v;
	h->bucket[pg_hist_bucket(v)]++;
}

/** The lowest value of bucket @p b. */
uint64_t pg_hist_bucket_low(unsigned int b);
/** The @p q quantile (0..1), nearest rank, as the middle of its bucket. */
uint64_t pg_hist_quantile(const struct pg_hist *h, double q);
/** Add @p src into @p dst. */
void pg_hist_merge(struct pg_hist *dst, const struct pg_hist *src);

/* ---- statistics of a run --------------------------------------------------- */

struct pg_stats {
	uint64_t kind[PG_K__COUNT][PG_KC__COUNT];
	uint64_t cnt[PG_C__COUNT];
	uint64_t rx_frames, rx_bytes; /* everything the port gave us */
	struct pg_hist lat[PG_K__COUNT];
};

/* ---- generator (gen.c) ----------------------------------------------------- */

struct pg_gen;

/** What pg_gen_next() made. */
struct pg_gen_out {
	uint16_t len;
	uint8_t kind;
};

/**
 * Build the templates and the schedules of @p cfg. @p flows may be NULL
 * (pcap: nothing is matched). Returns NULL with rte_errno set (EINVAL when
 * the configuration cannot be built, with a line on stderr; ENOMEM).
 */
struct pg_gen *pg_gen_create(const struct pg_config *cfg, const struct rte_ether_addr *src_mac,
			     struct pg_flows *flows);
void pg_gen_free(struct pg_gen *g);

/**
 * Write the next frame of the profile into @p buf (PG_FRAME_MAX bytes), its
 * per-packet fields patched and checksums complete, stamped with @p tsc
 * (fwd payload and the slot). Returns its length and kind.
 */
void pg_gen_next(struct pg_gen *g, uint8_t *buf, uint64_t tsc, struct pg_gen_out *out);

/** The same for a frame of the flood kind (--flood), outside the profile. */
void pg_gen_flood(struct pg_gen *g, uint8_t *buf, uint64_t tsc, struct pg_gen_out *out);

/* ---- matcher (match.c) ------------------------------------------------------ */

struct pg_match_ctx {
	const struct pg_config *cfg;
	int down; /* the frame came out of --down-port (forwarded by the device) */
	struct rte_ether_addr src_mac;
	struct pg_flows *flows;
	struct pg_stats *st;
};

/** Classify one received frame, match it, count it, record its latency. */
void pg_match_frame(struct pg_match_ctx *m, const uint8_t *frame, uint16_t len,
		    uint64_t now);

/* ---- tags shared by gen.c and match.c --------------------------------------- */

/* Source port ranges say which kind a UDP tag belongs to. */
#define PG_PORT_DNS_HIT 0x4000
#define PG_PORT_DNS_MISS 0x8000
#define PG_PORT_FWD 0xc000
#define PG_PORT_RANGE_MASK 0xc000
#define PG_PORT_ERA_MASK 0x3fff
#define PG_PORT_SYN 0x8000 /* syn-cold: 0x8000 | perm15(slot) */
#define PG_ARP_NET 0xc6130000u  /* 198.19.0.0/16, host order: ARP senders */
#define PG_SYN_NET 0xc6120000u  /* 198.18.0.0/15, host order: syn-cold sources */
#define PG_SYN_NET_MASK 0x1ffffu
#define PG_FWD_MAGIC 0x3147504au /* "JPG1" read as a little-endian word */

/** The stamp at the start of a fwd payload (host order: only we read it). */
struct pg_stamp {
	uint32_t magic;
	uint32_t seq;
	uint64_t tsc;
} __attribute__((packed));

/* Bijections that make tags look random: an odd multiplier and an xor,
 * modulo 2^16 (DNS IDs) and 2^15 (TCP ports). */
#define PG_PERM_MUL 0x9e37u
#define PG_PERM_XOR 0x5bd1u
uint16_t pg_perm16(uint16_t x);
uint16_t pg_perm16_inv(uint16_t y);
uint16_t pg_perm15(uint16_t x);
uint16_t pg_perm15_inv(uint16_t y);

/* ---- the worker (worker.c) --------------------------------------------------- */

struct pg_worker;

/** What a worker needs: everything is sized and made before it runs. */
struct pg_worker_params {
	const struct pg_config *cfg;
	struct rte_mempool *pool;
	uint16_t port;
	uint16_t down_port; /* polled for forwarded frames; PG_PORT_NONE: none */
	uint16_t queue;
	struct rte_ether_addr src_mac;
	unsigned int lcore;
};

/** The worker's run state, as the main lcore sees it. */
struct pg_times {
	uint64_t tsc_hz;
	uint64_t tx_first, tx_last; /* first and last packet the port took */
	uint64_t rx_first, rx_last; /* first and last frame received */
	uint64_t stop_tx;           /* when generation stopped */
	int interrupted;            /* a signal ended the sending early */
};

/** What the probe saw. */
struct pg_probe_result {
	uint64_t sent, answers, other;
	double ms; /* to the first answer */
};

/**
 * Before the run, from the calling lcore: ARP requests for the gateway
 * every 10 ms until one is answered (or turned around by a reflector) or
 * @p timeout_ms pass; then 20 ms more to swallow late answers. Proves the
 * path works both ways (memif says "up" before the peer polls). 0, or
 * -ETIMEDOUT, -ENOMEM.
 */
int pg_probe(const struct pg_worker_params *prm, uint32_t timeout_ms,
	     struct pg_probe_result *res);

/** Create a worker; NULL with rte_errno set. */
struct pg_worker *pg_worker_create(const struct pg_worker_params *prm);
void pg_worker_free(struct pg_worker *w);
/** The lcore function (rte_eal_remote_launch). */
int pg_worker_run(void *arg);
/** Stop generating (receive on); then stop receiving and return. */
void pg_worker_stop_tx(struct pg_worker *w);
void pg_worker_quit(struct pg_worker *w);
/** Once the worker returned: its statistics and times. */
const struct pg_stats *pg_worker_stats(const struct pg_worker *w);
const struct pg_times *pg_worker_times(const struct pg_worker *w);

/* ---- report (report.c) and pcap (pcap.c) --------------------------------- */

/** The port's own view, for the report. */
struct pg_port_stats {
	uint64_t ipackets, opackets, ibytes, obytes, imissed, ierrors, oerrors, rx_nombuf;
	char name[64];
};

struct pg_probe_result;

/** One JSON object on @p out, a readable summary on @p err (may be NULL). */
void pg_report(FILE *out, FILE *err, const struct pg_config *cfg, const struct pg_stats *st,
	       const struct pg_times *t, const struct pg_port_stats *ps,
	       const struct pg_probe_result *probe);

/**
 * Write @p cfg->count frames of the profile to @p cfg->pcap_path (classic
 * pcap, microseconds, Ethernet), spaced by 1/rate (1 us without --rate).
 * Returns 0 or -errno (with a line on stderr).
 */
int pg_pcap_write(const struct pg_config *cfg);

#endif

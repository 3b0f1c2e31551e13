/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The profile as a classic pcap file (what tcpreplay, TRex and pktgen-dpdk
 * read): the same generator as on the port, written by hand (a global
 * header and a record header per frame, host byte order as the format
 * allows), so that no EAL and no port are needed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>

#include "pg.h"

#define PG_PCAP_MAGIC 0xa1b2c3d4u /* microsecond timestamps */
#define PG_LINKTYPE_ETHERNET 1

struct pg_pcap_hdr {
	uint32_t magic;
	uint16_t major, minor;
	int32_t thiszone;
	uint32_t sigfigs, snaplen, linktype;
};

struct pg_pcap_rec {
	uint32_t ts_sec, ts_usec, incl_len, orig_len;
};

int
pg_pcap_write(const struct pg_config *cfg)
{
	/* locally administered, "pg" */
	static const struct rte_ether_addr pg_pcap_mac = { { 0x02, 0x70, 0x67, 0x00, 0x00, 0x01 } };
	const struct rte_ether_addr *src = cfg->have_src_mac ? &cfg->src_mac : &pg_pcap_mac;
	struct pg_pcap_hdr h = { PG_PCAP_MAGIC, 2, 4, 0, 0, 65535, PG_LINKTYPE_ETHERNET };
	uint8_t buf[PG_FRAME_MAX];
	int rc = 0;

	struct pg_gen *g = pg_gen_create(cfg, src, NULL);
	if (g == NULL) {
		fprintf(stderr, "jitsu-pktgen: cannot build the profile: %s\n", strerror(rte_errno));
		return -rte_errno;
	}
	FILE *f = fopen(cfg->pcap_path, "wb");
	if (f == NULL) {
		rc = -errno;
		fprintf(stderr, "jitsu-pktgen: %s: %s\n", cfg->pcap_path, strerror(errno));
		goto out;
	}
	if (fwrite(&h, sizeof(h), 1, f) != 1)
		rc = -EIO;
	for (uint64_t i = 0; rc == 0 && i < cfg->count; i++) {
		struct pg_gen_out o;
		/* 1/rate apart, 1 us without a rate: tcpreplay -t or --pps replays faster */
		uint64_t us = cfg->rate_pps ? i * 1000000 / cfg->rate_pps : i;
		pg_gen_next(g, buf, i, &o);
		struct pg_pcap_rec r = { (uint32_t)(us / 1000000), (uint32_t)(us % 1000000), o.len,
					 o.len };
		if (fwrite(&r, sizeof(r), 1, f) != 1 || fwrite(buf, o.len, 1, f) != 1)
			rc = -EIO;
	}
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc != 0)
		fprintf(stderr, "jitsu-pktgen: %s: write failed: %s\n", cfg->pcap_path, strerror(-rc));
	else
		fprintf(stderr, "jitsu-pktgen: %s: %" PRIu64 " frames of %s%s\n", cfg->pcap_path,
			cfg->count, cfg->profile, cfg->imix ? " (imix)" : "");
out:
	pg_gen_free(g);
	return rc;
}

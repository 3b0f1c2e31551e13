/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer: whole frames through the uplink and downlink paths (parsing,
 * ARP, DNS, checksums), with and without rx checksum flags. */
#include <string.h>

#include <rte_mbuf_core.h>

#include "common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct rte_ether_addr mac = { { 0x02, 0x70, 0x63, 0x61, 0x70, 0x00 } };
	struct dp_fp_conf c = {
		.up_mac = mac,
		.down_mac = mac,
		.gw_ip = htonl(0x0a4d0001u),
		.dns = { .tab = fz_table(), .ttl = 30, .soa_serial = 1 },
	};
	struct dp_verdict v;
	static struct dp_svc_rt rt[4];
	static uint64_t activity[4];
	static struct dp_neigh neigh[DP_NEIGH_SIZE];
	struct dp_fp_state st = { .now = size, .activity = activity, .neigh = neigh };

	if (size < 2 || size > 2048)
		return 0;
	uint8_t ctl = data[0];
	size_t len = size - 1, cap = len + (ctl & 0x3f) * 8;
	c.flags = (ctl & 0x40) ? DP_F_TX_CKSUM_UP | DP_F_EXCEPTION : 0;
	/* services in every state, with the MACs the frames may carry */
	c.rt = rt;
	for (uint32_t i = 0; i < 4; i++) {
		rt[i].state = (ctl + i) % DP_SVC__COUNT;
		rt[i].mac = mac;
	}
	uint64_t rx = (ctl & 0x80) ? RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD : 0;
	uint8_t *f = malloc(cap);
	memcpy(f, data + 1, len);
	dp_uplink_frame(&c, &st, f, (uint16_t)len, (uint16_t)cap, rx, &v);
	if (v.action != DP_ACT_DROP && (v.len == 0 || v.len > cap))
		abort();
	if (v.counter > DP_C__COUNT || (v.event != DP_EV_NONE && v.svc < 0))
		abort();
	memcpy(f, data + 1, len);
	dp_downlink_frame(&c, &st, f, (uint16_t)len, (uint16_t)cap, rx, &v);
	if (v.action != DP_ACT_DROP && (v.len == 0 || v.len > cap))
		abort();
	free(f);
	return 0;
}

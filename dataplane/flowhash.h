/* The slot of a TCP 4-tuple in a table that hosts on the uplink fill (held
 * flows, proxied flows, DNS-over-TCP connections): every such table is open
 * addressing with linear probing, so a hash anyone can compute would let a
 * sender choose addresses and ports that all land in one probe run and make
 * every lookup walk the whole table. The hash is keyed by a secret drawn per
 * table at start (jhash of the three words with a random initval, as Linux's
 * inet_ehashfn keys its established table with net_secret). */
#ifndef DP_FLOWHASH_H
#define DP_FLOWHASH_H

#include <stdint.h>

#include <rte_jhash.h>

static inline uint32_t
dp_flow_hash(uint32_t seed, uint32_t cip, uint32_t sip, uint16_t cport, uint16_t sport)
{
	return rte_jhash_3words(cip, sip, (uint32_t)cport << 16 | sport, seed);
}

#endif

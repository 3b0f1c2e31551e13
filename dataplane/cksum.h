/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Internet checksum arithmetic (RFC 1071) for incremental updates
 * (RFC 1624), on plain buffers and without EAL, so that a reply built in a
 * query's buffer gets its checksums from the query's instead of a second
 * pass over the packet.
 *
 * Sums are one's complement sums of 16-bit words as they lie in memory
 * (host order loads, as rte_raw_cksum() takes them): a checksum field read
 * from a packet with a plain load, and a length stored with
 * rte_cpu_to_be_16(), are in that same order. One's complement addition
 * does not care which order it is, as long as every term is in the same.
 */
#ifndef JITSU_DP_CKSUM_H
#define JITSU_DP_CKSUM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/** Fold a 32-bit accumulator into 16 bits with end-around carries. */
static inline uint16_t
dp_cksum_fold(uint32_t s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/**
 * The sum of @p len bytes at @p p, in memory order, as if they sat @p odd
 * (0 or 1) bytes off a 16-bit boundary of the checksummed area: summed from
 * an odd start, every word comes out byte-swapped, which in one's complement
 * is the same swap of the sum. An odd last byte counts as if followed by a 0.
 * 16-bit loads only: for bytes just written with 16-bit (or wider, 2-aligned)
 * stores at the same offsets, whose wider loads would wait for the stores to
 * retire (a store-forwarding stall) where a matching load is forwarded.
 */
static inline uint16_t
dp_cksum_sum16_at(const uint8_t *p, size_t len, int odd)
{
	uint32_t s = 0;
	size_t i = 0;

	for (; i + 2 <= len; i += 2) {
		uint16_t w;
		memcpy(&w, p + i, 2);
		s += w;
	}
	if (i < len) { /* the last byte: the first of its word */
		uint16_t w = 0;
		memcpy(&w, p + i, 1);
		s += w;
	}
	uint16_t f = dp_cksum_fold(s);
	return odd ? (uint16_t)(f << 8 | f >> 8) : f;
}

/** The same as dp_cksum_sum16_at(), 8 bytes a load where it can. */
static inline uint16_t
dp_cksum_sum_at(const uint8_t *p, size_t len, int odd)
{
	uint64_t s = 0;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		s += (w & 0xffffffffu) + (w >> 32);
	}
	if (i + 4 <= len) { /* an IPv4 header's last word */
		uint32_t w;
		memcpy(&w, p + i, 4);
		s += w;
		i += 4;
	}
	s += dp_cksum_sum16_at(p + i, len - i, 0); /* the rest: i is even */
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	uint16_t f = dp_cksum_fold((uint32_t)s);
	return odd ? (uint16_t)(f << 8 | f >> 8) : f;
}

/**
 * A checksum field after some of the data it covers changed (RFC 1624,
 * equation 3: HC' = ~(~HC + ~m + m')): @p ck is the field's value before,
 * @p old_sum the sum of the words that changed as they were, @p new_sum as
 * they are (use dp_cksum_fold() on wider sums). The result is what a full
 * recomputation (~sum) gives, 0xffff excepted where that gives 0: see
 * dp_cksum_update_udp() for UDP.
 */
static inline uint16_t
dp_cksum_update(uint16_t ck, uint16_t old_sum, uint16_t new_sum)
{
	return (uint16_t)~dp_cksum_fold((uint32_t)(uint16_t)~ck + (uint16_t)~old_sum + new_sum);
}

/**
 * The same for a UDP checksum, where 0 means "none" and a computed 0 is sent
 * as 0xffff (RFC 768). @p ck must not be 0 (a datagram without a checksum
 * has none to update: compute it whole).
 */
static inline uint16_t
dp_cksum_update_udp(uint16_t ck, uint16_t old_sum, uint16_t new_sum)
{
	uint16_t r = dp_cksum_update(ck, old_sum, new_sum);

	return r == 0 ? 0xffff : r;
}

#endif

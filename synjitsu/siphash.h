/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF",
 * 2012): a keyed 64-bit hash, the MAC of the SYN cookies and of the DNS
 * server cookies. Header-only and without EAL; inputs here are a few tens of
 * bytes, so a plain byte loop is what it needs.
 */
#ifndef JITSU_SYN_SIPHASH_H
#define JITSU_SYN_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

/** A 128-bit SipHash key, as two little-endian 64-bit words (k0, k1). */
struct syn_sipkey {
	uint64_t k0;
	uint64_t k1;
};

/** The key of the 16 bytes at @p b, as the paper reads them (little endian). */
static inline struct syn_sipkey
syn_sipkey_from_bytes(const uint8_t b[16])
{
	struct syn_sipkey k = { 0, 0 };

	for (int i = 7; i >= 0; i--) {
		k.k0 = k.k0 << 8 | b[i];
		k.k1 = k.k1 << 8 | b[8 + i];
	}
	return k;
}

#define SYN_SIP_ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define SYN_SIP_ROUND(v0, v1, v2, v3)                                          \
	do {                                                                   \
		v0 += v1;                                                      \
		v1 = SYN_SIP_ROTL(v1, 13);                                     \
		v1 ^= v0;                                                      \
		v0 = SYN_SIP_ROTL(v0, 32);                                     \
		v2 += v3;                                                      \
		v3 = SYN_SIP_ROTL(v3, 16);                                     \
		v3 ^= v2;                                                      \
		v0 += v3;                                                      \
		v3 = SYN_SIP_ROTL(v3, 21);                                     \
		v3 ^= v0;                                                      \
		v2 += v1;                                                      \
		v1 = SYN_SIP_ROTL(v1, 17);                                     \
		v1 ^= v2;                                                      \
		v2 = SYN_SIP_ROTL(v2, 32);                                     \
	} while (0)

/** SipHash-2-4 of the @p len bytes at @p in under key @p k. */
static inline uint64_t
syn_siphash24(const struct syn_sipkey *k, const void *in, size_t len)
{
	const uint8_t *p = in;
	uint64_t v0 = k->k0 ^ 0x736f6d6570736575ull;
	uint64_t v1 = k->k1 ^ 0x646f72616e646f6dull;
	uint64_t v2 = k->k0 ^ 0x6c7967656e657261ull;
	uint64_t v3 = k->k1 ^ 0x7465646279746573ull;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t m = 0;
		for (int j = 7; j >= 0; j--)
			m = m << 8 | p[i + (size_t)j];
		v3 ^= m;
		SYN_SIP_ROUND(v0, v1, v2, v3);
		SYN_SIP_ROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	/* the last block: the remaining bytes, and the length's low byte on top */
	uint64_t b = (uint64_t)(len & 0xff) << 56;
	for (size_t j = len - i; j > 0; j--)
		b |= (uint64_t)p[i + j - 1] << (8 * (j - 1));
	v3 ^= b;
	SYN_SIP_ROUND(v0, v1, v2, v3);
	SYN_SIP_ROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	SYN_SIP_ROUND(v0, v1, v2, v3);
	SYN_SIP_ROUND(v0, v1, v2, v3);
	SYN_SIP_ROUND(v0, v1, v2, v3);
	SYN_SIP_ROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

#endif

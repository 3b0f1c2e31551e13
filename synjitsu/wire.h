/* Big-endian field access on plain byte buffers, for the parts of synjitsu
 * that build and parse TCP headers without an mbuf (cookie.c, proxy.c). */
#ifndef SYN_WIRE_H
#define SYN_WIRE_H

#include <stdint.h>

static inline uint32_t
syn_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint16_t
syn_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint8_t *
syn_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return p + 4;
}

static inline uint8_t *
syn_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

/* A 32-bit value's two 16-bit words, summed (for a one's complement sum:
 * fold the total with dp_cksum_fold()). */
static inline uint32_t
syn_sum32(uint32_t v)
{
	return (v >> 16) + (v & 0xffff);
}

#endif

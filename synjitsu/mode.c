/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include "synjitsu.h"

static const char *const syn_mode_names[SYN_MODE__COUNT] = {
	[SYN_MODE_BUFFER] = "buffer",
	[SYN_MODE_PROXY] = "proxy",
	[SYN_MODE_OFF] = "off",
};

const char *
syn_mode_name(enum syn_mode m)
{
	return (unsigned int)m < SYN_MODE__COUNT ? syn_mode_names[m] : "?";
}

int
syn_mode_parse(const char *s, enum syn_mode *m)
{
	for (unsigned int i = 0; i < SYN_MODE__COUNT; i++) {
		if (strcmp(s, syn_mode_names[i]) != 0)
			continue;
		*m = (enum syn_mode)i;
		return 0;
	}
	return -EINVAL;
}

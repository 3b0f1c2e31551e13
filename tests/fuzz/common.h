/* SPDX-License-Identifier: BSD-3-Clause */
/* A small service table shared by the fuzz targets. */
#ifndef JITSU_FUZZ_COMMON_H
#define JITSU_FUZZ_COMMON_H

#include <arpa/inet.h>
#include <stdlib.h>

#include "../../dataplane/dataplane.h"

static struct dp_svctab *
fz_table(void)
{
	static struct dp_svctab *t;
	static const char *const names[] = { "www.example.org", "example.org", "api.example.org",
					     "svc.other.net" };
	uint8_t w[DP_DNS_NAME_MAX];

	if (t != NULL)
		return t;
	struct dp_svctab_params p = { .max_services = 4, .max_names = 4, .max_zones = 2 };
	t = dp_svctab_create(&p);
	if (t == NULL)
		abort();
	for (uint32_t i = 0; i < 4; i++) {
		dp_svctab_add_service(t, i, htonl(0x0a4d010au + i));
		int l = dp_dns_name_from_text(names[i], w, sizeof(w));
		dp_svctab_add_name(t, i, w, (size_t)l);
	}
	int l = dp_dns_name_from_text("example.org", w, sizeof(w));
	struct dp_zone_conf zc = { .refresh = 1, .retry = 2, .expire = 3, .minimum = 4,
				   .glue = htonl(0x0a4d0001u) };
	dp_svctab_add_zone_conf(t, w, (size_t)l, &zc);
	if (dp_svctab_finish(t) != 0)
		abort();
	return t;
}

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/* The services' bridge (bridge.h). */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include <rte_log.h>

#include "../../nic/nic.h"
#include "bridge.h"
#include "netns.h"

RTE_LOG_REGISTER(ctl_br_logtype, jitsu.backend.bridge, INFO);
#define BR_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, ctl_br_logtype, "jitsu: " fmt "\n", ##__VA_ARGS__)

static struct {
	uint16_t downlink;
	int have_downlink;
	int up;
	int made;
	char name[IF_NAMESIZE];
} br;

void
ctl_bridge_set_downlink(uint16_t port)
{
	br.downlink = port;
	br.have_downlink = 1;
}

int
ctl_bridge_up(const char *name, char *msg, size_t len)
{
	char down[IF_NAMESIZE];

	if (br.up)
		return 0;
	int rc = ctl_bridge_create(name);
	if (rc == 0) {
		br.made = 1;
		snprintf(br.name, sizeof(br.name), "%s", name);
	}
	if (rc == 0 || rc == -EEXIST)
		rc = ctl_link_set_up(name);
	if (rc < 0) {
		snprintf(msg, len, "bridge %s: %s", name, strerror(-rc));
		return rc;
	}
	/* a downlink with a kernel side (net_tap, net_af_packet) joins it;
	 * a NIC is wired to it by the operator */
	if (br.have_downlink && nic_port_ifname(br.downlink, down) == 0) {
		rc = nic_port_split_kernel_mac(br.downlink, down);
		if (rc == 0)
			rc = ctl_link_set_master(down, name);
		if (rc == 0)
			rc = ctl_link_set_up(down);
		if (rc < 0) {
			snprintf(msg, len, "downlink %s on bridge %s: %s", down, name,
				 strerror(-rc));
			return rc;
		}
		BR_LOG(INFO, "downlink %s is on bridge %s", down, name);
	}
	br.up = 1;
	return 0;
}

void
ctl_bridge_down(void)
{
	if (br.made)
		ctl_link_delete(br.name);
	br.made = br.up = 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The services' bridge, shared by the backends whose services have a link
 * on it (a process's veth, a domain's vif): made when the first such
 * service is prepared, with the gateway's downlink on it when the downlink
 * has a kernel side; removed at close if this run made it.
 */
#ifndef JITSU_CTL_BRIDGE_H
#define JITSU_CTL_BRIDGE_H

#include <stddef.h>
#include <stdint.h>

/** Note the downlink port (from a backend's open). */
void ctl_bridge_set_downlink(uint16_t port);

/** Make bridge @p name and put the downlink on it, once. @return 0 or -errno + @p msg. */
int ctl_bridge_up(const char *name, char *msg, size_t len);

/** Remove the bridge if ctl_bridge_up() made it (once; later calls do nothing). */
void ctl_bridge_down(void);

#endif

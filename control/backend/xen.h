/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The libxl backend (private to control/): Xen domains made from xl
 * configuration files, driven asynchronously from the control loop.
 */
#ifndef JITSU_CTL_XEN_H
#define JITSU_CTL_XEN_H

#include <stddef.h>
#include <sys/types.h>

#include "../config.h"
#include "xlcfg.h"

/**
 * Open the process's libxl context and xenstore connection and register the
 * backend (once; later calls return the first outcome). @return NULL, or a
 * sentence saying why Xen is not available.
 */
const char *ctl_xen_open(void);

/** Check a libxl service as far as can be done without Xen: its xl file
 *  translates, and it asks for no readiness the backend lacks (tcp, notify).
 *  @return 0 or -errno with @p msg. */
int ctl_xen_check_config(const struct ctl_service_config *c, const struct ctl_gateway_config *gw,
			 char *msg, size_t len);

/** Close what ctl_xen_open() opened (its services released first). */
void ctl_xen_close(void);

/** Destroy the domains under the gateway's prefix that no service claims. */
void ctl_xen_sweep(const struct ctl_gateway_config *gw);

/** A child the runtime reaped that is none of its services': maybe libxl's. */
void ctl_xen_child_reaped(pid_t pid, int status);

/** Run libxl's events for up to @p timeout_ms while the control loop is blocked. */
void ctl_xen_pump(int timeout_ms);

struct ctl_svc;

/** For telemetry: the domain of libxl service @p s (0: none), its name, and
 *  whether a suspended image waits. @return 0, or -ENOENT for another backend. */
int ctl_xen_describe(const struct ctl_svc *s, uint32_t *domid, const char **domname, int *saved);

#endif

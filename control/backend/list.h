/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Every backend, one line each: its enum ctl_backend suffix, its name in
 * configuration files (backend = NAME), and its struct ctl_backend_ops
 * (control/backend.h). The configuration's names, enum ctl_backend and the
 * backends' table (table.c) are made from this list: adding a backend is a
 * file set under control/backend/ and one line here.
 */
#ifndef JITSU_CTL_BACKEND_LIST_H
#define JITSU_CTL_BACKEND_LIST_H

#define CTL_BACKEND_LIST(X)                                                    \
	X(PROCESS, "process", ctl_backend_process)                             \
	X(LIBXL, "libxl", ctl_backend_libxl)                                   \
	X(TOY, "toy", ctl_backend_toy)                                         \
	/* one line per backend, above this one */

#endif

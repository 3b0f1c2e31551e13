/* SPDX-License-Identifier: BSD-3-Clause */
/* The backends' table, by enum ctl_backend, from control/backend/list.h. */
#include "../backend.h"
#include "list.h"

#define CTL_BACKEND_DECL(kind, name, ops) extern const struct ctl_backend_ops ops;
CTL_BACKEND_LIST(CTL_BACKEND_DECL)
#undef CTL_BACKEND_DECL

const struct ctl_backend_ops *const ctl_backends[CTL_BACKEND__COUNT] = {
#define CTL_BACKEND_ENTRY(kind, name, ops) [CTL_BACKEND_##kind] = &ops,
	CTL_BACKEND_LIST(CTL_BACKEND_ENTRY)
#undef CTL_BACKEND_ENTRY
};

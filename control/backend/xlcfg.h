/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The hypervisor-free half of the libxl backend: a service's xl
 * configuration file (or Jitsu's `kernel=...,memory=...` form) turned into a
 * libxl_domain_config, and the check that this machine is a Xen dom0.
 * Nothing here needs a libxl_ctx, Xen or xenstore; nothing prints.
 *
 * The file is read with libxlutil, so its syntax is xl's. The keys jitsu
 * takes (any other is refused, naming the key and its line):
 *
 * - `name`: the domain's name, 1-63 of `A-Z a-z 0-9 _ . -`; default: the
 *   service's name.
 * - `type`: `pv` or `pvh` (`hvm` is refused); default as xl: `pv` on x86,
 *   `pvh` on Arm. `builder = "generic"` (xl's deprecated spelling of `pv`)
 *   is taken too, and must not contradict `type`.
 * - `kernel` (required: there is no bootloader), `ramdisk`: must be readable
 *   (paths as written, relative to jitsu's working directory, as with xl).
 * - `cmdline`; or, as xl composes it, `root` and `extra`: `root=ROOT EXTRA`.
 *   `cmdline` with `root` or `extra` is refused (xl would drop those).
 * - `memory`, `maxmem`: MiB as in xl (target, maximum; maxmem >= memory,
 *   default memory); neither: libxl's default.
 * - `vcpus`, `maxvcpus`: 1..4096 (online, maximum >= vcpus); default 1.
 * - `tsc_mode`: `default`, `always_emulate`, `native`, `native_paravirt`
 *   (PVH guests under an emulated CPU without a usable TSC need `native`).
 * - `vif`: absent, `[]` or one entry `"key=value,..."` with `mac`, `bridge`,
 *   `ip` (if given, they must be the service's MAC, the gateway's bridge, the
 *   service's address: jitsu sets them), `vifname`, `rate` (as xl). More
 *   than one vif is refused.
 * - `disk`: xl disk specifications, parsed by libxlutil's xlu_disk_parse():
 *   positional `target,format,vdev,access` (also with the older `phy:` or
 *   `file:` prefixes) or `format=..., vdev=..., access=..., target=...`.
 *   CD-ROMs are refused, vdevs must be unique.
 * - `on_poweroff`, `on_reboot`, `on_crash`: what the backend does when the
 *   guest powers off, reboots or crashes on its own (libxl only records
 *   them: acting on them is the toolstack's job): `destroy` (the service
 *   FAILED), `restart` (destroyed and booted again at once), `preserve` (the
 *   domain kept for inspection, the service FAILED until it is gone),
 *   `coredump-destroy`, `coredump-restart` (the core written to
 *   STATE_DIR/DOMAIN.core first). Defaults as xl: destroy, restart, destroy.
 *   `rename-restart` and `soft-reset` are refused.
 * - `uuid`: default: a new random one at each translation.
 *
 * A key assigned twice with `=` is refused (`+=` appends, as in xl); `+=` on
 * a number is refused. No value is silently ignored.
 */
#ifndef JITSU_CTL_XLCFG_H
#define JITSU_CTL_XLCFG_H

#include <stddef.h>
#include <stdint.h>

#include <libxl.h>
#include <rte_ether.h>

/** vCPUs a service may have (also the size limit of avail_vcpus). */
#define CTL_XL_MAX_VCPUS 4096
/** Longest xl file read (they are a few hundred bytes). */
#define CTL_XL_MAX_FILE (1u << 20)

/** What a libxl service is made of. */
struct ctl_xl_input {
	const char *xl;            /**< xl configuration file; NULL or "": the fields below */
	const char *kernel;        /**< without xl: the kernel image (required) */
	uint32_t memory;           /**< without xl: KiB (target and maximum); 0: libxl's default */
	const char *origin;        /**< without xl: how messages name the service
					("--service #2"); NULL: "service NAME" */
	const char *name;          /**< the service's name (required) */
	struct rte_ether_addr mac; /**< the service's MAC, imposed on its vif (unicast) */
	uint32_t address;          /**< the service's IPv4 address, network order; 0: none */
	const char *bridge;        /**< the gateway's bridge, imposed on the vif (required) */
};

/**
 * Fill @p dc (the caller has run libxl_domain_config_init() on it and
 * disposes it, also on failure) from @p in: c_info (type, name, uuid),
 * b_info (type, kernel, ramdisk, cmdline, memory, vCPUs), one nic, the
 * disks, the on_* actions. Without a file: type as xl's default, 1 vCPU,
 * on_* as xl's defaults.
 *
 * @return 0; -EINVAL for a bad file or value, -errno when a file cannot be
 *         read, -ENOMEM. @p msg (@p len bytes, NULL allowed) then says
 *         "FILE:LINE: KEY: what is wrong" (without LINE when the key is
 *         missing; libxlutil's own line for a syntax error).
 */
int ctl_xl_translate(const struct ctl_xl_input *in, libxl_domain_config *dc, char *msg,
		     size_t len);

/**
 * Whether this machine is a Xen dom0 (/proc/xen/capabilities says
 * `control_d`). @return NULL if so, else a sentence that says why not.
 */
const char *ctl_xl_available(void);

/**
 * ctl_xl_available() on another directory than /proc/xen (for tests). The
 * sentence is in a thread-local buffer, valid until the next call.
 */
const char *ctl_xl_available_in(const char *procxen);

#endif

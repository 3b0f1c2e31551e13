/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Network plumbing of the process backend: named network namespaces (as
 * `ip netns` makes them, under /run/netns), a bridge, veth pairs and the
 * service's interface inside its namespace. Netlink goes through
 * libnl-route-3; nothing here forks a program or prints.
 *
 * Every function returns 0 (or a documented non-negative value) or -errno.
 * Multi-step calls also describe a failure in a caller-provided buffer
 * (@p msg of @p msg_len bytes, NULL allowed), with the kernel's own
 * explanation when it gave one.
 *
 * Work inside a namespace runs on a short-lived thread that enters it
 * (ctl_netns_run()): the calling thread never changes namespace, whatever
 * fails. Link functions without a namespace argument act in the calling
 * thread's current namespace. Every fd made here is close-on-exec.
 */
#ifndef JITSU_CTL_NETNS_H
#define JITSU_CTL_NETNS_H

#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>

/** Where named namespaces live, as with iproute2. */
#define CTL_NETNS_DIR "/run/netns"

/** Called once per name by the foreach functions; non-zero stops the walk. */
typedef int (*ctl_name_cb_t)(const char *name, void *arg);

/** A function run inside a namespace; returns 0 or -errno. */
typedef int (*ctl_netns_fn_t)(void *arg);

/* ---- named namespaces --------------------------------------------------- */

/**
 * Create the named namespace /run/netns/@p name (like `ip netns add`),
 * making /run/netns a shared mount first if it is not a mount point.
 * @return 0, -EEXIST if it exists, -EINVAL for a bad name, or -errno.
 */
int ctl_netns_create(const char *name, char *msg, size_t msg_len);

/**
 * Delete a named namespace (detach its mount, remove the file). The
 * namespace itself lives on while an fd or a process still holds it.
 * @return 0, also when it does not exist, or -errno.
 */
int ctl_netns_delete(const char *name);

/**
 * Open a named namespace for ctl_netns_run() and friends.
 * @return an fd (O_RDONLY|O_CLOEXEC) the caller closes, -ENOENT if there is
 *         no such namespace (also a file a crash left unmounted), or -errno.
 */
int ctl_netns_open(const char *name);

/**
 * Call @p cb for every named namespace whose name starts with @p prefix
 * ("" for all); @p cb may delete the one it is given.
 * @return 0, @p cb's first non-zero return, or -errno.
 */
int ctl_netns_foreach(const char *prefix, ctl_name_cb_t cb, void *arg);

/**
 * Run @p fn(@p arg) on a new thread that has entered the network namespace
 * @p netns_fd, and wait for it. Sockets @p fn opens stay in that namespace.
 * Signals are blocked on that thread.
 * @return @p fn's return, or -errno if the namespace could not be entered.
 */
int ctl_netns_run(int netns_fd, ctl_netns_fn_t fn, void *arg);

/* ---- links in the calling thread's namespace ---------------------------- */

/**
 * Create a bridge and set it up.
 * @return 0, -EEXIST if a link of that name exists (of any type), or -errno.
 */
int ctl_bridge_create(const char *name);

/** Delete a link. @return 0, also when it does not exist, or -errno. */
int ctl_link_delete(const char *name);

/** Put @p dev on the bridge @p bridge. @return 0, -ENODEV if either is missing, or -errno. */
int ctl_link_set_master(const char *dev, const char *bridge);

/** Set a link up. @return 0, -ENODEV if it is missing, or -errno. */
int ctl_link_set_up(const char *dev);

/** @return 1 if the link exists, 0 if not, or -errno. */
int ctl_link_exists(const char *name);

/**
 * Call @p cb for every link whose name starts with @p prefix, from a
 * snapshot taken first (so @p cb may delete links).
 * @return 0, @p cb's first non-zero return, or -errno.
 */
int ctl_links_foreach_prefix(const char *prefix, ctl_name_cb_t cb, void *arg);

/**
 * Create a veth pair: @p host_name here, @p peer_name created directly in
 * the namespace @p peer_netns_fd (here when it is -1). Both ends stay down.
 * @return 0, -EEXIST if a name is taken, or -errno.
 */
int ctl_veth_create(const char *host_name, const char *peer_name, int peer_netns_fd,
		    char *msg, size_t msg_len);

/**
 * Inside the namespace @p netns_fd: rename @p ifname to @p newname (taking it
 * down first if needed), set its MAC (@p mac NULL: keep it), add
 * @p addr/@p prefix_len (network order; 0: none), set lo and the interface
 * up, and make the default route via @p gw with the onlink flag, so that
 * @p gw may lie outside the subnet (0: no route). Address and route replace
 * what is there, and an interface already renamed is found under
 * @p newname, so a repeated call succeeds.
 * @return 0, -ENODEV if the interface is missing, -EINVAL for bad arguments,
 *         or -errno, with the failed step in @p msg.
 */
int ctl_netns_setup_iface(int netns_fd, const char *ifname, const char *newname,
			  const struct rte_ether_addr *mac, uint32_t addr, uint8_t prefix_len,
			  uint32_t gw, char *msg, size_t msg_len);

#endif

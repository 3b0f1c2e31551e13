/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Network plumbing of the process backend (see netns.h).
 *
 * Namespaces: a named namespace is a file under /run/netns with a network
 * namespace bind-mounted on it, exactly as iproute2 makes them, so that
 * `ip netns` sees ours and a crashed run's leftovers can be found by name.
 * Whatever has to happen inside a namespace runs on a thread of its own that
 * enters it and exits (ns_job_run()): the caller's thread never moves, so it
 * cannot be left in the wrong namespace by an error path. A thread costs
 * tens of microseconds; this runs at configuration time, not per summon.
 *
 * Netlink: one libnl socket per call, opened in the namespace the call acts
 * in. libnl folds the kernel's errno into its own codes (ENODEV and ENOENT
 * both become "not found", EADDRINUSE becomes "exists"), so an error
 * callback keeps the kernel's errno and its extended-ack text; the table in
 * nle_errno() only covers libnl's own failures.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/nsfs.h>
#include <linux/rtnetlink.h>

#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>

#include "netns.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* ---- messages ----------------------------------------------------------- */

/* A netlink socket and what the kernel said about the last request. */
struct nlk {
	struct nl_sock *sk;
	int syserr;    /* errno of the kernel's last refusal, 0 when none */
	char ext[160]; /* its extended-ack text, if it gave one */
};

/* Write "<what>: <strerror>[ (<kernel's text>)]" to @msg; returns @rc. */
static int __attribute__((format(printf, 5, 6)))
fail(char *msg, size_t len, const struct nlk *n, int rc, const char *fmt, ...)
{
	va_list ap;
	const char *desc;
	size_t o;

	if (msg == NULL || len == 0)
		return rc;
	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
	o = strlen(msg);
	desc = strerrordesc_np(-rc); /* thread-safe, unlike strerror() */
	if (n != NULL && n->ext[0] != '\0')
		snprintf(msg + o, len - o, ": %s (%s)", desc ? desc : "error", n->ext);
	else
		snprintf(msg + o, len - o, ": %s", desc ? desc : "error");
	return rc;
}

static void
clear(char *msg, size_t len)
{
	if (msg != NULL && len > 0)
		msg[0] = '\0';
}

/* ---- netlink ------------------------------------------------------------ */

/* libnl's own error codes as errno (0 stays 0), for failures the kernel did
 * not report. */
static int
nle_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case 0: return 0;
	case NLE_BAD_SOCK: return EBADF;
	case NLE_EXIST: return EEXIST;
	case NLE_NOADDR: return EADDRNOTAVAIL;
	case NLE_OBJ_NOTFOUND: return ENOENT;
	case NLE_NODEV: return ENODEV;
	case NLE_INTR: return EINTR;
	case NLE_AGAIN: return EAGAIN;
	case NLE_NOMEM: return ENOMEM;
	case NLE_NOACCESS: return EACCES;
	case NLE_PERM: return EPERM;
	case NLE_BUSY: return EBUSY;
	case NLE_RANGE: return ERANGE;
	case NLE_OPNOTSUPP: return EOPNOTSUPP;
	case NLE_AF_NOSUPPORT: return EAFNOSUPPORT;
	case NLE_PROTO_MISMATCH: return EPROTONOSUPPORT;
	case NLE_MSGSIZE: return EMSGSIZE;
	case NLE_INVAL:
	case NLE_MISSING_ATTR:
	case NLE_IMMUTABLE:
	case NLE_AF_MISMATCH: return EINVAL;
	default: return EIO;
	}
}

/* Keeps the kernel's errno and extended-ack message, which libnl drops. */
static int
nlk_on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	/* libnl checked that the whole nlmsgerr is there; @e is the payload. */
	const struct nlmsghdr *h = (const struct nlmsghdr *)((const char *)e - NLMSG_HDRLEN);
	struct nlk *n = arg;
	size_t off;

	(void)who;
	n->syserr = e->error < 0 ? -e->error : e->error;
	n->ext[0] = '\0';
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	off = NLMSG_HDRLEN + sizeof(*e);
	if (!(h->nlmsg_flags & NLM_F_CAPPED) && e->msg.nlmsg_len > NLMSG_HDRLEN)
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	off = NLMSG_ALIGN(off);
	if (off < h->nlmsg_len) {
		struct nlattr *a = nla_find((struct nlattr *)((char *)h + off),
					    (int)(h->nlmsg_len - off), NLMSGERR_ATTR_MSG);
		if (a != NULL)
			nla_strlcpy(n->ext, a, sizeof(n->ext));
	}
	return NL_STOP; /* libnl then returns the error */
}

/* A libnl return as 0 or -errno; forgets the kernel's answer for the next. */
static int
nlk_rc(struct nlk *n, int rc)
{
	int e;

	if (rc >= 0)
		e = 0;
	else if (n->syserr != 0)
		e = -n->syserr;
	else
		e = -nle_errno(rc);
	if (rc >= 0 || n->syserr == 0)
		n->ext[0] = '\0';
	n->syserr = 0;
	return e;
}

/* A NETLINK_ROUTE socket in the calling thread's namespace (CLOEXEC: libnl
 * opens it with SOCK_CLOEXEC). */
static int
nlk_open(struct nlk *n)
{
	int one = 1, fd, rc;

	memset(n, 0, sizeof(*n));
	n->sk = nl_socket_alloc();
	if (n->sk == NULL)
		return -ENOMEM;
	rc = nl_connect(n->sk, NETLINK_ROUTE);
	if (rc == 0)
		rc = nl_socket_modify_err_cb(n->sk, NL_CB_CUSTOM, nlk_on_error, n);
	if (rc < 0) {
		nl_socket_free(n->sk);
		n->sk = NULL;
		return -nle_errno(rc);
	}
	/* Best effort: the kernel's explanation of a refusal, without an echo
	 * of the request. */
	fd = nl_socket_get_fd(n->sk);
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	return 0;
}

static void
nlk_close(struct nlk *n)
{
	nl_socket_free(n->sk); /* closes the fd; NULL is fine */
	n->sk = NULL;
}

static bool
ifname_ok(const char *name)
{
	return name != NULL && name[0] != '\0' && strlen(name) < IFNAMSIZ;
}

/* The link called @name, or -ENODEV. */
static int
link_get(struct nlk *n, const char *name, struct rtnl_link **out)
{
	int rc;

	*out = NULL;
	rc = nlk_rc(n, rtnl_link_get_kernel(n->sk, 0, name, out));
	if (rc == 0 && *out == NULL)
		rc = -ENODEV;
	if (rc == -ENOENT)
		rc = -ENODEV;
	return rc;
}

/* Apply the changes in @chg to the link called @name. */
static int
link_apply(struct nlk *n, const char *name, struct rtnl_link *chg)
{
	struct rtnl_link *cur;
	int rc = link_get(n, name, &cur);

	if (rc == 0) {
		rc = nlk_rc(n, rtnl_link_change(n->sk, cur, chg, 0));
		rtnl_link_put(cur);
	}
	return rc;
}

static int
link_set_flag(struct nlk *n, const char *name, bool up)
{
	struct rtnl_link *chg = rtnl_link_alloc();
	int rc;

	if (chg == NULL)
		return -ENOMEM;
	if (up)
		rtnl_link_set_flags(chg, IFF_UP);
	else
		rtnl_link_unset_flags(chg, IFF_UP);
	rc = link_apply(n, name, chg);
	rtnl_link_put(chg);
	return rc;
}

/* ---- running inside a namespace ----------------------------------------- */

struct ns_job {
	int fd;            /* namespace to enter; -1: a new one */
	ctl_netns_fn_t fn;
	void *arg;
	int rc;
};

static void *
ns_job_main(void *p)
{
	struct ns_job *j = p;
	int rc = j->fd >= 0 ? setns(j->fd, CLONE_NEWNET) : unshare(CLONE_NEWNET);

	/* The namespace is this thread's alone and goes with it. */
	j->rc = rc < 0 ? -errno : j->fn(j->arg);
	return NULL;
}

/* The one place that changes a thread's namespace: a thread of our own. */
static int
ns_job_run(struct ns_job *j)
{
	pthread_attr_t at;
	pthread_t t;
	sigset_t all;
	int rc;

	rc = pthread_attr_init(&at);
	if (rc != 0)
		return -rc;
	/* Process-directed signals must go to the application's threads. */
	sigfillset(&all);
	rc = pthread_attr_setsigmask_np(&at, &all);
	if (rc == 0)
		rc = pthread_create(&t, &at, ns_job_main, j);
	pthread_attr_destroy(&at);
	if (rc != 0)
		return -rc;
	rc = pthread_join(t, NULL);
	return rc != 0 ? -rc : j->rc;
}

int
ctl_netns_run(int netns_fd, ctl_netns_fn_t fn, void *arg)
{
	struct ns_job j = { .fd = netns_fd, .fn = fn, .arg = arg };

	if (netns_fd < 0)
		return -EBADF;
	if (fn == NULL)
		return -EINVAL;
	return ns_job_run(&j);
}

/* ---- named namespaces --------------------------------------------------- */

#define NETNS_PATH_MAX (sizeof(CTL_NETNS_DIR) + NAME_MAX + 1)

static int
netns_path(const char *name, char *path)
{
	if (name == NULL || name[0] == '\0' || strchr(name, '/') != NULL ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strlen(name) > NAME_MAX)
		return -EINVAL;
	snprintf(path, NETNS_PATH_MAX, "%s/%s", CTL_NETNS_DIR, name);
	return 0;
}

/* As iproute2: /run/netns is a shared mount, so that unmounting a namespace
 * here also unmounts the copies other mount namespaces hold, and the
 * namespace is freed. */
static int
netns_dir_shared(void)
{
	bool bound = false;

	if (mkdir(CTL_NETNS_DIR, 0755) < 0 && errno != EEXIST)
		return -errno;
	while (mount("", CTL_NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) < 0) {
		/* EINVAL: not a mount point yet; make it one, once. */
		if (errno != EINVAL || bound)
			return -errno;
		if (mount(CTL_NETNS_DIR, CTL_NETNS_DIR, "none", MS_BIND | MS_REC, NULL) < 0)
			return -errno;
		bound = true;
	}
	return 0;
}

/* Runs in the new namespace: pin it on the file. */
static int
netns_pin(void *path)
{
	if (mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL) < 0)
		return -errno;
	return 0;
}

int
ctl_netns_create(const char *name, char *msg, size_t msg_len)
{
	char path[NETNS_PATH_MAX];
	struct ns_job j = { .fd = -1, .fn = netns_pin, .arg = path };
	int fd, rc;

	clear(msg, msg_len);
	rc = netns_path(name, path);
	if (rc < 0)
		return fail(msg, msg_len, NULL, rc, "bad namespace name");
	rc = netns_dir_shared();
	if (rc < 0)
		return fail(msg, msg_len, NULL, rc, "make %s a shared mount", CTL_NETNS_DIR);
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		return fail(msg, msg_len, NULL, -errno, "create %s", path);
	close(fd);
	rc = ns_job_run(&j);
	if (rc < 0) {
		unlink(path);
		return fail(msg, msg_len, NULL, rc, "new network namespace on %s", path);
	}
	return 0;
}

int
ctl_netns_delete(const char *name)
{
	char path[NETNS_PATH_MAX];
	int rc = netns_path(name, path);

	if (rc < 0)
		return rc;
	/* EINVAL: not mounted (a create that failed half-way). */
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return -errno;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int
ctl_netns_open(const char *name)
{
	char path[NETNS_PATH_MAX];
	int fd, type, rc = netns_path(name, path);

	if (rc < 0)
		return rc;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	type = ioctl(fd, NS_GET_NSTYPE);
	if (type == CLONE_NEWNET)
		return fd;
	/* ENOTTY: a plain file, its namespace never mounted or gone. */
	rc = type >= 0 ? -EINVAL : errno == ENOTTY ? -ENOENT : -errno;
	close(fd);
	return rc;
}

int
ctl_netns_foreach(const char *prefix, ctl_name_cb_t cb, void *arg)
{
	size_t plen;
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if (prefix == NULL || cb == NULL)
		return -EINVAL;
	plen = strlen(prefix);
	d = opendir(CTL_NETNS_DIR); /* O_CLOEXEC in glibc */
	if (d == NULL)
		return errno == ENOENT ? 0 : -errno;
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (de == NULL) {
			rc = -errno;
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    strncmp(de->d_name, prefix, plen) != 0)
			continue;
		rc = cb(de->d_name, arg);
		if (rc != 0)
			break;
	}
	closedir(d);
	return rc;
}

/* ---- links -------------------------------------------------------------- */

int
ctl_bridge_create(const char *name)
{
	struct rtnl_link *br;
	struct nlk n;
	int rc;

	if (!ifname_ok(name))
		return -EINVAL;
	br = rtnl_link_alloc();
	if (br == NULL)
		return -ENOMEM;
	rc = -nle_errno(rtnl_link_set_type(br, "bridge"));
	if (rc < 0)
		goto out;
	rtnl_link_set_name(br, name);
	rtnl_link_set_flags(br, IFF_UP); /* applied at creation, as `ip link add ... up` */
	rc = nlk_open(&n);
	if (rc < 0)
		goto out;
	rc = nlk_rc(&n, rtnl_link_add(n.sk, br, NLM_F_CREATE | NLM_F_EXCL));
	nlk_close(&n);
out:
	rtnl_link_put(br);
	return rc;
}

int
ctl_link_delete(const char *name)
{
	struct rtnl_link *l;
	struct nlk n;
	int rc;

	if (!ifname_ok(name))
		return -EINVAL;
	l = rtnl_link_alloc();
	if (l == NULL)
		return -ENOMEM;
	rtnl_link_set_name(l, name);
	rc = nlk_open(&n);
	if (rc == 0) {
		rc = nlk_rc(&n, rtnl_link_delete(n.sk, l));
		nlk_close(&n);
	}
	rtnl_link_put(l);
	return rc == -ENODEV || rc == -ENOENT ? 0 : rc;
}

int
ctl_link_set_master(const char *dev, const char *bridge)
{
	struct rtnl_link *br = NULL, *chg = NULL;
	struct nlk n;
	int rc;

	if (!ifname_ok(dev) || !ifname_ok(bridge))
		return -EINVAL;
	rc = nlk_open(&n);
	if (rc < 0)
		return rc;
	rc = link_get(&n, bridge, &br);
	if (rc < 0)
		goto out;
	chg = rtnl_link_alloc();
	if (chg == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rtnl_link_set_master(chg, rtnl_link_get_ifindex(br));
	rc = link_apply(&n, dev, chg);
out:
	rtnl_link_put(chg);
	rtnl_link_put(br);
	nlk_close(&n);
	return rc;
}

int
ctl_link_set_up(const char *dev)
{
	struct nlk n;
	int rc;

	if (!ifname_ok(dev))
		return -EINVAL;
	rc = nlk_open(&n);
	if (rc < 0)
		return rc;
	rc = link_set_flag(&n, dev, true);
	nlk_close(&n);
	return rc;
}

int
ctl_link_exists(const char *name)
{
	struct rtnl_link *l;
	struct nlk n;
	int rc;

	if (!ifname_ok(name))
		return -EINVAL;
	rc = nlk_open(&n);
	if (rc < 0)
		return rc;
	rc = link_get(&n, name, &l);
	nlk_close(&n);
	rtnl_link_put(l);
	return rc == 0 ? 1 : rc == -ENODEV ? 0 : rc;
}

int
ctl_links_foreach_prefix(const char *prefix, ctl_name_cb_t cb, void *arg)
{
	struct nl_cache *cache = NULL;
	struct nl_object *o;
	size_t plen;
	struct nlk n;
	int rc;

	if (prefix == NULL || cb == NULL)
		return -EINVAL;
	plen = strlen(prefix);
	rc = nlk_open(&n);
	if (rc < 0)
		return rc;
	rc = nlk_rc(&n, rtnl_link_alloc_cache(n.sk, AF_UNSPEC, &cache));
	nlk_close(&n);
	if (rc < 0)
		return rc;
	for (o = nl_cache_get_first(cache); o != NULL; o = nl_cache_get_next(o)) {
		const char *name = rtnl_link_get_name((struct rtnl_link *)o);

		if (name != NULL && strncmp(name, prefix, plen) == 0) {
			rc = cb(name, arg);
			if (rc != 0)
				break;
		}
	}
	nl_cache_free(cache);
	return rc;
}

int
ctl_veth_create(const char *host_name, const char *peer_name, int peer_netns_fd, char *msg,
		size_t msg_len)
{
	struct rtnl_link *veth, *peer;
	struct nlk n;
	int rc;

	clear(msg, msg_len);
	if (!ifname_ok(host_name) || !ifname_ok(peer_name) || peer_netns_fd < -1)
		return fail(msg, msg_len, NULL, -EINVAL, "veth: bad arguments");
	veth = rtnl_link_veth_alloc();
	if (veth == NULL)
		return fail(msg, msg_len, NULL, -ENOMEM, "veth %s", host_name);
	peer = rtnl_link_veth_get_peer(veth); /* a reference of ours */
	rtnl_link_set_name(veth, host_name);
	rtnl_link_set_name(peer, peer_name);
	/* Created there directly: the peer never appears here, and its name
	 * only has to be free in its own namespace. */
	if (peer_netns_fd >= 0)
		rtnl_link_set_ns_fd(peer, peer_netns_fd);
	rc = nlk_open(&n);
	if (rc < 0) {
		fail(msg, msg_len, NULL, rc, "netlink socket");
		goto out;
	}
	rc = nlk_rc(&n, rtnl_link_add(n.sk, veth, NLM_F_CREATE | NLM_F_EXCL));
	if (rc < 0)
		fail(msg, msg_len, &n, rc, "veth %s peer %s", host_name, peer_name);
	nlk_close(&n);
out:
	rtnl_link_put(peer);
	rtnl_link_put(veth); /* frees the peer with it */
	return rc;
}

/* ---- the service's interface -------------------------------------------- */

struct iface_job {
	const char *ifname;
	const char *newname;
	const struct rte_ether_addr *mac;
	uint32_t addr; /* network order */
	uint32_t gw;   /* network order */
	uint8_t prefix_len;
	char *msg;
	size_t msg_len;
};

/* Rename (down, as the kernel requires) and set the MAC. */
static int
iface_name_mac(struct nlk *n, const struct iface_job *j, struct rtnl_link *cur)
{
	bool rename = strcmp(rtnl_link_get_name(cur), j->newname) != 0;
	struct rtnl_link *chg;
	struct nl_addr *mac;
	int rc;

	if (!rename && j->mac == NULL)
		return 0;
	if (rename && (rtnl_link_get_flags(cur) & IFF_UP)) {
		rc = link_set_flag(n, rtnl_link_get_name(cur), false);
		if (rc < 0)
			return fail(j->msg, j->msg_len, n, rc, "set %s down", j->ifname);
	}
	chg = rtnl_link_alloc();
	if (chg == NULL)
		return fail(j->msg, j->msg_len, NULL, -ENOMEM, "rename %s", j->ifname);
	if (rename)
		rtnl_link_set_name(chg, j->newname);
	if (j->mac != NULL) {
		mac = nl_addr_build(AF_LLC, j->mac->addr_bytes, RTE_ETHER_ADDR_LEN);
		if (mac == NULL) {
			rtnl_link_put(chg);
			return fail(j->msg, j->msg_len, NULL, -ENOMEM, "MAC of %s", j->ifname);
		}
		rtnl_link_set_addr(chg, mac); /* takes its own reference */
		nl_addr_put(mac);
	}
	rc = nlk_rc(n, rtnl_link_change(n->sk, cur, chg, 0));
	rtnl_link_put(chg);
	if (rc < 0)
		return fail(j->msg, j->msg_len, n, rc, "rename %s to %s and set its MAC", j->ifname,
			    j->newname);
	return 0;
}

static int
iface_addr(struct nlk *n, const struct iface_job *j, int ifindex)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local = nl_addr_build(AF_INET, &j->addr, sizeof(j->addr));
	struct nl_addr *brd = NULL;
	int rc = -ENOMEM;

	if (a == NULL || local == NULL)
		goto out;
	nl_addr_set_prefixlen(local, j->prefix_len);
	rtnl_addr_set_family(a, AF_INET);
	rtnl_addr_set_ifindex(a, ifindex);
	rc = -nle_errno(rtnl_addr_set_local(a, local));
	if (rc < 0)
		goto out;
	rtnl_addr_set_prefixlen(a, j->prefix_len);
	if (j->prefix_len <= 30) {
		uint32_t host = j->prefix_len ? ~0u >> j->prefix_len : ~0u;
		uint32_t b = j->addr | htonl(host);

		brd = nl_addr_build(AF_INET, &b, sizeof(b));
		if (brd == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		rc = -nle_errno(rtnl_addr_set_broadcast(a, brd));
		if (rc < 0)
			goto out;
	}
	/* REPLACE: a repeated setup finds the address there. */
	rc = nlk_rc(n, rtnl_addr_add(n->sk, a, NLM_F_REPLACE));
out:
	nl_addr_put(brd);
	nl_addr_put(local);
	rtnl_addr_put(a);
	if (rc < 0)
		return fail(j->msg, j->msg_len, n, rc, "address on %s", j->newname);
	return 0;
}

static int
iface_route(struct nlk *n, const struct iface_job *j, int ifindex)
{
	static const uint32_t any;
	struct rtnl_route *rt = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *dst = nl_addr_build(AF_INET, &any, sizeof(any));
	struct nl_addr *via = nl_addr_build(AF_INET, &j->gw, sizeof(j->gw));
	int rc = -ENOMEM;

	if (rt == NULL || nh == NULL || dst == NULL || via == NULL)
		goto out;
	nl_addr_set_prefixlen(dst, 0);
	rtnl_route_set_family(rt, AF_INET);
	rtnl_route_set_table(rt, RT_TABLE_MAIN);
	rtnl_route_set_protocol(rt, RTPROT_BOOT); /* what `ip route add` uses */
	rtnl_route_set_type(rt, RTN_UNICAST);
	rc = -nle_errno(rtnl_route_set_dst(rt, dst));
	if (rc < 0)
		goto out;
	rtnl_route_nh_set_ifindex(nh, ifindex);
	rtnl_route_nh_set_gateway(nh, via);
	/* The gateway need not be in the interface's subnet. */
	rtnl_route_nh_set_flags(nh, RTNH_F_ONLINK);
	rtnl_route_add_nexthop(rt, nh);
	nh = NULL; /* the route owns it */
	rc = nlk_rc(n, rtnl_route_add(n->sk, rt, NLM_F_REPLACE));
out:
	if (nh != NULL)
		rtnl_route_nh_free(nh);
	nl_addr_put(via);
	nl_addr_put(dst);
	rtnl_route_put(rt);
	if (rc < 0)
		return fail(j->msg, j->msg_len, n, rc, "default route via %s", j->newname);
	return 0;
}

/* Runs inside the service's namespace. */
static int
iface_setup(void *arg)
{
	const struct iface_job *j = arg;
	struct rtnl_link *cur = NULL;
	struct nlk n;
	int ifindex, rc;

	rc = nlk_open(&n);
	if (rc < 0)
		return fail(j->msg, j->msg_len, NULL, rc, "netlink socket in the namespace");
	rc = link_get(&n, j->ifname, &cur);
	if (rc == -ENODEV && strcmp(j->ifname, j->newname) != 0)
		rc = link_get(&n, j->newname, &cur); /* renamed by an earlier call */
	if (rc < 0) {
		fail(j->msg, j->msg_len, &n, rc, "find %s", j->ifname);
		goto out;
	}
	ifindex = rtnl_link_get_ifindex(cur);
	rc = iface_name_mac(&n, j, cur);
	if (rc < 0)
		goto out;
	rc = link_set_flag(&n, "lo", true);
	if (rc < 0) {
		fail(j->msg, j->msg_len, &n, rc, "set lo up");
		goto out;
	}
	if (j->addr != 0) {
		rc = iface_addr(&n, j, ifindex);
		if (rc < 0)
			goto out;
	}
	/* Up before the route: the kernel refuses an onlink next hop on a
	 * device that is down. */
	rc = link_set_flag(&n, j->newname, true);
	if (rc < 0) {
		fail(j->msg, j->msg_len, &n, rc, "set %s up", j->newname);
		goto out;
	}
	if (j->gw != 0)
		rc = iface_route(&n, j, ifindex);
out:
	rtnl_link_put(cur);
	nlk_close(&n);
	return rc;
}

int
ctl_netns_setup_iface(int netns_fd, const char *ifname, const char *newname,
		      const struct rte_ether_addr *mac, uint32_t addr, uint8_t prefix_len,
		      uint32_t gw, char *msg, size_t msg_len)
{
	struct iface_job j = {
		.ifname = ifname, .newname = newname, .mac = mac, .addr = addr, .gw = gw,
		.prefix_len = prefix_len, .msg = msg, .msg_len = msg_len,
	};
	int rc;

	clear(msg, msg_len);
	if (netns_fd < 0 || !ifname_ok(ifname) || !ifname_ok(newname) || prefix_len > 32)
		return fail(msg, msg_len, NULL, -EINVAL, "interface setup: bad arguments");
	rc = ctl_netns_run(netns_fd, iface_setup, &j);
	if (rc < 0 && msg != NULL && msg_len > 0 && msg[0] == '\0')
		fail(msg, msg_len, NULL, rc, "enter the namespace of %s", ifname);
	return rc;
}

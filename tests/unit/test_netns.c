/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * control/backend/netns.c: named namespaces, links, veth pairs and the service's
 * interface, against the real kernel. Runs as root.
 *
 * Every test first moves its process (Criterion forks one per test) into a
 * network namespace of its own, so every link it makes dies with it. Named
 * namespaces live in /run/netns, which is global: their names carry a random
 * suffix drawn per test ("jitsu-t-<6 hex>-<tag>") and the fixture's .fini
 * deletes them, also after a failed assertion. State is read back through
 * libnl, never by running `ip`. Functions that run inside a namespace (on
 * the module's thread) only fill structs: assertions stay on the test's
 * thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>

#include <criterion/criterion.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>

#include "../../control/backend/netns.h"
#include "helpers.h"

/* ---- fixture ------------------------------------------------------------ */

#define MAX_NS 4

static struct {
	char prefix[32];           /* "jitsu-t-<hex>-" */
	char ns[MAX_NS][48];       /* named namespaces to delete */
	int fd[MAX_NS];            /* their open fds */
	int n_ns;
	char msg[256];
} T;

static void
setup(void)
{
	uint8_t r[3];

	memset(&T, 0, sizeof(T));
	for (int i = 0; i < MAX_NS; i++)
		T.fd[i] = -1;
	cr_assert_eq(unshare(CLONE_NEWNET), 0, "unshare(CLONE_NEWNET): %s (run as root)",
		     strerror(errno));
	cr_assert_eq(getrandom(r, sizeof(r), 0), (ssize_t)sizeof(r));
	snprintf(T.prefix, sizeof(T.prefix), "jitsu-t-%02x%02x%02x-", r[0], r[1], r[2]);
}

static int
delete_cb(const char *name, void *arg)
{
	(void)arg;
	ctl_netns_delete(name);
	return 0;
}

static void
teardown(void)
{
	for (int i = 0; i < T.n_ns; i++) {
		if (T.fd[i] >= 0)
			close(T.fd[i]);
		ctl_netns_delete(T.ns[i]);
	}
	/* Whatever a test made under this run's prefix without the helper. */
	ctl_netns_foreach(T.prefix, delete_cb, NULL);
}

TestSuite(netns, .init = setup, .fini = teardown);

/* The name of this test's namespace @tag, remembered for .fini. */
static const char *
ns_name(const char *tag)
{
	char name[sizeof(T.ns[0])];

	cr_assert_lt(T.n_ns, MAX_NS);
	snprintf(name, sizeof(name), "%s%s", T.prefix, tag);
	memcpy(T.ns[T.n_ns], name, sizeof(name));
	return T.ns[T.n_ns++];
}

/* Create the namespace @tag and open it; the fd is closed by .fini. */
static int
ns_make(const char *tag)
{
	const char *name = ns_name(tag);
	int i = T.n_ns - 1;
	int rc = ctl_netns_create(name, T.msg, sizeof(T.msg));

	cr_assert_eq(rc, 0, "create %s: %d %s", name, rc, T.msg);
	T.fd[i] = ctl_netns_open(name);
	cr_assert_geq(T.fd[i], 0, "open %s: %d", name, T.fd[i]);
	return T.fd[i];
}

/* The inode of a thread's network namespace. */
static ino_t
self_ns(void)
{
	struct stat st;

	if (stat("/proc/thread-self/ns/net", &st) < 0)
		return 0;
	return st.st_ino;
}

static ino_t
fd_ino(int fd)
{
	struct stat st;

	cr_assert_eq(fstat(fd, &st), 0);
	return st.st_ino;
}

/* ---- reading state back through libnl ----------------------------------- */

struct link_state {
	int rc; /* 0, or -ENODEV when missing */
	int ifindex;
	unsigned int flags;
	int master;
	uint8_t mac[6];
	char kind[16];
};

/* The link @name in the calling thread's namespace. */
static void
link_read(struct nl_sock *sk, const char *name, struct link_state *st)
{
	struct rtnl_link *l = NULL;
	struct nl_addr *a;

	memset(st, 0, sizeof(*st));
	if (rtnl_link_get_kernel(sk, 0, name, &l) < 0 || l == NULL) {
		st->rc = -ENODEV;
		return;
	}
	st->ifindex = rtnl_link_get_ifindex(l);
	st->flags = rtnl_link_get_flags(l);
	st->master = rtnl_link_get_master(l);
	a = rtnl_link_get_addr(l);
	if (a != NULL && nl_addr_get_len(a) == 6)
		memcpy(st->mac, nl_addr_get_binary_addr(a), 6);
	if (rtnl_link_get_type(l) != NULL)
		snprintf(st->kind, sizeof(st->kind), "%s", rtnl_link_get_type(l));
	rtnl_link_put(l);
}

static struct nl_sock *
nl_sock_open(void)
{
	struct nl_sock *sk = nl_socket_alloc();

	if (sk != NULL && nl_connect(sk, NETLINK_ROUTE) < 0) {
		nl_socket_free(sk);
		sk = NULL;
	}
	return sk;
}

/* On the test's thread, in its own namespace. */
static struct link_state
link_here(const char *name)
{
	struct link_state st;
	struct nl_sock *sk = nl_sock_open();

	cr_assert_not_null(sk);
	link_read(sk, name, &st);
	nl_socket_free(sk);
	return st;
}

/* Add @addr/@plen to the link @name here (the bridge's side of the test). */
static void
addr_add_here(const char *name, const char *addr, int plen)
{
	struct nl_sock *sk = nl_sock_open();
	struct link_state st;
	uint32_t a = th_ip(addr);
	struct rtnl_addr *ra = rtnl_addr_alloc();
	struct nl_addr *local = nl_addr_build(AF_INET, &a, 4);
	int rc;

	cr_assert(sk != NULL && ra != NULL && local != NULL);
	link_read(sk, name, &st);
	cr_assert_eq(st.rc, 0);
	nl_addr_set_prefixlen(local, plen);
	rtnl_addr_set_ifindex(ra, st.ifindex);
	rtnl_addr_set_local(ra, local);
	rc = rtnl_addr_add(sk, ra, 0);
	nl_addr_put(local);
	rtnl_addr_put(ra);
	nl_socket_free(sk);
	cr_assert_eq(rc, 0, "address on %s: %s", name, nl_geterror(rc));
}

/* What a service's namespace looks like after ctl_netns_setup_iface(). */
struct ns_state {
	int sock_rc;
	ino_t ino;                 /* the namespace the reading thread was in */
	struct link_state eth0, lo, old;
	uint32_t want_addr;        /* in: the address to look for */
	bool addr_found;
	int addr_plen;
	int n_addrs;               /* IPv4 addresses on eth0 */
	int n_default;             /* default routes in table main */
	uint32_t gw;
	int oif;
	unsigned int nh_flags;
	int table;
};

static int
ns_state_read(void *arg)
{
	struct ns_state *s = arg;
	struct nl_sock *sk = nl_sock_open();
	struct nl_cache *c = NULL;
	struct nl_object *o;

	s->ino = self_ns();
	if (sk == NULL) {
		s->sock_rc = -ENOMEM;
		return 0;
	}
	link_read(sk, "eth0", &s->eth0);
	link_read(sk, "lo", &s->lo);
	link_read(sk, "jt-p0", &s->old);
	if (rtnl_addr_alloc_cache(sk, &c) == 0) {
		for (o = nl_cache_get_first(c); o != NULL; o = nl_cache_get_next(o)) {
			struct rtnl_addr *a = (struct rtnl_addr *)o;
			struct nl_addr *l = rtnl_addr_get_local(a);

			if (rtnl_addr_get_family(a) != AF_INET ||
			    rtnl_addr_get_ifindex(a) != s->eth0.ifindex || l == NULL)
				continue;
			s->n_addrs++;
			if (nl_addr_get_len(l) == 4 &&
			    memcmp(nl_addr_get_binary_addr(l), &s->want_addr, 4) == 0) {
				s->addr_found = true;
				s->addr_plen = rtnl_addr_get_prefixlen(a);
			}
		}
		nl_cache_free(c);
	}
	c = NULL;
	if (rtnl_route_alloc_cache(sk, AF_INET, 0, &c) == 0) {
		for (o = nl_cache_get_first(c); o != NULL; o = nl_cache_get_next(o)) {
			struct rtnl_route *r = (struct rtnl_route *)o;
			struct nl_addr *dst = rtnl_route_get_dst(r);
			struct rtnl_nexthop *nh;
			struct nl_addr *gw;

			if (rtnl_route_get_table(r) != RT_TABLE_MAIN || dst == NULL ||
			    nl_addr_get_prefixlen(dst) != 0 || rtnl_route_get_nnexthops(r) != 1)
				continue;
			s->n_default++;
			s->table = (int)rtnl_route_get_table(r);
			nh = rtnl_route_nexthop_n(r, 0);
			gw = rtnl_route_nh_get_gateway(nh);
			if (gw != NULL && nl_addr_get_len(gw) == 4)
				memcpy(&s->gw, nl_addr_get_binary_addr(gw), 4);
			s->oif = rtnl_route_nh_get_ifindex(nh);
			s->nh_flags = rtnl_route_nh_get_flags(nh) | rtnl_route_get_flags(r);
		}
		nl_cache_free(c);
	}
	nl_socket_free(sk);
	return 0;
}

/* ctl_link_exists() called from inside a namespace. */
struct exists_job {
	const char *name;
	int rc;
};

static int
exists_in(void *arg)
{
	struct exists_job *j = arg;

	j->rc = ctl_link_exists(j->name);
	return 0;
}

static int
link_exists_in(int fd, const char *name)
{
	struct exists_job j = { .name = name, .rc = -1000 };

	cr_assert_eq(ctl_netns_run(fd, exists_in, &j), 0);
	return j.rc;
}

/* Collects the names a foreach hands out. */
struct names {
	int n;
	char v[8][IFNAMSIZ + 48];
	int stop_after; /* return 7 after this many, 0: never */
};

static int
collect_cb(const char *name, void *arg)
{
	struct names *ns = arg;

	if (ns->n < 8)
		snprintf(ns->v[ns->n], sizeof(ns->v[0]), "%s", name);
	ns->n++;
	return ns->stop_after != 0 && ns->n >= ns->stop_after ? 7 : 0;
}

static bool
has_name(const struct names *ns, const char *name)
{
	for (int i = 0; i < ns->n && i < 8; i++)
		if (strcmp(ns->v[i], name) == 0)
			return true;
	return false;
}

static const uint8_t svc_mac[6] = { 0x02, 0x4a, 0x00, 0x00, 0x01, 0x0a };

/* ---- named namespaces --------------------------------------------------- */

Test(netns, create_open_delete)
{
	const char *name = ns_name("a");
	char path[128];
	struct stat st;
	int fd, fd2;

	cr_assert_eq(ctl_netns_create(name, T.msg, sizeof(T.msg)), 0, "%s", T.msg);
	snprintf(path, sizeof(path), "%s/%s", CTL_NETNS_DIR, name);
	cr_assert_eq(stat(path, &st), 0);

	fd = ctl_netns_open(name);
	cr_assert_geq(fd, 0, "open: %d", fd);
	T.fd[0] = fd;
	cr_assert_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	cr_assert_eq(fd_ino(fd), st.st_ino, "the file is the namespace (nsfs) itself");
	cr_assert_neq(fd_ino(fd), self_ns(), "a new namespace, not ours");

	cr_assert_eq(ctl_netns_create(name, T.msg, sizeof(T.msg)), -EEXIST);
	cr_assert(strstr(T.msg, name) != NULL, "message names the file: %s", T.msg);

	cr_assert_eq(ctl_netns_delete(name), 0);
	cr_assert_eq(stat(path, &st), -1);
	cr_assert_eq(ctl_netns_open(name), -ENOENT);
	cr_assert_eq(ctl_netns_delete(name), 0, "deleting a missing namespace is no error");

	/* The open fd still holds it, and it can be entered. */
	cr_assert_eq(ctl_netns_run(fd, exists_in, &(struct exists_job){ .name = "lo" }), 0);

	/* Re-created under the same name: a different namespace. */
	cr_assert_eq(ctl_netns_create(name, T.msg, sizeof(T.msg)), 0, "%s", T.msg);
	fd2 = ctl_netns_open(name);
	cr_assert_geq(fd2, 0);
	cr_assert_neq(fd_ino(fd2), fd_ino(fd));
	close(fd2);
}

Test(netns, leftover_file_without_mount)
{
	/* What a crash between creating the file and mounting leaves. */
	const char *name = ns_name("stale");
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", CTL_NETNS_DIR, name);
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
	close(fd);
	cr_assert_eq(ctl_netns_open(name), -ENOENT);
	cr_assert_eq(ctl_netns_delete(name), 0);
	cr_assert_eq(access(path, F_OK), -1);
}

Test(netns, bad_names)
{
	char longname[300];

	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	const char *bad[] = { "", ".", "..", "a/b", "../etc", longname };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(ctl_netns_create(bad[i], T.msg, sizeof(T.msg)), -EINVAL, "%zu", i);
		cr_assert_neq(T.msg[0], '\0');
		cr_assert_eq(ctl_netns_open(bad[i]), -EINVAL);
		cr_assert_eq(ctl_netns_delete(bad[i]), -EINVAL);
	}
	cr_assert_eq(ctl_netns_create(NULL, NULL, 0), -EINVAL);
	cr_assert_eq(ctl_netns_foreach(NULL, collect_cb, NULL), -EINVAL);
}

Test(netns, foreach_by_prefix)
{
	struct names got = { 0 };
	char pf[48], pg[48];

	ns_make("fa");
	ns_make("fb");
	ns_make("gc");
	snprintf(pf, sizeof(pf), "%sf", T.prefix);
	snprintf(pg, sizeof(pg), "%sgc", T.prefix);

	cr_assert_eq(ctl_netns_foreach(pf, collect_cb, &got), 0);
	cr_assert_eq(got.n, 2);
	cr_assert(has_name(&got, T.ns[0]) && has_name(&got, T.ns[1]));

	/* A non-zero return stops the walk and comes back. */
	memset(&got, 0, sizeof(got));
	got.stop_after = 1;
	cr_assert_eq(ctl_netns_foreach(T.prefix, collect_cb, &got), 7);
	cr_assert_eq(got.n, 1);

	/* The clean-up use: delete all of this run's from the callback. */
	cr_assert_eq(ctl_netns_foreach(T.prefix, delete_cb, NULL), 0);
	memset(&got, 0, sizeof(got));
	cr_assert_eq(ctl_netns_foreach(T.prefix, collect_cb, &got), 0);
	cr_assert_eq(got.n, 0);
	cr_assert_eq(ctl_netns_open(pg), -ENOENT);
}

/* ---- running inside a namespace ----------------------------------------- */

struct where {
	ino_t ino;
	int ret;
};

static int
where_am_i(void *arg)
{
	struct where *w = arg;

	w->ino = self_ns();
	return w->ret;
}

Test(netns, run_enters_the_namespace)
{
	int fd = ns_make("run");
	struct where w = { .ret = 0 };
	int devnull;

	cr_assert_eq(ctl_netns_run(fd, where_am_i, &w), 0);
	cr_assert_eq(w.ino, fd_ino(fd));

	w.ret = -EIO;
	cr_assert_eq(ctl_netns_run(fd, where_am_i, &w), -EIO, "fn's return comes back");

	cr_assert_eq(ctl_netns_run(-1, where_am_i, &w), -EBADF);
	cr_assert_eq(ctl_netns_run(fd, NULL, NULL), -EINVAL);
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	cr_assert_geq(devnull, 0);
	w.ino = 0;
	cr_assert_eq(ctl_netns_run(devnull, where_am_i, &w), -EINVAL, "not a namespace");
	cr_assert_eq(w.ino, 0, "fn not called");
	close(devnull);
}

/* ---- links -------------------------------------------------------------- */

Test(netns, bridge_create_exists_delete)
{
	struct link_state st;

	cr_assert_eq(ctl_link_exists("jt-br0"), 0);
	cr_assert_eq(ctl_bridge_create("jt-br0"), 0);
	cr_assert_eq(ctl_link_exists("jt-br0"), 1);
	st = link_here("jt-br0");
	cr_assert_eq(st.rc, 0);
	cr_assert_str_eq(st.kind, "bridge");
	cr_assert(st.flags & IFF_UP, "the bridge is up");

	cr_assert_eq(ctl_bridge_create("jt-br0"), -EEXIST);
	cr_assert_eq(ctl_bridge_create("lo"), -EEXIST, "whatever the existing link's type");

	cr_assert_eq(ctl_link_delete("jt-br0"), 0);
	cr_assert_eq(ctl_link_exists("jt-br0"), 0);
	cr_assert_eq(link_here("jt-br0").rc, -ENODEV);
	cr_assert_eq(ctl_link_delete("jt-br0"), 0, "deleting a missing link is no error");
}

Test(netns, links_foreach_prefix)
{
	struct names got = { 0 };

	cr_assert_eq(ctl_bridge_create("jt-a"), 0);
	cr_assert_eq(ctl_bridge_create("jt-b"), 0);
	cr_assert_eq(ctl_bridge_create("jx-c"), 0);
	cr_assert_eq(ctl_links_foreach_prefix("jt-", collect_cb, &got), 0);
	cr_assert_eq(got.n, 2);
	cr_assert(has_name(&got, "jt-a") && has_name(&got, "jt-b"));

	memset(&got, 0, sizeof(got));
	got.stop_after = 1;
	cr_assert_eq(ctl_links_foreach_prefix("j", collect_cb, &got), 7);
	cr_assert_eq(got.n, 1);

	cr_assert_eq(ctl_links_foreach_prefix("j", NULL, NULL), -EINVAL);
}

static int
link_delete_cb(const char *name, void *arg)
{
	(void)arg;
	return ctl_link_delete(name);
}

Test(netns, links_foreach_deletes)
{
	cr_assert_eq(ctl_bridge_create("jt-a"), 0);
	cr_assert_eq(ctl_bridge_create("jt-b"), 0);
	cr_assert_eq(ctl_links_foreach_prefix("jt-", link_delete_cb, NULL), 0);
	cr_assert_eq(ctl_link_exists("jt-a"), 0);
	cr_assert_eq(ctl_link_exists("jt-b"), 0);
	cr_assert_eq(ctl_link_exists("lo"), 1);
}

Test(netns, veth_peer_in_namespace_host_on_bridge)
{
	int fd = ns_make("veth");
	struct link_state br, host;

	cr_assert_eq(ctl_bridge_create("jt-br0"), 0);
	cr_assert_eq(ctl_veth_create("jt-h0", "jt-p0", fd, T.msg, sizeof(T.msg)), 0, "%s", T.msg);
	cr_assert_eq(ctl_link_exists("jt-h0"), 1);
	cr_assert_eq(ctl_link_exists("jt-p0"), 0, "the peer is not here");
	cr_assert_eq(link_exists_in(fd, "jt-p0"), 1, "the peer is there");
	cr_assert_eq(link_exists_in(fd, "jt-h0"), 0);

	cr_assert_eq(ctl_link_set_master("jt-h0", "jt-br0"), 0);
	cr_assert_eq(ctl_link_set_up("jt-h0"), 0);
	br = link_here("jt-br0");
	host = link_here("jt-h0");
	cr_assert_eq(host.rc, 0);
	cr_assert_str_eq(host.kind, "veth");
	cr_assert_eq(host.master, br.ifindex, "jt-h0 is on the bridge");
	cr_assert(host.flags & IFF_UP);

	/* Names taken: here, and in the peer's namespace. */
	cr_assert_eq(ctl_veth_create("jt-h0", "jt-p9", fd, T.msg, sizeof(T.msg)), -EEXIST);
	cr_assert(strstr(T.msg, "jt-h0") != NULL, "%s", T.msg);
	cr_assert_eq(ctl_veth_create("jt-h9", "jt-p0", fd, T.msg, sizeof(T.msg)), -EEXIST);
	cr_assert_eq(ctl_link_exists("jt-h9"), 0, "nothing half-made");

	/* Deleting the host end takes the peer with it. */
	cr_assert_eq(ctl_link_delete("jt-h0"), 0);
	cr_assert_eq(link_exists_in(fd, "jt-p0"), 0);

	/* -1: both ends here. */
	cr_assert_eq(ctl_veth_create("jt-h1", "jt-p1", -1, NULL, 0), 0);
	cr_assert_eq(ctl_link_exists("jt-p1"), 1);
}

Test(netns, link_errors)
{
	char longname[IFNAMSIZ + 1];

	memset(longname, 'x', IFNAMSIZ);
	longname[IFNAMSIZ] = '\0';
	cr_assert_eq(ctl_bridge_create("jt-br0"), 0);
	cr_assert_eq(ctl_link_set_master("jt-none", "jt-br0"), -ENODEV);
	cr_assert_eq(ctl_link_set_master("lo", "jt-none"), -ENODEV);
	cr_assert_eq(ctl_link_set_up("jt-none"), -ENODEV);
	cr_assert_eq(ctl_bridge_create(longname), -EINVAL);
	cr_assert_eq(ctl_bridge_create(""), -EINVAL);
	cr_assert_eq(ctl_link_exists(NULL), -EINVAL);
	cr_assert_eq(ctl_link_delete(longname), -EINVAL);
	cr_assert_eq(ctl_veth_create("jt-h0", longname, -1, T.msg, sizeof(T.msg)), -EINVAL);
	cr_assert_neq(T.msg[0], '\0');
	cr_assert_eq(ctl_veth_create("jt-h0", "jt-p0", 999, T.msg, sizeof(T.msg)), -EBADF,
		     "a peer namespace fd that is not open: %s", T.msg);
	cr_assert_eq(ctl_link_exists("jt-h0"), 0);
	cr_assert_eq(ctl_link_set_master("jt-br0", "jt-br0"), -ELOOP, "a bridge on itself");
}

/* ---- the service's interface -------------------------------------------- */

static void
setup_service(int fd)
{
	int rc;

	cr_assert_eq(ctl_bridge_create("jt-br0"), 0);
	cr_assert_eq(ctl_veth_create("jt-h0", "jt-p0", fd, T.msg, sizeof(T.msg)), 0, "%s", T.msg);
	cr_assert_eq(ctl_link_set_master("jt-h0", "jt-br0"), 0);
	cr_assert_eq(ctl_link_set_up("jt-h0"), 0);
	rc = ctl_netns_setup_iface(fd, "jt-p0", "eth0", (const struct rte_ether_addr *)svc_mac,
				   th_ip("10.77.1.10"), 24, th_ip("10.77.0.1"), T.msg,
				   sizeof(T.msg));
	cr_assert_eq(rc, 0, "setup_iface: %d %s", rc, T.msg);
}

static void
check_service_state(int fd)
{
	struct ns_state s = { .want_addr = th_ip("10.77.1.10") };

	cr_assert_eq(ctl_netns_run(fd, ns_state_read, &s), 0);
	cr_assert_eq(s.sock_rc, 0);
	cr_assert_eq(s.ino, fd_ino(fd), "read inside the service's namespace");
	cr_assert_eq(s.eth0.rc, 0, "eth0 exists");
	cr_assert_eq(s.old.rc, -ENODEV, "jt-p0 was renamed");
	cr_assert_str_eq(s.eth0.kind, "veth");
	cr_assert_arr_eq(s.eth0.mac, svc_mac, 6, "MAC");
	cr_assert(s.eth0.flags & IFF_UP, "eth0 up");
	cr_assert_eq(s.lo.rc, 0);
	cr_assert(s.lo.flags & IFF_UP, "lo up");
	cr_assert(s.addr_found, "10.77.1.10 on eth0");
	cr_assert_eq(s.addr_plen, 24);
	cr_assert_eq(s.n_addrs, 1);
	cr_assert_eq(s.n_default, 1, "one default route");
	cr_assert_eq(s.gw, th_ip("10.77.0.1"), "via the gateway");
	cr_assert_eq(s.oif, s.eth0.ifindex, "dev eth0");
	cr_assert(s.nh_flags & RTNH_F_ONLINK, "onlink");
	cr_assert_eq(s.table, RT_TABLE_MAIN);
}

Test(netns, setup_iface_in_namespace)
{
	int fd = ns_make("svc");

	setup_service(fd);
	check_service_state(fd);

	/* Again: finds eth0 under its new name, replaces address and route. */
	cr_assert_eq(ctl_netns_setup_iface(fd, "jt-p0", "eth0",
					   (const struct rte_ether_addr *)svc_mac,
					   th_ip("10.77.1.10"), 24, th_ip("10.77.0.1"), T.msg,
					   sizeof(T.msg)), 0, "%s", T.msg);
	check_service_state(fd);
}

Test(netns, setup_iface_errors)
{
	int fd = ns_make("svcerr");
	int devnull;

	cr_assert_eq(ctl_netns_setup_iface(fd, "jt-none", "eth0", NULL, th_ip("10.77.1.10"), 24,
					   th_ip("10.77.0.1"), T.msg, sizeof(T.msg)), -ENODEV);
	cr_assert(strstr(T.msg, "jt-none") != NULL, "%s", T.msg);
	cr_assert_eq(ctl_netns_setup_iface(fd, "lo", "eth0", NULL, 0, 33, 0, T.msg,
					   sizeof(T.msg)), -EINVAL);
	cr_assert_eq(ctl_netns_setup_iface(-1, "lo", "eth0", NULL, 0, 24, 0, NULL, 0), -EINVAL);
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	cr_assert_geq(devnull, 0);
	cr_assert_eq(ctl_netns_setup_iface(devnull, "jt-p0", "eth0", NULL, 0, 24, 0, T.msg,
					   sizeof(T.msg)), -EINVAL);
	cr_assert(strstr(T.msg, "namespace") != NULL, "%s", T.msg);
	close(devnull);
}

/* A UDP socket bound inside the service's namespace. */
struct udp_job {
	uint32_t addr;
	uint16_t port;
	int fd;
};

static int
udp_open(void *arg)
{
	struct udp_job *u = arg;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(u->port),
				  .sin_addr.s_addr = u->addr };

	u->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (u->fd < 0)
		return -errno;
	if (bind(u->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = -errno;

		close(u->fd);
		u->fd = -1;
		return e;
	}
	return 0;
}

/* Wait up to 5 s for a datagram on @fd. */
static ssize_t
recv_wait(int fd, char *buf, size_t len, struct sockaddr_in *from)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	socklen_t fl = sizeof(*from);

	if (poll(&p, 1, 5000) != 1)
		return -1;
	return recvfrom(fd, buf, len, 0, (struct sockaddr *)from, &fl);
}

Test(netns, udp_reaches_the_service_through_the_bridge)
{
	int fd = ns_make("udp");
	struct udp_job u = { .addr = th_ip("10.77.1.10"), .port = 7777, .fd = -1 };
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(7777),
				  .sin_addr.s_addr = th_ip("10.77.1.10") };
	struct sockaddr_in from;
	char buf[64];
	ssize_t n;
	int c;

	setup_service(fd);
	/* The gateway's side: an address on the bridge, outside the service's
	 * /24, so the reply takes the onlink default route. */
	addr_add_here("jt-br0", "10.77.0.1", 16);

	cr_assert_eq(ctl_netns_run(fd, udp_open, &u), 0, "bind in the namespace");
	c = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(c, 0);
	cr_assert_eq(sendto(c, "jitsu-ping", 10, 0, (struct sockaddr *)&to, sizeof(to)), 10,
		     "%s", strerror(errno));

	n = recv_wait(u.fd, buf, sizeof(buf), &from);
	cr_assert_eq(n, 10, "the datagram arrives in the service's namespace");
	cr_assert_arr_eq(buf, "jitsu-ping", 10);
	cr_assert_eq(from.sin_addr.s_addr, th_ip("10.77.0.1"));

	/* And back, through the default route via 10.77.0.1 onlink. */
	cr_assert_eq(sendto(u.fd, "jitsu-pong", 10, 0, (struct sockaddr *)&from, sizeof(from)),
		     10, "%s", strerror(errno));
	n = recv_wait(c, buf, sizeof(buf), &from);
	cr_assert_eq(n, 10, "the reply arrives");
	cr_assert_arr_eq(buf, "jitsu-pong", 10);
	cr_assert_eq(from.sin_addr.s_addr, th_ip("10.77.1.10"));
	close(c);
	close(u.fd);
}

/* ---- the caller's namespace never changes ------------------------------- */

/* Run @call, check what it returned and that the thread is where it was. */
#define SAME_NS(expect, call)                                                                 \
	do {                                                                                  \
		int rc_ = (call);                                                             \
		cr_assert_eq(self_ns(), me, "namespace changed by %s", #call);                \
		cr_assert_eq(rc_, (expect), "%s returned %d", #call, rc_);                    \
	} while (0)

static int
fail_in(void *arg)
{
	(void)arg;
	return -EIO;
}

Test(netns, calling_thread_stays_in_its_namespace)
{
	ino_t me = self_ns();
	const char *name = ns_name("same");
	struct where w = { .ret = 0 };
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int fd;

	cr_assert_neq(me, 0);
	cr_assert_geq(devnull, 0);
	SAME_NS(0, ctl_netns_create(name, T.msg, sizeof(T.msg)));
	fd = ctl_netns_open(name);
	cr_assert_geq(fd, 0);
	T.fd[T.n_ns - 1] = fd;
	SAME_NS(-EEXIST, ctl_netns_create(name, T.msg, sizeof(T.msg)));
	SAME_NS(0, ctl_netns_run(fd, where_am_i, &w));
	cr_assert_eq(w.ino, fd_ino(fd));
	SAME_NS(-EIO, ctl_netns_run(fd, fail_in, NULL));
	SAME_NS(-EINVAL, ctl_netns_run(devnull, where_am_i, &w));
	SAME_NS(0, ctl_bridge_create("jt-br0"));
	SAME_NS(-EEXIST, ctl_bridge_create("jt-br0"));
	SAME_NS(0, ctl_veth_create("jt-h0", "jt-p0", fd, NULL, 0));
	SAME_NS(-EEXIST, ctl_veth_create("jt-h0", "jt-p0", fd, NULL, 0));
	SAME_NS(-EINVAL, ctl_veth_create("jt-h1", "jt-p1", devnull, NULL, 0));
	SAME_NS(0, ctl_link_set_master("jt-h0", "jt-br0"));
	SAME_NS(-ENODEV, ctl_link_set_master("jt-h0", "jt-none"));
	SAME_NS(0, ctl_link_set_up("jt-h0"));
	SAME_NS(-ENODEV, ctl_link_set_up("jt-none"));
	SAME_NS(1, ctl_link_exists("jt-h0"));
	SAME_NS(0, ctl_netns_setup_iface(fd, "jt-p0", "eth0",
					  (const struct rte_ether_addr *)svc_mac,
					  th_ip("10.77.1.10"), 24, th_ip("10.77.0.1"), NULL, 0));
	SAME_NS(-ENODEV, ctl_netns_setup_iface(fd, "jt-none", "eth1", NULL, 0, 24, 0, NULL, 0));
	SAME_NS(-EINVAL, ctl_netns_setup_iface(devnull, "jt-p0", "eth0", NULL, 0, 24, 0, NULL, 0));
	/* A bad next hop: the route step fails inside the namespace. */
	SAME_NS(-EINVAL, ctl_netns_setup_iface(fd, "eth0", "eth0", NULL, th_ip("10.77.1.10"), 24,
					  th_ip("255.255.255.255"), T.msg, sizeof(T.msg)));
	SAME_NS(0, ctl_links_foreach_prefix("jt-", collect_cb, &(struct names){ 0 }));
	SAME_NS(0, ctl_link_delete("jt-h0"));
	SAME_NS(0, ctl_netns_foreach(T.prefix, collect_cb, &(struct names){ 0 }));
	SAME_NS(0, ctl_netns_delete(name));
	SAME_NS(0, ctl_netns_delete(name));
	close(devnull);
}

/* ---- no fd is left open ------------------------------------------------- */

static int
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	cr_assert_not_null(d);
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

Test(netns, no_fd_left_open)
{
	const char *name = ns_name("fds");
	int before = open_fds();
	int fd;

	cr_assert_eq(ctl_netns_create(name, T.msg, sizeof(T.msg)), 0, "%s", T.msg);
	cr_assert_eq(ctl_netns_create(name, T.msg, sizeof(T.msg)), -EEXIST);
	fd = ctl_netns_open(name);
	cr_assert_geq(fd, 0);
	cr_assert_eq(ctl_bridge_create("jt-br0"), 0);
	cr_assert_eq(ctl_bridge_create("jt-br0"), -EEXIST);
	cr_assert_eq(ctl_veth_create("jt-h0", "jt-p0", fd, NULL, 0), 0);
	cr_assert_eq(ctl_veth_create("jt-h0", "jt-p0", fd, NULL, 0), -EEXIST);
	cr_assert_eq(ctl_link_set_master("jt-h0", "jt-br0"), 0);
	cr_assert_eq(ctl_link_set_master("jt-h0", "jt-none"), -ENODEV);
	cr_assert_eq(ctl_link_set_up("jt-h0"), 0);
	cr_assert_eq(ctl_link_exists("jt-none"), 0);
	cr_assert_eq(ctl_netns_setup_iface(fd, "jt-p0", "eth0", NULL, th_ip("10.77.1.10"), 24,
					   th_ip("10.77.0.1"), T.msg, sizeof(T.msg)), 0, "%s", T.msg);
	cr_assert_eq(ctl_netns_setup_iface(fd, "jt-none", "eth1", NULL, 0, 24, 0, NULL, 0),
		     -ENODEV);
	cr_assert_eq(ctl_links_foreach_prefix("jt-", collect_cb, &(struct names){ 0 }), 0);
	cr_assert_eq(ctl_netns_foreach(T.prefix, collect_cb, &(struct names){ 0 }), 0);
	cr_assert_eq(ctl_link_delete("jt-h0"), 0);
	close(fd);
	cr_assert_eq(ctl_netns_open("jitsu-t-none"), -ENOENT);
	cr_assert_eq(ctl_netns_delete(name), 0);
	cr_assert_eq(open_fds(), before);
}

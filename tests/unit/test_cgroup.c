/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * control/backend/cgroup.c: the parsers on fixed texts, then containment
 * against the real cgroup v2 hierarchy (runs as root; skipped where there
 * is none). Each test's subtree carries a random name and its .fini kills
 * and removes it, also after a failed assertion.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "../../control/backend/cgroup.h"

/* ---- parsers ------------------------------------------------------------ */

static const char hybrid[] =
	"24 30 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
	"33 24 0:28 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755\n"
	"34 33 0:29 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - "
	"cgroup2 cgroup2 rw,nsdelegate\n"
	"35 33 0:30 / /sys/fs/cgroup/memory rw shared:11 - cgroup cgroup rw,memory\n";

Test(cgroup, mount_hybrid_and_unified)
{
	char out[256];

	cr_assert_eq(ctl_cg_parse_mount(hybrid, out, sizeof(out)), 0);
	cr_assert_str_eq(out, "/sys/fs/cgroup/unified");
	cr_assert_eq(ctl_cg_parse_mount("29 23 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 "
					"cgroup2 rw,nsdelegate,memory_recursiveprot",
					out, sizeof(out)), 0);
	cr_assert_str_eq(out, "/sys/fs/cgroup");
	/* optional fields of any number before the separator */
	cr_assert_eq(ctl_cg_parse_mount("1 2 0:1 / /cg rw shared:1 master:2 - cgroup2 none rw\n",
					out, sizeof(out)), 0);
	cr_assert_str_eq(out, "/cg");
}

Test(cgroup, mount_absent_or_bind_or_too_long)
{
	char out[8];

	cr_assert_eq(ctl_cg_parse_mount("35 33 0:30 / /sys/fs/cgroup/memory rw - cgroup cgroup rw",
					out, sizeof(out)), -ENOENT);
	cr_assert_eq(ctl_cg_parse_mount("", out, sizeof(out)), -ENOENT);
	/* a bind mount of a sub-cgroup is not the hierarchy's root */
	cr_assert_eq(ctl_cg_parse_mount("1 2 0:1 /sub /x rw - cgroup2 none rw", out, sizeof(out)),
		     -ENOENT);
	cr_assert_eq(ctl_cg_parse_mount(hybrid, out, sizeof(out)), -ENAMETOOLONG);
	cr_assert_eq(ctl_cg_parse_mount("garbage\n\n - \n", out, sizeof(out)), -ENOENT);
}

Test(cgroup, self)
{
	char out[64];

	cr_assert_eq(ctl_cg_parse_self("4:memory:/x\n0::/system.slice/jitsu.service\n", out,
				       sizeof(out)), 0);
	cr_assert_str_eq(out, "/system.slice/jitsu.service");
	cr_assert_eq(ctl_cg_parse_self("0::/", out, sizeof(out)), 0);
	cr_assert_str_eq(out, "/");
	cr_assert_eq(ctl_cg_parse_self("1:name=systemd:/\n", out, sizeof(out)), -ENOENT);
	cr_assert_eq(ctl_cg_parse_self("0::relative\n", out, sizeof(out)), -ENOENT);
}

Test(cgroup, controllers_and_keys)
{
	cr_assert_eq(ctl_cg_parse_controllers("cpuset cpu io memory hugetlb pids rdma misc\n"),
		     CTL_CG_CPU | CTL_CG_MEMORY | CTL_CG_PIDS);
	cr_assert_eq(ctl_cg_parse_controllers("hugetlb\n"), 0u);
	cr_assert_eq(ctl_cg_parse_controllers("cpuset"), 0u); /* not "cpu" */
	cr_assert_eq(ctl_cg_parse_controllers(""), 0u);

	const char *ev = "low 0\nhigh 0\nmax 12\noom 3\noom_kill 2\noom_group_kill 0\n";
	cr_assert_eq(ctl_cg_parse_key(ev, "oom_kill"), 2);
	cr_assert_eq(ctl_cg_parse_key(ev, "oom"), 3);
	cr_assert_eq(ctl_cg_parse_key(ev, "max"), 12);
	cr_assert_eq(ctl_cg_parse_key(ev, "none"), -1);
	cr_assert_eq(ctl_cg_parse_key("populated 1\nfrozen 0\n", "populated"), 1);
	cr_assert_eq(ctl_cg_parse_key("populated x\n", "populated"), -1);
	cr_assert_eq(ctl_cg_parse_key("populated", "populated"), -1);
}

Test(cgroup, tree_path)
{
	char out[128];

	cr_assert_eq(ctl_cg_tree_path("/sys/fs/cgroup", "/", "jitsu-svc", out, sizeof(out)), 0);
	cr_assert_str_eq(out, "/sys/fs/cgroup/jitsu-svc");
	cr_assert_eq(ctl_cg_tree_path("/sys/fs/cgroup", "/system.slice/jitsu.service", "jitsu-svc",
				      out, sizeof(out)), 0);
	cr_assert_str_eq(out, "/sys/fs/cgroup/system.slice/jitsu.service/jitsu-svc");
	/* a gateway that moved into its leaf: the subtree is beside it */
	cr_assert_eq(ctl_cg_tree_path("/sys/fs/cgroup", "/a.service/jitsu-svc.gateway", "jitsu-svc",
				      out, sizeof(out)), 0);
	cr_assert_str_eq(out, "/sys/fs/cgroup/a.service/jitsu-svc");
	cr_assert_eq(ctl_cg_tree_path("/sys/fs/cgroup", "/a/other.gateway", "jitsu-svc", out,
				      sizeof(out)), 0);
	cr_assert_str_eq(out, "/sys/fs/cgroup/a/other.gateway/jitsu-svc");
	cr_assert_eq(ctl_cg_tree_path("/sys/fs/cgroup", "/", "jitsu-svc", out, 10), -ENAMETOOLONG);
}

/* ---- the real hierarchy --------------------------------------------------- */

static struct ctl_cg_tree tree;
static char tree_name[64];
static int tree_ok;

static void
tree_setup(void)
{
	unsigned char r[3];
	char msg[256] = "";

	if (getrandom(r, sizeof(r), 0) != sizeof(r))
		r[0] = r[1] = r[2] = 0;
	snprintf(tree_name, sizeof(tree_name), "jitsu-t-%02x%02x%02x", r[0], r[1], r[2]);
	tree_ok = ctl_cg_tree_open(&tree, tree_name, msg, sizeof(msg)) == 0;
	if (!tree_ok)
		cr_log_warn("no cgroup v2 here: %s", msg);
}

static int
kill_leaf(const char *svc, void *arg)
{
	(void)arg;
	ctl_cg_kill(&tree, svc);
	for (int i = 0; i < 2000 && ctl_cg_populated(&tree, svc) == 1; i++)
		usleep(5000);
	ctl_cg_remove(&tree, svc);
	return 0;
}

static void
tree_teardown(void)
{
	if (!tree_ok)
		return;
	ctl_cg_foreach(&tree, kill_leaf, NULL);
	rmdir(tree.path);
}

TestSuite(cgroup_real, .init = tree_setup, .fini = tree_teardown);

/* Wait (generously) until the leaf's populated flag is @want. */
static int
wait_populated(const char *svc, int want)
{
	for (int i = 0; i < 4000; i++) {
		if (ctl_cg_populated(&tree, svc) == want)
			return 1;
		usleep(5000);
	}
	return 0;
}

/* A child that enters the cgroup whose cgroup.procs is open at @p procs
 * (closed here) and sleeps until killed. */
static pid_t
child_in(int procs)
{
	cr_assert_geq(procs, 0);
	pid_t child = fork();
	cr_assert_geq(child, 0);
	if (child == 0) {
		if (write(procs, "0", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(procs);
	return child;
}

/* Dead: no such pid, or a zombie its new parent has not reaped yet. */
static int
gone_or_zombie(pid_t pid)
{
	char path[64], buf[512];

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return 1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	return p == NULL || p[1] == '\0' || p[2] == 'Z' || p[2] == 'X';
}

Test(cgroup_real, a_daemon_that_ran_away_dies_with_its_leaf)
{
	char msg[256] = "";
	struct ctl_cg_limits lim = { 0 };

	if (!tree_ok)
		cr_skip_test("cgroup v2 unavailable");
	cr_assert_eq(ctl_cg_create(&tree, "svc", &lim, 0, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(ctl_cg_populated(&tree, "svc"), 0);
	int procs = ctl_cg_procs_fd(&tree, "svc");
	cr_assert_geq(procs, 0);
	int pfd[2];
	cr_assert_eq(pipe(pfd), 0);
	pid_t leader = fork();
	cr_assert_geq(leader, 0);
	if (leader == 0) {
		if (write(procs, "0", 1) != 1)
			_exit(1);
		/* the way a daemon leaves: fork, setsid, the parent exits */
		if (fork() == 0) {
			setsid();
			if (fork() == 0) {
				pid_t me = getpid();
				if (write(pfd[1], &me, sizeof(me)) != sizeof(me))
					_exit(1);
				for (;;)
					pause();
			}
			_exit(0);
		}
		_exit(0);
	}
	close(procs);
	close(pfd[1]);
	pid_t daemon_pid = 0;
	cr_assert_eq(read(pfd[0], &daemon_pid, sizeof(daemon_pid)), (ssize_t)sizeof(daemon_pid));
	int st;
	cr_assert_eq(waitpid(leader, &st, 0), leader);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* the leader is gone, the daemon is still in the leaf */
	cr_assert_eq(ctl_cg_populated(&tree, "svc"), 1);
	/* the intermediate child may not have left yet: wait for it, not a time */
	for (int i = 0; i < 4000 && ctl_cg_first_pid(&tree, "svc") != daemon_pid; i++)
		usleep(2500);
	cr_assert_eq(ctl_cg_first_pid(&tree, "svc"), daemon_pid);
	cr_assert_eq(ctl_cg_remove(&tree, "svc"), -EBUSY);
	cr_assert_eq(ctl_cg_kill(&tree, "svc"), 0);
	cr_assert(wait_populated("svc", 0), "the leaf never emptied");
	cr_assert(gone_or_zombie(daemon_pid), "the daemon %d survived", (int)daemon_pid);
	cr_assert_eq(ctl_cg_remove(&tree, "svc"), 0);
	cr_assert_eq(ctl_cg_remove(&tree, "svc"), 0); /* absent is fine */
	cr_assert_eq(ctl_cg_kill(&tree, "svc"), 0);
}

/* What the process backend drains a stopped service's leaf by: its
 * cgroup.events in epoll, EPOLLPRI when the last process is gone. */
Test(cgroup_real, events_fd_notifies_when_the_leaf_empties)
{
	char msg[256] = "";
	struct ctl_cg_limits lim = { 0 };
	struct epoll_event ev;

	if (!tree_ok)
		cr_skip_test("cgroup v2 unavailable");
	cr_assert_eq(ctl_cg_create(&tree, "drain", &lim, 0, msg, sizeof(msg)), 0, "%s", msg);
	pid_t child = child_in(ctl_cg_procs_fd(&tree, "drain"));
	cr_assert(wait_populated("drain", 1), "the child never entered its leaf");
	int fd = ctl_cg_events_fd(&tree, "drain");
	cr_assert_geq(fd, 0);
	cr_assert_eq(ctl_cg_events_populated(fd), 1);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	cr_assert_geq(ep, 0);
	ev = (struct epoll_event){ .events = EPOLLPRI };
	cr_assert_eq(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), 0);
	/* read since the last change: nothing to report */
	cr_assert_eq(epoll_wait(ep, &ev, 1, 0), 0);
	cr_assert_eq(ctl_cg_kill(&tree, "drain"), 0);
	int st;
	cr_assert_eq(waitpid(child, &st, 0), child);
	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	/* a hang only: the kernel notifies once the leaf is empty */
	int n = epoll_wait(ep, &ev, 1, 20000);
	cr_assert_eq(n, 1, "no EPOLLPRI after the leaf emptied");
	cr_assert(ev.events & EPOLLPRI);
	cr_assert_eq(ctl_cg_events_populated(fd), 0);
	/* read again: level-triggered, but nothing new */
	cr_assert_eq(epoll_wait(ep, &ev, 1, 0), 0);
	close(ep);
	close(fd);
	cr_assert_eq(ctl_cg_remove(&tree, "drain"), 0);
}

static int
count_leaf(const char *svc, void *arg)
{
	(void)svc;
	(*(int *)arg)++;
	return 0;
}

Test(cgroup_real, leaves_are_found_and_limits_checked)
{
	char msg[256] = "";
	struct ctl_cg_limits lim = { .memory_max = 64u << 20, .pids_max = 16 };
	int n = 0;

	if (!tree_ok)
		cr_skip_test("cgroup v2 unavailable");
	cr_assert_eq(ctl_cg_create(&tree, "a", &lim, 0, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(ctl_cg_create(&tree, "b", &lim, 0, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(ctl_cg_create(&tree, "a", &lim, 0, msg, sizeof(msg)), 0, "kept: %s", msg);
	cr_assert_eq(ctl_cg_foreach(&tree, count_leaf, &n), 0);
	cr_assert_eq(n, 2);
	int rc = ctl_cg_create(&tree, "c", &lim, CTL_CG_MEMORY, msg, sizeof(msg));
	if (tree.controllers & CTL_CG_MEMORY) {
		cr_assert_eq(rc, 0, "%s", msg);
		char path[4096], buf[64] = "";
		ctl_cg_path(&tree, "c", "memory.max", path, sizeof(path));
		FILE *f = fopen(path, "r");
		cr_assert_not_null(f);
		cr_assert_not_null(fgets(buf, sizeof(buf), f));
		fclose(f);
		cr_assert_str_eq(buf, "67108864\n");
	} else {
		cr_assert_eq(rc, -EOPNOTSUPP);
		cr_assert_not_null(strstr(msg, "memory_max"), "%s", msg);
	}
	uint64_t base[2];
	char why[128] = "";
	ctl_cg_limit_counts(&tree, "a", base);
	cr_assert_eq(ctl_cg_limit_reason(&tree, "a", base, why, sizeof(why)), 0);
	cr_assert_eq(ctl_cg_freeze(&tree, "a", 1), 0);
	cr_assert_eq(ctl_cg_freeze(&tree, "a", 0), 0);
}

/* A service with the gateway's rights made cgroups in its leaf and moved
 * into one: the kill reaches it (cgroup.kill is recursive), and the leaf
 * goes with what was made under it, so that nothing stays behind. */
Test(cgroup_real, a_leaf_with_cgroups_made_under_it_is_removed)
{
	char msg[256] = "", path[4200], sub[4096];
	struct ctl_cg_limits lim = { 0 };

	if (!tree_ok)
		cr_skip_test("cgroup v2 unavailable");
	cr_assert_eq(ctl_cg_create(&tree, "nest", &lim, 0, msg, sizeof(msg)), 0, "%s", msg);
	ctl_cg_path(&tree, "nest", "a", sub, sizeof(sub));
	cr_assert_eq(mkdir(sub, 0755), 0);
	snprintf(path, sizeof(path), "%s/b", sub);
	cr_assert_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/b/cgroup.procs", sub);
	pid_t child = child_in(open(path, O_WRONLY | O_CLOEXEC));
	cr_assert(wait_populated("nest", 1), "the child never entered nest/a/b");
	cr_assert_eq(ctl_cg_remove(&tree, "nest"), -EBUSY);
	cr_assert_eq(ctl_cg_kill(&tree, "nest"), 0);
	int st;
	cr_assert_eq(waitpid(child, &st, 0), child);
	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	cr_assert(wait_populated("nest", 0), "the leaf never emptied");
	cr_assert_eq(ctl_cg_remove(&tree, "nest"), 0);
	ctl_cg_path(&tree, "nest", NULL, path, sizeof(path));
	cr_assert_neq(access(path, F_OK), 0, "%s is still there", path);
}

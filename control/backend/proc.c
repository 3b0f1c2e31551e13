/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The process backend: a service is a command run in its own network
 * namespace. The slow part happens at load (namespace, veth pair on the
 * gateway's bridge, eth0 with the service's address, MAC and default route);
 * a summon is then only a fork and exec into the prepared namespace, the
 * lesson of LightVM's split toolstack.
 *
 * Each service runs in a cgroup v2 leaf of its own under the gateway's
 * subtree (cgroup.h): the child enters it before exec, so the service and
 * every descendant are in it; a stop kills the leaf, a pause freezes it.
 * The gateway is a child subreaper: a daemon that forked away from the
 * leader becomes our child, and the service lives on under it when the
 * leader exits 0 (a daemonising command). A leader that is not our child
 * (adopted after a crash of the gateway) is watched through its pidfd.
 * A service is stopped when its leaf is empty, not when its leader is gone:
 * the rest of the leaf, killed, drains with the loop running (cgroup.events
 * raises EPOLLPRI at populated 0), so that no summon meets its last run and
 * nothing waits inline for the kernel to reap.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/pidfd.h>
#include <sys/timerfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_log.h>
#include <rte_telemetry.h>

#include "../backend.h"
#include "bridge.h"
#include "cgroup.h"
#include "command.h"
#include "netns.h"

RTE_LOG_REGISTER(ctl_proc_logtype, jitsu.backend.process, INFO);
#define PROC_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, ctl_proc_logtype, "jitsu: " fmt "\n", ##__VA_ARGS__)

extern char **environ;

#define PROC_RUN_DIR "/run/jitsu"
#define PROC_POOL_TICK_MS 10 /* the shell pool's refill: one shell a tick */
#define PROC_TEARDOWN_WAIT_MS 10000 /* at shutdown, for the kernel to drop the veths */
#define PROC_DRAIN_MAX_MS 10000 /* at shutdown, for killed processes to be gone */

/* A process service, behind its ctl_svc's be_priv. */
struct proc_svc {
	struct ctl_svc *s;
	struct proc_svc *next;          /* in proc.svcs */
	struct proc_svc **pprev;        /* what points to it: out of the list in O(1) */
	struct proc_svc *live_next;     /* in proc.live while pid > 0 */
	struct proc_svc **live_pprev;
	pid_t pid;                      /* > 0 while a process exists */
	int paused;                     /* frozen by stop = pause */
	int netns_fd;
	char netns[CTL_NAME_MAX * 2 + 2];
	char veth[IF_NAMESIZE];
	char notify_path[108];
	char **argv;                    /* exec split into words */
	int plumbed;                    /* its namespace and veth exist (first summon on) */
	int leaf_made;                  /* its cgroup leaf was made */
	int adopted;                    /* found running from an earlier run */
	struct ctl_watch notify_w;      /* READY=1 datagrams */
	int pidfd;                      /* of the leader, -1 when none */
	struct ctl_watch exit_w;        /* the leader's pidfd, when it is not our child */
	struct ctl_watch drain_w;       /* the leaf's cgroup.events, while what is left dies */
	uint64_t drain_since;           /* ns, ctl_now() */
	uint64_t cg_base[2];            /* its cgroup's limit counts at summon */
	int as_user;                    /* runs as uid:gid (user =), not as root */
	char **run_argv;                /* as_user: argv through setpriv (words of argv) */
	uid_t uid;
	gid_t gid;
};

/* The backend's side of the process. */
static struct {
	struct proc_svc *svcs;
	struct proc_svc *live;    /* those with a process: what a reaped pid is looked up in */
	int cg_state;             /* 0: not tried, 1: open, < 0: -errno */
	struct ctl_cg_tree cg;    /* the gateway's subtree */
	char cg_why[256];
	/* prepared shells: a namespace with a veth pair on the bridge (eth0
	 * inside, down, no address), taken by a first summon */
	struct proc_shell {
		char netns[CTL_NAME_MAX + 16];
		char veth[IF_NAMESIZE];
	} *pool;
	unsigned int n_pool, want_pool, pool_seq;
	char bridge[IF_NAMESIZE], netns_prefix[CTL_NAME_MAX], veth_prefix[9];
	struct ctl_watch pool_w;  /* the refill timer */
	struct proc_svc **watched; /* leaders that are not our children */
	unsigned int n_watched, cap_watched;
} proc;

static struct proc_svc *
proc_of(const struct ctl_svc *s)
{
	return s->be_priv;
}

/* A service's user = USER[:GROUP] as ids. Most services share the
 * gateway's value: the last one resolved is kept for a second, so that a
 * load of 100,000 of them does not read the password database each time. */
static int
proc_user(const char *spec, uid_t *uid, gid_t *gid, char *msg, size_t len)
{
	static char last[CTL_USER_MAX];
	static uid_t last_uid;
	static gid_t last_gid;
	static uint64_t last_at;
	uint64_t now = ctl_now();

	if (last[0] != '\0' && strcmp(last, spec) == 0 && now - last_at < 1000000000ull) {
		*uid = last_uid;
		*gid = last_gid;
		return 0;
	}
	int rc = ctl_user_resolve(spec, uid, gid, msg, len);
	if (rc == 0) {
		snprintf(last, sizeof(last), "%s", spec);
		last_uid = *uid;
		last_gid = *gid;
		last_at = now;
	}
	return rc;
}

/* Services that run as one uid can signal and ptrace each other: said
 * once per uid the second time it is met (the first two such services;
 * uids told apart by a small table, a uid beyond it is not said). */
static void
proc_shared_uid_warn(const char *name, const char *spec, uid_t uid)
{
	static struct { uid_t uid; char first[CTL_NAME_MAX]; int said; } seen[16];
	static unsigned int n_seen;

	if (uid == 0)
		return;
	for (unsigned int i = 0; i < n_seen; i++) {
		if (seen[i].uid != uid)
			continue;
		if (!seen[i].said && strcmp(seen[i].first, name) != 0) {
			seen[i].said = 1;
			PROC_LOG(WARNING, "%s and %s run as one uid (%u, user = %s): each can signal "
				 "and ptrace the other's processes; user = dynamic gives every "
				 "service a uid of its own", seen[i].first, name, (unsigned int)uid,
				 spec);
		}
		return;
	}
	if (n_seen < RTE_DIM(seen)) {
		seen[n_seen].uid = uid;
		snprintf(seen[n_seen].first, sizeof(seen[n_seen].first), "%s", name);
		n_seen++;
	}
}

/* In or out of proc.live: a reap looks at the services that run, not at
 * every configured one. */
static void
proc_live(struct proc_svc *s, int on)
{
	if (on && s->live_pprev == NULL) {
		s->live_next = proc.live;
		s->live_pprev = &proc.live;
		if (proc.live != NULL)
			proc.live->live_pprev = &s->live_next;
		proc.live = s;
	} else if (!on && s->live_pprev != NULL) {
		*s->live_pprev = s->live_next;
		if (s->live_next != NULL)
			s->live_next->live_pprev = s->live_pprev;
		s->live_next = NULL;
		s->live_pprev = NULL;
	}
}

/* ---- readiness by notification ---------------------------------------- */

static void
proc_on_notify(struct ctl_watch *w, uint32_t events)
{
	struct ctl_svc *s = ((struct proc_svc *)w->arg)->s;
	char buf[512];
	ssize_t n;

	(void)events;
	/* a bounded batch: a service that sends without end does not hold the
	 * loop (the rest wakes it again) */
	for (int k = 0; k < 64 && (n = recv(w->fd, buf, sizeof(buf) - 1, MSG_DONTWAIT)) > 0; k++) {
		buf[n] = '\0';
		/* sd_notify: newline-separated assignments */
		for (char *line = strtok(buf, "\n"); line != NULL; line = strtok(NULL, "\n"))
			if (strcmp(line, "READY=1") == 0 && ctl_svc_state(s) == DP_SVC_BOOTED)
				ctl_svc_ready(s);
	}
}

static int
proc_notify_socket(struct proc_svc *s, char *msg, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	mkdir(PROC_RUN_DIR, 0755);
	int n = snprintf(s->notify_path, sizeof(s->notify_path), PROC_RUN_DIR "/%s.notify",
			 s->netns);
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path)) {
		snprintf(msg, len, "notify socket path too long");
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, s->notify_path, (size_t)n + 1);
	unlink(s->notify_path);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		snprintf(msg, len, "notify socket %s: %s", s->notify_path, strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	/* a service that runs as a user may send to it (and only it) */
	if (s->as_user && chown(s->notify_path, s->uid, s->gid) < 0) {
		int e = errno;
		snprintf(msg, len, "notify socket %s: chown: %s", s->notify_path, strerror(e));
		close(fd);
		return -e;
	}
	s->notify_w = (struct ctl_watch){ .fd = fd, .fn = proc_on_notify, .arg = s };
	return ctl_loop_add(&s->notify_w, EPOLLIN);
}

/* ---- cgroups ------------------------------------------------------------- */

static const char *
proc_leaf(const struct proc_svc *s)
{
	return s->s->cfg->name;
}

/* Wait (a bounded while: SIGKILL cannot be refused) until the leaf is empty. */
static int
proc_cg_wait_empty(const char *leaf, unsigned int ms)
{
	for (unsigned int i = 0; i < ms; i++) {
		int p = ctl_cg_populated(&proc.cg, leaf);
		if (p <= 0)
			return p;
		usleep(1000);
	}
	return -ETIMEDOUT;
}

static int
proc_cg_kill_leaf(const char *leaf, void *arg)
{
	(void)arg;
	if (ctl_cg_populated(&proc.cg, leaf) == 1) {
		PROC_LOG(INFO, "killing what is left in cgroup %s/%s", proc.cg.path, leaf);
		ctl_cg_kill(&proc.cg, leaf);
	}
	return 0;
}

static int
proc_cg_reap_leaf(const char *leaf, void *arg)
{
	(void)arg;
	if (proc_cg_wait_empty(leaf, 5000) < 0)
		PROC_LOG(ERR, "cgroup %s/%s: processes would not die", proc.cg.path, leaf);
	ctl_cg_remove(&proc.cg, leaf);
	return 0;
}

/* The subtree, once per run; in process_recover = kill, nothing of an
 * earlier run survives it (all leaves killed first, then each waited for). */
static const char *
proc_cg_open(const struct ctl_gateway_config *gw)
{
	const unsigned int all = CTL_CG_CPU | CTL_CG_MEMORY | CTL_CG_PIDS;

	if (proc.cg_state != 0)
		return proc.cg_state > 0 ? NULL : proc.cg_why;
	proc.cg_state = ctl_cg_tree_open(&proc.cg, gw->netns_prefix, proc.cg_why,
					 sizeof(proc.cg_why));
	if (proc.cg_state < 0)
		return proc.cg_why;
	proc.cg_state = 1;
	/* orphans of our services reparent to us, not to init */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		PROC_LOG(WARNING, "PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
	PROC_LOG(INFO, "services' cgroups under %s (limits:%s%s%s%s)", proc.cg.path,
		 proc.cg.controllers & CTL_CG_MEMORY ? " memory" : "",
		 proc.cg.controllers & CTL_CG_PIDS ? " pids" : "",
		 proc.cg.controllers & CTL_CG_CPU ? " cpu" : "", proc.cg.controllers ? "" : " none");
	if ((proc.cg.controllers & all) != all)
		PROC_LOG(WARNING, "cgroup controllers not all delegated to %s: default limits of "
			 "the missing ones are not applied, a service that sets one is refused",
			 proc.cg.path);
	if (proc.cg_why[0] != '\0')
		PROC_LOG(WARNING, "%s", proc.cg_why);
	if (gw->process_recover == CTL_PROC_KILL) {
		ctl_cg_foreach(&proc.cg, proc_cg_kill_leaf, NULL);
		ctl_cg_foreach(&proc.cg, proc_cg_reap_leaf, NULL);
	}
	return NULL;
}

static void
proc_limits(const struct ctl_service_config *c, struct ctl_cg_limits *l)
{
	*l = (struct ctl_cg_limits){
		.memory_max = (uint64_t)c->memory_max << 20,
		.pids_max = c->pids_max,
		.cpu_weight = c->cpu_weight,
		.cpu_max_pct = c->cpu_max,
	};
}

/* Limits the service gave itself: enforced, or the summon is refused. */
static unsigned int
proc_strict(const struct ctl_service_config *c)
{
	return (c->limits_given & CTL_LIMIT_MEMORY ? CTL_CG_MEMORY : 0) |
	       (c->limits_given & CTL_LIMIT_PIDS ? CTL_CG_PIDS : 0) |
	       (c->limits_given & CTL_LIMIT_CPU ? CTL_CG_CPU : 0);
}

static void proc_leader_gone(struct proc_svc *s, int status);

static void
proc_unwatch(struct proc_svc *s)
{
	for (unsigned int i = 0; i < proc.n_watched; i++)
		if (proc.watched[i] == s)
			proc.watched[i] = proc.watched[--proc.n_watched];
	if (s->exit_w.fd >= 0) {
		ctl_loop_close(&s->exit_w); /* closes the pidfd */
		s->pidfd = -1;
	}
	if (s->pidfd >= 0)
		close(s->pidfd);
	s->pidfd = -1;
}

static void
proc_on_exit(struct ctl_watch *w, uint32_t events)
{
	(void)events;
	proc_leader_gone(w->arg, -1);
}

/* Watch the leader's pidfd: it is not our child, no SIGCHLD comes. */
static int
proc_watch(struct proc_svc *s)
{
	if (proc.n_watched == proc.cap_watched) {
		unsigned int cap = proc.cap_watched ? 2 * proc.cap_watched : 16;
		void *p = realloc(proc.watched, cap * sizeof(*proc.watched));
		if (p == NULL)
			return -ENOMEM;
		proc.watched = p;
		proc.cap_watched = cap;
	}
	s->exit_w = (struct ctl_watch){ .fd = s->pidfd, .fn = proc_on_exit, .arg = s };
	int rc = ctl_loop_add(&s->exit_w, EPOLLIN);
	if (rc < 0) {
		s->exit_w.fd = -1;
		return rc;
	}
	proc.watched[proc.n_watched++] = s;
	return 0;
}

/* The parent of @p pid, or -1. */
static pid_t
proc_ppid(pid_t pid)
{
	char path[64], buf[512];
	int ppid;
	char state;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *p = strrchr(buf, ')'); /* the command may hold anything */
	if (p == NULL || sscanf(p + 1, " %c %d", &state, &ppid) != 2 || state == 'Z')
		return -1;
	return (pid_t)ppid;
}

/* A process of the leaf to carry the service on: one reparented to us (a
 * daemon whose parent exited), else any. 0 if the leaf is empty. */
static pid_t
proc_new_leader(const char *leaf)
{
	char path[PATH_MAX];
	pid_t any = 0, ours = 0;
	long pid;

	if (ctl_cg_path(&proc.cg, leaf, "cgroup.procs", path, sizeof(path)) < 0)
		return 0;
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return 0;
	while (ours == 0 && fscanf(f, "%ld", &pid) == 1) {
		pid_t pp = proc_ppid((pid_t)pid);
		if (pp < 0)
			continue;
		if (any == 0)
			any = (pid_t)pid;
		if (pp == getpid())
			ours = (pid_t)pid;
	}
	fclose(f);
	return ours ? ours : any;
}

/* ---- draining: stopped once the leaf is empty ---------------------------- */

static void
proc_drained(struct proc_svc *s)
{
	uint32_t st = ctl_svc_state(s->s);

	ctl_loop_close(&s->drain_w);
	if (s->pid <= 0)
		proc_live(s, 0);
	/* STOPPED: a paused one whose processes died (it is no longer paused) */
	if (st == DP_SVC_STOPPING || st == DP_SVC_STOPPED)
		ctl_svc_stopped(s->s);
}

static void
proc_on_drain(struct ctl_watch *w, uint32_t events)
{
	(void)events;
	if (ctl_cg_events_populated(w->fd) != 1)
		proc_drained(w->arg);
}

/* The leaf was just killed: watch it until it is empty. @return 1 when
 * that is still to come (proc_drained() reports it), 0 when it is empty
 * already, or cannot be watched (reported at once, as before a drain). */
static int
proc_drain(struct proc_svc *s)
{
	int fd = ctl_cg_events_fd(&proc.cg, proc_leaf(s));

	if (fd < 0)
		return 0;
	/* read through the watched fd: a change after it notifies */
	if (ctl_cg_events_populated(fd) != 1) {
		close(fd);
		return 0;
	}
	s->drain_w = (struct ctl_watch){ .fd = fd, .fn = proc_on_drain, .arg = s };
	if (ctl_loop_add(&s->drain_w, EPOLLPRI) < 0) {
		close(fd);
		s->drain_w.fd = -1;
		return 0;
	}
	s->drain_since = ctl_now();
	return 1;
}

/* The leader ended (wait @p status, or -1: not our child). A daemon that
 * it left in the leaf, after an exit 0, carries the service on. */
static void
proc_leader_gone(struct proc_svc *s, int status)
{
	struct ctl_svc *svc = s->s;
	uint32_t st = ctl_svc_state(svc);
	const char *leaf = proc_leaf(s);
	char why[160] = "", how[64];

	proc_unwatch(s);
	if ((status == -1 || (WIFEXITED(status) && WEXITSTATUS(status) == 0)) &&
	    (st == DP_SVC_STARTING || st == DP_SVC_BOOTED || st == DP_SVC_READY)) {
		pid_t next = proc_new_leader(leaf);
		if (next > 0) {
			s->pidfd = pidfd_open(next, 0);
			/* our child (through the subreaper): SIGCHLD tells; else its pidfd */
			if (proc_ppid(next) == getpid() || (s->pidfd >= 0 && proc_watch(s) == 0)) {
				PROC_LOG(INFO, "%s: leader %d ended, %d carries the service on",
					 leaf, (int)s->pid, (int)next);
				s->pid = next;
				return;
			}
			proc_unwatch(s); /* cannot follow it: it goes with the rest */
		}
	}
	ctl_cg_limit_reason(&proc.cg, leaf, s->cg_base, why, sizeof(why));
	ctl_cg_kill(&proc.cg, leaf); /* whatever it left behind goes with it */
	s->pid = 0;
	int draining = proc_drain(s);
	if (!draining)
		proc_live(s, 0);
	s->paused = 0;
	if (status == -1)
		snprintf(how, sizeof(how), "ended");
	else if (WIFEXITED(status))
		snprintf(how, sizeof(how), "exited with status %d", WEXITSTATUS(status));
	else
		snprintf(how, sizeof(how), "killed by signal %d", WTERMSIG(status));
	if (st == DP_SVC_STOPPING || st == DP_SVC_STOPPED) {
		if (!draining)
			ctl_svc_stopped(svc);
	} else if (st != DP_SVC_FAILED) /* FAILED at once; summoned again once drained */
		ctl_svc_failed(svc, "the process %s%s%s%s", how,
			       st == DP_SVC_READY ? " while serving" : " during boot",
			       why[0] ? ": " : "", why);
}

/* ---- prepared shells ------------------------------------------------------ */

/* A shell's names cannot be a service's: services' names are lower-case. */
static int
proc_shell_make(struct proc_shell *sh)
{
	char msg[160];
	int fd, rc;

	snprintf(sh->netns, sizeof(sh->netns), "%s-POOL%u", proc.netns_prefix, proc.pool_seq);
	snprintf(sh->veth, sizeof(sh->veth), "%sP%u", proc.veth_prefix, proc.pool_seq % 100000);
	proc.pool_seq++;
	rc = ctl_netns_create(sh->netns, msg, sizeof(msg));
	if (rc < 0)
		goto fail;
	fd = ctl_netns_open(sh->netns);
	rc = fd < 0 ? fd : ctl_veth_create(sh->veth, "eth0", fd, msg, sizeof(msg));
	if (fd >= 0)
		close(fd);
	if (rc == 0)
		rc = ctl_link_set_master(sh->veth, proc.bridge);
	if (rc == 0)
		rc = ctl_link_set_up(sh->veth);
	if (rc == 0)
		return 0;
	ctl_netns_delete(sh->netns);
fail:
	PROC_LOG(WARNING, "prepared shell %s: %s", sh->netns, rc < 0 ? strerror(-rc) : msg);
	return rc;
}

/* The refill: one shell a tick, so that the control loop stays responsive
 * (a shell is a few netlink round trips). */
static void
proc_on_pool_tick(struct ctl_watch *w, uint32_t events)
{
	uint64_t n;

	(void)events;
	if (read(w->fd, &n, sizeof(n)) < 0 || proc.n_pool >= proc.want_pool)
		return;
	if (proc_shell_make(&proc.pool[proc.n_pool]) == 0)
		proc.n_pool++;
}

static void
proc_pool_open(const struct ctl_gateway_config *gw)
{
	proc.want_pool = gw->prepared_pool;
	snprintf(proc.bridge, sizeof(proc.bridge), "%s", gw->bridge);
	snprintf(proc.netns_prefix, sizeof(proc.netns_prefix), "%s", gw->netns_prefix);
	snprintf(proc.veth_prefix, sizeof(proc.veth_prefix), "%s", gw->veth_prefix);
	proc.pool_w.fd = -1;
	if (proc.want_pool == 0)
		return;
	proc.pool = calloc(proc.want_pool, sizeof(*proc.pool));
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	struct itimerspec its = { .it_interval = { 0, PROC_POOL_TICK_MS * 1000000L },
				  .it_value = { 0, PROC_POOL_TICK_MS * 1000000L } };
	if (proc.pool == NULL || fd < 0 || timerfd_settime(fd, 0, &its, NULL) < 0) {
		PROC_LOG(WARNING, "no prepared shells: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		free(proc.pool);
		proc.pool = NULL;
		proc.want_pool = 0;
		return;
	}
	proc.pool_w = (struct ctl_watch){ .fd = fd, .fn = proc_on_pool_tick, .arg = NULL };
	if (ctl_loop_add(&proc.pool_w, EPOLLIN) < 0) {
		close(fd);
		proc.pool_w.fd = -1;
		proc.want_pool = 0;
	}
}

static void
proc_pool_close(void)
{
	ctl_loop_close(&proc.pool_w);
	for (unsigned int i = 0; i < proc.n_pool; i++)
		ctl_netns_delete(proc.pool[i].netns); /* its veth pair goes with it */
	free(proc.pool);
	proc.pool = NULL;
	proc.n_pool = proc.want_pool = 0;
}

/* Give a prepared shell the service's names: the namespace is bound to
 * /run/netns/PREFIX-NAME (and its shell name dropped), the veth keeps its
 * name. @return 0, or -errno when there is none (the caller makes one). */
static int
proc_shell_take(struct proc_svc *s)
{
	char from[PATH_MAX], to[PATH_MAX];

	while (proc.n_pool > 0) {
		struct proc_shell *sh = &proc.pool[--proc.n_pool];
		snprintf(from, sizeof(from), CTL_NETNS_DIR "/%s", sh->netns);
		snprintf(to, sizeof(to), CTL_NETNS_DIR "/%s", s->netns);
		ctl_netns_delete(s->netns); /* what a crashed run left under the name */
		int fd = open(to, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
		if (fd >= 0)
			close(fd);
		if (fd < 0 || mount(from, to, "none", MS_BIND, NULL) < 0) {
			PROC_LOG(WARNING, "%s: prepared shell %s: %s", s->s->cfg->name, sh->netns,
				 strerror(errno));
			unlink(to);
			ctl_netns_delete(sh->netns);
			continue;
		}
		ctl_netns_delete(sh->netns);
		snprintf(s->veth, sizeof(s->veth), "%s", sh->veth);
		return 0;
	}
	return -ENOENT;
}

/* ---- prepare / release ------------------------------------------------- */

static void
proc_release(struct ctl_svc *svc)
{
	struct proc_svc *s = proc_of(svc);

	if (s == NULL)
		return;
	ctl_loop_close(&s->notify_w);
	if (s->notify_path[0] != '\0')
		unlink(s->notify_path);
	/* A never-summoned service made nothing. The veth pair goes with the
	 * namespace: deleting the host end first would cost a synchronize_net()
	 * per link, where the kernel's teardown of namespaces batches them. */
	if (s->plumbed)
		ctl_netns_delete(s->netns);
	if (s->netns_fd >= 0)
		close(s->netns_fd);
	s->netns_fd = -1;
	free(s->run_argv);
	free(s->argv);
	proc_unwatch(s);
	ctl_loop_close(&s->drain_w);
	if (proc.cg_state > 0 && s->leaf_made) {
		/* stopped, so only a straggler of its last run can be left */
		ctl_cg_kill(&proc.cg, proc_leaf(s));
		proc_cg_reap_leaf(proc_leaf(s), NULL);
	}
	proc_live(s, 0);
	if (s->pprev != NULL) { /* O(1): a shutdown of n services is O(n) */
		*s->pprev = s->next;
		if (s->next != NULL)
			s->next->pprev = s->pprev;
	}
	ctl_loop_free_later(s); /* an event of this batch may still name its watches */
	svc->be_priv = NULL;
}

static int
proc_check(const struct ctl_service_config *c, const struct ctl_gateway_config *gw, char *msg,
	   size_t len, char *warn, size_t wlen)
{
	(void)gw;
	(void)wlen;
	warn[0] = '\0';
	if (c->exec[0] == '\0') {
		snprintf(msg, len, "exec: missing (the command the service runs)");
		return -EINVAL;
	}
	char **argv = ctl_split_command(c->exec);
	if (argv == NULL) {
		snprintf(msg, len, "exec: '%s' has an unbalanced quote", c->exec);
		return -EINVAL;
	}
	free(argv);
	uid_t uid;
	gid_t gid;
	if (c->user[0] != '\0' && strcmp(c->user, "dynamic") != 0 &&
	    proc_user(c->user, &uid, &gid, msg, len) < 0)
		return -EINVAL;
	if (c->user[0] != '\0' && access(CTL_SETPRIV, X_OK) < 0) {
		snprintf(msg, len, "user: a service run as a user is started through %s (util-linux): %s",
			 CTL_SETPRIV, strerror(errno));
		return -EINVAL;
	}
	if (c->stop == CTL_STOP_SUSPEND || c->stop == CTL_STOP_SHUTDOWN) {
		snprintf(msg, len, "stop: a process service stops with destroy or pause");
		return -EINVAL;
	}
	return 0;
}

/* In a service's own namespace no port needs to be privileged: a service
 * run as a user binds port 80 as root would. */
static int
proc_low_ports(void *arg)
{
	(void)arg;
	int fd = open("/proc/sys/net/ipv4/ip_unprivileged_port_start", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = write(fd, "0", 1) == 1 ? 0 : -errno;
	close(fd);
	return rc;
}

/* The slow part, at the first summon (or at load for an adopted one):
 * the namespace (held by its bind mount under /run/netns, not by an fd),
 * the veth pair on the bridge, eth0 with the service's address, MAC and
 * default route, and the notify socket. What a crashed run left under the
 * same names goes first. A namespace stays until the service is released,
 * so that summons after the first cost no netlink work. */
static int
proc_plumb(struct proc_svc *s, char *msg, size_t len)
{
	struct ctl_svc *svc = s->s;
	const struct ctl_gateway_config *gw = svc->gw;
	int fd = s->netns_fd, rc;

	if (s->plumbed)
		return 0;
	if (fd < 0 && proc_shell_take(s) == 0) {
		/* a prepared shell: its veth is on the bridge and up already */
		s->plumbed = 1;
		fd = ctl_netns_open(s->netns);
		if (fd < 0) {
			snprintf(msg, len, "namespace %s: %s", s->netns, strerror(-fd));
			rc = fd;
			goto out;
		}
		goto iface;
	}
	if (fd < 0) {
		ctl_link_delete(s->veth);
		ctl_netns_delete(s->netns);
		rc = ctl_netns_create(s->netns, msg, len);
		if (rc < 0)
			return rc;
		s->plumbed = 1; /* from here, release undoes it */
		fd = ctl_netns_open(s->netns);
		if (fd < 0) {
			snprintf(msg, len, "namespace %s: %s", s->netns, strerror(-fd));
			return fd;
		}
		rc = ctl_veth_create(s->veth, "eth0", fd, msg, len);
		if (rc < 0)
			goto out;
	}
	s->plumbed = 1;
	rc = ctl_link_set_master(s->veth, gw->bridge);
	if (rc == 0)
		rc = ctl_link_set_up(s->veth);
	if (rc < 0) {
		snprintf(msg, len, "%s on bridge %s: %s", s->veth, gw->bridge, strerror(-rc));
		goto out;
	}
iface:
	/* a /32 with an on-link default route: everything goes to the gateway */
	rc = ctl_netns_setup_iface(fd, "eth0", "eth0", &svc->shared->mac, svc->cfg->address, 32,
				   gw->address, msg, len);
	if (rc == 0 && s->as_user) {
		rc = ctl_netns_run(fd, proc_low_ports, NULL);
		if (rc < 0)
			snprintf(msg, len, "ip_unprivileged_port_start in %s: %s", s->netns,
				 strerror(-rc));
	}
	if (rc == 0 && svc->cfg->ready == CTL_READY_NOTIFY && s->notify_w.fd < 0)
		rc = proc_notify_socket(s, msg, len);
out:
	if (fd != s->netns_fd)
		close(fd);
	if (rc < 0 && s->netns_fd < 0) { /* half made: the next summon starts over */
		ctl_link_delete(s->veth);
		ctl_netns_delete(s->netns);
		s->plumbed = 0;
	}
	return rc;
}

static int
proc_del_eth0(void *arg)
{
	(void)arg;
	return ctl_link_delete("eth0");
}

/* At load: only what is checked and named. Nothing is made in the kernel
 * for a service until its first summon (proc_plumb()), except for one
 * adopted from an earlier run. */
static int
proc_prepare(struct ctl_svc *svc, char *msg, size_t len)
{
	const struct ctl_gateway_config *gw = svc->gw;
	struct proc_svc *s = calloc(1, sizeof(*s));
	int rc;

	if (s == NULL)
		return -ENOMEM;
	s->s = svc;
	s->netns_fd = -1;
	s->notify_w.fd = -1;
	s->pidfd = -1;
	s->exit_w.fd = -1;
	s->drain_w.fd = -1;
	svc->be_priv = s;
	s->next = proc.svcs;
	s->pprev = &proc.svcs;
	if (proc.svcs != NULL)
		proc.svcs->pprev = &s->next;
	proc.svcs = s;
	rc = ctl_bridge_up(gw->bridge, msg, len);
	if (rc < 0)
		goto fail;
	s->argv = ctl_split_command(svc->cfg->exec);
	if (s->argv == NULL) {
		rc = -errno;
		snprintf(msg, len, "exec: '%s': %s", svc->cfg->exec, strerror(errno));
		goto fail;
	}
	if (strcmp(svc->cfg->user, "dynamic") == 0) {
		/* a uid of its own, as systemd's DynamicUser: no tenant can
		 * signal another's processes (ids are below 2^30) */
		s->uid = (uid_t)(gw->dynamic_user_base + svc->id);
		s->gid = (gid_t)s->uid;
		s->as_user = 1;
	} else if (svc->cfg->user[0] != '\0') {
		rc = proc_user(svc->cfg->user, &s->uid, &s->gid, msg, len);
		if (rc < 0)
			goto fail;
		s->as_user = s->uid != 0 || s->gid != 0;
		proc_shared_uid_warn(svc->cfg->name, svc->cfg->user, s->uid);
	}
	if (s->as_user && (s->run_argv = ctl_user_command(s->argv, s->uid, s->gid)) == NULL) {
		rc = -ENOMEM;
		snprintf(msg, len, "user: %s", strerror(ENOMEM));
		goto fail;
	}
	snprintf(s->netns, sizeof(s->netns), "%s-%s", gw->netns_prefix, svc->cfg->name);
	snprintf(s->veth, sizeof(s->veth), "%s%u", gw->veth_prefix, svc->id);
	/* process_recover = kill emptied the subtree when the backend opened */
	if (gw->process_recover != CTL_PROC_ADOPT ||
	    ctl_cg_populated(&proc.cg, svc->cfg->name) != 1)
		return 0;

	pid_t old = proc_new_leader(svc->cfg->name);
	if (old > 0) {
		/* it runs since an earlier run: its namespace is plumbed again
		 * (held by an fd: the earlier run's name may be gone) */
		char nsp[64];
		snprintf(nsp, sizeof(nsp), "/proc/%d/ns/net", (int)old);
		ctl_link_delete(s->veth);
		s->netns_fd = open(nsp, O_RDONLY | O_CLOEXEC);
		s->pidfd = s->netns_fd >= 0 ? pidfd_open(old, 0) : -1;
		/* its old eth0 (the host end may have had a prepared shell's name) */
		if (s->netns_fd >= 0)
			ctl_netns_run(s->netns_fd, proc_del_eth0, NULL);
		if (s->pidfd >= 0 && ctl_veth_create(s->veth, "eth0", s->netns_fd, msg, len) == 0 &&
		    proc_plumb(s, msg, len) == 0 && proc_watch(s) == 0) {
			s->pid = old;
			proc_live(s, 1);
			s->adopted = 1;
			s->leaf_made = 1;
			PROC_LOG(INFO, "%s: adopting process %d of an earlier run", svc->cfg->name,
				 (int)old);
			return 1;
		}
		PROC_LOG(WARNING, "%s: cannot adopt process %d of an earlier run (%s): killing it",
			 svc->cfg->name, (int)old, msg[0] ? msg : strerror(errno));
		msg[0] = '\0';
		proc_unwatch(s);
		if (s->netns_fd >= 0)
			close(s->netns_fd);
		s->netns_fd = -1;
		if (s->plumbed)
			ctl_link_delete(s->veth);
		s->plumbed = 0;
	}
	proc_cg_kill_leaf(svc->cfg->name, NULL);
	if (proc_cg_wait_empty(svc->cfg->name, 5000) < 0) {
		rc = -EBUSY;
		snprintf(msg, len, "cgroup %s/%s: processes of an earlier run would not die",
			 proc.cg.path, svc->cfg->name);
		goto fail;
	}
	return 0;
fail:
	proc_release(svc);
	return rc;
}

/* Adopted at start: it serves (READY), or it was paused (its leaf frozen). */
static void
proc_adopted(struct ctl_svc *svc)
{
	struct proc_svc *s = proc_of(svc);
	char path[PATH_MAX], buf[256] = "";

	if (ctl_cg_path(&proc.cg, proc_leaf(s), "cgroup.events", path, sizeof(path)) == 0) {
		FILE *f = fopen(path, "re");
		if (f != NULL) {
			size_t n = fread(buf, 1, sizeof(buf) - 1, f);
			buf[n] = '\0';
			fclose(f);
		}
	}
	if (ctl_cg_parse_key(buf, "frozen") == 1) {
		s->paused = 1;
		ctl_svc_paused(svc);
	} else {
		ctl_svc_resumed(svc);
	}
}

/* ---- summon ------------------------------------------------------------ */

/* What the child of proc_summon() needs: read-only, on the parent's memory. */
struct proc_spawn {
	const struct proc_svc *s;
	int devnull;
	int status_fd; /* CLOEXEC pipe: closed by a successful exec, errno otherwise */
	int procs_fd;  /* the leaf's cgroup.procs: the child enters it first */
	int netns_fd;  /* the service's namespace */
	char **envp;   /* the environment it gets */
};

/* The child, sharing the parent's memory until it execs (CLONE_VM |
 * CLONE_VFORK): only async-signal-safe calls, no allocation. */
static int
proc_child(void *arg)
{
	const struct proc_spawn *sp = arg;
	sigset_t none;
	int err;

	/* the gateway's handlers are not the service's: default dispositions
	 * before any signal is let in (this table is the child's own) */
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* into the service's cgroup before anything else: all it forks stays in */
	if (write(sp->procs_fd, "0", 1) != 1)
		goto fail;
	setsid(); /* its own process group */
	if (setns(sp->netns_fd, CLONE_NEWNET) < 0)
		goto fail;
	dup2(sp->devnull, 0);
	/* nothing of the gateway's (EAL fds, sockets) leaks into it */
	syscall(SYS_close_range, 3u, ~0u, 4u /* CLOSE_RANGE_CLOEXEC */);
	/* a user of its own: taken by setpriv, after this exec. Changing ids
	 * here, in the gateway's memory, would let any process of that uid
	 * stop this child, and the gateway waiting for it, before the exec. */
	if (sp->s->as_user)
		execve(sp->s->run_argv[0], sp->s->run_argv, sp->envp);
	else
		execvpe(sp->s->argv[0], sp->s->argv, sp->envp);
fail:
	err = errno;
	if (write(sp->status_fd, &err, sizeof(err)) < 0)
		_exit(126);
	_exit(127);
}

static int
proc_summon(struct ctl_svc *svc, char *msg, size_t len)
{
	struct proc_svc *s = proc_of(svc);

	if (s->paused && s->pid > 0) {
		/* a paused service resumes: its sockets were listening all along */
		int frc = ctl_cg_freeze(&proc.cg, proc_leaf(s), 0);
		if (frc < 0) {
			snprintf(msg, len, "thawing the cgroup of %d: %s", (int)s->pid,
				 strerror(-frc));
			return frc;
		}
		s->paused = 0;
		ctl_svc_resumed(svc);
		return 0;
	}
	/* A DPDK process maps a lot: fork() would copy its page tables for
	 * milliseconds. The child shares our memory instead and we wait (a
	 * few hundred microseconds) until it has exec'd or failed. */
	const char *leaf = proc_leaf(s);
	struct ctl_cg_limits lim;
	proc_limits(svc->cfg, &lim);
	int rc = proc_plumb(s, msg, len);
	if (rc < 0)
		return rc;
	rc = ctl_cg_create(&proc.cg, leaf, &lim, proc_strict(svc->cfg), msg, len);
	if (rc < 0)
		return rc;
	s->leaf_made = 1;
	if (s->drain_w.fd >= 0) { /* a paused run's processes died, their leaf drains */
		if (ctl_cg_events_populated(s->drain_w.fd) == 1) {
			ctl_cg_kill(&proc.cg, leaf);
			snprintf(msg, len, "cgroup %s/%s: its last run is still being killed",
				 proc.cg.path, leaf);
			return -EBUSY;
		}
		ctl_loop_close(&s->drain_w); /* empty: the notification is moot */
		proc_live(s, 0);
	}
	/* a leaf frozen by a stop = pause whose processes died since (or an
	 * adopted one, killed): the child must not freeze in it, nor we with it */
	ctl_cg_freeze(&proc.cg, leaf, 0);
	if (ctl_cg_populated(&proc.cg, leaf) == 1) {
		/* only after a drain given up on (proc_pump()): not waited for here */
		ctl_cg_kill(&proc.cg, leaf);
		snprintf(msg, len, "cgroup %s/%s: processes of its last run would not die",
			 proc.cg.path, leaf);
		return -EBUSY;
	}
	ctl_cg_limit_counts(&proc.cg, leaf, s->cg_base);
	struct proc_spawn sp = { s, open("/dev/null", O_RDONLY | O_CLOEXEC), -1,
				 ctl_cg_procs_fd(&proc.cg, leaf),
				 s->netns_fd >= 0 ? s->netns_fd : ctl_netns_open(s->netns),
				 ctl_service_env(environ, svc->cfg->name,
						 svc->cfg->ready == CTL_READY_NOTIFY ? s->notify_path
										     : NULL) };
	int pfd[2] = { -1, -1 };
	size_t stack_len = 64 * 1024;
	char *stack = malloc(stack_len);
	if (sp.procs_fd < 0) {
		rc = sp.procs_fd;
		snprintf(msg, len, "cgroup %s/%s: %s", proc.cg.path, leaf, strerror(-rc));
		goto out;
	}
	if (sp.netns_fd < 0) {
		rc = sp.netns_fd;
		snprintf(msg, len, "namespace %s: %s", s->netns, strerror(-rc));
		goto out;
	}
	if (sp.envp == NULL) {
		rc = -ENOMEM;
		snprintf(msg, len, "cannot spawn: %s", strerror(ENOMEM));
		goto out;
	}
	if (sp.devnull < 0 || stack == NULL || pipe2(pfd, O_CLOEXEC) < 0) {
		rc = -(errno ? errno : ENOMEM);
		snprintf(msg, len, "cannot spawn: %s", strerror(-rc));
		goto out;
	}
	sp.status_fd = pfd[1];
	int pidfd = -1;
	pid_t pid = clone(proc_child, stack + stack_len,
			  CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD, &sp, &pidfd);
	if (pid < 0) {
		rc = -errno;
		snprintf(msg, len, "clone: %s", strerror(-rc));
		goto out;
	}
	s->pid = pid; /* reaped on SIGCHLD, whatever happened */
	proc_live(s, 1);
	s->pidfd = pidfd;
	close(pfd[1]);
	pfd[1] = -1;
	int err = 0;
	if (read(pfd[0], &err, sizeof(err)) == (ssize_t)sizeof(err)) {
		rc = -err;
		snprintf(msg, len, "cannot run '%s': %s", s->argv[0], strerror(err));
		goto out;
	}
	ctl_svc_running(svc); /* the pipe closed on exec */
out:
	for (int i = 0; i < 2; i++)
		if (pfd[i] >= 0)
			close(pfd[i]);
	if (sp.devnull >= 0)
		close(sp.devnull);
	if (sp.procs_fd >= 0)
		close(sp.procs_fd);
	if (sp.netns_fd >= 0 && sp.netns_fd != s->netns_fd)
		close(sp.netns_fd);
	free(sp.envp); /* the child has exec'd or failed: it shares our memory no more */
	free(stack);
	return rc;
}

/* ---- stop -------------------------------------------------------------- */

static void
proc_stop(struct ctl_svc *svc, enum ctl_halt how)
{
	struct proc_svc *s = proc_of(svc);

	if (s->pid <= 0) {
		if (s->drain_w.fd >= 0) { /* stopped once empty (proc_drained()) */
			if (how == CTL_HALT_KILL)
				PROC_LOG(WARNING, "%s: processes of its last run still not gone, "
					 "%.1f s after SIGKILL", proc_leaf(s),
					 (double)(ctl_now() - s->drain_since) / 1e9);
			ctl_cg_kill(&proc.cg, proc_leaf(s));
		} else
			ctl_svc_stopped(svc);
		return;
	}
	const char *leaf = proc_leaf(s);
	if (how == CTL_HALT_AS_CONFIGURED && svc->cfg->stop == CTL_STOP_PAUSE && !s->paused &&
	    ctl_cg_freeze(&proc.cg, leaf, 1) == 0) {
		s->paused = 1; /* the whole cgroup, daemons too */
		ctl_svc_paused(svc);
		return;
	}
	if (how == CTL_HALT_KILL) {
		if (ctl_cg_kill(&proc.cg, leaf) < 0) /* every process of it, at once */
			kill(-s->pid, SIGKILL);
		return;
	}
	/* SIGTERM to each of its processes first; the runtime kills the
	 * cgroup when the grace is over */
	if (s->paused)
		ctl_cg_freeze(&proc.cg, leaf, 0); /* a frozen process cannot act on it */
	ctl_cg_signal(&proc.cg, leaf, SIGTERM);
}

static int
proc_exists(const struct ctl_svc *svc)
{
	const struct proc_svc *s = proc_of(svc);

	return s != NULL && (s->pid > 0 || s->drain_w.fd >= 0);
}

/* ---- the backend's side of the process ---------------------------------- */

static const char *
proc_open(const struct ctl_config *cfg)
{
	ctl_bridge_set_downlink((uint16_t)cfg->ports.downlink);
	const char *why = proc_cg_open(&cfg->gw);
	if (why == NULL)
		proc_pool_open(&cfg->gw);
	return why;
}

static int
proc_count_link(const char *name, void *arg)
{
	(void)name;
	(*(int *)arg)++;
	return 0;
}

static void
proc_close(void)
{
	/* the subtree goes once its leaves have (each with its service) */
	if (proc.cg_state > 0 && rmdir(proc.cg.path) < 0 && errno != ENOENT)
		PROC_LOG(WARNING, "cgroup %s: %s", proc.cg.path, strerror(errno));
	free(proc.watched);
	proc.watched = NULL;
	proc.n_watched = proc.cap_watched = 0;
	proc.cg_state = 0;
	proc_pool_close();
	/* the services' veth pairs go in the kernel's teardown of their
	 * namespaces, batched but after the unmount: a gateway that has exited
	 * leaves none of them (a bounded wait: the kernel does not refuse) */
	for (int i = 0; i < PROC_TEARDOWN_WAIT_MS / 5; i++) {
		int left = 0;
		if (proc.veth_prefix[0] == '\0' ||
		    ctl_links_foreach_prefix(proc.veth_prefix, proc_count_link, &left) < 0 ||
		    left == 0)
			break;
		usleep(5000);
	}
	ctl_bridge_down();
}

/* The blocking wait of a shutdown or reload (ctl_stop_wait()): the
 * leaders that are not our children, and the leaves that drain, of which
 * one that is not empty after PROC_DRAIN_MAX_MS is given up on (a process
 * in uninterruptible sleep: the gateway must still exit). */
static void
proc_pump(int timeout_ms)
{
	struct pollfd fds[64];
	struct proc_svc *who[64];
	unsigned int n = 0;
	uint64_t now = ctl_now();

	for (unsigned int i = 0; i < proc.n_watched && n < 64; i++) {
		who[n] = proc.watched[i];
		fds[n++] = (struct pollfd){ .fd = proc.watched[i]->pidfd, .events = POLLIN };
	}
	for (struct proc_svc *s = proc.live, *next; s != NULL; s = next) {
		next = s->live_next;
		if (s->drain_w.fd < 0)
			continue;
		if (now - s->drain_since >= (uint64_t)PROC_DRAIN_MAX_MS * 1000000) {
			PROC_LOG(ERR, "cgroup %s/%s: processes would not die (%d s after SIGKILL)",
				 proc.cg.path, proc_leaf(s), PROC_DRAIN_MAX_MS / 1000);
			proc_drained(s);
		} else if (n < 64) {
			who[n] = s;
			fds[n++] = (struct pollfd){ .fd = s->drain_w.fd, .events = POLLPRI };
		} else if (ctl_cg_events_populated(s->drain_w.fd) != 1) {
			proc_drained(s); /* beyond what one poll takes: read each round */
		}
	}
	if (n == 0) {
		usleep((useconds_t)timeout_ms * 1000);
		return;
	}
	if (poll(fds, n, timeout_ms) <= 0)
		return;
	for (unsigned int i = 0; i < n; i++) {
		if (fds[i].revents == 0)
			continue;
		/* what an earlier one did may have closed it: only if still the same */
		if (fds[i].events == POLLPRI && who[i]->drain_w.fd == fds[i].fd)
			proc_on_drain(&who[i]->drain_w, 0);
		else if (fds[i].events == POLLIN && who[i]->pidfd == fds[i].fd &&
			 who[i]->exit_w.fd >= 0)
			proc_leader_gone(who[i], -1);
	}
}

/* A child exited: a service's process, or not ours. */
static int
proc_reaped(pid_t pid, int status)
{
	struct proc_svc *s = proc.live;

	while (s != NULL && s->pid != pid)
		s = s->live_next;
	if (s == NULL)
		return 0; /* also an orphan of a service that reparented to us */
	proc_leader_gone(s, status);
	return 1;
}

/* The names this run's services own, sorted, for the leftovers' sweep. */
struct proc_claims {
	const char **v;
	size_t n;
};

static int
proc_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
proc_claimed(const struct proc_claims *c, const char *name)
{
	return c->v != NULL && bsearch(&name, c->v, c->n, sizeof(*c->v), proc_cmp) != NULL;
}

static int
proc_leftover_netns(const char *name, void *arg)
{
	if (proc_claimed(arg, name))
		return 0;
	PROC_LOG(INFO, "removing namespace %s left by an earlier run", name);
	ctl_netns_delete(name);
	return 0;
}

static int
proc_leftover_link(const char *name, void *arg)
{
	if (proc_claimed(arg, name))
		return 0;
	PROC_LOG(INFO, "removing link %s left by an earlier run", name);
	ctl_link_delete(name);
	return 0;
}

/* A leaf of an earlier run that no service claims: killed (first pass),
 * then waited for and removed (second pass). */
struct proc_leaf_sweep {
	struct proc_claims claims;
	int kill;
};

static int
proc_leftover_leaf(const char *name, void *arg)
{
	const struct proc_leaf_sweep *w = arg;

	if (proc_claimed(&w->claims, name))
		return 0;
	if (w->kill) {
		PROC_LOG(INFO, "cgroup %s/%s: no service of this configuration claims it",
			 proc.cg.path, name);
		return proc_cg_kill_leaf(name, NULL);
	}
	return proc_cg_reap_leaf(name, NULL);
}

/* What a crashed run left under the gateway's prefixes and no service of
 * this one claims goes. Services are plumbed at their first summon: at
 * start only adopted ones are, and only theirs are claimed (the
 * namespace, link and cgroup of every other went with the earlier run). */
static void
proc_recover(const struct ctl_gateway_config *gw)
{
	struct proc_claims ns = { NULL, 0 }, links = { NULL, 0 }, leaves = { NULL, 0 };
	char prefix[CTL_NAME_MAX + 2];
	size_t n = 0;

	for (const struct proc_svc *s = proc.svcs; s != NULL; s = s->next)
		n++;
	/* without the lists (no memory) nothing is claimed: nothing is removed */
	ns.v = calloc(n + 1, sizeof(*ns.v));
	links.v = calloc(n + 1, sizeof(*links.v));
	leaves.v = calloc(n + 1, sizeof(*leaves.v));
	if (ns.v == NULL || links.v == NULL || leaves.v == NULL) {
		PROC_LOG(WARNING, "no memory to sort out what an earlier run left: kept");
		goto out;
	}
	for (const struct proc_svc *s = proc.svcs; s != NULL; s = s->next) {
		if (!s->plumbed)
			continue;
		ns.v[ns.n++] = s->netns;
		links.v[links.n++] = s->veth;
		leaves.v[leaves.n++] = proc_leaf(s);
	}
	qsort(ns.v, ns.n, sizeof(*ns.v), proc_cmp);
	qsort(links.v, links.n, sizeof(*links.v), proc_cmp);
	qsort(leaves.v, leaves.n, sizeof(*leaves.v), proc_cmp);
	snprintf(prefix, sizeof(prefix), "%s-", gw->netns_prefix);
	ctl_netns_foreach(prefix, proc_leftover_netns, &ns);
	ctl_links_foreach_prefix(gw->veth_prefix, proc_leftover_link, &links);
	if (proc.cg_state > 0) { /* all killed first, then each waited for */
		struct proc_leaf_sweep w = { leaves, 1 };
		ctl_cg_foreach(&proc.cg, proc_leftover_leaf, &w);
		w.kill = 0;
		ctl_cg_foreach(&proc.cg, proc_leftover_leaf, &w);
	}
out:
	free(ns.v);
	free(links.v);
	free(leaves.v);
}

static void
proc_describe(const struct ctl_svc *svc, struct rte_tel_data *d)
{
	const struct proc_svc *s = proc_of(svc);

	rte_tel_data_add_dict_string(d, "namespace", s != NULL ? s->netns : "");
	rte_tel_data_add_dict_u64(d, "pid", s != NULL && s->pid > 0 ? (uint64_t)s->pid : 0);
	char path[PATH_MAX] = "";
	if (s != NULL && proc.cg_state > 0)
		ctl_cg_path(&proc.cg, proc_leaf(s), NULL, path, sizeof(path));
	rte_tel_data_add_dict_string(d, "cgroup", path);
	/* who it runs as (0: root, the gateway's own) */
	rte_tel_data_add_dict_u64(d, "uid", s != NULL ? (uint64_t)s->uid : 0);
	rte_tel_data_add_dict_u64(d, "gid", s != NULL ? (uint64_t)s->gid : 0);
}

const struct ctl_backend_ops ctl_backend_process = {
	.name = "process",
	.open = proc_open,
	.close = proc_close,
	.recover = proc_recover,
	.reaped = proc_reaped,
	.pump = proc_pump,
	.describe = proc_describe,
	.check = proc_check,
	.prepare = proc_prepare,
	.release = proc_release,
	.summon = proc_summon,
	.stop = proc_stop,
	.adopted = proc_adopted,
	.exists = proc_exists,
};

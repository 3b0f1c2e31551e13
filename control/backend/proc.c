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
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_log.h>

#include "cgroup.h"
#include "netns.h"
#include "../runtime.h"

RTE_LOG_REGISTER(ctl_proc_logtype, jitsu.process, INFO);
#define PROC_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, ctl_proc_logtype, "jitsu: process: " fmt "\n", ##__VA_ARGS__)

extern char **environ;

#define PROC_RUN_DIR "/run/jitsu"

/* ---- readiness by notification ---------------------------------------- */

static void
proc_on_notify(struct ctl_watch *w, uint32_t events)
{
	struct ctl_svc *s = w->arg;
	char buf[512];
	ssize_t n;

	(void)events;
	while ((n = recv(w->fd, buf, sizeof(buf) - 1, MSG_DONTWAIT)) > 0) {
		buf[n] = '\0';
		/* sd_notify: newline-separated assignments */
		for (char *line = strtok(buf, "\n"); line != NULL; line = strtok(NULL, "\n"))
			if (strcmp(line, "READY=1") == 0 && ctl_svc_state(s) == DP_SVC_BOOTED)
				ctl_svc_ready(s);
	}
}

static int
proc_notify_socket(struct ctl_svc *s, char *msg, size_t len)
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
	s->notify_w = (struct ctl_watch){ .fd = fd, .fn = proc_on_notify, .arg = s };
	return ctl_loop_add(&s->notify_w, EPOLLIN);
}

/* ---- cgroups ------------------------------------------------------------- */

/* The gateway's subtree, opened by the first process service. */
static struct {
	int state; /* 0: not tried, 1: open, < 0: -errno */
	struct ctl_cg_tree tree;
	char why[256];
	struct ctl_svc **watched; /* leaders that are not our children */
	unsigned int n_watched, cap_watched;
} pcg;

/* Wait (a bounded while: SIGKILL cannot be refused) until the leaf is empty. */
static int
proc_cg_wait_empty(const char *svc, unsigned int ms)
{
	for (unsigned int i = 0; i < ms; i++) {
		int p = ctl_cg_populated(&pcg.tree, svc);
		if (p <= 0)
			return p;
		usleep(1000);
	}
	return -ETIMEDOUT;
}

static int
proc_cg_kill_leaf(const char *svc, void *arg)
{
	(void)arg;
	if (ctl_cg_populated(&pcg.tree, svc) == 1) {
		PROC_LOG(INFO, "killing what is left in cgroup %s/%s", pcg.tree.path, svc);
		ctl_cg_kill(&pcg.tree, svc);
	}
	return 0;
}

static int
proc_cg_reap_leaf(const char *svc, void *arg)
{
	(void)arg;
	if (proc_cg_wait_empty(svc, 5000) < 0)
		PROC_LOG(ERR, "cgroup %s/%s: processes would not die", pcg.tree.path, svc);
	ctl_cg_remove(&pcg.tree, svc);
	return 0;
}

static int
proc_cg_open(const struct ctl_gateway_config *gw, char *msg, size_t len)
{
	if (pcg.state == 0) {
		pcg.state = ctl_cg_tree_open(&pcg.tree, gw->netns_prefix, pcg.why, sizeof(pcg.why));
		if (pcg.state == 0)
			pcg.state = 1;
		if (pcg.state == 1) {
			/* orphans of our services reparent to us, not to init */
			if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
				PROC_LOG(WARNING, "PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
			unsigned int all = CTL_CG_CPU | CTL_CG_MEMORY | CTL_CG_PIDS;
			PROC_LOG(INFO, "services' cgroups under %s (limits:%s%s%s%s)",
				 pcg.tree.path, pcg.tree.controllers & CTL_CG_MEMORY ? " memory" : "",
				 pcg.tree.controllers & CTL_CG_PIDS ? " pids" : "",
				 pcg.tree.controllers & CTL_CG_CPU ? " cpu" : "",
				 pcg.tree.controllers ? "" : " none");
			if ((pcg.tree.controllers & all) != all)
				PROC_LOG(WARNING, "cgroup controllers not delegated to %s: the default "
					 "limits of what is missing are not applied; a service that "
					 "sets one is refused", pcg.tree.path);
			if (pcg.why[0] != '\0')
				PROC_LOG(WARNING, "%s", pcg.why);
			if (gw->process_recover == CTL_PROC_KILL) {
				/* nothing of an earlier run survives it */
				ctl_cg_foreach(&pcg.tree, proc_cg_kill_leaf, NULL);
				ctl_cg_foreach(&pcg.tree, proc_cg_reap_leaf, NULL);
			}
		}
	}
	if (pcg.state < 0) {
		snprintf(msg, len, "%s", pcg.why);
		return pcg.state;
	}
	return 0;
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

static unsigned int
proc_strict(const struct ctl_service_config *c)
{
	return (c->limits_given & CTL_LIMIT_MEMORY ? CTL_CG_MEMORY : 0) |
	       (c->limits_given & CTL_LIMIT_PIDS ? CTL_CG_PIDS : 0) |
	       (c->limits_given & CTL_LIMIT_CPU ? CTL_CG_CPU : 0);
}

static void proc_unwatch(struct ctl_svc *s);

static void
proc_on_exit(struct ctl_watch *w, uint32_t events)
{
	struct ctl_svc *s = w->arg;

	(void)events;
	proc_unwatch(s);
	ctl_svc_exited(s, -1);
}

/* Watch the leader's pidfd: it is not our child, no SIGCHLD comes. */
static int
proc_watch(struct ctl_svc *s)
{
	if (pcg.n_watched == pcg.cap_watched) {
		unsigned int cap = pcg.cap_watched ? 2 * pcg.cap_watched : 16;
		void *p = realloc(pcg.watched, cap * sizeof(*pcg.watched));
		if (p == NULL)
			return -ENOMEM;
		pcg.watched = p;
		pcg.cap_watched = cap;
	}
	s->exit_w = (struct ctl_watch){ .fd = s->pidfd, .fn = proc_on_exit, .arg = s };
	int rc = ctl_loop_add(&s->exit_w, EPOLLIN);
	if (rc < 0) {
		s->exit_w.fd = -1;
		return rc;
	}
	pcg.watched[pcg.n_watched++] = s;
	return 0;
}

static void
proc_unwatch(struct ctl_svc *s)
{
	for (unsigned int i = 0; i < pcg.n_watched; i++)
		if (pcg.watched[i] == s)
			pcg.watched[i] = pcg.watched[--pcg.n_watched];
	if (s->exit_w.fd >= 0) {
		ctl_loop_close(&s->exit_w); /* closes the pidfd */
		s->pidfd = -1;
	}
	if (s->pidfd >= 0)
		close(s->pidfd);
	s->pidfd = -1;
}

/* A process of the leaf to carry the service on: one reparented to us (a
 * daemon whose parent exited), else any. 0 if the leaf is empty. */
static pid_t
proc_new_leader(const char *svc)
{
	char path[PATH_MAX];
	pid_t any = 0, ours = 0;
	long pid;

	if (ctl_cg_path(&pcg.tree, svc, "cgroup.procs", path, sizeof(path)) < 0)
		return 0;
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return 0;
	while (ours == 0 && fscanf(f, "%ld", &pid) == 1) {
		char sp[64], buf[512];
		if (any == 0)
			any = (pid_t)pid;
		snprintf(sp, sizeof(sp), "/proc/%ld/stat", pid);
		FILE *st = fopen(sp, "re");
		if (st == NULL)
			continue;
		size_t n = fread(buf, 1, sizeof(buf) - 1, st);
		fclose(st);
		buf[n] = '\0';
		char *p = strrchr(buf, ')');
		int ppid;
		char state;
		if (p != NULL && sscanf(p + 1, " %c %d", &state, &ppid) == 2 && ppid == getpid() &&
		    state != 'Z')
			ours = (pid_t)pid;
	}
	fclose(f);
	return ours ? ours : any;
}

static int
proc_reaped(struct ctl_svc *s, int status, char *why, size_t len)
{
	uint32_t st = ctl_svc_state(s);

	proc_unwatch(s);
	if (pcg.state != 1)
		return 0;
	if ((status == -1 || (WIFEXITED(status) && WEXITSTATUS(status) == 0)) &&
	    (st == DP_SVC_STARTING || st == DP_SVC_BOOTED || st == DP_SVC_READY)) {
		/* the leader forked a daemon and exited: the service is the daemon */
		pid_t next = proc_new_leader(s->cfg->name);
		if (next > 0) {
			PROC_LOG(INFO, "%s: leader %d ended, %d carries the service on", s->cfg->name,
				 (int)s->pid, (int)next);
			s->pid = next;
			s->pidfd = pidfd_open(next, 0);
			int child = 0;
			char sp[64], buf[512];
			snprintf(sp, sizeof(sp), "/proc/%d/stat", (int)next);
			FILE *f = fopen(sp, "re");
			if (f != NULL) {
				size_t n = fread(buf, 1, sizeof(buf) - 1, f);
				buf[n] = '\0';
				char *p = strrchr(buf, ')');
				int ppid;
				child = p != NULL && sscanf(p + 1, " %*c %d", &ppid) == 1 &&
					ppid == getpid();
				fclose(f);
			}
			if (!child && (s->pidfd < 0 || proc_watch(s) < 0)) {
				/* cannot follow it: it goes */
				ctl_cg_kill(&pcg.tree, s->cfg->name);
				proc_unwatch(s);
				return 0;
			}
			return 1;
		}
	}
	ctl_cg_limit_reason(&pcg.tree, s->cfg->name, s->cg_base, why, len);
	/* whatever it left behind goes with it */
	ctl_cg_kill(&pcg.tree, s->cfg->name);
	return 0;
}

static void
proc_pump(int timeout_ms)
{
	struct pollfd fds[64];
	unsigned int n = 0;

	for (unsigned int i = 0; i < pcg.n_watched && n < 64; i++)
		fds[n++] = (struct pollfd){ .fd = pcg.watched[i]->pidfd, .events = POLLIN };
	if (n == 0) {
		usleep((useconds_t)timeout_ms * 1000);
		return;
	}
	if (poll(fds, n, timeout_ms) <= 0)
		return;
	for (unsigned int i = 0; i < n; i++) {
		if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		for (unsigned int j = 0; j < pcg.n_watched; j++) {
			if (pcg.watched[j]->pidfd == fds[i].fd) {
				struct ctl_svc *s = pcg.watched[j];
				proc_unwatch(s);
				ctl_svc_exited(s, -1);
				break;
			}
		}
	}
}

struct proc_sweep_arg {
	int (*claimed)(const char *name, void *arg);
	void *arg;
};

static int
proc_sweep_kill(const char *svc, void *arg)
{
	const struct proc_sweep_arg *a = arg;

	if (!a->claimed(svc, a->arg)) {
		PROC_LOG(INFO, "cgroup %s/%s: no service of this configuration claims it",
			 pcg.tree.path, svc);
		proc_cg_kill_leaf(svc, NULL);
	}
	return 0;
}

static int
proc_sweep_reap(const char *svc, void *arg)
{
	const struct proc_sweep_arg *a = arg;

	if (!a->claimed(svc, a->arg))
		proc_cg_reap_leaf(svc, NULL);
	return 0;
}

/* Leaves of an earlier run that no service claims go: all killed first,
 * then each waited for, so that the whole takes one kill's time. */
static void
proc_sweep(int (*claimed)(const char *name, void *arg), void *arg)
{
	struct proc_sweep_arg a = { claimed, arg };

	if (pcg.state != 1)
		return;
	ctl_cg_foreach(&pcg.tree, proc_sweep_kill, &a);
	ctl_cg_foreach(&pcg.tree, proc_sweep_reap, &a);
}

/* ---- prepare / release ------------------------------------------------- */

static void
proc_release(struct ctl_svc *s)
{
	ctl_loop_close(&s->notify_w);
	if (s->notify_path[0] != '\0')
		unlink(s->notify_path);
	if (s->veth[0] != '\0')
		ctl_link_delete(s->veth);
	if (s->netns_fd >= 0)
		close(s->netns_fd);
	s->netns_fd = -1;
	if (s->netns[0] != '\0')
		ctl_netns_delete(s->netns); /* the peer veth dies with it */
	free(s->argv);
	free(s->envp);
	s->argv = s->envp = NULL;
	proc_unwatch(s);
	if (pcg.state == 1 && s->cfg != NULL) {
		/* stopped, so only a straggler of its last run can be left */
		ctl_cg_kill(&pcg.tree, s->cfg->name);
		proc_cg_reap_leaf(s->cfg->name, NULL);
	}
}

static int
proc_check(const struct ctl_service_config *c, char *msg, size_t len)
{
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
	if (c->stop == CTL_STOP_SUSPEND || c->stop == CTL_STOP_SHUTDOWN) {
		snprintf(msg, len, "stop: a process service stops with destroy or pause");
		return -EINVAL;
	}
	return 0;
}

static int
proc_prepare(struct ctl_svc *s, char *msg, size_t len)
{
	const struct ctl_gateway_config *gw = s->gw;
	int rc;

	s->argv = ctl_split_command(s->cfg->exec);
	if (s->argv == NULL) {
		snprintf(msg, len, "exec: '%s': %s", s->cfg->exec, strerror(errno));
		return -errno;
	}
	snprintf(s->netns, sizeof(s->netns), "%s-%s", gw->netns_prefix, s->cfg->name);
	snprintf(s->veth, sizeof(s->veth), "%s%u", gw->veth_prefix, s->id);
	rc = proc_cg_open(gw, msg, len);
	if (rc < 0)
		goto fail;

	/* what a crashed run may have left under these names goes first */
	ctl_link_delete(s->veth);
	ctl_netns_delete(s->netns);
	pid_t old = ctl_cg_populated(&pcg.tree, s->cfg->name) == 1
		    ? proc_new_leader(s->cfg->name) : 0;
	if (old > 0 && gw->process_recover == CTL_PROC_ADOPT) {
		/* it runs since an earlier run: its namespace is plumbed again */
		char nsp[64];
		snprintf(nsp, sizeof(nsp), "/proc/%d/ns/net", (int)old);
		s->netns_fd = open(nsp, O_RDONLY | O_CLOEXEC);
		s->pidfd = s->netns_fd >= 0 ? pidfd_open(old, 0) : -1;
		if (s->pidfd >= 0 && ctl_veth_create(s->veth, "eth0", s->netns_fd, msg, len) == 0) {
			s->pid = old;
			s->adopted = 1;
			PROC_LOG(INFO, "%s: adopting process %d of an earlier run", s->cfg->name,
				 (int)old);
		} else {
			PROC_LOG(WARNING, "%s: cannot adopt process %d of an earlier run (%s): "
				 "killing it", s->cfg->name, (int)old, msg[0] ? msg : strerror(errno));
			if (s->pidfd >= 0)
				close(s->pidfd);
			s->pidfd = -1;
			if (s->netns_fd >= 0)
				close(s->netns_fd);
			s->netns_fd = -1;
			msg[0] = '\0';
		}
	}
	if (s->pid <= 0 && ctl_cg_populated(&pcg.tree, s->cfg->name) == 1) {
		proc_cg_kill_leaf(s->cfg->name, NULL);
		if (proc_cg_wait_empty(s->cfg->name, 5000) < 0) {
			rc = -EBUSY;
			snprintf(msg, len, "cgroup %s/%s: processes of an earlier run would not die",
				 pcg.tree.path, s->cfg->name);
			goto fail;
		}
	}
	if (s->pid > 0)
		goto plumb;
	rc = ctl_netns_create(s->netns, msg, len);
	if (rc < 0)
		goto fail;
	s->netns_fd = ctl_netns_open(s->netns);
	if (s->netns_fd < 0) {
		rc = s->netns_fd;
		snprintf(msg, len, "namespace %s: %s", s->netns, strerror(-rc));
		goto fail;
	}
	rc = ctl_veth_create(s->veth, "eth0", s->netns_fd, msg, len);
	if (rc < 0)
		goto fail;
plumb:
	rc = ctl_link_set_master(s->veth, gw->bridge);
	if (rc == 0)
		rc = ctl_link_set_up(s->veth);
	if (rc < 0) {
		snprintf(msg, len, "%s on bridge %s: %s", s->veth, gw->bridge, strerror(-rc));
		goto fail;
	}
	/* a /32 with an on-link default route: everything goes to the gateway */
	rc = ctl_netns_setup_iface(s->netns_fd, "eth0", "eth0", &s->shared->mac, s->cfg->address,
				   32, gw->address, msg, len);
	if (rc < 0)
		goto fail;
	if (s->cfg->ready == CTL_READY_NOTIFY) {
		rc = proc_notify_socket(s, msg, len);
		if (rc < 0)
			goto fail;
	}
	s->envp = ctl_service_env(environ, s->cfg->name,
				  s->cfg->ready == CTL_READY_NOTIFY ? s->notify_path : NULL);
	if (s->envp == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	if (s->adopted && (rc = proc_watch(s)) < 0) {
		snprintf(msg, len, "cannot watch adopted process %d: %s", (int)s->pid,
			 strerror(-rc));
		goto fail;
	}
	return 0;
fail:
	if (s->pid > 0 && s->adopted) {
		ctl_cg_kill(&pcg.tree, s->cfg->name);
		s->pid = 0;
		s->adopted = 0;
	}
	proc_release(s);
	return rc;
}

/* Adopted at start: READY if it still answers (ready = tcp: the probe
 * tells), at once for ready = start or notify (it notified its first run). */
static void
proc_adopted(struct ctl_svc *s)
{
	s->t_exec = ctl_now();
	s->deadline = s->t_exec + (uint64_t)s->gw->ready_timeout * 1000000;
	s->summons++;
	ctl_svc_running(s);
	if (s->cfg->ready == CTL_READY_NOTIFY)
		ctl_svc_ready(s);
}

/* ---- summon ------------------------------------------------------------ */

/* What the child of proc_summon() needs: read-only, on the parent's memory. */
struct proc_spawn {
	const struct ctl_svc *s;
	int devnull;
	int status_fd; /* CLOEXEC pipe: closed by a successful exec, errno otherwise */
	int procs_fd;  /* the leaf's cgroup.procs: the child enters it first */
};

/* The child, sharing the parent's memory until it execs (CLONE_VM |
 * CLONE_VFORK): only async-signal-safe calls, no allocation. */
static int
proc_child(void *arg)
{
	const struct proc_spawn *sp = arg;
	sigset_t none;
	int err;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* into the service's cgroup before anything else: all it forks stays in */
	if (write(sp->procs_fd, "0", 1) != 1)
		goto fail;
	setsid(); /* its own process group */
	if (setns(sp->s->netns_fd, CLONE_NEWNET) < 0)
		goto fail;
	dup2(sp->devnull, 0);
	/* nothing of the gateway's (EAL fds, sockets) leaks into it */
	syscall(SYS_close_range, 3u, ~0u, 4u /* CLOSE_RANGE_CLOEXEC */);
	execvpe(sp->s->argv[0], sp->s->argv, sp->s->envp);
fail:
	err = errno;
	if (write(sp->status_fd, &err, sizeof(err)) < 0)
		_exit(126);
	_exit(127);
}

static int
proc_summon(struct ctl_svc *s, char *msg, size_t len)
{
	if (s->paused && s->pid > 0) {
		/* a paused service resumes: its sockets were listening all along */
		int frc = ctl_cg_freeze(&pcg.tree, s->cfg->name, 0);
		if (frc < 0) {
			snprintf(msg, len, "thawing cgroup of %d: %s", (int)s->pid, strerror(-frc));
			return frc;
		}
		s->paused = 0;
		ctl_svc_set_state(s, DP_SVC_BOOTED);
		ctl_svc_ready(s);
		return 0;
	}
	/* A DPDK process maps a lot: fork() would copy its page tables for
	 * milliseconds. The child shares our memory instead and we wait (a
	 * few hundred microseconds) until it has exec'd or failed. */
	struct ctl_cg_limits lim;
	proc_limits(s->cfg, &lim);
	int rc = ctl_cg_create(&pcg.tree, s->cfg->name, &lim, proc_strict(s->cfg), msg, len);
	if (rc < 0)
		return rc;
	if (ctl_cg_populated(&pcg.tree, s->cfg->name) == 1) {
		/* a straggler of its last run (killed, not yet gone) */
		ctl_cg_kill(&pcg.tree, s->cfg->name);
		if (proc_cg_wait_empty(s->cfg->name, 2000) < 0) {
			snprintf(msg, len, "cgroup %s/%s: its last run would not die",
				 pcg.tree.path, s->cfg->name);
			return -EBUSY;
		}
	}
	ctl_cg_limit_counts(&pcg.tree, s->cfg->name, s->cg_base);
	struct proc_spawn sp = { s, open("/dev/null", O_RDONLY | O_CLOEXEC), -1,
				 ctl_cg_procs_fd(&pcg.tree, s->cfg->name) };
	int pfd[2] = { -1, -1 };
	size_t stack_len = 64 * 1024;
	char *stack = malloc(stack_len);
	if (sp.procs_fd < 0) {
		rc = sp.procs_fd;
		snprintf(msg, len, "cgroup %s/%s: %s", pcg.tree.path, s->cfg->name, strerror(-rc));
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
	s->pidfd = pidfd;
	close(pfd[1]);
	pfd[1] = -1;
	int err = 0;
	if (read(pfd[0], &err, sizeof(err)) == (ssize_t)sizeof(err)) {
		rc = -err;
		snprintf(msg, len, "cannot run '%s': %s", s->argv[0], strerror(err));
		goto out;
	}
	ctl_svc_running(s); /* the pipe closed on exec */
out:
	for (int i = 0; i < 2; i++)
		if (pfd[i] >= 0)
			close(pfd[i]);
	if (sp.devnull >= 0)
		close(sp.devnull);
	free(stack);
	if (sp.procs_fd >= 0)
		close(sp.procs_fd);
	return rc;
}

/* ---- stop -------------------------------------------------------------- */

static void
proc_stop(struct ctl_svc *s, enum ctl_stop_how how)
{
	if (s->pid <= 0) {
		ctl_svc_stopped(s);
		return;
	}
	const char *leaf = s->cfg->name;
	if (how == CTL_STOP_AS_CONFIGURED && s->cfg->stop == CTL_STOP_PAUSE && !s->paused &&
	    ctl_cg_freeze(&pcg.tree, leaf, 1) == 0) {
		s->paused = 1; /* the whole cgroup, daemons too */
		ctl_svc_stopped(s);
		return;
	}
	if (how == CTL_STOP_KILL) {
		if (ctl_cg_kill(&pcg.tree, leaf) < 0) /* every process of it, at once */
			kill(-s->pid, SIGKILL);
		kill(s->pid, SIGKILL); /* also an adopted leader outside it */
		return;
	}
	/* SIGTERM to each of its processes first; the runtime kills the
	 * cgroup when the grace is over */
	if (s->paused)
		ctl_cg_freeze(&pcg.tree, leaf, 0); /* a frozen process cannot act on it */
	ctl_cg_signal(&pcg.tree, leaf, SIGTERM);
}

/* At shutdown: the subtree goes once its leaves have. */
static void
proc_close(void)
{
	if (pcg.state == 1 && rmdir(pcg.tree.path) < 0 && errno != ENOENT)
		PROC_LOG(WARNING, "cgroup %s: %s", pcg.tree.path, strerror(errno));
	free(pcg.watched);
	memset(&pcg, 0, sizeof(pcg));
}

const struct ctl_backend_ops ctl_backend_process = {
	.name = "process",
	.check = proc_check,
	.prepare = proc_prepare,
	.release = proc_release,
	.summon = proc_summon,
	.stop = proc_stop,
	.adopted = proc_adopted,
	.pump = proc_pump,
	.reaped = proc_reaped,
	.sweep = proc_sweep,
	.close = proc_close,
};

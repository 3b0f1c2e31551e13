/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The process backend: a service is a command run in its own network
 * namespace. The slow part happens at load (namespace, veth pair on the
 * gateway's bridge, eth0 with the service's address, MAC and default route);
 * a summon is then only a fork and exec into the prepared namespace, the
 * lesson of LightVM's split toolstack.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
#include "command.h"
#include "netns.h"

RTE_LOG_REGISTER(ctl_proc_logtype, jitsu.backend.process, INFO);
#define PROC_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, ctl_proc_logtype, "jitsu: " fmt "\n", ##__VA_ARGS__)

extern char **environ;

#define PROC_RUN_DIR "/run/jitsu"

/* A process service, behind its ctl_svc's be_priv. */
struct proc_svc {
	struct ctl_svc *s;
	struct proc_svc *next;          /* in proc.svcs */
	pid_t pid;                      /* > 0 while a process exists */
	int paused;                     /* SIGSTOPped by stop = pause */
	int netns_fd;
	char netns[CTL_NAME_MAX * 2 + 2];
	char veth[IF_NAMESIZE];
	char notify_path[108];
	char **argv;                    /* exec split into words */
	char **envp;                    /* the environment the service gets */
	struct ctl_watch notify_w;      /* READY=1 datagrams */
};

/* The backend's side of the process. */
static struct {
	struct proc_svc *svcs;
} proc;

static struct proc_svc *
proc_of(const struct ctl_svc *s)
{
	return s->be_priv;
}

/* ---- readiness by notification ---------------------------------------- */

static void
proc_on_notify(struct ctl_watch *w, uint32_t events)
{
	struct ctl_svc *s = ((struct proc_svc *)w->arg)->s;
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
	s->notify_w = (struct ctl_watch){ .fd = fd, .fn = proc_on_notify, .arg = s };
	return ctl_loop_add(&s->notify_w, EPOLLIN);
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
	if (s->veth[0] != '\0')
		ctl_link_delete(s->veth);
	if (s->netns_fd >= 0)
		close(s->netns_fd);
	s->netns_fd = -1;
	if (s->netns[0] != '\0')
		ctl_netns_delete(s->netns); /* the peer veth dies with it */
	free(s->argv);
	free(s->envp);
	for (struct proc_svc **p = &proc.svcs; *p != NULL; p = &(*p)->next) {
		if (*p == s) {
			*p = s->next;
			break;
		}
	}
	free(s);
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
	if (c->stop == CTL_STOP_SUSPEND || c->stop == CTL_STOP_SHUTDOWN) {
		snprintf(msg, len, "stop: a process service stops with destroy or pause");
		return -EINVAL;
	}
	return 0;
}

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
	svc->be_priv = s;
	s->next = proc.svcs;
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
	snprintf(s->netns, sizeof(s->netns), "%s-%s", gw->netns_prefix, svc->cfg->name);
	snprintf(s->veth, sizeof(s->veth), "%s%u", gw->veth_prefix, svc->id);

	/* what a crashed run may have left under these names goes first */
	ctl_link_delete(s->veth);
	ctl_netns_delete(s->netns);
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
	rc = ctl_link_set_master(s->veth, gw->bridge);
	if (rc == 0)
		rc = ctl_link_set_up(s->veth);
	if (rc < 0) {
		snprintf(msg, len, "%s on bridge %s: %s", s->veth, gw->bridge, strerror(-rc));
		goto fail;
	}
	/* a /32 with an on-link default route: everything goes to the gateway */
	rc = ctl_netns_setup_iface(s->netns_fd, "eth0", "eth0", &svc->shared->mac,
				   svc->cfg->address, 32, gw->address, msg, len);
	if (rc < 0)
		goto fail;
	if (svc->cfg->ready == CTL_READY_NOTIFY) {
		rc = proc_notify_socket(s, msg, len);
		if (rc < 0)
			goto fail;
	}
	s->envp = ctl_service_env(environ, svc->cfg->name,
				  svc->cfg->ready == CTL_READY_NOTIFY ? s->notify_path : NULL);
	if (s->envp == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	return 0;
fail:
	proc_release(svc);
	return rc;
}

/* ---- summon ------------------------------------------------------------ */

/* What the child of proc_summon() needs: read-only, on the parent's memory. */
struct proc_spawn {
	const struct proc_svc *s;
	int devnull;
	int status_fd; /* CLOEXEC pipe: closed by a successful exec, errno otherwise */
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
	setsid(); /* its own process group: stop signals reach all of it */
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
proc_summon(struct ctl_svc *svc, char *msg, size_t len)
{
	struct proc_svc *s = proc_of(svc);

	if (s->paused && s->pid > 0) {
		/* a paused service resumes: its sockets were listening all along */
		if (kill(-s->pid, SIGCONT) < 0) {
			snprintf(msg, len, "SIGCONT to %d: %s", (int)s->pid, strerror(errno));
			return -errno;
		}
		s->paused = 0;
		ctl_svc_resumed(svc);
		return 0;
	}
	/* A DPDK process maps a lot: fork() would copy its page tables for
	 * milliseconds. The child shares our memory instead and we wait (a
	 * few hundred microseconds) until it has exec'd or failed. */
	struct proc_spawn sp = { s, open("/dev/null", O_RDONLY | O_CLOEXEC), -1 };
	int pfd[2] = { -1, -1 };
	size_t stack_len = 64 * 1024;
	char *stack = malloc(stack_len);
	int rc = 0;
	if (sp.devnull < 0 || stack == NULL || pipe2(pfd, O_CLOEXEC) < 0) {
		rc = -(errno ? errno : ENOMEM);
		snprintf(msg, len, "cannot spawn: %s", strerror(-rc));
		goto out;
	}
	sp.status_fd = pfd[1];
	pid_t pid = clone(proc_child, stack + stack_len, CLONE_VM | CLONE_VFORK | SIGCHLD, &sp);
	if (pid < 0) {
		rc = -errno;
		snprintf(msg, len, "clone: %s", strerror(-rc));
		goto out;
	}
	s->pid = pid; /* reaped on SIGCHLD, whatever happened */
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
	free(stack);
	return rc;
}

/* ---- stop -------------------------------------------------------------- */

static void
proc_stop(struct ctl_svc *svc, enum ctl_halt how)
{
	struct proc_svc *s = proc_of(svc);

	if (s->pid <= 0) {
		ctl_svc_stopped(svc);
		return;
	}
	if (how == CTL_HALT_AS_CONFIGURED && svc->cfg->stop == CTL_STOP_PAUSE && !s->paused &&
	    kill(-s->pid, SIGSTOP) == 0) {
		s->paused = 1;
		ctl_svc_paused(svc);
		return;
	}
	/* SIGTERM first; the runtime sends SIGKILL when the grace is over */
	kill(-s->pid, how == CTL_HALT_KILL ? SIGKILL : SIGTERM);
	if (s->paused)
		kill(-s->pid, SIGCONT); /* a stopped process cannot act on SIGTERM */
}

static int
proc_exists(const struct ctl_svc *svc)
{
	const struct proc_svc *s = proc_of(svc);

	return s != NULL && s->pid > 0;
}

/* ---- the backend's side of the process ---------------------------------- */

static const char *
proc_open(const struct ctl_config *cfg)
{
	ctl_bridge_set_downlink((uint16_t)cfg->ports.downlink);
	return NULL;
}

static void
proc_close(void)
{
	ctl_bridge_down();
}

/* A child exited: a service's process, or not ours. */
static int
proc_reaped(pid_t pid, int status)
{
	struct proc_svc *s = proc.svcs;
	char how[64];

	while (s != NULL && s->pid != pid)
		s = s->next;
	if (s == NULL)
		return 0;
	s->pid = 0;
	s->paused = 0;
	uint32_t st = ctl_svc_state(s->s);
	if (WIFEXITED(status))
		snprintf(how, sizeof(how), "exited with status %d", WEXITSTATUS(status));
	else
		snprintf(how, sizeof(how), "killed by signal %d", WTERMSIG(status));
	if (st == DP_SVC_STOPPING || st == DP_SVC_STOPPED)
		ctl_svc_stopped(s->s);
	else if (st != DP_SVC_FAILED)
		ctl_svc_failed(s->s, "the process %s%s", how,
			       st == DP_SVC_READY ? " while serving" : " during boot");
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

/* What a crashed run left under the gateway's prefixes and no service of
 * this one claims goes (a service's own names were cleared by its prepare). */
static void
proc_recover(const struct ctl_gateway_config *gw)
{
	struct proc_claims ns = { NULL, 0 }, links = { NULL, 0 };
	char prefix[CTL_NAME_MAX + 2];
	size_t n = 0;

	for (const struct proc_svc *s = proc.svcs; s != NULL; s = s->next)
		n++;
	/* without the lists (no memory) nothing is claimed: nothing is removed */
	ns.v = calloc(n + 1, sizeof(*ns.v));
	links.v = calloc(n + 1, sizeof(*links.v));
	if (ns.v == NULL || links.v == NULL) {
		PROC_LOG(WARNING, "no memory to sort out what an earlier run left: kept");
		goto out;
	}
	for (const struct proc_svc *s = proc.svcs; s != NULL; s = s->next) {
		ns.v[ns.n++] = s->netns;
		links.v[links.n++] = s->veth;
	}
	qsort(ns.v, ns.n, sizeof(*ns.v), proc_cmp);
	qsort(links.v, links.n, sizeof(*links.v), proc_cmp);
	snprintf(prefix, sizeof(prefix), "%s-", gw->netns_prefix);
	ctl_netns_foreach(prefix, proc_leftover_netns, &ns);
	ctl_links_foreach_prefix(gw->veth_prefix, proc_leftover_link, &links);
out:
	free(ns.v);
	free(links.v);
}

static void
proc_describe(const struct ctl_svc *svc, struct rte_tel_data *d)
{
	const struct proc_svc *s = proc_of(svc);

	rte_tel_data_add_dict_string(d, "namespace", s != NULL ? s->netns : "");
	rte_tel_data_add_dict_u64(d, "pid", s != NULL && s->pid > 0 ? (uint64_t)s->pid : 0);
}

const struct ctl_backend_ops ctl_backend_process = {
	.name = "process",
	.open = proc_open,
	.close = proc_close,
	.recover = proc_recover,
	.reaped = proc_reaped,
	.describe = proc_describe,
	.check = proc_check,
	.prepare = proc_prepare,
	.release = proc_release,
	.summon = proc_summon,
	.stop = proc_stop,
	.exists = proc_exists,
};

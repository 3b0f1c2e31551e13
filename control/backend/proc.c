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
#include <unistd.h>

#include "netns.h"
#include "../runtime.h"

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
	return 0;
fail:
	proc_release(s);
	return rc;
}

/* ---- summon ------------------------------------------------------------ */

/* What the child of proc_summon() needs: read-only, on the parent's memory. */
struct proc_spawn {
	const struct ctl_svc *s;
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
proc_summon(struct ctl_svc *s, char *msg, size_t len)
{
	if (s->paused && s->pid > 0) {
		/* a paused service resumes: its sockets were listening all along */
		if (kill(-s->pid, SIGCONT) < 0) {
			snprintf(msg, len, "SIGCONT to %d: %s", (int)s->pid, strerror(errno));
			return -errno;
		}
		s->paused = 0;
		ctl_svc_set_state(s, DP_SVC_BOOTED);
		ctl_svc_ready(s);
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
	ctl_svc_running(s); /* the pipe closed on exec */
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
proc_stop(struct ctl_svc *s, enum ctl_stop_how how)
{
	if (s->pid <= 0) {
		ctl_svc_stopped(s);
		return;
	}
	if (how == CTL_STOP_AS_CONFIGURED && s->cfg->stop == CTL_STOP_PAUSE && !s->paused &&
	    kill(-s->pid, SIGSTOP) == 0) {
		s->paused = 1;
		ctl_svc_stopped(s);
		return;
	}
	/* SIGTERM first; the runtime sends SIGKILL when the grace is over */
	kill(-s->pid, how == CTL_STOP_KILL ? SIGKILL : SIGTERM);
	if (s->paused)
		kill(-s->pid, SIGCONT); /* a stopped process cannot act on SIGTERM */
}

const struct ctl_backend_ops ctl_backend_process = {
	.name = "process",
	.check = proc_check,
	.prepare = proc_prepare,
	.release = proc_release,
	.summon = proc_summon,
	.stop = proc_stop,
};

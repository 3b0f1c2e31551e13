/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "loop.h"

static int ctl_epfd = -1;
static int ctl_stopping;
/* Handlers run under it; other threads (telemetry) take it to read. */
static pthread_mutex_t ctl_loop_mutex = PTHREAD_MUTEX_INITIALIZER;

void
ctl_loop_lock(void)
{
	pthread_mutex_lock(&ctl_loop_mutex);
}

void
ctl_loop_unlock(void)
{
	pthread_mutex_unlock(&ctl_loop_mutex);
}

int
ctl_loop_init(void)
{
	ctl_epfd = epoll_create1(EPOLL_CLOEXEC);
	ctl_stopping = 0;
	return ctl_epfd < 0 ? -errno : 0;
}

int
ctl_loop_add(struct ctl_watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	return epoll_ctl(ctl_epfd, EPOLL_CTL_ADD, w->fd, &ev) < 0 ? -errno : 0;
}

void
ctl_loop_close(struct ctl_watch *w)
{
	if (w->fd < 0)
		return;
	epoll_ctl(ctl_epfd, EPOLL_CTL_DEL, w->fd, NULL);
	close(w->fd);
	w->fd = -1; /* an event of this batch for it is skipped */
}

int
ctl_loop_run(void)
{
	while (!ctl_stopping) {
		int rc = ctl_loop_poll(-1);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int
ctl_loop_poll(int timeout_ms)
{
	struct epoll_event ev[16];
	int n = epoll_wait(ctl_epfd, ev, 16, timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		struct ctl_watch *w = ev[i].data.ptr;
		ctl_loop_lock();
		if (w->fd >= 0)
			w->fn(w, ev[i].events);
		ctl_loop_unlock();
	}
	return n;
}

void
ctl_loop_stop(void)
{
	ctl_stopping = 1;
}

void
ctl_loop_fini(void)
{
	if (ctl_epfd >= 0)
		close(ctl_epfd);
	ctl_epfd = -1;
}

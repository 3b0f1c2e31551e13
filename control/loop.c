/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "loop.h"

static int ctl_epfd = -1;
static int ctl_stopping;
/* Freed after the next batch of events is handled: an event that
 * epoll_wait() returned may still point at them (another thread, telemetry,
 * may drop a watch between epoll_wait() and its handler). */
static void **ctl_graveyard;
static unsigned int ctl_n_graves, ctl_cap_graves;
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

int
ctl_loop_mod(struct ctl_watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	return epoll_ctl(ctl_epfd, EPOLL_CTL_MOD, w->fd, &ev) < 0 ? -errno : 0;
}

void
ctl_loop_del(struct ctl_watch *w)
{
	if (w->fd < 0)
		return;
	epoll_ctl(ctl_epfd, EPOLL_CTL_DEL, w->fd, NULL);
	w->fd = -1;
}

static void
ctl_loop_bury(void)
{
	for (unsigned int i = 0; i < ctl_n_graves; i++)
		free(ctl_graveyard[i]);
	ctl_n_graves = 0;
}

void
ctl_loop_free_later(void *p)
{
	if (p == NULL)
		return;
	if (ctl_n_graves == ctl_cap_graves) {
		unsigned int cap = ctl_cap_graves ? 2 * ctl_cap_graves : 16;
		void **g = realloc(ctl_graveyard, cap * sizeof(*g));
		if (g == NULL) {
			/* leak it rather than risk a use after free */
			return;
		}
		ctl_graveyard = g;
		ctl_cap_graves = cap;
	}
	ctl_graveyard[ctl_n_graves++] = p;
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
	ctl_loop_lock();
	ctl_loop_bury();
	ctl_loop_unlock();
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
	ctl_loop_bury();
	free(ctl_graveyard);
	ctl_graveyard = NULL;
	ctl_cap_graves = 0;
	if (ctl_epfd >= 0)
		close(ctl_epfd);
	ctl_epfd = -1;
}

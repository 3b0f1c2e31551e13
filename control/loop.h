/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The control plane's event loop on the main lcore: one epoll set, each fd
 * with its handler. Nothing in it blocks but epoll_wait().
 */
#ifndef JITSU_CTL_LOOP_H
#define JITSU_CTL_LOOP_H

#include <stdint.h>
#include <sys/epoll.h>

struct ctl_watch;
typedef void (*ctl_watch_fn)(struct ctl_watch *w, uint32_t events);

/** An fd in the loop; embed it in the object that owns the fd. */
struct ctl_watch {
	int fd;
	ctl_watch_fn fn;
	void *arg;
};

/** Create the loop. @return 0 or -errno. */
int ctl_loop_init(void);

/** Watch @p w->fd for @p events (EPOLLIN, ...). @return 0 or -errno. */
int ctl_loop_add(struct ctl_watch *w, uint32_t events);

/** Change the events watched for @p w. @return 0 or -errno. */
int ctl_loop_mod(struct ctl_watch *w, uint32_t events);

/** Stop watching @p w without closing its fd (someone else owns it); fd becomes -1. */
void ctl_loop_del(struct ctl_watch *w);

/**
 * free() @p p after the next batch of events has been handled: for a watch
 * that an event already returned by epoll_wait() may still name.
 */
void ctl_loop_free_later(void *p);

/** Stop watching and close the fd (fd becomes -1); no-op when already closed. */
void ctl_loop_close(struct ctl_watch *w);

/** Run handlers until ctl_loop_stop(). @return 0, or -errno if epoll fails. */
int ctl_loop_run(void);

/** Wait up to @p timeout_ms (-1: forever) and run the handlers of what is
 *  ready. @return how many fds were ready, or -errno. */
int ctl_loop_poll(int timeout_ms);

/** Make ctl_loop_run() return after the current round. */
void ctl_loop_stop(void);

/**
 * The loop's lock: every handler runs holding it, so another thread (the
 * telemetry thread) that takes it sees the control plane's state between
 * two handlers. Workers never take it.
 */
void ctl_loop_lock(void);
void ctl_loop_unlock(void);

/** Close the loop. */
void ctl_loop_fini(void);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The toy backend (backend = toy): nothing is run; a summon is running at
 * once, a stop is stopped at once. It is the smallest complete backend (the
 * template for a new one) and the runtime's unit tests drive the state
 * machine through it: what it does and what it was asked are in ctl_toy.
 */
#ifndef JITSU_CTL_TOY_H
#define JITSU_CTL_TOY_H

#include "../backend.h"

enum ctl_toy_mode {
	CTL_TOY_RUN_NOW,     /**< a summon runs at once (the default) */
	CTL_TOY_FAIL,        /**< a summon fails */
	CTL_TOY_LATER,       /**< a summon runs when ctl_toy_running() says so */
	CTL_TOY_CHECK_FAILS, /**< every service is refused by check */
	CTL_TOY_ADOPT,       /**< prepare finds every service running from an earlier run */
	CTL_TOY_SLOW_STOP,   /**< a stop completes in the third pump() */
};

struct ctl_toy {
	enum ctl_toy_mode mode;
	int link_later;         /**< the link comes up on ctl_toy_link_up(), not at running */
	int prepared, released, summons, stops, adopted, pumps;
	enum ctl_halt last_how; /**< of the last stop */
	struct ctl_svc *later;  /**< the last CTL_TOY_LATER summon */
	struct ctl_svc *stopping;
};

/** What the toy does and was asked (one per process). */
extern struct ctl_toy ctl_toy;

/** A CTL_TOY_LATER summon of @p s runs now. */
void ctl_toy_running(struct ctl_svc *s);

/** The link of @p s is up (with link_later). */
void ctl_toy_link_up(struct ctl_svc *s);

/** Nothing of @p s is left (a restart's old instance went): stopped. */
void ctl_toy_gone(struct ctl_svc *s);

#endif

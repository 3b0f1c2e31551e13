/* SPDX-License-Identifier: BSD-3-Clause */
/* The toy backend (toy.h): a complete backend in a page. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "toy.h"

struct ctl_toy ctl_toy;

/* Its record of a service, behind be_priv. */
struct toy_svc {
	int exists;
};

static struct toy_svc *
toy_of(const struct ctl_svc *s)
{
	return s->be_priv;
}

static int
toy_check(const struct ctl_service_config *c, const struct ctl_gateway_config *gw, char *msg,
	  size_t len, char *warn, size_t wlen)
{
	(void)c;
	(void)gw;
	(void)wlen;
	warn[0] = '\0';
	if (ctl_toy.mode == CTL_TOY_CHECK_FAILS) {
		snprintf(msg, len, "toy: cannot run this");
		return -EINVAL;
	}
	return 0;
}

static int
toy_prepare(struct ctl_svc *s, char *msg, size_t len)
{
	struct toy_svc *t = calloc(1, sizeof(*t));

	if (t == NULL) {
		snprintf(msg, len, "toy: out of memory");
		return -ENOMEM;
	}
	s->be_priv = t;
	ctl_toy.prepared++;
	if (ctl_toy.mode == CTL_TOY_ADOPT) { /* it runs since an earlier run */
		t->exists = 1;
		return 1;
	}
	return 0;
}

static void
toy_release(struct ctl_svc *s)
{
	ctl_toy.released++;
	free(s->be_priv);
	s->be_priv = NULL;
}

void
ctl_toy_running(struct ctl_svc *s)
{
	ctl_svc_running(s);
	if (!ctl_toy.link_later)
		ctl_svc_link_up(s);
}

static int
toy_summon(struct ctl_svc *s, char *msg, size_t len)
{
	struct toy_svc *t = toy_of(s);

	ctl_toy.summons++;
	if (ctl_toy.mode == CTL_TOY_FAIL) {
		snprintf(msg, len, "toy: no such program");
		return -ENOENT;
	}
	t->exists = 1;
	if (ctl_toy.mode == CTL_TOY_LATER)
		ctl_toy.later = s;
	else
		ctl_toy_running(s);
	return 0;
}

void
ctl_toy_gone(struct ctl_svc *s)
{
	toy_of(s)->exists = 0;
	ctl_svc_stopped(s);
}

static void
toy_stop(struct ctl_svc *s, enum ctl_halt how)
{
	ctl_toy.stops++;
	ctl_toy.last_how = how;
	if (ctl_toy.mode == CTL_TOY_SLOW_STOP)
		ctl_toy.stopping = s; /* reported later, from the pump, as libxl does */
	else
		ctl_toy_gone(s);
}

static void
toy_adopted(struct ctl_svc *s)
{
	ctl_toy.adopted++;
	ctl_svc_resumed(s);
}

static int
toy_exists(const struct ctl_svc *s)
{
	return toy_of(s) != NULL && toy_of(s)->exists;
}

void
ctl_toy_link_up(struct ctl_svc *s)
{
	ctl_svc_link_up(s);
}

static void
toy_pump(int timeout_ms)
{
	(void)timeout_ms;
	ctl_toy.pumps++;
	if (ctl_toy.stopping != NULL && ctl_toy.pumps >= 3) {
		struct ctl_svc *s = ctl_toy.stopping;
		ctl_toy.stopping = NULL;
		ctl_toy_gone(s);
	}
}

const struct ctl_backend_ops ctl_backend_toy = {
	.name = "toy",
	.pump = toy_pump,
	.check = toy_check,
	.prepare = toy_prepare,
	.release = toy_release,
	.summon = toy_summon,
	.stop = toy_stop,
	.adopted = toy_adopted,
	.exists = toy_exists,
	.reports_link = 1,
};

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Signals: SIGINT, SIGTERM, SIGHUP and SIGCHLD are blocked in every thread
 * and read from a signalfd in the control loop; a crash (SIGSEGV, ...) says
 * where it happened before the default action.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <ucontext.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_debug.h>
#include <rte_log.h>

#include "control.h"
#include "loop.h"

RTE_LOG_REGISTER(ctl_sig_logtype, jitsu.control, INFO);
#define SIG_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, ctl_sig_logtype, "jitsu: " fmt "\n", ##__VA_ARGS__)

static void
ctl_signals_set(sigset_t *sigs)
{
	sigemptyset(sigs);
	sigaddset(sigs, SIGINT);
	sigaddset(sigs, SIGTERM);
	sigaddset(sigs, SIGHUP);
	sigaddset(sigs, SIGCHLD);
}

int
ctl_signals_block(void)
{
	sigset_t sigs;

	ctl_signals_set(&sigs);
	return pthread_sigmask(SIG_BLOCK, &sigs, NULL) == 0 ? 0 : -1;
}

static void
ctl_on_signal(struct ctl_watch *w, uint32_t events)
{
	struct ctl_signals *sg = w->arg;
	struct signalfd_siginfo si;

	(void)events;
	while (read(w->fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGINT:
		case SIGTERM:
			SIG_LOG(INFO, "signal %u: stopping", si.ssi_signo);
			ctl_loop_stop();
			return;
		case SIGCHLD:
			ctl_runtime_sigchld(sg->gw->runtime);
			break;
		case SIGHUP: {
			char out[400];
			SIG_LOG(INFO, "SIGHUP: reloading the configuration");
			ctl_gateway_reload(sg->gw, out, sizeof(out)); /* it logs the outcome */
			break;
		}
		}
	}
}

int
ctl_signals_watch(struct ctl_signals *sg, struct ctl_gateway *gw)
{
	sigset_t sigs;

	ctl_signals_set(&sigs);
	sg->gw = gw;
	sg->w = (struct ctl_watch){ signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK), ctl_on_signal,
				    sg };
	return sg->w.fd < 0 ? -1 : ctl_loop_add(&sg->w, EPOLLIN);
}

void
ctl_signals_close(struct ctl_signals *sg)
{
	ctl_loop_close(&sg->w);
}

/* A crash says where: the faulting instruction, the word on top of the
 * stack (the caller, after a call through a bad pointer), the stack as far
 * as it unwinds and the process's mappings go to stderr (addresses map to
 * lines with addr2line on the same binary), then the default action. */
static void
ctl_on_crash(int sig, siginfo_t *si, void *uc_)
{
	static const char head[] = "jitsu: fatal signal, stack:\n";
	char buf[4096];
	ucontext_t *uc = uc_;
	int n;

	(void)si;
	if (write(STDERR_FILENO, head, sizeof(head) - 1) < 0)
		_exit(128 + sig);
#if defined(__x86_64__)
	uintptr_t rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
	uintptr_t rsp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
	n = snprintf(buf, sizeof(buf), "jitsu: signal %d at rip %#lx, fault address %p, [rsp] %#lx\n",
		     sig, (unsigned long)rip, si->si_addr,
		     rsp ? (unsigned long)*(const uintptr_t *)rsp : 0ul);
	if (n > 0 && write(STDERR_FILENO, buf, (size_t)n) < 0)
		_exit(128 + sig);
#else
	(void)uc;
#endif
	rte_dump_stack();
	int fd = open("/proc/self/maps", O_RDONLY);
	while (fd >= 0 && (n = (int)read(fd, buf, sizeof(buf))) > 0)
		if (write(STDERR_FILENO, buf, (size_t)n) < 0)
			break;
	signal(sig, SIG_DFL);
	raise(sig);
}

void
ctl_crash_handlers(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	struct sigaction sa = { .sa_sigaction = ctl_on_crash,
				.sa_flags = SA_RESETHAND | SA_SIGINFO };

	for (unsigned int i = 0; i < RTE_DIM(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
}

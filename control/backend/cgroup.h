/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * cgroup v2 containment of the process backend's services: a subtree the
 * gateway owns (CGROUP2/<the gateway's own cgroup>/jitsu-<netns_prefix>),
 * one leaf per service under it. A service and every descendant live in its
 * leaf; stopping it kills the leaf (cgroup.kill), so a daemon that forked
 * away and called setsid() is stopped with it; limits (memory.max, pids.max,
 * cpu.weight, cpu.max) apply where the controllers are delegated to the
 * subtree; a crashed gateway's services are found again by their leaves.
 *
 * Nothing here logs, and only ctl_cg_tree_open() allocates (to read
 * /proc/self/mountinfo); the parsers take text, so that they are unit-tested
 * without a cgroup file system. Every function returns 0 (or a
 * documented non-negative value) or -errno, with a line for the operator in
 * @p msg when it takes one.
 */
#ifndef JITSU_CTL_CGROUP_H
#define JITSU_CTL_CGROUP_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/** Controllers the services may be limited by (bits). */
enum {
	CTL_CG_CPU = 1u << 0,
	CTL_CG_MEMORY = 1u << 1,
	CTL_CG_PIDS = 1u << 2,
};

/** Limits of one service; 0 in a field: no limit of that kind. */
struct ctl_cg_limits {
	uint64_t memory_max;  /**< bytes */
	uint32_t pids_max;
	uint32_t cpu_weight;  /**< 1..10000, 100 the kernel's default */
	uint32_t cpu_max_pct; /**< percent of one CPU */
};

/** The gateway's subtree. */
struct ctl_cg_tree {
	char path[PATH_MAX - 64]; /**< room left for "/<service>/<file>" */
	unsigned int controllers; /**< CTL_CG_* enabled for the leaves */
	unsigned int available;   /**< CTL_CG_* the hierarchy offers at the gateway's cgroup */
};

/**
 * The mount point of the cgroup v2 hierarchy in @p mountinfo (the text of
 * /proc/self/mountinfo): /sys/fs/cgroup on a unified system,
 * /sys/fs/cgroup/unified on a hybrid one. @return 0, or -ENOENT if there is
 * no cgroup2 mount.
 */
int ctl_cg_parse_mount(const char *mountinfo, char *out, size_t len);

/**
 * The cgroup v2 path of the process in @p proc_cgroup (the text of
 * /proc/self/cgroup: its "0::/path" line). @return 0, or -ENOENT.
 */
int ctl_cg_parse_self(const char *proc_cgroup, char *out, size_t len);

/** CTL_CG_* bits named in a cgroup.controllers or subtree_control text. */
unsigned int ctl_cg_parse_controllers(const char *text);

/**
 * The value of @p key in a flat-keyed file's text (cgroup.events,
 * memory.events, pids.events: "key value" lines). @return the value, or -1
 * when the key is absent or not a number.
 */
long long ctl_cg_parse_key(const char *text, const char *key);

/**
 * Where the gateway's subtree goes: @p mount + @p self + "/" + @p name, or
 * beside the gateway when it was moved into a leaf of its own earlier
 * (@p self ends in "/<name>.gateway": the parent of that). @return 0 or
 * -ENAMETOOLONG.
 */
int ctl_cg_tree_path(const char *mount, const char *self, const char *name, char *out,
		     size_t len);

/**
 * Find the hierarchy (-EOPNOTSUPP with a clear @p msg when cgroup v2 is not
 * mounted), make the subtree @p name ("jitsu-<netns_prefix>") and enable
 * in it what it can of cpu, memory and pids. A gateway that shares a
 * non-root cgroup with nothing else is first moved into a leaf beside the
 * subtree (the rule of no processes in an inner cgroup); when controllers
 * stay unavailable, containment still holds and t->controllers says what
 * limits can be applied. @return 0 or -errno.
 */
int ctl_cg_tree_open(struct ctl_cg_tree *t, const char *name, char *msg, size_t len);

/** The path of service @p svc's leaf (or of file @p file in it, when not NULL). */
int ctl_cg_path(const struct ctl_cg_tree *t, const char *svc, const char *file, char *out,
		size_t len);

/**
 * Make (or keep) the leaf of @p svc and write its limits. A limit whose
 * controller is not enabled is an error when @p strict has its bit, and
 * is skipped otherwise. @return 0 or -errno.
 */
int ctl_cg_create(const struct ctl_cg_tree *t, const char *svc, const struct ctl_cg_limits *lim,
		  unsigned int strict, char *msg, size_t len);

/** 1 if the leaf of @p svc holds a process, 0 if not (or it does not exist), or -errno. */
int ctl_cg_populated(const struct ctl_cg_tree *t, const char *svc);

/**
 * SIGKILL every process of the leaf at once (cgroup.kill; on kernels
 * before 5.14, each pid of cgroup.procs, again until none is left).
 * @return 0 (also when there is no such leaf) or -errno.
 */
int ctl_cg_kill(const struct ctl_cg_tree *t, const char *svc);

/** Send @p sig to every process of the leaf. @return how many, or -errno. */
int ctl_cg_signal(const struct ctl_cg_tree *t, const char *svc, int sig);

/** Freeze (1) or thaw (0) the leaf: stop = pause. @return 0 or -errno. */
int ctl_cg_freeze(const struct ctl_cg_tree *t, const char *svc, int frozen);

/** Remove the leaf once empty, and the cgroups made under it (a few levels
 * down). @return 0 (also when absent), -EBUSY, or -errno. */
int ctl_cg_remove(const struct ctl_cg_tree *t, const char *svc);

/**
 * Why the processes of the leaf may have died, from memory.events and
 * pids.events: "killed by the OOM killer at memory_max (N MiB)"... in
 * @p out when a limit was hit since @p base (counts read by
 * ctl_cg_limit_counts() at summon). @return 1 if a limit was hit, 0 if not.
 */
int ctl_cg_limit_reason(const struct ctl_cg_tree *t, const char *svc, const uint64_t base[2],
			char *out, size_t len);

/** The counts ctl_cg_limit_reason() compares with: oom_kill, pids max. */
void ctl_cg_limit_counts(const struct ctl_cg_tree *t, const char *svc, uint64_t out[2]);

/**
 * The fd a process of the service writes "0" to (cgroup.procs of the leaf,
 * O_WRONLY|O_CLOEXEC) to enter it before exec. @return the fd or -errno.
 */
int ctl_cg_procs_fd(const struct ctl_cg_tree *t, const char *svc);

/** Open the leaf's cgroup.events for EPOLLPRI (populated changes). @return fd or -errno. */
int ctl_cg_events_fd(const struct ctl_cg_tree *t, const char *svc);

/**
 * "populated" of the cgroup.events open at @p fd (ctl_cg_events_fd()),
 * read again from its start: the read is what makes the next change raise
 * EPOLLPRI (kernfs notifies a change since the opener's last read).
 * @return 1 or 0, or -errno.
 */
int ctl_cg_events_populated(int fd);

/** Call @p cb for each leaf of the subtree (services of an earlier run). */
int ctl_cg_foreach(const struct ctl_cg_tree *t, int (*cb)(const char *svc, void *arg),
		   void *arg);

/** The first pid in the leaf, 0 when empty, or -errno. */
pid_t ctl_cg_first_pid(const struct ctl_cg_tree *t, const char *svc);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cgroup v2 containment of process services (cgroup.h). The layout follows
 * the kernel's delegation rules (Documentation/admin-guide/cgroup-v2.rst):
 * controllers are enabled top-down through cgroup.subtree_control, and an
 * inner cgroup other than the root holds no process, so a gateway started
 * in a delegated cgroup of its own (systemd's Delegate=yes) moves itself
 * into a leaf beside its services' subtree before enabling controllers.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"

#define CG_GATEWAY_SUFFIX ".gateway"

static const struct {
	const char *name;
	unsigned int bit;
} cg_ctrl_names[] = {
	{ "cpu", CTL_CG_CPU },
	{ "memory", CTL_CG_MEMORY },
	{ "pids", CTL_CG_PIDS },
};

/* ---- parsers ------------------------------------------------------------ */

int
ctl_cg_parse_mount(const char *text, char *out, size_t len)
{
	for (const char *line = text; line != NULL && *line != '\0';) {
		const char *eol = strchr(line, '\n');
		size_t n = eol != NULL ? (size_t)(eol - line) : strlen(line);
		char buf[1024];
		if (n < sizeof(buf)) {
			memcpy(buf, line, n);
			buf[n] = '\0';
			/* id parent maj:min root mountpoint opts [optional...] - fstype src opts */
			char *sep = strstr(buf, " - ");
			char root[512], mnt[512], fstype[64];
			if (sep != NULL && sscanf(sep + 3, "%63s", fstype) == 1 &&
			    strcmp(fstype, "cgroup2") == 0 &&
			    sscanf(buf, "%*s %*s %*s %511s %511s", root, mnt) == 2 &&
			    strcmp(root, "/") == 0 && strchr(mnt, '\\') == NULL) {
				if (strlen(mnt) >= len)
					return -ENAMETOOLONG;
				memcpy(out, mnt, strlen(mnt) + 1);
				return 0;
			}
		}
		line = eol != NULL ? eol + 1 : NULL;
	}
	return -ENOENT;
}

int
ctl_cg_parse_self(const char *text, char *out, size_t len)
{
	for (const char *line = text; line != NULL && *line != '\0';) {
		const char *eol = strchr(line, '\n');
		size_t n = eol != NULL ? (size_t)(eol - line) : strlen(line);
		if (n >= 3 && strncmp(line, "0::", 3) == 0) {
			if (n - 3 >= len)
				return -ENAMETOOLONG;
			memcpy(out, line + 3, n - 3);
			out[n - 3] = '\0';
			return out[0] == '/' ? 0 : -ENOENT;
		}
		line = eol != NULL ? eol + 1 : NULL;
	}
	return -ENOENT;
}

unsigned int
ctl_cg_parse_controllers(const char *text)
{
	unsigned int bits = 0;
	const char *p = text;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\n' || *p == '\t')
			p++;
		size_t n = strcspn(p, " \n\t");
		for (size_t i = 0; i < sizeof(cg_ctrl_names) / sizeof(cg_ctrl_names[0]); i++)
			if (n == strlen(cg_ctrl_names[i].name) &&
			    strncmp(p, cg_ctrl_names[i].name, n) == 0)
				bits |= cg_ctrl_names[i].bit;
		p += n;
	}
	return bits;
}

long long
ctl_cg_parse_key(const char *text, const char *key)
{
	size_t kl = strlen(key);

	for (const char *line = text; line != NULL && *line != '\0';) {
		if (strncmp(line, key, kl) == 0 && line[kl] == ' ') {
			char *end;
			errno = 0;
			long long v = strtoll(line + kl + 1, &end, 10);
			if (errno != 0 || end == line + kl + 1 || v < 0 ||
			    (*end != '\n' && *end != '\0'))
				return -1;
			return v;
		}
		line = strchr(line, '\n');
		if (line != NULL)
			line++;
	}
	return -1;
}

int
ctl_cg_tree_path(const char *mount, const char *self, const char *name, char *out, size_t len)
{
	char base[PATH_MAX];
	size_t sl = strlen(self);
	size_t gl = strlen(name) + strlen(CG_GATEWAY_SUFFIX) + 1;
	int n;

	/* "/" is the root: nothing of it goes into the path */
	if (sl == 1 && self[0] == '/')
		sl = 0;
	if (sl >= sizeof(base))
		return -ENAMETOOLONG;
	memcpy(base, self, sl);
	base[sl] = '\0';
	/* a gateway moved into its leaf earlier: the subtree is its sibling */
	if (sl > gl && base[sl - gl] == '/' && strncmp(base + sl - gl + 1, name, strlen(name)) == 0 &&
	    strcmp(base + sl - gl + 1 + strlen(name), CG_GATEWAY_SUFFIX) == 0)
		base[sl - gl] = '\0';
	n = snprintf(out, len, "%s%s/%s", mount, base, name);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* ---- files -------------------------------------------------------------- */

static ssize_t
cg_read(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;

	if (fd < 0)
		return -errno;
	while (got + 1 < len) {
		ssize_t n = read(fd, buf + got, len - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			return -e;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	return (ssize_t)got;
}

static int
cg_write(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

static int
cg_file(const char *dir, const char *file, char *out, size_t len)
{
	int n = snprintf(out, len, "%s/%s", dir, file);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* Enable in @dir's subtree_control each controller of @want it offers;
 * @return the ones enabled (or -EBUSY when the dir holds processes). */
static int
cg_enable(const char *dir, unsigned int want)
{
	char path[PATH_MAX], buf[256];
	unsigned int on = 0;

	if (cg_file(dir, "cgroup.controllers", path, sizeof(path)) < 0 ||
	    cg_read(path, buf, sizeof(buf)) < 0)
		return 0;
	want &= ctl_cg_parse_controllers(buf);
	cg_file(dir, "cgroup.subtree_control", path, sizeof(path));
	for (size_t i = 0; i < sizeof(cg_ctrl_names) / sizeof(cg_ctrl_names[0]); i++) {
		if (!(want & cg_ctrl_names[i].bit))
			continue;
		snprintf(buf, sizeof(buf), "+%s", cg_ctrl_names[i].name);
		int rc = cg_write(path, buf);
		if (rc == -EBUSY)
			return -EBUSY;
		if (rc == 0)
			on |= cg_ctrl_names[i].bit;
	}
	return (int)on;
}

static char *
cg_slurp(const char *path)
{
	size_t cap = 1 << 16;
	char *buf = malloc(cap);

	while (buf != NULL) {
		ssize_t n = cg_read(path, buf, cap);
		if (n < 0) {
			free(buf);
			errno = (int)-n;
			return NULL;
		}
		if ((size_t)n + 1 < cap)
			return buf;
		cap *= 4;
		char *nb = realloc(buf, cap);
		if (nb == NULL)
			free(buf);
		buf = nb;
	}
	errno = ENOMEM;
	return NULL;
}

int
ctl_cg_tree_open(struct ctl_cg_tree *t, const char *name, char *msg, size_t len)
{
	char mount[512], self[PATH_MAX], dir[PATH_MAX], path[PATH_MAX], buf[256];
	const unsigned int all = CTL_CG_CPU | CTL_CG_MEMORY | CTL_CG_PIDS;
	char *text;
	int rc;

	memset(t, 0, sizeof(*t));
	text = cg_slurp("/proc/self/mountinfo");
	rc = text != NULL ? ctl_cg_parse_mount(text, mount, sizeof(mount)) : -errno;
	free(text);
	if (rc < 0) {
		snprintf(msg, len, "cgroup v2 is not mounted (no cgroup2 file system in "
			 "/proc/self/mountinfo): process services need it to be contained");
		return -EOPNOTSUPP;
	}
	text = cg_slurp("/proc/self/cgroup");
	rc = text != NULL ? ctl_cg_parse_self(text, self, sizeof(self)) : -errno;
	free(text);
	if (rc < 0) {
		snprintf(msg, len, "cannot tell the gateway's own cgroup v2 (/proc/self/cgroup)");
		return -EOPNOTSUPP;
	}
	rc = ctl_cg_tree_path(mount, self, name, t->path, sizeof(t->path));
	if (rc < 0) {
		snprintf(msg, len, "cgroup path too long under %s%s", mount, self);
		return rc;
	}
	/* the subtree's parent: where the gateway is, or the parent of its leaf */
	snprintf(dir, sizeof(dir), "%s", t->path);
	*strrchr(dir, '/') = '\0';
	int on = cg_enable(dir, all);
	if (on == -EBUSY) {
		/* an inner cgroup holds no process: the gateway moves into a leaf */
		char leaf[PATH_MAX];
		int n = snprintf(leaf, sizeof(leaf), "%s/%s" CG_GATEWAY_SUFFIX, dir, name);
		if (n > 0 && (size_t)n < sizeof(leaf) && (mkdir(leaf, 0755) == 0 || errno == EEXIST) &&
		    cg_file(leaf, "cgroup.procs", path, sizeof(path)) == 0 &&
		    cg_write(path, "0") == 0)
			on = cg_enable(dir, all);
		if (on < 0)
			on = 0; /* others share the gateway's cgroup: no limits */
	}
	if (mkdir(t->path, 0755) < 0 && errno != EEXIST) {
		rc = -errno;
		snprintf(msg, len, "cgroup %s: %s", t->path, strerror(errno));
		return rc;
	}
	if (cg_file(t->path, "cgroup.controllers", path, sizeof(path)) == 0 &&
	    cg_read(path, buf, sizeof(buf)) >= 0)
		t->available = ctl_cg_parse_controllers(buf);
	on = cg_enable(t->path, all);
	t->controllers = on > 0 ? (unsigned int)on : 0;
	if (cg_file(t->path, "cgroup.kill", path, sizeof(path)) == 0 && access(path, F_OK) < 0)
		snprintf(msg, len, "no cgroup.kill under %s (kernel before 5.14): stops kill "
			 "pid by pid", t->path);
	return 0;
}

int
ctl_cg_path(const struct ctl_cg_tree *t, const char *svc, const char *file, char *out, size_t len)
{
	int n = file != NULL ? snprintf(out, len, "%s/%s/%s", t->path, svc, file)
			     : snprintf(out, len, "%s/%s", t->path, svc);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int
ctl_cg_create(const struct ctl_cg_tree *t, const char *svc, const struct ctl_cg_limits *lim,
	      unsigned int strict, char *msg, size_t len)
{
	char path[PATH_MAX], val[64];
	struct {
		unsigned int bit;
		const char *file, *key;
		int set;
	} w[4] = {
		{ CTL_CG_MEMORY, "memory.max", "memory_max", lim->memory_max != 0 },
		{ CTL_CG_PIDS, "pids.max", "pids_max", lim->pids_max != 0 },
		{ CTL_CG_CPU, "cpu.weight", "cpu_weight", lim->cpu_weight != 0 },
		{ CTL_CG_CPU, "cpu.max", "cpu_max", lim->cpu_max_pct != 0 },
	};
	int rc;

	rc = ctl_cg_path(t, svc, NULL, path, sizeof(path));
	if (rc == 0 && mkdir(path, 0755) < 0 && errno != EEXIST)
		rc = -errno;
	if (rc < 0) {
		snprintf(msg, len, "cgroup %s: %s", path, strerror(-rc));
		return rc;
	}
	for (unsigned int i = 0; i < 4; i++) {
		if (!w[i].set)
			continue;
		if (!(t->controllers & w[i].bit)) {
			if (!(strict & w[i].bit))
				continue;
			snprintf(msg, len, "%s: the %s controller is not enabled under %s "
				 "(not delegated to the gateway's cgroup)", w[i].key,
				 w[i].bit == CTL_CG_MEMORY ? "memory" :
				 w[i].bit == CTL_CG_PIDS ? "pids" : "cpu", t->path);
			return -EOPNOTSUPP;
		}
		if (i == 0)
			snprintf(val, sizeof(val), "%llu", (unsigned long long)lim->memory_max);
		else if (i == 1)
			snprintf(val, sizeof(val), "%u", lim->pids_max);
		else if (i == 2)
			snprintf(val, sizeof(val), "%u", lim->cpu_weight);
		else /* quota per 100 ms period */
			snprintf(val, sizeof(val), "%llu 100000",
				 (unsigned long long)lim->cpu_max_pct * 1000);
		ctl_cg_path(t, svc, w[i].file, path, sizeof(path));
		rc = cg_write(path, val);
		if (rc < 0) {
			snprintf(msg, len, "%s = %s: %s", path, val, strerror(-rc));
			return rc;
		}
	}
	/* memory.high stays max: the service is throttled by nothing but its max;
	 * swap would hide a hog from its limit */
	if (lim->memory_max != 0 && (t->controllers & CTL_CG_MEMORY) &&
	    ctl_cg_path(t, svc, "memory.swap.max", path, sizeof(path)) == 0)
		cg_write(path, "0");
	return 0;
}

int
ctl_cg_populated(const struct ctl_cg_tree *t, const char *svc)
{
	char path[PATH_MAX], buf[256];
	ssize_t n;

	if (ctl_cg_path(t, svc, "cgroup.events", path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	n = cg_read(path, buf, sizeof(buf));
	if (n == -ENOENT)
		return 0;
	if (n < 0)
		return (int)n;
	long long v = ctl_cg_parse_key(buf, "populated");
	return v < 0 ? -EINVAL : v > 0;
}

int
ctl_cg_signal(const struct ctl_cg_tree *t, const char *svc, int sig)
{
	char path[PATH_MAX];
	int count = 0;

	if (ctl_cg_path(t, svc, "cgroup.procs", path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return errno == ENOENT ? 0 : -errno;
	long pid;
	while (fscanf(f, "%ld", &pid) == 1)
		if (pid > 0 && kill((pid_t)pid, sig) == 0)
			count++;
	fclose(f);
	return count;
}

int
ctl_cg_kill(const struct ctl_cg_tree *t, const char *svc)
{
	char path[PATH_MAX];
	int rc;

	if (ctl_cg_path(t, svc, "cgroup.kill", path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	rc = cg_write(path, "1");
	if (rc != -ENOENT)
		return rc;
	if (ctl_cg_path(t, svc, NULL, path, sizeof(path)) == 0 && access(path, F_OK) < 0)
		return 0; /* no such leaf */
	/* an older kernel: a process may fork between read and kill, so again
	 * until the leaf is empty (the caller waits for populated 0 anyway) */
	for (int round = 0; round < 100; round++)
		if ((rc = ctl_cg_signal(t, svc, SIGKILL)) <= 0)
			return rc < 0 ? rc : 0;
	return 0;
}

int
ctl_cg_freeze(const struct ctl_cg_tree *t, const char *svc, int frozen)
{
	char path[PATH_MAX];

	if (ctl_cg_path(t, svc, "cgroup.freeze", path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	return cg_write(path, frozen ? "1" : "0");
}

/* rmdir @path and, first, the cgroups under it (a service running with the
 * gateway's rights may have made some in its leaf: the leaf would stay,
 * and the subtree with it), @depth levels down at most. */
static int
cg_rmdir_tree(char *path, size_t len, unsigned int depth)
{
	if (rmdir(path) == 0 || errno == ENOENT)
		return 0;
	if (errno != EBUSY && errno != ENOTEMPTY)
		return -errno;
	int rc = -EBUSY;
	DIR *d = depth > 0 ? opendir(path) : NULL;
	if (d == NULL)
		return rc;
	size_t pl = strlen(path);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_type != DT_DIR || strcmp(e->d_name, ".") == 0 ||
		    strcmp(e->d_name, "..") == 0)
			continue;
		int n = snprintf(path + pl, len - pl, "/%s", e->d_name);
		if (n > 0 && (size_t)n < len - pl)
			cg_rmdir_tree(path, len, depth - 1);
		path[pl] = '\0';
	}
	closedir(d);
	if (rmdir(path) == 0 || errno == ENOENT)
		return 0;
	return -errno;
}

int
ctl_cg_remove(const struct ctl_cg_tree *t, const char *svc)
{
	char path[PATH_MAX];

	if (ctl_cg_path(t, svc, NULL, path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	return cg_rmdir_tree(path, sizeof(path), 8);
}

static void
cg_counts(const struct ctl_cg_tree *t, const char *svc, uint64_t out[2])
{
	char path[PATH_MAX], buf[512];
	long long v;

	out[0] = out[1] = 0;
	if (ctl_cg_path(t, svc, "memory.events", path, sizeof(path)) == 0 &&
	    cg_read(path, buf, sizeof(buf)) >= 0 && (v = ctl_cg_parse_key(buf, "oom_kill")) > 0)
		out[0] = (uint64_t)v;
	if (ctl_cg_path(t, svc, "pids.events", path, sizeof(path)) == 0 &&
	    cg_read(path, buf, sizeof(buf)) >= 0 && (v = ctl_cg_parse_key(buf, "max")) > 0)
		out[1] = (uint64_t)v;
}

void
ctl_cg_limit_counts(const struct ctl_cg_tree *t, const char *svc, uint64_t out[2])
{
	cg_counts(t, svc, out);
}

int
ctl_cg_limit_reason(const struct ctl_cg_tree *t, const char *svc, const uint64_t base[2],
		    char *out, size_t len)
{
	uint64_t now[2];

	cg_counts(t, svc, now);
	if (now[0] > base[0]) {
		snprintf(out, len, "killed by the OOM killer at its memory_max (%llu oom kill%s)",
			 (unsigned long long)(now[0] - base[0]), now[0] - base[0] > 1 ? "s" : "");
		return 1;
	}
	if (now[1] > base[1]) {
		snprintf(out, len, "pids_max reached (%llu fork%s refused)",
			 (unsigned long long)(now[1] - base[1]), now[1] - base[1] > 1 ? "s" : "");
		return 1;
	}
	return 0;
}

int
ctl_cg_procs_fd(const struct ctl_cg_tree *t, const char *svc)
{
	char path[PATH_MAX];

	if (ctl_cg_path(t, svc, "cgroup.procs", path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int
ctl_cg_events_fd(const struct ctl_cg_tree *t, const char *svc)
{
	char path[PATH_MAX];

	if (ctl_cg_path(t, svc, "cgroup.events", path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	return fd < 0 ? -errno : fd;
}

int
ctl_cg_events_populated(int fd)
{
	char buf[256];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0); /* and the next change notifies again */

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	long long v = ctl_cg_parse_key(buf, "populated");
	return v < 0 ? -EINVAL : v > 0;
}

int
ctl_cg_foreach(const struct ctl_cg_tree *t, int (*cb)(const char *svc, void *arg), void *arg)
{
	DIR *d = opendir(t->path);
	struct dirent *e;
	int rc = 0;

	if (d == NULL)
		return errno == ENOENT ? 0 : -errno;
	while (rc == 0 && (e = readdir(d)) != NULL)
		if (e->d_type == DT_DIR && e->d_name[0] != '.')
			rc = cb(e->d_name, arg);
	closedir(d);
	return rc;
}

pid_t
ctl_cg_first_pid(const struct ctl_cg_tree *t, const char *svc)
{
	char path[PATH_MAX], buf[64];
	ssize_t n;

	if (ctl_cg_path(t, svc, "cgroup.procs", path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	n = cg_read(path, buf, sizeof(buf));
	if (n == -ENOENT)
		return 0;
	if (n < 0)
		return (pid_t)n;
	return (pid_t)strtol(buf, NULL, 10);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A service's xl configuration turned into a libxl_domain_config, with no
 * libxl_ctx (see xlcfg.h for the keys).
 *
 * libxlutil parses the file; it records the line of every setting, but its
 * public API can neither list the settings nor give their lines
 * (libxlu_internal.h is not installed). So once libxlutil has accepted the
 * bytes, xl_scan() walks the same bytes for the key at the start of each
 * statement: that is how keys jitsu does not support are found, and where
 * every message about a key gets its line.
 *
 * libxlutil writes its own complaints (syntax errors, bad disk or rate
 * specifications) to a FILE; it gets a memory stream, and the complaint
 * becomes our message. Nothing is printed.
 *
 * libxl_bitmap_alloc() and libxl_cpu_bitmap_alloc() dereference their ctx
 * even to allocate (a NULL ctx crashes in libxl 4.17), so avail_vcpus is
 * allocated here with calloc(): libxl_bitmap_dispose() frees it with free().
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxl.h>
#include <libxl_utils.h>
#include <libxlutil.h>

#include "xlcfg.h"

/* The keys jitsu takes; 1: a number (no +=). */
#define XL_KEYS(X)                                                             \
	X(name, 0)                                                             \
	X(type, 0)                                                             \
	X(builder, 0)                                                          \
	X(kernel, 0)                                                           \
	X(ramdisk, 0)                                                          \
	X(cmdline, 0)                                                          \
	X(root, 0)                                                             \
	X(extra, 0)                                                            \
	X(memory, 1)                                                           \
	X(maxmem, 1)                                                           \
	X(vcpus, 1)                                                            \
	X(maxvcpus, 1)                                                         \
	X(tsc_mode, 0)                                                         \
	X(vif, 0)                                                              \
	X(disk, 0)                                                             \
	X(on_poweroff, 0)                                                      \
	X(on_reboot, 0)                                                        \
	X(on_crash, 0)                                                         \
	X(uuid, 0)

enum xl_key {
#define XL_KEY_ENUM(k, num) XK_##k,
	XL_KEYS(XL_KEY_ENUM)
#undef XL_KEY_ENUM
	XK__COUNT
};

static const struct {
	const char *name;
	int number;
} xl_keys[XK__COUNT] = {
#define XL_KEY_ENTRY(k, num) [XK_##k] = { #k, num },
	XL_KEYS(XL_KEY_ENTRY)
#undef XL_KEY_ENTRY
};

#define XL_KEY_LIST                                                            \
	"name, type, builder, kernel, ramdisk, cmdline, root, extra, memory, maxmem, " \
	"vcpus, maxvcpus, tsc_mode, vif, disk, on_poweroff, on_reboot, on_crash, uuid"
#define XL_VIF_KEYS "mac, bridge, ip, vifname, rate"

/* xl's default type when the file says none. */
#if defined(__arm__) || defined(__aarch64__)
#define XL_DEFAULT_TYPE LIBXL_DOMAIN_TYPE_PVH
#else
#define XL_DEFAULT_TYPE LIBXL_DOMAIN_TYPE_PV
#endif

#define XL_MAX_MIB (16L * 1024 * 1024) /* 16 TiB: far above any guest, far below overflow */
#define XL_NAME_MAX 63

/* xl's names of the shutdown actions, by libxl value. */
static const char *const xl_actions[] = {
	[LIBXL_ACTION_ON_SHUTDOWN_DESTROY] = "destroy",
	[LIBXL_ACTION_ON_SHUTDOWN_RESTART] = "restart",
	[LIBXL_ACTION_ON_SHUTDOWN_RESTART_RENAME] = "rename-restart",
	[LIBXL_ACTION_ON_SHUTDOWN_PRESERVE] = "preserve",
	[LIBXL_ACTION_ON_SHUTDOWN_COREDUMP_DESTROY] = "coredump-destroy",
	[LIBXL_ACTION_ON_SHUTDOWN_COREDUMP_RESTART] = "coredump-restart",
	[LIBXL_ACTION_ON_SHUTDOWN_SOFT_RESET] = "soft-reset",
};
#define XL_N_ACTIONS (sizeof(xl_actions) / sizeof(xl_actions[0]))

/* One translation. */
struct xl {
	const struct ctl_xl_input *in;
	const char *src;          /* the file, or how the service is named */
	char origin[96];          /* "service NAME" */
	XLU_Config *cfg;          /* NULL without a file */
	FILE *report;             /* libxlutil's complaints */
	char *rbuf;
	size_t rsize;
	size_t rseen;             /* report bytes already turned into messages */
	int line[XK__COUNT];      /* line of each key's last statement; 0: absent */
	char *msg;
	size_t len;
};

/* ---- messages ----------------------------------------------------------- */

static int
xl_vfail(struct xl *x, int rc, const char *key, int line, const char *fmt, va_list ap)
{
	int n;

	if (x->msg == NULL || x->len == 0)
		return rc;
	if (key == NULL)
		n = snprintf(x->msg, x->len, "%s: ", x->src);
	else if (line > 0)
		n = snprintf(x->msg, x->len, "%s:%d: %s: ", x->src, line, key);
	else
		n = snprintf(x->msg, x->len, "%s: %s: ", x->src, key);
	if (n >= 0 && (size_t)n < x->len)
		vsnprintf(x->msg + n, x->len - (size_t)n, fmt, ap);
	return rc;
}

/* "SRC:LINE: KEY: ..." for any key (LINE when > 0, KEY when not NULL). */
static int __attribute__((format(printf, 5, 6)))
xl_fail(struct xl *x, int rc, const char *key, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	xl_vfail(x, rc, key, line, fmt, ap);
	va_end(ap);
	return rc;
}

/* The same about one of our keys, at its line when the file has it. */
static int __attribute__((format(printf, 4, 5)))
xl_kfail(struct xl *x, int rc, enum xl_key k, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	xl_vfail(x, rc, xl_keys[k].name, x->line[k], fmt, ap);
	va_end(ap);
	return rc;
}

/*
 * The first line libxlutil wrote since the last call, into @p buf, without
 * its "SOURCE: " and "config parsing error in THING: " prefixes when
 * @p strip; NULL when it wrote nothing.
 */
static const char *
xl_report(struct xl *x, char *buf, size_t len, int strip)
{
	const char *s;
	size_t n, pre;

	if (x->report == NULL || fflush(x->report) != 0 || x->rbuf == NULL ||
	    x->rsize <= x->rseen)
		return NULL;
	s = x->rbuf + x->rseen;
	n = strcspn(s, "\n");
	x->rseen = x->rsize;
	if (strip) {
		pre = strlen(x->src);
		if (n > pre + 2 && strncmp(s, x->src, pre) == 0 && s[pre] == ':' &&
		    s[pre + 1] == ' ') {
			s += pre + 2;
			n -= pre + 2;
		}
		pre = strlen("config parsing error in ");
		if (n > pre && strncmp(s, "config parsing error in ", pre) == 0) {
			const char *colon = memchr(s + pre, ':', n - pre);

			if (colon != NULL && colon[1] == ' ') {
				n -= (size_t)(colon + 2 - s);
				s = colon + 2;
			}
		}
	}
	if (n == 0)
		return NULL;
	snprintf(buf, len, "%.*s", (int)n, s);
	return buf;
}

/* ---- reading ------------------------------------------------------------ */

static int
xl_read_file(struct xl *x, const char *path, char **data, size_t *n)
{
	struct stat st;
	size_t got = 0;
	char *buf;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		rc = -errno;
		return xl_fail(x, rc, NULL, 0, "cannot open the xl file: %s", strerror(-rc));
	}
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		close(fd);
		return xl_fail(x, rc, NULL, 0, "cannot read the xl file: %s", strerror(-rc));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return xl_fail(x, -EINVAL, NULL, 0, "not a regular file");
	}
	if (st.st_size > (off_t)CTL_XL_MAX_FILE) {
		close(fd);
		return xl_fail(x, -EFBIG, NULL, 0, "%lld bytes: an xl file of more than %u bytes "
			       "is refused", (long long)st.st_size, CTL_XL_MAX_FILE);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		close(fd);
		return xl_fail(x, -ENOMEM, NULL, 0, "out of memory");
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			free(buf);
			close(fd);
			return xl_fail(x, rc, NULL, 0, "cannot read the xl file: %s",
				       strerror(-rc));
		}
		if (r == 0)
			break; /* shrank meanwhile: parse what is there */
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	*data = buf;
	*n = got;
	return 0;
}

/*
 * libxlutil's syntax error as our message. Its line is one too low when the
 * offending token is a newline (it takes a line off twice), fixed here.
 */
static int
xl_syntax_error(struct xl *x, int e)
{
	char line[512];
	const char *r = xl_report(x, line, sizeof(line), 0);
	size_t pre = strlen(x->src);
	char *end;
	long n;

	if (r == NULL)
		return xl_fail(x, e == ENOMEM ? -ENOMEM : -EINVAL, NULL, 0,
			       "cannot be parsed: %s", strerror(e));
	if (strncmp(r, x->src, pre) == 0 && r[pre] == ':' && isdigit((unsigned char)r[pre + 1])) {
		n = strtol(r + pre + 1, &end, 10);
		if (*end == ':' && n >= 0 && n < INT_MAX) {
			if (strstr(end, "near <newline>") != NULL)
				n++;
			snprintf(x->msg, x->msg != NULL ? x->len : 0, "%s:%ld%s", x->src, n, end);
			return -EINVAL;
		}
	}
	if (x->msg != NULL && x->len > 0)
		snprintf(x->msg, x->len, "%s", r);
	return -EINVAL;
}

/* ---- keys and their lines ----------------------------------------------- */

static int
xl_key_seen(struct xl *x, const char *key, size_t n, int line, int add)
{
	char name[64];

	snprintf(name, sizeof(name), "%.*s", (int)(n < sizeof(name) ? n : sizeof(name) - 1), key);
	for (int k = 0; k < XK__COUNT; k++) {
		if (strlen(xl_keys[k].name) != n || memcmp(xl_keys[k].name, key, n) != 0)
			continue;
		if (add && xl_keys[k].number)
			return xl_fail(x, -EINVAL, name, line, "+= does not apply to a number");
		if (!add && x->line[k] != 0)
			return xl_fail(x, -EINVAL, name, line, "given twice (also at line %d; "
				       "+= adds to a value)", x->line[k]);
		x->line[k] = line;
		return 0;
	}
	return xl_fail(x, -EINVAL, name, line, "not supported by jitsu's libxl backend "
		       "(it takes " XL_KEY_LIST ")");
}

/*
 * Find the key of every statement in a file libxlutil accepted: statements
 * end at a newline or ';' outside brackets; strings ('...' or "...", with
 * backslash escapes, never across lines) and # comments are skipped.
 */
static int
xl_scan(struct xl *x, const char *s, size_t n)
{
	int line = 1, depth = 0, stmt = 1, rc;
	size_t i = 0;

	while (i < n) {
		char c = s[i];

		if (c == '\n') {
			line++;
			i++;
			if (depth == 0)
				stmt = 1;
		} else if (c == '#') {
			while (i < n && s[i] != '\n')
				i++;
		} else if (c == '"' || c == '\'') {
			for (i++; i < n && s[i] != c && s[i] != '\n'; i++)
				if (s[i] == '\\' && i + 1 < n && s[i + 1] != '\n')
					i++;
			if (i < n && s[i] == c)
				i++;
		} else if (c == ';' && depth == 0) {
			stmt = 1;
			i++;
		} else if (stmt && !isspace((unsigned char)c)) {
			size_t b = i;

			while (i < n && strchr(" \t\r\n=+;#[", s[i]) == NULL)
				i++;
			size_t e = i;
			while (i < n && (s[i] == ' ' || s[i] == '\t'))
				i++;
			rc = xl_key_seen(x, s + b, e - b, line, i < n && s[i] == '+');
			if (rc != 0)
				return rc;
			stmt = 0;
		} else {
			if (c == '[')
				depth++;
			else if (c == ']' && depth > 0)
				depth--;
			i++;
		}
	}
	return 0;
}

/* ---- values ------------------------------------------------------------- */

/* 1: found, 0: absent, < 0: error (message set). */
static int
xl_get_str(struct xl *x, enum xl_key k, const char **v)
{
	int e = xlu_cfg_get_string(x->cfg, xl_keys[k].name, v, 1);

	if (e == 0)
		return 1;
	if (e == ESRCH)
		return 0;
	return xl_kfail(x, -EINVAL, k, "must be a single value, not a list");
}

/* A non-empty string. */
static int
xl_get_word(struct xl *x, enum xl_key k, const char **v)
{
	int rc = xl_get_str(x, k, v);

	if (rc == 1 && (*v)[0] == '\0')
		return xl_kfail(x, -EINVAL, k, "must not be empty");
	return rc;
}

/* A number in [min, max], written as xl takes it (strtol base 0). */
static int
xl_get_num(struct xl *x, enum xl_key k, long min, long max, const char *unit, long *v)
{
	const char *s;
	int rc = xl_get_str(x, k, &s);
	int e;

	if (rc <= 0)
		return rc;
	e = xlu_cfg_get_long(x->cfg, xl_keys[k].name, v, 1);
	if (e == ERANGE)
		return xl_kfail(x, -EINVAL, k, "'%s' is out of range (%ld..%ld%s)", s, min, max,
				unit);
	if (e != 0)
		return xl_kfail(x, -EINVAL, k, "'%s' is not a number%s%s", s,
				unit[0] != '\0' ? " of" : "", unit);
	if (*v < min || *v > max)
		return xl_kfail(x, -EINVAL, k, "%ld is out of range (%ld..%ld%s)", *v, min, max,
				unit);
	return 1;
}

static int
xl_get_list(struct xl *x, enum xl_key k, XLU_ConfigList **l, int *n)
{
	int e = xlu_cfg_get_list(x->cfg, xl_keys[k].name, l, n, 1);

	if (e == 0)
		return 1;
	if (e == ESRCH)
		return 0;
	return xl_kfail(x, -EINVAL, k, "must be a list ([ \"...\", ... ])");
}

static int
xl_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > XL_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("_.-", s[i]) == NULL)
			return 0;
	return 1;
}

static int
xl_strdup(struct xl *x, char **dst, const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		return xl_fail(x, -ENOMEM, NULL, 0, "out of memory");
	free(*dst);
	*dst = d;
	return 0;
}

/* A file the domain builder will read: say now if it cannot. */
static int
xl_readable(struct xl *x, enum xl_key k, const char *path)
{
	if (access(path, R_OK) != 0) {
		int rc = -errno;

		return xl_kfail(x, rc, k, "%s: %s", path, strerror(-rc));
	}
	return 0;
}

static int
xl_type(struct xl *x, libxl_domain_type *t)
{
	const char *s;
	int rc;

	*t = LIBXL_DOMAIN_TYPE_INVALID;
	rc = xl_get_str(x, XK_type, &s);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		if (strcmp(s, "pv") == 0)
			*t = LIBXL_DOMAIN_TYPE_PV;
		else if (strcmp(s, "pvh") == 0)
			*t = LIBXL_DOMAIN_TYPE_PVH;
		else if (strcmp(s, "hvm") == 0)
			return xl_kfail(x, -EINVAL, XK_type, "'hvm' is not supported: a service "
					"boots its kernel directly, as pv or pvh");
		else
			return xl_kfail(x, -EINVAL, XK_type, "'%s' is not one of pv, pvh", s);
	}
	rc = xl_get_str(x, XK_builder, &s);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		/* deprecated since Xen 4.10, still in old files */
		if (strcmp(s, "generic") != 0)
			return xl_kfail(x, -EINVAL, XK_builder, "'%s' is not supported (only "
					"'generic', the old spelling of type = \"pv\")", s);
		if (*t == LIBXL_DOMAIN_TYPE_PVH)
			return xl_kfail(x, -EINVAL, XK_builder, "'generic' (pv) contradicts "
					"type = \"pvh\" (line %d)", x->line[XK_type]);
		*t = LIBXL_DOMAIN_TYPE_PV;
	}
	if (*t == LIBXL_DOMAIN_TYPE_INVALID)
		*t = XL_DEFAULT_TYPE;
	return 0;
}

/* cmdline, or as xl composes it: "root=ROOT EXTRA", "root=ROOT", "EXTRA". */
static int
xl_cmdline(struct xl *x, libxl_domain_build_info *b)
{
	const char *cmd = NULL, *root = NULL, *extra = NULL;
	int rc_c, rc_r, rc_e, r;
	char *s = NULL;

	rc_c = xl_get_str(x, XK_cmdline, &cmd);
	if (rc_c < 0)
		return rc_c;
	rc_r = xl_get_str(x, XK_root, &root);
	if (rc_r < 0)
		return rc_r;
	rc_e = xl_get_str(x, XK_extra, &extra);
	if (rc_e < 0)
		return rc_e;
	/* xl keeps cmdline and drops the others with a warning nobody reads */
	if (rc_c && (rc_r || rc_e))
		return xl_kfail(x, -EINVAL, rc_r ? XK_root : XK_extra, "cannot be combined with "
				"cmdline (line %d): put it all in cmdline", x->line[XK_cmdline]);
	if (rc_c)
		r = asprintf(&s, "%s", cmd);
	else if (rc_r && rc_e)
		r = asprintf(&s, "root=%s %s", root, extra);
	else if (rc_r)
		r = asprintf(&s, "root=%s", root);
	else if (rc_e)
		r = asprintf(&s, "%s", extra);
	else
		return 0;
	if (r < 0)
		return xl_fail(x, -ENOMEM, NULL, 0, "out of memory");
	free(b->cmdline);
	b->cmdline = s;
	return 0;
}

/* @p vcpus online out of @p max; the bitmap covers all @p max. */
static int
xl_set_vcpus(struct xl *x, libxl_domain_build_info *b, long vcpus, long max)
{
	size_t sz = ((size_t)max + 7) / 8;

	libxl_bitmap_dispose(&b->avail_vcpus);
	b->avail_vcpus.map = calloc(sz, 1);
	if (b->avail_vcpus.map == NULL)
		return xl_fail(x, -ENOMEM, NULL, 0, "out of memory");
	b->avail_vcpus.size = (uint32_t)sz;
	for (long i = 0; i < vcpus; i++)
		libxl_bitmap_set(&b->avail_vcpus, (int)i);
	b->max_vcpus = (int)max;
	return 0;
}

static int
xl_memory_vcpus(struct xl *x, libxl_domain_build_info *b)
{
	long mem = 0, maxmem = 0, vcpus = 1, maxv = 0;
	int rc_m, rc_x, rc;

	rc_m = xl_get_num(x, XK_memory, 1, XL_MAX_MIB, " MiB", &mem);
	if (rc_m < 0)
		return rc_m;
	rc_x = xl_get_num(x, XK_maxmem, 1, XL_MAX_MIB, " MiB", &maxmem);
	if (rc_x < 0)
		return rc_x;
	if (rc_m && rc_x && maxmem < mem)
		return xl_kfail(x, -EINVAL, XK_maxmem, "%ld MiB is less than memory (%ld MiB)",
				maxmem, mem);
	if (rc_m)
		b->target_memkb = (uint64_t)mem * 1024;
	if (rc_x || rc_m)
		b->max_memkb = (uint64_t)(rc_x ? maxmem : mem) * 1024;

	rc = xl_get_num(x, XK_vcpus, 1, CTL_XL_MAX_VCPUS, "", &vcpus);
	if (rc < 0)
		return rc;
	rc = xl_get_num(x, XK_maxvcpus, 1, CTL_XL_MAX_VCPUS, "", &maxv);
	if (rc < 0)
		return rc;
	if (rc == 0)
		maxv = vcpus;
	else if (maxv < vcpus)
		return xl_kfail(x, -EINVAL, XK_maxvcpus, "%ld is less than vcpus (%ld)", maxv,
				vcpus);
	return xl_set_vcpus(x, b, vcpus, maxv);
}

static void
xl_default_actions(libxl_domain_config *dc)
{
	/* xl's defaults */
	dc->on_poweroff = LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
	dc->on_reboot = LIBXL_ACTION_ON_SHUTDOWN_RESTART;
	dc->on_watchdog = LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
	dc->on_crash = LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
	dc->on_soft_reset = LIBXL_ACTION_ON_SHUTDOWN_SOFT_RESET;
}

static int
xl_action(struct xl *x, enum xl_key k, libxl_action_on_shutdown *a)
{
	const char *s;
	int rc = xl_get_str(x, k, &s);

	if (rc <= 0)
		return rc;
	for (size_t i = 0; i < XL_N_ACTIONS; i++) {
		if (xl_actions[i] == NULL || strcmp(s, xl_actions[i]) != 0)
			continue;
		if (i == LIBXL_ACTION_ON_SHUTDOWN_RESTART_RENAME ||
		    i == LIBXL_ACTION_ON_SHUTDOWN_SOFT_RESET)
			break;
		*a = (libxl_action_on_shutdown)i;
		return 0;
	}
	return xl_kfail(x, -EINVAL, k, "'%s' is not one of destroy, restart, preserve, "
			"coredump-destroy, coredump-restart (what jitsu's libxl backend does)", s);
}

/* tsc_mode, by name as xl documents it (xl's old numbers are not taken). */
static int
xl_tsc_mode(struct xl *x, libxl_domain_build_info *b)
{
	static const char *const modes[] = { "default", "always_emulate", "native",
					     "native_paravirt" };
	const char *s;
	int rc = xl_get_str(x, XK_tsc_mode, &s);

	if (rc <= 0)
		return rc;
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (strcmp(s, modes[i]) == 0) {
			if (libxl_tsc_mode_from_string(s, &b->tsc_mode) != 0)
				break;
			return 0;
		}
	}
	return xl_kfail(x, -EINVAL, XK_tsc_mode, "'%s' is not one of default, always_emulate, "
			"native, native_paravirt", s);
}

/* ---- devices ------------------------------------------------------------ */

static char *
xl_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* The service's vif, then what @p spec ("key=value,...", NULL: none) adds. */
static int
xl_vif(struct xl *x, libxl_domain_config *dc, const char *spec)
{
	const struct ctl_xl_input *in = x->in;
	libxl_device_nic *nics, *nic;
	char ip[INET_ADDRSTRLEN], *dup, *tok, *save = NULL;
	int rc = 0;

	nics = realloc(dc->nics, sizeof(*nics) * (size_t)(dc->num_nics + 1));
	if (nics == NULL)
		return xl_fail(x, -ENOMEM, NULL, 0, "out of memory");
	dc->nics = nics;
	nic = &nics[dc->num_nics++];
	libxl_device_nic_init(nic);
	nic->devid = 0;
	memcpy(nic->mac, in->mac.addr_bytes, sizeof(nic->mac));
	if (xl_strdup(x, &nic->bridge, in->bridge) != 0)
		return -ENOMEM;
	if (in->address != 0 &&
	    (inet_ntop(AF_INET, &in->address, ip, sizeof(ip)) == NULL ||
	     xl_strdup(x, &nic->ip, ip) != 0))
		return -ENOMEM;
	if (spec == NULL)
		return 0;

	dup = strdup(spec);
	if (dup == NULL)
		return xl_fail(x, -ENOMEM, NULL, 0, "out of memory");
	for (tok = strtok_r(dup, ",", &save); tok != NULL && rc == 0;
	     tok = strtok_r(NULL, ",", &save)) {
		char *eq, *key, *val, why[256], have[RTE_ETHER_ADDR_FMT_SIZE];

		key = xl_trim(tok);
		if (*key == '\0')
			continue;
		eq = strchr(key, '=');
		if (eq == NULL) {
			rc = xl_kfail(x, -EINVAL, XK_vif, "'%s' is not key=value", key);
			break;
		}
		*eq = '\0';
		key = xl_trim(key);
		val = xl_trim(eq + 1);
		if (strcmp(key, "mac") == 0) {
			struct rte_ether_addr m;

			rte_ether_format_addr(have, sizeof(have), &in->mac);
			if (strlen(val) != 17 || rte_ether_unformat_addr(val, &m) != 0)
				rc = xl_kfail(x, -EINVAL, XK_vif, "mac: '%s' is not a MAC address "
					      "(xx:xx:xx:xx:xx:xx)", val);
			else if (!rte_is_same_ether_addr(&m, &in->mac))
				rc = xl_kfail(x, -EINVAL, XK_vif, "mac: %s is not the service's "
					      "MAC %s (leave it out: jitsu sets it)", val, have);
		} else if (strcmp(key, "bridge") == 0) {
			if (strcmp(val, in->bridge) != 0)
				rc = xl_kfail(x, -EINVAL, XK_vif, "bridge: '%s' is not the "
					      "gateway's bridge %s (leave it out: jitsu sets it)",
					      val, in->bridge);
		} else if (strcmp(key, "ip") == 0) {
			struct in_addr a;

			if (in->address == 0)
				rc = xl_kfail(x, -EINVAL, XK_vif, "ip: the service has no address");
			else if (inet_pton(AF_INET, val, &a) != 1 || a.s_addr != in->address)
				rc = xl_kfail(x, -EINVAL, XK_vif, "ip: '%s' is not the service's "
					      "address %s (leave it out: jitsu sets it)", val, ip);
		} else if (strcmp(key, "vifname") == 0) {
			size_t n = strlen(val);

			if (n == 0 || n >= IF_NAMESIZE || !xl_name_ok(val))
				rc = xl_kfail(x, -EINVAL, XK_vif, "vifname: '%s' is not an "
					      "interface name (1-%d of A-Z a-z 0-9 _ . -)", val,
					      IF_NAMESIZE - 1);
			else
				rc = xl_strdup(x, &nic->ifname, val);
		} else if (strcmp(key, "rate") == 0) {
			int e = xlu_vif_parse_rate(x->cfg, val, nic);

			if (e != 0) {
				const char *r = xl_report(x, why, sizeof(why), 1);

				rc = xl_kfail(x, e == ENOMEM ? -ENOMEM : -EINVAL, XK_vif,
					      "rate: %s", r != NULL ? r : strerror(e));
			}
		} else {
			rc = xl_kfail(x, -EINVAL, XK_vif, "'%s' is not supported (jitsu takes "
				      XL_VIF_KEYS ")", key);
		}
	}
	free(dup);
	return rc;
}

static int
xl_vifs(struct xl *x, libxl_domain_config *dc)
{
	XLU_ConfigList *l;
	const char *spec = NULL;
	int n = 0, rc;

	rc = xl_get_list(x, XK_vif, &l, &n);
	if (rc < 0)
		return rc;
	if (n > 1)
		return xl_kfail(x, -EINVAL, XK_vif, "%d vifs: jitsu gives a service exactly one "
				"(on its bridge, with its MAC)", n);
	if (n == 1) {
		spec = xlu_cfg_get_listitem(l, 0);
		if (spec == NULL)
			return xl_kfail(x, -EINVAL, XK_vif, "its entry is a list, not a string");
	}
	return xl_vif(x, dc, spec);
}

static int
xl_disks(struct xl *x, libxl_domain_config *dc)
{
	XLU_ConfigList *l;
	int n = 0, rc;
	char why[256];

	rc = xl_get_list(x, XK_disk, &l, &n);
	if (rc <= 0)
		return rc;
	for (int i = 0; i < n; i++) {
		const char *spec = xlu_cfg_get_listitem(l, i);
		libxl_device_disk *disks, *d;
		int e;

		if (spec == NULL)
			return xl_kfail(x, -EINVAL, XK_disk, "entry %d is a list, not a string",
					i + 1);
		disks = realloc(dc->disks, sizeof(*disks) * (size_t)(dc->num_disks + 1));
		if (disks == NULL)
			return xl_fail(x, -ENOMEM, NULL, 0, "out of memory");
		dc->disks = disks;
		d = &disks[dc->num_disks++];
		libxl_device_disk_init(d);
		e = xlu_disk_parse(x->cfg, 1, &spec, d);
		if (e != 0) {
			const char *r = xl_report(x, why, sizeof(why), 1);

			return xl_kfail(x, e == ENOMEM ? -ENOMEM : -EINVAL, XK_disk, "entry %d: %s",
					i + 1, r != NULL ? r : strerror(e));
		}
		if (d->is_cdrom)
			return xl_kfail(x, -EINVAL, XK_disk, "entry %d ('%s'): a CD-ROM needs a "
					"device model, which pv and pvh services do not have",
					i + 1, spec);
		for (int j = 0; j < i; j++)
			if (strcmp(dc->disks[j].vdev, d->vdev) == 0)
				return xl_kfail(x, -EINVAL, XK_disk, "entry %d: vdev %s is "
						"already entry %d's", i + 1, d->vdev, j + 1);
	}
	return 0;
}

/* ---- the two forms ------------------------------------------------------ */

static int
xl_from_file(struct xl *x, libxl_domain_config *dc)
{
	const struct ctl_xl_input *in = x->in;
	libxl_domain_create_info *c = &dc->c_info;
	libxl_domain_build_info *b = &dc->b_info;
	libxl_domain_type type;
	char *data = NULL;
	const char *s;
	size_t n = 0;
	int rc, e;

	if (in->kernel != NULL && in->kernel[0] != '\0')
		return xl_fail(x, -EINVAL, "kernel", 0, "the service also names a kernel (%s): "
			       "with an xl file, the file says which", in->kernel);
	if (in->memory != 0)
		return xl_fail(x, -EINVAL, "memory", 0, "the service also gives memory: with an "
			       "xl file, the file says how much (in MiB)");
	rc = xl_read_file(x, in->xl, &data, &n);
	if (rc != 0)
		return rc;
	x->report = open_memstream(&x->rbuf, &x->rsize);
	if (x->report != NULL)
		x->cfg = xlu_cfg_init(x->report, in->xl);
	if (x->cfg == NULL) {
		free(data);
		return xl_fail(x, -ENOMEM, NULL, 0, "out of memory");
	}
	e = xlu_cfg_readdata(x->cfg, data, (int)n);
	rc = e != 0 ? xl_syntax_error(x, e) : xl_scan(x, data, n);
	free(data);
	if (rc != 0)
		return rc;

	rc = xl_type(x, &type);
	if (rc != 0)
		return rc;
	c->type = type;
	libxl_domain_build_info_init_type(b, type);

	rc = xl_get_word(x, XK_name, &s);
	if (rc < 0)
		return rc;
	if (rc == 1 && !xl_name_ok(s))
		return xl_kfail(x, -EINVAL, XK_name, "'%s' is not a domain name jitsu takes "
				"(1-%d of A-Z a-z 0-9 _ . -)", s, XL_NAME_MAX);
	rc = xl_strdup(x, &c->name, rc == 1 ? s : in->name);
	if (rc != 0)
		return rc;

	rc = xl_get_word(x, XK_uuid, &s);
	if (rc < 0)
		return rc;
	if (rc == 1 && libxl_uuid_from_string(&c->uuid, s) != 0)
		return xl_kfail(x, -EINVAL, XK_uuid, "'%s' is not a UUID", s);
	if (rc == 0)
		libxl_uuid_generate(&c->uuid);

	rc = xl_get_word(x, XK_kernel, &s);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return xl_kfail(x, -EINVAL, XK_kernel, "not given: a service boots its kernel "
				"directly (there is no bootloader)");
	if ((rc = xl_readable(x, XK_kernel, s)) != 0 || (rc = xl_strdup(x, &b->kernel, s)) != 0)
		return rc;
	rc = xl_get_word(x, XK_ramdisk, &s);
	if (rc < 0)
		return rc;
	if (rc == 1 && ((rc = xl_readable(x, XK_ramdisk, s)) != 0 ||
			(rc = xl_strdup(x, &b->ramdisk, s)) != 0))
		return rc;
	rc = xl_cmdline(x, b);
	if (rc != 0)
		return rc;
	rc = xl_memory_vcpus(x, b);
	if (rc != 0)
		return rc;

	rc = xl_tsc_mode(x, b);
	if (rc != 0)
		return rc;
	xl_default_actions(dc);
	if ((rc = xl_action(x, XK_on_poweroff, &dc->on_poweroff)) != 0 ||
	    (rc = xl_action(x, XK_on_reboot, &dc->on_reboot)) != 0 ||
	    (rc = xl_action(x, XK_on_crash, &dc->on_crash)) != 0)
		return rc;
	rc = xl_vifs(x, dc);
	if (rc != 0)
		return rc;
	return xl_disks(x, dc);
}

/* Jitsu's --service ...,kernel=PATH,memory=KiB form. */
static int
xl_from_fields(struct xl *x, libxl_domain_config *dc)
{
	const struct ctl_xl_input *in = x->in;
	libxl_domain_build_info *b = &dc->b_info;
	int rc;

	if (in->kernel == NULL || in->kernel[0] == '\0')
		return xl_fail(x, -EINVAL, "kernel", 0, "not given: a libxl service needs an xl "
			       "file (xl=) or a kernel (kernel=)");
	if (access(in->kernel, R_OK) != 0) {
		rc = -errno;
		return xl_fail(x, rc, "kernel", 0, "%s: %s", in->kernel, strerror(-rc));
	}
	dc->c_info.type = XL_DEFAULT_TYPE;
	libxl_domain_build_info_init_type(b, XL_DEFAULT_TYPE);
	if ((rc = xl_strdup(x, &dc->c_info.name, in->name)) != 0 ||
	    (rc = xl_strdup(x, &b->kernel, in->kernel)) != 0)
		return rc;
	libxl_uuid_generate(&dc->c_info.uuid);
	if (in->memory != 0)
		b->target_memkb = b->max_memkb = in->memory;
	rc = xl_set_vcpus(x, b, 1, 1);
	if (rc != 0)
		return rc;
	xl_default_actions(dc);
	return xl_vif(x, dc, NULL);
}

int
ctl_xl_translate(const struct ctl_xl_input *in, libxl_domain_config *dc, char *msg, size_t len)
{
	struct xl x = { .in = in, .msg = msg, .len = len, .src = "libxl" };
	int file, rc;

	if (msg != NULL && len > 0)
		msg[0] = '\0';
	if (in == NULL || dc == NULL)
		return xl_fail(&x, -EINVAL, NULL, 0, "no service to translate");
	file = in->xl != NULL && in->xl[0] != '\0';
	if (file) {
		x.src = in->xl;
	} else if (in->origin != NULL) {
		x.src = in->origin;
	} else {
		snprintf(x.origin, sizeof(x.origin), "service %s",
			 in->name != NULL ? in->name : "?");
		x.src = x.origin;
	}
	if (in->name == NULL || !xl_name_ok(in->name))
		return xl_fail(&x, -EINVAL, "name", 0, "the service's name '%s' is not a domain "
			       "name (1-%d of A-Z a-z 0-9 _ . -)",
			       in->name != NULL ? in->name : "", XL_NAME_MAX);
	if (!rte_is_valid_assigned_ether_addr(&in->mac))
		return xl_fail(&x, -EINVAL, "mac", 0, "the service has no unicast MAC");
	if (in->bridge == NULL || in->bridge[0] == '\0' || strlen(in->bridge) >= IF_NAMESIZE)
		return xl_fail(&x, -EINVAL, "bridge", 0, "the gateway's bridge '%s' is not an "
			       "interface name", in->bridge != NULL ? in->bridge : "");

	rc = file ? xl_from_file(&x, dc) : xl_from_fields(&x, dc);
	xlu_cfg_destroy(x.cfg);
	if (x.report != NULL)
		fclose(x.report);
	free(x.rbuf);
	return rc;
}

/* ---- is this a dom0? ---------------------------------------------------- */

const char *
ctl_xl_available_in(const char *procxen)
{
	static _Thread_local char why[PATH_MAX + 128];
	char path[PATH_MAX], caps[256];
	struct stat st;
	size_t n;
	FILE *f;

	if (stat(procxen, &st) != 0) {
		if (errno == ENOENT)
			snprintf(why, sizeof(why), "Xen is not available: %s does not exist "
				 "(not running under Xen)", procxen);
		else
			snprintf(why, sizeof(why), "Xen is not available: %s: %s", procxen,
				 strerror(errno));
		return why;
	}
	snprintf(path, sizeof(path), "%s/capabilities", procxen);
	f = fopen(path, "re");
	if (f == NULL) {
		snprintf(why, sizeof(why), "Xen is not available: cannot read %s: %s (is xenfs "
			 "mounted on %s?)", path, strerror(errno), procxen);
		return why;
	}
	n = fread(caps, 1, sizeof(caps) - 1, f);
	fclose(f);
	caps[n] = '\0';
	if (strstr(caps, "control_d") != NULL)
		return NULL;
	snprintf(why, sizeof(why), "Xen is not available: this is a Xen guest, not dom0 "
		 "(%s has no control_d)", path);
	return why;
}

const char *
ctl_xl_available(void)
{
	return ctl_xl_available_in("/proc/xen");
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* Command lines and environments of process services: no shell involved. */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"

char **
ctl_split_command(const char *cmd)
{
	size_t len = strlen(cmd), max_words = len / 2 + 2;
	/* pointers first, then the words' bytes (never longer than cmd) */
	char **argv = malloc(max_words * sizeof(char *) + len + 1);
	if (argv == NULL)
		return NULL;
	char *out = (char *)(argv + max_words);
	size_t n = 0;
	const char *p = cmd;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		argv[n++] = out;
		char quote = 0;
		for (; *p != '\0'; p++) {
			if (quote) {
				if (*p == quote)
					quote = 0;
				else if (*p == '\\' && quote == '"' && p[1] != '\0')
					*out++ = *++p;
				else
					*out++ = *p;
			} else if (*p == '\'' || *p == '"') {
				quote = *p;
			} else if (*p == '\\' && p[1] != '\0') {
				*out++ = *++p;
			} else if (*p == ' ' || *p == '\t') {
				break;
			} else {
				*out++ = *p;
			}
		}
		if (quote) {
			free(argv);
			errno = EINVAL;
			return NULL;
		}
		*out++ = '\0';
	}
	if (n == 0) {
		free(argv);
		errno = EINVAL;
		return NULL;
	}
	argv[n] = NULL;
	return argv;
}

static int
ctl_env_ours(const char *e)
{
	return strncmp(e, "JITSU_SERVICE=", 14) == 0 || strncmp(e, "NOTIFY_SOCKET=", 14) == 0;
}

char **
ctl_service_env(char *const *base, const char *name, const char *notify)
{
	size_t n = 0, bytes = 0;

	for (char *const *e = base; e != NULL && *e != NULL; e++) {
		if (ctl_env_ours(*e))
			continue;
		n++;
		bytes += strlen(*e) + 1;
	}
	bytes += sizeof("JITSU_SERVICE=") + strlen(name);
	if (notify != NULL)
		bytes += sizeof("NOTIFY_SOCKET=") + strlen(notify);
	char **env = malloc((n + 3) * sizeof(char *) + bytes);
	if (env == NULL)
		return NULL;
	char *out = (char *)(env + n + 3);
	size_t i = 0;
	for (char *const *e = base; e != NULL && *e != NULL; e++) {
		if (ctl_env_ours(*e))
			continue;
		env[i++] = out;
		out += sprintf(out, "%s", *e) + 1;
	}
	env[i++] = out;
	out += sprintf(out, "JITSU_SERVICE=%s", name) + 1;
	if (notify != NULL) {
		env[i++] = out;
		sprintf(out, "NOTIFY_SOCKET=%s", notify);
	}
	env[i] = NULL;
	return env;
}

/* A decimal id below 2^32 - 1 ((uid_t)-1 means "unchanged" to setresuid):
 * 1 and the number, 0 when it is a name, -1 when out of range. */
static int
ctl_id_number(const char *s, unsigned long *out)
{
	char *end;

	if (s[strspn(s, "0123456789")] != '\0')
		return 0; /* a name, also one that starts with a digit */
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v >= UINT32_MAX)
		return -1;
	*out = v;
	return 1;
}

int
ctl_user_resolve(const char *spec, uid_t *uid, gid_t *gid, char *msg, size_t len)
{
	char user[256], buf[4096];
	const char *group = NULL;
	unsigned long v;
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;

	size_t n = strcspn(spec, ":");
	if (n == 0 || n >= sizeof(user) || (spec[n] == ':' && spec[n + 1] == '\0') ||
	    strchr(spec + n + (spec[n] == ':'), ':') != NULL) {
		snprintf(msg, len, "user: '%s' is not USER or USER:GROUP", spec);
		return -EINVAL;
	}
	memcpy(user, spec, n);
	user[n] = '\0';
	if (spec[n] == ':')
		group = spec + n + 1;

	int num = ctl_id_number(user, &v);
	if (num < 0) {
		snprintf(msg, len, "user: '%s' is out of range", user);
		return -ERANGE;
	}
	int rc = num ? getpwuid_r((uid_t)v, &pw, buf, sizeof(buf), &pwp)
		     : getpwnam_r(user, &pw, buf, sizeof(buf), &pwp);
	if (!num && pwp == NULL) {
		snprintf(msg, len, "user: no user '%s'%s%s", user, rc ? ": " : "",
			 rc ? strerror(rc) : "");
		return -ENOENT;
	}
	uid_t u = num ? (uid_t)v : pw.pw_uid;
	gid_t g = pwp != NULL ? pw.pw_gid : (gid_t)v;
	if (group == NULL)
		goto done;
	num = ctl_id_number(group, &v);
	if (num < 0) {
		snprintf(msg, len, "user: group '%s' is out of range", group);
		return -ERANGE;
	}
	if (num) {
		g = (gid_t)v;
		goto done;
	}
	rc = getgrnam_r(group, &gr, buf, sizeof(buf), &grp);
	if (grp == NULL) {
		snprintf(msg, len, "user: no group '%s'%s%s", group, rc ? ": " : "",
			 rc ? strerror(rc) : "");
		return -ENOENT;
	}
	g = gr.gr_gid;
done:
	*uid = u;
	*gid = g;
	return 0;
}

char **
ctl_user_command(char *const *argv, uid_t uid, gid_t gid)
{
	static const char *const pre[] = { CTL_SETPRIV, NULL, NULL, "--clear-groups",
					   "--no-new-privs", "--" };
	enum { NPRE = sizeof(pre) / sizeof(pre[0]), IDS = 2 * 24 };
	size_t n = 0;

	while (argv[n] != NULL)
		n++;
	char **v = malloc((NPRE + n + 1) * sizeof(char *) + IDS);
	if (v == NULL)
		return NULL;
	char *ids = (char *)(v + NPRE + n + 1);
	for (size_t i = 0; i < NPRE; i++)
		v[i] = (char *)pre[i];
	v[1] = ids;
	snprintf(v[1], 24, "--reuid=%u", (unsigned int)uid);
	v[2] = ids + 24;
	snprintf(v[2], 24, "--regid=%u", (unsigned int)gid);
	for (size_t i = 0; i <= n; i++)
		v[NPRE + i] = argv[i];
	return v;
}

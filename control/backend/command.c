/* SPDX-License-Identifier: BSD-3-Clause */
/* Command lines and environments of process services: no shell involved. */
#include <errno.h>
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

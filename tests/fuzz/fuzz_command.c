/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer: the command lines of process services (control/command.c):
 * ctl_split_command() on arbitrary text (quotes, backslashes, blanks), and
 * ctl_service_env() on an arbitrary environment, service name and notify
 * socket. Input: a selector byte, then NUL-terminated text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../control/backend/command.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* every word is a non-empty run of the command's bytes minus quoting: the
 * words together are never longer than the command */
static void
fz_split(const char *cmd)
{
	char **argv = ctl_split_command(cmd);
	if (argv == NULL)
		return;
	size_t len = strlen(cmd), total = 0, n = 0;
	for (; argv[n] != NULL; n++) {
		total += strlen(argv[n]);
		if (n > len / 2 + 1)
			abort(); /* more words than room for them */
	}
	if (n == 0 || total > len)
		abort();
	/* unquoted, unescaped text without blanks is one word, itself */
	if (strpbrk(cmd, " \t'\"\\") == NULL && (n != 1 || strcmp(argv[0], cmd) != 0))
		abort();
	free(argv);
}

/* lines of the text: the base environment, the last two the name and the
 * notify socket (an empty one: none) */
static void
fz_env(char *text)
{
	char *lines[64];
	size_t n = 0;
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l != NULL && n < 63;
	     l = strtok_r(NULL, "\n", &save))
		lines[n++] = l;
	if (n < 2)
		return;
	const char *notify = lines[n - 1][0] == '-' ? NULL : lines[n - 1];
	const char *name = lines[n - 2];
	lines[n - 2] = NULL;
	char **env = ctl_service_env(lines, name, notify);
	if (env == NULL)
		return;
	size_t ours = 0, sockets = 0, kept = 0;
	for (char **e = env; *e != NULL; e++) {
		if (strncmp(*e, "JITSU_SERVICE=", 14) == 0) {
			ours++;
			if (strcmp(*e + 14, name) != 0)
				abort();
		} else if (strncmp(*e, "NOTIFY_SOCKET=", 14) == 0) {
			sockets++;
			if (notify == NULL || strcmp(*e + 14, notify) != 0)
				abort();
		} else {
			kept++;
		}
	}
	size_t base = 0;
	for (size_t i = 0; i + 2 < n; i++)
		base += strncmp(lines[i], "JITSU_SERVICE=", 14) != 0 &&
			strncmp(lines[i], "NOTIFY_SOCKET=", 14) != 0;
	/* exactly one of ours each, the rest of the base kept as it was */
	if (ours != 1 || sockets != (notify != NULL) || kept != base)
		abort();
	free(env);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 4096)
		return 0;
	char *text = malloc(size); /* exact size: ASan sees overruns */
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	if (data[0] & 1)
		fz_env(text);
	else
		fz_split(text);
	free(text);
	return 0;
}

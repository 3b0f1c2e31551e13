/* SPDX-License-Identifier: BSD-3-Clause */
/* control/backend/command.c: a process service's argv and environment. */
#include <criterion/criterion.h>
#include <errno.h>

#include "../../control/backend/command.h"

static void
assert_words(const char *cmd, const char *const *want)
{
	char **argv = ctl_split_command(cmd);
	size_t i = 0;

	cr_assert_not_null(argv, "'%s'", cmd);
	for (; want[i] != NULL; i++) {
		cr_assert_not_null(argv[i], "'%s': word %zu missing", cmd, i);
		cr_assert_str_eq(argv[i], want[i], "'%s': word %zu", cmd, i);
	}
	cr_assert_null(argv[i], "'%s': more words than expected", cmd);
	free(argv);
}

Test(command, words)
{
	assert_words("busybox httpd -f -p 80 -h /srv/www",
		     (const char *const[]){ "busybox", "httpd", "-f", "-p", "80", "-h", "/srv/www", NULL });
	assert_words("  a\t b  ", (const char *const[]){ "a", "b", NULL });
	assert_words("x", (const char *const[]){ "x", NULL });
}

Test(command, quotes_and_escapes)
{
	assert_words("sh -c 'echo hi; exit 3'", (const char *const[]){ "sh", "-c", "echo hi; exit 3", NULL });
	assert_words("a \"b c\" d", (const char *const[]){ "a", "b c", "d", NULL });
	assert_words("a \"b \\\"c\\\"\"", (const char *const[]){ "a", "b \"c\"", NULL });
	assert_words("a\\ b c", (const char *const[]){ "a b", "c", NULL });
	assert_words("'single \\ stays'", (const char *const[]){ "single \\ stays", NULL });
	assert_words("x''y \"\"", (const char *const[]){ "xy", "", NULL });
}

Test(command, bad_commands)
{
	errno = 0;
	cr_assert_null(ctl_split_command(""));
	cr_assert_eq(errno, EINVAL);
	cr_assert_null(ctl_split_command("   "));
	cr_assert_null(ctl_split_command("a 'b"));
	cr_assert_null(ctl_split_command("a \"b"));
}

Test(command, environment)
{
	char *base[] = { "PATH=/usr/bin", "JITSU_SERVICE=old", "HOME=/root", "NOTIFY_SOCKET=/x",
			 NULL };
	char **env = ctl_service_env(base, "www", "/run/jitsu/www.sock");

	cr_assert_not_null(env);
	cr_assert_str_eq(env[0], "PATH=/usr/bin");
	cr_assert_str_eq(env[1], "HOME=/root");
	cr_assert_str_eq(env[2], "JITSU_SERVICE=www");
	cr_assert_str_eq(env[3], "NOTIFY_SOCKET=/run/jitsu/www.sock");
	cr_assert_null(env[4]);
	free(env);
	env = ctl_service_env(NULL, "api", NULL);
	cr_assert_str_eq(env[0], "JITSU_SERVICE=api");
	cr_assert_null(env[1], "no NOTIFY_SOCKET without notify readiness");
	free(env);
}

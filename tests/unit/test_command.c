/* SPDX-License-Identifier: BSD-3-Clause */
/* control/backend/command.c: a process service's argv and environment. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

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

/* user = USER[:GROUP]: root and nobody are in every Debian's databases */
Test(command, user_names_and_numbers)
{
	char msg[160];
	uid_t u;
	gid_t g;

	cr_assert_eq(ctl_user_resolve("root", &u, &g, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert(u == 0 && g == 0);
	cr_assert_eq(ctl_user_resolve("nobody", &u, &g, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert(u == 65534 && g == 65534, "nobody is %u:%u", (unsigned)u, (unsigned)g);
	cr_assert_eq(ctl_user_resolve("nobody:root", &u, &g, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert(u == 65534 && g == 0);
	cr_assert_eq(ctl_user_resolve("nobody:7", &u, &g, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert(u == 65534 && g == 7);
	/* a number the database knows takes its primary group; one it does not, itself */
	cr_assert_eq(ctl_user_resolve("65534", &u, &g, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert(u == 65534 && g == 65534);
	cr_assert_eq(ctl_user_resolve("4000000", &u, &g, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert(u == 4000000 && g == 4000000);
	cr_assert_eq(ctl_user_resolve("4000000:12", &u, &g, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert(u == 4000000 && g == 12);
}

Test(command, bad_users_say_what_is_wrong)
{
	char msg[160];
	uid_t u = 1;
	gid_t g = 1;

	cr_assert_eq(ctl_user_resolve("no-such-user-here", &u, &g, msg, sizeof(msg)), -ENOENT);
	cr_assert(strstr(msg, "no user 'no-such-user-here'") != NULL, "%s", msg);
	cr_assert_eq(ctl_user_resolve("nobody:no-such-group", &u, &g, msg, sizeof(msg)), -ENOENT);
	cr_assert(strstr(msg, "no group 'no-such-group'") != NULL, "%s", msg);
	cr_assert_eq(ctl_user_resolve("4294967295", &u, &g, msg, sizeof(msg)), -ERANGE);
	cr_assert_eq(ctl_user_resolve("nobody:99999999999", &u, &g, msg, sizeof(msg)), -ERANGE);
	static const char *const bad[] = { "", ":", ":root", "root:", "a:b:c", "root::" };
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(ctl_user_resolve(bad[i], &u, &g, msg, sizeof(msg)), -EINVAL, "'%s'",
			     bad[i]);
		cr_assert(strstr(msg, "is not USER or USER:GROUP") != NULL, "%s", msg);
	}
	cr_assert(u == 1 && g == 1, "a refused value leaves the ids alone");
}

Test(command, a_user_command_goes_through_setpriv)
{
	char *argv[] = { "busybox", "httpd", "-f", NULL };
	char **v = ctl_user_command(argv, 1500000004, 7);
	static const char *const want[] = { CTL_SETPRIV, "--reuid=1500000004", "--regid=7",
					    "--clear-groups", "--no-new-privs", "--", "busybox",
					    "httpd", "-f", NULL };

	cr_assert_not_null(v);
	for (size_t i = 0; want[i] != NULL; i++)
		cr_assert_str_eq(v[i], want[i], "word %zu", i);
	cr_assert_null(v[9]);
	free(v);
}

Test(command, a_name_that_starts_with_a_digit_is_a_name)
{
	char msg[160];
	uid_t u;
	gid_t g;

	cr_assert_eq(ctl_user_resolve("1no-such-user", &u, &g, msg, sizeof(msg)), -ENOENT);
	cr_assert(strstr(msg, "no user '1no-such-user'") != NULL, "%s", msg);
	cr_assert_eq(ctl_user_resolve("nobody:1no-such-group", &u, &g, msg, sizeof(msg)), -ENOENT);
	cr_assert(strstr(msg, "no group '1no-such-group'") != NULL, "%s", msg);
}

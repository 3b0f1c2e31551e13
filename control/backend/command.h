/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The process backend's command lines and environments (command.c): no
 * shell involved, no EAL needed.
 */
#ifndef JITSU_CTL_COMMAND_H
#define JITSU_CTL_COMMAND_H

#include <stddef.h>
#include <sys/types.h>

/**
 * Split a command line into words: blanks separate, '...' and "..." quote,
 * a backslash escapes the next character; no shell. @return a NULL-terminated
 * array in one allocation (free() it), or NULL with errno (EINVAL: unbalanced
 * quote or no word).
 */
char **ctl_split_command(const char *cmd);

/**
 * The environment of a service: @p base (environ) without any JITSU_SERVICE
 * or NOTIFY_SOCKET, plus JITSU_SERVICE=@p name and, when @p notify is not
 * NULL, NOTIFY_SOCKET=@p notify. One allocation; NULL with errno.
 */
char **ctl_service_env(char *const *base, const char *name, const char *notify);

/**
 * The ids of a `user = USER[:GROUP]` value: USER a name of the password
 * database or a number, GROUP a name of the group database or a number;
 * without GROUP, the user's primary group (or, for a number the database
 * does not know, the same number). @return 0, or -EINVAL / -ENOENT /
 * -ERANGE with a line for the operator in @p msg.
 */
int ctl_user_resolve(const char *spec, uid_t *uid, gid_t *gid, char *msg, size_t len);

/** util-linux's setpriv, which a service run as a user is exec'd through. */
#define CTL_SETPRIV "/usr/bin/setpriv"

/**
 * The words that run @p argv as @p uid:@p gid: CTL_SETPRIV with the ids,
 * no supplementary groups and no new privileges (setuid binaries and file
 * capabilities raise nothing), then @p argv. The ids change after the exec,
 * in a process that no longer shares the gateway's memory, so that a
 * process of the same uid cannot stop or signal a child the gateway waits
 * for. One allocation (free() it); NULL with errno.
 */
char **ctl_user_command(char *const *argv, uid_t uid, gid_t gid);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Synjitsu: what the gateway does with TCP SYNs for services that are not
 * READY yet. This header holds the modes; the pending rings and replay build
 * on it.
 */
#ifndef JITSU_SYNJITSU_H
#define JITSU_SYNJITSU_H

/** How SYNs to a service that is not READY are treated. */
enum syn_mode {
	SYN_MODE_BUFFER, /**< hold SYNs and what follows, replay when READY */
	SYN_MODE_PROXY,  /**< answer with a SYN cookie, splice when READY */
	SYN_MODE_OFF,    /**< drop them, as a plain gateway would */
	SYN_MODE__COUNT
};

/** Name of a mode as written in the configuration. */
const char *syn_mode_name(enum syn_mode m);

/**
 * Parse a mode name. @return 0, -EINVAL for an unknown name, -ENOTSUP for a
 * mode this build does not implement.
 */
int syn_mode_parse(const char *s, enum syn_mode *m);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer: the configuration parser (INI text through rte_cfgfile, and the
 * --service form), then validation and table building. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../control/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
fz_port_ok(uint32_t port, void *arg)
{
	(void)arg;
	return port < 3;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_errors errs = { 0 };
	struct ctl_config *cfg = ctl_config_new();
	char path[64];

	if (cfg == NULL || size > 65536)
		goto out;
	if (size > 0 && data[0] == '!') {
		/* the --service form */
		char *spec = strndup((const char *)data + 1, size - 1);
		ctl_config_add_service_spec(cfg, spec, &errs);
		free(spec);
	} else {
		int fd = memfd_create("fuzz.conf", 0);
		if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
			if (fd >= 0)
				close(fd);
			goto out;
		}
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		ctl_config_load_file(cfg, path, &errs);
		close(fd);
	}
	if (errs.n == 0 && ctl_config_validate(cfg, fz_port_ok, NULL, &errs) == 0) {
		struct dp_svctab *t = ctl_config_svctab(cfg, NULL, 0);
		if (t == NULL)
			abort(); /* a valid configuration always builds its table */
		dp_svctab_free(t);
	}
	for (uint32_t i = 0; i < errs.n; i++)
		if (memchr(errs.msg[i], '\0', sizeof(errs.msg[i])) == NULL)
			abort();
out:
	ctl_config_free(cfg);
	return 0;
}

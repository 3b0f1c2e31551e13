/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * jitsuctl: talk to a running jitsu through its DPDK telemetry socket.
 *
 *   jitsuctl [-f FILE_PREFIX] list [--state STATE] | show NAME | summon NAME | stop NAME | stats | reload
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define JC_MAX_REPLY (64 * 1024)

static const char jc_usage[] =
	"Usage: jitsuctl [-f FILE_PREFIX] COMMAND\n"
	"\n"
	"Commands:\n"
	"  list [--state STATE]\n"
	"                 services and their states (all of them, page by page), or\n"
	"                 only those in STATE (stopped, ready, failed...)\n"
	"  show NAME      one service: state, process, counts, cold-start phases (JSON)\n"
	"  summon NAME    start a service now\n"
	"  stop NAME      stop a service (per its stop mode)\n"
	"  stats          the gateway's counters (JSON)\n"
	"  reload         re-read the configuration; a bad one is refused, the old one stays\n"
	"\n"
	"  -f, --file-prefix PREFIX  the --file-prefix jitsu runs with (default: rte)\n"
	"  -h, --help                this help\n";

static int
jc_query(const char *prefix, const char *cmd, char *out, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *base = getuid() == 0 ? "/var/run/dpdk" : getenv("XDG_RUNTIME_DIR");
	char info[1024];

	if (base == NULL)
		base = "/tmp";
	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s%s/%s/dpdk_telemetry.v2", base,
			     getuid() == 0 ? "" : "/dpdk", prefix) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "jitsuctl: file prefix too long\n");
		return -1;
	}
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "jitsuctl: %s: %s (is jitsu running with --file-prefix %s?)\n",
			sa.sun_path, strerror(errno), prefix);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	ssize_t n = recv(fd, info, sizeof(info), 0); /* the greeting */
	if (n > 0)
		n = send(fd, cmd, strlen(cmd), 0);
	if (n > 0)
		n = recv(fd, out, len - 1, 0);
	close(fd);
	if (n <= 0) {
		fprintf(stderr, "jitsuctl: no answer from %s\n", sa.sun_path);
		return -1;
	}
	out[n] = '\0';
	return 0;
}

/* The value of the reply {"CMD": VALUE}; NULL when it is null. */
static char *
jc_value(char *reply)
{
	char *colon = strchr(reply, ':');
	size_t n = strlen(reply);

	if (colon == NULL || n < 2 || reply[n - 1] != '}')
		return NULL;
	reply[n - 1] = '\0';
	colon++;
	while (*colon == ' ')
		colon++;
	return strcmp(colon, "null") == 0 ? NULL : colon;
}

/* The string value of "key" in a flat JSON object (no escapes in it). */
static const char *
jc_string(const char *obj, const char *key, size_t *len)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\"", key);
	if ((p = strstr(obj, pat)) == NULL)
		return NULL;
	p += strlen(pat);
	while (*p == ' ' || *p == ':')
		p++;
	if (*p++ != '"')
		return NULL;
	const char *e = strchr(p, '"');
	if (e == NULL)
		return NULL;
	*len = (size_t)(e - p);
	return p;
}

/* Print a flat {"k": "v", ...} dict as "k v" lines. */
/* Print a page of /jitsu/services ("services": ["NAME STATE", ...]) as
 * lines; @return its "next" (the next page's first id), or -1 when it is
 * the last page. */
static long
jc_print_services(const char *v)
{
	const char *p = strstr(v, "\"services\"");
	const char *nx = strstr(v, "\"next\":");

	if (p != NULL && (p = strchr(p, '[')) != NULL) {
		const char *close = strchr(p, ']'); /* names and states hold no ']' */
		while ((p = strchr(p + 1, '"')) != NULL && (close == NULL || p < close)) {
			const char *e = strchr(p + 1, '"');
			if (e == NULL)
				break;
			const char *sp = memchr(p + 1, ' ', (size_t)(e - p - 1));
			if (sp != NULL)
				printf("%-24.*s %.*s\n", (int)(sp - p - 1), p + 1, (int)(e - sp - 1),
				       sp + 1);
			p = e;
		}
	}
	return nx != NULL ? strtol(nx + 7, NULL, 10) : -1;
}

int
main(int argc, char **argv)
{
	const char *prefix = "rte", *want = NULL;
	char cmd[256];
	int c;

	static const struct option longopts[] = {
		{ "file-prefix", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "state", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};

	while ((c = getopt_long(argc, argv, "f:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			prefix = optarg;
			break;
		case 'h':
			fputs(jc_usage, stdout);
			return 0;
		case 's':
			want = optarg;
			break;
		default:
			fputs(jc_usage, stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		fputs(jc_usage, stderr);
		return 2;
	}
	const char *verb = argv[optind], *name = optind + 1 < argc ? argv[optind + 1] : NULL;
	int needs_name = strcmp(verb, "show") == 0 || strcmp(verb, "summon") == 0 ||
			 strcmp(verb, "stop") == 0;
	if (want != NULL && (strcmp(verb, "list") != 0 || strchr(want, ',') != NULL)) {
		fprintf(stderr, "jitsuctl: --state goes with list, and takes one state\n");
		return 2;
	}
	if (strcmp(verb, "list") == 0)
		snprintf(cmd, sizeof(cmd), "/jitsu/services,0%s%s", want ? "," : "",
			 want ? want : "");
	else if (strcmp(verb, "stats") == 0)
		snprintf(cmd, sizeof(cmd), "/jitsu/stats");
	else if (strcmp(verb, "reload") == 0)
		snprintf(cmd, sizeof(cmd), "/jitsu/reload");
	else if (needs_name && name != NULL && strchr(name, ',') == NULL)
		snprintf(cmd, sizeof(cmd), "/jitsu/%s,%s", strcmp(verb, "show") == 0 ? "service"
										     : verb, name);
	else {
		fprintf(stderr, "jitsuctl: %s\n%s", needs_name ? "give a service name" :
			"unknown command", jc_usage);
		return 2;
	}
	if (optind + (needs_name ? 2 : 1) < argc) {
		fprintf(stderr, "jitsuctl: too many arguments\n");
		return 2;
	}

	char *reply = malloc(JC_MAX_REPLY);
	if (reply == NULL || jc_query(prefix, cmd, reply, JC_MAX_REPLY) < 0) {
		free(reply);
		return 1;
	}
	char *v = jc_value(reply);
	int rc = 0;
	size_t n;
	if (v == NULL) {
		fprintf(stderr, "jitsuctl: %s: %s\n", verb,
			needs_name ? "no such service" : want != NULL ? "no such state" :
			"not available");
		rc = 1;
	} else if (strcmp(verb, "list") == 0) {
		/* page by page, each one query: every service, whatever their number */
		long next = jc_print_services(v);
		while (next > 0) {
			snprintf(cmd, sizeof(cmd), "/jitsu/services,%ld%s%s", next, want ? "," : "",
				 want ? want : "");
			if (jc_query(prefix, cmd, reply, JC_MAX_REPLY) < 0 ||
			    (v = jc_value(reply)) == NULL) {
				fprintf(stderr, "jitsuctl: list: the gateway went away midway\n");
				rc = 1;
				break;
			}
			next = jc_print_services(v);
		}
	} else if (strcmp(verb, "summon") == 0 || strcmp(verb, "stop") == 0 ||
		   strcmp(verb, "reload") == 0) {
		const char *result = jc_string(v, "result", &n);
		rc = result != NULL && n == 2 && memcmp(result, "ok", 2) == 0 ? 0 : 1;
		const char *m = jc_string(v, "message", &n);
		if (m != NULL)
			fprintf(rc ? stderr : stdout, "%s%.*s\n", rc ? "jitsuctl: " : "", (int)n, m);
	} else {
		printf("%s\n", v);
	}
	free(reply);
	return rc;
}

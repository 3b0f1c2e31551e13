/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the libxl backend's translation (control/backend/xlcfg.c): xl files
 * written to temporary files, and Jitsu's kernel=,memory= form, turned into
 * a libxl_domain_config; every refused key and bad value, with the file and
 * line in its message; the dom0 check. No Xen, no libxl_ctx, no EAL.
 *
 * The fixture T holds the domain configuration (init in setup(), disposed in
 * teardown(), also when an assertion fails half-way), a kernel and a ramdisk
 * (temporary files: the translation checks that they can be read) and the
 * xl file of the test.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <libxl.h>
#include <libxl_utils.h>

#include "../../control/backend/xlcfg.h"
#include "helpers.h"

#define SVC_MAC { { 0x02, 0x4a, 0x00, 0x00, 0x01, 0x0a } }

static struct {
	libxl_domain_config dc;
	struct ctl_xl_input in;
	char *kernel;
	char *ramdisk;
	char *path;     /* the xl file */
	char msg[512];
	char want[1024];
} T;

static void
setup(void)
{
	memset(&T, 0, sizeof(T));
	libxl_domain_config_init(&T.dc);
	T.kernel = th_tmpfile("not really a kernel\n");
	T.ramdisk = th_tmpfile("not really an initrd\n");
	cr_assert(T.kernel != NULL && T.ramdisk != NULL, "temporary files");
	T.in = (struct ctl_xl_input){
		.name = "www",
		.mac = SVC_MAC,
		.address = th_ip("10.77.1.10"),
		.bridge = "jitsu0",
	};
}

static void
teardown(void)
{
	libxl_domain_config_dispose(&T.dc);
	th_tmpfile_free(T.kernel);
	th_tmpfile_free(T.ramdisk);
	th_tmpfile_free(T.path);
	memset(&T, 0, sizeof(T));
}

/* A fresh domain configuration for the next translation of a test. */
static void
reset_dc(void)
{
	libxl_domain_config_dispose(&T.dc);
	libxl_domain_config_init(&T.dc);
	T.msg[0] = '\0';
}

/* Translate an xl file made of the formatted text. */
static int __attribute__((format(printf, 1, 2)))
xl(const char *fmt, ...)
{
	char *text = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	cr_assert(n >= 0, "vasprintf");
	th_tmpfile_free(T.path);
	T.path = th_tmpfile(text);
	free(text);
	cr_assert_not_null(T.path, "temporary xl file");
	reset_dc();
	T.in.xl = T.path;
	return ctl_xl_translate(&T.in, &T.dc, T.msg, sizeof(T.msg));
}

/* The message starts with @p prefix. */
static void
expect_prefix(int rc, int want_rc, const char *prefix)
{
	cr_assert_eq(rc, want_rc, "rc %d, expected %d (%s)", rc, want_rc, T.msg);
	cr_assert(strncmp(T.msg, prefix, strlen(prefix)) == 0, "message '%s' does not start "
		  "with '%s'", T.msg, prefix);
}

/* The message is "PATH" (the test's xl file) followed by the formatted text, and
 * more. (Formatted here, after the translation made the file.) */
static void __attribute__((format(printf, 3, 4)))
expect_at(int rc, int want_rc, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(T.want, sizeof(T.want), "%s", T.path);

	va_start(ap, fmt);
	vsnprintf(T.want + n, sizeof(T.want) - (size_t)n, fmt, ap);
	va_end(ap);
	expect_prefix(rc, want_rc, T.want);
}

static void
expect_has(const char *part)
{
	cr_assert_not_null(strstr(T.msg, part), "message '%s' lacks '%s'", T.msg, part);
}

static void
expect_ok(int rc)
{
	cr_assert_eq(rc, 0, "rc %d: %s", rc, T.msg);
	cr_assert_str_empty(T.msg);
}

/* The one vif jitsu imposes. */
static void
expect_service_vif(void)
{
	static const uint8_t mac[6] = { 0x02, 0x4a, 0x00, 0x00, 0x01, 0x0a };
	const libxl_device_nic *nic = &T.dc.nics[0];

	cr_assert_eq(T.dc.num_nics, 1);
	cr_assert_eq(memcmp(nic->mac, mac, 6), 0, "the service's MAC");
	cr_assert_str_eq(nic->bridge, "jitsu0");
	cr_assert_str_eq(nic->ip, "10.77.1.10");
	cr_assert_eq(nic->devid, 0);
}

static void
expect_vcpus(int online, int max)
{
	const libxl_bitmap *m = &T.dc.b_info.avail_vcpus;

	cr_assert_eq(T.dc.b_info.max_vcpus, max);
	cr_assert_geq((int)m->size * 8, max, "the bitmap covers maxvcpus");
	cr_assert_eq(libxl_bitmap_count_set(m), online);
	for (int i = 0; i < online; i++)
		cr_assert(libxl_bitmap_test(m, i), "vcpu %d online", i);
}

TestSuite(xl, .init = setup, .fini = teardown);

/* ---- what a file says is what the configuration carries ----------------- */

Test(xl, every_supported_key)
{
	libxl_uuid u;

	expect_ok(xl("# a Mirage unikernel\n"
		     "name = \"www-dom\"\n"
		     "type = \"pvh\"\n"
		     "kernel = \"%s\"\n"
		     "ramdisk = '%s'\n"
		     "root = \"/dev/xvda1\"\n"
		     "extra = \"console=hvc0\"\n"
		     "extra += \" quiet\"\n"
		     "memory = 64\n"
		     "maxmem = 128\n"
		     "vcpus = 2\n"
		     "maxvcpus = 4\n"
		     "tsc_mode = \"native\"\n"
		     "vif = [ 'mac=02:4a:00:00:01:0a, bridge=jitsu0, ip=10.77.1.10, "
		     "vifname=vif-www, rate=10Mb/s' ]\n"
		     "disk = [ '/srv/www.img,raw,xvda,rw',\n"
		     "         'format=qcow2, vdev=xvdb, access=ro, target=/srv/data.qcow2' ]\n"
		     "on_poweroff = \"preserve\"\n"
		     "on_reboot = \"destroy\"\n"
		     "on_crash = \"coredump-destroy\"\n"
		     "uuid = \"6f1a8c3e-0d2b-4c1e-9a55-1b2c3d4e5f60\"\n",
		     T.kernel, T.ramdisk));

	cr_assert_str_eq(T.dc.c_info.name, "www-dom");
	cr_assert_eq(T.dc.c_info.type, LIBXL_DOMAIN_TYPE_PVH);
	cr_assert_eq(T.dc.b_info.type, LIBXL_DOMAIN_TYPE_PVH);
	cr_assert_str_eq(T.dc.b_info.kernel, T.kernel);
	cr_assert_str_eq(T.dc.b_info.ramdisk, T.ramdisk);
	cr_assert_str_eq(T.dc.b_info.cmdline, "root=/dev/xvda1 console=hvc0 quiet");
	cr_assert_eq(T.dc.b_info.target_memkb, 64 * 1024);
	cr_assert_eq(T.dc.b_info.max_memkb, 128 * 1024);
	expect_vcpus(2, 4);
	cr_assert_eq(T.dc.b_info.tsc_mode, LIBXL_TSC_MODE_NATIVE);

	expect_service_vif();
	cr_assert_str_eq(T.dc.nics[0].ifname, "vif-www");
	cr_assert_eq(T.dc.nics[0].rate_bytes_per_interval, 62500, "10Mb/s in 50 ms slices");
	cr_assert_eq(T.dc.nics[0].rate_interval_usecs, 50000);

	cr_assert_eq(T.dc.num_disks, 2);
	cr_assert_str_eq(T.dc.disks[0].pdev_path, "/srv/www.img");
	cr_assert_str_eq(T.dc.disks[0].vdev, "xvda");
	cr_assert_eq(T.dc.disks[0].format, LIBXL_DISK_FORMAT_RAW);
	cr_assert_eq(T.dc.disks[0].readwrite, 1);
	cr_assert_str_eq(T.dc.disks[1].pdev_path, "/srv/data.qcow2");
	cr_assert_str_eq(T.dc.disks[1].vdev, "xvdb");
	cr_assert_eq(T.dc.disks[1].format, LIBXL_DISK_FORMAT_QCOW2);
	cr_assert_eq(T.dc.disks[1].readwrite, 0);

	cr_assert_eq(T.dc.on_poweroff, LIBXL_ACTION_ON_SHUTDOWN_PRESERVE);
	cr_assert_eq(T.dc.on_reboot, LIBXL_ACTION_ON_SHUTDOWN_DESTROY);
	cr_assert_eq(T.dc.on_crash, LIBXL_ACTION_ON_SHUTDOWN_COREDUMP_DESTROY);
	cr_assert_eq(libxl_uuid_from_string(&u, "6f1a8c3e-0d2b-4c1e-9a55-1b2c3d4e5f60"), 0);
	cr_assert_eq(libxl_uuid_compare(&u, &T.dc.c_info.uuid), 0);
}

Test(xl, a_kernel_alone_gets_xl_defaults_and_the_service_vif)
{
	expect_ok(xl("kernel = \"%s\"\n", T.kernel));

	cr_assert_str_eq(T.dc.c_info.name, "www", "the service's name");
#if !defined(__arm__) && !defined(__aarch64__)
	cr_assert_eq(T.dc.c_info.type, LIBXL_DOMAIN_TYPE_PV, "xl's default on x86");
	cr_assert_eq(T.dc.b_info.type, LIBXL_DOMAIN_TYPE_PV);
#endif
	cr_assert_null(T.dc.b_info.ramdisk);
	cr_assert_null(T.dc.b_info.cmdline);
	cr_assert_eq(T.dc.b_info.target_memkb, LIBXL_MEMKB_DEFAULT, "libxl's default");
	cr_assert_eq(T.dc.b_info.max_memkb, LIBXL_MEMKB_DEFAULT);
	expect_vcpus(1, 1);
	cr_assert_eq(T.dc.b_info.tsc_mode, LIBXL_TSC_MODE_DEFAULT);
	expect_service_vif();
	cr_assert_null(T.dc.nics[0].ifname);
	cr_assert_eq(T.dc.num_disks, 0);
	cr_assert_eq(T.dc.on_poweroff, LIBXL_ACTION_ON_SHUTDOWN_DESTROY);
	cr_assert_eq(T.dc.on_reboot, LIBXL_ACTION_ON_SHUTDOWN_RESTART);
	cr_assert_eq(T.dc.on_crash, LIBXL_ACTION_ON_SHUTDOWN_DESTROY);
	cr_assert_not(libxl_uuid_is_nil(&T.dc.c_info.uuid), "a UUID is generated");
}

Test(xl, memory_alone_is_also_the_maximum_and_maxmem_alone_leaves_the_target)
{
	expect_ok(xl("kernel = \"%s\"\nmemory = 0x20\n", T.kernel));
	cr_assert_eq(T.dc.b_info.target_memkb, 32 * 1024, "numbers as xl reads them");
	cr_assert_eq(T.dc.b_info.max_memkb, 32 * 1024);

	expect_ok(xl("kernel = \"%s\"\nmaxmem = 256\n", T.kernel));
	cr_assert_eq(T.dc.b_info.target_memkb, LIBXL_MEMKB_DEFAULT);
	cr_assert_eq(T.dc.b_info.max_memkb, 256 * 1024);

	expect_ok(xl("kernel = \"%s\"\nmaxvcpus = 3\n", T.kernel));
	expect_vcpus(1, 3);
	expect_ok(xl("kernel = \"%s\"\nvcpus = 3\n", T.kernel));
	expect_vcpus(3, 3);
}

Test(xl, command_line_as_xl_composes_it)
{
	expect_ok(xl("kernel = \"%s\"\ncmdline = \"a=1 b\"\n", T.kernel));
	cr_assert_str_eq(T.dc.b_info.cmdline, "a=1 b");
	expect_ok(xl("kernel = \"%s\"\nroot = \"/dev/xvda\"\n", T.kernel));
	cr_assert_str_eq(T.dc.b_info.cmdline, "root=/dev/xvda");
	expect_ok(xl("kernel = \"%s\"\nextra = \"--ipv4=10.77.1.10/24\"\n", T.kernel));
	cr_assert_str_eq(T.dc.b_info.cmdline, "--ipv4=10.77.1.10/24");
	expect_ok(xl("kernel = \"%s\"\ncmdline = \"\"\n", T.kernel));
	cr_assert_str_eq(T.dc.b_info.cmdline, "");
}

Test(xl, type_pv_and_the_old_builder_generic)
{
	expect_ok(xl("kernel = \"%s\"\ntype = \"pv\"\n", T.kernel));
	cr_assert_eq(T.dc.c_info.type, LIBXL_DOMAIN_TYPE_PV);
	expect_ok(xl("builder = \"generic\"\nkernel = \"%s\"\n", T.kernel));
	cr_assert_eq(T.dc.c_info.type, LIBXL_DOMAIN_TYPE_PV);
	cr_assert_eq(T.dc.b_info.type, LIBXL_DOMAIN_TYPE_PV);
	expect_ok(xl("builder = \"generic\"\ntype = \"pv\"\nkernel = \"%s\"\n", T.kernel));
	cr_assert_eq(T.dc.c_info.type, LIBXL_DOMAIN_TYPE_PV);

	expect_at(xl("type = \"pvh\"\nbuilder = \"generic\"\nkernel = \"%s\"\n", T.kernel),
		  -EINVAL, ":2: builder: 'generic' (pv) contradicts type = \"pvh\" (line 1)");
	expect_at(xl("builder = \"hvm\"\nkernel = \"%s\"\n", T.kernel), -EINVAL,
		  ":1: builder: 'hvm' is not supported");
}

Test(xl, syntax_that_the_key_scanner_must_not_trip_on)
{
	/* comments, ';', strings with '#', ';', '=' and escaped quotes, lists over
	 * several lines with comments inside, += on lists */
	expect_ok(xl("# bootloader = \"pygrub\" is not read: a comment\n"
		     "\n"
		     "kernel = \"%s\" # the image; pci = [ ]\n"
		     "memory = 64; vcpus = 2;\n"
		     "  cmdline = 'a=\"x;y\" # b \\' c'\n"
		     "disk = [ # cpus = 3\n"
		     "  \"/srv/a.img,raw,xvda,rw\",\n"
		     "\n"
		     "  # vnc = 1\n"
		     "  \"/srv/b.img,raw,xvdb,rw\", ]\n"
		     "disk += [ \"/srv/c.img,raw,xvdc,r\" ]\n"
		     "name=\"x.y_z-1\"\n",
		     T.kernel));
	cr_assert_str_eq(T.dc.b_info.cmdline, "a=\"x;y\" # b ' c");
	cr_assert_eq(T.dc.b_info.target_memkb, 64 * 1024);
	expect_vcpus(2, 2);
	cr_assert_eq(T.dc.num_disks, 3);
	cr_assert_str_eq(T.dc.disks[2].vdev, "xvdc");
	cr_assert_str_eq(T.dc.c_info.name, "x.y_z-1");

	/* and a key after a list still has its line */
	expect_at(xl("kernel = \"%s\"\ndisk = [\n  \"/a,raw,xvda,rw\"\n]\nbootloader = \"x\"\n",
		     T.kernel), -EINVAL, ":5: bootloader: not supported");
}

Test(xl, empty_vif_list_or_entry_is_the_service_vif)
{
	expect_ok(xl("kernel = \"%s\"\nvif = [ ]\n", T.kernel));
	expect_service_vif();
	expect_ok(xl("kernel = \"%s\"\nvif = [ '' ]\n", T.kernel));
	expect_service_vif();
	expect_at(xl("kernel = \"%s\"\nvif = [ 'MAC=02:4a:00:00:01:0a' ]\n", T.kernel),
		  -EINVAL, ":2: vif: 'MAC' is not supported");
}

/* ---- Jitsu's kernel=,memory= form --------------------------------------- */

Test(xl, command_line_form_without_a_file)
{
	T.in.kernel = T.kernel;
	T.in.memory = 65536;
	expect_ok(ctl_xl_translate(&T.in, &T.dc, T.msg, sizeof(T.msg)));

	cr_assert_str_eq(T.dc.c_info.name, "www");
	cr_assert_str_eq(T.dc.b_info.kernel, T.kernel);
	cr_assert_null(T.dc.b_info.cmdline);
	cr_assert_eq(T.dc.b_info.target_memkb, 65536, "KiB as given");
	cr_assert_eq(T.dc.b_info.max_memkb, 65536);
	expect_vcpus(1, 1);
	expect_service_vif();
	cr_assert_eq(T.dc.num_disks, 0);
	cr_assert_eq(T.dc.on_reboot, LIBXL_ACTION_ON_SHUTDOWN_RESTART);
	cr_assert_not(libxl_uuid_is_nil(&T.dc.c_info.uuid));
}

Test(xl, command_line_form_errors_name_the_service)
{
	T.in.memory = 65536;
	expect_prefix(ctl_xl_translate(&T.in, &T.dc, T.msg, sizeof(T.msg)), -EINVAL,
		      "service www: kernel: not given");

	reset_dc();
	T.in.origin = "--service #2";
	T.in.kernel = "/nonexistent/jitsu/kernel";
	expect_prefix(ctl_xl_translate(&T.in, &T.dc, T.msg, sizeof(T.msg)), -ENOENT,
		      "--service #2: kernel: /nonexistent/jitsu/kernel: No such file or directory");

	/* with a file, the file says which kernel and how much memory */
	T.in.kernel = T.kernel;
	expect_at(xl("kernel = \"%s\"\n", T.kernel), -EINVAL, ": kernel: the service also "
							       "names a kernel");
	T.in.kernel = NULL;
	expect_at(xl("kernel = \"%s\"\n", T.kernel), -EINVAL, ": memory: the service also "
							       "gives memory");
}

/* ---- refused ------------------------------------------------------------ */

Test(xl, every_other_key_is_refused_with_its_line)
{
	static const char *const other[] = {
		"bootloader = \"pygrub\"", "pci = [ \"01:00.0\" ]", "cpus = \"0-3\"",
		"vfb = [ \"vnc=1\" ]", "on_watchdog = \"destroy\"", "serial = \"pty\"",
		"device_model_version = \"qemu-xen\"", "seclabel = \"a:b:c\"",
		"vcpu.weight = 3", "nomigrate = 1", "channel = [ \"name=x\" ]",
	};

	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		char key[64];

		snprintf(key, sizeof(key), "%.*s", (int)strcspn(other[i], " "), other[i]);
		expect_at(xl("kernel = \"%s\"\nmemory = 64\n%s\nvcpus = 1\n", T.kernel,
				 other[i]),
			      -EINVAL, ":3: %s: not supported by jitsu's libxl backend (it "
					  "takes name, type, ", key);
		expect_has("on_crash, uuid)");
	}
}

Test(xl, a_key_given_twice_and_plus_equal_on_numbers)
{
	expect_at(xl("kernel = \"%s\"\nmemory = 64\nname = \"a\"\nmemory = 128\n", T.kernel),
		  -EINVAL, ":4: memory: given twice (also at line 2;");
	expect_at(xl("kernel = \"%s\"\ncmdline += \"a\"\ncmdline = \"b\"\n", T.kernel),
		  -EINVAL, ":3: cmdline: given twice (also at line 2;");
	expect_at(xl("kernel = \"%s\"\nvcpus += 2\n", T.kernel), -EINVAL,
		  ":2: vcpus: += does not apply to a number");
}

Test(xl, bad_values_name_file_line_and_key)
{
	expect_at(xl("kernel = \"%s\"\nmemory = \"abc\"\n", T.kernel), -EINVAL,
		  ":2: memory: 'abc' is not a number of MiB");
	expect_at(xl("kernel = \"%s\"\n\nmemory = 0\n", T.kernel), -EINVAL,
		  ":3: memory: 0 is out of range (1..16777216 MiB)");
	expect_at(xl("kernel = \"%s\"\nmemory = 99999999999999999999\n", T.kernel), -EINVAL,
		  ":2: memory: '99999999999999999999' is out of range");
	expect_at(xl("kernel = \"%s\"\nmemory = [ \"64\" ]\n", T.kernel), -EINVAL,
		  ":2: memory: must be a single value, not a list");
	expect_at(xl("kernel = \"%s\"\nmemory = 128\nmaxmem = 64\n", T.kernel), -EINVAL,
		  ":3: maxmem: 64 MiB is less than memory (128 MiB)");
	expect_at(xl("vcpus = 0\nkernel = \"%s\"\n", T.kernel), -EINVAL,
		  ":1: vcpus: 0 is out of range (1..4096)");
	expect_at(xl("kernel = \"%s\"\nvcpus = 5000\n", T.kernel), -EINVAL,
		  ":2: vcpus: 5000 is out of range (1..4096)");
	expect_at(xl("kernel = \"%s\"\nvcpus = 4\nmaxvcpus = 2\n", T.kernel), -EINVAL,
		  ":3: maxvcpus: 2 is less than vcpus (4)");
	expect_at(xl("kernel = \"%s\"\ntype = \"hvm\"\n", T.kernel), -EINVAL,
		  ":2: type: 'hvm' is not supported: a service boots its kernel directly");
	expect_at(xl("kernel = \"%s\"\ntype = \"pvhx\"\n", T.kernel), -EINVAL,
		  ":2: type: 'pvhx' is not one of pv, pvh");
	expect_at(xl("kernel = \"%s\"\non_crash = \"explode\"\n", T.kernel), -EINVAL,
		  ":2: on_crash: 'explode' is not one of destroy, restart");
	expect_at(xl("kernel = \"%s\"\non_reboot = \"rename-restart\"\n", T.kernel), -EINVAL,
		  ":2: on_reboot: 'rename-restart' is not one of destroy, restart, preserve, "
		  "coredump-destroy, coredump-restart (what jitsu's libxl backend does)");
	expect_at(xl("kernel = \"%s\"\non_crash = \"soft-reset\"\n", T.kernel), -EINVAL,
		  ":2: on_crash: 'soft-reset' is not one of");
	expect_at(xl("kernel = \"%s\"\ntsc_mode = \"2\"\n", T.kernel), -EINVAL,
		  ":2: tsc_mode: '2' is not one of default, always_emulate, native, "
		  "native_paravirt");
	expect_at(xl("kernel = \"%s\"\ntsc_mode = \"NATIVE\"\n", T.kernel), -EINVAL,
		  ":2: tsc_mode: 'NATIVE' is not one of");
	expect_at(xl("kernel = \"%s\"\nuuid = \"not-a-uuid\"\n", T.kernel), -EINVAL,
		  ":2: uuid: 'not-a-uuid' is not a UUID");
	expect_at(xl("kernel = \"%s\"\nname = \"my vm\"\n", T.kernel), -EINVAL,
		  ":2: name: 'my vm' is not a domain name");
	expect_at(xl("kernel = \"%s\"\nname = \"\"\n", T.kernel), -EINVAL,
		  ":2: name: must not be empty");
	expect_at(xl("kernel = \"%s\"\ncmdline = \"a\"\nextra = \"b\"\n", T.kernel), -EINVAL,
		  ":3: extra: cannot be combined with cmdline (line 2)");
	expect_at(xl("root = \"/dev/xvda\"\nkernel = \"%s\"\ncmdline = \"a\"\n", T.kernel),
		  -EINVAL, ":1: root: cannot be combined with cmdline (line 3)");
	expect_at(xl("kernel = [ \"%s\" ]\n", T.kernel), -EINVAL,
		  ":1: kernel: must be a single value, not a list");
}

Test(xl, kernel_missing_or_unreadable)
{
	expect_at(xl("memory = 64\n"), -EINVAL,
		  ": kernel: not given: a service boots its kernel directly");
	expect_at(xl("memory = 64\nkernel = \"/nonexistent/jitsu/vmlinuz\"\n"), -ENOENT,
		  ":2: kernel: /nonexistent/jitsu/vmlinuz: No such file or directory");
	expect_at(xl("kernel = \"%s\"\nramdisk = \"/nonexistent/initrd\"\n", T.kernel),
		  -ENOENT, ":2: ramdisk: /nonexistent/initrd: No such file or directory");
	expect_at(xl("%s", ""), -EINVAL, ": kernel: not given");
}

Test(xl, vif_that_is_not_the_service_s)
{
	expect_at(xl("kernel = \"%s\"\nvif = [ 'mac=00:16:3e:00:00:01' ]\n", T.kernel),
		  -EINVAL, ":2: vif: mac: 00:16:3e:00:00:01 is not the service's MAC "
			      "02:4A:00:00:01:0A");
	expect_at(xl("kernel = \"%s\"\nvif = [ 'bridge=xenbr0' ]\n", T.kernel), -EINVAL,
		  ":2: vif: bridge: 'xenbr0' is not the gateway's bridge jitsu0");
	expect_at(xl("kernel = \"%s\"\nvif = [ 'ip=10.77.1.11' ]\n", T.kernel), -EINVAL,
		  ":2: vif: ip: '10.77.1.11' is not the service's address 10.77.1.10");
	expect_at(xl("kernel = \"%s\"\nvif = [ 'mac=02:4a:00:00:01' ]\n", T.kernel), -EINVAL,
		  ":2: vif: mac: '02:4a:00:00:01' is not a MAC address");
	expect_at(xl("kernel = \"%s\"\nvif = [ 'script=vif-nat' ]\n", T.kernel), -EINVAL,
		  ":2: vif: 'script' is not supported (jitsu takes mac, bridge, ip, "
		     "vifname, rate)");
	expect_at(xl("kernel = \"%s\"\nvif = [ 'bridge' ]\n", T.kernel), -EINVAL,
		  ":2: vif: 'bridge' is not key=value");
	expect_at(xl("kernel = \"%s\"\nvif = [ 'rate=fast' ]\n", T.kernel), -EINVAL,
		  ":2: vif: rate: invalid rate in `fast'");
	expect_at(xl("kernel = \"%s\"\nvif = [ 'vifname=a/b' ]\n", T.kernel), -EINVAL,
		  ":2: vif: vifname: 'a/b' is not an interface name");
	expect_at(xl("kernel = \"%s\"\nvif = [ '', '' ]\n", T.kernel), -EINVAL,
		  ":2: vif: 2 vifs: jitsu gives a service exactly one");
	expect_at(xl("kernel = \"%s\"\nvif = 'mac=02:4a:00:00:01:0a'\n", T.kernel), -EINVAL,
		  ":2: vif: must be a list");
	expect_at(xl("kernel = \"%s\"\nvif = [ [ 'a' ] ]\n", T.kernel), -EINVAL,
		  ":2: vif: its entry is a list, not a string");

	/* the service's own values (any case, any spacing) are fine */
	expect_ok(xl("kernel = \"%s\"\n"
		     "vif = [ ' mac = 02:4A:00:00:01:0A ,bridge=jitsu0,,ip=10.77.1.10' ]\n",
		     T.kernel));
	expect_service_vif();
}

Test(xl, bad_disks)
{
	expect_at(xl("kernel = \"%s\"\ndisk = [ '/a,raw,xvda,rw', '/b,qcow3,xvdb,rw' ]\n",
		     T.kernel), -EINVAL,
		  ":2: disk: entry 2: unknown value for format: near `qcow3'");
	expect_at(xl("kernel = \"%s\"\ndisk = [ 'target=/a' ]\n", T.kernel), -EINVAL,
		  ":2: disk: entry 1: no vdev specified");
	expect_at(xl("kernel = \"%s\"\ndisk = [ 'vdev=xvda' ]\n", T.kernel), -EINVAL,
		  ":2: disk: entry 1: no target specified");
	expect_at(xl("kernel = \"%s\"\ndisk = [ '/a,raw,xvda,r,devtype=cdrom' ]\n",
		     T.kernel), -EINVAL,
		  ":2: disk: entry 1 ('/a,raw,xvda,r,devtype=cdrom'): a CD-ROM needs");
	expect_at(xl("kernel = \"%s\"\ndisk = [ '/a,raw,xvda,rw', '/b,raw,xvda,rw' ]\n",
		     T.kernel), -EINVAL,
		  ":2: disk: entry 2: vdev xvda is already entry 1's");
	expect_at(xl("kernel = \"%s\"\ndisk = '/a,raw,xvda,rw'\n", T.kernel), -EINVAL,
		  ":2: disk: must be a list");
}

/* ---- the file itself ---------------------------------------------------- */

Test(xl, missing_file_and_not_a_file)
{
	T.in.xl = "/nonexistent/jitsu/www.xl";
	expect_prefix(ctl_xl_translate(&T.in, &T.dc, T.msg, sizeof(T.msg)), -ENOENT,
		      "/nonexistent/jitsu/www.xl: cannot open the xl file: No such file or "
		      "directory");
	reset_dc();
	T.in.xl = "/tmp";
	expect_prefix(ctl_xl_translate(&T.in, &T.dc, T.msg, sizeof(T.msg)), -EINVAL,
		      "/tmp: not a regular file");
}

Test(xl, syntax_errors_name_file_and_line)
{
	expect_at(xl("name = \"a\"\nmemory = 3 4\n"), -EINVAL,
		  ":2: config parsing error near `4'");
	expect_at(xl("name = \"a\"\n\nMemory = 64\n"), -EINVAL,
		  ":3: config parsing error near `Memory'");
	/* libxlutil says line 1 here; the value is missing on line 2 */
	expect_at(xl("name = \"a\"\nmemory =\nvcpus = 1\n"), -EINVAL,
		  ":2: config parsing error near <newline>");
	expect_at(xl("kernel\n= \"x\"\n"), -EINVAL, ":1: config parsing error near "
							"<newline>");
	expect_at(xl("name = \"unterminated\nvcpus = 1\n"), -EINVAL,
		  ":1: config parsing error");
	expect_at(xl("memory = 1.5\n"), -EINVAL, ":1: config parsing error near `.5'");
	/* a Windows line end is a lexical error in libxlutil */
	expect_at(xl("memory = 64\r\n"), -EINVAL, ":1: config parsing error");
}

/* ---- the input ---------------------------------------------------------- */

Test(xl, the_service_must_have_a_name_a_mac_and_a_bridge)
{
	T.in.kernel = T.kernel;
	T.in.name = NULL;
	expect_prefix(ctl_xl_translate(&T.in, &T.dc, T.msg, sizeof(T.msg)), -EINVAL,
		      "service ?: name: ");
	T.in.name = "www";

	reset_dc();
	memset(&T.in.mac, 0, sizeof(T.in.mac));
	expect_prefix(ctl_xl_translate(&T.in, &T.dc, T.msg, sizeof(T.msg)), -EINVAL,
		      "service www: mac: the service has no unicast MAC");
	reset_dc();
	T.in.mac.addr_bytes[0] = 0x01; /* multicast */
	expect_prefix(ctl_xl_translate(&T.in, &T.dc, T.msg, sizeof(T.msg)), -EINVAL,
		      "service www: mac: ");
	T.in.mac = (struct rte_ether_addr)SVC_MAC;

	reset_dc();
	T.in.bridge = "";
	expect_prefix(ctl_xl_translate(&T.in, &T.dc, T.msg, sizeof(T.msg)), -EINVAL,
		      "service www: bridge: ");
	reset_dc();
	T.in.bridge = "a-bridge-name-too-long";
	expect_prefix(ctl_xl_translate(&T.in, &T.dc, T.msg, sizeof(T.msg)), -EINVAL,
		      "service www: bridge: ");
	T.in.bridge = "jitsu0";

	/* no address: no ip on the vif, and a vif that names one is refused */
	reset_dc();
	T.in.address = 0;
	expect_ok(ctl_xl_translate(&T.in, &T.dc, T.msg, sizeof(T.msg)));
	cr_assert_null(T.dc.nics[0].ip);
	T.in.kernel = NULL;
	expect_at(xl("kernel = \"%s\"\nvif = [ 'ip=10.77.1.10' ]\n", T.kernel), -EINVAL,
		  ":2: vif: ip: the service has no address");

	reset_dc();
	cr_assert_eq(ctl_xl_translate(NULL, &T.dc, T.msg, sizeof(T.msg)), -EINVAL);
	cr_assert_eq(ctl_xl_translate(&T.in, NULL, NULL, 0), -EINVAL);
}

Test(xl, no_message_buffer_is_fine)
{
	T.path = th_tmpfile("memory = abc\n");
	T.in.xl = T.path;
	cr_assert_eq(ctl_xl_translate(&T.in, &T.dc, NULL, 0), -EINVAL);
	reset_dc();
	char tiny[8];
	cr_assert_eq(ctl_xl_translate(&T.in, &T.dc, tiny, sizeof(tiny)), -EINVAL);
	cr_assert_eq(strlen(tiny), sizeof(tiny) - 1, "truncated, terminated");
}

/* ---- dom0 or not -------------------------------------------------------- */

static int
is_dom0(void)
{
	char caps[256] = "";
	FILE *f = fopen("/proc/xen/capabilities", "r");

	if (f == NULL)
		return 0;
	size_t n = fread(caps, 1, sizeof(caps) - 1, f);
	fclose(f);
	caps[n] = '\0';
	return strstr(caps, "control_d") != NULL;
}

Test(xl, this_machine_is_not_a_dom0)
{
	const char *why = ctl_xl_available();

	if (is_dom0()) {
		cr_assert_null(why);
		cr_skip_test("this machine is a Xen dom0");
	}
	cr_assert_not_null(why);
	cr_assert(strncmp(why, "Xen is not available: ", 22) == 0, "'%s'", why);
	if (access("/proc/xen", F_OK) != 0)
		cr_assert_str_eq(why, "Xen is not available: /proc/xen does not exist (not "
				 "running under Xen)");
}

Test(xl, dom0_guest_and_no_xenfs)
{
	char dir[] = "/tmp/jitsu-procxen-XXXXXX", sub[64], caps[96];
	const char *why;
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/none", dir);
	snprintf(caps, sizeof(caps), "%s/capabilities", dir);

	why = ctl_xl_available_in(sub);
	cr_assert_not_null(why);
	cr_assert_not_null(strstr(why, "does not exist (not running under Xen)"), "'%s'", why);

	why = ctl_xl_available_in(dir);
	cr_assert_not_null(why);
	cr_assert_not_null(strstr(why, "is xenfs mounted"), "'%s'", why);

	f = fopen(caps, "w");
	cr_assert_not_null(f);
	fclose(f);
	why = ctl_xl_available_in(dir);
	cr_assert_not_null(why);
	cr_assert_not_null(strstr(why, "a Xen guest, not dom0"), "'%s'", why);

	f = fopen(caps, "w");
	cr_assert_not_null(f);
	fputs("control_d\n", f);
	fclose(f);
	cr_assert_null(ctl_xl_available_in(dir));

	unlink(caps);
	rmdir(dir);
}

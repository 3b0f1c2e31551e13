#!/usr/bin/env bash
# A real Xen testbed without KVM: Debian's Xen 4.17 hypervisor and a Debian dom0
# booted in QEMU (TCG), the dom0's whole root filesystem an initramfs.
#
#   scripts/xen-testbed.sh build
#       installs the host packages it needs (scripts/install-deps.sh xen-testbed)
#       and builds, under $JITSU_XEN_DIR (build/xen):
#         xen.elf          the hypervisor, uncompressed (QEMU's multiboot -kernel)
#         vmlinuz          Debian's linux-image-amd64 kernel: dom0's and the guests'
#         vmlinux          the same, uncompressed (ELF): guests start faster
#         dom0.cpio        dom0's root filesystem (debootstrap minbase + Xen tools +
#                          the gateway's run-time libraries + modules), newc cpio
#         guest.cpio.gz    a PV guest's initramfs: busybox-static, xen-netfront,
#                          and an /init that serves HTTP, then writes
#                          data/jitsu-ready into xenstore (scripts/xen/guest-init.sh)
#       The downloaded .debs, xen.elf, vmlinuz and dom0.cpio are cached in
#       $JITSU_XEN_CACHE (build/xen/cache), keyed on the package versions apt
#       offers: a rebuild with nothing new takes seconds.
#
#   scripts/xen-testbed.sh run SCRIPT [FILE[=DEST]...]
#       boots Xen + dom0 in QEMU (no NIC: nothing leaves the VM) and, once the
#       Xen daemons are up, runs SCRIPT in dom0 as `/test/SCRIPT-NAME /test`, in
#       /test. Each FILE (a file or a directory) is put into
#       /test/ under its own name, or at DEST (absolute, or relative to /test).
#       The script's exit status (0..127) is this command's exit status; a
#       boot that never reports one is a failure (125), a timeout 124.
#       The serial console (Xen, dom0 kernel, the script's output) goes to
#       $JITSU_XEN_DIR/serial.log; the script's output is also shown here.
#
#   scripts/xen-testbed.sh check
#       build, then run every tests/xen/test_*.sh, each in a boot of its own,
#       with every other file of tests/xen/ and build/jitsu, build/jitsuctl (when
#       built) in /test/, and the repository's scripts/, tests/e2e/, conf/ and
#       both binaries under /test/repo/ (so the host's e2e tests run as they
#       are). Serial logs: $JITSU_XEN_DIR/serial-TEST.log. Ends with the line
#       "N passed, M failed"; exit 1 if any failed.
#
#   scripts/xen-testbed.sh clean        removes $JITSU_XEN_DIR but not the cache
#
# In dom0: /test/ (the script and its files), the guest kernel and initramfs at
# /opt/jitsu-xen/vmlinux (or vmlinuz) and /opt/jitsu-xen/guest.cpio.gz, also
# as /test/guest-vmlinuz (the uncompressed one) and /test/guest.cpio.gz, the
# test helpers of scripts/xen/lib.sh at /opt/jitsu-xen/lib.sh.
#
# Environment: JITSU_XEN_DIR, JITSU_XEN_CACHE, JITSU_XEN_TIMEOUT (seconds a boot
# may take, default 3600: only a hang reaches it, on a machine several times
# slower than the author's), JITSU_XEN_BOOT_TIMEOUT (seconds until the test must
# have started, default 600: a boot that hangs before it is made again, once),
# JITSU_XEN_TESTS (the tests/xen/test_*.sh that check runs, by name; default
# all), JITSU_XEN_E2E (the host's tests/e2e scripts test_jitsu_dom0.sh runs in dom0,
# default test_dns_e2e.sh), JITSU_XEN_MEM (MiB, default 2048), JITSU_XEN_SMP
# (default 2), JITSU_XEN_DOM0_MEM (MiB, default 1024), JITSU_XEN_CPU (QEMU's
# -cpu, default max,-xsave: see CPU below), JITSU_XEN_VERBOSE=1 (show
# the whole serial console), JITSU_XEN_MIRROR (debootstrap's mirror; default:
# the one apt uses for the release's main suite).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
BUILD=${JITSU_BUILD:-$repo/build}
XDIR=${JITSU_XEN_DIR:-$BUILD/xen}
CACHE=${JITSU_XEN_CACHE:-$XDIR/cache}
TIMEOUT=${JITSU_XEN_TIMEOUT:-3600}
MEM=${JITSU_XEN_MEM:-2048}
SMP=${JITSU_XEN_SMP:-2}
DOM0_MEM=${JITSU_XEN_DOM0_MEM:-1024}
# No XSAVE (so no AVX): with it, once a guest runs beside a busy dom0 (jitsu
# polling), dom0's processes die of corrupted registers (segfaults in sleep,
# awk, xl) under QEMU 7.2's TCG; with FXSAVE they do not.
CPU=${JITSU_XEN_CPU:-max,-xsave}
VERBOSE=${JITSU_XEN_VERBOSE:-0}
BOOT_TIMEOUT=${JITSU_XEN_BOOT_TIMEOUT:-600}

# Bump when the way dom0.cpio is made changes (it is part of the cache key).
RECIPE=5

# dom0's packages (beyond debootstrap's minbase). The vif hotplug scripts
# (/etc/xen/scripts/vif-bridge) need bash, ip, awk, flock, which: all there.
DOM0_PKGS=(
	xen-utils-4.17 xenstore-utils kmod busybox-static iproute2 procps
	curl bind9-dnsutils ethtool python3 gdb                # the tests' clients and tools
	libnl-route-3-200 libpcap0.8                       # the gateway's libraries
	librte-eal23 librte-ethdev23 librte-net23 librte-mbuf23 librte-mempool23
	librte-rcu23 librte-ring23 librte-telemetry23 librte-cfgfile23
	librte-kvargs23 librte-meter23
	librte-bus-vdev23 librte-mempool-ring23            # vdevs and their mempools
	librte-net-tap23 librte-net-af-packet23 librte-net-memif23 librte-net-ring23
	librte-net-null23 librte-net-pcap23
)
# dom0's modules (with what they depend on); the guest's are in guest.cpio.
DOM0_MODULES=(
	xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs xen-blkback xen-netback
	bridge tun veth
)
GUEST_MODULES=(xen-netfront)

die() { echo "xen-testbed: $*" >&2; exit 1; }
say() { echo "xen-testbed: $*"; }

usage() {
	sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
}

need_root() {
	[ "$(id -u)" -eq 0 ] || die "$1 needs root (debootstrap, chroot)"
}

# the release's codename, e.g. bookworm
codename() {
	local c
	# shellcheck disable=SC1091
	c=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	[ -n "$c" ] || die "no VERSION_CODENAME in /etc/os-release"
	echo "$c"
}

# The Debian archives apt uses, one "URI SUITE COMPONENT" a line, read from
# `apt-cache policy` (so only what apt really uses, only Debian's origin).
debian_archives() {
	apt-cache policy 2>/dev/null | awk '
		/^ *[0-9]+ [a-z]+:\/\/[^ ]+ [^ ]+\/[^ ]+ [^ ]+ Packages$/ {
			uri = $2; split($3, sc, "/"); suite = sc[1]; comp = sc[2]; next
		}
		/^ *release / && uri != "" {
			if ($0 ~ /o=Debian,/) print uri, suite, comp
			uri = ""
		}' | sort -u
}

mirror() {
	if [ -n "${JITSU_XEN_MIRROR:-}" ]; then
		echo "$JITSU_XEN_MIRROR"
		return
	fi
	local c m
	c=$(codename)
	m=$(debian_archives | awk -v s="$c" '$2 == s && $3 == "main" { print $1; exit }')
	[ -n "$m" ] || die "no Debian mirror for $c/main in apt's sources (run apt-get update, or set JITSU_XEN_MIRROR)"
	echo "$m"
}

# "pkg=version" for each package, as apt would install it now
candidates() {
	apt-cache policy "$@" 2>/dev/null | awk '
		/^[^ ].*:$/ { p = substr($0, 1, length($0) - 1) }
		/^  Candidate:/ { print p "=" $2 }'
}

kernel_pkg() {
	local k
	k=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
	[ -n "$k" ] || die "cannot resolve linux-image-amd64 (run apt-get update)"
	echo "$k"
}

# download a package's .deb into the cache (once); prints its path
fetch_deb() {
	local pkg=$1 ver=$2 f
	mkdir -p "$CACHE/debs"
	f=$(find "$CACHE/debs" -maxdepth 1 -name "${pkg}_*.deb" | while read -r d; do
		[ "$(dpkg-deb -f "$d" Version)" = "$ver" ] && echo "$d"
	done | head -n 1)
	if [ -z "$f" ]; then
		(cd "$CACHE/debs" && apt-get download -q -o APT::Sandbox::User=root "$pkg=$ver" >/dev/null) ||
			die "apt-get download $pkg=$ver failed"
		f=$(find "$CACHE/debs" -maxdepth 1 -name "${pkg}_*.deb" | while read -r d; do
			[ "$(dpkg-deb -f "$d" Version)" = "$ver" ] && echo "$d"
		done | head -n 1)
		[ -n "$f" ] || die "downloaded $pkg=$ver but cannot find its .deb"
	fi
	echo "$f"
}

ver_of() { # PKG: its candidate version
	local v
	v=$(candidates "$1" | cut -d= -f2-)
	if [ -z "$v" ] || [ "$v" = "(none)" ]; then
		die "apt offers no $1 (run apt-get update)"
	fi
	echo "$v"
}

# pack directory $1 (as root-owned) into newc cpio $2; its top is "/", mode
# 0755 (DPDK refuses to load plugins below a world-writable directory)
pack() {
	chmod 0755 "$1"
	(cd "$1" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc --quiet --owner 0:0 --reproducible) >"$2.tmp"
	mv "$2.tmp" "$2"
}

# copy the modules $3... and their dependencies from unpacked kernel $1 into root $2
copy_modules() {
	local k=$1 root=$2 kver m
	shift 2
	kver=$(ls "$k/lib/modules")
	[ -f "$k/lib/modules/$kver/modules.dep" ] || depmod -b "$k" "$kver"
	modprobe -d "$k" -S "$kver" --show-depends -a "$@" | awk '$1 == "insmod" { print $2 }' |
		while read -r m; do
			mkdir -p "$root/$(dirname "${m#"$k"}")"
			cp "$m" "$root/${m#"$k"}"
		done
	cp "$k/lib/modules/$kver"/modules.{order,builtin,builtin.modinfo} "$root/lib/modules/$kver/"
	depmod -b "$root" "$kver"
}

build_rootfs() { # KERNEL_DIR OUT.cpio
	local kdir=$1 out=$2 tmp root c m
	c=$(codename)
	m=$(mirror)
	tmp=$(mktemp -d "$CACHE/rootfs.XXXXXX")
	root=$tmp/root
	# shellcheck disable=SC2064
	trap "umount '$root/proc' 2>/dev/null || true; rm -rf '$tmp'" EXIT
	say "debootstrap --variant=minbase $c (from apt's mirror), then the Xen tools..."
	debootstrap --variant=minbase "$c" "$root" "$m" >"$tmp/debootstrap.log" 2>&1 ||
		{ tail -n 30 "$tmp/debootstrap.log" >&2; die "debootstrap failed (log above)"; }
	# the same Debian archives as the host's apt (security updates included),
	# so that dom0's libraries match what the host links against
	debian_archives | awk '{ print "deb", $1, $2, $3 }' >"$root/etc/apt/sources.list"
	cat >"$root/etc/dpkg/dpkg.cfg.d/01-jitsu-xen-nodoc" <<-'EOF'
		path-exclude=/usr/share/doc/*
		path-exclude=/usr/share/man/*
		path-exclude=/usr/share/info/*
		path-exclude=/usr/share/locale/*
		path-exclude=/usr/share/lintian/*
	EOF
	printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
	chmod +x "$root/usr/sbin/policy-rc.d"
	cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
	mount -t proc proc "$root/proc"
	chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C sh -c '
		apt-get update -qq &&
		apt-get install -y -qq --no-install-recommends "$@" &&
		apt-get clean' sh "${DOM0_PKGS[@]}" >"$tmp/apt.log" 2>&1 ||
		{ tail -n 30 "$tmp/apt.log" >&2; die "apt-get install in the dom0 root failed (log above)"; }
	# shellcheck disable=SC2016 # dpkg-query's format, not the shell's
	chroot "$root" dpkg-query -W -f='${Package} ${Version}\n' >"$tmp/packages.txt"
	umount "$root/proc"
	rm -f "$root/usr/sbin/policy-rc.d" "$root/etc/resolv.conf"
	rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/var/cache/debconf/*-old \
		"$root"/usr/share/doc "$root"/usr/share/man "$root"/usr/share/locale "$root"/var/log/* \
		"$root"/usr/lib/udev/hwdb.bin "$root"/usr/lib/udev/hwdb.d "$root"/usr/lib/xen-*/boot/xen-shim
	: >"$root/etc/resolv.conf"
	copy_modules "$kdir" "$root" "${DOM0_MODULES[@]}"
	# DPDK's telemetry client, without the rest of dpdk-dev (all of DPDK)
	local ddeb
	ddeb=$(fetch_deb dpdk-dev "$(ver_of dpdk-dev)")
	dpkg-deb --fsys-tarfile "$ddeb" | tar -xO ./usr/bin/dpdk-telemetry.py >"$root/usr/bin/dpdk-telemetry.py"
	chmod 0755 "$root/usr/bin/dpdk-telemetry.py"
	cp "$tmp/packages.txt" "$root/etc/jitsu-xen-packages.txt"
	pack "$root" "$out"
	cp "$tmp/packages.txt" "${out%.cpio}.packages"
	rm -rf "$tmp"
	trap - EXIT
}

cmd_build() {
	need_root build
	"$repo/scripts/install-deps.sh" xen-testbed
	mkdir -p "$XDIR" "$CACHE"
	exec 9>"$CACHE/.build.lock"
	flock 9
	local kpkg kver xver bver kdeb xdeb bdeb kdir key t0
	t0=$(date +%s)
	kpkg=$(kernel_pkg)
	kver=$(ver_of "$kpkg")
	xver=$(ver_of xen-hypervisor-4.17-amd64)
	bver=$(ver_of busybox-static)

	# hypervisor and kernel, from their .debs
	kdir=$CACHE/kernel-$kpkg-$kver
	if [ ! -f "$kdir/vmlinux" ]; then
		rm -rf "$kdir"
		kdeb=$(fetch_deb "$kpkg" "$kver")
		rm -rf "$kdir.tmp" && mkdir -p "$kdir.tmp"
		dpkg-deb -x "$kdeb" "$kdir.tmp"
		depmod -b "$kdir.tmp" "$(ls "$kdir.tmp/lib/modules")"
		# the same kernel as an uncompressed ELF: libxl's domain builder then
		# has no xz to undo, which takes it ~6 s under emulation
		python3 - "$kdir.tmp"/boot/vmlinuz-* "$kdir.tmp/vmlinux" <<-'EOF'
			import lzma, sys
			img = open(sys.argv[1], "rb").read()
			at = img.find(b"\xfd7zXZ\x00")
			if at < 0:
			    sys.exit("no xz payload in " + sys.argv[1])
			elf = lzma.LZMADecompressor().decompress(img[at:])
			if elf[:4] != b"\x7fELF":
			    sys.exit("the xz payload of " + sys.argv[1] + " is no ELF")
			open(sys.argv[2], "wb").write(elf)
		EOF
		mv "$kdir.tmp" "$kdir"
	fi
	cp "$kdir"/boot/vmlinuz-* "$XDIR/vmlinuz"
	cp "$kdir/vmlinux" "$XDIR/vmlinux"
	if [ ! -f "$CACHE/xen-$xver.elf" ]; then
		xdeb=$(fetch_deb xen-hypervisor-4.17-amd64 "$xver")
		rm -rf "$CACHE/xen.tmp" && mkdir -p "$CACHE/xen.tmp"
		dpkg-deb -x "$xdeb" "$CACHE/xen.tmp"
		gzip -dc "$CACHE"/xen.tmp/boot/xen-4.17-amd64.gz >"$CACHE/xen-$xver.elf"
		rm -rf "$CACHE/xen.tmp"
	fi
	cp "$CACHE/xen-$xver.elf" "$XDIR/xen.elf"

	# dom0's root filesystem, keyed on everything that goes into it
	key=$( { echo "recipe $RECIPE $(codename)"; echo "$kpkg=$kver"; candidates "${DOM0_PKGS[@]}" dpdk-dev;
		echo "${DOM0_MODULES[*]}"; } | sha256sum | cut -c1-16)
	if [ ! -f "$CACHE/dom0-$key.cpio" ]; then
		build_rootfs "$kdir" "$CACHE/dom0-$key.cpio"
	fi
	ln -sf "$CACHE/dom0-$key.cpio" "$XDIR/dom0.cpio"
	# older images (other package versions) are of no more use
	find "$CACHE" -maxdepth 1 -name 'dom0-*' ! -name "dom0-$key.*" -delete
	find "$CACHE" -maxdepth 1 -name 'kernel-*' ! -path "$kdir" -exec rm -rf {} +
	cp "$CACHE/dom0-$key.packages" "$XDIR/dom0.packages"

	# the guest's initramfs: small, made every time
	bdeb=$(fetch_deb busybox-static "$bver")
	local g
	g=$(mktemp -d "$CACHE/guest.XXXXXX")
	mkdir -p "$g/bb" "$g/root"/{bin,dev,proc,sys,tmp,www,lib/modules}
	dpkg-deb -x "$bdeb" "$g/bb"
	cp "$g/bb/bin/busybox" "$g/root/bin/busybox"
	local m
	for m in $(modprobe -d "$kdir" -S "$(ls "$kdir/lib/modules")" --show-depends -a "${GUEST_MODULES[@]}" |
		awk '$1 == "insmod" { print $2 }'); do
		cp "$m" "$g/root/lib/modules/"
		basename "$m" >>"$g/root/lib/modules/load-order"
	done
	install -m 0755 "$repo/scripts/xen/guest-init.sh" "$g/root/init"
	pack "$g/root" "$g/guest.cpio"
	gzip -n -9 <"$g/guest.cpio" >"$XDIR/guest.cpio.gz"
	rm -rf "$g"

	say "built in $(($(date +%s) - t0)) s: $XDIR/{xen.elf,vmlinuz,vmlinux,dom0.cpio,guest.cpio.gz}" \
		"(Xen $xver, $kpkg $kver, dom0 $(du -hL "$XDIR/dom0.cpio" | cut -f1))"
}

# the per-run cpio: dom0's init and helpers, the guest's files, the script and FILEs
make_run_cpio() { # OUT SCRIPT [FILE[=DEST]...]
	local out=$1 script=$2 r spec src dest
	shift 2
	r=$(mktemp -d "$XDIR/run.XXXXXX")
	mkdir -p "$r/test" "$r/opt/jitsu-xen" "$r/etc/xen"
	install -m 0755 "$repo/scripts/xen/dom0-init.sh" "$r/init"
	install -m 0644 "$repo/scripts/xen/lib.sh" "$r/opt/jitsu-xen/lib.sh"
	install -m 0644 "$repo/scripts/xen/xl.conf" "$r/etc/xen/xl.conf"
	install -m 0644 -D "$repo/scripts/xen/default-xen" "$r/etc/default/xen"
	cp "$XDIR/vmlinuz" "$r/opt/jitsu-xen/vmlinuz"
	cp "$XDIR/vmlinux" "$r/opt/jitsu-xen/vmlinux"
	cp "$XDIR/guest.cpio.gz" "$r/opt/jitsu-xen/guest.cpio.gz"
	# what tests/xen/test_xen_gateway.sh expects in the directory it is given
	ln -s /opt/jitsu-xen/vmlinux "$r/test/guest-vmlinuz"
	ln -s /opt/jitsu-xen/guest.cpio.gz "$r/test/guest.cpio.gz"
	install -m 0755 "$script" "$r/test/$(basename "$script")"
	basename "$script" >"$r/opt/jitsu-xen/test-script"
	# what the test in dom0 reads of the host's environment
	printf 'XENTB_E2E=%q\n' "${JITSU_XEN_E2E:-}" >"$r/opt/jitsu-xen/env"
	for spec in "$@"; do
		src=${spec%%=*}
		dest=$(basename "$src")
		[ "$spec" = "$src" ] || dest=${spec#*=}
		case $dest in /*) ;; *) dest=/test/$dest ;; esac
		[ -e "$src" ] || { rm -rf "$r"; die "no such file: $src"; }
		mkdir -p "$r$(dirname "$dest")"
		cp -a "$src" "$r$dest"
	done
	pack "$r" "$out"
	rm -rf "$r"
}

cmd_run() {
	[ $# -ge 1 ] || die "usage: run SCRIPT [FILE[=DEST]...]"
	local script=$1 log=${JITSU_XEN_LOG:-$XDIR/serial.log}
	[ -f "$script" ] || die "no such script: $script"
	local f
	for f in xen.elf vmlinuz vmlinux dom0.cpio guest.cpio.gz; do
		[ -e "$XDIR/$f" ] || die "$XDIR/$f missing: run '$0 build' first"
	done
	command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing: run '$0 build' first"
	mkdir -p "$XDIR"
	# one emulated machine at a time (they are heavy: 2 vCPUs, ~2.4 GB)
	exec 8>"$XDIR/.qemu.lock"
	if ! flock -n 8; then
		say "another testbed run holds $XDIR/.qemu.lock; waiting"
		flock 8
	fi
	local runcpio=$XDIR/run.cpio initrd=$XDIR/initrd.cpio
	make_run_cpio "$runcpio" "$@"
	# later files win: the run's cpio (init, configs, the test) over dom0's
	cat "$XDIR/dom0.cpio" "$runcpio" >"$initrd"
	rm -f "$runcpio"
	# Xen's command line may have commas; dom0's may not (-initrd splits on them)
	local xen_cmd="console=com1 com1=115200 dom0_mem=${DOM0_MEM}M smap=0 noreboot loglvl=warning guest_loglvl=warning"
	local dom0_cmd="console=hvc0 quiet loglevel=4 panic=-1"
	local t0 qpid rc=0 tpid wpid attempt hung=$XDIR/.boot-hung
	# Under TCG a boot now and then hangs before dom0's first line (seen
	# once in some twenty: "about to get started..." and nothing more). A
	# boot whose test has not started after BOOT_TIMEOUT is stopped and made
	# again, once; the test itself is never run twice.
	for attempt in 1 2; do
	: >"$log"
	rm -f "$hung"
	say "booting Xen + dom0 (QEMU TCG, $SMP vCPUs, $MEM MiB, timeout ${TIMEOUT}s); serial: $log"
	rc=0
	t0=$(date +%s)
	timeout --kill-after=10 "$TIMEOUT" qemu-system-x86_64 \
		-machine q35 -accel tcg,thread=multi -cpu "$CPU" -smp "$SMP" -m "$MEM" \
		-nographic -nic none -no-reboot -monitor none -serial "file:$log" \
		-device isa-debug-exit,iobase=0xf4,iosize=4 \
		-kernel "$XDIR/xen.elf" -append "$xen_cmd" \
		-initrd "$XDIR/vmlinuz $dom0_cmd,$initrd" </dev/null >"$XDIR/qemu.out" 2>&1 &
	qpid=$!
	(
		end=$((SECONDS + BOOT_TIMEOUT))
		while kill -0 "$qpid" 2>/dev/null; do
			grep -qaE '^xentb: running /test/' "$log" && exit 0
			if [ "$SECONDS" -ge "$end" ]; then
				: >"$hung"
				kill -TERM "$qpid" 2>/dev/null
				exit 0
			fi
			sleep 1
		done
	) &
	wpid=$!
	# show the console (or only dom0's lines for us), seconds since QEMU started
	tail -n +1 --pid="$qpid" -f "$log" | while IFS= read -r line; do
		line=${line%$'\r'}
		if [ "$VERBOSE" = 1 ]; then
			printf '[%4d s] %s\n' $(($(date +%s) - t0)) "$line"
		elif [[ $line == xentb[:\|]* ]]; then
			printf '[%4d s] %s\n' $(($(date +%s) - t0)) "${line#xentb? }"
		fi
	done &
	tpid=$!
	wait "$qpid" || rc=$?
	wait "$tpid" 2>/dev/null || true
	wait "$wpid" 2>/dev/null || true
	[ -e "$hung" ] || break
	rm -f "$hung"
	say "the boot hung: no test started in ${BOOT_TIMEOUT}s (serial: $(tail -c 200 "$log" | tr -d '\r' | tail -n 1))"
	if [ "$attempt" -eq 2 ]; then
		rm -f "$initrd"
		say "it hung twice: giving up"
		return 125
	fi
	say "booting again (the test had not started)"
	done
	rm -f "$initrd"
	local dt=$(($(date +%s) - t0)) res
	res=$(tr -d '\r' <"$log" | sed -n 's/^xentb: RESULT \([0-9]\{1,\}\)$/\1/p' | tail -n 1)
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		say "TIMEOUT after ${dt}s (serial: $log)"
		return 124
	fi
	local how
	if [ $((rc & 1)) -eq 1 ]; then
		# isa-debug-exit: QEMU exits with (value << 1) | 1
		rc=$((rc >> 1))
		how="isa-debug-exit"
	elif [ -n "$res" ]; then
		rc=$res
		how="console only: QEMU exited $rc"
	else
		say "QEMU exited with $rc and no result from dom0 after ${dt}s (serial: $log, $XDIR/qemu.out)"
		return 125
	fi
	if [ "$rc" -eq 0 ]; then
		say "PASS $(basename "$script") in ${dt}s ($how)"
	else
		say "FAIL $(basename "$script"): exit $rc after ${dt}s ($how; serial: $log)"
	fi
	return "$rc"
}

cmd_check() {
	cmd_build
	local t files=() f pass=0 fail=0 failed=() t0
	t0=$(date +%s)
	for f in "$repo"/tests/xen/*; do
		case $(basename "$f") in test_*.sh) ;; *) files+=("$f") ;; esac
	done
	# the gateway, and the repository's scripts and end-to-end tests, so that
	# a test in dom0 can run them as it would on a host
	for f in jitsu jitsuctl; do
		[ -x "$BUILD/$f" ] && files+=("$BUILD/$f" "$BUILD/$f=repo/build/$f")
	done
	files+=("$repo/scripts=repo/scripts" "$repo/tests/e2e=repo/tests/e2e" "$repo/conf=repo/conf")
	for t in "$repo"/tests/xen/test_*.sh; do
		[ -e "$t" ] || continue
		case " ${JITSU_XEN_TESTS:-$(basename "$t")} " in *" $(basename "$t") "*) ;; *) continue ;; esac
		say "=== $(basename "$t")"
		if JITSU_XEN_LOG="$XDIR/serial-$(basename "$t" .sh).log" cmd_run "$t" "${files[@]}"; then
			pass=$((pass + 1))
		else
			fail=$((fail + 1))
			failed+=("$(basename "$t")")
		fi
	done
	say "xen tests: $pass passed, $fail failed in $(($(date +%s) - t0)) s${failed:+ (${failed[*]})}"
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}

cmd_clean() {
	local d
	for d in "$XDIR"/*; do
		[ "$d" = "$CACHE" ] || rm -rf "$d"
	done
}

[ $# -ge 1 ] || { usage; exit 2; }
sub=$1
shift
case $sub in
build) cmd_build "$@" ;;
run) cmd_run "$@" ;;
check) cmd_check "$@" ;;
clean) cmd_clean "$@" ;;
-h | --help | help) usage ;;
*) usage >&2; exit 2 ;;
esac

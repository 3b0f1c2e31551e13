#!/usr/bin/env bash
# Install the Debian 12 packages that building, testing, the demo and the
# benchmarks need. Idempotent: asks apt only for what is missing.
#
#   scripts/install-deps.sh              the default set (build, test, demo, bench)
#   scripts/install-deps.sh xen-testbed  only what scripts/xen-testbed.sh needs on
#                                        the host (opt-in; the hypervisor, the dom0
#                                        kernel and busybox-static are not installed
#                                        here: the testbed fetches them with
#                                        `apt-get download` into its cache)
set -euo pipefail

group=${1:-default}
case $group in
default)
	pkgs=(
		build-essential pkg-config clang           # build; clang for libFuzzer
		libdpdk-dev dpdk dpdk-dev                   # DPDK 22.11, dpdk-testpmd, dpdk-telemetry.py
		libxen-dev                                  # xenlight, xlutil, xenstore
		libpcap-dev libcriterion-dev                # net_pcap, unit tests
		libnl-route-3-dev                           # netlink for the process backend
		iproute2 ethtool dnsutils busybox curl      # namespaces, offloads, dig, httpd, curl
		tcpdump                                     # captures
		python3 python3-scapy                       # pcap golden tests and generators
		stress-ng                                   # make check-slow: the CPU hog
		valgrind                                    # bench/px_micro.sh: instructions a packet
		knot-dnsutils dnsmasq-base dnsperf          # kdig, a resolver, the DNS benchmark (issue 16)
	)
	;;
xen-testbed)
	pkgs=(
		qemu-system-x86                             # the emulated machine (TCG: no KVM needed)
		debootstrap cpio gzip                       # the dom0 root filesystem, packed as initramfs
		python3                                     # unpacks the guest kernel's xz payload (lzma)
		kmod                                        # depmod, modprobe --show-depends for the dom0 modules
	)
	;;
*)
	echo "install-deps: unknown group '$group' (default, xen-testbed)" >&2
	exit 2
	;;
esac

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

#!/usr/bin/env bash
# Install the Debian 12 packages that building, testing, the demo and the
# benchmarks need. Idempotent: asks apt only for what is missing.
set -euo pipefail

pkgs=(
	build-essential pkg-config clang           # build; clang for libFuzzer
	libdpdk-dev dpdk dpdk-dev                   # DPDK 22.11, dpdk-testpmd, dpdk-telemetry.py
	libxen-dev                                  # xenlight, xlutil, xenstore
	libpcap-dev libcriterion-dev                # net_pcap, unit tests
	libnl-route-3-dev                           # netlink for the process backend
	iproute2 ethtool dnsutils busybox curl      # namespaces, offloads, dig, httpd, curl
	tcpdump                                     # captures
	python3 python3-scapy                       # pcap golden tests and generators
)

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

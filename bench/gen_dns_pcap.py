#!/usr/bin/python3
"""Write a pcap of distinct DNS A queries for the jitsu DNS benchmark.

Every frame is Ethernet/IPv4/UDP to port 53 of the gateway, addressed to the
gateway's uplink MAC, with correct IPv4 and UDP checksums. Client addresses,
ports, MACs and DNS IDs vary; the names asked for are those of the services
of the configuration file (bench/bench.conf by default), so that every query
is answered (jitsu counts it as dns_answer).

Run with Debian's /usr/bin/python3 (python3-scapy). The output is
deterministic for a given --seed.
"""

import argparse
import configparser
import ipaddress
import random
import re
import sys

try:
    from scapy.all import DNS, DNSQR, DNSRROPT, IP, UDP, Ether, PcapWriter, rdpcap
except ImportError as e:  # pragma: no cover - depends on the machine
    sys.exit(f"gen_dns_pcap: scapy is missing ({e}); install python3-scapy and "
             "run with /usr/bin/python3")

MAC_RE = re.compile(r"^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$")
# RFC 2544 benchmarking range: never a real client.
CLIENT_NET = ipaddress.ip_network("198.18.0.0/15")


def read_config(path):
    """Return (gateway address, [dns names]) from a jitsu INI file."""
    cp = configparser.ConfigParser(inline_comment_prefixes=(";",), comment_prefixes=(";", "#"),
                                   interpolation=None, strict=True)
    try:
        with open(path, encoding="utf-8") as f:
            cp.read_file(f)
    except (OSError, configparser.Error) as e:
        sys.exit(f"gen_dns_pcap: {path}: {e}")
    if not cp.has_option("gateway", "address"):
        sys.exit(f"gen_dns_pcap: {path}: [gateway] address is missing")
    gw = cp.get("gateway", "address").strip()
    try:
        ipaddress.IPv4Address(gw)
    except ValueError:
        sys.exit(f"gen_dns_pcap: {path}: [gateway] address '{gw}' is not an IPv4 address")
    names = []
    for sec in cp.sections():
        if not sec.startswith("service") or not sec[7:8].isspace():
            continue
        for n in cp.get(sec, "dns", fallback="").split(","):
            n = n.strip().rstrip(".").lower()
            if n:
                names.append(n)
    if not names:
        sys.exit(f"gen_dns_pcap: {path}: no [service NAME] with dns names")
    return gw, names


def rand_mac(rng):
    # locally administered, unicast
    b = [0x02] + [rng.randrange(256) for _ in range(5)]
    return ":".join(f"{x:02x}" for x in b)


def build(args):
    gw, names = read_config(args.config)
    rng = random.Random(args.seed)
    n_clients = max(1, min(args.clients, args.count))
    hosts = rng.sample(range(1, CLIENT_NET.num_addresses - 1), n_clients)
    clients = [(str(CLIENT_NET.network_address + h), rand_mac(rng)) for h in hosts]

    seen = set()
    pkts = []
    n_edns = 0
    while len(pkts) < args.count:
        ip, mac = clients[len(pkts) % n_clients]
        sport = rng.randrange(1024, 65536)
        qid = rng.randrange(65536)
        if (ip, sport, qid) in seen:
            continue
        seen.add((ip, sport, qid))
        name = names[len(pkts) % len(names)]
        edns = rng.random() < args.edns
        dns = DNS(id=qid, rd=1, qd=DNSQR(qname=name + ".", qtype="A", qclass="IN"))
        if edns:
            # EDNS0 as resolvers send it: UDP payload 1232, DO set, no options
            dns.ar = DNSRROPT(rclass=1232, z=0x8000)
            n_edns += 1
        p = (Ether(src=mac, dst=args.dst_mac) /
             IP(src=ip, dst=gw, ttl=64, id=rng.randrange(65536)) /
             UDP(sport=sport, dport=53) / dns)
        pkts.append(Ether(bytes(p)))  # build: lengths and checksums filled in
    return gw, names, pkts, n_edns


def verify(path, pkts, dst_mac, gw):
    """Read the file back and recompute every checksum."""
    back = rdpcap(path)
    if len(back) != len(pkts):
        sys.exit(f"gen_dns_pcap: {path}: {len(back)} frames read back, {len(pkts)} written")
    for i, p in enumerate(back):
        ok = (p.haslayer(IP) and p.haslayer(UDP) and p.haslayer(DNS) and
              p[Ether].dst.lower() == dst_mac.lower() and p[IP].dst == gw and p[UDP].dport == 53)
        if ok:
            ip = p[IP].copy()
            ip.chksum = None
            ip[UDP].chksum = None
            again = IP(bytes(ip))
            ok = again.chksum == p[IP].chksum and again[UDP].chksum == p[UDP].chksum
        if not ok:
            sys.exit(f"gen_dns_pcap: {path}: frame {i} is not a well-formed query: {p.summary()}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-o", "--output", required=True, help="pcap file to write")
    ap.add_argument("-m", "--dst-mac", required=True,
                    help="the gateway's uplink MAC (destination of every frame)")
    ap.add_argument("-c", "--config", default="bench/bench.conf",
                    help="jitsu configuration: gateway address and service names "
                         "(default: %(default)s)")
    ap.add_argument("-n", "--count", type=int, default=1024,
                    help="number of distinct queries (default: %(default)s)")
    ap.add_argument("--clients", type=int, default=256,
                    help="number of distinct client addresses (default: %(default)s)")
    ap.add_argument("--edns", type=float, default=0.5,
                    help="fraction of queries carrying an EDNS0 OPT record "
                         "(default: %(default)s)")
    ap.add_argument("--seed", type=int, default=53, help="random seed (default: %(default)s)")
    ap.add_argument("-q", "--quiet", action="store_true", help="no summary line")
    args = ap.parse_args()

    if not MAC_RE.match(args.dst_mac):
        ap.error(f"--dst-mac: '{args.dst_mac}' is not a MAC address (xx:xx:xx:xx:xx:xx)")
    if not 1 <= args.count <= 1 << 20:
        ap.error("--count: 1 to 1048576")
    if args.clients < 1:
        ap.error("--clients: at least 1")
    if not 0.0 <= args.edns <= 1.0:
        ap.error("--edns: a fraction between 0 and 1")

    gw, names, pkts, n_edns = build(args)
    try:
        w = PcapWriter(args.output, linktype=1, sync=False)
        for p in pkts:
            w.write(p)
        w.close()
    except OSError as e:
        sys.exit(f"gen_dns_pcap: {args.output}: {e}")
    verify(args.output, pkts, args.dst_mac, gw)
    if not args.quiet:
        lens = [len(p) for p in pkts]
        print(f"gen_dns_pcap: {args.output}: {len(pkts)} A queries to {gw} "
              f"({args.dst_mac}), {len(names)} names, "
              f"{min(args.clients, args.count)} clients, {n_edns} with EDNS0, "
              f"{min(lens)}-{max(lens)} bytes")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Golden test of the real jitsu binary on a pcap of mixed traffic.

  golden.py gen IN.pcap             write the input pcap
  golden.py check IN OUT STATS CYCLES   check every output packet, the counters
                                        and the cycles per path

Each case below is one input frame with what must come out of the uplink for
it (a reply, checked field by field) or the counter that must count its drop.
One worker and one queue keep the order, so replies are matched in sequence.
"""
import json
import logging
import sys

logging.getLogger("scapy").setLevel(logging.ERROR)

from scapy.all import (ARP, DNS, DNSQR, DNSRROPT, IP, IPv6, TCP, UDP, Dot1Q, Ether,
                       Raw, raw, rdpcap, wrpcap)

GW_MAC = "02:70:63:61:70:00"   # net_pcap's first port
CLI_MAC = "02:00:00:00:00:02"
GW = "10.77.0.1"
CLI = "10.77.0.2"
WWW = "10.77.1.10"
API = "10.77.1.11"
TTL = 42                       # dns_ttl of golden.conf


def q(name, qtype="A", **kw):
    return DNS(id=kw.pop("id", 0x4242), rd=1, qd=DNSQR(qname=name, qtype=qtype), **kw)


def udp_to_gw(payload, sport=40000, dport=53, dst_mac=GW_MAC):
    return Ether(dst=dst_mac, src=CLI_MAC) / IP(src=CLI, dst=GW) / UDP(sport=sport, dport=dport) / payload


def arp_req(pdst, psrc=CLI, dst="ff:ff:ff:ff:ff:ff", op=1):
    return Ether(dst=dst, src=CLI_MAC) / ARP(op=op, hwsrc=CLI_MAC, psrc=psrc, pdst=pdst)


def with_bad_udp_cksum(p):
    p = Ether(raw(p))
    p[UDP].chksum ^= 0x5555
    return p


def with_bad_ip_cksum(p):
    p = Ether(raw(p))
    p[IP].chksum ^= 0x5555
    return p


def with_zero_udp_cksum(p):
    p = Ether(raw(p))
    p[UDP].chksum = 0
    return p


def two_questions():
    d = DNS(id=7, rd=1, qd=DNSQR(qname="www.example.org") / DNSQR(qname="api.example.org"))
    return udp_to_gw(d)


def compressed_question():
    # header, then "www" + pointer to offset 12: must never be followed
    body = bytes.fromhex("0007 0100 0001 0000 0000 0000".replace(" ", ""))
    body += b"\x03www\xc0\x0c\x00\x01\x00\x01"
    return udp_to_gw(Raw(body))


def fragment(frag=0, flags="MF"):
    p = udp_to_gw(q("www.example.org"))
    p[IP].flags = flags
    p[IP].frag = frag
    return Ether(raw(p))


def query_from(src):
    return Ether(dst=GW_MAC, src=CLI_MAC) / IP(src=src, dst=GW) / UDP(sport=40004, dport=53) / q("www.example.org")


# (name, frame, expectation): expectation is ("drop", counter), ("count",
# counter) for a frame taken without a reply nor a drop, or a dict
# describing the reply.
CASES = [
    ("arp for the gateway", arp_req(GW), {"arp": GW}),
    ("proxy arp for a service", arp_req(WWW), {"arp": WWW}),
    ("arp for another host", arp_req("10.77.0.99"), ("drop", "drop_arp_not_ours")),
    ("gratuitous arp", arp_req(CLI, psrc=CLI), ("drop", "drop_arp_gratuitous")),
    # the requests above made the gateway ask for the client's MAC itself:
    # the client's reply resolves it, once
    ("arp reply to our request", arp_req(GW, dst=GW_MAC, op=2), ("count", "neigh_confirmed")),
    ("arp reply nobody asked for", arp_req(GW, dst=GW_MAC, op=2), ("drop", "drop_arp_reply_unsolicited")),
    ("arp reply for another host", arp_req("10.77.0.98", dst=GW_MAC, op=2), ("drop", "drop_arp_not_request")),
    ("A for a service", udp_to_gw(q("www.example.org")),
     {"rcode": 0, "an": [("www.example.org.", 1, WWW)], "ns": 0}),
    ("A, mixed case kept", udp_to_gw(q("WwW.ExAmPlE.oRg")),
     {"rcode": 0, "an": [("WwW.ExAmPlE.oRg.", 1, WWW)], "ns": 0}),
    ("A for the second service", udp_to_gw(q("api.example.org", id=9)),
     {"rcode": 0, "an": [("api.example.org.", 1, API)], "ns": 0}),
    ("ANY gets the A", udp_to_gw(q("www.example.org", "ALL")),
     {"rcode": 0, "an": [("www.example.org.", 1, WWW)], "ns": 0}),
    ("AAAA for a v4-only service", udp_to_gw(q("www.example.org", "AAAA")),
     {"rcode": 0, "an": [], "ns": 1}),
    ("unknown name in the zone", udp_to_gw(q("nope.example.org")),
     {"rcode": 3, "an": [], "ns": 1}),
    ("name outside our zones", udp_to_gw(q("www.google.com")),
     {"rcode": 5, "an": [], "ns": 0, "aa": 0}),
    ("EDNS query", udp_to_gw(DNS(id=11, rd=1, qd=DNSQR(qname="www.example.org"),
                                 ar=DNSRROPT(rclass=4096, z=0x8000))),
     {"rcode": 0, "an": [("www.example.org.", 1, WWW)], "ns": 0, "opt": {"version": 0, "do": 1}}),
    ("EDNS version 1", udp_to_gw(DNS(id=12, rd=1, qd=DNSQR(qname="www.example.org"),
                                     ar=DNSRROPT(rclass=4096, version=1))),
     {"rcode": 0, "an": [], "ns": 0, "aa": 0, "opt": {"version": 0, "ext_rcode": 1}}),
    ("two questions", two_questions(), {"rcode": 1, "formerr": True}),
    ("compression pointer in the question", compressed_question(), {"rcode": 1, "formerr": True}),
    ("a response is never answered", udp_to_gw(DNS(id=13, qr=1, qd=DNSQR(qname="www.example.org"))),
     ("drop", "drop_dns_response")),
    ("NOTIFY gets NOTIMP", udp_to_gw(DNS(id=14, opcode=4, qd=DNSQR(qname="www.example.org"))),
     {"rcode": 4, "opcode": 4, "an": [], "ns": 0, "aa": 0}),
    ("UPDATE gets NOTIMP", udp_to_gw(DNS(id=17, opcode=5, qd=DNSQR(qname="example.org", qtype="SOA"))),
     {"rcode": 4, "opcode": 5, "an": [], "ns": 0, "aa": 0}),
    ("IQUERY gets NOTIMP", udp_to_gw(DNS(id=18, opcode=1, qd=DNSQR(qname="www.example.org"))),
     {"rcode": 4, "opcode": 1, "an": [], "ns": 0, "aa": 0}),
    ("NS at the apex, with glue", udp_to_gw(q("example.org", "NS", id=19)),
     {"rcode": 0, "an": [("example.org.", 2, "ns.example.org.")], "ns": 0,
      "ar": [("ns.example.org.", 1, GW)]}),
    ("SOA at the apex", udp_to_gw(q("example.org", "SOA", id=20)),
     {"rcode": 0, "an": [("example.org.", 6, "ns.example.org.")], "ns": 0}),
    ("A at an apex that is a service", udp_to_gw(q("example.net", id=21)),
     {"rcode": 0, "an": [("example.net.", 1, API)], "ns": 0}),
    ("SOA at an apex that is a service, from [zone]", udp_to_gw(q("example.net", "SOA", id=22)),
     {"rcode": 0, "an": [("example.net.", 6, "ns1.example.net.")], "ns": 0,
      "soa": ("hostmaster.example.net.", 7200, 900, 604800, 60)}),
    ("NS at an apex that is a service", udp_to_gw(q("example.net", "NS", id=23)),
     {"rcode": 0, "an": [("example.net.", 2, "ns1.example.net."),
                         ("example.net.", 2, "ns2.elsewhere.test.")], "ns": 0,
      "ar": [("ns1.example.net.", 1, GW)]}),
    ("A of the name server", udp_to_gw(q("ns.example.org", id=24)),
     {"rcode": 0, "an": [("ns.example.org.", 1, GW)], "ns": 0}),
    ("empty non-terminal", udp_to_gw(q("b.example.org", id=25)),
     {"rcode": 0, "an": [], "ns": 1}),
    ("below the empty non-terminal", udp_to_gw(q("a.b.example.org", id=26)),
     {"rcode": 0, "an": [("a.b.example.org.", 1, API)], "ns": 0}),
    ("DNS over TCP: SYN gets a cookie SYN-ACK",
     Ether(dst=GW_MAC, src=CLI_MAC) / IP(src=CLI, dst=GW) /
     TCP(sport=40010, dport=53, flags="S", seq=5000, options=[("MSS", 1460)]), {"synack": 5000}),
    ("DNS over TCP: data with a forged cookie",
     Ether(dst=GW_MAC, src=CLI_MAC) / IP(src=CLI, dst=GW) /
     TCP(sport=40011, dport=53, flags="PA", seq=5001, ack=12345) / Raw(b"\x00\x1d" + raw(q("www.example.org"))),
     ("drop", "drop_dns_tcp_cookie")),
    ("header cut short", udp_to_gw(Raw(b"\x00\x01\x02\x03\x04")), ("drop", "drop_dns_short")),
    ("bad UDP checksum", with_bad_udp_cksum(udp_to_gw(q("www.example.org"))), ("drop", "drop_udp_cksum")),
    ("bad IP checksum", with_bad_ip_cksum(udp_to_gw(q("www.example.org"))), ("drop", "drop_ip_cksum")),
    ("no UDP checksum", with_zero_udp_cksum(udp_to_gw(q("www.example.org", id=15))),
     {"rcode": 0, "an": [("www.example.org.", 1, WWW)], "ns": 0}),
    ("fragmented query", fragment(), ("drop", "drop_dns_fragment")),
    ("last fragment of a query", fragment(frag=3, flags=0), ("drop", "drop_dns_fragment")),
    ("query from the limited broadcast", query_from("255.255.255.255"), ("drop", "drop_martian")),
    ("query from the gateway's address", query_from(GW), ("drop", "drop_martian")),
    ("query from a service's address", query_from(WWW), ("drop", "drop_martian")),
    ("query from loopback", query_from("127.0.0.1"), ("drop", "drop_martian")),
    ("query from 0/8", query_from("0.0.0.7"), ("drop", "drop_martian")),
    ("query from multicast", query_from("224.0.0.251"), ("drop", "drop_martian")),
    ("query from 240/4", query_from("240.1.2.3"), ("drop", "drop_martian")),
    ("query in VLAN 6 (not uplink_vlan)",
     Ether(dst=GW_MAC, src=CLI_MAC) / Dot1Q(vlan=6) / IP(src=CLI, dst=GW) / UDP(sport=40002, dport=53) /
     q("www.example.org"), ("drop", "drop_vlan_tagged")),
    ("query under an 802.1ad tag",
     Ether(dst=GW_MAC, src=CLI_MAC, type=0x88a8) / Dot1Q(vlan=5) / IP(src=CLI, dst=GW) /
     UDP(sport=40002, dport=53) / q("www.example.org"), ("drop", "drop_vlan_nested")),
    ("query under two 802.1Q tags (QinQ as af_packet gives it)",
     Ether(dst=GW_MAC, src=CLI_MAC) / Dot1Q(vlan=5) / Dot1Q(vlan=5) / IP(src=CLI, dst=GW) /
     UDP(sport=40002, dport=53) / q("www.example.org"), ("drop", "drop_vlan_nested")),
    ("for another MAC", udp_to_gw(q("www.example.org"), dst_mac="02:99:99:99:99:99"),
     ("drop", "drop_l2_not_ours")),
    ("IPv6", Ether(dst=GW_MAC, src=CLI_MAC) / IPv6(src="fd00::2", dst="fd00::1") / UDP(dport=53),
     ("drop", "drop_l3_proto")),
    ("UDP to another gateway port", udp_to_gw(Raw(b"x" * 8), dport=123), ("drop", "drop_gw_unhandled")),
    ("runt", Raw(raw(Ether(dst=GW_MAC, src=CLI_MAC))[:10]), ("drop", "drop_runt")),
    ("query in VLAN 5",
     Ether(dst=GW_MAC, src=CLI_MAC) / Dot1Q(vlan=5) / IP(src=CLI, dst=GW) / UDP(sport=40002, dport=53) /
     q("www.example.org", id=16),
     {"rcode": 0, "an": [("www.example.org.", 1, WWW)], "ns": 0, "vlan": 5}),
    ("not an IPv4 unicast address", Ether(dst=GW_MAC, src=CLI_MAC) / IP(src=CLI, dst="10.77.0.200") / UDP(dport=9),
     ("drop", "drop_ip_not_ours")),
    ("ACK to a service that is not running", Ether(dst=GW_MAC, src=CLI_MAC) / IP(src=CLI, dst=WWW) /
     TCP(sport=40003, dport=80, flags="A"), ("drop", "drop_svc_not_ready")),
    # last: synjitsu holds the SYN and, as the service can never run here (it
    # has no exec: refused at load), answers it with an RST after the burst
    ("SYN to a service that cannot run",
     Ether(dst=GW_MAC, src=CLI_MAC) / IP(src=CLI, dst=WWW) / TCP(sport=40001, dport=80, flags="S", seq=1000),
     {"rst": True}),
]


def gen(path):
    frames = []
    for _, f, _ in CASES:
        frames.append(f)
    wrpcap(path, frames, linktype=1)  # DLT_EN10MB


class Failure(Exception):
    pass


def expect(cond, what):
    if not cond:
        raise Failure(what)


def check_l3(inp, out):
    expect(out[Ether].dst == inp[Ether].src, "Ethernet destination is the client")
    expect(out[Ether].src == GW_MAC, "Ethernet source is the gateway")
    expect(out[IP].src == inp[IP].dst and out[IP].dst == inp[IP].src, "IP addresses swapped")
    expect(out[UDP].sport == inp[UDP].dport and out[UDP].dport == inp[UDP].sport, "ports swapped")
    expect(out[IP].len == len(out[IP]), "IP total length")
    expect(out[UDP].len == len(out[UDP]), "UDP length")
    fresh = Ether(raw(out))
    del fresh[IP].chksum
    del fresh[UDP].chksum
    fresh = Ether(raw(fresh))
    expect(out[IP].chksum == fresh[IP].chksum, f"IP checksum {out[IP].chksum:#x} != {fresh[IP].chksum:#x}")
    expect(out[UDP].chksum == fresh[UDP].chksum, f"UDP checksum {out[UDP].chksum:#x} != {fresh[UDP].chksum:#x}")


def check_dns(inp, out, e):
    check_l3(inp, out)
    if "vlan" in e:
        expect(Dot1Q in out and out[Dot1Q].vlan == e["vlan"], "VLAN tag kept")
    d, qd = out[DNS], inp[DNS]
    expect(d.id == qd.id, "DNS id kept")
    expect(d.qr == 1 and d.opcode == e.get("opcode", 0), f"a response, opcode {d.opcode}")
    expect(d.rcode == e["rcode"], f"rcode {d.rcode} != {e['rcode']}")
    if e.get("formerr"):
        expect(d.qdcount == 0 and d.ancount == 0 and d.nscount == 0 and d.arcount == 0,
               "FORMERR carries the header only")
        return
    expect(d.qdcount == 1 and raw(d.qd) == raw(qd.qd), "question echoed byte for byte")
    expect(d.aa == e.get("aa", 1), f"AA {d.aa}")
    expect(d.rd == qd.rd, "RD copied")
    expect(d.tc == 0, "never truncated")
    expect(d.ancount == len(e["an"]), f"ANCOUNT {d.ancount}")
    for i, (name, rtype, rdata) in enumerate(e["an"]):
        rr = d.an[i]
        expect(rr.rrname.decode() == name, f"answer owner {rr.rrname!r}")
        expect(rr.type == rtype and rr.rclass == 1 and rr.ttl == TTL, "answer type, class, TTL")
        if rtype == 6:
            expect(rr.mname.decode() == rdata, f"SOA MNAME {rr.mname!r}")
            want = e.get("soa", (f"hostmaster.{name}", 3600, 600, 86400, TTL))
            got = (rr.rname.decode(), rr.refresh, rr.retry, rr.expire, rr.minimum)
            expect(got == want, f"SOA {got} != {want}")
        elif rtype == 2:
            expect(rr.rdata.decode() == rdata, f"NS {rr.rdata!r}")
        else:
            expect(rr.rdata == rdata, f"answer address {rr.rdata}")
    expect(d.nscount == e["ns"], f"NSCOUNT {d.nscount}")
    if e["ns"]:
        soa = d.ns[0]
        expect(soa.type == 6 and soa.rrname.decode() == "example.org.", f"SOA of the zone: {soa.rrname!r}")
        expect(soa.mname.decode() == "ns.example.org." and soa.rname.decode() == "hostmaster.example.org.",
               "SOA names")
        expect(soa.minimum == TTL and soa.ttl == TTL, "negative TTL")
    opt = e.get("opt")
    glue = e.get("ar", [])
    expect(d.arcount == len(glue) + (1 if opt else 0), f"ARCOUNT {d.arcount}")
    for i, (name, rtype, rdata) in enumerate(glue):
        rr = d.ar[i]
        expect(rr.rrname.decode() == name and rr.type == rtype and rr.rdata == rdata,
               f"glue {rr.rrname!r} {rr.rdata}")
    if opt:
        o = d.ar[0]
        expect(o.type == 41 and o.rclass == 1232, "our OPT record")
        expect(o.version == opt["version"], "EDNS version 0")
        expect(o.extrcode == opt.get("ext_rcode", 0), f"extended rcode {o.extrcode}")
        if "do" in opt:
            expect((o.z >> 15) == opt["do"], "DO copied")


def check_rst(inp, out):
    expect(out[Ether].dst == CLI_MAC and out[Ether].src == GW_MAC, "RST addressed to the client")
    expect(out[IP].src == inp[IP].dst and out[IP].dst == inp[IP].src, "IP addresses swapped")
    t = out[TCP]
    expect(t.sport == inp[TCP].dport and t.dport == inp[TCP].sport, "ports swapped")
    expect(t.flags == "RA", f"RST|ACK, got {t.flags}")
    expect(t.ack == inp[TCP].seq + 1 and t.seq == 0, "acknowledges the SYN")
    expect(out[IP].len == 40 and len(bytes(t.payload)) == 0, "no payload")
    fresh = Ether(raw(out))
    del fresh[IP].chksum
    del fresh[TCP].chksum
    fresh = Ether(raw(fresh))
    expect(out[IP].chksum == fresh[IP].chksum and t.chksum == fresh[TCP].chksum, "checksums")


def check_synack(inp, out, seq):
    expect(out[Ether].dst == CLI_MAC and out[Ether].src == GW_MAC, "SYN-ACK addressed to the client")
    expect(out[IP].src == GW and out[IP].dst == CLI, "from the gateway")
    t = out[TCP]
    expect(t.sport == 53 and t.dport == inp[TCP].sport, "ports")
    expect(t.flags == "SA", f"SYN|ACK, got {t.flags}")
    expect(t.ack == seq + 1, "acknowledges the SYN")
    expect(dict(t.options).get("MSS") == 1460, f"our MSS, options {t.options}")
    fresh = Ether(raw(out))
    del fresh[IP].chksum
    del fresh[TCP].chksum
    fresh = Ether(raw(fresh))
    expect(out[IP].chksum == fresh[IP].chksum and t.chksum == fresh[TCP].chksum, "checksums")


def check_arp(inp, out, addr):
    expect(out[Ether].dst == CLI_MAC and out[Ether].src == GW_MAC, "ARP reply addressed")
    a = out[ARP]
    expect(a.op == 2, "an ARP reply")
    expect(a.hwsrc == GW_MAC and a.psrc == addr, f"{addr} is at the gateway's MAC")
    expect(a.hwdst == CLI_MAC and a.pdst == CLI, "to the requester")


def check(in_path, out_path, stats_path, cycles_path):
    inputs = rdpcap(in_path)
    outputs = list(rdpcap(out_path))
    stats = json.load(open(stats_path))
    cycles = json.load(open(cycles_path))
    fails = 0
    drops = {}
    counts = {}
    oi = 0
    # first out: the gratuitous ARPs that announce the gateway's address and
    # the services' at start (the downlink, net_null here, gets the gateway's)
    ann = []
    while outputs and ARP in outputs[0] and outputs[0][ARP].op == 1 and outputs[0][ARP].pdst == outputs[0][ARP].psrc:
        ann.append(outputs.pop(0))
    # the gateway's own ARP requests (it resolves the client that asked)
    sol = [o for o in outputs if ARP in o and o[ARP].op == 1]
    outputs = [o for o in outputs if not (ARP in o and o[ARP].op == 1)]
    ok = (len(sol) == 1 and stats.get("arp_request_sent") == 1
          and all(a[Ether].dst == "ff:ff:ff:ff:ff:ff" and a[Ether].src == GW_MAC and a[ARP].hwsrc == GW_MAC
                  and a[ARP].psrc == GW and a[ARP].pdst == CLI for a in sol))
    fails += not ok
    print(f"{'ok  ' if ok else 'FAIL'} the gateway asked for the client's MAC {len(sol)} time(s) "
          f"(arp_request_sent {stats.get('arp_request_sent')})")
    ok = (sorted(a[ARP].psrc for a in ann) == sorted([GW, WWW, API])
          and stats.get("arp_announce") == len(ann) + 1  # and the gateway's on the downlink
          and all(a[Ether].dst == "ff:ff:ff:ff:ff:ff" and a[Ether].src == GW_MAC
                  and a[ARP].hwsrc == GW_MAC and a[ARP].pdst == a[ARP].psrc
                  and a[ARP].hwdst == "00:00:00:00:00:00" for a in ann))
    fails += not ok
    print(f"{'ok  ' if ok else 'FAIL'} announced at start: {', '.join(a[ARP].psrc for a in ann)} (arp_announce {stats.get('arp_announce')})")
    for (name, _, e), inp in zip(CASES, inputs):
        try:
            if isinstance(e, tuple) and e[0] == "count":
                counts[e[1]] = counts.get(e[1], 0) + 1
                continue
            if isinstance(e, tuple):
                drops[e[1]] = drops.get(e[1], 0) + 1
                continue
            expect(oi < len(outputs), "no reply")
            out = outputs[oi]
            oi += 1
            if "arp" in e:
                check_arp(inp, out, e["arp"])
            elif "rst" in e:
                check_rst(inp, out)
            elif "synack" in e:
                check_synack(inp, out, e["synack"])
            else:
                check_dns(inp, out, e)
            print(f"ok   {name}")
        except Failure as f:
            fails += 1
            print(f"FAIL {name}: {f}")
    if oi != len(outputs):
        fails += 1
        print(f"FAIL {len(outputs) - oi} packets out that nothing asked for")
    # every drop counted under its own reason, and nothing else dropped
    for counter, n in sorted(list(drops.items()) + list(counts.items())):
        ok = stats.get(counter) == n
        fails += not ok
        print(f"{'ok  ' if ok else 'FAIL'} counter {counter} = {stats.get(counter)} (want {n})")
    total = sum(drops.values())
    ok = stats.get("drops") == total and stats.get("rx_uplink") == len(CASES)
    fails += not ok
    print(f"{'ok  ' if ok else 'FAIL'} drops {stats.get('drops')} (want {total}), "
          f"rx_uplink {stats.get('rx_uplink')} (want {len(CASES)})")
    replies = len(CASES) - total - sum(counts.values())
    ok = stats.get("tx_uplink") == len(outputs) + len(ann) + len(sol) and len(outputs) == replies
    fails += not ok
    print(f"{'ok  ' if ok else 'FAIL'} tx_uplink {stats.get('tx_uplink')}: replies {len(outputs)} "
          f"(want {replies}) and {len(ann)} announcements")
    # net_pcap holds no mbufs of its own: every one must be back in the pool
    ok = stats.get("mbuf_in_use") == 0
    fails += not ok
    print(f"{'ok  ' if ok else 'FAIL'} mbufs in use {stats.get('mbuf_in_use')} (want 0)")
    # measure_cycles = on: every packet counted on its path, with cycles (the
    # syn path: what synjitsu was offered, the SYN and the ACK)
    dns = sum(stats[k] for k in ("dns_answer", "dns_nodata", "dns_nxdomain", "dns_refused",
                                 "dns_formerr", "dns_badvers", "dns_notimp"))
    ok = (cycles["dns"]["packets"] == dns and cycles["arp"]["packets"] == stats["arp_reply"]
          and cycles["syn"]["packets"] == 2 and cycles["dns"]["cycles_per_packet"] > 0
          and sum(p["packets"] for p in cycles.values()) == len(CASES))
    fails += not ok
    print(f"{'ok  ' if ok else 'FAIL'} cycles per path: " +
          ", ".join(f"{k} {v['packets']} x {v['cycles_per_packet']}" for k, v in cycles.items() if v["packets"]))
    print(f"golden: {len(CASES) + len(drops) + len(counts) + 6 - fails} passed, {fails} failed")
    return fails == 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "gen":
        gen(sys.argv[2])
    elif len(sys.argv) == 6 and sys.argv[1] == "check":
        sys.exit(0 if check(*sys.argv[2:]) else 1)
    else:
        sys.exit(__doc__)

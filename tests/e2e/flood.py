#!/usr/bin/env python3
"""Hostile traffic for the end-to-end tests, written as raw Ethernet frames on
an interface of a namespace the test made (an AF_PACKET socket: any source
address, any source MAC). Frames are built here, a few microseconds each; the
rate is paced by the clock and the run ends after --seconds or --count.

  flood.py IFACE --dst-mac MAC --kind syn|ack|dns|dnsfrag --to IP[,IP...]
           [--src random|IP] [--src-mac MAC] [--rate N] [--seconds S] [--count N]

--src random: 90 % from 198.18.0.0/15 (off the uplink's subnet), 10 % from
10.77.0.10-250 (on it). Prints how many frames it sent.
"""
import argparse
import random
import socket
import struct
import sys
import time


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def ipv4(src, dst, proto, payload, frag=0, ident=0):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, frag, 64, proto, 0,
                    socket.inet_aton(src), socket.inet_aton(dst))
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload


def tcp(src, dst, sport, dport, flags, seq):
    t = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, flags, 65535, 0, 0)
    ph = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(t))
    return t[:16] + struct.pack("!H", csum(ph + t)) + t[18:]


def dns_query(name, ident):
    q = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
    return struct.pack("!HHHHHH", ident, 0x0100, 1, 0, 0, 0) + q + struct.pack("!HH", 1, 1)


def udp(src, dst, sport, dport, data):
    u = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    ph = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 17, len(u))
    return u[:6] + struct.pack("!H", csum(ph + u) or 0xFFFF) + u[8:]


def source(kind):
    if kind != "random":
        return kind
    if random.random() < 0.9:
        n = random.getrandbits(17)
        return "198.%d.%d.%d" % (18 + (n >> 16), (n >> 8) & 0xFF, n & 0xFF)
    return "10.77.0.%d" % random.randint(10, 250)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("iface")
    ap.add_argument("--dst-mac", required=True)
    ap.add_argument("--src-mac")
    ap.add_argument("--kind", choices=("syn", "ack", "dns", "dnsfrag"), default="syn")
    ap.add_argument("--to", required=True)
    ap.add_argument("--src", default="random")
    ap.add_argument("--rate", type=float, default=1000)
    ap.add_argument("--seconds", type=float, default=0)
    ap.add_argument("--count", type=int, default=0)
    ap.add_argument("--name", default="www.example.org")
    a = ap.parse_args()

    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.iface, 0))
    src_mac = mac(a.src_mac) if a.src_mac else s.getsockname()[4][:6]
    eth = mac(a.dst_mac) + src_mac + b"\x08\x00"
    targets = a.to.split(",")
    sent = 0
    t0 = time.monotonic()
    period = 1.0 / a.rate
    while True:
        if a.count and sent >= a.count:
            break
        now = time.monotonic()
        if a.seconds and now - t0 >= a.seconds:
            break
        due = t0 + sent * period
        if due > now:
            time.sleep(min(due - now, 0.01))
            continue
        src, dst = source(a.src), targets[sent % len(targets)]
        sport = random.randint(1024, 65535)
        if a.kind == "syn":
            p = ipv4(src, dst, 6, tcp(src, dst, sport, 80, 0x02, random.getrandbits(32)))
        elif a.kind == "ack":
            p = ipv4(src, dst, 6, tcp(src, dst, sport, 80, 0x10, random.getrandbits(32)))
        else:
            u = udp(src, dst, sport, 53, dns_query(a.name, sent & 0xFFFF))
            if a.kind == "dns":
                p = ipv4(src, dst, 17, u)
            else:  # the query in two fragments: 8 bytes, then the rest
                ident = random.getrandbits(16)
                s.send(eth + ipv4(src, dst, 17, u[:8], frag=0x2000, ident=ident))
                p = ipv4(src, dst, 17, u[8:], frag=1, ident=ident)
        s.send(eth + p)
        sent += 1
    print(sent)


if __name__ == "__main__":
    sys.exit(main())

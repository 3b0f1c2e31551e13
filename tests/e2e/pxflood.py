#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Spoofed floods for the proxy test, from inside the client namespace.

    pxflood.py syn IFACE DST_MAC COUNT SECONDS ADDR...
    pxflood.py dns IFACE DST_MAC COUNT SECONDS GATEWAY NAME...

Frames from random source addresses (never completing a handshake) to the
given service addresses (TCP SYNs to port 80) or DNS queries for the given
names to the gateway: COUNT frames at most, SECONDS at most, as fast as a
raw socket takes them. The frames go out of IFACE only, to DST_MAC (the
gateway's uplink): the test's own namespaces, nothing else. Prints the count
sent and the seconds it took.
"""
import random
import socket
import sys
import time

from scapy.all import DNS, DNSQR, IP, TCP, UDP, Ether, get_if_hwaddr, raw


def main():
    kind, iface, dst_mac = sys.argv[1], sys.argv[2], sys.argv[3]
    count, seconds = int(sys.argv[4]), float(sys.argv[5])
    rest = sys.argv[6:]
    src_mac = get_if_hwaddr(iface)
    rnd = random.Random(0x5eed)
    frames = []
    for i in range(4096):
        src = "%d.%d.%d.%d" % (rnd.randint(1, 223), rnd.randint(0, 255), rnd.randint(0, 255),
                               rnd.randint(1, 254))
        eth = Ether(src=src_mac, dst=dst_mac)
        if kind == "syn":
            pkt = eth / IP(src=src, dst=rest[i % len(rest)]) / TCP(
                sport=rnd.randint(1024, 65535), dport=80, flags="S", seq=rnd.getrandbits(32),
                options=[("MSS", 1460), ("SAckOK", b""), ("Timestamp", (rnd.getrandbits(32), 0)),
                         ("NOP", None), ("WScale", 7)])
        else:
            gw, names = rest[0], rest[1:]
            pkt = eth / IP(src=src, dst=gw) / UDP(sport=rnd.randint(1024, 65535), dport=53) / DNS(
                id=rnd.getrandbits(16), rd=1, qd=DNSQR(qname=names[i % len(names)], qtype="A"))
        frames.append(raw(pkt))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    sent, t0 = 0, time.monotonic()
    while sent < count and time.monotonic() - t0 < seconds:
        for f in frames[:min(256, count - sent)]:
            try:
                s.send(f)
                sent += 1
            except OSError:  # the queue is full: let it drain
                time.sleep(0.001)
        frames = frames[256:] + frames[:256]
    print(sent, "%.3f" % (time.monotonic() - t0))


if __name__ == "__main__":
    main()

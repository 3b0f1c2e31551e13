#!/usr/bin/python3
"""The client side of bench/coldstart.sh, run inside the client namespace.

  coldclient.py fetch DNS_SERVER NAME      one cold fetch: DNS query, connect,
                                           HTTP GET; prints {"dns_ms", "connect_ms",
                                           "first_byte_ms"} (all from the query)
  coldclient.py burst ADDRESS PORT M       M connects at once (non-blocking);
                                           prints {"connect_ms": [...], "failed": n}
  coldclient.py spread PORT ADDRESS...     one connect to each address, all at once;
                                           prints the same and "all_ms", until the last
  coldclient.py synretrans                 the namespace's TcpExt TCPSynRetrans
  coldclient.py retrans                    the namespace's Tcp RetransSegs (any segment)
"""
import json
import os
import resource
import select
import socket
import struct
import sys
import time


def now_ms():
    return time.monotonic() * 1000.0


def dns_a(server, name, timeout=5.0):
    q = struct.pack("!HHHHHH", os.getpid() & 0xFFFF, 0x0100, 1, 0, 0, 0)
    for label in name.strip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\x00" + struct.pack("!HH", 1, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    s.sendto(q, (server, 53))
    r, _ = s.recvfrom(1500)
    s.close()
    if struct.unpack("!H", r[6:8])[0] < 1:
        raise SystemExit(f"coldclient: no answer for {name} (rcode {r[3] & 15})")
    return socket.inet_ntoa(r[-4:])  # our gateway puts the A record last


def fetch(server, name):
    t0 = now_ms()
    addr = dns_a(server, name)
    t1 = now_ms()
    s = socket.create_connection((addr, 80), timeout=10)
    t2 = now_ms()
    s.sendall(f"GET / HTTP/1.0\r\nHost: {name}\r\n\r\n".encode())
    s.recv(1)
    t3 = now_ms()
    s.close()
    print(json.dumps({"dns_ms": t1 - t0, "connect_ms": t2 - t0, "first_byte_ms": t3 - t0,
                      "connect_only_ms": t2 - t1}))


def connect_all(targets, deadline_s=60):
    """Connect to every (address, port) at once: the connect times (ms) of
    those that succeeded, how many failed, and the time until the last."""
    resource.setrlimit(resource.RLIMIT_NOFILE, (len(targets) + 64, len(targets) + 64))
    socks, start = {}, {}
    ep = select.epoll()
    t0 = now_ms()
    for target in targets:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        start[s.fileno()] = now_ms()
        s.connect_ex(target)
        socks[s.fileno()] = s
        ep.register(s.fileno(), select.EPOLLOUT)
    done, failed = [], 0
    deadline = time.monotonic() + deadline_s
    while socks and time.monotonic() < deadline:
        for fd, _ in ep.poll(0.5):
            s = socks.pop(fd)
            ep.unregister(fd)
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                done.append(now_ms() - start[fd])
            else:
                failed += 1
            s.close()
    failed += len(socks)
    for s in socks.values():
        s.close()
    return {"connect_ms": done, "failed": failed, "all_ms": now_ms() - t0}


def burst(addr, port, m):
    r = connect_all([(addr, port)] * m, 20)
    print(json.dumps({"connect_ms": r["connect_ms"], "failed": r["failed"]}))


def spread(port, addrs):
    print(json.dumps(connect_all([(a, port) for a in addrs])))


def synretrans():
    lines = open("/proc/net/netstat").read().splitlines()
    for names, values in zip(lines[::2], lines[1::2]):
        if names.startswith("TcpExt:"):
            print(dict(zip(names.split()[1:], values.split()[1:]))["TCPSynRetrans"])


def retrans():
    lines = open("/proc/net/snmp").read().splitlines()
    for names, values in zip(lines[::2], lines[1::2]):
        if names.startswith("Tcp:"):
            print(dict(zip(names.split()[1:], values.split()[1:]))["RetransSegs"])


if __name__ == "__main__":
    a = sys.argv[1:]
    if a[:1] == ["fetch"] and len(a) == 3:
        fetch(a[1], a[2])
    elif a[:1] == ["burst"] and len(a) == 4:
        burst(a[1], int(a[2]), int(a[3]))
    elif a[:1] == ["spread"] and len(a) >= 3:
        spread(int(a[1]), a[2:])
    elif a == ["synretrans"]:
        synretrans()
    elif a == ["retrans"]:
        retrans()
    else:
        sys.exit(__doc__)

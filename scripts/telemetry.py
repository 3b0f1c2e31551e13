#!/usr/bin/python3
"""Ask a running jitsu (or any DPDK process) one telemetry command.

Usage: telemetry.py FILE_PREFIX COMMAND [--wait SECONDS]
Prints the command's JSON value (what dpdk-telemetry.py shows under the
command's name). With --wait, retries until the socket answers.
"""
import json
import os
import socket
import sys
import time


def socket_path(prefix):
    base = "/var/run/dpdk" if os.getuid() == 0 else os.path.join(
        os.environ.get("XDG_RUNTIME_DIR", "/tmp"), "dpdk")
    return os.path.join(base, prefix, "dpdk_telemetry.v2")


def query(prefix, cmd):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        s.connect(socket_path(prefix))
        info = json.loads(s.recv(1024).decode())
        s.send(cmd.encode())
        reply = s.recv(info.get("max_output_len", 16384)).decode()
    finally:
        s.close()
    return json.loads(reply)[cmd.split(",")[0]]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    prefix, cmd = sys.argv[1], sys.argv[2]
    wait = float(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == "--wait" else 0
    deadline = time.monotonic() + wait
    while True:
        try:
            value = query(prefix, cmd)
            if value is None and wait:  # not registered yet: jitsu is starting
                raise ValueError(f"{cmd} not available yet")
            print(json.dumps(value))
            return
        except (OSError, ValueError) as e:
            if time.monotonic() >= deadline:
                sys.exit(f"telemetry.py: {prefix}: {e}")
            time.sleep(0.1)


if __name__ == "__main__":
    main()

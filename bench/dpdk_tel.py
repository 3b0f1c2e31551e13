#!/usr/bin/python3
"""Telemetry sampling and reporting for bench/dns_rate.sh (stdlib only).

  dpdk_tel.py runtime-dir PREFIX
      the EAL runtime directory of a --file-prefix (where its sockets are)

  dpdk_tel.py measure --prefix P --pid PID --kind jitsu|testpmd --out FILE ...
      connect to the telemetry socket of process PID (SOCK_SEQPACKET,
      <runtime dir>/dpdk_telemetry.v2), wait until it forwards, warm up, then
      sample its counters over a window; print one line, write the run's JSON,
      exit 1 when the run is not valid (no traffic, drops, errors)

  dpdk_tel.py pool RUN.json
      "SIZE CACHE" of the mbuf pool a jitsu run used

  dpdk_tel.py report --json FILE [--label TEXT] [--set K=V]... [--note T]... RUN.json...
      the table (median, min, max over the runs) and its JSON

One connection is kept for the whole run, so that a sample costs one
request/response on the socket (tens of microseconds), not a Python start;
each sample is stamped with the monotonic clock at the middle of its request.
"""

import argparse
import json
import os
import socket
import statistics
import sys
import time

TEL_SOCKET = "dpdk_telemetry.v2"


def runtime_dir(prefix):
    """The EAL's runtime directory for a file prefix (as eal_create_runtime_dir)."""
    base = os.environ.get("RUNTIME_DIRECTORY")
    if not base:
        base = "/var/run" if os.geteuid() == 0 else os.environ.get("XDG_RUNTIME_DIR", "/tmp")
    return os.path.join(base, "dpdk", prefix)


def alive(pid):
    """True while pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


class Fail(Exception):
    pass


CLK_TCK = os.sysconf("SC_CLK_TCK")


def lcore_thread(pid, cpu):
    """The thread of pid pinned to cpu alone (an EAL lcore thread), or None."""
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    for tid in tids:
        try:
            if os.sched_getaffinity(int(tid)) == {cpu}:
                return int(tid)
        except OSError:
            continue
    return None


def thread_cpu_s(pid, tid):
    """CPU time (user + system) of a thread, in seconds."""
    with open(f"/proc/{pid}/task/{tid}/stat", encoding="ascii", errors="replace") as f:
        st = f.read().rsplit(")", 1)[1].split()
    return (int(st[11]) + int(st[12])) / CLK_TCK


def cpu_times(cpu):
    """(busy, steal) seconds of a CPU from /proc/stat; busy excludes idle,
    iowait and steal."""
    with open("/proc/stat", encoding="ascii") as f:
        for line in f:
            v = line.split()
            if v[0] == f"cpu{cpu}":
                n = [int(x) for x in v[1:9]] + [0] * 8
                user, nice, system, idle, iowait, irq, softirq, steal = n[:8]
                return (user + nice + system + irq + softirq) / CLK_TCK, steal / CLK_TCK
    return 0.0, 0.0


class Telemetry:
    def __init__(self, path, pid, timeout):
        """Connect to path, retrying until timeout; the socket must be pid's."""
        deadline = time.monotonic() + timeout
        last = None
        while True:
            if not alive(pid):
                raise Fail(f"process {pid} exited before its telemetry answered")
            s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            s.settimeout(5.0)
            try:
                s.connect(path)
                hello = json.loads(s.recv(65536).decode())
                if hello.get("pid") != pid:
                    raise Fail(f"{path} belongs to process {hello.get('pid')}, not {pid}")
                self.sock = s
                self.buf = max(int(hello.get("max_output_len", 16384)), 16384) + 1024
                return
            except (OSError, ValueError) as e:
                last = e
                s.close()
            if time.monotonic() > deadline:
                raise Fail(f"cannot connect to {path} within {timeout:g} s: {last}")
            time.sleep(0.05)

    def query(self, cmd):
        """Send one command; return (monotonic time at mid-request, reply value)."""
        t0 = time.monotonic()
        self.sock.send(cmd.encode())
        raw = self.sock.recv(self.buf)
        t1 = time.monotonic()
        if not raw:
            raise Fail("telemetry socket closed (process gone?)")
        reply = json.loads(raw.decode())
        key = cmd.split(",", 1)[0]
        if key not in reply or reply[key] is None:
            raise Fail(f"telemetry: '{cmd}' is not answered: {raw[:200]!r}")
        return (t0 + t1) / 2, reply[key]


# What each kind of run samples: the commands (the first gives the rate) and
# the counter whose growth is the measured rate.
KINDS = {
    "jitsu": {"cmds": ["/jitsu/stats", "/ethdev/stats,0"], "counter": "dns_answer",
              "unit": "DNS answers/s"},
    "testpmd": {"cmds": ["/ethdev/stats,0"], "counter": "opackets",
                "unit": "packets/s (tx)"},
}


def wait_forwarding(tel, cmd, counter, pid, timeout):
    """Return once counter grows between two reads (testpmd first drains its
    rx queues for about a second on its main lcore before forwarding)."""
    deadline = time.monotonic() + timeout
    _, d = tel.query(cmd)
    prev = d[counter]
    while True:
        time.sleep(0.1)
        if not alive(pid):
            raise Fail(f"process {pid} exited")
        _, d = tel.query(cmd)
        if d[counter] > prev:
            return
        prev = d[counter]
        if time.monotonic() > deadline:
            raise Fail(f"{counter} did not grow within {timeout:g} s: nothing is forwarded")


def delta(first, last, key):
    return last[key] - first[key]


def cmd_measure(a):
    kind = KINDS[a.kind]
    path = os.path.join(runtime_dir(a.prefix), TEL_SOCKET)
    tel = Telemetry(path, a.pid, a.timeout)
    cmds, counter = kind["cmds"], kind["counter"]
    wait_forwarding(tel, cmds[0], counter, a.pid, a.timeout)
    pool = None
    if a.kind == "jitsu":  # its mbuf pool, so that testpmd can get the same
        _, names = tel.query("/mempool/list")
        if names:
            _, info = tel.query(f"/mempool/info,{names[0]}")
            pool = {k: info.get(k) for k in ("name", "size", "cache_size", "elt_size")}
    time.sleep(a.warmup)

    tid = lcore_thread(a.pid, a.lcore)
    if tid is None:
        raise Fail(f"process {a.pid} has no thread pinned to lcore {a.lcore} alone")
    samples = []
    start = time.monotonic()
    for i in range(a.samples + 1):
        target = start + a.window * i / a.samples
        now = time.monotonic()
        if target > now:
            time.sleep(target - now)
        if not alive(a.pid):
            raise Fail(f"process {a.pid} exited during the measurement")
        s = {}
        for c in cmds:
            t, v = tel.query(c)
            s.setdefault("t", t)  # the time of the rate's own counter
            s[c] = v
        if i == 0 or i == a.samples:
            s["lcore_cpu_s"] = thread_cpu_s(a.pid, tid)
            s["steal_s"] = cpu_times(a.lcore)[1]
            s["main_cpu_busy_s"] = cpu_times(a.main_cpu)[0]
        samples.append(s)
    tel.sock.close()

    f, l = samples[0], samples[-1]
    main_f, main_l = f[cmds[0]], l[cmds[0]]
    dt = l["t"] - f["t"]
    rate = delta(main_f, main_l, counter) / dt
    intervals = [(b[cmds[0]][counter] - p[cmds[0]][counter]) / (b["t"] - p["t"])
                 for p, b in zip(samples, samples[1:])]
    eth_f, eth_l = f["/ethdev/stats,0"], l["/ethdev/stats,0"]
    res = {
        "kind": a.kind, "run": a.run, "pid": a.pid, "counter": counter,
        "unit": kind["unit"], "rate": rate, "seconds": dt,
        "count": delta(main_f, main_l, counter),
        "interval_rates": intervals,
        "pool": pool,
        "port0": {k: delta(eth_f, eth_l, k) for k in
                  ("ipackets", "opackets", "imissed", "ierrors", "oerrors", "rx_nombuf")},
        "samples": samples,
    }
    problems = []
    if res["count"] <= 0:
        problems.append(f"{counter} did not grow")
    for k in ("oerrors", "ierrors", "rx_nombuf", "imissed"):
        if eth_l[k] != 0:
            problems.append(f"port 0 {k} = {eth_l[k]}")
    if a.kind == "jitsu":
        drops = {k: main_l[k] for k in main_l if k.startswith("drop_") and main_l[k]}
        res["drops"] = main_l["drops"]
        res["drops_delta"] = delta(main_f, main_l, "drops")
        res["drop_reasons"] = drops
        res["rx_uplink"] = delta(main_f, main_l, "rx_uplink")
        res["tx_uplink"] = delta(main_f, main_l, "tx_uplink")
        res["mbuf_in_use"] = [main_f.get("mbuf_in_use"), main_l.get("mbuf_in_use")]
        others = {k: delta(main_f, main_l, k) for k in
                  ("dns_nodata", "dns_nxdomain", "dns_refused", "dns_formerr", "dns_badvers",
                   "arp_reply", "exception_forwarded")}
        others = {k: v for k, v in others.items() if v}
        res["other_outcomes"] = others
        if main_l["drops"] != 0:
            problems.append(f"drops = {main_l['drops']} ({', '.join(f'{k} {v}' for k, v in drops.items())})")
        if others:
            problems.append("queries not answered with an A record: " +
                            ", ".join(f"{k} +{v}" for k, v in others.items()))
        detail = (f"dns_answer +{res['count']} in {dt:.3f} s; rx_uplink +{res['rx_uplink']}, "
                  f"tx_uplink +{res['tx_uplink']}, port 0 tx +{res['port0']['opackets']}; "
                  f"drops {res['drops']} (+{res['drops_delta']}); mbuf_in_use "
                  f"{res['mbuf_in_use'][0]}->{res['mbuf_in_use'][1]}")
    else:
        detail = (f"port 0 tx +{res['count']} in {dt:.3f} s, rx +{res['port0']['ipackets']}; "
                  f"oerrors {eth_l['oerrors']}, rx_nombuf {eth_l['rx_nombuf']}, "
                  f"imissed {eth_l['imissed']}")
    # The forwarding thread spins: anything else that ran on its core (other
    # processes, the hypervisor) shows as on-CPU time below the wall time.
    res["lcore"] = a.lcore
    res["lcore_on_cpu"] = (l["lcore_cpu_s"] - f["lcore_cpu_s"]) / dt
    res["lcore_steal"] = (l["steal_s"] - f["steal_s"]) / dt
    res["main_cpu"] = a.main_cpu
    res["main_cpu_busy"] = (l["main_cpu_busy_s"] - f["main_cpu_busy_s"]) / dt
    spread = (max(intervals) - min(intervals)) / rate if rate > 0 else 0
    line = (f"{a.kind:<7} run {a.run}: {rate / 1e6:7.3f} M {kind['unit']:<14}  "
            f"{a.window / a.samples:g}-s intervals {min(intervals) / 1e6:.3f}.."
            f"{max(intervals) / 1e6:.3f} M; lcore {a.lcore} thread on-CPU "
            f"{min(res['lcore_on_cpu'], 1.0) * 100:.1f}%, steal {res['lcore_steal'] * 100:.1f}%; "
            f"core {a.main_cpu} busy {min(res['main_cpu_busy'], 1.0) * 100:.0f}%"
            f"\n                {detail}")
    if res["lcore_on_cpu"] < a.min_on_cpu:
        print(f"dns_rate: {a.kind} run {a.run}: WARNING: the lcore {a.lcore} thread was on-CPU "
              f"only {res['lcore_on_cpu'] * 100:.1f}% of the window: something else ran on "
              f"core {a.lcore}; this run is low", file=sys.stderr)
    res["interval_spread"] = spread
    res["problems"] = problems
    with open(a.out, "w", encoding="utf-8") as fo:
        json.dump(res, fo, indent=1)
    print(line, flush=True)
    for p in problems:
        print(f"dns_rate: {a.kind} run {a.run}: INVALID: {p}", file=sys.stderr)
    return 1 if problems else 0


def stats3(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "runs": values}


def cmd_report(a):
    runs = []
    for p in a.runs:
        with open(p, encoding="utf-8") as f:
            runs.append(json.load(f))
    j = [r["rate"] for r in runs if r["kind"] == "jitsu"]
    t = [r["rate"] for r in runs if r["kind"] == "testpmd"]
    if not j or not t or len(j) != len(t):
        print(f"dns_rate: report: {len(j)} jitsu and {len(t)} testpmd runs: need as many "
              "of each, at least one", file=sys.stderr)
        return 1
    # ratio of each interleaved pair, and the ratio of the medians
    ratios = [x / y for x, y in zip(j, t)]
    js, ts, rs = stats3(j), stats3(t), stats3(ratios)
    rs["of_medians"] = js["median"] / ts["median"]
    oc = [r["lcore_on_cpu"] for r in runs]
    meta = {}
    for kv in a.set:
        k, _, v = kv.partition("=")
        meta[k] = v
    meta["notes"] = a.note
    out = {
        "benchmark": "dns_rate",
        "jitsu_dns_answers_per_s": js,
        "testpmd_macswap_pps": ts,
        "ratio_jitsu_over_testpmd": rs,
        "runs": len(j),
        "ns_per_packet_median": {"jitsu": 1e9 / js["median"], "testpmd": 1e9 / ts["median"]},
        "lcore_on_cpu": stats3(oc),
        "core0_busy": stats3([r["main_cpu_busy"] for r in runs]),
        "meta": meta,
        "details": [{k: v for k, v in r.items() if k != "samples"} for r in runs],
    }
    os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
    tmp = a.json + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    os.replace(tmp, a.json)

    def m(x):
        return f"{x / 1e6:10.3f} M"

    w = 34
    print()
    print(f"DNS answer rate: {len(j)} interleaved runs each, {a.label}")
    print(f"{'':{w}} {'median':>12} {'min':>12} {'max':>12}")
    print(f"{'jitsu DNS answers/s':{w}} {m(js['median'])} {m(js['min'])} {m(js['max'])}")
    print(f"{'testpmd macswap pps (tx)':{w}} {m(ts['median'])} {m(ts['min'])} {m(ts['max'])}")
    print(f"{'ratio jitsu/testpmd (per pair)':{w}} {rs['median']:12.3f} {rs['min']:12.3f} "
          f"{rs['max']:12.3f}")
    print(f"{'ratio of the medians':{w}} {rs['of_medians']:12.3f}")
    jn, tn = 1e9 / js["median"], 1e9 / ts["median"]
    print(f"  per packet on lcore 1 (medians): jitsu {jn:.1f} ns, testpmd macswap {tn:.1f} ns; "
          f"answering costs {jn - tn:.1f} ns more than a macswap")
    mb = [r["main_cpu_busy"] for r in runs]
    print(f"  during the windows: forwarding thread on-CPU {min(oc) * 100:.1f}% to "
          f"{min(max(oc), 1.0) * 100:.1f}% (below 100%: something else ran on its core); "
          f"core 0 busy {min(mb) * 100:.0f}% to {min(max(mb), 1.0) * 100:.0f}%")
    for line in meta.get("notes", []):
        print(f"  {line}")
    print(f"  JSON: {a.json}")
    return 0


def main():
    ap = argparse.ArgumentParser(description="telemetry sampling for bench/dns_rate.sh")
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("runtime-dir")
    r.add_argument("prefix")
    q = sub.add_parser("pool")
    q.add_argument("run_json")
    m = sub.add_parser("measure")
    m.add_argument("--prefix", required=True)
    m.add_argument("--pid", type=int, required=True)
    m.add_argument("--kind", choices=sorted(KINDS), required=True)
    m.add_argument("--run", type=int, default=1)
    m.add_argument("--warmup", type=float, default=1.0)
    m.add_argument("--window", type=float, default=5.0)
    m.add_argument("--samples", type=int, default=5, help="intervals in the window")
    m.add_argument("--timeout", type=float, default=30.0)
    m.add_argument("--lcore", type=int, default=1, help="the forwarding lcore (its CPU)")
    m.add_argument("--main-cpu", type=int, default=0,
                   help="the main lcore's CPU, whose load is reported")
    m.add_argument("--min-on-cpu", type=float, default=0.97,
                   help="warn when the forwarding thread ran less than this share")
    m.add_argument("--out", required=True)
    p = sub.add_parser("report")
    p.add_argument("--json", required=True)
    p.add_argument("--label", default="")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="stored under 'meta' in the JSON")
    p.add_argument("--note", action="append", default=[], help="printed under the table")
    p.add_argument("runs", nargs="+")
    a = ap.parse_args()
    try:
        if a.cmd == "runtime-dir":
            print(runtime_dir(a.prefix))
            return 0
        if a.cmd == "pool":
            with open(a.run_json, encoding="utf-8") as f:
                pool = json.load(f).get("pool")
            if not pool or not pool.get("size"):
                raise Fail(f"{a.run_json}: no mbuf pool recorded")
            print(pool["size"], pool["cache_size"])
            return 0
        if a.cmd == "measure":
            if a.samples < 1 or a.window <= 0 or a.warmup < 0:
                ap.error("--samples >= 1, --window > 0, --warmup >= 0")
            return cmd_measure(a)
        return cmd_report(a)
    except Fail as e:
        print(f"dns_rate: {getattr(a, 'kind', '')} run {getattr(a, 'run', '')}: {e}",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

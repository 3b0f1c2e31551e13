#!/usr/bin/python3
"""The numbers of bench/harness.sh (stdlib only; the telemetry client is
bench/dpdk_tel.py's).

  harness.py sample --dut jitsu|testpmd --prefix P --pid PID --gen-pid PID
                    --report GEN.json [--window S --warmup S] [--cycles] --out F
      while a run goes on: the device under test's counters over a window in
      the steady state (when --window > 0), then, once the generator has
      printed its report, its final counters (and /jitsu/cycles)

  harness.py analyze --name N --dut D --gen GEN.json --sample S.json --out F
      one run: rates, loss, latency and the checks of correctness; prints a
      line; exit 1 when a check fails

  harness.py search --state F (--init HI --steps N --pdr-loss X | --result SUMMARY)
      NDR/PDR search: prints the next offered rate (pps), or "done"

  harness.py get FILE KEY[.KEY...]
      one value of a JSON file

  harness.py report --dir D --trials N --json OUT [--set K=V]...
      the table of every figure (median, min, max over the trials) and OUT

Runs are files in --dir named tRUN-ROLE.{json,sample.json,summary.json} (and
tRUN-SEARCH.search.json); ROLES and SEARCHES below are the names harness.sh
uses.
"""

import argparse
import json
import os
import re
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dpdk_tel import (TEL_SOCKET, Fail, Telemetry, alive, cpu_times,  # noqa: E402
                      lcore_thread, runtime_dir, thread_cpu_s)

PROG = "harness"

# The lcores: the generator's worker and the device's forwarding lcore, each
# alone on its core (their main lcores sit on the other core, mostly asleep).
GEN_CPU, DUT_CPU = 1, 0

# The telemetry each kind of device answers; the first is its "rx" probe.
DUT_CMDS = {"jitsu": ["/jitsu/stats", "/ethdev/stats,0"],
            "testpmd": ["/ethdev/stats,0", "/ethdev/stats,1"]}
# Keys of a command's answer are prefixed so that the two ports' do not
# collide (jitsu's own counters have distinct names).
KEY_PREFIX = {"/ethdev/stats,1": "p1_"}
RX = {"jitsu": ("/jitsu/stats", "rx_uplink"), "testpmd": ("/ethdev/stats,0", "ipackets")}

# The generator's counters that say a frame came back wrong or unreadable.
GEN_BAD = re.compile(r"^(rx_(?!multiseg)|bad_)")

# the share of replies that may come back too late to be matched (a stall)
UNMATCHED_OK = 0.01

# jitsu's outcomes that none of the profiles here may cause
JITSU_NEVER = ("dns_nodata", "dns_refused", "dns_formerr", "dns_badvers", "dns_servfail",
               "exception_forwarded")


def die(msg):
    print(f"{PROG}: {msg}", file=sys.stderr)
    sys.exit(1)


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def save(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)


# ---- sample ---------------------------------------------------------------


def snapshot(tel, cmds):
    s = {}
    for c in cmds:
        t, v = tel.query(c)
        s.setdefault("t", t)
        s[c] = v
    return s


def first_query(tel, cmd, pid, timeout):
    """The first answer of cmd: jitsu registers its commands before its
    workers are live and answers null until then."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return tel.query(cmd)
        except Fail:
            if not alive(pid) or time.monotonic() > deadline:
                raise
        time.sleep(0.05)


def report_done(path):
    try:
        with open(path, encoding="utf-8") as f:
            return '"port": ' in f.read()
    except OSError:
        return False


def wait_sending(tel, dut, pid, timeout):
    """Until the device receives a steady stream (the generator's probe is
    one frame; its sending starts right after)."""
    cmd, key = RX[dut]
    deadline = time.monotonic() + timeout
    _, prev = first_query(tel, cmd, pid, timeout)
    while True:
        time.sleep(0.05)
        if not alive(pid):
            raise Fail(f"process {pid} exited before the traffic started")
        _, cur = tel.query(cmd)
        if cur[key] - prev[key] >= 1000:
            return
        prev = cur
        if time.monotonic() > deadline:
            raise Fail(f"{key} did not grow within {timeout:g} s: no traffic reaches the device")


def threads(a):
    """The two polling threads: each must be alone on its core."""
    out = {}
    for who, pid, cpu in (("dut", a.pid, DUT_CPU), ("gen", a.gen_pid, GEN_CPU)):
        tid = lcore_thread(pid, cpu)
        if tid is None:
            raise Fail(f"the {who} (pid {pid}) has no thread pinned to CPU {cpu} alone")
        out[who] = (pid, tid, cpu)
    return out


def cpu_snapshot(th):
    return {who: thread_cpu_s(pid, tid) for who, (pid, tid, _) in th.items()} | \
        {f"steal_cpu{c}": cpu_times(c)[1] for c in (DUT_CPU, GEN_CPU)}


def cmd_sample(a):
    t_start = time.monotonic()
    tel = Telemetry(os.path.join(runtime_dir(a.prefix), TEL_SOCKET), a.pid, a.timeout)
    cmds = DUT_CMDS[a.dut]
    out = {"dut": a.dut, "pid": a.pid, "gen_pid": a.gen_pid}
    first_query(tel, cmds[0], a.pid, a.timeout)
    if a.dut == "jitsu":  # its mbuf pool, which testpmd is then given too
        _, names = tel.query("/mempool/list")
        if names:
            _, info = tel.query(f"/mempool/info,{names[0]}")
            out["pool"] = {k: info.get(k) for k in ("name", "size", "cache_size")}
    if a.window > 0:
        wait_sending(tel, a.dut, a.pid, a.timeout)
        th = threads(a)
        out["lcores"] = {who: {"cpu": cpu, "tid": tid} for who, (_, tid, cpu) in th.items()}
        time.sleep(a.warmup)
        c0, first = cpu_snapshot(th), snapshot(tel, cmds)
        time.sleep(max(0.0, first["t"] + a.window - time.monotonic()))
        last, c1 = snapshot(tel, cmds), cpu_snapshot(th)
        time.sleep(0.05)
        after = snapshot(tel, cmds)
        cmd, key = RX[a.dut]
        if after[cmd][key] <= last[cmd][key]:
            raise Fail("the generator had stopped sending before the window ended "
                       "(raise BENCH_SLACK)")
        dt = last["t"] - first["t"]
        out["window"] = {"seconds": dt, "first": first, "last": last,
                         "on_cpu": {k: (c1[k] - c0[k]) / dt for k in c0}}
    # the report comes after the sending and the drain: no need to look
    # before (every wake-up here takes the CPU from a polling thread)
    time.sleep(max(0.0, t_start + a.expect - time.monotonic()))
    deadline = time.monotonic() + a.timeout
    while not report_done(a.report):
        if not alive(a.gen_pid):
            raise Fail("the generator exited without its report")
        if not alive(a.pid):
            raise Fail(f"the device (pid {a.pid}) exited during the run")
        if time.monotonic() > deadline:
            raise Fail(f"no report from the generator within {a.timeout:g} s")
        time.sleep(0.05)
    out["final"] = snapshot(tel, cmds + (["/jitsu/cycles"] if a.cycles else []))
    tel.sock.close()
    save(a.out, out)
    return 0


# ---- analyze --------------------------------------------------------------


def loss_shortfall(g):
    """(loss, shortfall) of a run. Loss: of the frames the device took, the
    share that never came back (RFC 2544's frame loss). Shortfall: the share
    of the offered rate that could not go out at all: with memif a full ring
    pushes back on the generator instead of dropping, so a device that cannot
    keep up shows as a shortfall (tx_behind, and tx_unsent at the end), and so
    does a generator that was descheduled for longer than its 100 us backlog."""
    c = g["counters"]
    skipped = c["tx_behind"] + c["tx_unsent"]
    loss = g["lost"] / g["sent"] if g["sent"] else 1.0
    offered = g["sent"] + skipped
    return loss, (skipped / offered if offered else 1.0)


def deltas(w):
    """Growth of every numeric counter over a window (first/last snapshots;
    port 1's counters prefixed with p1_)."""
    return {KEY_PREFIX.get(c, "") + k: v - w["first"][c][k] for c in w["last"] if c != "t"
            for k, v in w["last"][c].items() if isinstance(v, (int, float))}


def check_run(a, g, s, kinds, problems):
    """Every check of correctness of one run; appends to problems."""
    if g["sent"] <= 0:
        problems.append("the generator sent nothing")
    bad = {k: v for k, v in g["counters"].items() if GEN_BAD.match(k) and v}
    late = bad.get("rx_unmatched", 0)
    if g.get("flood") == "syn-cold":
        # the flood's 32768 TCP port tags wrap around within about 1.5 ms at
        # the generator's rate (most are dropped at the full ring): a late
        # RST may find its tag reused; jitsu counts every RST it sent
        bad.pop("rx_unmatched", None)
    elif late and late <= UNMATCHED_OK * g["received"]:
        # a reply later than 65536 (DNS) or 32768 (SYN) packets behind finds
        # its tag's slot reused: a process stalled for that long (a loaded
        # machine), not a wrong reply; more than a few is a failure
        bad.pop("rx_unmatched", None)
    if bad:
        problems.append(f"bad or unreadable frames back: {bad}")
    jitsu = a.dut == "jitsu"
    fin = s["final"]
    for k, n in kinds.items():
        # fwd comes back forwarded, out of port 1, from either device
        good = n["correct"] if jitsu or k == "fwd" else n["echoed"]
        if n["sent"] and n["received"] == 0:
            problems.append(f"{k}: nothing came back")
        if n["wrong"] or good != n["received"]:
            problems.append(f"{k}: {n['received']} back, {good} as expected, {n['wrong']} wrong")
    if s.get("window"):
        d = deltas(s["window"])
        moved = d.get("opackets" if not jitsu else "tx_uplink", 0) + d.get("tx_downlink", 0) + \
            d.get("p1_opackets", 0)
        if moved <= 0:
            problems.append("the device's tx counters did not move in the window")
        if jitsu and d["drops"] != d["drop_tx_full"]:
            problems.append("drops in the window other than drop_tx_full: " + str(
                {k: v for k, v in d.items() if k.startswith("drop_") and v}))
    if jitsu:
        st = fin["/jitsu/stats"]
        allowed = st["drop_tx_full"] + (st["drop_svc_not_ready"] if "fwd" in kinds else 0)
        if st["drops"] != allowed:
            problems.append("jitsu dropped for other reasons than a full tx ring: " + str(
                {k: v for k, v in st.items() if k.startswith("drop_") and v}))
        never = {k: st[k] for k in JITSU_NEVER if st.get(k)}
        if never:
            problems.append(f"jitsu outcomes no query here asks for: {never}")
        if st["syn_held"] != st["syn_reset"]:
            problems.append(f"syn_held {st['syn_held']} != syn_reset {st['syn_reset']}")
        # what is forwarded goes out of the downlink, or is dropped at its full
        # ring; besides it, the downlink carries the gateway's own few frames
        # (its gratuitous ARP at start, readiness probes: counted with those
        # of the uplink, an upper bound)
        own = sum(st.get(k, 0) for k in ("arp_announce", "probe_sent", "probe_answered"))
        if not st["tx_downlink"] - own <= st["forwarded_down"] <= \
                st["tx_downlink"] + st["drop_tx_full"]:
            problems.append(f"forwarded_down {st['forwarded_down']} is not tx_downlink "
                            f"{st['tx_downlink']} (- {own} of its own, + drop_tx_full "
                            f"{st['drop_tx_full']})")
        # synjitsu = proxy answers SYNs with cookie SYN-ACKs, buffer with RSTs
        proxy = st.get("px_cookie_synack", 0) > 0
        syn_counter = "px_cookie_synack" if proxy else "syn_reset"
        for kind, counter in (("dns-hit", "dns_answer"), ("dns-miss", "dns_nxdomain"),
                              ("syn-cold", syn_counter)):
            if kind in kinds and st[counter] < kinds[kind]["correct"]:
                problems.append(f"jitsu counted {st[counter]} {counter}, the generator got "
                                f"{kinds[kind]['correct']} correct {kind} replies")
        reply = "synack" if proxy else "rst"
        if "syn-cold" in kinds and kinds["syn-cold"][reply] != kinds["syn-cold"]["correct"]:
            problems.append(f"syn-cold: not every reply is an {reply.upper()}")
    else:
        eth = fin["/ethdev/stats,0"]
        errs = {k: eth[k] for k in ("ierrors", "rx_nombuf") if eth.get(k)}
        if errs:
            problems.append(f"testpmd's port: {errs}")


def cmd_analyze(a):
    g, s = load(a.gen), load(a.sample)
    kinds = g["kinds"]
    loss, shortfall = loss_shortfall(g)
    tx_s = g["tx"]["seconds"]
    res = {
        "name": a.name, "dut": a.dut, "profile": g["profile"], "mix": g["mix"],
        "rate_pps": g["rate_pps"], "tx_pps": g["tx"]["mpps"] * 1e6,
        "rx_pps": g["rx"]["mpps"] * 1e6, "tsc_hz": g["tsc_hz"],
        "sent": g["sent"], "received": g["received"], "lost": g["lost"], "loss": loss,
        "tx_behind": g["counters"]["tx_behind"], "shortfall": shortfall,
        "rx_unmatched": g["counters"]["rx_unmatched"],
        "sent_pps": {k: (n["sent"] / tx_s if tx_s else 0) for k, n in kinds.items()},
        # --lossy: what was made, taken by the port or dropped at its full ring
        "offered_pps": {k: ((n["sent"] + n.get("dropped", 0)) / tx_s if tx_s else 0)
                        for k, n in kinds.items()},
        "flood": g.get("flood"), "lossy": g.get("lossy", False),
        "latency_p99_us": (g["latency_ns"]["p99"] or 0) / 1e3,
        "latency_p50_us": (g["latency_ns"]["p50"] or 0) / 1e3,
    }
    if s.get("window"):
        w = s["window"]
        dt = w["seconds"]
        res["window_s"] = dt
        res["rates"] = {k: v / dt for k, v in deltas(w).items()}
        res["on_cpu"] = w["on_cpu"]
        res["lcores"] = s.get("lcores")
    if "pool" in s:
        res["pool"] = s["pool"]
    if "/jitsu/cycles" in s["final"]:
        res["cycles"] = s["final"]["/jitsu/cycles"]
    problems = []
    check_run(a, g, s, kinds, problems)
    res["problems"] = problems
    save(a.out, res)

    r = res.get("rates", {})
    main = {"dns-hit": "dns_answer", "syn-cold": "syn_reset", "fwd": "forwarded_down"}
    figure = ""
    if r:
        figure = f"  rx {r[RX[a.dut][1]] / 1e6:7.3f} M/s,"
        key = "opackets" if a.dut == "testpmd" else main.get(g["profile"], "tx_uplink")
        if a.dut == "testpmd" and g["profile"] == "fwd":
            key = "p1_opackets"
        figure += f" {key} {r.get(key, 0) / 1e6:7.3f} M/s"
        if a.dut == "jitsu" and (g["profile"] == "mixed" or g.get("flood")):
            figure += f" (dns_answer {r['dns_answer'] / 1e6:.3f}, syn_reset " \
                      f"{r['syn_reset'] / 1e6:.3f})"
        if g.get("lossy"):
            figure += " offered " + ", ".join(
                f"{k} {v / 1e6:.3f}" for k, v in res["offered_pps"].items()) + " M/s"
    rate = f"{g['rate_pps'] / 1e6:7.3f}" if g["rate_pps"] else "    max"
    print(f"  {a.name:<16} {a.dut:<7} {g['profile']:<8} rate {rate} M: tx {res['tx_pps'] / 1e6:7.3f}"
          f" rx {res['rx_pps'] / 1e6:7.3f} Mpps, loss {loss * 100:7.4f}%, short "
          f"{shortfall * 100:6.3f}%, p99 "
          f"{res['latency_p99_us']:8.1f} us{figure}", flush=True)
    for p in problems:
        print(f"{PROG}: {a.name}: FAILED CHECK: {p}", file=sys.stderr)
    return 1 if problems else 0


# ---- search ---------------------------------------------------------------


def search_bounds(st):
    """(lo, hi) of the NDR and of the PDR: lo the highest rate tried that
    passed, hi the lowest above it that failed (or lo when none failed)."""
    out = {}
    for what, limit in (("ndr", 0.0), ("pdr", st["pdr_loss"])):
        ok = [r for r, loss, short in st["tried"] if loss <= limit and short <= st["shortfall"]]
        lo = max(ok, default=0.0)
        bad = [r for r, *_ in st["tried"] if r not in ok and r > lo]
        out[what] = (lo, min(bad, default=lo if ok else st["hi"]))
    return out


def search_next(st):
    """The next rate: RFC 2544's binary search, one step at a time on the
    wider of the two intervals (NDR, PDR), first at the top rate."""
    if not st["tried"]:
        return st["hi"]
    if len(st["tried"]) >= st["steps"]:
        return None
    b = search_bounds(st)
    lo, hi = max(b.values(), key=lambda x: x[1] - x[0])
    if hi - lo <= st["resolution"] * st["hi"]:
        return None
    return (lo + hi) / 2


def cmd_search(a):
    if a.init is not None:
        st = {"hi": a.init, "steps": a.steps, "pdr_loss": a.pdr_loss,
              "shortfall": a.shortfall, "resolution": a.resolution, "tried": []}
    else:
        st = load(a.state)
        r = load(a.result)
        if r["problems"]:
            return 1
        st["tried"].append([r["rate_pps"], r["loss"], r["shortfall"]])
    b = search_bounds(st)
    st["ndr"], st["pdr"] = b["ndr"][0], b["pdr"][0]
    nxt = search_next(st)
    save(a.state, st)
    print("done" if nxt is None else int(round(nxt)))
    return 0


# ---- report ---------------------------------------------------------------


def stat3(values):
    values = [v for v in values if v is not None]
    if not values:
        return {"median": None, "min": None, "max": None}
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def fig(o, k, n=3):
    v = o.get(k)
    return f"{v:10.{n}f}" if isinstance(v, (int, float)) else f"{'-':>10}"


NOTES = (
    "notes: rates are the device's own counters (jitsu: dns_answer, forwarded_down, syn_reset;",
    "  testpmd: port 0 tx, port 1 tx for fwd) over the window; ratios are taken per trial,",
    "  then median/min/max.",
    "  fwd: jitsu routes port 0 -> port 1 (its downlink) and testpmd macswap forwards port 0 ->",
    "  port 1 (paired): the generator sends on its port 0 and checks every frame it gets on its",
    "  port 1 in both runs, so both load it alike.",
    "  dns_under_flood_vs_alone: DNS answers/s while dns-hit is offered at a fixed pace (half",
    "  of the trial's DNS capacity) and syn-cold fills every other slot of every burst, as fast",
    "  as the generator makes them, on a lossy port (a full ring drops what comes, DNS or SYN,",
    "  as a NIC does), divided by DNS answers/s at the same pace with no flood (each per DNS",
    "  query the generator offered, which corrects its own shortfall of the pace). It is < 1 by",
    "  the share of ring slots and cycles the flood takes from DNS; the flood's offered rate is",
    "  the generator's own maximum, printed above.",
)


def cmd_report(a):
    trials = [int(x) for x in a.trials.split(",")]

    def run(t, role):
        return load(os.path.join(a.dir, f"t{t}-{role}.summary.json"))

    def search(t, name):
        return load(os.path.join(a.dir, f"t{t}-{name}.search.json"))

    def per_trial(fn):
        return [fn(t) for t in trials]

    def rate(t, role, key):
        return run(t, role)["rates"][key]

    def ratio(num, den):
        return num / den if den else None

    def offered(t, role, kind):
        return run(t, role)["offered_pps"].get(kind)

    def dns_flood(t):
        # answers per DNS query offered, in the flood and alone: the same as
        # answers/s over answers/s at the same offered rate, corrected for the
        # generator's own shortfall of the pace (it makes the flood too)
        return ratio(ratio(rate(t, "flood_j", "dns_answer"), offered(t, "flood_j", "dns-hit")),
                     ratio(rate(t, "alone_j", "dns_answer"), offered(t, "alone_j", "dns-hit")))

    figs = {
        "dns_vs_macswap": stat3(per_trial(lambda t: ratio(
            rate(t, "dns_j", "dns_answer"), rate(t, "dns_t", "opackets")))),
        "fwd_vs_macswap": stat3(per_trial(lambda t: ratio(
            rate(t, "fwd_j", "forwarded_down"), rate(t, "fwd_t", "p1_opackets")))),
        "syn_vs_io": stat3(per_trial(lambda t: ratio(
            rate(t, "syn_j", "syn_reset"), rate(t, "syn_t", "opackets")))),
        "cookie_synack_vs_macswap": stat3(per_trial(lambda t: ratio(
            rate(t, "cookie_j", "px_cookie_synack"), rate(t, "cookie_t", "opackets")))),
        "dns_under_flood_vs_alone": stat3(per_trial(dns_flood)),
        "ndr_mixed_vs_macswap": stat3(per_trial(lambda t: ratio(
            search(t, "ndr_j")["ndr"], search(t, "ndr_t")["ndr"]))),
        "pdr_mixed_vs_macswap": stat3(per_trial(lambda t: ratio(
            search(t, "ndr_j")["pdr"], search(t, "ndr_t")["pdr"]))),
    }
    lat = stat3(per_trial(lambda t: run(t, "lat_j")["latency_p99_us"]))
    lat["testpmd"] = stat3(per_trial(lambda t: run(t, "lat_t")["latency_p99_us"]))
    lat["jitsu_minus_testpmd"] = stat3(per_trial(
        lambda t: run(t, "lat_j")["latency_p99_us"] - run(t, "lat_t")["latency_p99_us"]))
    lat["p50_jitsu"] = stat3(per_trial(lambda t: run(t, "lat_j")["latency_p50_us"]))
    lat["p50_testpmd"] = stat3(per_trial(lambda t: run(t, "lat_t")["latency_p50_us"]))
    lat["rate_pps"] = stat3(per_trial(lambda t: run(t, "lat_j")["rate_pps"]))
    lat["pdr_dns_hit_jitsu_pps"] = stat3(per_trial(lambda t: search(t, "pdr_dns_j")["pdr"]))
    figs["latency_p99_us_at_half_pdr"] = lat

    pps = {
        "jitsu_dns_answers": per_trial(lambda t: rate(t, "dns_j", "dns_answer")),
        "testpmd_macswap_dns_hit": per_trial(lambda t: rate(t, "dns_t", "opackets")),
        "jitsu_forwarded_down": per_trial(lambda t: rate(t, "fwd_j", "forwarded_down")),
        "testpmd_macswap_fwd": per_trial(lambda t: rate(t, "fwd_t", "p1_opackets")),
        "jitsu_syn_reset": per_trial(lambda t: rate(t, "syn_j", "syn_reset")),
        "testpmd_io_syn_cold": per_trial(lambda t: rate(t, "syn_t", "opackets")),
        "jitsu_cookie_synack": per_trial(lambda t: rate(t, "cookie_j", "px_cookie_synack")),
        "testpmd_macswap_syn_cold": per_trial(lambda t: rate(t, "cookie_t", "opackets")),
        "jitsu_mixed_max": per_trial(lambda t: rate(t, "mix_j", "tx_uplink")),
        "testpmd_macswap_mixed": per_trial(lambda t: rate(t, "mix_t", "opackets")),
        "flood_dns_offered": per_trial(lambda t: offered(t, "flood_j", "dns-hit")),
        "flood_syn_offered": per_trial(lambda t: offered(t, "flood_j", "syn-cold")),
        "jitsu_flood_dns_answers": per_trial(lambda t: rate(t, "flood_j", "dns_answer")),
        "jitsu_flood_syn_reset": per_trial(lambda t: rate(t, "flood_j", "syn_reset")),
        "alone_dns_offered": per_trial(lambda t: offered(t, "alone_j", "dns-hit")),
        "jitsu_alone_dns_answers": per_trial(lambda t: rate(t, "alone_j", "dns_answer")),
        "ndr_mixed_jitsu": per_trial(lambda t: search(t, "ndr_j")["ndr"]),
        "ndr_mixed_testpmd": per_trial(lambda t: search(t, "ndr_t")["ndr"]),
        "pdr_mixed_jitsu": per_trial(lambda t: search(t, "ndr_j")["pdr"]),
        "pdr_mixed_testpmd": per_trial(lambda t: search(t, "ndr_t")["pdr"]),
        "ndr_dns_hit_jitsu": per_trial(lambda t: search(t, "pdr_dns_j")["ndr"]),
        "pdr_dns_hit_jitsu": per_trial(lambda t: search(t, "pdr_dns_j")["pdr"]),
    }
    figs["pps"] = {k: stat3(v) | {"trials": v} for k, v in pps.items()}

    cyc = load(a.cycles)
    hz = cyc["tsc_hz"]
    figs["cycles_per_packet"] = {
        path: {"packets": v["packets"], "cycles": v["cycles"],
               "cycles_per_packet": v["cycles"] / v["packets"] if v["packets"] else None,
               "ns_per_packet": v["cycles"] / v["packets"] * 1e9 / hz if v["packets"] else None}
        for path, v in cyc["cycles"].items()}

    setup = {}
    for kv in a.set:
        k, _, v = kv.partition("=")
        setup[k] = v
    rate_runs = [run(t, r) for t in trials for r in
                 ("dns_j", "dns_t", "fwd_j", "fwd_t", "syn_j", "syn_t", "cookie_j", "cookie_t",
                  "mix_j", "mix_t",
                  "flood_j", "alone_j")]
    on = [x["on_cpu"] for x in rate_runs]
    lc = rate_runs[0]["lcores"]
    setup |= {
        "trials": len(trials), "trials_used": trials,
        "lcores": {"generator_worker": f"lcore 1 on CPU {lc['gen']['cpu']}",
                   "dut_forwarding": f"lcore 0 on CPU {lc['dut']['cpu']} (--main-lcore 1)",
                   "mains": "generator's on CPU 0 (asleep), the device's on CPU 1 (jitsu's "
                            "control plane in epoll_wait; testpmd's prompt and stats)"},
        "on_cpu_in_windows": {"dut_forwarding": stat3([o["dut"] for o in on]),
                              "generator_worker": stat3([o["gen"] for o in on])},
        "tsc_hz": hz,
        "jitsu_pool": rate_runs[0].get("pool"),
    }
    out = {"benchmark": "harness", **figs, "setup": setup}
    os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
    save(a.json, out)

    # ---- the table
    goals = {"dns_vs_macswap": 0.8, "fwd_vs_macswap": 0.9, "syn_vs_io": 0.9,
             "cookie_synack_vs_macswap": 0.9,
             "dns_under_flood_vs_alone": 0.95}
    w = 44
    print()
    print(f"jitsu benchmark harness: {len(trials)} trials ({','.join(map(str, trials))}); "
          f"generator worker on lcore 1 "
          f"(CPU {lc['gen']['cpu']}), device's forwarding lcore 0 (CPU {lc['dut']['cpu']})")
    print(f"{'figure':<{w}} {'median':>10} {'min':>10} {'max':>10}  goal (for the record)")

    def row(label, o, goal=None, n=3):
        g = ""
        if goal is not None and o["median"] is not None:
            g = f">= {goal:<5} {'met' if o['median'] >= goal else 'NOT met'}"
        print(f"{label:<{w}} {fig(o, 'median', n)} {fig(o, 'min', n)} {fig(o, 'max', n)}  {g}")

    for k in ("dns_vs_macswap", "fwd_vs_macswap", "syn_vs_io", "cookie_synack_vs_macswap",
              "dns_under_flood_vs_alone",
              "ndr_mixed_vs_macswap", "pdr_mixed_vs_macswap"):
        row(k, figs[k], goals.get(k))
    row("latency_p99_us_at_half_pdr (jitsu)", lat, n=1)
    row("  testpmd macswap, same rate", lat["testpmd"], n=1)
    row("  jitsu minus testpmd", lat["jitsu_minus_testpmd"], n=1)
    row("  p50 jitsu", lat["p50_jitsu"], n=1)
    row("  p50 testpmd macswap", lat["p50_testpmd"], n=1)
    row("  at (Mpps, dns-hit)", {k: v / 1e6 for k, v in lat["rate_pps"].items()})
    print(f"{'rates (Mpps)':<{w}}")
    labels = {
        "jitsu_dns_answers": "jitsu DNS answers (dns-hit, max)",
        "testpmd_macswap_dns_hit": "testpmd macswap, dns-hit",
        "jitsu_forwarded_down": "jitsu forwarded_down (fwd, READY)",
        "testpmd_macswap_fwd": "testpmd macswap, fwd",
        "jitsu_syn_reset": "jitsu SYNs absorbed (syn-cold, RST)",
        "testpmd_io_syn_cold": "testpmd io, syn-cold",
        "jitsu_cookie_synack": "jitsu cookie SYN-ACKs (syn-cold, proxy)",
        "testpmd_macswap_syn_cold": "testpmd macswap, syn-cold",
        "jitsu_mixed_max": "jitsu mixed (max), answers",
        "testpmd_macswap_mixed": "testpmd macswap, mixed (max)",
        "flood_dns_offered": "flood: DNS offered (paced)",
        "flood_syn_offered": "flood: SYNs offered (fill, lossy)",
        "jitsu_flood_dns_answers": "jitsu DNS answers under SYN flood",
        "jitsu_flood_syn_reset": "jitsu SYNs absorbed in that flood",
        "alone_dns_offered": "alone: DNS offered (same pace)",
        "jitsu_alone_dns_answers": "jitsu DNS answers alone",
        "ndr_mixed_jitsu": "NDR mixed, jitsu",
        "ndr_mixed_testpmd": "NDR mixed, testpmd macswap",
        "pdr_mixed_jitsu": f"PDR mixed (<= {a.pdr_loss * 100:g} % loss), jitsu",
        "pdr_mixed_testpmd": "PDR mixed, testpmd macswap",
        "ndr_dns_hit_jitsu": "NDR dns-hit, jitsu",
        "pdr_dns_hit_jitsu": "PDR dns-hit, jitsu (latency at half)",
    }
    for k, label in labels.items():
        o = {x: (v / 1e6 if v is not None else None) for x, v in figs["pps"][k].items()
             if x != "trials"}
        row("  " + label, o)
    print(f"{'cycles per packet (measure_cycles = on, 1 run)':<{w}} {'packets':>10} "
          f"{'cycles/pkt':>10} {'ns/pkt':>10}")
    for path, v in figs["cycles_per_packet"].items():
        cpp = f"{v['cycles_per_packet']:10.1f}" if v["cycles_per_packet"] else f"{'-':>10}"
        ns = f"{v['ns_per_packet']:10.1f}" if v["ns_per_packet"] else f"{'-':>10}"
        print(f"  {path:<{w - 2}} {v['packets']:>10} {cpp} {ns}")
    oc = setup["on_cpu_in_windows"]
    print(f"on-CPU share of the polling threads in the windows: device "
          f"{oc['dut_forwarding']['min'] * 100:.1f}..{min(oc['dut_forwarding']['max'], 1) * 100:.1f}%"
          f", generator {oc['generator_worker']['min'] * 100:.1f}.."
          f"{min(oc['generator_worker']['max'], 1) * 100:.1f}%")
    for k in ("devices", "descriptors", "burst", "durations", "mix", "criteria", "runs_retried",
              "trials_dropped", "load_before", "load_after"):
        if k in setup:
            print(f"{k}: {setup[k]}")
    for line in NOTES:
        print(line)
    print(f"JSON: {a.json}")
    return 0


# ---- main -------------------------------------------------------------------


def cmd_get(a):
    v = load(a.file)
    for k in a.key.split("."):
        v = v[k]
    print(v)
    return 0


def main():
    ap = argparse.ArgumentParser(description="the numbers of bench/harness.sh")
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("sample")
    s.add_argument("--dut", choices=sorted(DUT_CMDS), required=True)
    s.add_argument("--prefix", required=True)
    s.add_argument("--pid", type=int, required=True)
    s.add_argument("--gen-pid", type=int, required=True)
    s.add_argument("--report", required=True)
    s.add_argument("--warmup", type=float, default=0.5)
    s.add_argument("--window", type=float, default=0.0)
    s.add_argument("--timeout", type=float, default=20.0)
    s.add_argument("--expect", type=float, default=0.0,
                   help="seconds from now before the report can be there (not polled before)")
    s.add_argument("--cycles", action="store_true")
    s.add_argument("--out", required=True)
    n = sub.add_parser("analyze")
    n.add_argument("--name", required=True)
    n.add_argument("--dut", choices=sorted(DUT_CMDS), required=True)
    n.add_argument("--gen", required=True)
    n.add_argument("--sample", required=True)
    n.add_argument("--out", required=True)
    q = sub.add_parser("search")
    q.add_argument("--state", required=True)
    q.add_argument("--init", type=float)
    q.add_argument("--steps", type=int, default=8)
    q.add_argument("--pdr-loss", type=float, default=0.005)
    q.add_argument("--shortfall", type=float, default=0.01,
                   help="the most of the offered rate that may not go out")
    q.add_argument("--resolution", type=float, default=0.005, help="of the top rate")
    q.add_argument("--result")
    g = sub.add_parser("get")
    g.add_argument("file")
    g.add_argument("key")
    r = sub.add_parser("report")
    r.add_argument("--dir", required=True)
    r.add_argument("--trials", required=True, help="the trials that went through: 1,2,4")
    r.add_argument("--cycles", required=True, help="the summary of the measure_cycles run")
    r.add_argument("--pdr-loss", type=float, default=0.005)
    r.add_argument("--json", required=True)
    r.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    a = ap.parse_args()
    if a.cmd == "search" and (a.init is None) == (a.result is None):
        ap.error("search: --init or --result")
    try:
        return {"sample": cmd_sample, "analyze": cmd_analyze, "search": cmd_search,
                "get": cmd_get, "report": cmd_report}[a.cmd](a)
    except Fail as e:
        print(f"{PROG}: {getattr(a, 'name', a.cmd)}: {e}", file=sys.stderr)
        return 1
    except (OSError, ValueError, KeyError) as e:
        print(f"{PROG}: {a.cmd}: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

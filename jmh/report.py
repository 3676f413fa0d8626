#!/usr/bin/env python3
"""Turns JMH JSON from jmh/run.sh into the Markdown results table of the README.

    python3 jmh/report.py jmh/runs/quick-<stamp>.json > table.md
    python3 jmh/report.py --svg chart.svg jmh/runs/quick-<stamp>.json > table.md

Reads <name>.machine.json next to the JSON (written by run.sh) for the machine, profile and date;
without it, describes the machine this script runs on. Prints the project's performance goals as
ratios from this one run, then one table per benchmark. Missing rows (a profile that did not run
them, a benchmark that failed) show as "n/a" and their goals as "not measured".

With --svg FILE it also draws the ratios against each peer as a bar chart (an SVG file, plain
Python, no external service): one bar per mwsr implementation, peer and thread count measured in
this run, on a log scale around 1× (right of 1× is mwsr faster).
"""
import json
import math
import os
import pathlib
import platform
import sys
from datetime import datetime, timezone

WRITERS = ("writers1", "writers2", "writers4")


def load(path):
    results = json.loads(pathlib.Path(path).read_text())
    machine_path = pathlib.Path(str(path)[: -len(".json")] + ".machine.json")
    if machine_path.exists():
        machine = json.loads(machine_path.read_text())
    else:
        cpu = "unknown"
        try:
            for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        except OSError:
            pass
        machine = {
            "profile": pathlib.Path(path).stem.split("-")[0],
            "date": datetime.fromtimestamp(os.path.getmtime(path), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "nproc": os.cpu_count(),
            "cpu": cpu,
            "kernel": platform.system() + " " + platform.release(),
            "jmhArgs": "unknown",
        }
    return results, machine


class Run:
    """Index of one merged JMH run: (class, method, frozenset of params) -> result entry."""

    def __init__(self, results):
        self.results = results
        self.index = {}
        for entry in results:
            cls, method = entry["benchmark"].split(".")[-2:]
            self.index.setdefault((cls, method), []).append(entry)

    def find(self, cls, method, **params):
        for entry in self.index.get((cls, method), []):
            if all(entry["params"].get(k) == str(v) for k, v in params.items()):
                return entry
        return None

    def impls(self, cls):
        seen = []
        for (c, _), entries in self.index.items():
            if c == cls:
                for e in entries:
                    impl = e["params"].get("impl")
                    if impl not in seen:
                        seen.append(impl)
        return seen

    def values(self, cls, param):
        seen = []
        for (c, _), entries in self.index.items():
            if c == cls:
                for e in entries:
                    v = e["params"].get(param)
                    if v is not None and v not in seen:
                        seen.append(v)
        return sorted(seen, key=lambda s: (len(s), s))


def score(entry):
    return None if entry is None else entry["primaryMetric"]["score"]


def secondary(entry, name):
    if entry is None:
        return None
    metric = entry.get("secondaryMetrics", {}).get(name)
    return None if metric is None else metric["score"]


def percentile(entry, p):
    if entry is None:
        return None
    return entry["primaryMetric"]["scorePercentiles"].get(p)


def num(x, digits=3):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.{digits}f}"


def with_error(entry):
    if entry is None:
        return "n/a"
    pm = entry["primaryMetric"]
    err = pm.get("scoreError")
    if isinstance(err, (int, float)) and not math.isnan(err):
        return f"{num(pm['score'])} ± {num(err)}"
    return num(pm["score"])


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def goal_row(name, value, target, fmt="x", note=""):
    if value is None:
        return f"| {name} | not measured | {target} | — | {note} |"
    if fmt == "x":
        shown, ok = f"{value:.2f}×", value >= float(target.strip("≥ ×"))
    elif fmt == "%":
        shown, ok = f"{value * 100:.0f} %", value * 100 >= float(target.strip("≥ %"))
    else:  # bytes per op, target 0 (allow rounding noise below 1 B/op)
        shown, ok = f"{value:.2f} B/op", value < 1.0
    verdict = "met" if ok else "**missed**"
    return f"| {name} | {shown} | {target} | {verdict} | {note} |"


def best_of(run, cls, method, impls, **params):
    """(score, impl) of the best-scoring of impls measured in this run, or (None, None)."""
    found = [(score(run.find(cls, method, impl=i, **params)), i) for i in impls]
    found = [(s, i) for s, i in found if s is not None]
    return max(found) if found else (None, None)


DISRUPTORS = ("disruptor-blocking", "disruptor-yielding", "disruptor-sleeping")


def goals(run):
    """The targets of issue 12 (core v2) and issue 13 (files), as ratios of scores in this run."""
    out = ["## Goals (issues 12 and 13), ratios from this run", "",
           "| Goal | Measured | Target | Verdict | Note |", "|---|---|---|---|---|"]
    tb = "ThroughputBench"
    for w in ("writers2", "writers4"):
        n = w[-1]
        for sink in ("noop", "file"):
            a = score(run.find(tb, w, impl="async", sink=sink))
            abq = score(run.find(tb, w, impl="abq", sink=sink))
            target = "≥ 1.0×" if sink == "noop" or n == "2" else "≥ 1.5×"
            out.append(goal_row(f"AsyncBuffer vs ArrayBlockingQueue+drainTo, {n} writers, {sink} sink",
                                ratio(a, abq), target))
            if sink == "noop":
                out.append(goal_row(f"AsyncBuffer vs hand-drained JCTools MPSC, {n} writers, noop sink",
                                    ratio(a, score(run.find(tb, w, impl="jctools", sink=sink))), "≥ 1.0×"))
                best, which = best_of(run, tb, w, DISRUPTORS, sink=sink)
                each = ", ".join(f"{d[len('disruptor-'):]} {num(ratio(a, score(run.find(tb, w, impl=d, sink=sink))), 2)}×"
                                 for d in DISRUPTORS)
                out.append(goal_row(f"AsyncBuffer vs the Disruptor's best wait strategy, {n} writers, noop sink",
                                    ratio(a, best), "≥ 1.0×", note=f"best: {which}; {each}"))
            b = score(run.find(tb, w, impl="buffer", sink=sink))
            sync = score(run.find(tb, w, impl="synchronized", sink=sink))
            target = "≥ 1.0×" if sink == "noop" else ("≥ 1.5×" if n == "2" else "≥ 2.0×")
            out.append(goal_row(f"Buffer vs synchronized list, {n} writers, {sink} sink", ratio(b, sync), target))
    for impl, label in (("async", "AsyncBuffer"), ("buffer", "Buffer")):
        write = [secondary(e, "gc.alloc.rate.norm") for w in WRITERS for e in run.index.get((tb, w), [])
                 if e["params"].get("impl") == impl]
        write = [x for x in write if x is not None]
        out.append(goal_row(f"{label}.write allocation (worst writer count and sink)", max(write) if write else None,
                            "0 B/op", fmt="B"))
    lb = "LatencyBench"
    mine, theirs = percentile(run.find(lb, "writers4", impl="async"), "99.9"), percentile(
        run.find(lb, "writers4", impl="abq"), "99.9")
    out.append(goal_row("AsyncBuffer write p99.9 at 4 writers: ArrayBlockingQueue's over AsyncBuffer's",
                        ratio(theirs, mine), "≥ 1.0×",
                        note=f"async {num(mine)} ns, abq {num(theirs)} ns"))
    fb = "FileBench"
    disk = score(run.find("FileCeilingBench", "writeChunk"))
    encode = score(run.find("FileCeilingBench", "encodeChunk"))
    writer = score(run.find(fb, "writers4", impl="buffered-writer"))
    for impl, label in (("async-block", "block"), ("async-mmap", "mmap")):
        s = score(run.find(fb, "writers4", impl=impl))
        out.append(goal_row(f"{label} flusher, 4 threads, vs the disk ceiling (1 thread, pre-encoded)",
                            ratio(s, disk), "≥ 80 %", fmt="%"))
        out.append(goal_row(f"{label} flusher, 4 threads, vs the one-thread encoding ceiling", ratio(s, encode),
                            "≥ 1.0×"))
        out.append(goal_row(f"{label} flusher, 4 threads, vs a shared BufferedWriter", ratio(s, writer), "≥ 2×"))
    out.append(goal_row("mmap vs block, 4 threads", ratio(score(run.find(fb, "writers4", impl="async-mmap")),
                                                           score(run.find(fb, "writers4", impl="async-block"))),
                        "≥ 0.85×", note="issue 13: mmap within about 15 % of block"))
    records = [i for i in run.impls(fb) if i and "record" in i]
    for impl in records or ["records"]:
        out.append(goal_row(f"{impl}, 4 threads, vs the disk ceiling",
                            ratio(score(run.find(fb, "writers4", impl=impl)), disk), "≥ 70 %", fmt="%"))
    alloc = [secondary(run.find(fb, w, impl=i), "gc.alloc.rate.norm") for w in ("writers1", "writers4")
             for i in ("async-block", "async-mmap")]
    alloc = [x for x in alloc if x is not None]
    out.append(goal_row("block/mmap allocation per line (whole JVM, worst)", max(alloc) if alloc else None,
                        "0 B/op", fmt="B"))
    return out


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def bop(entry):
    return num(secondary(entry, "gc.alloc.rate.norm"), 1)


def throughput_section(run):
    cls = "ThroughputBench"
    if not run.impls(cls):
        return []
    sinks = run.values(cls, "sink") or [None]
    rows = []
    for sink in sinks:
        for impl in run.impls(cls):
            params = {"impl": impl} if sink is None else {"impl": impl, "sink": sink}
            if not any(run.find(cls, w, **params) for w in WRITERS):
                continue
            row = [impl, sink or ""]
            for w in WRITERS:
                e = run.find(cls, w, **params)
                row += [with_error(e), bop(e)]
            rows.append(row)
    drops = []
    for entries in (run.index.get((cls, w), []) for w in WRITERS):
        for e in entries:
            d = secondary(e, "dropped")
            if d:
                drops.append(f"{e['params'].get('impl')} ({e['params'].get('sink', '')}) at"
                             f" {e['benchmark'][-1]} writers dropped {num(d)} items/µs of its {num(score(e))}")
    note = ["", "Dropping policy: " + "; ".join(drops) + " (delivered = score − dropped)."] if drops else []
    return (["## Producer throughput (`ThroughputBench`, write calls/µs summed over writers, higher is better;"
             " sink `noop` reads each batch, `file` also writes it to a file, 8 bytes an item)", ""]
            + table(["impl", "sink", "1 writer", "B/op", "2 writers", "B/op", "4 writers", "B/op"], rows)
            + note + [""])


def vector_section(run):
    cls = "VectorBench"
    if not run.impls(cls):
        return []
    rows = []
    for impl in run.impls(cls):
        for n in run.values(cls, "n"):
            row = [impl, n]
            for w in WRITERS:
                e = run.find(cls, w, impl=impl, n=n)
                s = score(e)
                row += [num(None if s is None else s * int(n)), bop(e)]
            rows.append(row)
    return (["## Atomic groups (`VectorBench`: writeV(n) vs Disruptor next(n)/publish(lo, hi); items/µs)", ""]
            + table(["impl", "n", "1 writer", "B/op", "2 writers", "B/op", "4 writers", "B/op"], rows) + [""])


def work_section(run):
    cls = "WorkBench"
    if not run.impls(cls):
        return []
    rows = []
    for impl in run.impls(cls):
        row = [impl]
        for w in WRITERS:
            e = run.find(cls, w, impl=impl)
            base = score(run.find(cls, w, impl="none"))
            s = score(e)
            cost = None if s is None or base is None or impl == "none" else s - base
            row += [with_error(e), num(cost)]
        rows.append(row)
    return (["## Writers doing work between writes (`WorkBench`, ns per work+write, lower is better;"
             " cost = minus the work alone)", ""]
            + table(["impl", "1 writer", "cost", "2 writers", "cost", "4 writers", "cost"], rows) + [""])


def latency_section(run):
    cls = "LatencyBench"
    if not run.impls(cls):
        return []
    rows = []
    for w in ("writers2", "writers4"):
        for impl in run.impls(cls):
            e = run.find(cls, w, impl=impl)
            if e is None:
                continue
            rows.append([impl, w[-1]] + [num(percentile(e, p)) for p in ("50.0", "99.0", "99.9", "99.99", "100.0")])
    return (["## write latency under contention (`LatencyBench`, ns, SampleTime)", ""]
            + table(["impl", "writers", "p50", "p99", "p99.9", "p99.99", "max"], rows) + [""])


def wakeup_section(run):
    cls = "WakeupBench"
    if not run.impls(cls):
        return []
    rows = []
    for impl in run.impls(cls):
        e = run.find(cls, "writeAndAwait", impl=impl)
        rows.append([impl] + [num(percentile(e, p)) for p in ("50.0", "90.0", "99.0", "100.0")])
    return (["## Wake-up latency, write -> consumer has it, idle consumer (`WakeupBench`, µs)", ""]
            + table(["impl", "p50", "p90", "p99", "max"], rows) + [""])


def file_section(run):
    cls = "FileBench"
    if not run.impls(cls):
        return []
    ceiling = score(run.find("FileCeilingBench", "writeChunk"))
    rows = []
    for impl in run.impls(cls):
        row = [impl]
        for w in ("writers1", "writers4"):
            e = run.find(cls, w, impl=impl)
            s = score(e)
            lost = secondary(e, "lostLines")
            row += [with_error(e), num(None if s is None else s * 100, 0),
                    "n/a" if ratio(s, ceiling) is None else f"{ratio(s, ceiling) * 100:.0f} %",
                    num(lost, 0) if lost else "0" if e is not None else "n/a"]
        rows.append(row)
    rows.append(["raw FileChannel (1 thread)", num(ceiling), num(None if ceiling is None else ceiling * 100, 0),
                 "100 %" if ceiling is not None else "n/a", "0", "", "", "", ""])
    encode = score(run.find("FileCeilingBench", "encodeChunk"))
    rows.append(["encode + FileChannel (1 thread)", num(encode), num(None if encode is None else encode * 100, 0),
                 "n/a" if ratio(encode, ceiling) is None else f"{ratio(encode, ceiling) * 100:.0f} %", "0",
                 "", "", "", ""])
    return (["## 100-byte lines into one file (`FileBench`, lines/µs; MB/s = lines/µs × 100)", ""]
            + table(["impl", "1 thread", "MB/s", "of ceiling", "lost", "4 threads", "MB/s", "of ceiling", "lost"],
                    rows)
            + ["", "`lost`: lines written but missing from the file (summed over the measured iterations)."
                   " Only Log4j2 is allowed to report any (Log4j 2.24.3 with Disruptor 4.0.0 lost lines from"
                   " several threads; see the finding above); every other sink fails the run instead.", ""])


BYTE_PEERS = (("buffered-stream", "synchronized BufferedOutputStream"),
              ("buffered-stream-sync", "BufferedOutputStream under synchronized (out)"))


def byte_ratio_lines(run):
    """One line per peer and sink: ByteBatchBuffer's score over the peer's, per writer count."""
    cls = "ByteBench"
    out = []
    for peer, label in BYTE_PEERS:
        for sink in run.values(cls, "sink"):
            if not any(run.find(cls, w, impl=peer, sink=sink) for w in WRITERS):
                continue
            cells = []
            for w in WRITERS:
                r = ratio(score(run.find(cls, w, impl="bytes", sink=sink)), score(run.find(cls, w, impl=peer, sink=sink)))
                cells.append(f"{w[-1]} thread{'s' if w[-1] != '1' else ''} "
                             + ("n/a" if r is None else f"{r:.2f}×"))
            out.append(f"- ByteBatchBuffer vs {label}, {sink} sink: " + ", ".join(cells))
    return out


def byte_section(run):
    cls = "ByteBench"
    if not run.impls(cls):
        return []
    rows = []
    for impl in run.impls(cls):
        for sink in run.values(cls, "sink"):
            row = [impl, sink]
            for w in WRITERS:
                e = run.find(cls, w, impl=impl, sink=sink)
                s = score(e)
                row += [with_error(e), num(None if s is None else s * 100, 0), bop(e)]
            rows.append(row)
    return (["## 100-byte records from many threads (`ByteBench`: ByteBatchBuffer vs one shared"
             " BufferedOutputStream, records/µs summed over writers; MB/s = records/µs × 100)", ""]
            + byte_ratio_lines(run) + [""]
            + table(["impl", "sink", "1 thread", "MB/s", "B/op", "2 threads", "MB/s", "B/op",
                     "4 threads", "MB/s", "B/op"], rows)
            + ["", "`bytes`: ByteBatchBuffer, 64 KiB direct regions; `buffered-stream`: one 64 KiB"
                   " BufferedOutputStream shared by the writers, one `write` per record (its write methods are"
                   " `synchronized` on JDK 25); `buffered-stream-sync`: the same, each record also inside"
                   " `synchronized (out)`. Sink `memory` counts the bytes (the buffering alone), `file`"
                   " is ByteChannelFlusher.toFile(TRUNCATE) vs FileOutputStream.", ""])


# The chart: (section, benchmark class, method-name prefix, mwsr impl and label, peers, extra params,
# higher_is_better). A bar is mwsr's score over the peer's (or the peer's over mwsr's where lower is
# better), so a bar right of 1× always means mwsr did better in this run.
CHART = (
    ("Producer throughput, no-op sink (ThroughputBench)", "ThroughputBench", "async", "AsyncBuffer",
     (("disruptor-blocking", "Disruptor, blocking"), ("disruptor-yielding", "Disruptor, yielding"),
      ("disruptor-sleeping", "Disruptor, sleeping"), ("jctools", "JCTools MPSC + consumer"),
      ("abq", "ArrayBlockingQueue + drainTo")), {"sink": "noop"}, True),
    ("Producer throughput, no-op sink (ThroughputBench)", "ThroughputBench", "buffer", "Buffer",
     (("synchronized", "synchronized list"),), {"sink": "noop"}, True),
    ("Producer throughput, file sink (ThroughputBench)", "ThroughputBench", "async", "AsyncBuffer",
     (("abq", "ArrayBlockingQueue + drainTo"), ("disruptor-yielding", "Disruptor, yielding")), {"sink": "file"},
     True),
    ("Producer throughput, file sink (ThroughputBench)", "ThroughputBench", "buffer", "Buffer",
     (("synchronized", "synchronized list"),), {"sink": "file"}, True),
    ("Writers doing work (WorkBench)", "WorkBench", "async", "AsyncBuffer",
     (("disruptor-blocking", "Disruptor, blocking"), ("abq", "ArrayBlockingQueue + drainTo")), {}, False),
    ("Lines into a file (FileBench)", "FileBench", "async-block", "block flusher",
     (("buffered-writer", "shared BufferedWriter"), ("log4j2", "Log4j2 async logger*")), {}, True),
    ("Records into a file (ByteBench, file sink)", "ByteBench", "bytes", "ByteBatchBuffer",
     (("buffered-stream", "shared BufferedOutputStream"),), {"sink": "file"}, True),
)


def chart_bars(run):
    """[(section, label, ratio)] for every pair measured in this run."""
    bars = []
    for section, cls, impl, name, peers, params, higher in CHART:
        for peer, peer_label in peers:
            for w in WRITERS:
                mine = score(run.find(cls, w, impl=impl, **params))
                theirs = score(run.find(cls, w, impl=peer, **params))
                r = ratio(mine, theirs) if higher else ratio(theirs, mine)
                if r is None or r <= 0:
                    continue
                n = w[len("writers"):]
                bars.append((section, f"{name} vs {peer_label}, {n} thread{'s' if n != '1' else ''}", r))
    return bars


def esc(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def svg_chart(run, machine, first, source):
    bars = chart_bars(run)
    lo = min([r for _, _, r in bars] + [0.5])
    hi = max([r for _, _, r in bars] + [2.0])
    lo_exp, hi_exp = math.floor(math.log2(lo)), math.ceil(math.log2(hi))
    label_w, plot_w, value_w, row_h, top = 390, 420, 70, 20, 70
    sections = []
    for section, _, _ in bars:
        if section not in sections:
            sections.append(section)
    height = top + len(bars) * row_h + len(sections) * 26 + 60
    width = label_w + plot_w + value_w + 20

    def x(r):
        return label_w + (math.log2(r) - lo_exp) / (hi_exp - lo_exp) * plot_w

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Verdana, sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
           f'<text x="10" y="22" font-size="15" font-weight="bold">mwsr vs its peers: ratio of scores in one JMH run'
           f' ({esc(machine.get("profile", "?"))} profile)</text>',
           f'<text x="10" y="40" fill="#444">Right of 1×: mwsr did better (throughput higher, or time per'
           f' operation lower). Log scale.</text>',
           f'<text x="10" y="56" fill="#444">{esc(str(machine.get("nproc", "?")))} CPUs, JDK'
           f' {esc(str(first.get("jdkVersion", "?")))}, {esc(machine.get("date", "?"))},'
           f' {esc(source)}; error bars are often wider than the scores.</text>']
    axis_top, axis_bottom = top - 6, height - 50
    for e in range(lo_exp, hi_exp + 1):
        r = 2.0 ** e
        gx = x(r)
        label = f"{r:g}×"
        out.append(f'<line x1="{gx:.1f}" y1="{axis_top}" x2="{gx:.1f}" y2="{axis_bottom}" '
                   f'stroke="{"#333" if e == 0 else "#ddd"}" stroke-width="{1.5 if e == 0 else 1}"/>')
        out.append(f'<text x="{gx:.1f}" y="{axis_bottom + 16}" text-anchor="middle" fill="#333">{label}</text>')
    y = top
    current = None
    for section, label, r in bars:
        if section != current:
            current = section
            y += 8
            out.append(f'<text x="10" y="{y + 10}" font-weight="bold">{esc(section)}</text>')
            y += 18
        one = x(1.0)
        end = x(r)
        color = "#2e7d32" if r >= 1 else "#c62828"
        out.append(f'<text x="{label_w - 8}" y="{y + 14}" text-anchor="end">{esc(label)}</text>')
        out.append(f'<rect x="{min(one, end):.1f}" y="{y + 3}" width="{max(abs(end - one), 1):.1f}" '
                   f'height="{row_h - 6}" fill="{color}"/>')
        out.append(f'<text x="{label_w + plot_w + 8}" y="{y + 14}" fill="{color}">{r:.2f}×</text>')
        y += row_h
    out.append(f'<text x="10" y="{height - 12}" fill="#444">* Log4j2 lost lines in its 4-thread runs'
               f' (counted in its score). Generated by jmh/report.py from the JMH JSON.</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    args = sys.argv[1:]
    svg_path = None
    if len(args) == 3 and args[0] == "--svg":
        svg_path, args = args[1], args[2:]
    if len(args) != 1:
        sys.exit("usage: report.py [--svg chart.svg] <jmh-result.json>")
    sys.argv[1:] = args
    results, machine = load(sys.argv[1])
    run = Run(results)
    first = results[0] if results else {}
    out = [
        f"# mwsr benchmark results — {machine.get('profile', '?')} profile",
        "",
        f"- Date: {machine.get('date', '?')}",
        f"- Machine: {machine.get('nproc', '?')} CPUs, {machine.get('cpu', '?')}, {machine.get('kernel', '?')}",
        f"- JDK: {first.get('jdkVersion', '?')} ({first.get('vmName', '?')} {first.get('vmVersion', '?')})",
        f"- JMH {first.get('jmhVersion', '?')}, args: `{machine.get('jmhArgs', '?').strip()}`",
        f"- Raw data: `{pathlib.Path(sys.argv[1]).name}`",
        "",
    ]
    out += goals(run) + [""]
    for section in (throughput_section, vector_section, work_section, latency_section, wakeup_section,
                    file_section, byte_section):
        out += section(run)
    out += ["B/op is JMH's `gc.alloc.rate.norm`: bytes allocated by the whole JVM (consumer threads"
            " included) per operation, averaged over the iteration."]
    print("\n".join(out))
    if svg_path:
        pathlib.Path(svg_path).write_text(svg_chart(run, machine, first, pathlib.Path(sys.argv[1]).name))


if __name__ == "__main__":
    main()

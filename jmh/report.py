#!/usr/bin/env python3
"""Turns JMH JSON from jmh/run.sh into the Markdown results table of the README.

    python3 jmh/report.py jmh/runs/quick-<stamp>.json > table.md
    python3 jmh/report.py --svg chart.svg jmh/runs/quick-<stamp>.json > table.md
    python3 jmh/report.py --merge merged.json f01-01.json f01-02.json f02-01.json ...
    python3 jmh/report.py --self-test

--merge joins the JMH JSON files of several invocations into one list (run.sh does this): the
entries of one benchmark with the same mode and parameters become one entry whose forks are the
forks of every file, in the order of the files, each named in "forkIds" by [round, index in its
file]; the round is the number after a leading "f" in the file's name ("f03-02.json": round 3),
else 0. Scores are recomputed over all forks: the mean of the iterations (for a sample-time
benchmark, and its percentiles, from the joined histogram), the error as JMH gives it (the 99.9 %
confidence half-width), counters that JMH sums (gc.count, gc.time, lostLines, lostEvents, cpuNanos,
cpuItems) summed.

The first table is the speed targets: for each, the ratio of mwsr's fork to the peer's fork
measured in the same round (run.sh's targets profile runs every benchmark once per round, one fork
each, so that the two sides of a pair run minutes apart at most), their median (graded) and range,
and the process CPU time per delivered item of each side (the cpuNanos and cpuItems counters of
CpuClock, summed over a fork's iterations, median over forks). --self-test checks the joining,
pairing, median and percentile arithmetic on made-up data.

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
import re
import statistics
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


# Secondary metrics JMH aggregates by summing (AggregationPolicy.SUM); the rest are averaged.
SUMMED = {"gc.count", "gc.time", "lostLines", "lostEvents", "cpuNanos", "cpuItems"}

# Two-sided 99.9 % quantiles of Student's t (JMH's score error), by degrees of freedom.
T_9995 = {1: 636.62, 2: 31.599, 3: 12.924, 4: 8.610, 5: 6.869, 6: 5.959, 7: 5.408, 8: 5.041, 9: 4.781,
          10: 4.587, 11: 4.437, 12: 4.318, 13: 4.221, 14: 4.140, 15: 4.073, 16: 4.015, 17: 3.965, 18: 3.922,
          19: 3.883, 20: 3.850, 21: 3.819, 22: 3.792, 23: 3.768, 24: 3.745, 25: 3.725, 26: 3.707, 27: 3.690,
          28: 3.674, 29: 3.659, 30: 3.646, 40: 3.551, 60: 3.460, 120: 3.373}


def t_quantile(df):
    for limit in sorted(T_9995):
        if df <= limit:
            return T_9995[limit]
    return 3.2905


def mean_and_error(values):
    if not values:
        return float("nan"), float("nan")
    m = statistics.fmean(values)
    if len(values) < 2:
        return m, float("nan")
    return m, t_quantile(len(values) - 1) * statistics.stdev(values) / math.sqrt(len(values))


def hist_percentile(hist, p):
    """JMH's percentile of a histogram [[value, count], ...]: position p(n+1)/100, interpolated."""
    items = sorted((v, c) for v, c in hist if c > 0)
    n = sum(c for _, c in items)
    if n == 0:
        return None
    pos = p * (n + 1) / 100

    def at(k):  # the k-th smallest value, 1-based
        seen = 0
        for v, c in items:
            seen += c
            if seen >= k:
                return v
        return items[-1][0]

    if pos < 1:
        return items[0][0]
    if pos >= n:
        return items[-1][0]
    lo, hi = at(math.floor(pos)), at(math.floor(pos) + 1)
    return lo + (pos - math.floor(pos)) * (hi - lo)


def join_hist(forks):
    """One histogram of every iteration of the given forks (lists of iterations)."""
    joined = {}
    for fork in forks:
        for iteration in fork:
            for v, c in iteration:
                joined[v] = joined.get(v, 0) + c
    return sorted(joined.items())


def jmh_nan(value):
    """value with every float NaN written as JMH writes it, the string "NaN" (strict JSON has no NaN)."""
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, dict):
        return {k: jmh_nan(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jmh_nan(v) for v in value]
    return value


def round_of(name):
    m = re.match(r"f(\d+)-", pathlib.Path(name).name)
    return int(m.group(1)) if m else 0


def merge(parts):
    """[(round, [JMH entry])] -> one entry per benchmark, mode and parameters, forks joined in order."""
    merged, order = {}, []
    for rnd, entries in parts:
        for entry in entries:
            key = (entry["benchmark"], entry["mode"], tuple(sorted(entry.get("params", {}).items())))
            pm = entry["primaryMetric"]
            forks = pm.get("rawDataHistogram") if entry["mode"] == "sample" else pm.get("rawData")
            ids = [[rnd, k] for k in range(len(forks or []))]
            if key not in merged:
                copy = json.loads(json.dumps(entry))
                copy["forkIds"] = ids
                merged[key] = copy
                order.append(key)
                continue
            into = merged[key]
            into["forkIds"] += ids
            ipm = into["primaryMetric"]
            for field in ("rawData", "rawDataHistogram"):
                if field in pm:
                    ipm[field] = ipm.get(field, []) + pm[field]
            secondaries = into.setdefault("secondaryMetrics", {})
            for name, metric in entry.get("secondaryMetrics", {}).items():
                if name in secondaries:
                    secondaries[name]["rawData"] = secondaries[name].get("rawData", []) + metric.get("rawData", [])
                else:
                    secondaries[name] = json.loads(json.dumps(metric))
            rescore(into)
    return [merged[key] for key in order]


def rescore(entry):
    """Recomputes an entry's scores from its joined raw data (see the module's docstring)."""
    entry["forks"] = len(entry["forkIds"])
    pm = entry["primaryMetric"]
    hist = join_hist(pm["rawDataHistogram"]) if entry["mode"] == "sample" else []
    if entry["mode"] == "sample":
        n = sum(c for _, c in hist)
        pm["score"] = sum(v * c for v, c in hist) / n if n else float("nan")
        variance = sum(c * (v - pm["score"]) ** 2 for v, c in hist) / (n - 1) if n > 1 else float("nan")
        pm["scoreError"] = t_quantile(n - 1) * math.sqrt(variance / n) if n > 1 else float("nan")
        pm["scorePercentiles"] = {k: hist_percentile(hist, float(k)) for k in pm.get("scorePercentiles", {})}
    else:
        values = [x for fork in pm["rawData"] for x in fork]
        pm["score"], pm["scoreError"] = mean_and_error(values)
        pm["scorePercentiles"] = {k: hist_percentile([[x, 1] for x in values], float(k))
                                  for k in pm.get("scorePercentiles", {})}
    pm["scoreConfidence"] = [pm["score"] - (pm["scoreError"] if not math.isnan(pm["scoreError"]) else 0),
                             pm["score"] + (pm["scoreError"] if not math.isnan(pm["scoreError"]) else 0)]
    for name, metric in entry.get("secondaryMetrics", {}).items():
        values = [x for fork in metric.get("rawData", []) for x in fork]
        quantile = re.fullmatch(r"p(\d\.\d+)", name)
        if entry["mode"] == "sample" and quantile:
            metric["score"] = hist_percentile(hist, float(quantile.group(1)) * 100)
            metric["scoreError"] = float("nan")
        elif name in SUMMED:
            metric["score"], metric["scoreError"] = float(sum(values)), float("nan")
        else:
            metric["score"], metric["scoreError"] = mean_and_error(values)


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
            if all(entry.get("params", {}).get(k) == str(v) for k, v in params.items()):
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
    """The earlier goals (core and files), as ratios of joined scores in this run."""
    out = ["## Earlier goals, ratios of joined scores in this run", "",
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
                        "≥ 0.85×", note="mmap within about 15 % of block"))
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


def fork_scores(entry, metric="score"):
    """{fork id: the fork's figure}: the mean of its iterations, or ("p99.9") its histogram's percentile."""
    if entry is None:
        return {}
    pm = entry["primaryMetric"]
    ids = [tuple(i) for i in entry.get("forkIds") or [[0, k] for k in range(entry.get("forks", 0))]]
    out = {}
    if metric == "score":
        for fid, fork in zip(ids, pm.get("rawData", [])):
            if fork:
                out[fid] = statistics.fmean(fork)
    else:
        p = float(metric[1:])
        for fid, fork in zip(ids, pm.get("rawDataHistogram", [])):
            value = hist_percentile(join_hist([fork]), p)
            if value is not None:
                out[fid] = value
    return out


def fork_cpu(entry):
    """{fork id: process CPU ns per item} from CpuClock's counters, summed over the fork's iterations."""
    if entry is None:
        return {}
    sec = entry.get("secondaryMetrics", {})
    if "cpuNanos" not in sec or "cpuItems" not in sec:
        return {}
    ids = [tuple(i) for i in entry.get("forkIds") or [[0, k] for k in range(entry.get("forks", 0))]]
    out = {}
    for fid, nanos, items in zip(ids, sec["cpuNanos"]["rawData"], sec["cpuItems"]["rawData"]):
        if sum(items) > 0:
            out[fid] = sum(nanos) / sum(items)
    return out


def paired_ratios(mine, theirs):
    """The ratio mine/theirs of every fork id both sides measured, in fork-id order."""
    return [mine[f] / theirs[f] for f in sorted(set(mine) & set(theirs)) if theirs[f]]


def summed(entry, name):
    if entry is None or name not in entry.get("secondaryMetrics", {}):
        return None
    return sum(x for fork in entry["secondaryMetrics"][name]["rawData"] for x in fork)


# The speed targets: (label, mwsr side, peer side, figure, "≥" or "≤", bound, lost-counter or None).
# A side is (class, method, {params}); the figure is "score" (mean per fork) or "p99.9".
FB, LB = "FileBench", "LogbackBench"


def tb(writers, impl, sink):
    return "ThroughputBench", f"writers{writers}", {"impl": impl, "sink": sink}


TARGETS = (
    ("AsyncBuffer / ArrayBlockingQueue+drainTo, no-op sink, 2 writers",
     tb(2, "async", "noop"), tb(2, "abq", "noop"), "score", "≥", 1.0, None),
    ("AsyncBuffer / ArrayBlockingQueue+drainTo, no-op sink, 4 writers",
     tb(4, "async", "noop"), tb(4, "abq", "noop"), "score", "≥", 1.0, None),
    ("AsyncBuffer / ArrayBlockingQueue+drainTo, file sink, 4 writers",
     tb(4, "async", "file"), tb(4, "abq", "file"), "score", "≥", 1.5, None),
    ("AsyncBuffer write p99.9 / ArrayBlockingQueue's, 4 writers (lower is better)",
     ("LatencyBench", "writers4", {"impl": "async"}), ("LatencyBench", "writers4", {"impl": "abq"}),
     "p99.9", "≤", 1.0, None),
    ("Buffer / synchronized list, file sink, 2 writers",
     tb(2, "buffer", "file"), tb(2, "synchronized", "file"), "score", "≥", 1.5, None),
    ("Buffer / synchronized list, file sink, 4 writers",
     tb(4, "buffer", "file"), tb(4, "synchronized", "file"), "score", "≥", 2.0, None),
    ("lines into a file, 4 threads, block flusher / one thread encoding and writing alone",
     (FB, "writers4", {"impl": "async-block"}), ("FileCeilingBench", "encodeChunk", {}), "score", "≥", 1.0, None),
    ("lines into a file, 4 threads, mmap / block",
     (FB, "writers4", {"impl": "async-mmap"}), (FB, "writers4", {"impl": "async-block"}), "score", "≥", 0.85, None),
    ("SLF4J events, 4 threads, MwsrFileAppender / Logback AsyncAppender (8192, no discarding) + FileAppender",
     (LB, "threads4", {"impl": "mwsr-file"}), (LB, "threads4", {"impl": "logback-async-tuned"}),
     "score", "≥", 1.0, "lostEvents"),
    ("SLF4J events, 4 threads, MwsrFileAppender / plain Logback FileAppender",
     (LB, "threads4", {"impl": "mwsr-file"}), (LB, "threads4", {"impl": "logback-file"}),
     "score", "≥", 1.0, "lostEvents"),
)


def grade(ratios, op, bound, lost=0):
    """(median, verdict) of the per-fork ratios; None and "not measured" without any."""
    if not ratios:
        return None, "not measured"
    med = statistics.median(ratios)
    ok = (med >= bound if op == "≥" else med <= bound) and lost == 0
    return med, "met" if ok else "**missed**"


def targets(run):
    """The speed targets, graded on the median of the per-fork ratios."""
    out = ["## Targets: per-fork ratios, mwsr's fork against the peer's fork of the same round", "",
           "| Target | Median | Range | Forks (in order) | Bound | Verdict | CPU ns/item mwsr · peer |",
           "|---|---|---|---|---|---|---|"]
    for label, (mc, mm, mp), (pc, pmeth, pp), figure, op, bound, lost_name in TARGETS:
        mine, theirs = run.find(mc, mm, **mp), run.find(pc, pmeth, **pp)
        ratios = paired_ratios(fork_scores(mine, figure), fork_scores(theirs, figure))
        lost = summed(mine, lost_name) if lost_name else 0
        med, verdict = grade(ratios, op, bound, 0 if lost is None else lost)
        if lost_name and lost is None and ratios:
            verdict = "**missed** (loss not counted)"
        cpu_m, cpu_p = fork_cpu(mine), fork_cpu(theirs)
        cpu = (f"{num(statistics.median(cpu_m.values()) if cpu_m else None)} · "
               f"{num(statistics.median(cpu_p.values()) if cpu_p else None)}")
        bound_text = f"{op} {bound:g}" + (", 0 lost" if lost_name else "")
        lost_note = f" ({num(lost, 0)} lost)" if lost_name and lost else ""
        out.append(f"| {label} | {'n/a' if med is None else f'{med:.2f}'}{lost_note} | "
                   f"{'n/a' if not ratios else f'{min(ratios):.2f}–{max(ratios):.2f}'} | "
                   f"{', '.join(f'{r:.2f}' for r in ratios) or 'n/a'} | {bound_text} | {verdict} | {cpu} |")
    out += ["", "A fork's figure is the mean of its measured iterations (p99.9: the percentile of its"
                " iterations' joined histogram); a ratio pairs the two sides' forks of the same round. CPU"
                " ns/item: the benchmark JVM's process CPU time over the measured iterations divided by the"
                " items delivered in them (`CpuClock`: every thread, consumer, GC and JIT included; 10 ms"
                " clock ticks), median over forks."]
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


def self_test():
    """Checks joining, pairing, medians and percentiles on made-up data; raises on a mismatch."""
    def entry(impl, forks, cpu=None, mode="thrpt"):
        e = {"benchmark": "dev.mwsr.jmh.ThroughputBench.writers4", "mode": mode, "forks": len(forks),
             "params": {"impl": impl, "sink": "noop", "capacity": "1024"},
             "primaryMetric": {"score": 0.0, "scoreError": float("nan"), "scorePercentiles": {"99.9": 0.0}}}
        if mode == "sample":
            e["primaryMetric"]["rawDataHistogram"] = forks
        else:
            e["primaryMetric"]["rawData"] = forks
        if cpu:
            e["secondaryMetrics"] = {"cpuNanos": {"score": 0.0, "rawData": [[c[0]] for c in cpu]},
                                     "cpuItems": {"score": 0.0, "rawData": [[c[1]] for c in cpu]}}
        return e

    # Three rounds of one fork each; the peer's round 2 failed, so round 2 has no pair.
    parts = [(1, [entry("async", [[10.0, 12.0]], [(1000, 10)]), entry("abq", [[10.0, 10.0]], [(500, 10)])]),
             (2, [entry("async", [[30.0, 30.0]], [(3000, 10)])]),
             (3, [entry("async", [[8.0, 8.0]], [(900, 10)]), entry("abq", [[4.0, 4.0]], [(400, 10)])])]
    run = Run(merge(parts))
    mine, theirs = run.find("ThroughputBench", "writers4", impl="async"), run.find("ThroughputBench", "writers4", impl="abq")
    assert mine["forkIds"] == [[1, 0], [2, 0], [3, 0]] and mine["forks"] == 3, mine["forkIds"]
    assert abs(mine["primaryMetric"]["score"] - (10 + 12 + 30 + 30 + 8 + 8) / 6) < 1e-9
    assert fork_scores(mine) == {(1, 0): 11.0, (2, 0): 30.0, (3, 0): 8.0}
    ratios = paired_ratios(fork_scores(mine), fork_scores(theirs))
    assert ratios == [1.1, 2.0], ratios  # round 2 unpaired, never paired with another round's fork
    assert abs(grade(ratios, "≥", 1.5)[0] - 1.55) < 1e-9 and grade(ratios, "≥", 1.5)[1] == "met"
    assert grade(ratios, "≥", 1.6)[1] == "**missed**"  # the median grades, not the best fork (2.0)
    assert grade([0.9, 1.2, 3.0], "≥", 1.0) == (1.2, "met")
    assert grade([0.9, 1.2, 3.0], "≤", 1.0)[1] == "**missed**" and grade([], "≥", 1.0) == (None, "not measured")
    assert grade([1.2], "≥", 1.0, lost=3)[1] == "**missed**"
    assert fork_cpu(mine) == {(1, 0): 100.0, (2, 0): 300.0, (3, 0): 90.0}
    assert mine["secondaryMetrics"]["cpuNanos"]["score"] == 4900.0  # a summed counter stays a sum
    # JMH's score error: t(0.9995, 1) * sd / sqrt(2) for two iterations.
    m, err = mean_and_error([10.0, 12.0])
    assert m == 11.0 and abs(err - 636.62 * math.sqrt(2) / math.sqrt(2)) < 1e-6, err
    # Percentiles: position p(n+1)/100 over the joined histogram, interpolated (matches JMH's).
    hist = [[1.0, 1], [2.0, 1], [3.0, 1], [4.0, 1]]
    assert hist_percentile(hist, 50.0) == 2.5 and hist_percentile(hist, 100.0) == 4.0
    assert hist_percentile(hist, 10.0) == 1.0 and hist_percentile([[7.0, 3]], 99.9) == 7.0
    lat = merge([(1, [entry("async", [[[[1.0, 999], [50.0, 1]]]], mode="sample")]),
                 (2, [entry("async", [[[[1.0, 98], [9.0, 2]]]], mode="sample")])])[0]
    assert fork_scores(lat, "p99.9") == {(1, 0): hist_percentile([[1.0, 999], [50.0, 1]], 99.9), (2, 0): 9.0}
    assert abs(lat["primaryMetric"]["score"] - (999 + 50 + 98 + 18) / 1100) < 1e-9
    assert lat["primaryMetric"]["scorePercentiles"]["99.9"] == hist_percentile([[1.0, 1097], [9.0, 2], [50.0, 1]], 99.9)
    assert round_of("/tmp/x/f03-02.json") == 3 and round_of("01.json") == 0
    assert json.dumps(jmh_nan(lat), allow_nan=False)  # strict JSON, as JMH writes it
    checked = rejoin_matches_jmh(pathlib.Path(__file__).parent / "runs" / "targets-20261201T131313Z.json")
    print(f"report.py self-test: ok ({checked} JMH entries split by fork and joined again as JMH scored them)")


def rejoin_matches_jmh(path):
    """Splits a real 2-fork JMH result into one file per fork, joins them, and compares with JMH's scores."""
    if not path.exists():
        return 0
    original = json.loads(path.read_text())

    def fork(entry, k):
        e = json.loads(json.dumps(entry))
        pm = e["primaryMetric"]
        for field in ("rawData", "rawDataHistogram"):
            if field in pm:
                pm[field] = [pm[field][k]]
        for metric in e.get("secondaryMetrics", {}).values():
            metric["rawData"] = [metric["rawData"][k]]
        e["forks"] = 1
        pm["score"], pm["scoreError"] = None, None  # to be recomputed from the raw data
        pm["scorePercentiles"] = {q: None for q in pm["scorePercentiles"]}
        return e

    joined = merge([(k + 1, [fork(e, k) for e in original]) for k in range(2)])
    assert len(joined) == len(original)

    def close(a, b):
        if isinstance(a, str) or isinstance(b, str):
            return str(a) == str(b) or {str(a), str(b)} <= {"NaN", "nan"}
        return abs(a - b) <= 1e-4 * max(abs(a), 1e-9)

    for a, b in zip(original, joined):
        assert a["benchmark"] == b["benchmark"] and a["params"] == b["params"] and b["forkIds"] == [[1, 0], [2, 0]]
        pa, pb = a["primaryMetric"], b["primaryMetric"]
        assert close(pa["score"], pb["score"]) and close(pa["scoreError"], pb["scoreError"]), (a["benchmark"], pa, pb)
        assert all(close(v, pb["scorePercentiles"][q]) for q, v in pa["scorePercentiles"].items()), a["benchmark"]
        for name, metric in a.get("secondaryMetrics", {}).items():
            assert close(metric["score"], b["secondaryMetrics"][name]["score"]), (a["benchmark"], name)
    return len(original)


def main():
    args = sys.argv[1:]
    if args == ["--self-test"]:
        self_test()
        return
    if len(args) >= 2 and args[0] == "--merge":
        parts = []
        for name in args[2:]:
            text = pathlib.Path(name).read_text()
            if text.strip():
                parts.append((round_of(name), json.loads(text)))
        pathlib.Path(args[1]).write_text(json.dumps(jmh_nan(merge(parts)), indent=2, allow_nan=False) + "\n")
        return
    svg_path = None
    if len(args) == 3 and args[0] == "--svg":
        svg_path, args = args[1], args[2:]
    if len(args) != 1:
        sys.exit("usage: report.py [--svg chart.svg] <jmh-result.json> | --merge <out.json> <part.json>..."
                 " | --self-test")
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
        f"- JMH {first.get('jmhVersion', '?')}, args: `{machine.get('jmhArgs', '?').strip()}`"
        + (f", {machine['rounds']} rounds of it" if machine.get("rounds", 1) > 1 else ""),
        f"- Raw data: `{pathlib.Path(sys.argv[1]).name}`",
        "",
    ]
    out += targets(run) + [""] + goals(run) + [""]
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

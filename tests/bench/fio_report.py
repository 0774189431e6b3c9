#!/usr/bin/env python3
"""Summarises tests/bench/nvme_io.sh runs: reads "ROW NAME ROUND KIND JOB ..."
lines on stdin (KIND FIO: fio's JSON for JOB; EXITS / IRQS: a count during JOB)
and prints, per row, the median over rounds of each metric, each row's share
of the "host" row, and the zvmm/QEMU ratios the issue sets goals for
(--json: the same as a JSON array of rows)."""
import argparse
import json
import os
import statistics
import sys
from collections import defaultdict


def job_metrics(job, fio, exits, irqs):
    """Metrics of one fio job (its JSON), with the exits/interrupts counted around it."""
    j = fio["jobs"][0]
    side = j["write"] if job == "seqwrite" else j["read"]
    ios = side.get("total_ios", 0)
    out = {}
    if job == "seqwrite":
        out["mib_s"] = side["bw"] / 1024.0
    else:
        pct = side.get("clat_ns", {}).get("percentile", {})
        out["iops"] = side["iops"]
        out["lat_mean_us"] = side["lat_ns"]["mean"] / 1000.0
        for key, name in (("50.000000", "p50_us"), ("99.000000", "p99_us"), ("99.900000", "p99.9_us")):
            if key in pct:
                out[name] = pct[key] / 1000.0
    if ios > 0 and exits is not None:
        out["exits_per_io"] = exits / ios
    if ios > 0 and irqs is not None:
        out["irqs_per_io"] = irqs / ios
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", default="zvmm-nvme qemu-nvme host")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rows = args.rows.split()

    # raw[row][round][job] = {"fio": ..., "exits": n, "irqs": n}
    raw = defaultdict(lambda: defaultdict(lambda: defaultdict(dict)))
    for line in sys.stdin:
        parts = line.rstrip("\n").split(" ", 5)
        if len(parts) < 6 or parts[0] != "ROW":
            continue
        _, row, rnd, kind, job, rest = parts
        slot = raw[row][rnd][job]
        try:
            if kind == "FIO":
                # fio prints a failed job's error line on stdout before the JSON.
                brace = rest.find("{")
                if brace > 0:
                    print(f"fio_report: row {row} round {rnd} job {job}: {rest[:brace].strip()}",
                          file=sys.stderr)
                slot["fio"] = json.loads(rest[max(brace, 0):])
                errors = [j.get("error", 0) for j in slot["fio"].get("jobs", [])]
                if any(errors):
                    print(f"fio_report: row {row} round {rnd} job {job}: fio reports error {max(errors)}"
                          f" ({', '.join(os.strerror(e) for e in set(errors) if e)})", file=sys.stderr)
            elif kind in ("EXITS", "IRQS"):
                slot[kind.lower()] = int(rest)
            elif kind == "VALUE":
                slot["value"] = float(rest)
        except ValueError:
            print(f"fio_report: row {row} round {rnd} job {job}: unreadable {kind}: {rest[:160]!r}",
                  file=sys.stderr)

    # per row: metric name "job.metric" -> median over rounds
    summary = {}
    for row in rows:
        samples = defaultdict(list)
        for rnd, jobs in raw.get(row, {}).items():
            for job, slot in jobs.items():
                if "value" in slot:  # zoned rows: zappend (appends/s), zreport (ms)
                    unit = "ops_s" if job == "zappend" else "ms"
                    samples[f"{job}.{unit}"].append(slot["value"])
                if "fio" not in slot:
                    continue
                for k, v in job_metrics(job, slot["fio"], slot.get("exits"), slot.get("irqs")).items():
                    samples[f"{job}.{k}"].append(v)
        summary[row] = {k: statistics.median(v) for k, v in samples.items()}
        summary[row]["rounds"] = max((len(v) for v in samples.values()), default=0)

    def share(row, key):
        h = summary.get("host", {}).get(key)
        v = summary.get(row, {}).get(key)
        return v / h if h and v is not None else None

    for row in rows:
        for key in ("randread1.iops", "randread32.iops", "seqwrite.mib_s"):
            s = share(row, key)
            if s is not None and row != "host":
                summary[row][f"{key}.share_of_host"] = s

    if args.json:
        print(json.dumps([{"name": r, **summary[r]} for r in rows]))
    else:
        def f(row, key, fmt="{:.0f}"):
            v = summary.get(row, {}).get(key)
            return fmt.format(v) if v is not None else "-"
        print(f"{'row':<13} {'QD1 IOPS':>9} {'QD1 p50/p99/p99.9 us':>22} {'QD32 IOPS':>10}"
              f" {'QD32 p50/p99/p99.9 us':>23} {'seq MiB/s':>9} {'exits/IO':>9} {'irqs/IO':>8} {'QD32 of host':>12}")
        for row in rows:
            lat1 = "/".join(f(row, f"randread1.{p}") for p in ("p50_us", "p99_us", "p99.9_us"))
            lat32 = "/".join(f(row, f"randread32.{p}") for p in ("p50_us", "p99_us", "p99.9_us"))
            sh = summary[row].get("randread32.iops.share_of_host")
            print(f"{row:<13} {f(row, 'randread1.iops'):>9} {lat1:>22} {f(row, 'randread32.iops'):>10}"
                  f" {lat32:>23} {f(row, 'seqwrite.mib_s', '{:.1f}'):>9}"
                  f" {f(row, 'randread32.exits_per_io', '{:.2f}'):>9} {f(row, 'randread32.irqs_per_io', '{:.2f}'):>8}"
                  f" {(f'{sh:.0%}' if sh is not None else '-'):>12}")
        z, q = summary.get("zvmm-nvme", {}), summary.get("qemu-nvme", {})

        def ratio(key, a=z, b=q):
            return f"{a[key] / b[key]:.2f}" if a.get(key) and b.get(key) else "nan"
        if z or q:
            print(f"ratios zvmm/QEMU NVMe: QD32 IOPS {ratio('randread32.iops')} (goal >= 2),"
                  f" QD1 mean latency {ratio('randread1.lat_mean_us')} (goal < 1),"
                  f" seq write {ratio('seqwrite.mib_s')}")
        zz, qz = summary.get("zvmm-nvme-zns", {}), summary.get("qemu-nvme-zns", {})
        if zz or qz:
            print(f"{'zoned row':<14} {'append/s':>9} {'report 1024 zones ms':>21}"
                  "  (append/s: one nvme-cli process per 4 KiB append)")
            for row in rows:
                if row.endswith("-zns"):
                    print(f"{row:<14} {f(row, 'zappend.ops_s'):>9} {f(row, 'zreport.ms', '{:.1f}'):>21}")
            print(f"ratios zvmm/QEMU NVMe ZNS: QD32 IOPS {ratio('randread32.iops', zz, qz)} (goal >= 2),"
                  f" zoned seq write {ratio('seqwrite.mib_s', zz, qz)} (goal >= 1.5),"
                  f" QD1 mean latency {ratio('randread1.lat_mean_us', zz, qz)},"
                  f" appends/s {ratio('zappend.ops_s', zz, qz)},"
                  f" zone report time {ratio('zreport.ms', zz, qz)} (< 1 is faster)")
    missing = [r for r in rows if not summary[r].get("rounds")]
    if missing:
        print(f"fio_report: no results for {' '.join(missing)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

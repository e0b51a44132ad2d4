"""Time the health checks against a pandas version of the core ones, on ~10M events and ~2M transactions.

    .venv/bin/python bench/bench_health.py [--customers 100000] [--repeats 3]

Generates the sample once (Parquet) and ingests it once into a workspace (neither is timed),
then per repeat runs, each in a fresh process so its peak RSS is its own:

- kenal: ``health_summary`` on the workspace (every check, as queries in the store);
- pandas: what an analyst would write instead for the core checks only (future and out-of-order
  timestamps, bot sessions by agent and hit count, near-duplicate transactions, missing values),
  reading the same Parquet files.

Prints medians (min-max) of wall time and peak RSS, the ratio, and writes bench/out/bench_health.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET_SECONDS = 60.0  # the bar for 10M events and 2M transactions on 2 cores


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def prepare(root: Path, customers: int, seed: int) -> None:
    from kenal.config import Settings
    from kenal.ingest import ingest
    from kenal.sample import generate_sample, write_sample
    from kenal.store import Store

    if not (root / "input" / "events.parquet").exists():
        write_sample(generate_sample(customers, seed=seed), root / "input", root / "truth")
    if not (root / "ws" / "kenal.duckdb").exists():
        store = Store.open(root / "ws", Settings())
        try:
            ingest(store, root / "input")
        finally:
            store.close()


def run_kenal(root: Path) -> dict:
    from kenal.config import Settings
    from kenal.health import health_summary
    from kenal.store import Store

    store = Store.open(root / "ws", Settings())
    try:
        rows = {n: store.count(n) for n in ("events", "transactions", "customers", "interactions")}
        start = time.perf_counter()
        report = health_summary(store)
        seconds = time.perf_counter() - start
    finally:
        store.close()
    return {"seconds": seconds, "peak_rss_mb": peak_rss_mb(), "rows": rows,
            "findings": {c.id: c.count for c in report.checks if c.severity != "info"}}


def run_pandas(root: Path) -> dict:
    import pandas as pd

    start = time.perf_counter()
    now = pd.Timestamp.now(tz="UTC")
    e = pd.read_parquet(root / "input" / "events.parquet")
    e["ts"] = pd.to_datetime(e.timestamp, format="ISO8601", utc=True)  # naive values are not localised here
    found = {"timestamp_future": int((e.ts > now + pd.Timedelta(days=1)).sum())}
    e["row"] = range(len(e))
    s = e.dropna(subset=["session_id"]).sort_values(["session_id", "row"])
    found["timestamp_out_of_order"] = int((s.ts < s.groupby("session_id").ts.shift()).sum())
    bot_agent = e.user_agent.str.contains(r"bot/|crawl|spider|python-requests|curl/|headless|scrapy|go-http",
                                          case=False, na=False)
    per = e.assign(bot=bot_agent).groupby("session_id").agg(hits=("row", "size"), bot=("bot", "any"))
    bots = per[per.bot | (per.hits >= 1000)]
    found["bot_sessions"], found["bot_events"] = len(bots), int(bots.hits.sum())
    found["missing_values"] = int(e.isna().sum().sum())
    del e, s, per
    t = pd.read_parquet(root / "input" / "transactions.parquet")
    t = t.drop_duplicates()
    t["ts"] = pd.to_datetime(t.timestamp, format="ISO8601", utc=True)
    t = t.sort_values(["customer_id", "amount", "currency", "kind", "ts"])
    gap = t.groupby(["customer_id", "amount", "currency", "kind"]).ts.diff()
    found["near_duplicate_transactions"] = int((gap <= pd.Timedelta(minutes=10)).sum())
    return {"seconds": time.perf_counter() - start, "peak_rss_mb": peak_rss_mb(), "findings": found}


def in_fresh_process(what: str, root: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", what, "--root", str(root)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} ({min(values):.1f}-{max(values):.1f})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--root", type=Path, default=None, help="Keep the data here (default: a temp folder).")
    ap.add_argument("--child", choices=["kenal", "pandas"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(run_kenal(args.root) if args.child == "kenal" else run_pandas(args.root)))
        return
    root = args.root or Path(tempfile.mkdtemp(prefix="kenal-bench-health-"))
    print(f"preparing {args.customers:,} customers in {root} (generation and ingest are not timed)")
    prepare(root, args.customers, args.seed)
    runs = {"kenal": [], "pandas": []}
    for i in range(args.repeats):
        for what in runs:
            runs[what].append(in_fresh_process(what, root))
            r = runs[what][-1]
            print(f"  run {i + 1} {what:6s} {r['seconds']:6.1f} s  peak RSS {r['peak_rss_mb']:7.0f} MB", flush=True)
    rows = runs["kenal"][0]["rows"]
    k = [r["seconds"] for r in runs["kenal"]]
    p = [r["seconds"] for r in runs["pandas"]]
    ratios = [b / a for a, b in zip(k, p)]
    print(f"\n{rows['events']:,} events, {rows['transactions']:,} transactions, {rows['customers']:,} customers")
    print(f"kenal health (every check): {summary(k)} s, peak RSS {summary([r['peak_rss_mb'] for r in runs['kenal']])} MB"
          f"  [target < {TARGET_SECONDS:.0f} s]")
    print(f"pandas (core checks only):  {summary(p)} s, peak RSS {summary([r['peak_rss_mb'] for r in runs['pandas']])} MB")
    print(f"pandas time / kenal time:   {summary(ratios)}x")
    print("findings, kenal:", runs["kenal"][0]["findings"])
    print("findings, pandas:", runs["pandas"][0]["findings"])
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "bench_health.json").write_text(json.dumps({
        "machine": platform.platform(), "customers": args.customers, "rows": rows, "runs": runs,
        "median_seconds": {"kenal": statistics.median(k), "pandas": statistics.median(p)},
        "median_ratio": statistics.median(ratios)}, indent=2))


if __name__ == "__main__":
    main()

"""Monthly snapshots with stable segment ids, against the same backfill without reuse.

    .venv/bin/python bench/bench_snapshots.py [--customers 200000] [--months 12] [--repeats 1]

The sample is generated once (Parquet) and ingested once; each repeat then copies that workspace
twice and replays the same month ends on each copy, in a fresh process per copy:

- **stable**: the default, a clustering continued from month to month (the model kept while
  young, re-fitted from its earlier centres, segments matched to the earlier ones, assignments
  smoothed), with the migration between snapshots;
- **fresh**: ``stable_ids = false``, a new fit with its own choice of k every month (what a team
  re-clustering each month does).

It prints, per snapshot, the time of the features and segmentation stages and the share of
customers who kept their segment since the month before, then the totals, their ratio and each
process's peak RSS.  Medians over repeats; everything goes to bench/out/bench_snapshots.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
LAST = "2026-06-30"  # the sample's default cut-off: the last snapshot
CONFIG = """seed = {seed}

[segmentations.behavioural]
kind = "clustering"
auto = false
stable_ids = {stable}

[segmentations.lifecycle]
kind = "lifecycle"
"""


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_prepare(n: int, seed: int, root: Path) -> dict:
    from kenal.config import Settings
    from kenal.ingest import ingest
    from kenal.sample import generate_sample, write_sample
    from kenal.store import Store

    start = time.perf_counter()
    write_sample(generate_sample(n_customers=n, seed=seed), root / "input", root / "truth", fmt="parquet")
    generated = time.perf_counter() - start
    with Store.open(root / "base", Settings(seed=seed)) as store:
        ingest(store, root / "input")
    return {"generate_s": generated, "ingest_s": time.perf_counter() - start - generated, "peak_rss_mb": peak_rss_mb()}


def child_backfill(workspace: Path, months: int) -> dict:
    from kenal.cli import _as_of
    from kenal.config import load_settings
    from kenal.outputs import ASSIGNMENTS
    from kenal.pipeline import run
    from kenal.store import Store
    from kenal.temporal.backfill import as_of_dates
    from kenal.temporal.migration import migration, stayed

    import pandas as pd

    settings = load_settings(workspace)
    last = pd.Timestamp(LAST)  # the sample's cut-off
    days = as_of_dates((last - pd.offsets.MonthEnd(months - 1)).date(), last.date(), "month")
    rows, previous = [], None
    for day in days:
        start = time.perf_counter()
        result = run(workspace, settings, as_of=_as_of(day.isoformat(), settings.timezone))
        elapsed = time.perf_counter() - start
        sid = result.snapshot.snapshot_id
        kept = None
        if previous is not None:
            with Store.open(workspace, settings) as store:
                kept = stayed(migration(store, "behavioural", previous, sid))
        behavioural = result.segmentations[0]
        rows.append({"as_of": day.isoformat(), "snapshot": sid, "total_s": elapsed, **result.timings,
                     "k": len(behavioural.segments), "kept": kept, "decision": behavioural.decision})
        previous = sid
    with Store.open(workspace, settings) as store:
        rows_stored = store.count(ASSIGNMENTS)
    return {"snapshots": rows, "assignments": rows_stored, "peak_rss_mb": peak_rss_mb()}


def spawn(*args: str) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    out = subprocess.run([sys.executable, __file__, *args], env=env, check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=200_000)
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir", type=Path, default=None)
    args = ap.parse_args()
    root = args.workdir or Path(tempfile.mkdtemp(prefix="kenal-snapshots-"))
    root.mkdir(parents=True, exist_ok=True)
    print(f"{args.customers:,} customers, {args.months} monthly snapshots, {args.repeats} repeat(s), in {root}")
    prepared = spawn("prepare", str(args.customers), str(args.seed), str(root))
    print(f"sample generated in {prepared['generate_s']:.0f} s, ingested in {prepared['ingest_s']:.0f} s")
    runs = {"stable": [], "fresh": []}
    for repeat in range(args.repeats):
        for mode in (("stable", "fresh") if repeat % 2 == 0 else ("fresh", "stable")):
            ws = root / f"ws-{mode}"
            shutil.rmtree(ws, ignore_errors=True)
            shutil.copytree(root / "base", ws)
            (ws / "kenal.toml").write_text(CONFIG.format(seed=args.seed, stable=str(mode == "stable").lower()))
            runs[mode].append(spawn("backfill", str(ws), str(args.months)))
            print(f"repeat {repeat + 1}, {mode}: {sum(s['total_s'] for s in runs[mode][-1]['snapshots']):.0f} s")
    report(runs, args, prepared)


def _median(values: list[float]) -> float:
    return statistics.median(values)


def report(runs: dict, args, prepared: dict) -> None:
    n = len(runs["stable"][0]["snapshots"])
    print(f"\n{'as of':<11} {'k':>4} {'features s':>11} {'segments s':>11} {'total s':>8} {'kept':>7} | "
          f"{'k':>4} {'segments s':>11} {'total s':>8} {'kept':>7}   (stable | fresh; medians)")
    for i in range(n):
        cells = []
        for mode in ("stable", "fresh"):
            snaps = [r["snapshots"][i] for r in runs[mode]]
            kept = snaps[0]["kept"]
            cells.append((snaps[0]["k"], _median([s["features"] for s in snaps]),
                          _median([s["segmentation"] for s in snaps]), _median([s["total_s"] for s in snaps]),
                          "" if kept is None else f"{_median([s['kept'] for s in snaps]):.1%}"))
        (k1, f1, s1, t1, kept1), (k2, _, s2, t2, kept2) = cells
        print(f"{runs['stable'][0]['snapshots'][i]['as_of']:<11} {k1:>4} {f1:>11.1f} {s1:>11.1f} {t1:>8.1f} {kept1:>7} | "
              f"{k2:>4} {s2:>11.1f} {t2:>8.1f} {kept2:>7}")
    total = {m: _median([sum(s["total_s"] for s in r["snapshots"]) for r in runs[m]]) for m in runs}
    seg = {m: _median([sum(s["segmentation"] for s in r["snapshots"]) for r in runs[m]]) for m in runs}
    kept = {m: _median([statistics.mean(s["kept"] for s in r["snapshots"][1:]) for r in runs[m]]) for m in runs}
    rss = {m: max(r["peak_rss_mb"] for r in runs[m]) for m in runs}
    print(f"\ntotal: stable {total['stable']:.0f} s ({total['stable'] / n:.1f} s per snapshot), fresh "
          f"{total['fresh']:.0f} s ({total['fresh'] / n:.1f} s per snapshot): fresh / stable = "
          f"{total['fresh'] / total['stable']:.2f}x")
    print(f"segmentation stage: stable {seg['stable']:.0f} s, fresh {seg['fresh']:.0f} s: fresh / stable = "
          f"{seg['fresh'] / seg['stable']:.2f}x")
    print(f"customers keeping their segment month to month (mean): stable {kept['stable']:.1%}, fresh "
          f"{kept['fresh']:.1%}")
    print(f"peak RSS: stable {rss['stable']:.0f} MB, fresh {rss['fresh']:.0f} MB (ingest {prepared['peak_rss_mb']:.0f} MB)")
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    path = out / "bench_snapshots.json"
    path.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, "prepare": prepared,
                                "runs": runs}, indent=2))
    print(f"written to {path}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "prepare":
        print(json.dumps(child_prepare(int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]))))
    elif len(sys.argv) > 1 and sys.argv[1] == "backfill":
        print(json.dumps(child_backfill(Path(sys.argv[2]), int(sys.argv[3]))))
    else:
        main()

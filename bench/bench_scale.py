"""Scale: `kenal run` on the chunked sample, time and peak RSS per stage, on DuckDB and optionally Spark.

    .venv/bin/python bench/bench_scale.py --customers 100000 1000000 [--spark] [--pandas]

Per size: write the sample in chunks (Parquet folders, ~104 events and ~17 transactions per customer),
then run the whole pipeline in a fresh process per engine.  Peak RSS is per process, so it is the
pipeline's own.  With --pandas, the pandas feature build (bench_run's baseline) runs on the
smallest size's DuckDB workspace and the feature-stage ratio is printed (pandas needs every table in
memory).  With --root and --reuse-sample a sample already written there is used again (the
generator is deterministic).  Writes bench/out/bench_scale.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_run import StageMeter, peak_rss_mb, read_as_of

HERE = Path(__file__).resolve().parent


def child_sample(n: int, root: Path) -> dict:
    from kenal.sample import write_sample_chunked
    t0 = time.perf_counter()
    totals = write_sample_chunked(n, root / "input", root / "truth", seed=0)
    return {"seconds": time.perf_counter() - t0, "rows": totals["rows"], "peak_rss_mb": peak_rss_mb(),
            "input_mb": sum(f.stat().st_size for f in (root / "input").rglob("*.parquet")) / 2**20}


def child_run(engine: str, input_dir: Path, workspace: Path) -> dict:
    from kenal.config import Settings
    from kenal.pipeline import run
    extra = {"spark_master": "local[2]", "spark_memory": "8g"} if engine == "spark" else {}
    meter = StageMeter()
    result = run(workspace, Settings(engine=engine, **extra), input_dir=input_dir, progress=meter.enter)
    meter.enter(None)
    return {"timings": result.timings, "stage_peak_rss_mb": meter.peak, "peak_rss_mb": peak_rss_mb(),
            "n_customers": result.n_customers, "snapshot_id": result.snapshot.snapshot_id}


def child_pandas(workspace: Path, snapshot_id: str) -> dict:
    from threadpoolctl import threadpool_limits
    from pandas_features import compute_features, load_tables
    from kenal.config import Settings
    s = Settings()
    with threadpool_limits(1):
        t0 = time.perf_counter()
        features = compute_features(load_tables(workspace / "kenal.duckdb"), read_as_of(workspace, snapshot_id),
                                    s.timezone, s.consent_default)
    return {"seconds": time.perf_counter() - t0, "rows": len(features), "peak_rss_mb": peak_rss_mb()}


def spawn(*args: str) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"))
    out = subprocess.run([sys.executable, __file__, *args], env=env, check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, nargs="+", default=[100_000])
    ap.add_argument("--spark", action="store_true", help="also run on Spark local mode")
    ap.add_argument("--pandas", action="store_true", help="also time the pandas feature build (smallest size only)")
    ap.add_argument("--root", type=Path, default=None, help="scratch folder (default: a temporary one)")
    ap.add_argument("--reuse-sample", action="store_true",
                    help="with --root: keep a sample already written there (the generator is deterministic)")
    ap.add_argument("--child", nargs="+")
    args = ap.parse_args()
    if args.child:
        kind, *rest = args.child
        fn = {"sample": lambda: child_sample(int(rest[0]), Path(rest[1])),
              "run": lambda: child_run(rest[0], Path(rest[1]), Path(rest[2])),
              "pandas": lambda: child_pandas(Path(rest[0]), rest[1])}[kind]
        print(json.dumps(fn(), default=float))
        return

    report = {}
    for n in args.customers:
        root = Path(args.root or tempfile.mkdtemp(prefix="kenal-scale-")) / f"n{n}"
        sample_file = root / "sample.json"
        if args.reuse_sample and sample_file.exists():
            entry = {"sample": json.loads(sample_file.read_text())}
        else:
            shutil.rmtree(root, ignore_errors=True)
            entry = {"sample": spawn("--child", "sample", str(n), str(root))}
            sample_file.write_text(json.dumps(entry["sample"]))
        print(f"N={n:,}: sample {entry['sample']['seconds']:.0f}s, {entry['sample']['rows']['events']:,} events, "
              f"{entry['sample']['rows']['transactions']:,} transactions, peak RSS {entry['sample']['peak_rss_mb']:.0f} MB",
              flush=True)
        for engine in ("duckdb", "spark") if args.spark else ("duckdb",):
            shutil.rmtree(root / f"ws-{engine}", ignore_errors=True)
            r = spawn("--child", "run", engine, str(root / "input"), str(root / f"ws-{engine}"))
            entry[engine] = r
            stages = ", ".join(f"{s} {t:.0f}s ({r['stage_peak_rss_mb'].get(s, 0):.0f} MB)" for s, t in r["timings"].items())
            print(f"  {engine}: total {sum(r['timings'].values()):.0f}s, peak RSS {r['peak_rss_mb']:.0f} MB; {stages}",
                  flush=True)
        if args.pandas and n == min(args.customers):  # pandas holds every table in memory: the 1/10 size only
            p = spawn("--child", "pandas", str(root / "ws-duckdb"), entry["duckdb"]["snapshot_id"])
            entry["pandas"] = p
            ratio = p["seconds"] / entry["duckdb"]["timings"]["features"]
            print(f"  pandas features: {p['seconds']:.0f}s, peak RSS {p['peak_rss_mb']:.0f} MB; "
                  f"kenal features {ratio:.1f}x faster", flush=True)
        report[n] = entry
        if args.root is None:
            shutil.rmtree(root.parent, ignore_errors=True)
    out = HERE / "out" / "bench_scale.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=float))


if __name__ == "__main__":
    main()

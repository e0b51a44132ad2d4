"""Time each stage of `kenal run`, and a pandas build of the same feature table, on the sample data.

    .venv/bin/python bench/bench_run.py [--sizes 50000 200000] [--repeats 3]

Per size: generate the sample once (Parquet), check once that pandas and kenal build the same
feature table, then per repeat run the pipeline on a fresh workspace in a fresh process and the
pandas baseline on that workspace in another fresh process.  Every step is its own process so
each peak RSS is its own and the parent never holds gigabytes.  Prints medians (min-max) and
writes bench/out/bench_run.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
STAGES = ("ingest", "health", "features", "segmentation")
TARGET, TARGET_SIZE = 5.0, 200_000  # pandas feature time / kenal feature time at 200,000 customers


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)  # all threads: DuckDB's workers included
    return r.ru_utime + r.ru_stime


class StageMeter:
    """CPU seconds and peak RSS per stage; ``enter(stage)`` is the pipeline's progress callback."""

    def __init__(self):
        self.stage, self.cpu, self.peak, self._t = None, {}, {}, cpu_s()
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self):  # ru_maxrss has no per-stage reset, so poll the current RSS
        while True:
            rss = int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
            if self.stage:
                self.peak[self.stage] = max(self.peak.get(self.stage, 0.0), rss)
            time.sleep(0.05)

    def enter(self, stage: str | None):
        now = cpu_s()
        if self.stage:
            self.cpu[self.stage] = now - self._t
        self.stage, self._t = stage, now


def settings():
    from kenal.config import Settings
    return Settings()  # the defaults in every process: Asia/Jakarta, consent_default = deny


def read_as_of(workspace: Path, snapshot_id: str):
    import duckdb
    with duckdb.connect(str(workspace / "kenal.duckdb"), read_only=True) as con:
        return con.execute("select as_of from snapshots where snapshot_id = ?", [snapshot_id]).fetchone()[0]


# -- child processes: each prints one JSON line ------------------------------------------------
def child_sample(n: int, seed: int, root: Path) -> dict:
    from kenal.sample import generate_sample, write_sample
    t0 = time.perf_counter()
    data = generate_sample(n_customers=n, seed=seed)
    t1 = time.perf_counter()
    write_sample(data, root / "input", root / "truth", fmt="parquet")
    t2 = time.perf_counter()
    return {"generate_s": t1 - t0, "write_s": t2 - t1, "rows": {k: len(v) for k, v in data.tables.items()},
            "input_mb": sum(f.stat().st_size for f in (root / "input").iterdir()) / 2**20}


def child_kenal(input_dir: Path, workspace: Path) -> dict:
    from kenal.pipeline import run
    meter = StageMeter()
    result = run(workspace, settings(), input_dir=input_dir, progress=meter.enter)
    meter.enter(None)
    return {"timings": result.timings, "cpu": meter.cpu, "stage_peak_rss_mb": meter.peak,
            "snapshot_id": result.snapshot.snapshot_id, "n_customers": result.n_customers,
            "peak_rss_mb": peak_rss_mb()}


def child_pandas(workspace: Path, snapshot_id: str) -> dict:
    from threadpoolctl import threadpool_limits
    from pandas_features import compute_features, load_tables
    s, as_of = settings(), read_as_of(workspace, snapshot_id)
    with threadpool_limits(1):  # as the pipeline's KMeans; pandas' groupby is single-threaded anyway
        t0, c0 = time.perf_counter(), cpu_s()
        tables = load_tables(workspace / "kenal.duckdb")
        t1, c1 = time.perf_counter(), cpu_s()
        features = compute_features(tables, as_of, s.timezone, s.consent_default)
        t2, c2 = time.perf_counter(), cpu_s()
    return {"load": t1 - t0, "compute": t2 - t1, "load_cpu": c1 - c0, "compute_cpu": c2 - c1,
            "rows": len(features), "peak_rss_mb": peak_rss_mb()}


def child_check(workspace: Path, snapshot_id: str) -> dict:
    """pandas' feature table against kenal's stored one: same customers, columns and values."""
    import duckdb
    from pandas_features import check_same, compute_features, load_tables
    s = settings()
    ours = compute_features(load_tables(workspace / "kenal.duckdb"), read_as_of(workspace, snapshot_id),
                            s.timezone, s.consent_default)
    with duckdb.connect(str(workspace / "kenal.duckdb"), read_only=True) as con:
        theirs = con.execute("select * exclude (snapshot_id) from features where snapshot_id = ?",
                             [snapshot_id]).df()
    return {"rows": len(theirs), "columns": len(theirs.columns), "problems": check_same(ours, theirs)}


def spawn(*args: str) -> dict:
    """Run this script as a child and return the JSON it prints last."""
    env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"))
    out = subprocess.run([sys.executable, __file__, *args], env=env, check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- the parent -------------------------------------------------------------------------------
def check(workspace: Path, snapshot_id: str, allowed: set[str]) -> dict:
    """Fail loudly unless the tables agree, bar differences in columns named by --allow-mismatch."""
    result = spawn("--child", "check", "--workspace", str(workspace), "--snapshot", snapshot_id)
    known = [p for p in result["problems"] if p.split(":")[0] in allowed]
    for p in result["problems"]:
        print(f"  MISMATCH{' (allowed by --allow-mismatch)' if p in known else ''}: {p}", file=sys.stderr)
    if len(known) < len(result["problems"]):
        sys.exit("pandas and kenal feature tables differ; see MISMATCH above")
    return result


def spread(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def summarise(runs: list[dict]) -> dict:
    k = [r["kenal"] for r in runs]
    p = [r["pandas"] for r in runs]
    rows = {f"kenal {s}": [x["timings"][s] for x in k] for s in STAGES}
    rows["kenal total"] = [sum(x["timings"].values()) for x in k]
    rows["pandas load"] = [x["load"] for x in p]
    rows["pandas compute"] = [x["compute"] for x in p]
    rows["pandas load+compute"] = [x["load"] + x["compute"] for x in p]
    rows["kenal features CPU"] = [x["cpu"]["features"] for x in k]
    rows["pandas compute CPU"] = [x["compute_cpu"] for x in p]
    out = {name: spread(v) for name, v in rows.items()}
    out["kenal peak RSS MB"] = spread([x["peak_rss_mb"] for x in k])
    out["pandas peak RSS MB"] = spread([x["peak_rss_mb"] for x in p])
    # Ratio of the medians; its range is that of the per-repeat ratios.
    for name, num, den in (("ratio compute-only", "pandas compute", "kenal features"),
                           ("ratio load+compute", "pandas load+compute", "kenal features"),
                           ("ratio CPU s", "pandas compute CPU", "kenal features CPU")):
        per_run = [a / b for a, b in zip(rows[num], rows[den])]
        out[name] = {"median": out[num]["median"] / out[den]["median"], "min": min(per_run), "max": max(per_run)}
    return out


def print_table(results: dict) -> None:
    sizes = list(results)
    print(f"\n{'median (min-max)':22}" + "".join(f"{f'N = {n:,}':>26}" for n in sizes))
    for label in next(iter(results.values()))["summary"]:
        fmt = "{:.2f}x" if label.startswith("ratio") else ("{:.0f}" if "RSS" in label else "{:.1f}s")
        cells = [results[n]["summary"][label] for n in sizes]
        print(f"{label:22}" + "".join(f"{fmt.format(v['median'])} ({fmt.format(v['min'])}-{fmt.format(v['max'])})"
                                      .rjust(26) for v in cells))
    for n in sizes:
        s, c = results[n]["sample"], results[n]["check"]
        print(f"N={n:,}: sample generated in {s['generate_s']:.0f}s, written in {s['write_s']:.0f}s "
              f"({s['input_mb']:.0f} MB Parquet; {s['rows']['transactions']:,} transactions, "
              f"{s['rows']['events']:,} events); feature table {c['rows']:,} x {c['columns']}")


def code_version() -> dict:
    """Which kenal the numbers are for: others edit it while it is benchmarked."""
    import hashlib
    import kenal.features.build as build
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "src"], cwd=HERE.parent, capture_output=True, text=True)
    return {"git_head": head.stdout.strip(), "src_modified": bool(dirty.stdout.strip()),
            "features_build_sha256": hashlib.sha256(Path(build.__file__).read_bytes()).hexdigest()[:12]}


def write_report(report: dict) -> Path:
    out = HERE / "out" / "bench_run.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=str))
    return out


def machine() -> dict:
    import duckdb
    with duckdb.connect() as con:
        duck_threads = con.sql("select current_setting('threads')").fetchone()[0]
    mem = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    cpu = [line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
           if line.startswith("model name")]
    return {"cpus": os.cpu_count(), "cpu_model": cpu[0] if cpu else platform.processor(),
            "mem_gb": round(int(mem.split()[1]) / 2**20, 1), "python": platform.python_version(),
            "duckdb": duckdb.__version__,
            "threads": {"duckdb": duck_threads, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"),
                        "kmeans": 1, "pandas": 1}}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[50_000, 200_000])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workdir", type=Path, help="where samples and workspaces go (default: a temp dir, removed)")
    p.add_argument("--allow-mismatch", action="append", default=[], metavar="COLUMN",
                   help="report, but do not fail on, a known difference in this column")
    p.add_argument("--child", choices=["sample", "kenal", "pandas", "check"], help=argparse.SUPPRESS)
    p.add_argument("--n", type=int, help=argparse.SUPPRESS)
    p.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--workspace", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--snapshot", help=argparse.SUPPRESS)
    a = p.parse_args()
    children = {"sample": lambda: child_sample(a.n, a.seed, a.root),
                "kenal": lambda: child_kenal(a.root / "input", a.workspace),
                "pandas": lambda: child_pandas(a.workspace, a.snapshot),
                "check": lambda: child_check(a.workspace, a.snapshot)}
    if a.child:
        print(json.dumps(children[a.child]()))
        return

    work = a.workdir or Path(tempfile.mkdtemp(prefix="kenal-bench-"))
    report = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": machine(),
              "code": code_version(), "repeats": a.repeats, "seed": a.seed, "sizes": {}}
    try:
        for n in a.sizes:
            root = work / f"n{n}"
            shutil.rmtree(root, ignore_errors=True)
            print(f"N={n:,}: generating the sample", file=sys.stderr)
            entry = {"sample": spawn("--child", "sample", "--n", str(n), "--seed", str(a.seed), "--root", str(root)),
                     "runs": []}
            for r in range(a.repeats):
                ws = root / f"ws{r}"
                k = spawn("--child", "kenal", "--root", str(root), "--workspace", str(ws))
                if r == 0:
                    entry["check"] = check(ws, k["snapshot_id"], set(a.allow_mismatch))
                pd_ = spawn("--child", "pandas", "--workspace", str(ws), "--snapshot", k["snapshot_id"])
                entry["runs"].append({"kenal": k, "pandas": pd_})
                print(f"  repeat {r + 1}: kenal features {k['timings']['features']:.1f}s "
                      f"(run {sum(k['timings'].values()):.0f}s), pandas compute {pd_['compute']:.1f}s "
                      f"(load {pd_['load']:.1f}s)", file=sys.stderr)
                shutil.rmtree(ws)
            entry["summary"] = summarise(entry["runs"])
            report["sizes"][n] = entry
            write_report(report)  # a size's numbers survive a failure at the next size
            shutil.rmtree(root, ignore_errors=True)
    finally:
        if a.workdir is None:
            shutil.rmtree(work, ignore_errors=True)

    print_table(report["sizes"])
    m = report["machine"]
    print(f"machine: {m['cpus']} CPUs ({m['cpu_model']}), {m['mem_gb']} GB, DuckDB {m['duckdb']}; threads: "
          f"DuckDB {m['threads']['duckdb']}, KMeans 1 (the pipeline's threadpool_limits), pandas 1, "
          f"OMP_NUM_THREADS={m['threads']['OMP_NUM_THREADS']}")
    if TARGET_SIZE in report["sizes"]:
        ratio = report["sizes"][TARGET_SIZE]["summary"]["ratio compute-only"]["median"]
        report["target"] = {"size": TARGET_SIZE, "ratio": ratio, "target": TARGET, "met": ratio >= TARGET}
        print(f"target: kenal's feature build >= {TARGET:.0f}x faster than pandas (compute only) at "
              f"{TARGET_SIZE:,} customers: {'MET' if ratio >= TARGET else 'NOT MET'} ({ratio:.2f}x)")
    print(f"kenal {report['code']['git_head']}{' + uncommitted changes' if report['code']['src_modified'] else ''}, "
          f"features/build.py sha256 {report['code']['features_build_sha256']}")
    print(f"wrote {write_report(report)}")


if __name__ == "__main__":
    main()

"""Time kenal's default clustering (k-means with the automatic choice of k over 2..12) on 1,000,000
customers x 30 features, beside a plain scikit-learn KMeans grid over the same k.

    .venv/bin/python bench/bench_clustering.py [--customers 1000000] [--features 30] [--repeats 3]

The data: a synthetic feature table with 8 planted segments of unequal size (3% to 25%), made
from a seed in each process (generation is not timed).  Two thirds of the columns are positive and
heavy-tailed (lognormal, like spend and counts: kenal log-transforms them), the rest symmetric
(like a standardised score); each planted segment differs from the others in a few columns by a
margin drawn at random, so segments overlap as real ones do.  0.3% of the rows are outliers ten
times further out on a few columns.

Per repeat, each in a fresh process so its peak RSS is its own:

- kenal: ``BehaviouralSegmenter(features=all 30 columns).fit(table)``: the feature transform
  (log, winsorise, standardise), silhouette, Calinski-Harabasz, Davies-Bouldin and bootstrap
  stability for every k on a 50,000-customer sample, the choice of k, and the chosen k-means
  refitted on every customer;
- scikit-learn: ``KMeans(n_clusters=k).fit(X)`` for k = 2..12 with default settings (default
  threads), on the matrix kenal clusters (its transform is not timed here).  It only fits: no
  criteria, no choice of k.

Prints medians (min-max) of wall time and of peak RSS while fitting (the process's RSS before the fit,
the data, is printed beside it), the ratio, the k kenal chose and the adjusted
Rand index of both against the planted segments, and writes bench/out/bench_clustering.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET_SECONDS = 120.0  # the bar: 1,000,000 x 30, auto-k over 2..12, on 2 cores
K_RANGE = range(2, 13)
SEGMENT_SHARES = (0.25, 0.2, 0.15, 0.12, 0.1, 0.08, 0.07, 0.03)


def reset_peak() -> float:
    """Start counting peak memory from now (Linux: writing 5 to clear_refs resets VmHWM); returns the
    current RSS in MB, the data's share of the peak."""
    Path("/proc/self/clear_refs").write_text("5")
    return _status_mb("VmRSS")


def peak_rss_mb() -> float:
    return _status_mb("VmHWM")


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024  # kB
    raise RuntimeError(f"{field} not in /proc/self/status")


def planted(n: int, d: int, seed: int):
    """A feature table with planted segments (see the module docstring) and the segment of each row."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    shares = np.array(SEGMENT_SHARES)
    segment = rng.choice(len(shares), size=n, p=shares / shares.sum())
    means = np.zeros((len(shares), d))
    for s in range(len(shares)):  # each segment stands out on 4 columns
        cols = rng.choice(d, size=4, replace=False)
        means[s, cols] = rng.choice([-1, 1], size=4) * rng.uniform(1.5, 3.0, size=4)
    values = means[segment] + rng.standard_normal((n, d))
    outlier = rng.random(n) < 0.003
    values[outlier, :3] += 10
    heavy = 2 * d // 3
    columns = {f"amount_{j:02d}": np.exp(8 + values[:, j]) for j in range(heavy)}  # lognormal, positive
    columns |= {f"score_{j:02d}": values[:, j] for j in range(heavy, d)}
    return pd.DataFrame(columns), segment


def run(what: str, n: int, d: int, seed: int) -> dict:
    from sklearn.metrics import adjusted_rand_score

    from kenal.models import BehaviouralSegmenter

    X, truth = planted(n, d, seed)
    if what == "kenal":
        data_mb = reset_peak()
        start = time.perf_counter()
        model = BehaviouralSegmenter(k_min=K_RANGE[0], k_max=K_RANGE[-1], features=list(X.columns),
                                     random_state=0).fit(X)
        seconds = time.perf_counter() - start
        return {"seconds": seconds, "peak_rss_mb": peak_rss_mb(), "data_rss_mb": data_mb, "k": model.n_clusters_,
                "ari": adjusted_rand_score(truth, model.labels_)}
    from sklearn.cluster import KMeans

    from kenal.models import FeatureSpace

    Z = FeatureSpace(list(X.columns)).fit_transform(X)
    del X
    data_mb = reset_peak()
    start, ari = time.perf_counter(), {}
    for k in K_RANGE:
        ari[k] = adjusted_rand_score(truth, KMeans(n_clusters=k).fit(Z).labels_)
    return {"seconds": time.perf_counter() - start, "peak_rss_mb": peak_rss_mb(), "data_rss_mb": data_mb,
            "ari_by_k": ari}


def in_fresh_process(what: str, args) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", what, "--customers", str(args.customers),
                          "--features", str(args.features), "--seed", str(args.seed)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} ({min(values):.1f}-{max(values):.1f})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--features", type=int, default=30)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--child", choices=["kenal", "sklearn"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(run(args.child, args.customers, args.features, args.seed)))
        return
    print(f"{args.customers:,} customers x {args.features} features, k = {K_RANGE[0]}..{K_RANGE[-1]}")
    runs = {"kenal": [], "sklearn": []}
    for i in range(args.repeats):
        for what in runs:
            runs[what].append(in_fresh_process(what, args))
            r = runs[what][-1]
            print(f"  run {i + 1} {what:7s} {r['seconds']:6.1f} s  peak RSS {r['peak_rss_mb']:7.0f} MB "
                  f"(before fitting {r['data_rss_mb']:.0f} MB)", flush=True)
    k = [r["seconds"] for r in runs["kenal"]]
    s = [r["seconds"] for r in runs["sklearn"]]
    ratios = [b / a for a, b in zip(k, s)]
    chosen = runs["kenal"][0]["k"]
    print(f"kenal default clustering (auto-k):  {summary(k)} s, peak RSS "
          f"{summary([r['peak_rss_mb'] for r in runs['kenal']])} MB  [target < {TARGET_SECONDS:.0f} s]")
    print(f"scikit-learn KMeans grid (fits only): {summary(s)} s, peak RSS "
          f"{summary([r['peak_rss_mb'] for r in runs['sklearn']])} MB")
    print(f"scikit-learn time / kenal time:      {summary(ratios)}x")
    print(f"kenal chose k={chosen} (planted {len(SEGMENT_SHARES)}), ARI {runs['kenal'][0]['ari']:.3f}; "
          f"scikit-learn at k={len(SEGMENT_SHARES)}: ARI {runs['sklearn'][0]['ari_by_k'][str(len(SEGMENT_SHARES))]:.3f}")
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "bench_clustering.json").write_text(json.dumps({
        "machine": platform.platform(), "customers": args.customers, "features": args.features, "runs": runs,
        "median_seconds": {"kenal": statistics.median(k), "sklearn": statistics.median(s)},
        "median_ratio": statistics.median(ratios)}, indent=2))


if __name__ == "__main__":
    main()

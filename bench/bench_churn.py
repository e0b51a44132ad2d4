"""Benchmark: churn training + scoring on N customers (default 1,000,000), on a synthetic feature matrix.

    .venv/bin/python bench/bench_churn.py                       # 1,000,000 customers
    .venv/bin/python bench/bench_churn.py --customers 200000 --threads 1

Building the real feature table for four training snapshots of 1,000,000 customers takes the feature
stage (see bench_run.py) four times over, so this benchmark times the model part alone, on a matrix of
the same shape as kenal's: 4 training snapshots x N customers, ~50 numeric inputs (counts, money,
recencies, shares, BG/NBD outputs, income missing for 15%, ratings missing for most) and 3
categorical ones, churn drawn from a buy-till-you-die process (a Poisson rate per customer, some
customers gone).  It runs what ``kenal score`` runs for churn: ``train_score`` (time-ordered search of
the trees' depth and L2 penalty, the logistic baseline's C, Platt calibration on the latest snapshot,
the threshold for recall 0.8; above 400,000 training rows a random sample), then calibrated
probabilities and TreeSHAP top-3 reasons for all N customers of the scoring snapshot.  It prints each
phase's wall and CPU time, the peak RSS, and the held-out quality on a fifth snapshot as a check that
the model learnt something.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

REGIONS = ["DKI Jakarta", "Jawa Barat", "Jawa Timur", "Banten", "Bali", "Sumatera Utara", "Jawa Tengah",
           "Sulawesi Selatan", "Sumatera Selatan", "DI Yogyakarta", "Kalimantan Timur", "Riau"]
CATEGORIES = ["groceries", "fashion", "beauty", "home", "electronics", "sports", "toys", "books"]


def customers(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The hidden traits: purchase rate per day, chance of leaving per 90 days, tenure, basket."""
    return {"rate": np.exp(rng.normal(np.log(1.0 / 30), 0.9, n)), "leave": rng.beta(1, 12, n),
            "tenure": np.clip(rng.lognormal(np.log(700), 0.6, n), 30, 2600), "basket": rng.lognormal(12.5, 0.6, n),
            "browse": np.exp(rng.normal(np.log(0.3 / 30), 0.8, n)), "mix": rng.dirichlet(np.ones(8), n),
            "income": rng.lognormal(np.log(7e6), 0.5, n), "region": rng.integers(0, len(REGIONS), n),
            "online": rng.beta(3, 3, n)}


def snapshot(c: dict, k: int, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """Features of every customer at snapshot k (90 days apart) and whether they buy nothing in the next 90."""
    n = len(c["rate"])
    gone = rng.random(n) < 1 - (1 - c["leave"]) ** (k + 1)        # left by now
    gone_days = np.where(gone, rng.uniform(0, 360, n), 0.0)        # ... this long ago
    tenure = c["tenure"] + 90 * k
    active = np.maximum(np.minimum(365, tenure) - gone_days, 1)
    o365 = rng.poisson(c["rate"] * active)
    o90 = rng.binomial(o365, np.clip((90 - np.minimum(gone_days, 90)) / active, 0, 1))
    o30 = rng.binomial(o90, np.clip((30 - np.minimum(gone_days, 30)) / np.maximum(90 - np.minimum(gone_days, 90), 1), 0, 1))
    freq = o365 + rng.poisson(c["rate"] * np.maximum(tenure - 365, 0))
    recency = np.where(o365 > 0, gone_days + rng.exponential(1 / c["rate"]).clip(0, 365), np.minimum(tenure, 400))
    alive_p = np.exp(-c["rate"] * np.maximum(gone_days - 30, 0))
    visits = rng.poisson(c["browse"] * active)
    f = {"tenure_days": tenure, "frequency": freq, "monetary": freq * c["basket"], "returns": rng.poisson(0.05 * freq),
         "orders_30d": o30, "orders_90d": o90, "orders_365d": o365, "revenue_30d": o30 * c["basket"],
         "revenue_90d": o90 * c["basket"], "revenue_365d": o365 * c["basket"], "avg_basket": c["basket"],
         "purchase_span_days": np.minimum(tenure, recency + 30 * freq / np.maximum(c["rate"] * 30, 0.1)),
         "last_gap_days": rng.exponential(1 / c["rate"]).clip(0, 700), "recency_days": recency,
         "online_share": c["online"], "return_rate": rng.beta(1, 30, n), "weekend_share": rng.beta(3, 5, n),
         "sessions": visits, "page_views": visits * 4, "product_views": rng.poisson(visits * 2.0),
         "cart_adds": rng.poisson(visits * 0.3), "checkouts": rng.poisson(visits * 0.1), "pricing_visits": rng.poisson(visits * 0.05),
         "promo_visits": rng.poisson(visits * 0.2), "app_share": rng.beta(2, 2, n), "mobile_share": rng.beta(3, 2, n),
         "cart_abandonment": rng.beta(2, 5, n), "interactions": rng.poisson(0.5, n), "complaints": rng.poisson(0.05, n),
         "avg_rating": np.where(rng.random(n) < 0.6, np.nan, rng.uniform(1, 5, n)),
         "avg_nps": np.where(rng.random(n) < 0.8, np.nan, rng.integers(0, 11, n).astype(float)),
         "order_trend": (o90 + 1) / (o365 * 90 / 365 + 1),
         "income": np.where(rng.random(n) < 0.15, np.nan, c["income"]),
         "events_30d": rng.poisson(c["browse"] * np.maximum(30 - gone_days, 0) * 5),
         "visit_recency_days": np.where(visits > 0, gone_days + rng.exponential(30, n), np.nan),
         "btyd_p_alive": np.clip(alive_p + rng.normal(0, 0.05, n), 0, 1),
         "btyd_p_purchase_90d": np.clip(alive_p * (1 - np.exp(-c["rate"] * 90)) + rng.normal(0, 0.05, n), 0, 1),
         "btyd_expected_90d": alive_p * c["rate"] * 90 * rng.lognormal(0, 0.2, n)}
    for j, cat in enumerate(CATEGORIES):
        f[f"share_{cat}"] = c["mix"][:, j]
    f["typical_gap_days"] = np.where(freq >= 2, f["purchase_span_days"] / np.maximum(freq - 1, 1), np.nan)
    f["recency_gap_ratio"] = recency / f["typical_gap_days"]
    frame = pd.DataFrame(f)
    frame["region"] = np.array(REGIONS, dtype=object)[c["region"]]
    frame["city"] = frame["region"] + "/" + rng.integers(0, 3, n).astype(str)
    frame["main_platform"] = np.where(visits > 0, np.where(rng.random(n) < 0.5, "android_app", "mobile_web"), None)
    # the outcome: a customer still there buys at their rate (slowed as they drift away) or not at all
    leaves_soon = rng.random(n) < c["leave"]
    buys = ~gone & (rng.random(n) > np.exp(-c["rate"] * 90 * np.where(leaves_soon, 0.3, 1.0)))
    return frame, (~buys).astype(np.int8)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Phase:
    def __init__(self, name: str, timings: dict):
        self.name, self.timings = name, timings

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def __exit__(self, *exc):
        self.timings[self.name] = {"wall_s": round(time.perf_counter() - self.wall, 2),
                                   "cpu_s": round(time.process_time() - self.cpu, 2), "peak_rss_mb": round(rss_mb())}
        print(f"{self.name:>10}: {self.timings[self.name]['wall_s']:8.1f} s wall, "
              f"{self.timings[self.name]['cpu_s']:8.1f} s CPU, peak RSS {rss_mb():,.0f} MB", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--threads", type=int, default=1, help="LightGBM / BLAS threads (default 1: a shared 2-core box)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "out" / "bench_churn.json")
    args = ap.parse_args()
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(args.threads))

    from datetime import datetime, timedelta, timezone

    from kenal.scores.classifier import TrainingSet, train_score
    from kenal.scores.explain import top_reasons
    from kenal.scores.metrics import classification_metrics

    n, timings = args.customers, {}
    rng = np.random.default_rng(args.seed)
    with Phase("data", timings):
        c = customers(n, rng)
        snaps = [snapshot(c, k, rng) for k in range(5)]  # 4 to train on, the 5th scored and checked
    frames, labels = zip(*snaps[:4])
    d0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
    data = TrainingSet([d0 + timedelta(days=90 * k) for k in range(4)], list(frames), list(labels))
    print(f"{n:,} customers, {len(frames[0].columns)} inputs, {sum(len(y) for y in labels):,} training rows, "
          f"churn {np.mean(labels[-1]):.1%}", flush=True)
    with Phase("train", timings):
        score = train_score("churn", data, target_recall=0.8, seed=args.seed, n_jobs=args.threads)
    frame, y = snaps[4]
    with Phase("predict", timings):
        p = score.predict(frame)
    with Phase("explain", timings):
        reasons, _ = top_reasons(score, frame)
    m = classification_metrics(y, p, score.threshold)
    quality = {k: round(m[k], 4) for k in ("roc_auc", "pr_auc", "precision", "recall", "ece")}
    print(f"held out: {quality}; chosen: depth {score.params['max_depth']}, L2 {score.params['lambda_l2']}, "
          f"{score.rounds} trees, baseline C {score.baseline_c}; trained on {score.n_rows:,} rows", flush=True)
    print(f"example reasons: {reasons[0]}")
    total = sum(t["wall_s"] for k, t in timings.items() if k != "data")
    print(f"churn training + scoring of {n:,} customers: {total:.1f} s wall, peak RSS {rss_mb():,.0f} MB")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"customers": n, "threads": args.threads, "timings": timings, "quality": quality,
                                    "training_rows": score.n_rows, "inputs": len(frame.columns),
                                    "peak_rss_mb": round(rss_mb())}, indent=2))


if __name__ == "__main__":
    main()

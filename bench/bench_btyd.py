"""Benchmark: BG/NBD + Gamma-Gamma fit on 1,000,000 customers' summaries, kenal against lifetimes.

    .venv/bin/python bench/bench_btyd.py --lifetimes-python /tmp/lifetimes-venv/bin/python
    .venv/bin/python bench/bench_btyd.py --customers 100000 --repeats 1 --lifetimes-python ...

The summaries are drawn from the BG/NBD and Gamma-Gamma processes at the published CDNOW estimates
(FHL 2005: r 0.243, alpha 4.414, a 0.793, b 2.426; p 6.25, q 3.74, gamma 15.44), shaped like the
CDNOW summary: first purchase on a day of the first 12 weeks of 1997, calibration to day 272 (week
39), times in weeks from whole days (recency floored to the day), mean spend rounded to the cent.

Each repeat runs each library in a fresh process (kenal in this venv, lifetimes in the Python given:
lifetimes is not a kenal dependency; install it in a throwaway venv) that loads the same .npz, times
the BG/NBD fit and the Gamma-Gamma fit (on the customers with a repeat purchase) as a user calls
them, and reports peak RSS.  Both fits include the standard errors (lifetimes computes its Hessian
in ``fit``).  The log-likelihood of each library's estimates is evaluated by both libraries' own
likelihood functions, so "equal to 6 digits" does not rest on either one.  Threads: 1
(OMP/OpenBLAS/MKL_NUM_THREADS=1 in every child).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}


def make_summaries(n: int, seed: int) -> dict[str, np.ndarray]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from kenal.scores.bgnbd import sample_bgnbd

    rng = np.random.default_rng(seed)
    t_days = 272 - rng.integers(0, 84, n)  # first purchase on day 0..83 of 1997, calibration ends on day 272
    x, t_x = sample_bgnbd(*BGNBD.values(), t_days / 7, seed=seed + 1)
    recency = np.minimum(np.floor(t_x * 7), t_days) / 7  # whole days, as a summary from dates has
    nu = rng.gamma(GAMMA_GAMMA["q"], 1 / GAMMA_GAMMA["gamma"], n)  # each customer's spend rate
    mean = rng.gamma(GAMMA_GAMMA["p"] * np.maximum(x, 1), 1 / (np.maximum(x, 1) * nu))  # mean of x purchases
    monetary = np.where(x > 0, np.maximum(np.round(mean, 2), 0.01), 0.0)
    return {"frequency": x, "recency": recency, "T": t_days / 7, "monetary_value": monetary}


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024


def worker(library: str, data_path: str) -> dict:
    d = dict(np.load(data_path))
    x, t_x, T, m = d["frequency"], d["recency"], d["T"], d["monetary_value"]
    rep = x > 0
    if library == "kenal":
        from kenal.scores import BetaGeoModel, GammaGammaModel

        before = rss_mb()  # data and libraries loaded
        start, cpu0 = time.perf_counter(), time.process_time()
        bg = BetaGeoModel().fit(x, t_x, T)
        mid, cpu1 = time.perf_counter(), time.process_time()
        gg = GammaGammaModel().fit(x, m)
        end, cpu2 = time.perf_counter(), time.process_time()
        bg_params, gg_params = list(bg.params_.values()), list(gg.params_.values())
    else:
        import warnings

        from lifetimes import BetaGeoFitter, GammaGammaFitter

        warnings.simplefilter("ignore")
        before = rss_mb()
        start, cpu0 = time.perf_counter(), time.process_time()
        bgf = BetaGeoFitter().fit(x, t_x, T)
        mid, cpu1 = time.perf_counter(), time.process_time()
        ggf = GammaGammaFitter().fit(x[rep], m[rep])
        end, cpu2 = time.perf_counter(), time.process_time()
        bg_params = [float(bgf.params_[k]) for k in ("r", "alpha", "a", "b")]
        gg_params = [float(ggf.params_[k]) for k in ("p", "q", "v")]
    return {"library": library, "bgnbd_s": mid - start, "gammagamma_s": end - mid, "bgnbd_cpu_s": cpu1 - cpu0,
            "gammagamma_cpu_s": cpu2 - cpu1, "bgnbd": bg_params,
            "gammagamma": gg_params, "rss_before_mb": before,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def log_likelihoods(data_path: str, params: dict, python: str | None) -> dict:
    """Total log-likelihood of each estimate set by kenal's functions, or lifetimes' when python is given."""
    d = dict(np.load(data_path))
    x, t_x, T, m = d["frequency"], d["recency"], d["T"], d["monetary_value"]
    rep = x > 0
    if python is None:
        from kenal.scores import bgnbd, gammagamma

        return {k: [float(bgnbd._loglik(np.array(v["bgnbd"]), x, t_x, T)[0].sum()),
                    float(gammagamma._loglik(np.array(v["gammagamma"]), x[rep], m[rep])[0].sum())]
                for k, v in params.items()}
    code = f"""
import json, numpy as np
from lifetimes import BetaGeoFitter, GammaGammaFitter
d = dict(np.load({data_path!r})); x, t_x, T, m = d["frequency"], d["recency"], d["T"], d["monetary_value"]; rep = x > 0
params = json.loads({json.dumps(params)!r})
bg = BetaGeoFitter._negative_log_likelihood
gg = GammaGammaFitter._negative_log_likelihood
print(json.dumps({{k: [-len(x) * bg(np.log(v["bgnbd"]), x, t_x, T, np.ones(len(x)), 0.0),
                      -rep.sum() * gg(np.log(v["gammagamma"]), x[rep], m[rep], np.ones(rep.sum()), 0.0)]
                  for k, v in params.items()}}))
"""
    return json.loads(subprocess.run([python, "-c", code], capture_output=True, text=True, check=True).stdout)


def run_child(python: str, library: str, data_path: str) -> dict:
    env = os.environ | {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                        "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    out = subprocess.run([python, __file__, "--worker", library, "--data", data_path], capture_output=True,
                         text=True, env=env)
    if out.returncode != 0:
        raise SystemExit(f"{library} worker failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def same_digits(a: float, b: float, digits: int = 6) -> bool:
    return f"{a:.{digits}g}" == f"{b:.{digits}g}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--lifetimes-python", required=False, help="A Python with lifetimes installed.")
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--worker", choices=["kenal", "lifetimes"], help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.data)))
        return

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench_btyd_"))
    workdir.mkdir(parents=True, exist_ok=True)
    data_path = str(workdir / f"summaries_{args.customers}_{args.seed}.npz")
    start = time.perf_counter()
    data = make_summaries(args.customers, args.seed)
    np.savez(data_path, **data)
    x = data["frequency"]
    distinct = len(np.unique(np.column_stack([data["frequency"], data["recency"], data["T"]]), axis=0))
    print(f"{args.customers:,} customers ({(x > 0).sum():,} with a repeat purchase, {distinct:,} distinct "
          f"(frequency, recency, T)) generated in {time.perf_counter() - start:.1f} s -> {data_path}")

    runs: dict[str, list[dict]] = {"kenal": [], "lifetimes": []}
    for i in range(args.repeats):
        runs["kenal"].append(run_child(sys.executable, "kenal", data_path))
        if args.lifetimes_python:
            runs["lifetimes"].append(run_child(args.lifetimes_python, "lifetimes", data_path))
        print(f"repeat {i + 1}: " + "; ".join(
            f"{k} BG/NBD {r[-1]['bgnbd_s']:.2f} s, Gamma-Gamma {r[-1]['gammagamma_s']:.2f} s"
            for k, r in runs.items() if r))

    def med(library, key):
        values = [r[key] for r in runs[library]]
        return statistics.median(values), min(values), max(values)

    print(f"\nmedian (min-max) of {args.repeats}, 1 thread, fresh process per fit")
    libraries = [k for k, r in runs.items() if r]
    for key, label in (("bgnbd_s", "BG/NBD fit s"), ("gammagamma_s", "Gamma-Gamma fit s"),
                       ("bgnbd_cpu_s", "BG/NBD fit CPU s"), ("gammagamma_cpu_s", "Gamma-Gamma CPU s"),
                       ("peak_rss_mb", "peak RSS MB"), ("rss_before_mb", "RSS with data and imports, MB")):
        cells = [f"{med(k, key)[0]:.2f} ({med(k, key)[1]:.2f}-{med(k, key)[2]:.2f})" for k in libraries]
        print(f"  {label:20s} " + "   ".join(f"{k}: {c}" for k, c in zip(libraries, cells)))
    if "lifetimes" in libraries:
        for key, label in (("bgnbd_s", "BG/NBD"), ("gammagamma_s", "Gamma-Gamma"), ("bgnbd_cpu_s", "BG/NBD CPU"),
                           ("gammagamma_cpu_s", "Gamma-Gamma CPU")):
            print(f"  lifetimes / kenal, {label}: {med('lifetimes', key)[0] / med('kenal', key)[0]:.1f}x")
        for suffix in ("s", "cpu_s"):
            both = [sum(med(lib, f"{m}_{suffix}")[0] for m in ("bgnbd", "gammagamma"))
                    for lib in ("lifetimes", "kenal")]
            print(f"  lifetimes / kenal, BG/NBD + Gamma-Gamma{' CPU' if suffix == 'cpu_s' else ''}: "
                  f"{both[0]:.2f} / {both[1]:.2f} s = {both[0] / both[1]:.1f}x")

    params = {k: {"bgnbd": r[0]["bgnbd"], "gammagamma": r[0]["gammagamma"]} for k, r in runs.items() if r}
    print("\nestimates: " + "; ".join(f"{k} BG/NBD {np.round(v['bgnbd'], 4).tolist()}, Gamma-Gamma "
                                       f"{np.round(v['gammagamma'], 3).tolist()}" for k, v in params.items()))
    by = {"kenal": log_likelihoods(data_path, params, None)}
    if args.lifetimes_python:
        by["lifetimes"] = log_likelihoods(data_path, params, args.lifetimes_python)
    for i, model in enumerate(("BG/NBD", "Gamma-Gamma")):
        for evaluator, lls in by.items():
            line = ", ".join(f"at {k}'s estimates {v[i]:,.4f}" for k, v in lls.items())
            print(f"  {model} log-likelihood by {evaluator}'s function: {line}")
        if "lifetimes" in params:
            a, b = by["kenal"]["kenal"][i], by["kenal"]["lifetimes"][i]
            print(f"  {model}: equal to 6 significant digits: {same_digits(a, b)} (difference {a - b:+.4f}, "
                  f"{abs(a - b) / abs(a):.1e} relative)")


if __name__ == "__main__":
    main()

"""Benchmark: sentiment + aspects + complaints + language on 1,000,000 short texts, beside VADER.

    .venv/bin/python bench/bench_text.py --vader-python /tmp/vader-venv/bin/python
    .venv/bin/python bench/bench_text.py --texts 200000 --jobs 1 2

The texts are the synthetic sample's interactions (Indonesian, English, mixed; reviews, chats,
tickets; spam included), from ``--customers`` customers, repeated until there are ``--texts`` of
them.  kenal does not cache by text, so repeats cost what new texts would (only its per-distinct-
token lookups are shared, as they would be in real data, whose vocabulary is just as small).

kenal runs ``analyse_texts`` (cleaning, PII masking, sentiment, aspects, complaints) and
``detect_languages`` on chunks of ``--chunk`` texts, in this process (``--jobs 1``) or in a pool of
processes (``--jobs 2``: both cores).  VADER (English only, the usual baseline; not a kenal
dependency: install ``vaderSentiment`` in a throwaway venv and pass its Python) scores the English
subset with ``polarity_scores``, in a child process of that Python, with the same number of
processes; kenal is also timed on that same English subset.  Both are scored against the sample's
planted labels on the English texts (VADER's usual thresholds: compound >= 0.05 positive, <= -0.05
negative).  Peak RSS: kenal's main process, and VADER's child (VmHWM).  Timings are wall-clock,
best of ``--repeats``; on a shared machine the 2-process numbers depend on what else runs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

VADER_SCRIPT = r"""
import json, resource, sys, time
from concurrent.futures import ProcessPoolExecutor
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
_analyzer = None
def score(chunk):
    global _analyzer
    _analyzer = _analyzer or SentimentIntensityAnalyzer()
    return [_analyzer.polarity_scores(t)["compound"] for t in chunk]
if __name__ == "__main__":
    texts = json.load(open(sys.argv[1], encoding="utf-8"))
    jobs, chunk, repeats = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    chunks = [texts[i:i + chunk] for i in range(0, len(texts), chunk)]
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        if jobs == 1:
            out = [c for part in chunks for c in score(part)]
        else:
            with ProcessPoolExecutor(jobs) as pool:
                out = [c for part in pool.map(score, chunks) for c in part]
        best = min(best, time.perf_counter() - start)
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the (large) parent across fork and exec.
    hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
    json.dump({"seconds": best, "compound": out, "peak_rss_mb": hwm / 1024}, sys.stdout)
"""


def _analyse(chunk: list[str]):
    from kenal.text.aspects import analyse_texts
    from kenal.text.languages import detect_languages

    signals = analyse_texts(chunk)
    return signals.sentiment.label, signals.complaint, detect_languages(chunk)


def run_kenal(texts: list[str], jobs: int, chunk: int, repeats: int) -> tuple[float, np.ndarray]:
    chunks = [texts[i:i + chunk] for i in range(0, len(texts), chunk)]
    best, labels = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        if jobs == 1:
            parts = [_analyse(c) for c in chunks]
        else:
            with ProcessPoolExecutor(jobs) as pool:
                parts = list(pool.map(_analyse, chunks))
        best = min(best, time.perf_counter() - start)
        labels = np.concatenate([p[0] for p in parts])
    return best, labels


def run_vader(python: str, texts: list[str], jobs: int, chunk: int, repeats: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as f:
        json.dump(texts, f)
    try:
        env = dict(os.environ, OMP_NUM_THREADS="1")
        done = subprocess.run([python, "-c", VADER_SCRIPT, f.name, str(jobs), str(chunk), str(repeats)],
                              capture_output=True, text=True, check=True, env=env)
    finally:
        os.unlink(f.name)
    return json.loads(done.stdout)


def macro_f1(truth, predicted) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(truth, predicted, average="macro"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=10_000, help="sample size the texts come from")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--chunk", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--vader-python", help="a Python with vaderSentiment installed (not a kenal dependency)")
    parser.add_argument("--output", type=Path, default=Path(__file__).parent / "out" / "bench_text.json")
    args = parser.parse_args()

    from kenal.sample import generate_sample

    start = time.perf_counter()
    sample = generate_sample(args.customers, seed=args.seed, defects=True)
    table = sample.tables["interactions"].merge(sample.truth["texts"], on="interaction_id")
    reps = -(-args.texts // len(table))
    texts = (list(table.text) * reps)[:args.texts]
    truth_language = np.tile(table.language.to_numpy(dtype=object), reps)[:args.texts]
    truth_sentiment = np.tile(table.sentiment.to_numpy(dtype=object), reps)[:args.texts]
    spam = np.tile(table.spam.to_numpy(dtype=bool), reps)[:args.texts]
    print(f"{len(texts):,} texts from {len(table):,} sample interactions ({time.perf_counter() - start:.0f} s to make); "
          f"mean length {np.mean([len(t) for t in texts[:100_000]]):.0f} characters")
    result = {"texts": len(texts), "distinct_texts": int(table.text.nunique()), "kenal": {}, "vader": {},
              "cpu_count": os.cpu_count()}

    english = [t for t, lang, s in zip(texts, truth_language, spam) if lang == "en" and not s]
    english_truth = truth_sentiment[(truth_language == "en") & ~spam]
    for jobs in args.jobs:
        seconds, _ = run_kenal(texts, jobs, args.chunk, args.repeats)
        en_seconds, en_labels = run_kenal(english, jobs, args.chunk, args.repeats)
        result["kenal"][jobs] = {"seconds": seconds, "texts_per_second": len(texts) / seconds,
                                 "english_seconds": en_seconds, "english_texts_per_second": len(english) / en_seconds}
        print(f"kenal, {jobs} process(es): {len(texts):,} texts in {seconds:.1f} s = {len(texts) / seconds:,.0f} texts/s; "
              f"English subset {len(english):,} in {en_seconds:.1f} s = {len(english) / en_seconds:,.0f} texts/s")
    result["kenal"]["english_macro_f1"] = macro_f1(english_truth, en_labels)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["kenal"]["peak_rss_mb"] = rss
    print(f"kenal peak RSS: {rss:,.0f} MB (main process: the sample, the texts and one chunk's analysis); "
          f"macro-F1 on the English subset against the planted labels: {result['kenal']['english_macro_f1']:.3f}")

    if not args.vader_python:
        print("VADER: skipped (pass --vader-python with a Python that has vaderSentiment installed)")
    else:
        for jobs in args.jobs:
            vader = run_vader(args.vader_python, english, jobs, args.chunk, args.repeats)
            compound = np.array(vader.pop("compound"))
            labels = np.where(compound >= 0.05, "positive", np.where(compound <= -0.05, "negative", "neutral"))
            rate = len(english) / vader["seconds"]
            result["vader"][jobs] = vader | {"texts_per_second": rate, "english_macro_f1": macro_f1(english_truth, labels)}
            kenal_rate = result["kenal"][jobs]["english_texts_per_second"]
            print(f"VADER, {jobs} process(es): English subset {len(english):,} in {vader['seconds']:.1f} s = {rate:,.0f} "
                  f"texts/s (kenal {kenal_rate / rate:.1f}x that, doing also aspects, complaints, language, PII); "
                  f"peak RSS {vader['peak_rss_mb']:,.0f} MB; macro-F1 {result['vader'][jobs]['english_macro_f1']:.3f}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2, default=str))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()

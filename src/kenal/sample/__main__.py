"""python -m kenal.sample --customers N --seed S --out DIR [--format csv|parquet] [--no-defects]"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from kenal.errors import KenalError
from kenal.sample import generate_sample, write_sample


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kenal.sample",
        description="Write a synthetic retailer to DIR/input and its planted truth to DIR/truth.")
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cutoff", default="2026-06-30", help="last day of history (YYYY-MM-DD)")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    parser.add_argument("--no-defects", action="store_true", help="clean data, no planted defects")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        data = generate_sample(args.customers, seed=args.seed, cutoff=args.cutoff,
                               defects=not args.no_defects)
        write_sample(data, args.out / "input", args.out / "truth", fmt=args.format)
    except KenalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    rows = ", ".join(f"{k} {len(v):,}" for k, v in data.tables.items())
    print(f"wrote {args.out} in {time.perf_counter() - start:.1f} s: {rows}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

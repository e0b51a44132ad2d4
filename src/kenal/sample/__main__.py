"""python -m kenal.sample --customers N --seed S --out DIR [--format csv|parquet] [--no-defects]
[--shift-share F [--shift-month YYYY-MM]]"""

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
    parser.add_argument("--shift-share", type=float, default=0.0,
                        help="share of customers who move to another segment's behaviour (truth/shifts.csv)")
    parser.add_argument("--shift-month", default=None,
                        help="YYYY-MM the movers change in (default: 4 months before the cut-off's)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        data = generate_sample(args.customers, seed=args.seed, cutoff=args.cutoff,
                               defects=not args.no_defects, shift_share=args.shift_share,
                               shift_month=args.shift_month)
        write_sample(data, args.out / "input", args.out / "truth", fmt=args.format)
    except KenalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    rows = ", ".join(f"{k} {len(v):,}" for k, v in data.tables.items())
    print(f"wrote {args.out} in {time.perf_counter() - start:.1f} s: {rows}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

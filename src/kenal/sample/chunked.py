"""write_sample_chunked: a sample too large for memory, made and written chunk by chunk.

Chunk i draws its customers from its own seed (``[seed, i]``; chunk 0 uses `seed`, so it is
exactly ``generate_sample(chunk_customers, seed)``) and takes its ids, e-mail numbers and phones
after those of the chunks before it, so every key is unique over the whole output.  Products,
exchange rates and external indicators come from `seed` alone: the same in every chunk, written
once.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from kenal.errors import ConfigError
from kenal.sample import defects as dq
from kenal.sample.generate import IdStart, check_args, generate_chunk
from kenal.sample.shifts import MOVES
from kenal.schema import TABLES

log = logging.getLogger(__name__)

SHARED_TABLES = ("fx_rates", "products", "external")  # identical in every chunk
TRUTH = ("segments", "churn", "texts", "defects")
ROW_GROUP = 1_000_000  # rows; big enough to compress well, small enough to read in parallel


def write_sample_chunked(n_customers: int, input_dir: str | Path, truth_dir: str | Path, *,
                         chunk_customers: int = 20_000, seed: int = 0,
                         cutoff: str = "2026-06-30", defects: bool = True,
                         progress: Callable[[int, int], None] | None = None,
                         shift_share: float = 0.0, shift_month: str | None = None,
                         shift_moves=MOVES) -> dict:
    """Write input_dir/<table>/part-NNNNN.parquet (a part per chunk), truth_dir/<name>.csv and
    truth_dir/defects.json, holding one chunk in memory at a time.

    Tables in SHARED_TABLES get a single part.  `progress(chunks_done, chunks)` is called after
    each chunk.  Returns {"rows": per table, "defects": counts, "chunks": n, "seconds": s}.
    `shift_share` and the rest plant behaviour shifts in each chunk as generate_sample does
    (truth_dir/shifts.csv).

    Chunks of 10,000-20,000 customers were the fastest per customer (bigger ones spend their time
    faulting in fresh memory) and take 1-1.5 GB at peak.
    """
    n, clock = check_args(n_customers, cutoff)
    if int(chunk_customers) != chunk_customers or chunk_customers < 1:
        raise ConfigError(f"chunk_customers must be a positive integer, got {chunk_customers!r}")
    chunk_customers = int(chunk_customers)
    started = time.perf_counter()
    input_dir, truth_dir = Path(input_dir), Path(truth_dir)
    for name in TABLES:
        folder = input_dir / name
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("part-*.parquet"):  # a previous, longer run's parts would be read
            old.unlink()
    truth_dir.mkdir(parents=True, exist_ok=True)

    chunks = math.ceil(n / chunk_customers)
    shift = (shift_share, shift_month, shift_moves) if shift_share else None
    rows = dict.fromkeys(TABLES, 0)
    counts = dict.fromkeys(dq.DEFECTS, 0)
    writers: dict[str, pa_csv.CSVWriter] = {}
    start = IdStart()
    try:
        for i in range(chunks):
            size = min(chunk_customers, n - i * chunk_customers)
            data, start = generate_chunk(size, clock, seed, seed if i == 0 else [seed, i],
                                         defects, start, shift)
            for name, df in data.tables.items():
                if i == 0 or name not in SHARED_TABLES:
                    table = pa.Table.from_pandas(df, preserve_index=False)
                    pq.write_table(table, input_dir / name / f"part-{i:05d}.parquet",
                                   compression="zstd", row_group_size=ROW_GROUP)
                    rows[name] += len(df)
            for name in TRUTH + (("shifts",) if shift else ()):
                # No pandas metadata: every chunk's table must match the writer's schema exactly.
                table = pa.Table.from_pandas(data.truth[name], preserve_index=False)
                table = table.replace_schema_metadata(None)
                if name not in writers:
                    writers[name] = pa_csv.CSVWriter(truth_dir / f"{name}.csv", table.schema)
                writers[name].write_table(table)
            for name, k in data.defects.items():
                counts[name] += k
            del data, table, df  # before the next chunk is made: one chunk in memory at a time
            log.info("chunk %d/%d written (%d customers so far)", i + 1, chunks, start.customers)
            if progress is not None:
                progress(i + 1, chunks)
    finally:
        for writer in writers.values():
            writer.close()
    (truth_dir / "defects.json").write_text(json.dumps(counts, indent=2) + "\n")
    return {"rows": rows, "defects": counts, "chunks": chunks,
            "seconds": round(time.perf_counter() - started, 1)}

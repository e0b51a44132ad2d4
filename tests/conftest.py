from __future__ import annotations

import csv
from pathlib import Path

import pytest

from kenal.config import Settings
from kenal.store import Store


def write_csv(folder: Path, name: str, header: list[str], rows: list[list], delimiter: str = ",") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=delimiter)
        w.writerow(header)
        w.writerows(rows)
    return path


def write_broken_parquet(folder: Path, where: str) -> Path:
    """folder/events.parquet broken in its footer, or with a footer that reads and a broken first
    data page (which fails only when the rows are first scanned)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "events.parquet"
    if where == "footer":
        path.write_bytes(b"PAR1 this is not really parquet")
        return path
    n = 5000
    pq.write_table(pa.table({"message_id": [f"M{i}" for i in range(n)], "type": ["track"] * n,
                             "timestamp": ["2026-01-01T10:00:00+07:00"] * n}), path, compression="snappy")
    data = bytearray(path.read_bytes())
    start = pq.ParquetFile(path).metadata.row_group(0).column(0).data_page_offset
    data[start + 20:start + 200] = b"\x55" * 180  # the first data page, not the footer
    path.write_bytes(bytes(data))
    return path


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "ws", Settings())
    yield s
    s.close()


@pytest.fixture
def granting_store(tmp_path):
    s = Store.open(tmp_path / "ws", Settings(consent_default="grant"))
    yield s
    s.close()

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

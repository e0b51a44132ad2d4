"""generate_sample / write_sample: the whole synthetic retailer, its planted truth and defects."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from kenal.errors import ConfigError
from kenal.sample import defects as dq
from kenal.sample._util import Clock, format_ts, frame, strings, take
from kenal.sample.catalog import make_catalog, make_fx
from kenal.sample.customers import make_consents, make_customers, make_population
from kenal.sample.events import BOT, concat, make_stream, order_sessions, stream_frame
from kenal.sample.external import make_external
from kenal.sample.segments import NAMES
from kenal.sample.texts import make_interactions
from kenal.sample.transactions import ledger_frames, make_ledger
from kenal.schema import TABLES

# One independent random stream per part, so changing one part leaves the others unchanged.
_PARTS = ("catalog", "fx", "population", "customers", "ledger", "events", "texts", "external",
          "defects", "format")


@dataclass
class SampleData:
    """Input tables (schema order), planted truth and exact defect counts."""

    tables: dict[str, pd.DataFrame]
    truth: dict[str, pd.DataFrame]
    defects: dict[str, int] = field(default_factory=dict)


def generate_sample(n_customers: int = 50_000, seed: int = 0, cutoff: str = "2026-06-30",
                    defects: bool = True) -> SampleData:
    """A deterministic synthetic omnichannel retailer in Indonesia, up to `cutoff` (Jakarta time)."""
    if int(n_customers) != n_customers or n_customers < 1:
        raise ConfigError(f"n_customers must be a positive integer, got {n_customers!r}")
    try:
        clock = Clock.from_cutoff(cutoff)
    except ValueError as exc:
        raise ConfigError(f"cutoff must be a date like 2026-06-30, got {cutoff!r}") from exc
    n = int(n_customers)
    rng = dict(zip(_PARTS, (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(len(_PARTS)))))

    catalog = make_catalog(rng["catalog"])
    fx_table, fx = make_fx(rng["fx"], clock)
    pop = make_population(rng["population"], n, clock)
    customers, null_income = make_customers(rng["customers"], pop, clock,
                                            dq.count("missing_income", n) if defects else 0)
    consents = make_consents(rng["customers"], pop, customers)
    ledger = make_ledger(rng["ledger"], pop, catalog, clock, fx)
    txns, items = ledger_frames(ledger, pop, catalog)

    stream = make_stream(rng["events"], pop, ledger, catalog, clock)
    n_bot_sessions = n_bot_events = 0
    future = ooo = np.zeros(0, np.int64)
    if defects:
        bots = dq.bot_stream(rng["defects"], catalog, clock, n)
        n_bot_sessions, n_bot_events = len(bots.kind), len(bots.t)
        stream = concat(stream, bots)
    order_sessions(stream)
    if defects:
        future, ooo = dq.skew_timestamps(rng["defects"], stream)
    events = stream_frame(rng["format"], stream, pop, catalog)

    spam_share = dq.SHARES["spam_texts"] if defects else 0.0
    interactions, text_truth, spam_rows = make_interactions(rng["texts"], pop, clock, spam_share)
    interactions["timestamp"] = strings(format_ts(interactions["timestamp"].to_numpy()))

    truth_defects: list[pd.DataFrame] = []
    if defects:
        txns, items, rows = dq.plant_transactions(rng["defects"], txns, items, ledger.ts, clock)
        truth_defects += rows
        bot_sess = np.flatnonzero(stream.kind == BOT)  # sessions are numbered in stream order
        is_bot = np.isin(stream.sess, bot_sess)
        mid = events["message_id"]
        truth_defects += [
            dq.truth_rows("events", events["session_id"][is_bot].unique(), "bot_sessions"),
            dq.truth_rows("events", mid[is_bot], "bot_events"),
            dq.truth_rows("events", mid.iloc[future], "future_timestamps"),
            dq.truth_rows("events", mid.iloc[ooo], "out_of_order_timestamps"),
            dq.truth_rows("customers", customers["customer_id"].iloc[null_income], "missing_income"),
            dq.truth_rows("interactions", interactions["interaction_id"].iloc[spam_rows], "spam_texts"),
        ]
    defect_truth = (pd.concat(truth_defects, ignore_index=True) if truth_defects
                    else dq.truth_rows("", [], ""))
    counts = {name: int((defect_truth["defect"] == name).sum()) for name in dq.DEFECTS}
    assert counts["bot_sessions"] == n_bot_sessions and counts["bot_events"] == n_bot_events

    tables = {
        "fx_rates": fx_table, "customers": customers, "products": catalog.table,
        "transactions": txns, "transaction_items": items, "events": events,
        "interactions": interactions, "consents": consents,
        "external": make_external(rng["external"], clock),
    }
    for name, table in tables.items():
        assert list(table.columns) == TABLES[name].column_names, name
        assert isinstance(table.index, pd.RangeIndex) and table.index.start == 0, name
    tables = {name: tables[name] for name in TABLES}
    truth = {
        "segments": frame({"customer_id": pop.customer_id, "segment": take(NAMES, pop.seg)}),
        "churn": frame({"customer_id": pop.customer_id, "churned": ledger.next90 == 0,
                        "purchases_next_90d": ledger.next90.astype(np.int64)}),
        "texts": text_truth,
        "defects": defect_truth,
    }
    return SampleData(tables=tables, truth=truth, defects=counts)


def write_sample(data: SampleData, input_dir: str | Path, truth_dir: str | Path,
                 fmt: str = "parquet") -> None:
    """Write input_dir/<table>.<fmt>, truth_dir/<name>.csv and truth_dir/defects.json."""
    if fmt not in ("parquet", "csv"):
        raise ConfigError(f"format must be 'parquet' or 'csv', got {fmt!r}")
    input_dir, truth_dir = Path(input_dir), Path(truth_dir)
    input_dir.mkdir(parents=True, exist_ok=True)
    truth_dir.mkdir(parents=True, exist_ok=True)
    for name, frame in data.tables.items():
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if fmt == "parquet":
            pq.write_table(table, input_dir / f"{name}.parquet")
        else:
            pa_csv.write_csv(table, input_dir / f"{name}.csv",
                             pa_csv.WriteOptions(quoting_style="needed"))
    for name, frame in data.truth.items():
        frame.to_csv(truth_dir / f"{name}.csv", index=False)
    (truth_dir / "defects.json").write_text(json.dumps(data.defects, indent=2) + "\n")

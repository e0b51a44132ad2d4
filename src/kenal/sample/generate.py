"""generate_sample / write_sample: the whole synthetic retailer, its planted truth and defects."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from kenal.errors import ConfigError
from kenal.sample import defects as dq
from kenal.sample._util import DAY, Clock, arrow, format_ts, frame, strings, take
from kenal.sample.catalog import make_catalog, make_fx
from kenal.sample.customers import email_numbers, make_consents, make_customers, phone_keys
from kenal.sample.events import make_stream
from kenal.sample.external import make_external
from kenal.sample.population import NEVER, make_population, plant_resellers
from kenal.sample.segments import NAMES
from kenal.sample.shifts import MOVES, plant_shifts
from kenal.sample.stream import BOT, concat, order_sessions, stream_frame
from kenal.sample.texts import make_interactions
from kenal.sample.transactions import ledger_frames, make_ledger
from kenal.schema import TABLES

log = logging.getLogger(__name__)

# One independent random stream per part, so changing one part leaves the others unchanged.
_PARTS = ("catalog", "fx", "population", "customers", "ledger", "events", "texts", "external",
          "defects", "format", "consents", "outliers", "shifts")  # new parts go last
# Parts that are the same in every chunk of a chunked sample: drawn from the sample's own seed.
SHARED_PARTS = ("catalog", "fx", "external")


@dataclass
class SampleData:
    """Input tables (schema order), planted truth and exact defect counts."""

    tables: dict[str, pd.DataFrame]
    truth: dict[str, pd.DataFrame]
    defects: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class IdStart:
    """What earlier chunks of a chunked sample used, so a chunk's ids and contacts are new.

    Counters are the id numbers (and e-mail numbers) already taken; `phones` the sorted
    :func:`~kenal.sample.customers.phone_keys` taken.  The default: a sample of its own.
    """

    customers: int = 0
    transactions: int = 0
    sessions: int = 0
    interactions: int = 0
    emails: int = 0
    phones: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))


def generate_sample(n_customers: int = 50_000, seed: int = 0, cutoff: str = "2026-06-30",
                    defects: bool = True, shift_share: float = 0.0, shift_month: str | None = None,
                    shift_moves=MOVES) -> SampleData:
    """A deterministic synthetic omnichannel retailer in Indonesia, up to `cutoff` (Jakarta time).

    With `defects` the data-quality defects of kenal.sample.defects are planted, each listed row
    by row in ``truth["defects"]`` and counted in ``defects``; without, every row is clean.

    With `shift_share` > 0, that share of all customers (split evenly over `shift_moves`, pairs of
    segment names) behave as another segment from the first day of `shift_month` ("YYYY-MM"; by
    default four months before the cut-off's month) on: see :mod:`kenal.sample.shifts`.  They are
    listed in ``truth["shifts"]``; with the default 0 the sample is exactly what it was without.
    """
    n, clock = check_args(n_customers, cutoff)
    shift = (shift_share, shift_month, shift_moves) if shift_share else None
    return generate_chunk(n, clock, seed, seed, defects, shift=shift)[0]


def check_args(n_customers: int, cutoff: str) -> tuple[int, Clock]:
    """The number of customers and the clock, or a ConfigError saying what is wrong."""
    if int(n_customers) != n_customers or n_customers < 1:
        raise ConfigError(f"n_customers must be a positive integer, got {n_customers!r}")
    try:
        clock = Clock.from_cutoff(cutoff)
    except ValueError as exc:
        raise ConfigError(f"cutoff must be a date like 2026-06-30, got {cutoff!r}") from exc
    return int(n_customers), clock


def _dates(times: np.ndarray) -> pa.Array:
    """The UTC day (YYYY-MM-DD) of each time; null for NEVER (a customer who does not stop)."""
    days = np.asarray(times, np.int64) // DAY
    never = times == NEVER
    text = np.datetime_as_string(np.where(never, 0, days).astype("datetime64[D]"))
    return pa.array(text, pa.string(), mask=never)


def generate_chunk(n: int, clock: Clock, seed, chunk_seed, defects: bool,
                   start: IdStart = IdStart(), shift: tuple | None = None
                   ) -> tuple[SampleData, IdStart]:
    """`n` customers and all their rows; returns the data and the IdStart of the next chunk.

    SHARED_PARTS are drawn from `seed`, the customers' parts from `chunk_seed` (anything
    np.random.SeedSequence takes); with ``chunk_seed == seed`` and the default `start` this is
    generate_sample.  `shift`: (share, month, moves) of planted behaviour shifts, or None.
    """
    started = time.perf_counter()
    shared = np.random.SeedSequence(seed).spawn(len(_PARTS))
    own = np.random.SeedSequence(chunk_seed).spawn(len(_PARTS))
    rng = {part: np.random.default_rng(shared[i] if part in SHARED_PARTS else own[i])
           for i, part in enumerate(_PARTS)}

    catalog = make_catalog(rng["catalog"])
    fx_table, fx = make_fx(rng["fx"], clock)
    pop = make_population(rng["population"], n, clock, start.customers)
    plant_resellers(rng["outliers"], pop)
    shift_truth = plant_shifts(rng["shifts"], pop, clock, *shift) if shift else None
    customers, null_income = make_customers(rng["customers"], pop, clock,
                                            dq.count("missing_income", n) if defects else 0,
                                            start.customers, start.emails, start.phones)
    consents = make_consents(rng["consents"], pop)
    ledger = make_ledger(rng["ledger"], pop, catalog, clock, fx)
    txns, items = ledger_frames(ledger, pop, catalog, start.transactions)
    events, event_defects, n_sessions = _events(rng, pop, ledger, catalog, clock, defects,
                                                start)
    spam_share = dq.SHARES["spam_texts"] if defects else 0.0
    interactions, text_truth, spam = make_interactions(rng["texts"], pop, clock, spam_share,
                                                       start.interactions)
    interactions["timestamp"] = strings(format_ts(interactions["timestamp"].to_numpy()))

    found: list[pd.DataFrame] = []
    if defects:
        txns, items, txn_defects = dq.plant_transactions(rng["defects"], txns, items, ledger.ts,
                                                         clock, start.transactions)
        found += txn_defects + event_defects + [
            dq.truth_rows("customers", customers["customer_id"].iloc[null_income],
                          "missing_income"),
            dq.truth_rows("interactions", interactions["interaction_id"].iloc[spam],
                          "spam_texts")]
    defect_truth = pd.concat(found, ignore_index=True) if found else dq.truth_rows("", [], "")

    tables = {
        "fx_rates": fx_table, "customers": customers, "products": catalog.table,
        "transactions": txns, "transaction_items": items, "events": events,
        "interactions": interactions, "consents": consents,
        "external": make_external(rng["external"], clock),
    }
    for name, table in tables.items():
        assert list(table.columns) == TABLES[name].column_names, name
        assert isinstance(table.index, pd.RangeIndex) and table.index.start == 0, name
    truth = {
        "segments": frame({"customer_id": pop.customer_id, "segment": take(NAMES, pop.seg),
                           "outlier": pop.outlier}),
        "churn": frame({"customer_id": pop.customer_id, "churned": ledger.next90 == 0,
                        "purchases_next_90d": ledger.next90.astype(np.int64),
                        "stopped_buying": _dates(pop.drop)}),
        "texts": text_truth,
        "defects": defect_truth,
    }
    if shift_truth is not None:
        truth["shifts"] = shift_truth
    counts = {name: int((defect_truth["defect"] == name).sum()) for name in dq.DEFECTS}
    log.info("generated %d customers, %d transactions, %d events in %.1f s", n, len(txns),
             len(events), time.perf_counter() - started)
    following = IdStart(
        customers=start.customers + n,
        # the double-submitted payments are numbered after the ledger's rows
        transactions=start.transactions + len(ledger.ts) + counts["near_duplicate_transactions"],
        sessions=start.sessions + n_sessions,
        interactions=start.interactions + len(interactions),
        emails=start.emails + email_numbers(n),
        phones=np.union1d(start.phones, phone_keys(arrow(customers["phone"]))),
    )
    return SampleData(tables={name: tables[name] for name in TABLES}, truth=truth,
                      defects=counts), following


def _events(rng: dict[str, np.random.Generator], pop, ledger, catalog, clock: Clock,
            defects: bool, start: IdStart) -> tuple[pd.DataFrame, list[pd.DataFrame], int]:
    """The events table, with defects bot sessions and skewed clocks with their truth, and the
    number of sessions."""
    stream = make_stream(rng["events"], pop, ledger, catalog, clock)
    if defects:
        stream = concat(stream, dq.bot_stream(rng["defects"], catalog, clock, len(pop)))
    order_sessions(stream)
    future, skewed = (dq.skew_timestamps(rng["defects"], stream, pop.created) if defects
                      else ([], []))
    events = stream_frame(rng["format"], stream, pop, catalog, first_session=start.sessions,
                          first_txn=start.transactions)
    if not defects:
        return events, [], len(stream.kind)
    is_bot = stream.kind[stream.sess] == BOT
    ids = events["message_id"]
    return events, [
        dq.truth_rows("events", events["session_id"][is_bot].unique(), "bot_sessions"),
        dq.truth_rows("events", ids[is_bot], "bot_events"),
        dq.truth_rows("events", ids.iloc[future], "future_timestamps"),
        dq.truth_rows("events", ids.iloc[skewed], "out_of_order_timestamps"),
    ], len(stream.kind)


def write_sample(data: SampleData, input_dir: str | Path, truth_dir: str | Path,
                 fmt: str = "parquet") -> None:
    """Write input_dir/<table>.<fmt>, truth_dir/<name>.csv and truth_dir/defects.json."""
    if fmt not in ("parquet", "csv"):
        raise ConfigError(f"format must be 'parquet' or 'csv', got {fmt!r}")
    input_dir, truth_dir = Path(input_dir), Path(truth_dir)
    input_dir.mkdir(parents=True, exist_ok=True)
    truth_dir.mkdir(parents=True, exist_ok=True)
    for name, df in data.tables.items():
        table = pa.Table.from_pandas(df, preserve_index=False)
        if fmt == "parquet":
            pq.write_table(table, input_dir / f"{name}.parquet")
        else:
            pa_csv.write_csv(table, input_dir / f"{name}.csv")
    for name, df in data.truth.items():
        pa_csv.write_csv(pa.Table.from_pandas(df, preserve_index=False), truth_dir / f"{name}.csv")
    (truth_dir / "defects.json").write_text(json.dumps(data.defects, indent=2) + "\n")

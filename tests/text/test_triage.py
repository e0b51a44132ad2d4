"""kenal text triage on hand-made support messages: which are open, their order, reasons and routes."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from kenal.cli import app
from kenal.config import Settings
from kenal.ingest import ingest
from kenal.store import Store
from kenal.text.sentiment import sentiment
from kenal.text.triage import escalation_of, triage
from tests.cli.test_errors import assert_one_line_error, kenal
from tests.conftest import write_csv

QUEUE_TIME = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)  # the window opens 2026-02-22 12:00
YLKI = "Saya mau lapor ke YLKI kalau refund tidak segera diproses! Barang rusak."
LATE = "Paketnya belum sampai, tolong dicek"
ASK = "Halo, mau tanya status pesanan saya"
COMPLEX = "Mau ganti alamat pengiriman dan tanya cara pembayaran"
VIRAL = "Mau cancel pesanan, kalau tidak saya viralkan di sosmed"
THANKS = "Terima kasih admin, sangat membantu"
MESSAGES = [  # interaction_id, customer_id, timestamp, channel, text, rating
    ["A1", "A", "2026-02-28T09:00:00+00:00", "ticket", YLKI, ""],
    ["B1", "B", "2026-02-27T09:00:00+00:00", "chat", ASK, ""],
    ["C1", "C", "2026-02-23T09:00:00+00:00", "email", "Paket saya belum sampai", ""],
    ["C2", "C", "2026-02-25T09:00:00+00:00", "Email", LATE, ""],  # the channel in any case
    ["D1", "D", "2026-02-26T09:00:00+00:00", "ticket", "Barang rusak, mohon diganti", ""],
    ["D2", "D", "2026-02-28T09:00:00+00:00", "review", "Sudah diganti, terima kasih, mantap!", "5"],  # settles D1
    ["E1", "E", "2026-02-20T09:00:00+00:00", "ticket", "Barang rusak, mohon diganti", ""],  # before the window
    ["F1", "F", "2026-02-27T09:00:00+00:00", "review", "Jelek, kecewa", "1"],  # not a support channel
    ["G1", "G", "2026-02-28T10:00:00+00:00", "chat", THANKS, ""],
    ["H1", "H", "2026-03-02T09:00:00+00:00", "ticket", "Barang rusak, mohon diganti", ""],  # after the queue's time
    ["M1", "M", "2026-02-27T10:00:00+00:00", "ticket", COMPLEX, ""],
    ["M0", "M", "2026-02-27T08:00:00+00:00", "review", "Jelek", "1"],  # negative, before M1: settles nothing
    ["N1", "N", "2026-02-26T10:00:00+00:00", "chat", VIRAL, ""],
    ["N2", "N", "2026-02-26T11:00:00+00:00", "survey", "", ""],  # no answer, no text: settles nothing
]
# revenue: B 900, A 500, C 300, F 200, D 100, M 50, E 20, N 10, G 0 -> rank = position / 8
RANK = {"G": 0, "N": 1 / 8, "E": 2 / 8, "M": 3 / 8, "D": 4 / 8, "F": 5 / 8, "C": 6 / 8, "A": 7 / 8, "B": 1.0}
MONETARY = {"B": 900, "A": 500, "C": 300, "F": 200, "D": 100, "M": 50, "E": 20, "N": 10, "G": 0}
TIERS = {"B": "Top 1%", "A": "Next 9%"}
CHURN = {"A": 0.5, "C": 0.9, "B": 0.1}


def make_workspace(root: Path, scores: bool = True, snapshot: bool = True) -> Path:
    folder = root / "in"
    write_csv(folder, "customers", ["customer_id", "created_at"],
              [[c, "2025-01-01T00:00:00+00:00"] for c in "ABCDEFGHMN"])
    write_csv(folder, "interactions", ["interaction_id", "customer_id", "timestamp", "channel", "text", "rating"],
              MESSAGES)
    with Store.open(root / "ws", Settings(consent_default="grant")) as store:
        ingest(store, folder)
        write_outputs(store, scores, snapshot)
    return root / "ws"


def write_outputs(store: Store, scores: bool = True, snapshot: bool = True) -> None:
    """A snapshot's features, value tiers and scores, as kenal run and kenal score would store them."""
    if snapshot:
        store.write("snapshots", pd.DataFrame({
            "snapshot_id": ["S0", "S1"], "as_of": pd.to_datetime(["2026-01-31", "2026-02-28"], utc=True),
            "created_at": pd.to_datetime(["2026-02-01", "2026-03-01"], utc=True), "settings": ["{}", "{}"]}))
        store.write("features", pd.DataFrame({"snapshot_id": "S1", "customer_id": list(MONETARY),
                                              "monetary": [float(v) for v in MONETARY.values()]}))
        store.write("segment_assignments", pd.DataFrame({
            "snapshot_id": "S1", "segmentation": "value", "customer_id": list(MONETARY), "segment_id": 0,
            "segment_name": [TIERS.get(c, "Rest") for c in MONETARY]}))
    if scores:
        store.write("scores", pd.DataFrame({"snapshot_id": "S1", "customer_id": list(CHURN),
                                            "churn_probability": list(CHURN.values())}))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    return make_workspace(tmp_path_factory.mktemp("triage"))


@pytest.fixture(scope="module")
def queue(workspace) -> pd.DataFrame:
    with Store.open(workspace, Settings()) as store:
        return triage(store, as_of=QUEUE_TIME).queue.set_index("interaction_id")


def points(customer: str, text: str, complaint: bool, escalation: float, contacts: int = 1) -> float:
    neg = 20 * max(0.0, -sentiment(text)[1])
    return round(neg + 15 * complaint + 20 * escalation + min(2.5 * (contacts - 1), 5) + 20 * RANK[customer]
                 + 20 * CHURN.get(customer, 0.0), 1)


def test_open_messages_are_the_latest_unsettled_support_messages(queue):
    # A: ylki, lapor, refund and a complaint; C: late twice; N: going public; B: top customer; M; G: thanks
    assert queue.index.tolist() == ["A1", "C2", "N1", "B1", "M1", "G1"]
    assert queue["rank"].tolist() == [1, 2, 3, 4, 5, 6]
    assert queue.loc["C2", "contacts"] == 2


def test_priorities_add_up_urgency_value_and_churn(queue):
    assert queue.loc["A1", "priority"] == points("A", YLKI, True, 1.0)
    assert queue.loc["C2", "priority"] == points("C", LATE, True, 0.0, contacts=2)
    assert queue.loc["B1", "priority"] == points("B", ASK, False, 0.0) == 22.0
    assert queue.loc["N1", "priority"] == points("N", VIRAL, True, 0.9)
    assert queue.loc["G1", "priority"] == 0.0
    assert (queue.urgency_points + queue.value_points + queue.churn_points - queue.priority).abs().max() < 0.11


def test_reasons_are_listed(queue):
    s = sentiment(YLKI)[1]
    assert queue.loc["A1", "reasons"] == (
        f"negative ({s:+.2f}): +{-20 * s:.1f}; complaint (rusak, segera, lapor): +15; "
        "escalation: ylki (regulator), lapor (report), refund: +20.0; value: revenue rank 88%, tier Next 9%: +17.5; "
        "churn risk 50%: +10.0")
    assert queue.loc["C2", "reasons"].endswith("2 support messages in the window: +2.5; "
                                               "value: revenue rank 75%, tier Rest: +15.0; churn risk 90%: +18.0")
    assert queue.loc["G1", "reasons"] == "nothing urgent found"
    assert queue.loc["A1", "escalation"] == "ylki;lapor;refund"


def test_routes(queue):
    assert queue.route.to_dict() == {"A1": "human", "C2": "automated", "B1": "human", "N1": "human",
                                     "M1": "human", "G1": "automated"}
    s = sentiment(YLKI)[1]
    assert queue.loc["A1", "route_reasons"] == (
        f"very negative ({s:+.2f}); complex: 2 aspects (product_quality, refund_return); escalation to regulator")
    assert queue.loc["B1", "route_reasons"] == "high-value customer (revenue rank 100%)"
    assert queue.loc["N1", "route_reasons"] == "escalation to public"
    assert queue.loc["M1", "route_reasons"].startswith("complex: 3 aspects")


def test_escalation_words_match_whole_words_after_cleaning():
    from kenal.text.clean import clean_text

    assert [w for w, _, _ in escalation_of(clean_text("Gak akan beli lagi, mau CANCEL aja"))] == [
        "tidak akan beli lagi", "cancel"]
    assert escalation_of(clean_text("barang sudah sampai, terima kasih")) == []
    assert escalation_of(clean_text("pelaporan")) == []  # lapor* is a word start, not any infix


def test_without_scores_churn_is_not_used_and_the_output_says_so(tmp_path):
    ws = make_workspace(tmp_path, scores=False)
    with Store.open(ws, Settings()) as store:
        t = triage(store, as_of=QUEUE_TIME)
    assert t.queue.churn_points.sum() == 0 and t.queue.churn_probability.isna().all()
    assert t.churn_source is None
    assert "No scores in the workspace, so churn risk is not used (run 'kenal score' to add it)." in t.lines()
    assert t.queue.index.size == 6


def test_the_cli_lists_the_queue_and_writes_it(workspace, tmp_path):
    out = tmp_path / "queue.parquet"
    result = CliRunner().invoke(app, ["text", "triage", "-w", str(workspace), "--as-of", "2026-03-01T12:00:00+00:00",
                                      "--limit", "3", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "6 open support messages" in result.output and "3 to a human agent" not in result.output
    assert "4 to a human agent, 2 to an automated reply" in result.output
    assert "Churn risk: churn_probability of scored snapshot S1 (as of 2026-02-28)." in result.output
    assert f"Wrote 6 messages to {out}" in result.output
    written = pd.read_parquet(out)
    assert written.interaction_id.tolist() == ["A1", "C2", "N1", "B1", "M1", "G1"]
    bad = kenal("text", "triage", "-w", str(workspace), "-o", str(tmp_path / "q.xlsx"))
    assert_one_line_error(bad, f"--output {tmp_path / 'q.xlsx'}: the file name must end in .csv or .parquet")

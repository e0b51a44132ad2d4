"""Every planted defect is in the data exactly as often as data.defects says, and nowhere else."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from sample_features import local_time, planted

from kenal.sample import write_sample

DEFECTS = {"duplicate_transactions", "near_duplicate_transactions", "unknown_currency",
           "bot_sessions", "bot_events", "future_timestamps", "out_of_order_timestamps",
           "missing_income", "spam_texts"}
BOT_AGENT = r"(?i)bot|python-requests|curl|headless|scrapy|go-http-client"


def found(data) -> dict[str, int]:
    """Each defect as an independent check would count it in the tables alone."""
    t = data.tables
    tx = t["transactions"]
    out = {"duplicate_transactions": int(tx.duplicated().sum())}
    u = tx.drop_duplicates().assign(time=lambda d: local_time(d["timestamp"]))
    u = u.sort_values(["customer_id", "amount", "currency", "time"])
    key = u[["customer_id", "amount", "currency"]]
    same = key.eq(key.shift()).all(axis=1)
    gap = u["time"].diff().dt.total_seconds()
    out["near_duplicate_transactions"] = int((same & gap.between(5, 120)).sum())
    out["unknown_currency"] = int((~tx["currency"].isin(set(t["fx_rates"]["currency"]))).sum())
    ev = t["events"]
    bot = ev["user_agent"].str.contains(BOT_AGENT)
    out["bot_sessions"] = int(ev.loc[bot, "session_id"].nunique())
    out["bot_events"] = int(bot.sum())
    out["future_timestamps"] = int((ev["timestamp"].str.slice(0, 4).astype(int) >= 2031).sum())
    out["out_of_order_timestamps"] = len(out_of_order(ev))
    out["missing_income"] = int(t["customers"]["income"].isna().sum())
    out["spam_texts"] = int(data.truth["texts"]["spam"].sum())
    return out


def out_of_order(ev: pd.DataFrame) -> pd.Series:
    """message_ids of events over 10 minutes earlier than the previous event of their session."""
    time = local_time(ev["timestamp"])
    same = ev["session_id"].eq(ev.groupby("session_id")["session_id"].shift())
    prev = time.groupby(ev["session_id"]).shift()
    return ev.loc[same & (time < prev - pd.Timedelta(minutes=10)), "message_id"]


def test_counts_match_the_data(dirty):
    assert set(dirty.defects) == DEFECTS
    assert found(dirty) == dirty.defects
    assert all(v > 0 for v in dirty.defects.values())


def test_truth_rows_match_counts_and_keys(dirty):
    d = dirty.truth["defects"]
    assert list(d.columns) == ["table", "key", "defect"]
    assert d["defect"].value_counts().to_dict() == dirty.defects
    t = dirty.tables
    cust = t["customers"]
    assert planted(dirty, "missing_income") == set(cust.loc[cust["income"].isna(), "customer_id"])
    tx = t["transactions"]
    tid = tx["transaction_id"]
    assert planted(dirty, "duplicate_transactions") == set(tid[tid.duplicated()])
    known = tx["currency"].isin(["IDR", "USD", "SGD"])
    assert planted(dirty, "unknown_currency") == set(tid[~known])
    ev = t["events"]
    assert planted(dirty, "out_of_order_timestamps") == set(out_of_order(ev))
    years = ev["timestamp"].str.slice(0, 4).astype(int)
    assert planted(dirty, "future_timestamps") == set(ev.loc[years >= 2031, "message_id"])
    assert years[years >= 2031].between(2031, 2035).all()
    bot = ev["user_agent"].str.contains(BOT_AGENT)
    assert planted(dirty, "bot_events") == set(ev.loc[bot, "message_id"])
    assert planted(dirty, "bot_sessions") == set(ev.loc[bot, "session_id"])
    spam = dirty.truth["texts"].loc[dirty.truth["texts"]["spam"], "interaction_id"]
    assert planted(dirty, "spam_texts") == set(spam)


def test_defect_shapes(dirty):
    t = dirty.tables
    tx, items = t["transactions"], t["transaction_items"]
    # Near duplicates come with copies of the original's items; exact duplicates do not.
    twins = planted(dirty, "near_duplicate_transactions")
    assert twins <= set(items["transaction_id"])
    assert not tx[tx["transaction_id"].isin(twins)]["transaction_id"].duplicated().any()
    odd = tx.loc[~tx["currency"].isin(["IDR", "USD", "SGD"]), "currency"]
    assert set(odd) <= {"XYZ", "RPH", "IDX"}
    # Bots: anonymous, hundreds to thousands of hits at one fixed interval.
    ev = t["events"]
    bots = ev[ev["session_id"].isin(planted(dirty, "bot_sessions"))]
    assert bots["customer_id"].isna().all()
    assert bots.groupby("session_id").size().between(200, 3000).all()
    secs = local_time(bots["timestamp"]).astype("int64") // 10**9
    spans = secs.groupby(bots["session_id"]).agg(lambda s: (s.max() - s.min()) / max(len(s) - 1, 1))
    assert spans.between(0.45, 3.05).all()
    # Spam: one promotional text shared by many customers, bare links, keyboard junk.
    spam = t["interactions"][t["interactions"]["interaction_id"].isin(planted(dirty, "spam_texts"))]
    top = spam["text"].value_counts()
    assert spam[spam["text"] == top.index[0]]["customer_id"].nunique() > 10
    assert spam["text"].str.fullmatch(r"http://bit\.ly/\w+").any()
    assert (spam["text"].str.len() < 10).any()
    assert 0.015 < len(spam) / len(t["interactions"]) < 0.025
    assert dirty.defects["missing_income"] == round(0.15 * len(t["customers"]))


def test_clean_sample_has_no_defects(clean):
    assert clean.defects == dict.fromkeys(DEFECTS, 0)
    assert found(clean) == dict.fromkeys(DEFECTS, 0)
    assert len(clean.truth["defects"]) == 0
    assert clean.tables["transactions"]["transaction_id"].is_unique


def test_write_sample_writes_counts_and_truth(dirty, tmp_path):
    write_sample(dirty, tmp_path / "in", tmp_path / "truth", fmt="csv")
    assert json.loads((tmp_path / "truth" / "defects.json").read_text()) == dirty.defects
    back = pd.read_csv(tmp_path / "truth" / "defects.csv")
    assert len(back) == sum(dirty.defects.values())
    assert sorted(p.name for p in (tmp_path / "truth").iterdir()) == [
        "churn.csv", "defects.csv", "defects.json", "segments.csv", "texts.csv"]


@pytest.mark.parametrize("share", [0.005, 0.002, 0.001])
def test_transaction_defect_rates(dirty, share):
    name = {0.005: "duplicate_transactions", 0.002: "near_duplicate_transactions",
            0.001: "unknown_currency"}[share]
    n = len(dirty.tables["transactions"]) - dirty.defects["duplicate_transactions"] \
        - dirty.defects["near_duplicate_transactions"]
    assert dirty.defects[name] == max(1, round(share * n))


def test_event_defect_rates(dirty):
    human = len(dirty.tables["events"]) - dirty.defects["bot_events"]
    for name in ("future_timestamps", "out_of_order_timestamps"):
        assert dirty.defects[name] == round(0.0005 * human)
    n = len(dirty.tables["customers"])
    assert dirty.defects["bot_sessions"] == max(2, round(n / 2500))

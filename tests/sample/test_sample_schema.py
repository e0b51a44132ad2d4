"""The tables follow kenal.schema exactly: names, column order, types and vocabularies."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from kenal.schema import BOOL, DATE, FLOAT, INT, STRING, TABLES, TIMESTAMP

TS = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\+07:00)?$"
ID = {"customer_id": r"^C\d{7}$", "transaction_id": r"^T\d{8}$", "product_id": r"^P\d{4}$",
      "interaction_id": r"^I\d{7}$", "session_id": r"^S\d{9}$", "message_id": r"^[0-9a-f]{32}$"}


def test_table_names_and_columns_in_schema_order(sample):
    assert list(sample.tables) == list(TABLES)
    for name, table in sample.tables.items():
        assert list(table.columns) == TABLES[name].column_names, name
        assert len(table) > 0, name


@pytest.mark.parametrize("name", list(TABLES))
def test_column_types(sample, name):
    table = sample.tables[name]
    for col in TABLES[name].columns:
        s = table[col.name]
        if col.type == FLOAT:
            assert pd.api.types.is_float_dtype(s), col.name
        elif col.type == INT:
            assert pd.api.types.is_integer_dtype(s), col.name
        elif col.type == BOOL:
            assert pd.api.types.is_bool_dtype(s), col.name
        else:
            assert pd.api.types.is_string_dtype(s), col.name
            values = s.dropna()
            assert all(isinstance(v, str) for v in values.head(100)), col.name
            if col.type == DATE:
                assert values.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all(), col.name
            if col.type == TIMESTAMP:
                assert values.str.fullmatch(TS).all(), col.name
            if col.type == STRING and col.name in ID:
                assert values.str.fullmatch(ID[col.name]).all(), col.name
        if col.required:
            assert s.notna().all(), f"{name}.{col.name}"
        if col.allowed:
            assert set(s.dropna().str.lower()) <= set(col.allowed), col.name


def test_offsets_on_all_timestamps_except_about_5_percent_of_events(sample):
    for name in ("customers", "transactions", "interactions", "consents"):
        col = "created_at" if name == "customers" else "timestamp"
        assert sample.tables[name][col].str.endswith("+07:00").all(), name
    naive = ~sample.tables["events"]["timestamp"].str.endswith("+07:00")
    assert 0.04 < naive.mean() < 0.06


def test_properties_are_json_objects(sample):
    props = sample.tables["events"]["properties"].dropna()
    parsed = [json.loads(p) for p in props]
    assert all(isinstance(p, dict) for p in parsed)
    ev = sample.tables["events"]
    assert ev.loc[ev["type"] == "page", "properties"].isna().all()
    assert ev.loc[ev["type"] == "track", "properties"].notna().all()


def test_vocabularies(sample):
    t = sample.tables
    assert set(t["products"]["category"]) == {"electronics", "fashion", "groceries", "beauty",
                                              "home", "sports", "toys", "books"}
    assert set(t["events"]["type"]) == {"page", "track", "identify"}
    assert set(t["events"]["event"].dropna()) == {"Product Viewed", "Product Added",
                                                  "Checkout Started", "Order Completed"}
    assert set(t["consents"]["purpose"]) == {"profiling", "marketing", "analytics"}
    assert set(t["customers"]["country"]) == {"ID"}
    assert t["customers"]["phone"].str.fullmatch(r"\+628\d{8,11}").all()
    assert t["customers"]["email"].is_unique
    cities = set(t["customers"]["city"])
    assert {"Jakarta", "Surabaya", "Bandung", "Medan", "Makassar", "Denpasar"} <= cities
    sections = {p.split("/")[1] for p in t["events"]["page_path"].dropna() if p != "/"}
    assert {"promo", "pricing", "cart", "category", "product"} <= sections

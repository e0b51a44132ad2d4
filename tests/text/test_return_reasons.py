from __future__ import annotations

import ibis
import pandas as pd
import pytest

from kenal.text import CATEGORIES, KEYWORDS, categorise_reason, reason_category

# Every reason the synthetic sample writes, with the category a person would give it.
SAMPLE = {
    "changed my mind": "changed_mind",
    "barang rusak": "damaged_defective",
    "item not as described": "not_as_described",
    "damaged on arrival": "damaged_defective",
    "wrong item": "wrong_item",
    "ukuran tidak pas": "size_fit",
    "kualitas jelek": "not_as_described",  # works, but worse than the listing promised
    "produk cacat": "damaged_defective",
    "berubah pikiran": "changed_mind",
    "salah kirim": "wrong_item",
    "tidak sesuai deskripsi": "not_as_described",
    "warna beda dengan foto": "not_as_described",
    "size too small": "size_fit",
    "telat datang, sudah beli di tempat lain": "late_delivery",  # lateness came first
}
VARIANTS = {
    "Barang RUSAK!!": "damaged_defective",
    "broken screen": "damaged_defective",
    "layar retak, tidak bisa nyala": "damaged_defective",
    "stopped working after 2 days": "damaged_defective",
    "salah kirim, barangnya juga rusak": "damaged_defective",  # damage beats everything
    "kekecilan": "size_fit",
    "kebesaran": "size_fit",
    "ukuran tidak sesuai size chart": "size_fit",  # size beats "tidak sesuai"
    "doesn't fit": "size_fit",
    "pengiriman terlambat": "late_delivery",
    "delivery delayed 2 weeks": "late_delivery",
    "salah warna": "wrong_item",  # the shop sent another variant
    "bukan yg saya pesan": "wrong_item",
    "received the wrong colour": "wrong_item",
    "barang beda dengan gambar": "not_as_described",
    "poor quality": "not_as_described",
    # "ga sesuai" inside "harga sesuai" is no match
    "harga sesuai, tapi barang KW": "not_as_described",
    "gak jadi beli": "changed_mind",
    "salah beli, maaf": "changed_mind",  # the buyer's mistake, not the shop's
    "ordered by mistake": "changed_mind",
    "no reason": "other",
    "fitur kurang lengkap": "other",  # "fit" only as a word
    "lainnya": "other",
    "": "unspecified",
    "  \t": "unspecified",
    None: "unspecified",
}
ALL = SAMPLE | VARIANTS
CATEGORIES_IN_REPORT_ORDER = ("damaged_defective", "wrong_item", "not_as_described", "size_fit",
                              "changed_mind", "late_delivery", "other", "unspecified")


@pytest.mark.parametrize("text, category", ALL.items())
def test_python_categories(text, category):
    assert categorise_reason(text) == category


def test_ibis_agrees_with_python():
    texts = list(ALL)
    t = ibis.memtable(pd.DataFrame({"i": range(len(texts)),
                                    "reason": pd.Series(texts, dtype="string")}))
    df = t.select("i", category=reason_category(t.reason)).to_pandas().sort_values("i")
    assert df["category"].tolist() == [categorise_reason(s) for s in texts]
    assert df["category"].tolist() == list(ALL.values())


def test_categories_are_ordered_and_labelled():
    # CATEGORIES is in report order, KEYWORDS in matching order: the same names either way
    assert list(CATEGORIES) == [*CATEGORIES_IN_REPORT_ORDER]
    assert set(KEYWORDS) == set(CATEGORIES) - {"other", "unspecified"}
    assert all(isinstance(label, str) and label for label in CATEGORIES.values())


def test_every_sample_return_gets_a_real_category(dirty):
    tx = dirty.tables["transactions"]
    t = ibis.memtable(tx[["transaction_id", "kind", "return_reason"]])
    got = t.group_by("kind", category=reason_category(t.return_reason)).aggregate(n=t.count())
    got = got.to_pandas()
    returns = got[got["kind"] == "return"]
    assert set(returns["category"]) == set(SAMPLE.values())
    assert set(got.loc[got["kind"] == "purchase", "category"]) == {"unspecified"}

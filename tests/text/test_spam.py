from __future__ import annotations

import ibis
import pandas as pd
import pytest

from kenal.text import LINK_ONLY, REASONS, REPEATED_PROMOTION, TOO_SHORT, spam_flags

PROMO = "PROMO saldo gratis, klik https://bit.ly/gratis99 sekarang juga"
PHONE_PROMO = "Jual followers murah, hubungi WA 0812-9999-0000"


def rows(text: str, customers: list[str], prefix: str) -> list[tuple[str, str, str]]:
    return [(f"{prefix}{i}", c, text) for i, c in enumerate(customers)]


def people(n: int, start: int = 0) -> list[str]:
    return [f"C{i}" for i in range(start, start + n)]


CASES = [
    # one-off texts: (id, customer, text, expected reason or None)
    ("L1", "C1", "http://bit.ly/XJyz9Ez", LINK_ONLY),
    ("L2", "C1", "  https://example.com/p?id=1 www.toko.id/promo !! ", LINK_ONLY),
    ("L3", "C2", "bit.ly/abc123", LINK_ONLY),
    ("S1", "C3", "asdf", TOO_SHORT),
    ("S2", "C3", "tes tes", TOO_SHORT),
    ("S3", "C4", "zzz", TOO_SHORT),
    ("S4", "C4", "!!!", TOO_SHORT),  # no letters but no link either: junk, not a link
    ("S5", "C5", "ok http://bit.ly/x", TOO_SHORT),
    ("G0", "C5", "Mantap!", None),  # short, but a word: a genuine review
    ("S6", "C5", "ok sip", TOO_SHORT),  # loanwords in neither lexicon
    ("G1", "C6", "Mantap sekali!", None),  # 12 letters
    ("G2", "C6", "Barangnya bagus, cek https://toko.id/p/1 deh", None),  # a link in a real review
    ("G3", "C7", None, None),  # missing text is reported elsewhere, not spam
    ("G4", "C7", "质量很好，物流也很快，非常满意这次购物", None),  # letters of any script count
    ("G5", "C8", "1.5kg/pcs, harga 25rb/pcs, mantap", None),  # slashes that are not URLs
]
TEXTS = (
    [(k, c, t) for k, c, t, _ in CASES]
    # a genuine text written alike by six customers: no link or contact, so not spam
    + rows("Barang sesuai pesanan.", people(6), "R")
    # a promotion by four customers (plus one of them twice): below min_customers=5
    + rows(PROMO, people(4) + ["C0"], "P")
    # the same promotion by five customers, in different case and spacing
    + rows("promo saldo   GRATIS, klik https://bit.ly/gratis99 sekarang juga ", people(5), "Q")
    # a phone-number promotion by five customers
    + rows(PHONE_PROMO, people(5, 10), "W")
    + rows("Kerja dari rumah, gaji 5jt, email lowongan@kerja-cepat.co.id", people(5, 20), "E")
    + rows("Pinjaman cepat cair, chat +62 812 3456 7890", people(3, 30), "X")
    + rows("Pinjaman cepat cair, chat 6281234567890", people(2, 40), "Y")
    # a bare link posted by many accounts is link_only: that reason comes first
    + rows("https://bit.ly/same", people(6, 50), "Z")
)


def expected(min_customers: int = 5) -> dict[str, str]:
    out = {k: r for k, _, _, r in CASES if r}
    # PROMO and its variant normalise to one text from C0-C4: five customers together
    out |= {f"P{i}": REPEATED_PROMOTION for i in range(5)} | {f"Q{i}": REPEATED_PROMOTION
                                                              for i in range(5)}
    out |= {f"W{i}": REPEATED_PROMOTION for i in range(5)}
    out |= {f"E{i}": REPEATED_PROMOTION for i in range(5)}
    out |= {f"Z{i}": LINK_ONLY for i in range(6)}
    return out


def frame(texts=TEXTS) -> pd.DataFrame:
    return pd.DataFrame(texts, columns=["interaction_id", "customer_id", "text"]).astype("string")


def flags(t: ibis.Table, **kw) -> dict[str, str]:
    df = spam_flags(t, **kw).to_pandas()
    assert list(df.columns) == [kw.get("key", "interaction_id"), "spam_reason"]
    assert df.iloc[:, 0].is_unique
    return dict(zip(df.iloc[:, 0], df["spam_reason"]))


def test_hand_built_table_on_a_duckdb_connection():
    con = ibis.duckdb.connect()
    t = con.create_table("interactions", frame())
    assert flags(t) == expected()


def test_min_customers_is_a_threshold():
    t = ibis.memtable(frame(rows(PROMO, people(4), "P")))
    assert flags(t) == {}
    t = ibis.memtable(frame(rows(PROMO, people(5), "P")))
    assert flags(t) == {f"P{i}": REPEATED_PROMOTION for i in range(5)}
    assert flags(t, min_customers=6) == {}


def test_the_same_account_posting_many_times_is_not_a_crowd():
    t = ibis.memtable(frame(rows(PROMO, ["C1"] * 8, "P")))
    assert flags(t) == {}


def test_phone_numbers_in_any_common_form_count_as_contact():
    texts = []
    for j, number in enumerate(["0812-9999-0000", "+62 812 3456 7890", "6281234567890",
                                "0812.3456.789"]):
        texts += rows(f"Pinjaman cepat cair, chat {number}", people(5), f"N{j}_")
    got = flags(ibis.memtable(frame(texts)))
    assert got == {k: REPEATED_PROMOTION for k, _, _ in texts}
    # a price or an order number is not a phone number
    texts = rows("Harga Rp500.000 saja, order 12345678 sudah dikirim", people(5), "M")
    assert flags(ibis.memtable(frame(texts))) == {}


def test_custom_column_names():
    df = frame().rename(columns={"interaction_id": "id", "customer_id": "who", "text": "body"})
    got = flags(ibis.memtable(df), key="id", text="body", customer="who")
    assert got == expected()


def test_reasons_are_in_priority_order():
    assert list(REASONS) == [LINK_ONLY, TOO_SHORT, REPEATED_PROMOTION]


def spam_ids(data) -> set[str]:
    truth = data.truth["texts"]
    return set(truth.loc[truth["spam"].astype(bool), "interaction_id"])


@pytest.mark.parametrize("name", ["dirty", "large"])
def test_flags_exactly_the_planted_spam(name, request):
    data = request.getfixturevalue(name)
    got = flags(ibis.memtable(data.tables["interactions"]))
    assert set(got) == spam_ids(data)
    assert set(got.values()) == set(REASONS)


def test_large_sample_has_400_spam_texts(large):
    assert len(spam_ids(large)) == 400


def test_no_flags_on_the_clean_sample(clean):
    assert flags(ibis.memtable(clean.tables["interactions"])) == {}

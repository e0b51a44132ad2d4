from __future__ import annotations

import ibis
import pandas as pd
import pytest

from kenal.text import LANGUAGES, detect_language, language_table
from kenal.text.language import lexicon

EXAMPLES = {
    # the brief's examples
    "barangnya bagus bgt, pengiriman cepat": "id",
    "great product, fast delivery": "en",
    "barangnya oke tapi delivery-nya late banget, please refund": "mixed",
    "12345 !!!": "other",
    # written for this test, not taken from the sample's phrase bank
    "Makasih kak, paketnya udah sampai dengan selamat": "id",
    "min, kapan dikirim? sdh 3 hari blm ada resi": "id",
    "Gak nyesel beli di sini, recommended bgt pokoknya": "id",  # 1 English hit in 7: a loanword
    "Gak nyesel, quality oke, worth it bgt": "mixed",
    "Where is my order? It has been two weeks and nobody replies.": "en",
    "The seller was slow to answer but the shoes fit well": "en",
    "sorry kak, aku mau cancel order yg kemarin, wrong size": "mixed",
    "Bonjour, merci beaucoup": "other",
    "👍👍👍": "other",
    "": "other",
    None: "other",
}
# Awkward inputs on which the Python and the Ibis versions must still agree.
EDGE = ["BARANGNYA BAGUS", "café au lait", "don't worry, it's fine", "sampe2 rusak", "\n\t ",
        "nya", "kenya", "a", "the_item-nya", "ＦＵＬＬ width", "Straße", "İstanbul", "x" * 500]


def by_key(t: ibis.Table, key: str = "interaction_id") -> dict:
    df = t.to_pandas()
    return dict(zip(df[key], df["language"]))


def table(texts: list) -> ibis.Table:
    return ibis.memtable(pd.DataFrame({"interaction_id": [f"I{i}" for i in range(len(texts))],
                                       "text": pd.Series(texts, dtype="string")}))


@pytest.mark.parametrize("text, expected", EXAMPLES.items())
def test_examples(text, expected):
    assert detect_language(text) == expected


def test_ibis_agrees_with_python_on_examples_and_edge_cases():
    texts = [*EXAMPLES, *EDGE]
    got = by_key(language_table(table(texts)))
    assert got == {f"I{i}": detect_language(s) for i, s in enumerate(texts)}


def test_every_row_comes_back_once_with_custom_column_names():
    t = ibis.memtable(pd.DataFrame({"k": [1, 2, 3], "body": pd.Series(["halo kak", None, "hi"],
                                                                     dtype="string")}))
    out = language_table(t, key="k", text="body")
    assert out.columns == ("k", "language")
    assert by_key(out, "k") == {1: "id", 2: "other", 3: "en"}


def test_lexicons_are_general_word_lists():
    words = lexicon()
    for lang in ("id", "en"):
        n = sum(v == lang for v in words.values())
        assert 150 <= n <= 400, (lang, n)
    for informal in ("gak", "ga", "nggak", "bgt", "banget", "udh", "udah", "yg", "dgn", "tdk",
                     "sdh", "aja", "dong", "sih", "min", "kak", "nya", "mantap"):
        assert words[informal] == "id"
    # loanwords at home in Indonesian chats count for neither language
    assert not {"refund", "promo", "admin", "order", "seller", "ok"} & words.keys()


def test_mixed_share_is_checked():
    with pytest.raises(ValueError, match="mixed_share"):
        detect_language("halo", mixed_share=0.6)
    with pytest.raises(ValueError, match="mixed_share"):
        language_table(table(["halo"]), mixed_share=0)


def accuracy(data) -> tuple[float, dict[str, float], dict]:
    """Overall and per-true-language accuracy of language_table on the non-spam texts."""
    texts = data.tables["interactions"]
    truth = data.truth["texts"]
    got = language_table(ibis.memtable(texts)).to_pandas()
    m = got.merge(truth, on="interaction_id", suffixes=("", "_true"))
    assert len(m) == len(texts)
    m = m[~m["spam"].astype(bool)]
    ok = m["language"] == m["language_true"]
    return ok.mean(), ok.groupby(m["language_true"]).mean().to_dict(), dict(zip(got.interaction_id,
                                                                                 got.language))


# Measured: dirty 2,000 sample 0.985 overall (id 0.988, en 1.000, mixed 0.968);
# 20,000 seed 1: 0.986 (id 0.986, en 1.000, mixed 0.975).  Bars sit just below.
BARS = {"overall": 0.97, "id": 0.97, "en": 0.98, "mixed": 0.95}


@pytest.mark.parametrize("name", ["dirty", "large"])
def test_accuracy_on_sample(name, request):
    data = request.getfixturevalue(name)
    overall, per, got = accuracy(data)
    assert overall >= BARS["overall"], (overall, per)
    for lang, acc in per.items():
        assert acc >= BARS[lang], (lang, acc)
    assert set(got.values()) <= set(LANGUAGES)


def test_ibis_agrees_with_python_on_sample(dirty):
    texts = dirty.tables["interactions"]
    _, _, got = accuracy(dirty)
    expected = {k: detect_language(None if pd.isna(s) else s)
                for k, s in zip(texts["interaction_id"], texts["text"])}
    assert got == expected


def test_share_boundary_is_computed_alike():
    # 0.28 * 25 is 7.000000000000001 in floating point but exactly 7 as a SQL decimal:
    # both versions must compare in floating point, so 7 English hits in 25 are not "mixed".
    text = " ".join(["the"] * 7 + ["dan"] * 18)
    assert detect_language(text, mixed_share=0.28) == "id"
    assert by_key(language_table(table([text]), mixed_share=0.28)) == {"I0": "id"}
    assert detect_language(text, mixed_share=0.27) == "mixed"

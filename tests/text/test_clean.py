from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kenal.text.clean import (EMAIL_TOKEN, PHONE_TOKEN, URL_TOKEN, clean_batch, clean_text, clean_texts,
                              emoji_weights, emoticons, mask_pii, slang)


@pytest.mark.parametrize("text, expected", [
    ("Gak bagus, udh 2 minggu blm sampe", "tidak bagus, sudah 2 minggu belum sampai"),
    ("Mantul bgt yg ini", "mantap banget yang ini"),
    ("Bagusss bangettt", "bagus banget"),  # elongations cut to one letter ...
    ("sooo good, cooool", "so good, cool"),  # ... or two when only that is a word
    ("good food, need coffee", "good food, need coffee"),  # legitimate double letters stay
    ("Thanks :) :D <3", "thanks 🙂 😄 ❤"),
    ("rusak:( T_T", "rusak 🙁 😭"),
    ("Mantap 👍🏽❤️", "mantap 👍❤"),  # skin tones and variation selectors dropped
    ("It’s okay", "it's okay"),
    ("  many   spaces\n\nand lines ", "many spaces and lines"),
    (None, ""),
])
def test_clean_text(text, expected):
    assert clean_text(text) == expected


def test_batch_cleaning_matches_one_by_one():
    texts = ["Gak bagus :(", None, "WA 0812-3456-7890 ya", "", "cek www.toko.id/p/1 bgt!!!", "x\x00y",
             "Email: budi.santoso@gmail.com", "Bagusss", "harga Rp 1.250.000, 30-06-2026"]
    assert clean_texts(texts) == [clean_text(t.replace("\x00", "") if t else t) for t in texts]
    joined, n = clean_batch(texts)
    assert n == len(texts) and joined.count("\x00") == n - 1
    assert clean_texts([]) == []


@pytest.mark.parametrize("text, expected", [
    ("WA aku 0812-3456-7890 ya", f"WA aku {PHONE_TOKEN} ya"),
    ("call +62 812 3456 7890!", f"call {PHONE_TOKEN}!"),
    ("(+62) 812-3456-7890", PHONE_TOKEN),
    ("6281234567890", PHONE_TOKEN),
    ("kantor (021) 555-1234", f"kantor {PHONE_TOKEN}"),
    ("+1 (415) 555-0100", PHONE_TOKEN),
    ("+44 20 7946 0958", PHONE_TOKEN),
    ("rekening 1234567890123", f"rekening {PHONE_TOKEN}"),  # account numbers are personal too
    ("email budi.s+toko@mail.co.id.", f"email {EMAIL_TOKEN}."),
    ("https://bit.ly/abc dan www.toko.id/promo", f"{URL_TOKEN} dan {URL_TOKEN}"),
    ("bit.ly/x7Qp2 atau tokoku.co.id", f"{URL_TOKEN} atau {URL_TOKEN}"),
    # not PII: prices, dates, times, quantities, words glued by a full stop
    ("Rp 1.250.000, 30-06-2026 jam 10:30, 2x, 1.5kg/pcs", "Rp 1.250.000, 30-06-2026 jam 10:30, 2x, 1.5kg/pcs"),
    ("Barangnya bagus.Recommended", "Barangnya bagus.Recommended"),
])
def test_mask_pii_examples(text, expected):
    assert mask_pii(text) == expected


def test_packaged_tables_are_consistent():
    table = slang()
    assert all(k == k.lower() and k != v for k, v in table.items())
    assert table["gak"] == "tidak" and table["bgt"] == "banget" and table["mantul"] == "mantap"
    assert set(emoticons().values()) <= set(emoji_weights())
    assert emoji_weights()["😍"] > 0 > emoji_weights()["😡"]


# --- property: no e-mail address, link or phone number survives cleaning -----------------------
WORDS = ["barang", "bagus", "gak", "bgt", "kak", "tolong", "hubungi", "order", "refund", "mantap",
         "email", "wa", "cek", "link", "thanks", "please", "call", "me", "at", "😍", "👍", ":)",
         "sooo", "good", "kecewa", "Halo", "KAK", "ya"]
SEPARATORS = [" ", ", ", ". ", "! ", "? ", "\n", " - ", ": "]
filler = st.lists(st.sampled_from(WORDS), max_size=6).map(" ".join)
label = st.from_regex(r"[a-z0-9]([a-z0-9\-]{0,8}[a-z0-9])?", fullmatch=True)
KNOWN_TLDS = ["com", "co.id", "id", "net", "org", "ly", "shop", "io", "my.id", "web.id", "store"]


@st.composite
def urls(draw) -> tuple[str, str]:
    """(url, its host): with or without a scheme, www., a path; in any letter case."""
    scheme = draw(st.sampled_from(["", "", "http://", "https://", "HTTPS://", "ftp://"]))
    www = draw(st.sampled_from(["", "www.", "WWW."]))
    labels = draw(st.lists(label, min_size=1, max_size=3))
    path = draw(st.one_of(st.just(""), st.from_regex(r"/[A-Za-z0-9\-_.~%?=&#/]{0,20}", fullmatch=True)))
    # A bare domain (no scheme, www. or path) is recognised by a common top-level domain only.
    bare = not (scheme or www or path)
    tld = draw(st.sampled_from(KNOWN_TLDS) if bare else st.from_regex(r"[a-z]{2,6}", fullmatch=True))
    host = ".".join(labels) + "." + tld
    url = scheme + www + host + path
    return draw(st.sampled_from([url, url.upper() if not path else url])), host


@st.composite
def phones(draw) -> str:
    """Indonesian mobiles and landlines, international numbers: grouped by spaces, dashes, dots."""
    sep = draw(st.sampled_from(["", " ", "-", "."]))
    digits = st.integers(0, 9).map(str)
    kind = draw(st.sampled_from(["mobile", "landline", "international"]))
    if kind == "mobile":
        prefix = draw(st.sampled_from(["08", "+628", "628", "+62 8", "(+62) 8", "+62-8", "0 8"]))
        rest = "".join(draw(st.lists(digits, min_size=9, max_size=11)))
        groups = [rest[:2], rest[2:6], rest[6:]]
        return prefix + sep.join(g for g in groups if g)
    if kind == "landline":
        area = draw(st.sampled_from(["021", "022", "031", "0361", "0274"]))
        local = "".join(draw(st.lists(digits, min_size=6, max_size=8)))
        area = draw(st.sampled_from([area, f"({area})"]))
        return f"{area}{draw(st.sampled_from([' ', '-', '']))}{local[:3]}{sep}{local[3:]}"
    country = draw(st.sampled_from(["1", "44", "61", "65", "60", "81", "353", "971"]))
    rest = "".join(draw(st.lists(digits, min_size=7, max_size=11)))
    return f"+{country}{draw(st.sampled_from([' ', '-', '']))}{rest[:3]}{sep}{rest[3:6]}{sep}{rest[6:]}"


pii = st.one_of(st.emails().map(lambda e: ("email", e, e.split("@")[1])),
                urls().map(lambda u: ("url", u[0], u[1])),
                phones().map(lambda p: ("phone", p, p)))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(before=filler, after=filler, item=pii, left=st.sampled_from(["", "(", "'", '"', "<"]),
       right=st.sampled_from(["", ")", ".", ",", "!", "?", "'", ">"]),
       sep=st.sampled_from(SEPARATORS))
def test_no_pii_survives_cleaning(before, after, item, left, right, sep):
    kind, value, host = item
    text = f"{before}{sep}{left}{value}{right}{sep}{after}"
    # Both paths: one text, and a batch (where an Arrow scan picks the texts to mask).
    for cleaned in (clean_text(text), clean_texts(["ok", text, None])[1]):
        assert {"email": EMAIL_TOKEN, "url": URL_TOKEN, "phone": PHONE_TOKEN}[kind] in cleaned
        if kind == "email":
            assert "@" not in cleaned and host.lower() not in cleaned
        elif kind == "url":
            assert host.lower() not in cleaned and "://" not in cleaned and "www." not in cleaned
        else:  # the filler has no digits: any digit left is part of the number
            assert not re.search(r"\d", cleaned), cleaned

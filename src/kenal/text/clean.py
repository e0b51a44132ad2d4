"""Cleaning of customer texts: PII masked, lower case, emoticons, elongations and slang normalised.

:func:`clean_text` turns "Bagusss bgt gan :) WA aku 0812-3456-7890 / cek www.toko.id" into
"bagus banget gan 🙂 wa aku <PHONE> / cek <URL>".  In order:

1. **PII masked** (before anything else, so nothing downstream sees it): e-mail addresses become
   ``<EMAIL>``; links with a scheme, starting with ``www.``, or a bare domain with a path
   (``bit.ly/x7Qp``) or a common top-level domain (``tokoku.co.id``) become ``<URL>``; phone
   numbers become ``<PHONE>``: Indonesian mobiles and landlines (``0812-3456-7890``,
   ``+62 812 3456 7890``, ``62812...``, ``(021) 555-1234``), international numbers written with
   ``+`` or ``00``, and any other run of 10 or more digits (grouped or not), which in customer
   texts is a phone, bank-account or card number, all of them personal.  Prices
   ("Rp 1.250.000"), dates and short codes are left alone.
2. **lower case**, curly apostrophes straight, emoji skin tones and variation selectors removed.
3. **emoticons** (``:)``, ``:(``, ``:D``, ``<3``, ``T_T``, ...) become the emoji they stand for,
   from ``lexicon/emoticons.txt``; emoji carry sentiment (``lexicon/emoji.txt``).
4. **elongations**: a letter typed three or more times is cut to one ("bagusss" → "bagus",
   "sooo" → "so"), or to two when only that makes a known word ("cooool" → "cool", "goood" →
   "good"); legitimate double letters ("good", "need") are never touched.
5. **informal spellings** from ``lexicon/slang.txt`` become standard words ("gak" → "tidak",
   "bgt" → "banget", "udh" → "sudah", "mantul" → "mantap").
6. runs of white space become one space.

Everything works on a whole batch at once (:func:`clean_batch`): lower-casing and slang are one
pass over the joined texts, and the Python regular expressions of the rare patterns (PII,
emoticons, elongations) run only on the texts that an Arrow (RE2, C++) scan finds them in, which is
what makes a million texts take seconds rather than minutes.  :func:`clean_text` cleans one text
with the same steps.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from importlib.resources import files

import numpy as np

EMAIL_TOKEN, URL_TOKEN, PHONE_TOKEN = "<EMAIL>", "<URL>", "<PHONE>"
TOKENS = (EMAIL_TOKEN, URL_TOKEN, PHONE_TOKEN)

# Texts of a batch are joined with this; no step matches across it (see _join).
_SEP = "\n\x00\n"

# --- PII ---------------------------------------------------------------------------------------
# Read on any case (re.I).  Order matters: e-mails first (their domain would look like a link),
# then links (a phone number inside a link goes with the link), then phone numbers.
# The local part takes every character RFC 5322 allows unquoted, so no piece of it is left over.
_EMAIL = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~.\-]+@[a-z0-9\-_]+(?:\.[a-z0-9\-_]+)+", re.I)
_TLDS = ("com|net|org|info|biz|io|co|me|ly|id|my|sg|shop|store|online|site|xyz|app|link|club|"
         "web|asia|tv|cc|ai|gl|gg|to|page|dev|top|live|vip")
_LABEL = r"[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?"
_URL = re.compile(
    r"(?:[a-z][a-z0-9+.\-]*://|www\d{0,3}\.)[^\s<>\"]*"  # with a scheme, or www.
    rf"|(?<![\w@.\-])(?:{_LABEL}\.)+[a-z]{{2,}}/[^\s<>\"]*"  # a bare domain with a path
    rf"|(?<![\w@.\-])(?:{_LABEL}\.)+(?:{_TLDS})\b(?![.\-]\w)",  # or with a common TLD
    re.I)
# Digits grouped by single separators (space, dot, dash, slash) and brackets: "(021) 555-1234".
_G = r"(?:[ .\-/]?\(|\)[ .\-/]?|[ .\-/])?"
_PHONE = re.compile(
    r"(?<!\d)"
    r"(?!\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}(?!\d))"  # not a date (30-06-2026)
    r"(?!\d{1,3}(?:[.,]\d{3})+(?![\d]))"  # not an amount with thousands (1.250.000)
    r"(?:\(?\+ ?\(?\d(?:" + _G + r"\d){6,16}"  # international, with + (also +62)
    r"|\(?0(?:" + _G + r"\d){8,14}"  # 0812..., (021) 555..., 00 61 ...
    r"|62 ?8(?:" + _G + r"\d){7,12}"  # 62812...
    r"|\d(?:" + _G + r"\d){9,18}"  # any other 10+ digits: a phone, account or card number
    r")(?!\d)")

# --- tables ------------------------------------------------------------------------------------
_SKIN_AND_SELECTORS = re.compile("[\ufe0e\ufe0f\u200d\U0001f3fb-\U0001f3ff]")


def _table(name: str) -> list[list[str]]:
    """Rows of a packaged tab-separated table; '#' lines and blank lines skipped."""
    text = files("kenal.text").joinpath("lexicon", name).read_text(encoding="utf-8")
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.rstrip("\n").split("\t")
        if any(f != f.strip() or not f for f in fields[:2]):
            raise ValueError(f"lexicon/{name} line {number}: {line!r} is not 'term<TAB>value'")
        rows.append(fields)
    return rows


@cache
def slang() -> dict[str, str]:
    """Informal spelling → standard form (lexicon/slang.txt)."""
    out: dict[str, str] = {}
    for word, standard, *_ in _table("slang.txt"):
        if word != word.lower() or word == standard or word in out:
            raise ValueError(f"lexicon/slang.txt: bad or repeated entry {word!r}")
        out[word] = standard
    return out


@cache
def emoji_weights() -> dict[str, float]:
    """Emoji → sentiment weight (lexicon/emoji.txt)."""
    return {e: float(w) for e, w, *_ in _table("emoji.txt")}


@cache
def emoticons() -> dict[str, str]:
    """Emoticon (lower case) → emoji (lexicon/emoticons.txt)."""
    out = {e: emoji for e, emoji, *_ in _table("emoticons.txt")}
    unknown = set(out.values()) - set(emoji_weights())
    if unknown:
        raise ValueError(f"lexicon/emoticons.txt: emoji without a weight in emoji.txt: {unknown}")
    return out


@cache
def _emoticon_re() -> re.Pattern:
    # Longest first; an emoticon that starts (ends) with a letter or digit must not be glued to
    # a word on that side ("xd" in "xdx"), others may touch words ("rusak:(").
    parts = []
    for e in sorted(emoticons(), key=len, reverse=True):
        left = r"(?<!\w)" if e[0].isalnum() else ""
        right = r"(?!\w)" if e[-1].isalnum() else ""
        parts.append(left + re.escape(e) + right)
    return re.compile("|".join(parts))


@cache
def _slang_re() -> re.Pattern:
    words = sorted(slang(), key=len, reverse=True)
    return re.compile(r"(?<![\w'])(?:" + "|".join(map(re.escape, words)) + r")(?![\w'])")


@cache
def vocabulary() -> frozenset[str]:
    """Words kenal knows: both language lexicons, the sentiment lexicons, slang and modifiers."""
    from kenal.text.language import lexicon
    from kenal.text.sentiment import lexicon as sentiment_lexicon

    words = set(lexicon()) | set(slang()) | {w for v in slang().values() for w in v.split()}
    words |= {w for term in sentiment_lexicon().terms for w in re.split(r"[ _\-]", term)}
    return frozenset(words)


# --- steps -------------------------------------------------------------------------------------
_ELONGATED = re.compile(r"[a-z]*([a-z])\1\1[a-z]*")
_RUN3 = re.compile(r"([a-z])\1{2,}")
_SPACES = re.compile(r"\s+")


def _shorten(match: re.Match) -> str:
    word = match.group(0)
    one = _RUN3.sub(r"\1", word)
    known = vocabulary()
    if one in known:
        return one
    two = _RUN3.sub(r"\1\1", word)
    return two if two in known else one


def mask_pii(text: str) -> str:
    """`text` with e-mail addresses, links and phone numbers replaced by <EMAIL>, <URL>, <PHONE>."""
    text = _EMAIL.sub(EMAIL_TOKEN, text)
    text = _URL.sub(URL_TOKEN, text)
    return _PHONE.sub(PHONE_TOKEN, text)


def _clean_joined(s: str, normalise_slang: bool = True) -> str:
    """All cleaning steps on one string (one text, or a batch joined with _SEP)."""
    s = mask_pii(s.lower())
    # mask_pii upper-cases nothing else, and the tokens are upper case: lower-casing first keeps
    # them intact.
    return _finish(_SKIN_AND_SELECTORS.sub("", s.replace("\u2019", "'").replace("\u2018", "'")),
                   normalise_slang)


def _finish(s: str, normalise_slang: bool) -> str:
    s = _emoticon_re().sub(lambda m: f" {emoticons()[m.group(0)]} ", s)
    s = _ELONGATED.sub(_shorten, s)
    if normalise_slang:
        table = slang()
        s = _slang_re().sub(lambda m: table[m.group(0)], s)
    return s


def clean_text(text: str | None) -> str:
    """One text cleaned as described in the module docstring ("" for None)."""
    return _SPACES.sub(" ", _clean_joined(text or "")).strip()


def clean_texts(texts: Iterable[str | None]) -> list[str]:
    """Many texts cleaned at once ("" for None or NaN)."""
    cleaned, n = clean_batch(texts)
    return [] if n == 0 else [_SPACES.sub(" ", p).strip() for p in cleaned.split("\x00")]


# RE2 patterns (Arrow) that every text one of the Python steps would change matches: only those
# texts go through the Python regular expressions, the rest are left alone at C++ speed.
_NEEDS = {
    "email": "@",
    "url": r"://|www\d{0,3}\.|[a-z0-9]\.[a-z]{2,}",
    "phone": r"\d(?:[ .\-/()]{0,2}\d){6}",
}


@cache
def _needs_finish() -> str:
    emot = "|".join(re.escape(e) for e in emoticons())
    elongated = "|".join(c * 3 for c in "abcdefghijklmnopqrstuvwxyz")
    return f"{emot}|{elongated}|[\u2018\u2019\ufe0e\ufe0f\u200d\U0001f3fb-\U0001f3ff]"


def clean_batch(texts: Iterable[str | None], normalise_slang: bool = True) -> tuple[str, int]:
    """(the texts cleaned and joined with "\\n\\x00\\n", their number): what the batch scorers read.

    Each step runs on the joined batch or, for the rare patterns (PII, emoticons, elongations),
    only on the texts an Arrow (RE2) scan finds them in.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    joined, n = _join(texts)
    if n == 0:
        return "", 0
    items = joined.lower().split(_SEP)
    for name, pattern in (("email", _EMAIL), ("url", _URL), ("phone", _PHONE)):
        hit = pc.match_substring_regex(pa.array(items, pa.large_string()), _NEEDS[name])
        for i in np.flatnonzero(hit.to_numpy(zero_copy_only=False)):
            items[i] = pattern.sub(_MASKS[name], items[i])
    hit = pc.match_substring_regex(pa.array(items, pa.large_string()), _needs_finish())
    for i in np.flatnonzero(hit.to_numpy(zero_copy_only=False)):
        t = _SKIN_AND_SELECTORS.sub("", items[i].replace("\u2019", "'").replace("\u2018", "'"))
        items[i] = _finish(t, normalise_slang=False)
    joined = _SEP.join(items)
    if normalise_slang:
        table = slang()
        joined = _slang_re().sub(lambda m: table[m.group(0)], joined)
    return joined, n


_MASKS = {"email": EMAIL_TOKEN, "url": URL_TOKEN, "phone": PHONE_TOKEN}


def _join(texts: Iterable[str | None]) -> tuple[str, int]:
    """The texts joined with _SEP (None, NaN and non-strings as ""; NUL characters dropped)."""
    items = [t if isinstance(t, str) else "" for t in texts]
    joined = _SEP.join(items)
    if joined.count("\x00") != max(len(items) - 1, 0):
        joined = _SEP.join(t.replace("\x00", "") for t in items)
    return joined, len(items)

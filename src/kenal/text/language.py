"""Language of customer texts: Indonesian, English, a mix of both, or other.

Reviews and chats are short, informal and often code-mixed ("delivery-nya lama bgt"), which
defeats character n-gram identifiers trained on clean prose.  Counting hits in two word lists
(``lexicon/id.txt``, ``lexicon/en.txt``) is transparent, needs no model, and runs as a query:

1. tokens are the runs of ASCII letters, lower-cased (so "delivery-nya" gives "delivery", "nya");
2. a token is Indonesian if it is in the Indonesian lexicon or ends in the clitic "-nya"
   (barangnya, harganya), English if it is in the English lexicon; other tokens do not count;
3. no hits → "other"; both languages hit and the smaller one has at least ``mixed_share`` of
   the hits → "mixed"; else the language with more hits (a tie without mixing cannot happen).

The same rule is written three times: :func:`detect_language` in Python for one text,
:func:`detect_languages` for a batch with Arrow kernels (no Python loop per text or token), and
:func:`language_table` as an Ibis expression that runs where the interactions live.  Tests
check that they agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from importlib.resources import files

import ibis
import numpy as np

LANGUAGES = ("id", "en", "mixed", "other")
# Share of the hits the minority language needs for "mixed".  At 0.2 one English word among
# four Indonesian ones makes a text mixed ("harga naik terus, gak worth"), one among six does
# not.  Chosen on the synthetic sample: accuracy 0.986 at 0.2, 0.982 at 0.25, 0.95 at 0.3.
MIXED_SHARE = 0.2

_TOKEN = re.compile(r"[A-Za-z]+")
_NYA = "[a-z]{2,}nya"  # a word with the Indonesian clitic -nya, 5+ letters (harganya)
_WORD = re.compile(r"[a-z]+")


@cache
def lexicon() -> dict[str, str]:
    """Word → "id" or "en", read from the packaged lexicon files (comments start with #)."""
    words: dict[str, str] = {}
    for lang in ("id", "en"):
        text = files("kenal.text").joinpath("lexicon", f"{lang}.txt").read_text(encoding="utf-8")
        for line in text.splitlines():
            word = line.strip()
            if not word or word.startswith("#"):
                continue
            if not _WORD.fullmatch(word):  # tokens are letter runs: anything else never hits
                raise ValueError(f"lexicon {lang}.txt: {word!r} is not a lower-case a-z word")
            if words.setdefault(word, lang) != lang:
                raise ValueError(f"lexicon: {word!r} is in both id.txt and en.txt")
    return words


def detect_language(text: str | None, mixed_share: float = MIXED_SHARE) -> str:
    """Language of one text: "id", "en", "mixed" or "other" (also for None and "")."""
    _check_share(mixed_share)
    words = lexicon()
    n_id = n_en = 0
    for token in _TOKEN.findall(text or ""):
        token = token.lower()
        lang = words.get(token) or ("id" if re.fullmatch(_NYA, token) else None)
        n_id += lang == "id"
        n_en += lang == "en"
    if n_id + n_en == 0:
        return "other"
    if min(n_id, n_en) >= 1 and min(n_id, n_en) >= mixed_share * (n_id + n_en):
        return "mixed"
    return "id" if n_id > n_en else "en"


def language_table(t: ibis.Table, key: str = "interaction_id", text: str = "text",
                   mixed_share: float = MIXED_SHARE) -> ibis.Table:
    """(key, language) for every row of `t`, computed in the engine by the rule above.

    Rows with null or empty text, or no lexicon hit, get "other".  `key` should be unique.
    """
    _check_share(mixed_share)
    words = lexicon()
    lex = ibis.memtable({"word": list(words), "lang": list(words.values())})
    # One row per token; rows whose text has no letters produce none and come back below.
    tokens = t.select(t[key], token=t[text].re_split("[^A-Za-z]+").unnest())
    tokens = tokens.filter(tokens.token != "").mutate(token=tokens.token.lower())
    hits = tokens.left_join(lex, tokens.token == lex.word)
    lang = ibis.coalesce(hits.lang, ibis.cases((hits.token.re_search(f"^{_NYA}$"), "id")))
    hits = hits.select(hits[key], lang=lang).filter(lambda h: h.lang.notnull())
    counts = hits.group_by(key).aggregate(n_id=(hits.lang == "id").sum(),
                                          n_en=(hits.lang == "en").sum())
    rows = t.select(t[key])
    c = rows.left_join(counts, rows[key] == counts[key]).select(
        rows[key], n_id=counts.n_id.fill_null(0), n_en=counts.n_en.fill_null(0))
    minority = ibis.least(c.n_id, c.n_en)
    # Multiplied as doubles, as Python does: SQL would read a bare 0.2 as an exact decimal.
    needed = (c.n_id + c.n_en).cast("float64") * mixed_share
    language = ibis.cases(
        (c.n_id + c.n_en == 0, "other"),
        ((minority >= 1) & (minority >= needed), "mixed"),
        (c.n_id > c.n_en, "id"),
        else_="en",
    )
    return c.select(c[key], language=language)


def _check_share(mixed_share: float) -> None:
    # Above one half the minority could never qualify and ties would fall to "en".
    if not 0 < mixed_share <= 0.5:
        raise ValueError(f"mixed_share must be in (0, 0.5], got {mixed_share}")


@cache
def _lexicon_arrays():
    import pyarrow as pa

    words = lexicon()
    return pa.array(list(words)), np.array([lang == "id" for lang in words.values()], dtype=bool)


def detect_languages(texts: Iterable[str | None], mixed_share: float = MIXED_SHARE) -> np.ndarray:
    """"id", "en", "mixed" or "other" for each text (None and "" are "other"), as an object array."""
    import pyarrow as pa
    import pyarrow.compute as pc

    _check_share(mixed_share)
    items = [t if isinstance(t, str) else "" for t in texts]
    n = len(items)
    if n == 0:
        return np.zeros(0, dtype=object)
    arr = pa.array(items, pa.large_string())
    # Letter runs of the original text, then lower-cased (as detect_language does).
    pieces = pc.split_pattern_regex(arr, "[^A-Za-z]+")
    owner = pc.list_parent_indices(pieces).to_numpy()
    tokens = pc.utf8_lower(pc.list_flatten(pieces))
    words, is_id = _lexicon_arrays()
    found = pc.index_in(tokens, value_set=words)  # position in the lexicon, null if absent
    known = found.is_valid().to_numpy(zero_copy_only=False)
    at = pc.fill_null(found, 0).to_numpy(zero_copy_only=False)
    nya = pc.match_substring_regex(tokens, "^[a-z]{2,}nya$").to_numpy(zero_copy_only=False)
    id_hit = (known & is_id[at]) | (~known & nya)
    en_hit = known & ~is_id[at]
    n_id = np.bincount(owner, weights=id_hit, minlength=n)[:n]
    n_en = np.bincount(owner, weights=en_hit, minlength=n)[:n]
    total = n_id + n_en
    minority = np.minimum(n_id, n_en)
    out = np.where(n_id > n_en, "id", "en").astype(object)
    out[(minority >= 1) & (minority >= mixed_share * total)] = "mixed"
    out[total == 0] = "other"
    return out

"""Spam and junk among customer texts, flagged by rules that run as one query in the store.

Three kinds are common in review and chat exports, and each has a rule that is cheap and
explainable:

- ``link_only``: nothing but a link ("http://bit.ly/x7Qp2"): a URL and no letters once URLs are
  removed;
- ``too_short``: keyboard junk ("asdf", "tes tes", "zzz", "!!!"): fewer than ``MIN_LETTERS``
  letters once URLs are removed and not one word of the language lexicons, so a short genuine
  review ("Mantap!", "Good") is not junk;
- ``repeated_promotion``: one advert pasted by many accounts: the same normalised text
  (lower case, whitespace collapsed, trimmed) from at least ``min_customers`` distinct customers,
  and carrying a way to reach the spammer (a link, an e-mail address or a phone number).  The
  contact requirement spares genuine texts that many customers happen to write alike
  ("Barang sesuai pesanan.").

A text gets the first reason that applies, in that order.  Null text is not spam: missing
values are reported by their own check.  Letters are Unicode letters (``\\p{L}``, RE2 syntax,
as in DuckDB and Spark), so a short review in another script is judged by its letters too.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from kenal.text.language import language_table

LINK_ONLY = "link_only"
TOO_SHORT = "too_short"
REPEATED_PROMOTION = "repeated_promotion"
# Reason → what it means, for reports; in priority order.
REASONS = {
    LINK_ONLY: "only a link, no words",
    TOO_SHORT: "too short to mean anything (keyboard junk, test posts)",
    REPEATED_PROMOTION: "the same promotion with a link or contact posted by many accounts",
}
MIN_LETTERS = 10

# A URL: with a scheme, starting with www., or a bare domain followed by a path (bit.ly/abc).
URL = r"(?i)(https?://|www\.)\S+|\b[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}/\S*"
EMAIL = r"(?i)\b[a-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}\b"
# An Indonesian mobile number: 08…, 628… or +62 8…, 9-13 digits after the prefix, optionally
# grouped by spaces, dots or dashes (0812-9999-0000, +62 812 3456 7890, 6281299990000).
PHONE = r"(\+62|\b62|\b0)[ .-]?8[0-9]([ .-]?[0-9]){6,11}\b"


def spam_flags(t: ibis.Table, key: str = "interaction_id", min_customers: int = 5,
               text: str = "text", customer: str = "customer_id") -> ibis.Table:
    """(key, spam_reason) for the rows of `t` that are spam, one reason per row."""
    body = t[text]
    letters = body.re_replace(URL, "").re_replace(r"[^\p{L}]", "").length()
    norm = _normalise(body)
    # Texts posted by many distinct accounts: counted once per normalised text, then joined back.
    by_text = t.filter(body.notnull()).group_by(norm=norm).aggregate(
        n_customers=t[customer].nunique())
    crowd = by_text.filter(by_text.n_customers >= min_customers).select("norm", crowded=True)
    link = body.re_search(URL)
    contact = link | body.re_search(EMAIL) | body.re_search(PHONE)
    rows = t.filter(body.notnull()).select(t[key], norm=norm, letters=letters, link=link,
                                           contact=contact)
    rows = rows.left_join(crowd, rows.norm == crowd.norm)
    # Languages only of the few short texts: a known word makes a short text genuine.
    short = t.semi_join(rows.filter(rows.letters < MIN_LETTERS).select(key), key)
    worded = language_table(short, key=key, text=text)
    worded = worded.filter(worded.language != "other").select(key, has_word=True)
    rows = rows.left_join(worded, key).drop(f"{key}_right")
    reason = ibis.cases(
        (rows.link & (rows.letters == 0), LINK_ONLY),
        ((rows.letters < MIN_LETTERS) & rows.has_word.isnull(), TOO_SHORT),
        (rows.crowded.notnull() & rows.contact, REPEATED_PROMOTION),
    )
    flags = rows.select(rows[key], spam_reason=reason)
    return flags.filter(flags.spam_reason.notnull())


def _normalise(s: ir.StringValue) -> ir.StringValue:
    """Lower case, runs of whitespace as one space, trimmed: copies that differ only so match."""
    return s.lower().re_replace(r"\s+", " ").strip()

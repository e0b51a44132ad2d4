"""Free-text return reasons (Indonesian and English) mapped to a few categories.

Return reasons arrive as whatever the customer or the clerk typed: "barang rusak", "Damaged on
arrival", "kekecilan".  Reports and features need a handful of stable categories, so each
category has a list of keyword regexes, tried in the order of ``KEYWORDS``; the first category
with a match wins, a reason matching none is "other", and a missing or blank reason is
"unspecified".

Decisions a reader may want to know:

- priority follows how specific a complaint is: damage beats everything ("salah kirim dan
  rusak" is damaged), a wrong item beats a description mismatch, a size problem beats "tidak
  sesuai" ("ukuran tidak sesuai" is size_fit), late delivery beats a changed mind ("telat
  datang, sudah beli di tempat lain": the lateness caused the change of mind);
- poor quality ("kualitas jelek", "poor quality") is not_as_described: the item works but is
  worse than the listing promised; damaged_defective is kept for broken or not working;
- "salah warna" / "wrong colour" is wrong_item: the shop sent a variant other than the one
  ordered, whereas "warna beda dengan foto" (the listing misled) is not_as_described;
- "salah beli" / "ordered by mistake" is changed_mind: the buyer's error, not the shop's.

The keyword table is shared by the Ibis expression (:func:`reason_category`, run in the store)
and the Python mirror (:func:`categorise_reason`).  Patterns are lower case, use only syntax that
RE2 (DuckDB) and Python's ``re`` read alike, and are matched against the lower-cased reason.
"""

from __future__ import annotations

import re

import ibis
import ibis.expr.types as ir

# Category → short label for reports, in report order.
CATEGORIES = {
    "damaged_defective": "Damaged or defective",
    "wrong_item": "Wrong item sent",
    "not_as_described": "Not as described",
    "size_fit": "Size or fit",
    "changed_mind": "Changed mind",
    "late_delivery": "Late delivery",
    "other": "Other reason",
    "unspecified": "No reason given",
}

_NOT = r"\b(tidak|tdk|gak|ga|gk|nggak|ngga|enggak|engga|kurang)"  # Indonesian "not"
# Category → keyword regexes, in matching priority (see the module docstring).
KEYWORDS: dict[str, tuple[str, ...]] = {
    "damaged_defective": (
        r"rusak", r"cacat", r"pecah", r"retak", r"robek", r"sobek", r"penyok", r"bocor",
        r"\bmati\b", rf"{_NOT} (bisa )?(berfungsi|nyala|menyala|jalan)", r"\berror",
        r"broke", r"damage", r"defect", r"crack", r"\btorn\b", r"\bdent", r"leak", r"faulty",
        r"(doesn'?t|does not|not|stopped) work", r"dead on arrival",
    ),
    "wrong_item": (
        r"salah (kirim|barang|item|produk|warna|ukuran|size|varian|model|tipe|type|pesanan)",
        r"(kirim|barang|item|produk) salah", r"tertukar", r"\bwrong\b",
        r"bukan (yang|yg) (saya |sy |aku )?(pesan|order|beli)", r"not what i ordered",
        r"(different|incorrect) (item|product)",
    ),
    "size_fit": (
        r"ukuran", r"\bsize", r"kekecilan", r"kebesaran", r"kesempitan", r"kelonggaran",
        r"kepanjangan", r"kependekan", r"sempit", r"longgar",
        r"too (small|big|large|tight|loose|short|long)", r"\bfit(s|ting)?\b",
    ),
    "not_as_described": (
        rf"{_NOT} sesuai", r"\bbeda", r"berbeda", r"\bjelek", r"different from",
        r"not as (described|pictured|shown|advertised)", r"(doesn'?t|does not) match",
        rf"kualitas(nya)? (jelek|buruk|rendah|{_NOT} bagus)", r"(poor|bad|low) quality",
        r"palsu", r"\bkw\b", r"\bfake\b", r"not original",
    ),
    "late_delivery": (
        r"telat", r"terlambat", r"kelamaan", r"lama (sampai|sampe|datang|dateng|dikirim)",
        r"(pengiriman|kiriman) lama", r"belum (sampai|sampe|datang|dateng)", r"\blate\b",
        r"delay", r"too long", r"never (arrived|came)",
    ),
    "changed_mind": (
        r"berubah pikiran", r"ganti pikiran", rf"{_NOT} jadi", r"\bbatal",
        r"salah (beli|pesan|order)", rf"{_NOT} (butuh|perlu)", r"beli di (tempat|toko) lain",
        r"chang(ed|e of) (my )?mind", r"no longer need", r"(don'?t|do not) need",
        r"by mistake", r"(found|cheaper) (it )?elsewhere",
    ),
}
_PATTERNS = {category: "|".join(words) for category, words in KEYWORDS.items()}
# re.ASCII: \b and \s mean what they mean in RE2, so both versions draw the same boundaries.
_COMPILED = {category: re.compile(p, re.ASCII) for category, p in _PATTERNS.items()}
_BLANK = r"^[ \t\r\n]*$"


def reason_category(col: ir.StringValue) -> ir.StringValue:
    """The category of each return reason, as an Ibis expression (see :data:`CATEGORIES`)."""
    text = col.lower()
    return ibis.cases(
        (col.isnull() | col.re_search(_BLANK), "unspecified"),
        *((text.re_search(p), category) for category, p in _PATTERNS.items()),
        else_="other",
    )


def categorise_reason(text: str | None) -> str:
    """The category of one return reason, by the same rules as :func:`reason_category`."""
    if text is None or re.search(_BLANK, text):
        return "unspecified"
    text = text.lower()
    return next((c for c, p in _COMPILED.items() if p.search(text)), "other")

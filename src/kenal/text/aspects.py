"""What a customer text is about (aspects) and whether it is a complaint, with the phrases why.

**Aspects**: delivery, price, product_quality, service, payment, refund_return.  Each has a list of
keyword patterns in Indonesian and English (:data:`ASPECT_KEYWORDS`), matched on the cleaned
text (:mod:`kenal.text.clean`: lower case, "gak" → "tidak", PII masked).  A text has every
aspect one of whose patterns it contains, and the first matching phrase is kept as evidence
("shipping fee" is about price and about delivery).  The
return-reason keywords of :mod:`kenal.text.return_reasons` are reused where their categories are
an aspect: late delivery is about delivery; damaged, wrong, not-as-described and size problems are
about the product.

**Complaints** follow the usual service-desk definition (as in ISO 10002): an expression of
dissatisfaction for which a response or resolution is expected.  A text is a complaint when

- it is negative (:mod:`kenal.text.sentiment`) or names a problem (:data:`PROBLEM_PHRASES`:
  "rusak", "belum sampai", "tidak sesuai", "kecewa", "broken", "never arrived", "wrong item",
  "disappointed", ...), **and** it asks for something to be done (:data:`REQUEST_PHRASES`:
  "tolong", "mohon", "minta", "refund", "ganti", "please", "I want", "asap", ...); or
- it says it is one or escalates (:data:`ESCALATION_PHRASES`: "komplain", "lapor", "YLKI",
  "complaint", "report", "escalate", ...) and is not positive.

So "Kecewa, barangnya rusak. Mohon dibantu refund." is a complaint, while "Kecewa, barangnya
rusak. Kapok." is negative feedback that asks for nothing, and "Mau tanya prosedur retur" is a
question.  The phrases that decided it are returned with the flag.

Everything runs on the batch at once: one RE2 pass (Arrow, C++) over all texts per aspect and
per complaint signal; the first phrase found is kept as the evidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import numpy as np

from kenal.text import clean as _clean
from kenal.text.return_reasons import KEYWORDS as _RETURN_KEYWORDS
from kenal.text.sentiment import Scores, score_cleaned

ASPECTS = ("delivery", "price", "product_quality", "service", "payment", "refund_return")

# Patterns on cleaned text (lower case, informal spellings normalised).  A pattern is a regex
# fragment matched as whole words: "kirim" matches "kiriman" only when written "kirim\w*".
ASPECT_KEYWORDS: dict[str, tuple[str, ...]] = {
    "delivery": (
        r"(pengiriman|kiriman|dikirim|terkirim|kirim|kirimnya)\w*", r"paket\w*", r"kurir\w*",
        r"ekspedisi\w*", r"resi\w*", r"(jne|j&t|jnt|sicepat|anteraja|gosend|grabexpress|ninja xpress)",
        r"diantar\w*|pengantaran", r"(sudah|belum|cepat|lama|baru) (sampai|datang|tiba)",
        r"sampai (dengan )?(aman|selamat|rumah|tujuan)", r"packing\w*", r"kemasan\w*", r"kardus\w*",
        r"bungkus\w*", r"estimasi\w*",
        r"deliver\w*", r"shipping\w*", r"shipped|shipment\w*",
        r"courier\w*", r"parcel\w*", r"package\w*", r"packaging", r"arriv\w+", r"tracking",
        r"on time", r"next day", r"wrapped", r"box",
    ),
    "price": (
        r"harga\w*", r"mahal\w*", r"kemahalan", r"murah\w*", r"terjangkau", r"diskon\w*",
        r"promo\w*", r"voucher\w*", r"ongkir\w*", r"ongkos kirim", r"biaya\w*", r"cashback",
        r"gratis ongkir", r"worth\w*", r"value for money", r"pric\w+", r"cost\w*", r"expensive",
        r"cheap\w*", r"discount\w*", r"affordable", r"overpriced", r"(shipping|delivery) fee",
        r"fees?", r"sale",
    ),
    "product_quality": (
        r"kualitas\w*", r"quality", r"bahan\w*", r"jahitan\w*", r"produk\w*", r"product\w*",
        r"original|ori|asli|palsu|kw", r"awet", r"berfungsi", r"ukuran\w*", r"size\w*",
        r"warna\w*", r"deskripsi", r"(sesuai|seperti) (foto|gambar)", r"model\w*", r"material",
        r"(the )?item (was|is|arrived)", r"works?|worked|working", r"build", r"durable", r"sturdy",
        r"fake|genuine|authentic", r"as described", r"as ordered", r"sesuai (pesanan|order)",
    ),
    "service": (
        r"cs", r"customer service", r"service", r"admin\w*", r"pelayanan\w*", r"layanan\w*",
        r"dilayani", r"melayani", r"pelayan", r"staf\w*", r"staff", r"karyawan\w*", r"kasir\w*",
        r"responsif|responsive", r"(fast|slow|quick|cepat|lambat|lama|tidak ada|no) respon\w*",
        r"(tidak|belum|lambat|lama) (di)?balas\w*", r"chat\w*", r"jam buka", r"opening hours",
        r"support", r"agent\w*", r"cashier\w*", r"never (replied|responded|answered)",
        r"rude|polite|helpful", r"call center", r"hotline", r"answers", r"template",
        r"(ganti|ubah|change|update) (alamat|address)",
    ),
    "payment": (
        r"bayar\w*|pembayaran\w*|dibayar|membayar", r"transfer\w*", r"virtual account|va",
        r"qris", r"gopay|ovo|shopeepay|linkaja|(via|pakai|lewat|dengan) dana", r"e-?wallet", r"kartu kredit|kartu debit",
        r"credit card|debit card", r"cicilan\w*", r"installment\w*|instalment\w*", r"paylater",
        r"cod", r"cash on delivery", r"checkout\w*", r"payment\w*", r"pay", r"paid|paying",
        r"(double )?charge[ds]?", r"saldo\w*", r"balance", r"tagihan\w*", r"invoice",
        r"billing",
    ),
    "refund_return": (
        r"refund\w*", r"retur\w*", r"return\w*", r"pengembalian (dana|barang|uang)",
        r"uang kembali", r"money back", r"tukar\w*", r"penukaran", r"exchange\w*",
        r"(barang )?diganti", r"ganti barang", r"replacement", r"batal\w*|pembatalan",
        r"cancel\w*",
    ),
}

# A problem named, whatever the sentiment score says.
PROBLEM_PHRASES: tuple[str, ...] = (
    r"kecewa\w*", r"mengecewakan", r"rusak", r"cacat", r"pecah", r"penyok", r"bocor",
    r"belum (sampai|datang|tiba|masuk|diterima|dikirim|diproses|dibalas|ada kabar)",
    r"tidak (sesuai|berfungsi|bisa dipakai|dikirim|dibalas|ada respon)", r"salah kirim",
    r"hilang", r"penipu\w*|tertipu|ditipu", r"gagal", r"kepotong|terpotong",
    r"disappoint\w*", r"broken|broke|damaged|defective|faulty", r"never (arrived|came|received)",
    r"(not|never|haven't|hasn't|didn't) (arrived|received|been delivered|delivered)",
    r"wrong (item|size|colou?r|order|product)", r"missing", r"(charged|deducted) twice",
    r"double charge\w*", r"still waiting", r"scam\w*", r"not working|stopped working",
)
# Something asked of the company: a fix, an answer, money back, a replacement.
REQUEST_PHRASES: tuple[str, ...] = (
    r"tolong", r"mohon", r"minta", r"harap", r"segera", r"ditindaklanjuti", r"tindak lanjut",
    r"follow[ -]?up", r"dicek", r"dibantu", r"diganti|ganti rugi|gantikan", r"kembalikan",
    r"please", r"asap", r"i (want|need|expect|demand|request)", r"fix",
    r"replacement", r"resolve", r"sort (this|it) out", r"get back to me",
)
ESCALATION_PHRASES: tuple[str, ...] = (
    r"komplain\w*", r"keluhan", r"lapor\w*", r"ylki", r"bpsk", r"somasi", r"viral\w*",
    r"complain\w*", r"report(ed|ing)? (this|you|it)", r"escalat\w*", r"legal action",
    r"consumer (protection|rights)",
)


def _re2(pattern: str) -> str:
    """A pattern for RE2 (Arrow): groups made non-capturing, so the only group is the named one."""
    return re.sub(r"(?<!\\)\((?!\?)", "(?:", pattern)


def _words(patterns: Iterable[str]) -> str:
    """Alternatives matched as whole words."""
    return r"\b(?:" + "|".join(f"(?:{_re2(p)})" for p in patterns) + r")\b"


# Return-reason categories that are an aspect; their patterns (kenal.text.return_reasons) are
# written to match anywhere in a word ("rusak" in "kerusakan"), so they are used as they are.
RETURN_REASON_ASPECTS = {
    "late_delivery": "delivery", "damaged_defective": "product_quality",
    "wrong_item": "product_quality", "not_as_described": "product_quality",
    "size_fit": "product_quality",
}


@cache
def _patterns() -> dict[str, str]:
    """Name (an aspect, or problem / request / escalation) → RE2 pattern with one group "m"."""
    out = {}
    for aspect, patterns in ASPECT_KEYWORDS.items():
        extra = [_re2(p) for c, a in RETURN_REASON_ASPECTS.items() if a == aspect
                 for p in _RETURN_KEYWORDS[c]]
        out[aspect] = "(?P<m>" + "|".join([_words(patterns), *extra]) + ")"
    for name, patterns in (("problem", PROBLEM_PHRASES), ("request", REQUEST_PHRASES),
                           ("escalation", ESCALATION_PHRASES)):
        out[name] = "(?P<m>" + _words(patterns) + ")"
    return out


@dataclass
class TextSignals:
    """Per text: sentiment, aspects with the phrase that named each, complaint with its phrases."""

    sentiment: Scores
    aspects: list[list[str]]  # aspect names, in ASPECTS order
    aspect_phrases: list[dict[str, str]]  # aspect -> the first phrase that names it
    complaint: np.ndarray  # bool
    complaint_phrases: list[list[str]]  # the problem, request and escalation phrases found


def _first_match(result) -> list[str | None]:
    # A text without a match is a null struct; its field array alone would read "" there.
    found = result.is_valid().to_numpy(zero_copy_only=False)
    values = result.field("m").to_pylist()
    return [v if ok else None for v, ok in zip(values, found)]


def analyse_cleaned(cleaned_joined: str, n: int, sentiment: Scores | None = None) -> TextSignals:
    """Sentiment, aspects and complaints of `n` cleaned texts joined with NUL (see clean_batch).

    `sentiment` replaces the lexicon's scores (a trained model's, :mod:`kenal.text.model`); the
    complaint rule then reads it."""
    import pyarrow as pa
    import pyarrow.compute as pc

    scores = score_cleaned(cleaned_joined, n) if sentiment is None else sentiment
    texts = pa.array(cleaned_joined.split("\x00") if n else [], pa.large_string())
    # One RE2 pass over all texts per aspect and per complaint signal: the first match, or null.
    first = {name: _first_match(pc.extract_regex(texts, pattern)) for name, pattern in _patterns().items()}
    aspect_phrases = [{a: first[a][i] for a in ASPECTS if first[a][i] is not None} for i in range(n)]
    aspects = [list(p) for p in aspect_phrases]
    has = {k: np.array([v is not None for v in first[k]], dtype=bool)
           for k in ("problem", "request", "escalation")}
    negative = scores.label == "negative"
    positive = scores.label == "positive"
    complaint = (((negative | has["problem"]) & has["request"])
                 | (has["escalation"] & ~positive))
    why = [[first[k][i] for k in ("problem", "request", "escalation") if first[k][i] is not None]
           if complaint[i] else [] for i in range(n)]
    return TextSignals(scores, aspects, aspect_phrases, complaint, why)


def analyse_texts(texts: Iterable[str | None]) -> TextSignals:
    """Sentiment, aspects and complaint of many texts at once (cleaned once, for all three)."""
    return analyse_cleaned(*_clean.clean_batch(texts))


def aspects_of(text: str | None) -> dict[str, str]:
    """Aspect → the (first) phrase of one text that names it."""
    return analyse_texts([text]).aspect_phrases[0]


def is_complaint(text: str | None) -> tuple[bool, list[str]]:
    """Whether one text is a complaint, and the phrases that made it one."""
    signals = analyse_texts([text])
    return bool(signals.complaint[0]), signals.complaint_phrases[0]

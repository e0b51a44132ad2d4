"""Reviews, chats, tickets and surveys in Indonesian (formal and informal), English and mixed.

A text is assembled from phrases chosen by its planted language, sentiment, aspects and whether
it is a complaint, so the truth is known exactly.  Spam (a defect) is added separately.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kenal.sample._util import DAY, Clock, frame, ids, objects, poisson_times, take
from kenal.sample.customers import Population
from kenal.sample.segments import NAMES

LANGUAGES = ("id", "en", "mixed")
SENTIMENTS = ("positive", "neutral", "negative")
ASPECTS = ("delivery", "price", "product_quality", "service", "payment", "refund_return")
CHANNELS = ("review", "chat", "email", "call", "ticket", "survey", "social")
_CHANNEL_W = (34, 20, 11, 7, 13, 9, 6)
# P(positive, neutral, negative) by channel: support channels hear mostly about problems.
_SENTIMENT_P = {"review": (.62, .18, .20), "chat": (.15, .40, .45), "email": (.12, .38, .50),
                "call": (.10, .35, .55), "ticket": (.05, .30, .65), "survey": (.50, .30, .20),
                "social": (.40, .20, .40)}
_ASPECT_W = np.array([.24, .14, .26, .16, .08, .12])

# (language, aspect, sentiment) -> phrases.  Informal Indonesian (gak, bgt, tdk, udh) on purpose.
_P: dict[tuple[str, str, str], tuple[str, ...]] = {
    ("id", "delivery", "positive"): ("pengiriman cepat, paket sampai dengan aman",
                                     "pengiriman cepet bgt, udh sampe besoknya",
                                     "kurirnya ramah dan barang datang sesuai estimasi"),
    ("id", "delivery", "neutral"): ("pengiriman sesuai estimasi", "paket sampai hari ketiga",
                                    "mau tanya resi pengiriman saya sudah update belum"),
    ("id", "delivery", "negative"): ("pengiriman lama bgt, telat 5 hari dari estimasi",
                                     "paket gak sampe2, kurir tdk bisa dihubungi",
                                     "kardusnya penyok pas sampai"),
    ("id", "price", "positive"): ("harganya terjangkau", "harga murah tapi kualitas oke",
                                  "diskonnya lumayan bgt"),
    ("id", "price", "neutral"): ("harganya standar", "harga sama dengan toko lain",
                                 "apakah ada promo gajian bulan ini"),
    ("id", "price", "negative"): ("harganya kemahalan dibanding toko sebelah",
                                  "ongkirnya mahal bgt", "harga naik terus, gak worth"),
    ("id", "product_quality", "positive"): ("barangnya bagus, sesuai deskripsi", "kualitas mantap",
                                            "produknya original dan berfungsi dengan baik",
                                            "bahannya adem, jahitannya rapi"),
    ("id", "product_quality", "neutral"): ("barang sesuai pesanan, biasa aja",
                                           "kualitasnya standar", "ukurannya pas, warnanya sedikit beda"),
    ("id", "product_quality", "negative"): ("barangnya rusak pas diterima",
                                            "kualitasnya jelek, gak sesuai foto",
                                            "baru dipakai seminggu udh rusak",
                                            "ukuran tidak sesuai size chart"),
    ("id", "service", "positive"): ("CS-nya ramah dan responsif", "pelayanan toko sangat memuaskan",
                                    "admin fast respon, mantap"),
    ("id", "service", "neutral"): ("pelayanan cukup", "saya mau tanya jam buka toko",
                                   "mohon info cara ganti alamat"),
    ("id", "service", "negative"): ("CS lambat balesnya", "pelayanan kasir kurang ramah",
                                    "chat gak dibales dari kemarin"),
    ("id", "payment", "positive"): ("bayar pakai QRIS gampang", "pembayaran via GoPay lancar",
                                    "proses checkout dan pembayaran mudah"),
    ("id", "payment", "neutral"): ("pembayaran lewat virtual account", "bisa bayar COD tidak ya",
                                   "mau tanya cicilan kartu kredit"),
    ("id", "payment", "negative"): ("pembayaran gagal tapi saldo kepotong", "VA tdk bisa dibayar",
                                    "kena double charge di kartu kredit"),
    ("id", "refund_return", "positive"): ("proses retur gampang dan cepat",
                                          "refund udh masuk dalam 2 hari",
                                          "tukar ukuran dibantu dengan baik"),
    ("id", "refund_return", "neutral"): ("mau tanya prosedur retur gimana",
                                         "berapa lama proses refund biasanya",
                                         "apakah bisa tukar barang di toko"),
    ("id", "refund_return", "negative"): ("refund belum masuk udh 2 minggu",
                                          "pengajuan retur ditolak tanpa alasan",
                                          "proses pengembalian dana ribet bgt"),
    ("en", "delivery", "positive"): ("fast delivery, arrived the next day", "the courier was friendly",
                                     "package arrived well wrapped and on time"),
    ("en", "delivery", "neutral"): ("delivery took the estimated three days",
                                    "can you tell me where my package is",
                                    "the parcel arrived as scheduled"),
    ("en", "delivery", "negative"): ("delivery was late by almost a week",
                                     "the package never arrived", "the box was crushed on arrival"),
    ("en", "price", "positive"): ("great value for money", "prices are cheaper than elsewhere",
                                  "the discount was really good"),
    ("en", "price", "neutral"): ("the price is about average", "is there a payday promo this month",
                                 "prices are similar to other shops"),
    ("en", "price", "negative"): ("way too expensive for what it is", "shipping fee is too high",
                                  "prices keep going up"),
    ("en", "product_quality", "positive"): ("great quality, exactly as described",
                                            "the product works perfectly", "excellent build quality"),
    ("en", "product_quality", "neutral"): ("the product is okay, nothing special",
                                           "item as ordered", "quality is average"),
    ("en", "product_quality", "negative"): ("the item arrived broken", "poor quality, not like the photos",
                                            "stopped working after a week"),
    ("en", "service", "positive"): ("customer service was very helpful", "staff in the store were friendly",
                                    "quick and polite support"),
    ("en", "service", "neutral"): ("what are your store opening hours", "how do I change my address",
                                   "service was fine"),
    ("en", "service", "negative"): ("customer service never replied", "rude staff at the cashier",
                                    "support keeps giving template answers"),
    ("en", "payment", "positive"): ("payment was quick and easy", "paying with e-wallet was smooth",
                                    "checkout was seamless"),
    ("en", "payment", "neutral"): ("do you accept credit card instalments", "can I pay cash on delivery",
                                   "paid by bank transfer"),
    ("en", "payment", "negative"): ("payment failed but my balance was deducted",
                                    "I was charged twice", "the virtual account number did not work"),
    ("en", "refund_return", "positive"): ("return process was easy", "refund arrived within two days",
                                          "exchange for another size was quick"),
    ("en", "refund_return", "neutral"): ("how do I return an item", "how long does a refund take",
                                         "can I exchange it in the store"),
    ("en", "refund_return", "negative"): ("still waiting for my refund after two weeks",
                                          "my return request was rejected for no reason",
                                          "the refund process is a nightmare"),
    ("mixed", "delivery", "positive"): ("delivery-nya cepet bgt, packing rapi",
                                        "fast delivery, kurirnya ramah"),
    ("mixed", "delivery", "neutral"): ("shipping-nya sesuai estimasi", "tracking number-nya belum update ya"),
    ("mixed", "delivery", "negative"): ("delivery-nya lama bgt, udh seminggu", "paket-nya damaged pas sampe"),
    ("mixed", "price", "positive"): ("worth it bgt sama harganya", "harganya affordable, mantap"),
    ("mixed", "price", "neutral"): ("price-nya standar sih", "ada voucher discount gak ya"),
    ("mixed", "price", "negative"): ("price-nya kemahalan compared to other stores",
                                     "ongkir-nya too expensive"),
    ("mixed", "product_quality", "positive"): ("barangnya bagus bgt, quality oke", "produknya original, recommended"),
    ("mixed", "product_quality", "neutral"): ("barang sesuai order, so-so aja", "quality-nya average"),
    ("mixed", "product_quality", "negative"): ("item-nya broken pas dateng", "quality jelek, gak sesuai foto"),
    ("mixed", "service", "positive"): ("CS-nya helpful banget", "admin-nya fast response, thanks"),
    ("mixed", "service", "neutral"): ("mau tanya opening hours toko", "gimana cara update address"),
    ("mixed", "service", "negative"): ("CS-nya slow response bgt", "chat gak di-reply sama admin"),
    ("mixed", "payment", "positive"): ("payment pake e-wallet gampang", "checkout-nya smooth"),
    ("mixed", "payment", "neutral"): ("bisa pay pakai COD gak", "mau tanya installment kartu kredit"),
    ("mixed", "payment", "negative"): ("payment failed tapi saldo kepotong", "kena double charge nih"),
    ("mixed", "refund_return", "positive"): ("refund-nya udh masuk, thanks", "return process-nya gampang"),
    ("mixed", "refund_return", "neutral"): ("how to return barang ya", "refund biasanya berapa lama ya"),
    ("mixed", "refund_return", "negative"): ("refund-nya belum masuk udh 2 weeks", "retur ditolak, no reason"),
}
_OPEN = {
    ("id", "positive"): ("Mantap!", "Puas banget.", "Terima kasih,", "Rekomen seller ini.", ""),
    ("id", "neutral"): ("Halo,", "Selamat siang,", "Permisi min,", ""),
    ("id", "negative"): ("Kecewa.", "Parah,", "Sangat kecewa dengan pesanan saya.", "Tolong diperhatikan,", ""),
    ("en", "positive"): ("Great!", "Very happy.", "Thank you,", "Highly recommended.", ""),
    ("en", "neutral"): ("Hi,", "Hello,", "Quick question:", ""),
    ("en", "negative"): ("Disappointed.", "Terrible,", "Very unhappy with my order.", ""),
    ("mixed", "positive"): ("Mantap, thanks!", "Overall puas,", "Love it,", ""),
    ("mixed", "neutral"): ("Hi min,", "Halo, quick question:", ""),
    ("mixed", "negative"): ("Kecewa bgt,", "Honestly kecewa,", "Disappointed sih,", ""),
}
_CLOSE = {
    ("id", "positive"): ("Bakal order lagi.", "Sukses terus!", "Makasih ya.", ""),
    ("id", "neutral"): ("Terima kasih.", "Ditunggu infonya.", ""),
    ("id", "negative"): ("Gak lagi deh belanja di sini.", "Kapok.", ""),
    ("en", "positive"): ("Will order again.", "Thanks!", ""),
    ("en", "neutral"): ("Thanks.", "Looking forward to your reply.", ""),
    ("en", "negative"): ("Never buying here again.", "Not happy.", ""),
    ("mixed", "positive"): ("Will repeat order!", "Thanks ya!", ""),
    ("mixed", "neutral"): ("Thanks ya.", "Ditunggu reply-nya.", ""),
    ("mixed", "negative"): ("Gak recommended.", "Kapok, seriously.", ""),
}
# A complaint asks for something to be done.
_COMPLAINT = {
    "id": ("Tolong segera ditindaklanjuti.", "Mohon dibantu refund.", "Saya minta barang diganti.",
           "Tolong dicek min!"),
    "en": ("Please fix this asap.", "I want a refund.", "Please send a replacement.",
           "I expect a response today."),
    "mixed": ("Tolong di-follow up asap.", "Please refund ya min.", "Minta replacement dong."),
}
_CONNECT = {"id": (", ", " dan ", ", terus "), "en": (", ", " and ", ", also "), "mixed": (", ", " dan ", ", also ")}

# Spam: one promotional text repeated by many accounts, bare links and keyboard junk.
SPAM_PROMO = ("PROMO!!! Dapatkan saldo gratis Rp500.000 sekarang juga, klik http://bit.ly/saldo-gratis88 "
              "atau hubungi WA 0812-9999-0000")
_JUNK = ("asdf", "asdfgh", "qwerty", "tes tes", "xxxxx", "lkjlkj", "aaaaaaa", "zzz")


def make_interactions(rng: np.random.Generator, pop: Population, clock: Clock,
                      spam_share: float = 0.0) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Interactions (ids in time order, int timestamps) with text truth and the spam rows.

    `spam_share` of all rows are spam (at least one if the share is positive).
    """
    hi = np.minimum(np.minimum(pop.drop, clock.cutoff - DAY) + 30 * DAY, clock.cutoff)
    owner, t = poisson_times(rng, pop.texts, pop.active, hi)
    n = len(owner)
    n_spam = max(1, round(spam_share * n / (1 - spam_share))) if spam_share > 0 else 0
    channel = rng.choice(len(CHANNELS), n, p=np.array(_CHANNEL_W) / sum(_CHANNEL_W))
    lang = rng.choice(3, n, p=[.55, .20, .25])
    sp = np.array([_SENTIMENT_P[c] for c in CHANNELS])[channel]
    # Lapsed customers and bargain hunters complain more.
    unhappy = np.isin(pop.seg[owner], [NAMES.index("lapsed"), NAMES.index("promo_hunter")])
    sp[unhappy, 2] *= 1.6
    sp /= sp.sum(axis=1, keepdims=True)
    senti = (sp.cumsum(axis=1) < rng.random(n)[:, None]).sum(axis=1).clip(max=2)
    w = np.tile(_ASPECT_W, (n, 1))
    w[pop.seg[owner] == NAMES.index("promo_hunter"), ASPECTS.index("refund_return")] *= 3
    a1 = (w.cumsum(axis=1) < rng.random(n)[:, None] * w.sum(axis=1)[:, None]).sum(axis=1).clip(max=5)
    a2 = (a1 + rng.integers(1, len(ASPECTS), n)) % len(ASPECTS)
    two = rng.random(n) < .3
    support = np.isin(channel, [CHANNELS.index(c) for c in ("chat", "email", "call", "ticket")])
    complaint = (senti == 2) & (rng.random(n) < np.where(support, .8, .35))

    opener = _choose(rng, _OPEN, lang, senti)
    body = _phrase(rng, lang, a1, senti)
    # Capitalise the body when it starts a sentence.
    starts = np.array([o == "" or o[-1] in ".!" for o in opener])
    body[starts] = [b[:1].upper() + b[1:] for b in body[starts]]
    closer = np.where(complaint, _choose(rng, _COMPLAINT, lang), _choose(rng, _CLOSE, lang, senti))
    text = (opener + np.where(starts & (opener == ""), "", " ") + body
            + np.where(two, _choose(rng, _CONNECT, lang) + _phrase(rng, lang, a2, senti), "")
            + "." + np.where(closer == "", "", " ") + closer)

    review = channel == CHANNELS.index("review")
    survey = channel == CHANNELS.index("survey")
    rating = np.full(n, np.nan)
    stars = np.choose(senti, [rng.choice([4, 5], n, p=[.35, .65]), rng.choice([3, 4], n, p=[.7, .3]),
                              rng.choice([1, 2], n, p=[.6, .4])])
    rating[review] = stars[review]
    nps = np.full(n, np.nan)
    score = np.choose(senti, [rng.integers(9, 11, n), rng.integers(7, 9, n), rng.integers(0, 7, n)])
    nps[survey] = score[survey]
    aspects = np.where(two, objects(ASPECTS)[a1] + ";" + objects(ASPECTS)[a2], objects(ASPECTS)[a1])

    # Spam from random accounts, at random times while the account exists.
    s_owner = rng.integers(0, len(pop), n_spam)
    s_lo = pop.active[s_owner]
    s_t = s_lo + (rng.random(n_spam) * (clock.cutoff - s_lo)).astype(np.int64)
    s_kind = rng.choice(3, n_spam, p=[.5, .25, .25])
    link = "http://bit.ly/" + _codes(rng, n_spam)
    s_text = np.where(s_kind == 0, SPAM_PROMO, np.where(s_kind == 1, link, objects(_JUNK)[rng.integers(0, len(_JUNK), n_spam)]))
    s_channel = rng.choice([CHANNELS.index(c) for c in ("review", "social", "chat")], n_spam)
    s_rating = np.where(s_channel == 0, rng.choice([1.0, 5.0], n_spam), np.nan)

    spam = np.r_[np.zeros(n, bool), np.ones(n_spam, bool)]
    cust = np.r_[owner, s_owner]
    ts = np.r_[t, s_t]
    order = np.lexsort((cust, ts))
    iid = ids("I", np.arange(1, len(ts) + 1), 7)
    table = frame({
        "interaction_id": iid,
        "customer_id": take(pop.customer_id, cust[order]),
        "timestamp": ts[order],  # formatted by the caller
        "channel": objects(CHANNELS)[np.r_[channel, s_channel][order]],
        "text": np.r_[text, s_text][order],
        "rating": np.r_[rating, s_rating][order],
        "nps": np.r_[nps, np.full(n_spam, np.nan)][order],
    })
    truth = frame({
        "interaction_id": iid,
        # Spam language is nominal: the promotion is Indonesian, links and junk are labelled "en".
        "language": objects(LANGUAGES)[np.r_[lang, np.where(s_kind == 0, 0, 1)][order]],
        "sentiment": objects(SENTIMENTS)[np.r_[senti, np.ones(n_spam, int)][order]],
        "complaint": np.r_[complaint, np.zeros(n_spam, bool)][order],
        "spam": spam[order],
        "aspects": np.r_[aspects, np.full(n_spam, "", dtype=object)][order],
    })
    return table, truth, np.flatnonzero(spam[order])


def _choose(rng, bank, lang, senti=None):
    """One phrase per row from bank[(language, sentiment)] (or bank[language])."""
    n = len(lang)
    out = np.empty(n, dtype=object)
    for li, l in enumerate(LANGUAGES):
        for si in (range(3) if senti is not None else [None]):
            m = (lang == li) if si is None else (lang == li) & (senti == si)
            opts = bank[l] if si is None else bank[(l, SENTIMENTS[si])]
            out[m] = objects(opts)[rng.integers(0, len(opts), m.sum())]
    return out


def _phrase(rng, lang, aspect, senti):
    n = len(lang)
    out = np.empty(n, dtype=object)
    for (l, a, s), opts in _P.items():
        m = (lang == LANGUAGES.index(l)) & (aspect == ASPECTS.index(a)) & (senti == SENTIMENTS.index(s))
        out[m] = objects(opts)[rng.integers(0, len(opts), m.sum())]
    return out


def _codes(rng, n: int) -> np.ndarray:
    alphabet = np.array(list("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"))
    chars = alphabet[rng.integers(0, len(alphabet), (n, 7))]
    return np.array(["".join(r) for r in chars], dtype=object)

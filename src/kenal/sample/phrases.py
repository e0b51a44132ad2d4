"""Phrase banks of the interaction texts: Indonesian (formal and informal), English, mixed.

Informal Indonesian spelling (gak, bgt, tdk, udh, sampe, cepet) is deliberate: real reviews
and chats are written that way, and text models must cope with it.
"""

from __future__ import annotations

LANGUAGES = ("id", "en", "mixed")
SENTIMENTS = ("positive", "neutral", "negative")
ASPECTS = ("delivery", "price", "product_quality", "service", "payment", "refund_return")

# (language, aspect, sentiment) -> phrases (lower case; capitalised when they start a text).
PHRASES: dict[tuple[str, str, str], tuple[str, ...]] = {
    ("id", "delivery", "positive"):
        ("pengiriman cepat, paket sampai dengan aman", "pengiriman cepet bgt, udh sampe besoknya",
         "kurirnya ramah dan barang datang sesuai estimasi"),
    ("id", "delivery", "neutral"):
        ("pengiriman sesuai estimasi", "paket sampai hari ketiga",
         "mau tanya resi pengiriman saya sudah update belum"),
    ("id", "delivery", "negative"):
        ("pengiriman lama bgt, telat 5 hari dari estimasi",
         "paket gak sampe2, kurir tdk bisa dihubungi", "kardusnya penyok pas sampai"),
    ("id", "price", "positive"):
        ("harganya terjangkau", "harga murah tapi kualitas oke", "diskonnya lumayan bgt"),
    ("id", "price", "neutral"):
        ("harganya standar", "harga sama dengan toko lain", "apakah ada promo gajian bulan ini"),
    ("id", "price", "negative"):
        ("harganya kemahalan dibanding toko sebelah", "ongkirnya mahal bgt",
         "harga naik terus, gak worth"),
    ("id", "product_quality", "positive"):
        ("barangnya bagus, sesuai deskripsi", "kualitas mantap",
         "produknya original dan berfungsi dengan baik", "bahannya adem, jahitannya rapi"),
    ("id", "product_quality", "neutral"):
        ("barang sesuai pesanan, biasa aja", "kualitasnya standar",
         "ukurannya pas, warnanya sedikit beda"),
    ("id", "product_quality", "negative"):
        ("barangnya rusak pas diterima", "kualitasnya jelek, gak sesuai foto",
         "baru dipakai seminggu udh rusak", "ukuran tidak sesuai size chart"),
    ("id", "service", "positive"):
        ("CS-nya ramah dan responsif", "pelayanan toko sangat memuaskan",
         "admin fast respon, mantap"),
    ("id", "service", "neutral"):
        ("pelayanan cukup", "saya mau tanya jam buka toko", "mohon info cara ganti alamat"),
    ("id", "service", "negative"):
        ("CS lambat balesnya", "pelayanan kasir kurang ramah", "chat gak dibales dari kemarin"),
    ("id", "payment", "positive"):
        ("bayar pakai QRIS gampang", "pembayaran via GoPay lancar",
         "proses checkout dan pembayaran mudah"),
    ("id", "payment", "neutral"):
        ("pembayaran lewat virtual account", "bisa bayar COD tidak ya",
         "mau tanya cicilan kartu kredit"),
    ("id", "payment", "negative"):
        ("pembayaran gagal tapi saldo kepotong", "VA tdk bisa dibayar",
         "kena double charge di kartu kredit"),
    ("id", "refund_return", "positive"):
        ("proses retur gampang dan cepat", "refund udh masuk dalam 2 hari",
         "tukar ukuran dibantu dengan baik"),
    ("id", "refund_return", "neutral"):
        ("mau tanya prosedur retur gimana", "berapa lama proses refund biasanya",
         "apakah bisa tukar barang di toko"),
    ("id", "refund_return", "negative"):
        ("refund belum masuk udh 2 minggu", "pengajuan retur ditolak tanpa alasan",
         "proses pengembalian dana ribet bgt"),
    ("en", "delivery", "positive"):
        ("fast delivery, arrived the next day", "the courier was friendly",
         "package arrived well wrapped and on time"),
    ("en", "delivery", "neutral"):
        ("delivery took the estimated three days", "can you tell me where my package is",
         "the parcel arrived as scheduled"),
    ("en", "delivery", "negative"):
        ("delivery was late by almost a week", "the package never arrived",
         "the box was crushed on arrival"),
    ("en", "price", "positive"):
        ("great value for money", "prices are cheaper than elsewhere",
         "the discount was really good"),
    ("en", "price", "neutral"):
        ("the price is about average", "is there a payday promo this month",
         "prices are similar to other shops"),
    ("en", "price", "negative"):
        ("way too expensive for what it is", "shipping fee is too high", "prices keep going up"),
    ("en", "product_quality", "positive"):
        ("great quality, exactly as described", "the product works perfectly",
         "excellent build quality"),
    ("en", "product_quality", "neutral"):
        ("the product is okay, nothing special", "item as ordered", "quality is average"),
    ("en", "product_quality", "negative"):
        ("the item arrived broken", "poor quality, not like the photos",
         "stopped working after a week"),
    ("en", "service", "positive"):
        ("customer service was very helpful", "staff in the store were friendly",
         "quick and polite support"),
    ("en", "service", "neutral"):
        ("what are your store opening hours", "how do I change my address", "service was fine"),
    ("en", "service", "negative"):
        ("customer service never replied", "rude staff at the cashier",
         "support keeps giving template answers"),
    ("en", "payment", "positive"):
        ("payment was quick and easy", "paying with e-wallet was smooth", "checkout was seamless"),
    ("en", "payment", "neutral"):
        ("do you accept credit card instalments", "can I pay cash on delivery",
         "paid by bank transfer"),
    ("en", "payment", "negative"):
        ("payment failed but my balance was deducted", "I was charged twice",
         "the virtual account number did not work"),
    ("en", "refund_return", "positive"):
        ("return process was easy", "refund arrived within two days",
         "exchange for another size was quick"),
    ("en", "refund_return", "neutral"):
        ("how do I return an item", "how long does a refund take",
         "can I exchange it in the store"),
    ("en", "refund_return", "negative"):
        ("still waiting for my refund after two weeks",
         "my return request was rejected for no reason", "the refund process is a nightmare"),
    ("mixed", "delivery", "positive"):
        ("delivery-nya cepet bgt, packing rapi", "fast delivery, kurirnya ramah"),
    ("mixed", "delivery", "neutral"):
        ("shipping-nya sesuai estimasi", "tracking number-nya belum update ya"),
    ("mixed", "delivery", "negative"):
        ("delivery-nya lama bgt, udh seminggu", "paket-nya damaged pas sampe"),
    ("mixed", "price", "positive"): ("worth it bgt sama harganya", "harganya affordable, mantap"),
    ("mixed", "price", "neutral"): ("price-nya standar sih", "ada voucher discount gak ya"),
    ("mixed", "price", "negative"):
        ("price-nya kemahalan compared to other stores", "ongkir-nya too expensive"),
    ("mixed", "product_quality", "positive"):
        ("barangnya bagus bgt, quality oke", "produknya original, recommended"),
    ("mixed", "product_quality", "neutral"):
        ("barang sesuai order, so-so aja", "quality-nya average"),
    ("mixed", "product_quality", "negative"):
        ("item-nya broken pas dateng", "quality jelek, gak sesuai foto"),
    ("mixed", "service", "positive"): ("CS-nya helpful banget", "admin-nya fast response, thanks"),
    ("mixed", "service", "neutral"):
        ("mau tanya opening hours toko", "gimana cara update address"),
    ("mixed", "service", "negative"): ("CS-nya slow response bgt", "chat gak di-reply sama admin"),
    ("mixed", "payment", "positive"): ("payment pake e-wallet gampang", "checkout-nya smooth"),
    ("mixed", "payment", "neutral"):
        ("bisa pay pakai COD gak", "mau tanya installment kartu kredit"),
    ("mixed", "payment", "negative"):
        ("payment failed tapi saldo kepotong", "kena double charge nih"),
    ("mixed", "refund_return", "positive"):
        ("refund-nya udh masuk, thanks", "return process-nya gampang"),
    ("mixed", "refund_return", "neutral"):
        ("how to return barang ya", "refund biasanya berapa lama ya"),
    ("mixed", "refund_return", "negative"):
        ("refund-nya belum masuk udh 2 weeks", "retur ditolak, no reason"),
}
# (language, sentiment) -> how a text starts (may be empty).
OPENERS = {
    ("id", "positive"): ("Mantap!", "Puas banget.", "Terima kasih,", "Rekomen seller ini.", ""),
    ("id", "neutral"): ("Halo,", "Selamat siang,", "Permisi min,", ""),
    ("id", "negative"):
        ("Kecewa.", "Parah,", "Sangat kecewa dengan pesanan saya.", "Tolong diperhatikan,", ""),
    ("en", "positive"): ("Great!", "Very happy.", "Thank you,", "Highly recommended.", ""),
    ("en", "neutral"): ("Hi,", "Hello,", "Quick question:", ""),
    ("en", "negative"): ("Disappointed.", "Terrible,", "Very unhappy with my order.", ""),
    ("mixed", "positive"): ("Mantap, thanks!", "Overall puas,", "Love it,", ""),
    ("mixed", "neutral"): ("Hi min,", "Halo, quick question:", ""),
    ("mixed", "negative"): ("Kecewa bgt,", "Honestly kecewa,", "Disappointed sih,", ""),
}
# (language, sentiment) -> how a text ends (may be empty).
CLOSERS = {
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
# A complaint ends by asking for something to be done.
COMPLAINTS = {
    "id":
        ("Tolong segera ditindaklanjuti.", "Mohon dibantu refund.", "Saya minta barang diganti.",
         "Tolong dicek min!"),
    "en":
        ("Please fix this asap.", "I want a refund.", "Please send a replacement.",
         "I expect a response today."),
    "mixed": ("Tolong di-follow up asap.", "Please refund ya min.", "Minta replacement dong."),
}
# Joins a second aspect to the first.
CONNECTORS = {
    "id": (", ", " dan ", ", terus "),
    "en": (", ", " and ", ", also "),
    "mixed": (", ", " dan ", ", also "),
}

# Spam: one promotional text repeated by many accounts, bare links and keyboard junk.
SPAM_PROMO = ("PROMO!!! Dapatkan saldo gratis Rp500.000 sekarang juga, klik "
              "http://bit.ly/saldo-gratis88 atau hubungi WA 0812-9999-0000")
JUNK = ("asdf", "asdfgh", "qwerty", "tes tes", "xxxxx", "lkjlkj", "aaaaaaa", "zzz")

"""The customers and consents tables: Indonesian names, contacts, demography, places."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kenal.sample._util import DAY, HOUR, Clock, format_ts, frame, objects, take
from kenal.sample.segments import SEGMENTS
from kenal.schema import CONSENT_PURPOSES

if TYPE_CHECKING:
    from kenal.sample.population import Population

CITIES = (  # city, region (province), weight ~ online-shopping population
    ("Jakarta", "DKI Jakarta", 20), ("Surabaya", "Jawa Timur", 9), ("Bandung", "Jawa Barat", 8),
    ("Bekasi", "Jawa Barat", 6), ("Tangerang", "Banten", 6), ("Depok", "Jawa Barat", 4),
    ("Medan", "Sumatera Utara", 7), ("Semarang", "Jawa Tengah", 5),
    ("Makassar", "Sulawesi Selatan", 5), ("Palembang", "Sumatera Selatan", 4),
    ("Denpasar", "Bali", 4), ("Yogyakarta", "DI Yogyakarta", 4), ("Malang", "Jawa Timur", 3),
    ("Balikpapan", "Kalimantan Timur", 3), ("Pekanbaru", "Riau", 3),
    ("Manado", "Sulawesi Utara", 2),
)
REGIONS = tuple(dict.fromkeys(r for _, r, _ in CITIES))

_MALE = ("Budi", "Agus", "Andi", "Rizky", "Dimas", "Fajar", "Hendra", "Yoga", "Arif", "Bayu",
         "Eko", "Joko", "Adi", "Reza", "Ilham", "Wahyu", "Fikri", "Bagus", "Galih", "Irfan",
         "Teguh", "Yudi", "Dedi", "Hadi", "Aditya", "Rudi", "Taufik", "Gilang", "Hafiz", "Iqbal",
         "Kevin", "Randy")
_FEMALE = ("Siti", "Dewi", "Sri", "Putri", "Ayu", "Rina", "Wulan", "Indah", "Nur", "Fitri",
           "Lestari", "Ratna", "Dian", "Intan", "Maya", "Nadia", "Rani", "Sari", "Tika", "Yuni",
           "Anisa", "Citra", "Kartika", "Larasati", "Aulia", "Nabila", "Melati", "Eka", "Novita",
           "Vina")
_LAST_M = ("Pratama", "Saputra", "Santoso", "Wijaya", "Hidayat", "Kusuma", "Setiawan",
           "Nugroho", "Susanto", "Permana", "Gunawan", "Firmansyah", "Ramadhan", "Maulana", "Hakim",
           "Prasetyo", "Kurniawan", "Suryadi", "Hartono", "Sutrisno", "Mulyono", "Wibowo")
_LAST_F = ("Rahmawati", "Lestari", "Wulandari", "Puspita", "Handayani", "Sari", "Pertiwi",
           "Anggraini", "Safitri", "Permatasari", "Utami", "Maharani", "Kurniasih", "Fitriani",
           "Susanti", "Purnamasari", "Suparmi", "Sukarni", "Oktaviani")
_BATAK = ("Siregar", "Nasution", "Simanjuntak", "Lubis", "Harahap", "Sitompul", "Sinaga",
          "Panjaitan", "Hutapea", "Pardede", "Situmorang", "Manurung", "Tambunan", "Simatupang")
_BALI_M = ("I Wayan", "I Made", "I Nyoman", "I Ketut", "I Putu", "I Gede", "I Komang")
_BALI_F = ("Ni Luh", "Ni Made", "Ni Putu", "Ni Komang", "Ni Wayan", "Ni Kadek")
_BALI_LAST = ("Sudarsana", "Wirawan", "Suardana", "Arsana", "Mahendra", "Astawa", "Widiastuti",
              "Suryani", "Ariani", "Dharmawan", "Yasa", "Wiratama")
_DOMAINS = (("gmail.com", 62), ("yahoo.co.id", 12), ("yahoo.com", 8), ("outlook.com", 6),
            ("hotmail.com", 5), ("ymail.com", 3), ("icloud.com", 4))
_PHONE_PREFIX = ("811", "812", "813", "821", "822", "852", "853", "814", "815", "816", "855",
                 "856", "857", "858", "877", "878", "817", "818", "819", "859", "895", "896",
                 "897", "898", "899", "881", "882", "838", "831")
_OCCUPATIONS = (  # label, weight, median monthly income (IDR)
    ("Karyawan Swasta", 28, 7_500_000), ("Wiraswasta", 14, 9_000_000), ("PNS", 8, 7_000_000),
    ("Mahasiswa", 9, 2_000_000), ("Ibu Rumah Tangga", 9, 3_000_000), ("Guru", 6, 5_000_000),
    ("Tenaga Kesehatan", 5, 8_000_000), ("Pengemudi Ojol", 5, 4_000_000),
    ("Pedagang", 6, 5_500_000), ("Freelancer", 5, 6_000_000), ("TNI/Polri", 2, 7_000_000),
    ("Pensiunan", 3, 4_500_000),
)
# Per segment: mean age, share female, income multiplier.
_DEMOGRAPHY = {
    "loyal_high_spender": (38, .60, 1.8), "online_grocery_regular": (35, .68, 1.2),
    "occasional_store_shopper": (42, .55, 1.0), "new_customer": (29, .55, .9),
    "lapsed": (37, .55, 1.0), "promo_hunter": (28, .66, .75),
    "window_shopper": (27, .50, .9), "big_ticket_electronics": (36, .30, 2.0),
}


def email_numbers(n: int) -> int:
    """How many numbers the e-mail addresses of `n` customers are drawn from."""
    return max(100_000, 3 * n)


def phone_keys(phone) -> np.ndarray:
    """Phone numbers ("+62...") as int64, one to one: cheap to keep and compare across chunks."""
    return pc.cast(pc.utf8_slice_codeunits(pa.array(phone, pa.string()), 1), pa.int64()).to_numpy()


def make_customers(rng: np.random.Generator, pop: Population, clock: Clock,
                   missing_income: int, first_row: int = 0, first_email: int = 0,
                   taken_phones: np.ndarray | None = None) -> tuple[pd.DataFrame, np.ndarray]:
    """The customers table; `missing_income` incomes are left null. Returns (table, null rows).

    For a chunk of a larger sample: `first_row` customers come before this chunk, e-mail numbers
    below `first_email` and the phones of `taken_phones` (sorted :func:`phone_keys`) are taken.
    """
    n = len(pop)
    demo = np.array([_DEMOGRAPHY[p.name] for p in SEGMENTS])[pop.seg]
    female = rng.random(n) < demo[:, 1]
    region = objects(REGIONS)[pop.region]
    first, last, email_first, email_last = _names(rng, female, region)
    cutoff_year = np.datetime64(clock.cutoff // DAY, "D").astype("datetime64[Y]").astype(int) + 1970
    age = np.clip(np.round(rng.normal(demo[:, 0], 9)), 17, 75).astype(int)
    occ_w = np.array([o[1] for o in _OCCUPATIONS], float)
    occ = rng.choice(len(_OCCUPATIONS), n, p=occ_w / occ_w.sum())
    labels = [o[0] for o in _OCCUPATIONS]
    student, retired, employee = (labels.index(x)
                                  for x in ("Mahasiswa", "Pensiunan", "Karyawan Swasta"))
    u = rng.random(n)
    occ[(age < 23) & (u < .7)] = student
    occ[(age > 58) & (u < .7)] = retired
    occ[(occ == student) & (age > 30)] = employee
    occ[(occ == retired) & (age < 50)] = employee
    median = np.array([o[2] for o in _OCCUPATIONS], float)[occ] * demo[:, 2]
    income = np.round(median * np.exp(.45 * rng.standard_normal(n)) / 50_000) * 50_000
    dom = [d for d, _ in _DOMAINS]
    dom_w = np.array([w for _, w in _DOMAINS], float)
    # A distinct number per customer keeps e-mail addresses unique (over chunks: first_email).
    number = first_email + rng.choice(email_numbers(n), n, replace=False)
    number = number.astype(str).astype(object)
    sep = np.where(rng.random(n) < .6, ".", "")
    domain = objects(dom)[rng.choice(len(dom), n, p=dom_w / dom_w.sum())]
    email = email_first + sep + email_last + number + "@" + domain
    phone = ("+62" + objects(_PHONE_PREFIX)[rng.integers(0, len(_PHONE_PREFIX), n)]
             + rng.integers(1_000_000, 99_999_999, n).astype(str).astype(object))
    # Two random numbers can meet (about one pair per 100,000 customers, or a number of an earlier
    # chunk); one person, one number: a repeat gets 9 digits made of its row number (counted over
    # all chunks), a length the random ones never have.
    repeat = pd.Series(phone).duplicated().to_numpy()
    if taken_phones is not None and len(taken_phones):
        repeat |= np.isin(phone_keys(phone), taken_phones)
    phone[repeat] = [p[:6] + f"9{first_row + i:08d}"
                     for p, i in zip(phone[repeat], np.flatnonzero(repeat))]
    # Drawn last, so the clean and the defective sample share everything else.
    null = np.sort(rng.choice(n, missing_income, replace=False))
    income[null] = np.nan
    table = frame({
        "customer_id": pop.customer_id,
        "created_at": format_ts(pop.created),
        "name": first + " " + last,
        "email": email,
        "phone": phone,
        "birth_year": (cutoff_year - age).astype(np.int64),
        "gender": np.where(female, "female", "male").astype(object),
        "city": objects([c[0] for c in CITIES])[pop.city],
        "region": region,
        "country": "ID",
        "income": income,
        "occupation": objects(labels)[occ],
    })
    return table, null


def _names(rng, female, region):
    """Given and family names that fit gender and province (Batak in Medan, Balinese in Bali)."""
    n = len(female)

    def draw(options):
        return objects(options)[rng.integers(0, len(options), n)]

    first = np.where(female, draw(_FEMALE), draw(_MALE))
    last = np.where(female, draw(_LAST_F), draw(_LAST_M))
    batak = (region == "Sumatera Utara") & (rng.random(n) < .6)
    last[batak] = draw(_BATAK)[batak]
    bali = (region == "Bali") & (rng.random(n) < .75)
    bali_given = np.where(female, draw(_BALI_F), draw(_BALI_M))
    first[bali] = (bali_given + " " + first)[bali]
    last[bali] = draw(_BALI_LAST)[bali]
    # E-mail names: the personal name, not the Balinese birth-order prefix.
    email_first = np.array([s.split(" ")[-1].lower() for s in first], dtype=object)
    email_last = np.array([s.lower().replace("'", "") for s in last], dtype=object)
    return first, last, email_first, email_last


def make_consents(rng: np.random.Generator, pop: Population) -> pd.DataFrame:
    """One record per customer and purpose, given at sign-up; about 3% refuse profiling."""
    n = len(pop)
    p_grant = {"profiling": .97, "marketing": .72, "analytics": .90}
    k = len(CONSENT_PURPOSES)
    granted = np.stack([rng.random(n) < p_grant[p] for p in CONSENT_PURPOSES], axis=1).ravel()
    source = np.where(pop.created < pop.active - 2 * HOUR, "import",  # accounts older than history
                      np.where(pop.online > .5, np.where(pop.app, "app", "web"), "store"))
    ts = np.repeat(pop.created, k) + rng.integers(0, 30, n * k)
    return frame({
        "customer_id": take(pop.customer_id, np.repeat(np.arange(n), k)),
        "purpose": np.tile(objects(CONSENT_PURPOSES), n),
        "granted": granted,
        "timestamp": format_ts(ts),
        "source": np.repeat(source.astype(object), k),
    })

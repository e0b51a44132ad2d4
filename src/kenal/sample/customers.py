"""Customers: their planted segment, hidden behaviour parameters, attributes and consents."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from kenal.sample._util import DAY, HOUR, Clock, format_ts, frame, ids, objects, take
from kenal.sample.segments import CATEGORIES, SEGMENTS
from kenal.schema import CONSENT_PURPOSES

CITIES = (  # city, region (province), weight ~ online-shopping population
    ("Jakarta", "DKI Jakarta", 20), ("Surabaya", "Jawa Timur", 9), ("Bandung", "Jawa Barat", 8),
    ("Bekasi", "Jawa Barat", 6), ("Tangerang", "Banten", 6), ("Depok", "Jawa Barat", 4),
    ("Medan", "Sumatera Utara", 7), ("Semarang", "Jawa Tengah", 5), ("Makassar", "Sulawesi Selatan", 5),
    ("Palembang", "Sumatera Selatan", 4), ("Denpasar", "Bali", 4), ("Yogyakarta", "DI Yogyakarta", 4),
    ("Malang", "Jawa Timur", 3), ("Balikpapan", "Kalimantan Timur", 3), ("Pekanbaru", "Riau", 3),
    ("Manado", "Sulawesi Utara", 2),
)
REGIONS = tuple(dict.fromkeys(r for _, r, _ in CITIES))

_MALE = ("Budi", "Agus", "Andi", "Rizky", "Dimas", "Fajar", "Hendra", "Yoga", "Arif", "Bayu", "Eko",
         "Joko", "Adi", "Reza", "Ilham", "Wahyu", "Fikri", "Bagus", "Galih", "Irfan", "Teguh", "Yudi",
         "Dedi", "Hadi", "Aditya", "Rudi", "Taufik", "Gilang", "Hafiz", "Iqbal", "Kevin", "Randy")
_FEMALE = ("Siti", "Dewi", "Sri", "Putri", "Ayu", "Rina", "Wulan", "Indah", "Nur", "Fitri", "Lestari",
           "Ratna", "Dian", "Intan", "Maya", "Nadia", "Rani", "Sari", "Tika", "Yuni", "Anisa", "Citra",
           "Kartika", "Larasati", "Aulia", "Nabila", "Melati", "Eka", "Novita", "Vina")
_LAST_M = ("Pratama", "Saputra", "Santoso", "Wijaya", "Hidayat", "Kusuma", "Setiawan", "Nugroho",
           "Susanto", "Permana", "Gunawan", "Firmansyah", "Ramadhan", "Maulana", "Hakim", "Prasetyo",
           "Kurniawan", "Suryadi", "Hartono", "Sutrisno", "Mulyono", "Wibowo")
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
    ("Tenaga Kesehatan", 5, 8_000_000), ("Pengemudi Ojol", 5, 4_000_000), ("Pedagang", 6, 5_500_000),
    ("Freelancer", 5, 6_000_000), ("TNI/Polri", 2, 7_000_000), ("Pensiunan", 3, 4_500_000),
)
# Per segment: mean age, share female, income multiplier, share using the app rather than web.
_DEMOGRAPHY = {
    "loyal_high_spender": (38, .60, 1.8, .55), "online_grocery_regular": (35, .68, 1.2, .65),
    "occasional_store_shopper": (42, .55, 1.0, .35), "new_customer": (29, .55, .9, .60),
    "lapsed": (37, .55, 1.0, .45), "promo_hunter": (28, .66, .75, .70),
    "window_shopper": (27, .50, .9, .60), "big_ticket_electronics": (36, .30, 2.0, .45),
}
NEVER = np.int64(2**62)  # drop-out time of customers who never stop buying


@dataclass
class Population:
    """Hidden per-customer parameters that drive every behavioural table."""

    seg: np.ndarray        # segment code (index into SEGMENTS)
    created: np.ndarray    # account creation time
    drop: np.ndarray       # time the customer stops (NEVER if not)
    active: np.ndarray     # first time activity can happen (history start or creation + 1 h)
    rate: np.ndarray       # purchases per day
    lines: np.ndarray      # mean products per basket
    tier: np.ndarray       # mean price quantile
    gadget: np.ndarray     # mean price quantile of electronics
    online: np.ndarray     # chance a purchase is online
    cat_prob: np.ndarray   # (n, categories) category mix
    browse: np.ndarray     # browsing sessions per day
    views: np.ndarray      # product views per browsing session
    promo: np.ndarray      # /promo visits per session
    abandon: np.ndarray    # chance a browsing session adds to cart
    returns: np.ndarray    # chance a purchase is returned
    discount: np.ndarray   # chance a purchase is at a promo price
    texts: np.ndarray      # interactions per day
    currency: np.ndarray   # 0 IDR; 1 USD / 2 SGD for customers paying online with a foreign card
    app: np.ndarray        # prefers the mobile app
    city: np.ndarray       # index into CITIES
    region: np.ndarray     # index into REGIONS
    customer_id: pa.Array

    def __len__(self) -> int:
        return len(self.seg)


def _lognormal(rng, median, sigma, n):
    return np.exp(np.log(median) + sigma * rng.standard_normal(n))


def make_population(rng: np.random.Generator, n: int, clock: Clock) -> Population:
    shares = np.array([p.share for p in SEGMENTS])
    counts = np.floor(shares / shares.sum() * n).astype(int)
    counts[np.argmax(shares)] += n - counts.sum()
    seg = rng.permutation(np.repeat(np.arange(len(SEGMENTS)), counts))
    f = {k: np.zeros(n) for k in ("tenure", "rate", "lines", "tier", "gadget", "online", "browse", "views",
                                  "promo", "abandon", "returns", "discount", "texts", "churn")}
    cat_prob = np.zeros((n, len(CATEGORIES)))
    for s, p in enumerate(SEGMENTS):
        m = seg == s
        k = int(m.sum())
        med, sig, lo, hi = p.tenure
        f["tenure"][m] = np.clip(_lognormal(rng, med, sig, k), lo, hi)
        f["rate"][m] = _lognormal(rng, p.rate30[0], p.rate30[1], k) / 30
        f["lines"][m] = p.lines * _lognormal(rng, 1, .2, k)
        f["tier"][m] = np.clip(rng.normal(p.tier[0], p.tier[1], k), .02, .98)
        f["gadget"][m] = np.clip(p.gadget_tier + f["tier"][m] - p.tier[0], .02, .98)
        f["online"][m] = rng.beta(*p.online, k)
        w = np.array([p.cats.get(c, .3) for c in CATEGORIES])
        cat_prob[m] = rng.dirichlet(p.concentration * len(w) * w / w.sum(), k)
        f["browse"][m] = _lognormal(rng, p.browse30[0], p.browse30[1], k) / 30
        f["views"][m] = p.views * _lognormal(rng, 1, .25, k)
        f["promo"][m] = p.promo * _lognormal(rng, 1, .3, k)
        f["abandon"][m] = p.abandon
        f["returns"][m] = rng.beta(*p.returns, k)
        f["discount"][m] = p.discount
        f["texts"][m] = p.texts_year / 365 * _lognormal(rng, 1, .5, k)
        f["churn"][m] = p.churn
    lapsed = seg == _code("lapsed")
    # Lapsed customers stopped 6-18 months ago (so earlier snapshots see churn too); the others
    # churn, at their segment's rate, in the months around the cut-off.
    drop = np.full(n, NEVER)
    gone = (rng.random(n) < f["churn"]) & ~lapsed
    drop[gone] = clock.cutoff + (rng.uniform(-75, 90, gone.sum()) * DAY).astype(np.int64)
    drop[lapsed] = clock.cutoff - (rng.uniform(185, 540, lapsed.sum()) * DAY).astype(np.int64)
    tenure = f["tenure"] * DAY
    tenure[lapsed] = np.maximum(tenure[lapsed], clock.cutoff - drop[lapsed] + 90 * DAY)
    created = clock.cutoff - tenure.astype(np.int64) - rng.integers(0, DAY, n)
    # Nobody leaves within three weeks of joining (a one-off buyer still buys once).
    drop[gone] = np.maximum(drop[gone], created[gone] + 21 * DAY)
    active = np.maximum(created, clock.start) + HOUR
    foreign = rng.random(n) < .04
    region_of_city = np.array([REGIONS.index(r) for _, r, _ in CITIES])
    w = np.array([c[2] for c in CITIES], float)
    city = rng.choice(len(CITIES), n, p=w / w.sum())
    return Population(
        seg=seg, created=created, drop=drop, active=active, rate=f["rate"], lines=f["lines"],
        tier=f["tier"], gadget=f["gadget"], online=f["online"], cat_prob=cat_prob, browse=f["browse"],
        views=f["views"], promo=f["promo"], abandon=f["abandon"], returns=f["returns"],
        discount=f["discount"], texts=f["texts"],
        currency=np.where(foreign, rng.choice([1, 2], n, p=[.6, .4]), 0),
        app=rng.random(n) < np.array([_DEMOGRAPHY[p.name][3] for p in SEGMENTS])[seg],
        city=city, region=region_of_city[city], customer_id=ids("C", np.arange(1, n + 1), 7),
    )


def _code(name: str) -> int:
    return [p.name for p in SEGMENTS].index(name)


def make_customers(rng: np.random.Generator, pop: Population, clock: Clock,
                   missing_income: int) -> tuple[pd.DataFrame, np.ndarray]:
    """The customers table; `missing_income` incomes are left null. Returns (table, null rows)."""
    n = len(pop)
    demo = np.array([_DEMOGRAPHY[p.name][:3] for p in SEGMENTS])[pop.seg]
    female = rng.random(n) < demo[:, 1]
    region = objects(REGIONS)[pop.region]
    first, last, email_first, email_last = _names(rng, female, region)
    cutoff_year = int(np.datetime64(clock.cutoff // DAY, "D").astype("datetime64[Y]").astype(int)) + 1970
    age = np.clip(np.round(rng.normal(demo[:, 0], 9)), 17, 75).astype(int)
    occ_w = np.array([o[1] for o in _OCCUPATIONS], float)
    occ = rng.choice(len(_OCCUPATIONS), n, p=occ_w / occ_w.sum())
    labels = [o[0] for o in _OCCUPATIONS]
    student, retired, employee = (labels.index(x) for x in ("Mahasiswa", "Pensiunan", "Karyawan Swasta"))
    u = rng.random(n)
    occ[(age < 23) & (u < .7)] = student
    occ[(age > 58) & (u < .7)] = retired
    occ[(occ == student) & (age > 30)] = employee
    occ[(occ == retired) & (age < 50)] = employee
    income = np.array([o[2] for o in _OCCUPATIONS], float)[occ] * demo[:, 2] * _lognormal(rng, 1, .45, n)
    income = np.round(income / 50_000) * 50_000
    null = np.sort(rng.choice(n, missing_income, replace=False)) if missing_income else np.zeros(0, int)
    income[null] = np.nan
    dom = [d for d, _ in _DOMAINS]
    dom_w = np.array([w for _, w in _DOMAINS], float)
    # A distinct number per customer keeps e-mail addresses unique.
    number = rng.choice(max(100_000, 3 * n), n, replace=False).astype(str).astype(object)
    sep = np.where(rng.random(n) < .6, ".", "")
    email = email_first + sep + email_last + number + "@" + objects(dom)[rng.choice(len(dom), n, p=dom_w / dom_w.sum())]
    phone = "+62" + objects(_PHONE_PREFIX)[rng.integers(0, len(_PHONE_PREFIX), n)] + \
        rng.integers(1_000_000, 99_999_999, n).astype(str).astype(object)
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


def make_consents(rng: np.random.Generator, pop: Population, customers: pd.DataFrame) -> pd.DataFrame:
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

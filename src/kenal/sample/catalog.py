"""The product catalogue (IDR prices) and the daily exchange rates."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from kenal.sample._util import Clock, frame, ids, objects
from kenal.sample.segments import CATEGORIES

# category: (number of products, median IDR price, log-sd of price,
#            nouns from cheap to expensive (so a name fits its price), brands)
_SPEC: dict[str, tuple[int, float, float, tuple[str, ...], tuple[str, ...]]] = {
    "electronics": (300, 1_200_000, 1.15, (
        "Kabel Data USB-C", "Charger Fast Charging", "Earphone", "Mouse Wireless",
        "Powerbank 10000mAh", "Speaker Bluetooth", "Earbuds TWS", "Smartwatch", "Monitor 24 inci",
        "Tablet", "Smartphone", "Kamera Mirrorless", "Laptop", "Smart TV 55 inci"),
        ("Samsung", "Xiaomi", "Oppo", "Vivo", "Realme", "Asus", "Lenovo", "Acer", "Polytron",
         "Sharp", "Anker", "Baseus", "JBL", "Sony", "Infinix", "Advan")),
    "fashion": (450, 170_000, .75, (
        "Kaos Kaki", "Kaos Polos", "Hijab Segi Empat", "Kemeja Batik", "Celana Chino",
        "Rok Plisket", "Gamis", "Jaket Bomber", "Dress", "Sepatu Sneakers", "Tas Selempang",
        "Batik Tulis"),
        ("Erigo", "3Second", "Cottonink", "Executive", "Batik Keris", "Zoya", "Elzatta", "Uniqlo",
         "H&M", "Compass", "Hush Puppies", "Wearing Klamby")),
    "groceries": (500, 32_000, .75, (
        "Mie Instan", "Teh Celup", "Kecap Manis", "Kopi Bubuk", "Gula Pasir 1kg",
        "Telur Ayam 10 butir", "Susu UHT 1L", "Minyak Goreng 2L", "Deterjen 1,8kg",
        "Beras Premium 5kg"),
        ("Indomie", "Sedaap", "Sariwangi", "Kapal Api", "Gulaku", "Ultra Milk", "Frisian Flag",
         "Bimoli", "Sania", "Bango", "ABC", "Rinso", "Rose Brand")),
    "beauty": (250, 85_000, .75, (
        "Lip Cream", "Sabun Cuci Muka", "Sunscreen SPF 50", "Toner", "Serum Vitamin C",
        "Moisturizer", "Cushion", "Parfum"),
        ("Wardah", "Emina", "Make Over", "Somethinc", "Scarlett", "Azarine", "Skintific", "Garnier",
         "Pond's", "Pixy")),
    "home": (200, 230_000, .95, (
        "Gantungan Baju", "Sapu Lantai", "Toples Kaca", "Sprei Katun", "Panci Set", "Rice Cooker",
        "Kipas Angin", "Blender", "Rak Buku", "Kasur Busa", "Sofa 2 Dudukan"),
        ("Informa", "Maspion", "Miyako", "Cosmos", "Lock&Lock", "Kirin", "Philips", "Olymplast")),
    "sports": (120, 280_000, .95, (
        "Botol Minum", "Bola Futsal", "Matras Yoga", "Raket Badminton", "Dumbbell 5kg",
        "Sepatu Lari", "Sepeda Lipat"),
        ("Yonex", "Li-Ning", "Specs", "Ortuseight", "Nike", "Adidas", "Polygon", "Kettler")),
    "toys": (100, 140_000, .85, (
        "Puzzle Kayu", "Playdoh", "Mobil-mobilan", "Boneka", "Mainan Edukasi", "Lego Classic",
        "RC Car", "Sepeda Anak"),
        ("Lego", "Hot Wheels", "Barbie", "Hasbro", "Fisher-Price", "Mattel")),
    "books": (80, 85_000, .5, (
        "Komik", "Novel", "Buku Anak", "Buku Resep", "Buku Bisnis", "Kamus", "Al-Qur'an Terjemah"),
        ("Gramedia", "Mizan", "Erlangga", "Bentang Pustaka", "Elex Media")),
}


@dataclass
class Catalog:
    """Products sorted by (category, price): a price quantile within a category maps to an index."""

    table: pd.DataFrame
    category: np.ndarray  # category code per product index
    price: np.ndarray     # IDR price per product index
    pid: pa.Array         # product_id per product index
    start: np.ndarray     # first product index of each category
    count: np.ndarray     # products per category

    def product(self, cat: np.ndarray, quantile: np.ndarray) -> np.ndarray:
        """Product index at a price quantile (0..1) within each category."""
        q = np.clip(quantile, 0.0, 0.9999)
        return self.start[cat] + (q * self.count[cat]).astype(np.int64)


def make_catalog(rng: np.random.Generator) -> Catalog:
    cats, prices, names = [], [], []
    for c, category in enumerate(CATEGORIES):
        n, median, sd, nouns, brands = _SPEC[category]
        p = np.sort(np.exp(np.log(median) + sd * rng.standard_normal(n)))
        # Shelf prices: multiples of 500, half of them just below (49,900 rather than 50,000).
        p = np.maximum(np.round(p / 500) * 500 - rng.choice([0, 100], n), 2_500)
        noun = np.minimum((np.arange(n) / n * len(nouns)).astype(int), len(nouns) - 1)
        brand = rng.integers(0, len(brands), n)
        code = rng.integers(10, 999, n)
        letter = rng.choice(list("ABCEGKMSTX"), n)
        names += [f"{nouns[a]} {brands[b]} {l}{k}" for a, b, l, k in zip(noun, brand, letter, code)]
        cats.append(np.full(n, c))
        prices.append(p)
    category, price = np.concatenate(cats), np.concatenate(prices)
    n = len(price)
    # Ids are shuffled so that the id says nothing about category or price.
    pid = ids("P", rng.permutation(n) + 1, 4)
    count = np.bincount(category, minlength=len(CATEGORIES))
    table = frame({
        "product_id": pid,
        "category": objects(CATEGORIES)[category],
        "name": objects(names),
        "price": price.astype(float),
        "currency": "IDR",
    }).sort_values("product_id", kind="stable").reset_index(drop=True)
    return Catalog(table, category, price, pid, np.cumsum(count) - count, count)


# IDR per unit: the range each rate wanders in.
FX_RANGE = {"USD": (15_500.0, 16_500.0), "SGD": (11_500.0, 12_500.0)}
CURRENCIES = ("IDR", "USD", "SGD")
UNKNOWN_CURRENCIES = ("XYZ", "RPH", "IDX")


def make_fx(rng: np.random.Generator, clock: Clock) -> tuple[pd.DataFrame, np.ndarray]:
    """Daily rates from history start to cut-off, and a (currency, day) -> rate lookup.

    A smoothed random walk squashed into each currency's band, so it stays realistic for any seed.
    IDR itself is listed at 1.0 so that every transaction currency has a rate on every day.
    """
    dates = clock.dates()
    n = len(dates)
    rates = np.ones((len(CURRENCIES), n))
    for i, cur in enumerate(CURRENCIES[1:], start=1):
        lo, hi = FX_RANGE[cur]
        walk = np.cumsum(rng.standard_normal(n)) / np.sqrt(n) * 2.2 + rng.normal(0, .3)
        smooth = np.convolve(np.pad(walk, 3, mode="edge"), np.ones(7) / 7, mode="valid")
        rates[i] = np.round(lo + (hi - lo) * (0.5 + 0.47 * np.tanh(smooth)), 2)
    table = frame({
        "date": np.repeat(np.datetime_as_string(dates).astype(object), len(CURRENCIES)),
        "currency": np.tile(objects(CURRENCIES), n),
        "rate": rates.T.ravel(),
    })
    return table, rates

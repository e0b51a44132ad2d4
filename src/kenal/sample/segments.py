"""The planted behavioural segments: one profile of distributions per kind of customer.

Each customer draws its own parameters from its segment's distributions (lognormal rates,
beta shares, Dirichlet category mixes), so segments overlap realistically but stay separable
on frequency, basket, recency, tenure, channel, category mix, browsing, promo visits and returns.
"""

from __future__ import annotations

from dataclasses import dataclass

CATEGORIES = ("electronics", "fashion", "groceries", "beauty", "home", "sports", "toys", "books")


@dataclass(frozen=True)
class Profile:
    """Distributions one segment's customers draw their behaviour from (rates per 30 days)."""

    name: str
    share: float                   # of all customers
    tenure: tuple[float, float, float, float]  # days: lognormal median, sigma, clip low / high
    rate30: tuple[float, float]    # purchases: lognormal median, sigma
    lines: float                   # mean distinct products per basket
    tier: tuple[float, float]      # price quantile within a category: mean, sd between customers
    gadget_tier: float             # mean price quantile of electronics (low = accessories)
    online: tuple[float, float]    # beta(a, b): share of purchases made online
    cats: dict[str, float]         # Dirichlet weights of the category mix (missing = 0.3)
    concentration: float           # Dirichlet concentration: higher = less spread between people
    browse30: tuple[float, float]  # browsing sessions (no purchase): lognormal median, sigma
    views: float                   # mean product views per browsing session
    promo: float                   # mean /promo page visits per session
    abandon: float                 # chance a browsing session puts something in the cart
    returns: tuple[float, float]   # beta(a, b): chance a purchase is (partly) returned
    churn: float                   # chance of dropping out around the cut-off (lapsed: earlier)
    discount: float                # chance a purchase is at a promo price
    texts_year: float              # reviews, chats, tickets per year
    app: float                     # share using the mobile app rather than the web


SEGMENTS: tuple[Profile, ...] = (
    Profile("loyal_high_spender", share=.10, tenure=(1100, .35, 400, 2600), rate30=(1.0, .3),
            lines=4.0, tier=(.82, .06), gadget_tier=0.55, online=(10, 5),
            cats={"fashion": 3, "beauty": 2.5, "home": 2, "electronics": 1.2, "groceries": .8,
                  "sports": 1, "toys": .7, "books": .7}, concentration=6,
            browse30=(.15, .4), views=2.0, promo=.10, abandon=.25, returns=(2, 45), churn=.05,
            discount=.10, texts_year=.8, app=0.55),
    Profile("online_grocery_regular", share=.20, tenure=(600, .45, 150, 1800), rate30=(1.8, .3),
            lines=3.5, tier=(.40, .08), gadget_tier=0.2, online=(40, 1.5),
            cats={"groceries": 14, "beauty": 1, "home": 1, "electronics": .1, "fashion": .3,
                  "toys": .3, "books": .2, "sports": .1}, concentration=3,
            browse30=(.15, .5), views=1.5, promo=.08, abandon=.15, returns=(1, 70), churn=.08,
            discount=.10, texts_year=.6, app=0.65),
    Profile("occasional_store_shopper", share=.24, tenure=(900, .40, 250, 2600), rate30=(.7, .3),
            lines=2.5, tier=(.50, .08), gadget_tier=0.3, online=(1.5, 14),
            cats={"fashion": 2, "groceries": 2, "home": 1.5, "beauty": 1.2, "electronics": .6,
                  "sports": .7, "toys": .6, "books": .6}, concentration=8,
            browse30=(.06, .5), views=2.0, promo=.05, abandon=.10, returns=(2, 55), churn=.10,
            discount=.08, texts_year=.3, app=0.35),
    Profile("new_customer", share=.08, tenure=(40, .6, 5, 88), rate30=(.7, .3),
            lines=2.0, tier=(.50, .10), gadget_tier=0.3, online=(6, 3),
            cats={"fashion": 2, "groceries": 1.5, "beauty": 1.5, "home": 1, "electronics": .8,
                  "sports": .6, "toys": .6, "books": .6}, concentration=8,
            browse30=(1.5, .5), views=2.5, promo=.30, abandon=.30, returns=(1, 50), churn=.35,
            discount=.15, texts_year=.6, app=0.6),
    Profile("lapsed", share=.12, tenure=(950, .35, 350, 2600), rate30=(.55, .3),
            lines=2.0, tier=(.50, .08), gadget_tier=0.3, online=(9, 3),
            cats={"fashion": 2, "groceries": 1.5, "beauty": 1.5, "home": 1.2, "electronics": .5,
                  "sports": .6, "toys": .6, "books": .6}, concentration=8,
            browse30=(.2, .5), views=1.5, promo=.20, abandon=.20, returns=(1.5, 35), churn=1.0,
            discount=.10, texts_year=.5, app=0.45),
    Profile("promo_hunter", share=.11, tenure=(550, .40, 150, 1600), rate30=(.75, .3),
            lines=2.0, tier=(.20, .06), gadget_tier=0.15, online=(22, 2),
            cats={"fashion": 4, "beauty": 3, "groceries": 2, "home": 1.5, "toys": 1,
                  "electronics": .5, "sports": .6, "books": .4}, concentration=6,
            browse30=(.2, .4), views=1.5, promo=2.0, abandon=.35, returns=(12, 28), churn=.12,
            discount=.75, texts_year=1.2, app=0.7),
    Profile("window_shopper", share=.09, tenure=(450, .45, 150, 1600), rate30=(.10, .3),
            lines=1.5, tier=(.35, .10), gadget_tier=0.2, online=(15, 2),
            cats={"fashion": 3, "beauty": 2, "home": 2, "electronics": .25, "sports": 1,
                  "toys": 1, "groceries": .3, "books": .6}, concentration=5,
            browse30=(1.0, .35), views=6.0, promo=.20, abandon=.55, returns=(1, 50), churn=.25,
            discount=.10, texts_year=.3, app=0.6),
    Profile("big_ticket_electronics", share=.06, tenure=(800, .40, 200, 2600), rate30=(.15, .3),
            lines=1.3, tier=(.85, .05), gadget_tier=0.85, online=(6, 4),
            cats={"electronics": 20, "home": 1.2, "groceries": .2, "fashion": .2, "beauty": .1,
                  "sports": .3, "toys": .2, "books": .1}, concentration=5,
            browse30=(.3, .4), views=2.0, promo=.15, abandon=.30, returns=(1, 60), churn=.12,
            discount=.10, texts_year=.8, app=0.45),
)

NAMES: tuple[str, ...] = tuple(p.name for p in SEGMENTS)

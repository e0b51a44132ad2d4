"""Customers: implausible attributes and one person under several ids."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from kenal.health.checks import WARNING, Check
from kenal.health.context import HealthContext, examples, plural, scalar
from kenal.schema import TABLES
from kenal.sessions import sessions

OLDEST_AGE, YOUNGEST_AGE = 110, 10  # a customer's plausible age in years


def birth_years(ctx: HealthContext, t: ir.Table) -> list[Check]:
    year = ctx.now.year
    bad = t.birth_year.notnull() & ((t.birth_year < year - OLDEST_AGE) | (t.birth_year > year - YOUNGEST_AGE))
    n = scalar(bad.sum())
    if not n:
        return []
    return [Check(
        id="implausible_birth_year", table="customers", column="birth_year", severity=WARNING, count=n,
        message=f"{n:,} customers have a birth year outside {year - OLDEST_AGE}-{year - YOUNGEST_AGE} "
                f"(age {YOUNGEST_AGE}-{OLDEST_AGE})",
        action="kept as recorded; birth year is a protected attribute that no model uses",
        examples=examples(t, bad, ["customer_id", "birth_year", "_source_row"]))]


def normalised_phone(phone: ir.StringValue) -> ir.StringValue:
    """Digits only, with Indonesia's trunk prefix 0 written as the country code 62."""
    digits = phone.re_replace(r"[^0-9]", "")
    digits = ibis.ifelse(digits.startswith("0"), "62" + digits.substr(1), digits)
    return ibis.ifelse(digits.length() >= 8, digits, ibis.null("string"))


def shared_contact(t: ir.Table, key: ir.StringValue) -> ir.Table:
    """Customer ids that share ``key`` with a smaller id, with that first id."""
    keyed = t.select("customer_id", "_source_row", contact=key).filter(lambda r: r.contact.notnull())
    first = keyed.group_by("contact").aggregate(first_id=keyed.customer_id.min())
    joined = keyed.join(first, "contact")
    return joined.filter(joined.customer_id != joined.first_id)


def duplicates(t: ir.Table) -> list[Check]:
    email = shared_contact(t, t.email.strip().lower()).mutate(shared=ibis.literal("email"))
    phone = shared_contact(t, normalised_phone(t.phone)).mutate(shared=ibis.literal("phone"))
    both = email.union(phone)
    per_id = both.group_by("customer_id").aggregate(
        same_as=both.first_id.min(), shared=both.shared.collect().sort().join("+"),
        _source_row=both._source_row.min())
    n = scalar(per_id.count())
    if not n:
        return []
    return [Check(
        id="duplicate_customers", table="customers", column="customer_id", severity=WARNING, count=n,
        message=f"{plural(n, 'customer id')} {'repeats' if n == 1 else 'repeat'} the e-mail address or phone "
                "number of an earlier id",
        action="kept apart: kenal does not merge identities on its own; merge them at the source or send an id "
               "mapping, else one person counts as several customers",
        examples=examples(per_id, None, ["customer_id", "same_as", "shared"]))]


def before_customer(ctx: HealthContext, name: str) -> list[Check]:
    """Rows of a customer dated before the customer was created."""
    t, customers = ctx.table(name), ctx.table("customers")
    if t is None or customers is None:
        return []
    c = customers.select("customer_id", customer_created_at="created_at")
    if name == "events":
        early = _early_customers(ctx, c)
        if not scalar(early.count()):
            return []
        t = t.semi_join(early, "customer_id")
    joined = t.join(c, "customer_id")
    joined = ctx.store.materialise(joined.filter(joined.timestamp < joined.customer_created_at))
    n = scalar(joined.count())
    if not n:
        return []
    key = TABLES[name].key[0]
    return [Check(
        id="before_customer_created", table=name, column="timestamp", severity=WARNING, count=n,
        message=f"{n:,} {name} of known customers are dated before the customer was created",
        action="kept; check that created_at is the sign-up time and not a later import date",
        examples=examples(joined, None, [key, "customer_id", "timestamp", "customer_created_at", "_source_row"]))]


def _early_customers(ctx: HealthContext, customers: ir.Table) -> ir.Table:
    """The customers whose first event of some session predates them: only their events can.  The
    session summary's rows (a fifth of the events) say so without joining every event to its customer
    (100M events: 15-20 s)."""
    s = sessions(ctx.store).join(customers, "customer_id")
    return ctx.store.materialise(s.filter(s.started < s.customer_created_at).select("customer_id").distinct())


def checks(ctx: HealthContext) -> list[Check]:
    t = ctx.table("customers")
    if t is None:
        return []
    return [*birth_years(ctx, t), *duplicates(t),
            *[c for name in ("events", "transactions", "interactions") for c in before_customer(ctx, name)]]

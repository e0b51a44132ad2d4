"""Transactions: currencies, returns, double submissions, impossible and extreme amounts."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from kenal.health.checks import INFO, WARNING, Check
from kenal.health.context import HealthContext, examples, plural, records, scalar
from kenal.text.return_reasons import CATEGORIES, reason_category

TUKEY_FAR_OUT = 3.0  # interquartile ranges above the upper quartile, on the log scale
UNIT_ERROR_RATIO = 10_000  # an amount this many times the median looks like a unit or typing error


def currencies(ctx: HealthContext, t: ir.Table) -> list[Check]:
    per = t.group_by("currency").aggregate(rows=t.count(), amount=t.amount.sum(), amount_base=t.amount_base.sum(),
                                           fx_rate_min=t.fx_rate.min(), fx_rate_max=t.fx_rate.max())
    per = records(per.order_by([ibis.desc("rows"), "currency"]))
    base = ctx.settings.base_currency
    foreign = [r for r in per if r["currency"] != base]
    if not foreign:
        return []
    n = sum(r["rows"] for r in foreign)
    return [Check(
        id="currency_conversion", table="transactions", column="currency", severity=INFO, count=n,
        message=f"{plural(n, 'transaction')} in {plural(len(foreign), 'other currency', 'other currencies')} "
                f"{'was' if n == 1 else 'were'} converted to {base}",
        action=f"converted at the latest rate on or before each transaction's date; amount_base is in {base}",
        details=per)]


def returns(t: ir.Table) -> list[Check]:
    purchases = scalar((t.kind == "purchase").sum())
    r = t.filter(t.kind == "return")
    n = scalar(r.count())
    if not n:
        return []
    value = t.aggregate(bought=t.amount_base.sum(where=t.kind == "purchase"),
                        returned=t.amount_base.sum(where=t.kind == "return")).execute().iloc[0]
    by_category = r.mutate(category=reason_category(r.return_reason))
    by_category = records(by_category.group_by("category").aggregate(returns=by_category.count(),
                                                                   value=by_category.amount_base.sum()))
    order = {c: i for i, c in enumerate(CATEGORIES)}
    details = [{"category": row["category"], "label": CATEGORIES[row["category"]], "returns": row["returns"],
                "share": row["returns"] / n, "value": row["value"]}
               for row in sorted(by_category, key=lambda row: order[row["category"]])]
    if purchases and value["bought"]:
        rates = f" ({n / purchases:.1%} by count, {(value['returned'] or 0) / value['bought']:.1%} by value)"
    else:
        rates = ""
    return [Check(
        id="returns", table="transactions", column="return_reason", severity=INFO, count=n,
        message=f"{plural(n, 'return')} against {plural(purchases, 'purchase')}{rates}",
        action="returns reduce each customer's net revenue and feed the return-rate feature; free-text reasons "
               "are mapped to the categories below",
        details=details)]


def near_duplicates(ctx: HealthContext, t: ir.Table) -> list[Check]:
    """Same customer, amount, currency and kind within a few minutes: a payment submitted twice."""
    minutes = ctx.settings.near_duplicate_minutes
    group = ["customer_id", "amount", "currency", "kind"]
    window = ibis.window(group_by=group, order_by=["timestamp", "transaction_id"])
    t = t.select(*group, "transaction_id", "timestamp", "_source_row")  # a window sorts all it carries
    t = t.mutate(previous_id=t.transaction_id.lag().over(window), previous_timestamp=t.timestamp.lag().over(window))
    seconds = t.timestamp.epoch_seconds() - t.previous_timestamp.epoch_seconds()
    t = ctx.store.materialise(t.filter(t.previous_id.notnull() & (seconds <= minutes * 60)))
    n = scalar(t.count())
    if not n:
        return []
    return [Check(
        id="near_duplicate_transactions", table="transactions", severity=WARNING, count=n,
        message=f"{n:,} transactions repeat the same customer, amount and currency within {minutes} minutes "
                "of another under a new id",
        action="flagged, not deleted: both are kept and counted; if they are double submissions, void them at the "
               "source (setting near_duplicate_minutes)",
        examples=examples(t, None, ["transaction_id", "previous_id", "customer_id", "amount", "currency",
                                     "previous_timestamp", "timestamp"]))]


def amounts(t: ir.Table) -> list[Check]:
    checks = []
    not_positive = t.amount <= 0
    n = scalar(not_positive.sum())
    if n:
        checks.append(Check(
            id="non_positive_amounts", table="transactions", column="amount", severity=WARNING, count=n,
            message=f"{n:,} transactions have an amount of zero or less",
            action="kept as recorded; a return should be kind = return with a positive amount, so check how the "
                   "source writes refunds and free items",
            examples=examples(t, not_positive, ["transaction_id", "kind", "amount", "currency", "_source_row"])))

    bought = t.filter((t.kind == "purchase") & (t.amount_base > 0))
    log = bought.amount_base.ln()
    stats = bought.aggregate(q1=log.quantile(0.25), q3=log.quantile(0.75), median=bought.amount_base.median()
                             ).execute().iloc[0]
    if stats["median"] is None or stats["median"] != stats["median"]:
        return checks
    fence = float(stats["q3"] + TUKEY_FAR_OUT * (stats["q3"] - stats["q1"]))
    plausible = UNIT_ERROR_RATIO * float(stats["median"])
    for check_id, where, severity, what, action in (
        ("implausible_amounts", bought.amount_base > plausible, WARNING,
         f"over {UNIT_ERROR_RATIO:,} times the median purchase",
         "kept; amounts this far off are usually a unit error (cents, thousands): fix them at the source"),
        ("extreme_amounts", (log > fence) & (bought.amount_base <= plausible), INFO,
         "far out in the distribution (Tukey's far-out fence on the log scale)",
         "kept; segmentation features are winsorised, so one large basket cannot make a segment"),
    ):
        n = scalar(where.sum())
        if n:
            checks.append(Check(
                id=check_id, table="transactions", column="amount_base", severity=severity, count=n,
                message=f"{n:,} purchases are {what}; the median purchase is {float(stats['median']):,.0f}",
                action=action,
                examples=examples(bought, where, ["transaction_id", "customer_id", "amount", "currency",
                                                  "amount_base"], ibis.desc("amount_base"))))
    return checks


def checks(ctx: HealthContext) -> list[Check]:
    t = ctx.table("transactions")
    if t is None:
        return []
    return [*currencies(ctx, t), *returns(t), *near_duplicates(ctx, t), *amounts(t)]

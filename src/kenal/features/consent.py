"""Who may be profiled.  The one place consent is enforced (DESIGN rule 2)."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from kenal.store import Store


def consent_in_force(store: Store, purpose: str, as_of: ir.TimestampScalar, default: bool) -> ir.Table:
    """customer_id of every customer created by ``as_of`` whose latest ``purpose`` consent before
    ``as_of`` is granted; a customer with no record counts as ``default``."""
    customers = store.table("customers").filter(lambda t: t.created_at <= as_of).select("customer_id")
    if store.has("consents"):
        c = store.table("consents")
        c = c.filter((c.purpose.lower() == purpose) & (c.timestamp <= as_of))
        w = ibis.window(group_by="customer_id", order_by=[ibis.desc("timestamp"), ibis.desc("_source_row")])
        latest = c.mutate(_rank=ibis.row_number().over(w)).filter(lambda t: t._rank == 0)
        latest = latest.select("customer_id", _granted="granted")
    else:
        latest = ibis.memtable({"customer_id": [], "_granted": []},
                               schema={"customer_id": "string", "_granted": "boolean"})
    joined = customers.left_join(latest, "customer_id").select(customers.customer_id, latest._granted)
    return joined.filter(joined._granted.coalesce(default)).select("customer_id")


def profiling_allowed(store: Store, as_of: ir.TimestampScalar) -> ir.Table:
    """customer_id of every customer whose consent in force at ``as_of`` allows profiling.

    The latest record per customer before ``as_of`` decides.  A customer with no record is
    allowed only when the workspace's ``consent_default`` is ``grant``.
    """
    return consent_in_force(store, "profiling", as_of, store.settings.consent_default == "grant")


def reachable(store: Store, as_of: ir.TimestampScalar) -> ir.Table:
    """customer_id of every customer marketing can contact: marketing consent granted (no record is
    no consent, whatever ``consent_default`` says) and an email or a phone number on file."""
    contact = store.table("customers").filter(lambda t: t.email.notnull() | t.phone.notnull()).select("customer_id")
    return consent_in_force(store, "marketing", as_of, False).semi_join(contact, "customer_id")

"""GDPR erasure: `python app.py forget CUSTOMER_ID`.

A customer's personal data are their name and city (DATA_CONTRACT.md: customers.name is personal
data; city locates a person's business). The name becomes a pseudonym naming the id ("Erased
customer C00042", name is NOT NULL) and the city NULL, in one transaction, audit-logged.

Every aggregate stays the same: no metric reads name or city (filters use region, country,
industry and company size, which describe segments, not people), and no row is deleted, so
counts, revenue and histories are untouched. Re-importing a customers.csv that still holds the
person would bring the data back: erase them in the source system too.
"""
from __future__ import annotations

from sqlalchemy import select, update

from queries.schema import customers

from . import audit

PSEUDONYM = "Erased customer {customer_id}"


class ForgetError(LookupError):
    """The customer does not exist."""


def forget_customer(engine, customer_id: str, *, principal) -> dict:
    """Erase one customer's personal data; returns {"customer_id", "erased": {column: old value
    present?}} (never the old values themselves)."""
    customer_id = (customer_id or "").strip()
    with engine.begin() as conn:
        row = conn.execute(select(customers.c.name, customers.c.city)
                           .where(customers.c.customer_id == customer_id)).first()
        if row is None:
            raise ForgetError(f"there is no customer {customer_id!r}")
        pseudonym = PSEUDONYM.format(customer_id=customer_id)
        erased = {"name": row.name != pseudonym, "city": row.city is not None}
        conn.execute(update(customers).where(customers.c.customer_id == customer_id)
                     .values(name=pseudonym, city=None))
        audit.record_in(conn, principal, "forget", {"customer_id": customer_id,
                                                    "erased": [k for k, v in erased.items() if v]})
    return {"customer_id": customer_id, "pseudonym": pseudonym, "erased": erased}

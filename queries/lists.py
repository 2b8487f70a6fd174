"""Drill-down lists: the rows behind a number, one page at a time, with a total count.

Every drill-down of every section uses `page()` (or `page_frame()` for the few lists built in
Python, like the conversions with their journeys), so paging, sorting, the total and the access
rules work the same everywhere, and the list of a number always has exactly that number of rows.

`page()` takes the request's `filters` (required, so a new list cannot forget it) and applies
their `access` (queries/access.py): a role without lists is refused, and the columns a role may
not see (names and contact data when pseudonymised, deal amounts for service) are left out of
the SELECT, so they never leave the database and cannot be sorted by.
"""
from __future__ import annotations

import pandas as pd
from sqlalchemy import func, select

from .access import redact_frame, require_rows, visible_select
from .dialect import days_between
from .schema import campaigns, customers, deals, owners

MAX_PAGE = 100_000


class ListError(ValueError):
    """A paging or sorting parameter is malformed; `param` names it when known ("sort", "limit")."""

    def __init__(self, message: str, param: str | None = None):
        super().__init__(message)
        self.param = param


def deal_list_columns():
    """The columns of a deal drill-down: the deal with its customer's and owner's names and its
    campaign's name (null without a campaign; an outer join, so every deal stays listed)."""
    return select(
        deals.c.deal_id, deals.c.customer_id, customers.c.name.label("customer_name"),
        deals.c.owner_id, owners.c.name.label("owner_name"), owners.c.team,
        customers.c.region, deals.c.source_channel, deals.c.campaign_id,
        campaigns.c.name.label("campaign_name"), deals.c.amount,
        deals.c.created_at, deals.c.expected_close_at, deals.c.closed_at, deals.c.status,
        deals.c.stage, deals.c.lost_reason,
        days_between(deals.c.created_at, deals.c.closed_at).label("cycle_days"),
    ).select_from(
        deals.join(customers, customers.c.customer_id == deals.c.customer_id)
        .join(owners, owners.c.owner_id == deals.c.owner_id)
        .outerjoin(campaigns, campaigns.c.campaign_id == deals.c.campaign_id))


def customer_list_columns():
    """The columns of a customer drill-down."""
    return select(
        customers.c.customer_id, customers.c.name, customers.c.created_at, customers.c.region,
        customers.c.country, customers.c.city, customers.c.industry, customers.c.company_size,
    ).select_from(customers)


def page(conn, base, where, *, filters, limit: int = 100, offset: int = 0, sort=None, default_sort=None):
    """One page of `base` (a select) restricted by `where`: `(DataFrame, total)`.

    `filters` (queries.filters.Filters) carries the user's access: it may refuse the list
    (AccessDenied) or leave columns out (see the module docstring). `where` must already hold
    the filters' clauses. `sort` is a list of (column name, "asc"|"desc") on the columns of
    `base`; ties and the default order use the first column, so pages are stable.
    """
    if not (0 <= limit <= MAX_PAGE) or offset < 0:
        raise ListError(f"limit must be 0..{MAX_PAGE} and offset ≥ 0", "limit" if offset >= 0 else "offset")
    require_rows(filters.access)
    stmt = visible_select(base, filters.access).where(where)
    sub = stmt.subquery("rows")
    total = conn.execute(select(func.count()).select_from(sub)).scalar() or 0
    order = []
    default_sort = [(n, d) for n, d in (default_sort or []) if n in sub.c]  # may be redacted
    for name, direction in (sort or default_sort or []):
        if name not in sub.c:
            raise ListError(f"cannot sort by {name!r}; columns: {', '.join(sub.c.keys())}", "sort")
        if direction not in ("asc", "desc"):
            raise ListError(f"sort direction must be asc or desc, got {direction!r}", "sort")
        col = sub.c[name]
        order.append(col.asc() if direction == "asc" else col.desc())
    first = list(sub.c)[0]
    order.append(first.asc())
    rows = conn.execute(select(sub).order_by(*order).limit(limit).offset(offset))
    df = pd.DataFrame(rows.fetchall(), columns=list(rows.keys()))
    return df, total


def page_frame(df: pd.DataFrame, *, filters, limit: int = 100, offset: int = 0, sort=None, default_sort=None):
    """`page()` for a list built in Python (bounded rows, e.g. the period's conversions with their
    journeys): `(DataFrame, total)` of one page of `df`.

    The same contract: `filters.access` may refuse the list (AccessDenied) and leaves out the
    columns the role may not see (by label, queries.access.redact_frame) before sorting, so they
    cannot be sorted by; `sort` is [(column, "asc"|"desc")]; ties and the default order use the
    first column.
    """
    if not (0 <= limit <= MAX_PAGE) or offset < 0:
        raise ListError(f"limit must be 0..{MAX_PAGE} and offset ≥ 0", "limit" if offset >= 0 else "offset")
    require_rows(filters.access)
    df = redact_frame(df, filters.access)
    default_sort = [(n, d) for n, d in (default_sort or []) if n in df.columns]   # may be redacted
    order = []
    for name, direction in (sort or default_sort):
        if name not in df.columns:
            raise ListError(f"cannot sort by {name!r}; columns: {', '.join(df.columns)}", "sort")
        if direction not in ("asc", "desc"):
            raise ListError(f"sort direction must be asc or desc, got {direction!r}", "sort")
        order.append((name, direction == "asc"))
    first = df.columns[0]
    if first not in dict(order):
        order.append((first, True))
    df = df.sort_values([n for n, _ in order], ascending=[a for _, a in order], na_position="last", kind="mergesort")
    return df.iloc[offset:offset + limit].reset_index(drop=True), len(df)

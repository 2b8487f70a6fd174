"""The values each filter of METRICS.md §0 can take: options for the dashboard's filter bar.

`filter_options(conn)` lists, per filter name of queries.filters.FILTER_NAMES, the distinct
values present in the data as `{"value", "label"}` (values are what the filter matches: ids
for owners and campaigns, labelled by name). `(none)` (queries.filters.NONE_VALUE) is offered
last when some rows have an empty value, because METRICS.md §0 lets `(none)` select exactly
those. Where a value lives:
- region, industry, company_size, country: customers (customer attributes);
- team, owner_region: owners; owner: owners (labelled by name);
- source_channel: deals; campaign: campaigns (labelled by name), `(none)` when a deal has none.
"""
from __future__ import annotations

from sqlalchemy import exists, or_, select

from .filters import FILTER_NAMES, NONE_VALUE
from .schema import campaigns, customers, deals, owners

_TEXT_COLUMNS = {
    "region": customers.c.region,
    "owner_region": owners.c.region,
    "team": owners.c.team,
    "source_channel": deals.c.source_channel,
    "industry": customers.c.industry,
    "company_size": customers.c.company_size,
    "country": customers.c.country,
}


def _empty(col):
    return or_(col.is_(None), col == "")


def _distinct_values(conn, col) -> list[dict]:
    values = [v for (v,) in conn.execute(select(col).where(col.is_not(None), col != "").distinct())]
    # sorted here, not in SQL: collations differ between SQLite and PostgreSQL
    out = [{"value": v, "label": v} for v in sorted(values, key=lambda v: (v.casefold(), v))]
    if conn.execute(select(exists().where(_empty(col)))).scalar():
        out.append({"value": NONE_VALUE, "label": NONE_VALUE})
    return out


def _labelled(conn, id_col, name_col) -> list[dict]:
    rows = conn.execute(select(id_col, name_col)).all()
    rows.sort(key=lambda r: ((r[1] or r[0]).casefold(), r[0]))
    return [{"value": oid, "label": name or oid} for oid, name in rows]


def filter_options(conn) -> dict[str, list[dict]]:
    """Per filter name, the selectable values present in the data (see the module docstring)."""
    out = {name: _distinct_values(conn, col) for name, col in _TEXT_COLUMNS.items()}
    out["owner"] = _labelled(conn, owners.c.owner_id, owners.c.name)
    out["campaign"] = _labelled(conn, campaigns.c.campaign_id, campaigns.c.name)
    if conn.execute(select(exists().where(_empty(deals.c.campaign_id)))).scalar():
        out["campaign"].append({"value": NONE_VALUE, "label": NONE_VALUE})
    return {name: out[name] for name in FILTER_NAMES}

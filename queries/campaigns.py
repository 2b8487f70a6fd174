"""Campaigns and ROI (METRICS.md §4): one row per campaign, and the rows behind its numbers.

A campaign's numbers never depend on which campaign is selected: the campaign filter only
chooses the rows shown, and is dropped for every count. The attribution behind
`attributed_revenue` also ignores the `source_channel` filter. Cost is never filtered.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, func, select

from .attribution import ALL_MODELS, attribute
from .db import data_as_of
from .filters import customer_clauses, deal_clauses
from .journeys import text_order
from .lists import deal_list_columns, page
from .period import Period, to_local
from .schema import campaigns, customers, deals, touchpoints

CAMPAIGN_KINDS = ("deals", "won")


def _ratio(num, den):
    return None if den == 0 else num / den


def cost_in_period(cost: float, first_day: date, last_day: date, period: Period) -> float:
    """The campaign's cost spread evenly over the calendar days first_day..last_day (inclusive),
    times the number of those days inside [from, to).

    A run whose last day precedes its first (an open campaign starting after "data as of", or
    a bad ended_at) counts as the single day first_day, so its cost is still shown once.
    """
    if last_day < first_day:
        last_day = first_day
    run_days = (last_day - first_day).days + 1
    # days of the period: period.start .. period.end − 1 (to is exclusive)
    lo, hi = max(first_day, period.start), min(last_day, period.end - timedelta(days=1))
    inside = max(0, (hi - lo).days + 1)
    return cost * inside / run_days


def _count_by_campaign(conn, stmt) -> dict:
    return {r[0]: r[1:] for r in conn.execute(stmt)}


def campaign_table(conn, period: Period, filters, *, model: str = "last_touch",
                   window_days: int = 90) -> list[dict]:
    """One row per campaign (all campaigns, or those of the campaign filter), by campaign_id.

    Columns: campaign_id, name, channel, cost, leads, deals, won, won_revenue, new_customers,
    attributed_revenue, cpl, cac, roas, roi (METRICS.md §4). Deal columns (deals, won,
    won_revenue, new_customers) apply the deal filters to the deal; leads applies the customer
    filters to the lead's customer; neither applies the campaign filter.
    """
    if model not in ALL_MODELS:
        raise ValueError(f"model must be one of {', '.join(ALL_MODELS)}, got {model!r}")
    f = filters.without("campaign")

    def in_period(col):
        return (col >= period.start_utc) & (col < period.end_utc)

    tp, d = touchpoints, deals

    first_touch = (select(tp.c.campaign_id, tp.c.customer_id,
                          func.min(tp.c.occurred_at).label("first_at"))
                   .where(tp.c.campaign_id.is_not(None), *customer_clauses(f, tp.c.customer_id))
                   .group_by(tp.c.campaign_id, tp.c.customer_id).subquery("first_campaign_touch"))
    leads = _count_by_campaign(conn, select(first_touch.c.campaign_id, func.count())
                               .where(in_period(first_touch.c.first_at))
                               .group_by(first_touch.c.campaign_id))
    created = _count_by_campaign(conn, select(d.c.campaign_id, func.count())
                                 .where(d.c.campaign_id.is_not(None), in_period(d.c.created_at),
                                        *deal_clauses(f))
                                 .group_by(d.c.campaign_id))
    won = _count_by_campaign(conn, select(d.c.campaign_id, func.count(), func.sum(d.c.amount))
                             .where(d.c.campaign_id.is_not(None), d.c.status == "won",
                                    in_period(d.c.closed_at), *deal_clauses(f))
                             .group_by(d.c.campaign_id))
    # the customer's first won deal ever (all deals; ties by deal_id as text)
    ranked = (select(d.c.deal_id, d.c.customer_id, d.c.owner_id, d.c.campaign_id,
                     d.c.source_channel, d.c.closed_at,
                     func.row_number().over(partition_by=d.c.customer_id,
                                            order_by=(d.c.closed_at, text_order(d.c.deal_id, conn)))
                     .label("rn"))
              .where(d.c.status == "won").subquery("won_ranked"))
    new_customers = _count_by_campaign(
        conn, select(ranked.c.campaign_id, func.count())
        .where(ranked.c.rn == 1, ranked.c.campaign_id.is_not(None), in_period(ranked.c.closed_at),
               *deal_clauses(f, ranked))
        .group_by(ranked.c.campaign_id))
    attributed = attribute(conn, period, filters.without("campaign", "source_channel"), model=model,
                           window_days=window_days, key="campaign")["by_key"]

    as_of = data_as_of(conn)
    tz = period.tz
    stmt = select(campaigns).order_by(text_order(campaigns.c.campaign_id, conn))
    if filters.campaign:
        stmt = stmt.where(campaigns.c.campaign_id.in_(filters.campaign))
    out = []
    for c in conn.execute(stmt):
        first_day = to_local(c.started_at, tz).date()
        end_ts = c.ended_at if c.ended_at is not None else as_of
        last_day = to_local(end_ts, tz).date() if end_ts is not None else first_day
        cost = cost_in_period(float(c.cost), first_day, last_day, period)
        n_won, won_rev = won.get(c.campaign_id, (0, 0.0))
        n_new = int(new_customers.get(c.campaign_id, (0,))[0])
        n_leads = int(leads.get(c.campaign_id, (0,))[0])
        # Markov leaves every value null when nothing converts (P(conversion) = 0)
        attr = attributed.get(c.campaign_id, {"value": 0.0})["value"]
        out.append({
            "campaign_id": c.campaign_id, "name": c.name, "channel": c.channel,
            "cost": cost, "leads": n_leads,
            "deals": int(created.get(c.campaign_id, (0,))[0]),
            "won": int(n_won), "won_revenue": float(won_rev or 0.0),
            "new_customers": n_new, "attributed_revenue": attr,
            "cpl": _ratio(cost, n_leads), "cac": _ratio(cost, n_new),
            "roas": None if attr is None else _ratio(attr, cost),
            "roi": None if attr is None else _ratio(attr - cost, cost),
        })
    return out


def campaign_deals(conn, period: Period, filters, *, campaign_id: str, kind: str = "deals",
                   limit: int = 100, offset: int = 0, sort=None):
    """The deals behind `deals` (created in the period) or `won` (closed won in the period):
    `(DataFrame, total)` with the deal drill-down columns (queries.lists)."""
    if kind not in CAMPAIGN_KINDS:
        raise ValueError(f"kind must be one of {', '.join(CAMPAIGN_KINDS)}, got {kind!r}")
    d = deals
    conds = [d.c.campaign_id == campaign_id, *deal_clauses(filters.without("campaign"))]
    if kind == "deals":
        conds += [d.c.created_at >= period.start_utc, d.c.created_at < period.end_utc]
    else:
        conds += [d.c.status == "won", d.c.closed_at >= period.start_utc,
                  d.c.closed_at < period.end_utc]
    return page(conn, deal_list_columns(), and_(*conds), filters=filters, limit=limit, offset=offset, sort=sort,
                default_sort=[("created_at" if kind == "deals" else "closed_at", "asc")])


def campaign_touchpoints(conn, period: Period, filters, *, campaign_id: str, limit: int = 100,
                         offset: int = 0, sort=None):
    """The campaign's touchpoints in the period, of customers passing the filters (campaign
    filter dropped), with the customer's name and region: `(DataFrame, total)`."""
    tp = touchpoints
    base = (select(tp.c.touchpoint_id, tp.c.customer_id, customers.c.name, customers.c.region,
                   tp.c.channel, tp.c.campaign_id, tp.c.occurred_at, tp.c.kind)
            .select_from(tp.join(customers, customers.c.customer_id == tp.c.customer_id)))
    where = and_(tp.c.campaign_id == campaign_id, tp.c.occurred_at >= period.start_utc,
                 tp.c.occurred_at < period.end_utc,
                 *customer_clauses(filters.without("campaign"), tp.c.customer_id))
    return page(conn, base, where, filters=filters, limit=limit, offset=offset, sort=sort, default_sort=[("occurred_at", "asc")])

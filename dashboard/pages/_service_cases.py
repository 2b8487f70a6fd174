"""The cases drill-down (queries.service.cases_list) shared by the service page and the overview.

    drilldown.register(CASES_SOURCE)        # in each page module that opens it (replaces by name)
    drilldown.request(CASES, title, kind="opened", week="2025-03-03", agent=["a1"])

Params: kind (opened | resolved | backlog | rated), priority, channel, agent (lists of values,
`(none)` for empty), week (the Monday of a service_trend week) and month ('YYYY-MM': the part of
the period in that month, for the CSAT trend, which is monthly; cases_list knows only weeks).
"""
from __future__ import annotations

from datetime import date

from dashboard.components import drilldown
from dashboard.components.drilldown import Column
from queries.period import Period, add_months

from ._service_texts import PAGE_TEXTS

CASES = "service.cases"


def _h(key: str) -> dict:
    return PAGE_TEXTS[key]


CASE_COLUMNS = (
    Column("case_id", _h("service.col.case_id"), width=120),
    Column("customer_id", "col.customer_id", width=135, min_width=95),
    Column("customer_name", "col.customer_name", width=190),
    Column("agent_name", _h("service.col.agent"), width=150, min_width=100),
    Column("owner_id", "col.owner_id", width=130, hidden=True),
    Column("channel", _h("service.col.channel"), "channel", width=100),
    Column("category", _h("service.col.category"), "case_category", width=115, min_width=90),
    Column("priority", _h("service.col.priority"), "priority", width=105, min_width=85),
    Column("opened_at", _h("service.col.opened_at"), "datetime", width=150, min_width=120),
    # the hours column below says it; exported, not shown (thirteen columns did not fit the drawer)
    Column("first_response_at", _h("service.col.first_response_at"), "datetime", width=150, hidden=True),
    Column("resolved_at", _h("service.col.resolved_at"), "datetime", width=150, min_width=120),
    Column("satisfaction", _h("service.col.satisfaction"), "count", width=105, min_width=95),
    Column("first_response_hours", _h("service.col.first_response_hours"), "number", width=140, min_width=110),
    Column("resolution_hours", _h("service.col.resolution_hours"), "number", width=130, min_width=100),
)


def month_period(period: Period, month: str) -> Period:
    """The part of `period` inside calendar month `month` ('YYYY-MM')."""
    first = date.fromisoformat(month + "-01")
    return Period(max(period.start, first), min(period.end, add_months(first, 1)), period.tz_name)


def fetch_cases(conn, period, filters, *, ctx, limit, offset, sort, kind="opened", priority=None, channel=None,
                agent=None, week=None, month=None):
    from queries.service import cases_list
    if month:
        period = month_period(period, month)
    return cases_list(conn, period, filters, kind=kind, priority=priority, channel=channel, agent=agent or None,
                      week=week, limit=limit, offset=offset, sort=sort)


CASES_SOURCE = drilldown.Source(CASES, fetch_cases, columns=CASE_COLUMNS)

"""A hand-built pipeline of eight deals whose every number is derived by hand in the tests.

Period under test: January 2025 (UTC). Deals (all amounts in €):
  d1 won   c1/o1  created 01-01, Lead 01-01, Proposal 01-03 (skips Qualified), closed 01-11   100
  d2 lost  c2/o2  created 01-02, Lead 01-02, closed 01-05 (lost at Lead, reason price)       50
  d3 open  c1/o1  created 01-03, starts at Qualified 01-04, no expected close               10
  d4 lost  c3/o2  created 01-05, Lead 01-05, Proposal 01-06, back to Qualified 01-08,
                  Lost row 01-20, closed 01-20 (reason timing)                               40
  d5 open  c2/o1  created 01-10, Lead and Qualified both at 01-10 12:00 (equal timestamps),
                  expected close 2025-02-15                                                 20
  d6 won   c1/o2  created 01-15, no history rows at all, closed 01-25                       200
  d7 won   c1/o1  created 2024-12-20 (not in the January cohort), Lead 12-20, closed 01-09   70
  d8 lost  c3/o1  created 01-12, Lead 01-12, Negotiation 01-13, Won row 01-14 (then
                  reopened: status lost, so the Won row does not count), Negotiation 01-15,
                  closed 01-18 without a Lost row                                           30
Customers: c1 region DACH, c2 region Nordics, c3 no region. Owners: o1 team A (DACH), o2 team B (Nordics).
"""
from datetime import date, datetime

from queries.period import Period

JAN = Period(date(2025, 1, 1), date(2025, 2, 1), "UTC")


def dt(month, day, hour=0, year=2025):
    return datetime(year, month, day, hour)


def deal(deal_id, customer, owner, amount, created, status, closed=None, stage=None, **kw):
    return {"deal_id": deal_id, "customer_id": customer, "owner_id": owner, "amount": amount,
            "created_at": created, "status": status, "closed_at": closed,
            "stage": stage or {"won": "Won", "lost": "Lost"}.get(status, "Lead"), **kw}


ROWS = {
    "owners": [{"owner_id": "o1", "name": "Anna Müller", "team": "A", "region": "DACH"},
               {"owner_id": "o2", "name": "Jörg Schäfer", "team": "B", "region": "Nordics"}],
    "customers": [{"customer_id": "c1", "name": "Bäckerei Löwe", "created_at": dt(1, 1, year=2024), "region": "DACH"},
                  {"customer_id": "c2", "name": "Sørensen AS", "created_at": dt(1, 1, year=2024), "region": "Nordics"},
                  {"customer_id": "c3", "name": "O'Brien Ltd", "created_at": dt(1, 1, year=2024)}],
    "deals": [
        deal("d1", "c1", "o1", 100.0, dt(1, 1), "won", dt(1, 11)),
        deal("d2", "c2", "o2", 50.0, dt(1, 2), "lost", dt(1, 5), lost_reason="price"),
        deal("d3", "c1", "o1", 10.0, dt(1, 3), "open", stage="Qualified"),
        deal("d4", "c3", "o2", 40.0, dt(1, 5), "lost", dt(1, 20), lost_reason="timing"),
        deal("d5", "c2", "o1", 20.0, dt(1, 10), "open", stage="Qualified", expected_close_at=dt(2, 15)),
        deal("d6", "c1", "o2", 200.0, dt(1, 15), "won", dt(1, 25)),
        deal("d7", "c1", "o1", 70.0, dt(12, 20, year=2024), "won", dt(1, 9)),
        deal("d8", "c3", "o1", 30.0, dt(1, 12), "lost", dt(1, 18)),
    ],
    "deal_stage_history": [
        {"deal_id": "d1", "stage": "Lead", "entered_at": dt(1, 1)},
        {"deal_id": "d1", "stage": "Proposal", "entered_at": dt(1, 3)},
        {"deal_id": "d2", "stage": "Lead", "entered_at": dt(1, 2)},
        {"deal_id": "d3", "stage": "Qualified", "entered_at": dt(1, 4)},
        {"deal_id": "d4", "stage": "Lead", "entered_at": dt(1, 5)},
        {"deal_id": "d4", "stage": "Proposal", "entered_at": dt(1, 6)},
        {"deal_id": "d4", "stage": "Qualified", "entered_at": dt(1, 8)},
        {"deal_id": "d4", "stage": "Lost", "entered_at": dt(1, 20)},
        {"deal_id": "d5", "stage": "Qualified", "entered_at": dt(1, 10, 12)},
        {"deal_id": "d5", "stage": "Lead", "entered_at": dt(1, 10, 12)},
        {"deal_id": "d7", "stage": "Lead", "entered_at": dt(12, 20, year=2024)},
        {"deal_id": "d8", "stage": "Lead", "entered_at": dt(1, 12)},
        {"deal_id": "d8", "stage": "Negotiation", "entered_at": dt(1, 13)},
        {"deal_id": "d8", "stage": "Won", "entered_at": dt(1, 14)},
        {"deal_id": "d8", "stage": "Negotiation", "entered_at": dt(1, 15)},
    ],
    "targets": [
        {"kpi": "won_revenue", "period_start": date(2025, 1, 1), "period_end": date(2025, 2, 1), "scope": "all", "target": 400.0},
        {"kpi": "won_revenue", "period_start": date(2025, 2, 1), "period_end": date(2025, 3, 1), "scope": "all", "target": 500.0},
        {"kpi": "won_revenue", "period_start": date(2025, 3, 1), "period_end": date(2025, 4, 1), "scope": "all", "target": 600.0},
        {"kpi": "won_revenue", "period_start": date(2025, 1, 1), "period_end": date(2025, 4, 1), "scope": "all", "target": 1600.0},
        {"kpi": "win_rate", "period_start": date(2025, 1, 1), "period_end": date(2025, 2, 1), "scope": "all", "target": 0.4},
        {"kpi": "win_rate", "period_start": date(2025, 2, 1), "period_end": date(2025, 3, 1), "scope": "all", "target": 0.6},
        {"kpi": "won_revenue", "period_start": date(2025, 1, 1), "period_end": date(2025, 2, 1), "scope": "region:DACH", "target": 300.0},
        {"kpi": "won_revenue", "period_start": date(2025, 1, 1), "period_end": date(2025, 2, 1), "scope": "owner:o1", "target": 200.0},
    ],
}

"""The access scope in the query layer (queries/access.py via Filters.access): scopes only ever
remove rows, an empty scope selects nothing, lists are redacted in the SELECT.

Hand-built data (every test on SQLite and PostgreSQL):
    owners    O1 (team A), O2 (team B)
    customers C1 DACH "Anna GmbH" Berlin, C2 Nordics, C3 DACH
    deals     D1 C1 O1 won 100 · D2 C2 O1 lost 50 · D3 C3 O2 won 300 · D4 C2 O2 open 70
              all created 2025-02-01; D1-D3 closed 2025-03-01
"""
from datetime import datetime

import pytest
from sqlalchemy import select

from queries import cycle, funnel, service
from queries.access import Access, AccessDenied, visible_select
from queries.filters import Filters, customer_clauses, deal_clauses
from queries.lists import ListError, customer_list_columns, deal_list_columns
from queries.period import Period
from queries.schema import customers, deals
from queries.targets import target_scope
from tests.conftest import load_rows

YEAR = Period.parse("2025-01-01", "2026-01-01", "UTC")
SALES_O1 = Access(role="sales", owner_scope=("O1",))
DACH = Access(role="manager", region_scope=("DACH",))


def _deal(did, cid, oid, status, amount):
    closed = datetime(2025, 3, 1) if status != "open" else None
    stage = {"won": "Won", "lost": "Lost", "open": "Lead"}[status]
    return {"deal_id": did, "customer_id": cid, "owner_id": oid, "amount": amount, "status": status,
            "stage": stage, "created_at": datetime(2025, 2, 1), "closed_at": closed}


@pytest.fixture
def db(engine):
    load_rows(engine, {
        "owners": [{"owner_id": "O1", "name": "Olga One", "team": "A"}, {"owner_id": "O2", "name": "Otto Two", "team": "B"}],
        "customers": [
            {"customer_id": "C1", "name": "Anna GmbH", "city": "Berlin", "region": "DACH", "created_at": datetime(2024, 1, 1)},
            {"customer_id": "C2", "name": "Nord AB", "city": "Oslo", "region": "Nordics", "created_at": datetime(2024, 1, 1)},
            {"customer_id": "C3", "name": "Alp AG", "city": "Wien", "region": "DACH", "created_at": datetime(2024, 1, 1)}],
        "deals": [_deal("D1", "C1", "O1", "won", 100.0), _deal("D2", "C2", "O1", "lost", 50.0),
                  _deal("D3", "C3", "O2", "won", 300.0), _deal("D4", "C2", "O2", "open", 70.0)],
    })
    return engine


def _deal_ids(conn, f):
    return {r[0] for r in conn.execute(select(deals.c.deal_id).where(*deal_clauses(f)))}


def _customer_ids(conn, f):
    return {r[0] for r in conn.execute(select(customers.c.customer_id).where(*customer_clauses(f, customers.c.customer_id)))}


def test_owner_scope_keeps_the_reps_deals_and_the_customers_with_a_deal_of_theirs(db):
    with db.connect() as conn:
        assert _deal_ids(conn, Filters()) == {"D1", "D2", "D3", "D4"}
        f = Filters().with_access(SALES_O1)
        assert _deal_ids(conn, f) == {"D1", "D2"}
        assert _customer_ids(conn, f) == {"C1", "C2"}          # C2: D2 is O1's (D4 of O2 does not matter)


def test_region_scope_narrows_deals_and_customers_to_the_customer_region(db):
    with db.connect() as conn:
        f = Filters().with_access(DACH)
        assert _deal_ids(conn, f) == {"D1", "D3"} and _customer_ids(conn, f) == {"C1", "C3"}
        both = Filters().with_access(Access(role="sales", owner_scope=("O1",), region_scope=("DACH",)))
        assert _deal_ids(conn, both) == {"D1"} and _customer_ids(conn, both) == {"C1"}


def test_a_scope_intersects_the_users_filters_and_an_empty_intersection_is_no_rows(db):
    with db.connect() as conn:
        assert _deal_ids(conn, Filters(owner=("O2",)).with_access(SALES_O1)) == set()
        assert _deal_ids(conn, Filters(region=("Nordics",)).with_access(DACH)) == set()
        assert _deal_ids(conn, Filters(team=("A",)).with_access(SALES_O1)) == {"D1", "D2"}


def test_a_sales_user_without_an_owner_id_sees_nothing_not_everything(db):
    nobody = Filters().with_access(Access(role="sales", owner_scope=()))
    with db.connect() as conn:
        assert _deal_ids(conn, nobody) == set() and _customer_ids(conn, nobody) == set()
        k = cycle.kpis(conn, YEAR, nobody)
    assert k["won_deals"] == 0 and not k["won_revenue"]


def test_kpis_and_funnel_count_only_the_scope(db):
    with db.connect() as conn:
        everyone = cycle.kpis(conn, YEAR, Filters())
        own = cycle.kpis(conn, YEAR, Filters().with_access(SALES_O1))
        f_own = funnel.funnel(conn, YEAR, Filters().with_access(SALES_O1))
    assert (everyone["won_revenue"], everyone["won_deals"]) == (400.0, 2)     # D1 100 + D3 300
    assert (own["won_revenue"], own["won_deals"], own["win_rate"]) == (100.0, 1, 0.5)   # D1 won, D2 lost
    assert f_own["cohort_deals"] == 2 and f_own["stages"][0]["reached"] == 2


def test_pseudonymised_lists_have_ids_but_no_names_and_cannot_be_sorted_by_them(db):
    marketing = Filters().with_access(Access(role="marketing", pseudonymise=True))
    with db.connect() as conn:
        df, total = cycle.deals_list(conn, YEAR, marketing, kind="won")
        assert total == 2 and set(df["deal_id"]) == {"D1", "D3"} and set(df["customer_id"]) == {"C1", "C3"}
        assert not {"customer_name", "owner_name"} & set(df.columns) and "amount" in df.columns
        with pytest.raises(ListError):
            cycle.deals_list(conn, YEAR, marketing, kind="won", sort=[("customer_name", "asc")])
    cols = [c.key for c in visible_select(customer_list_columns(), marketing.access).selected_columns]
    assert "customer_id" in cols and "name" not in cols and "city" not in cols


def test_service_lists_have_no_deal_amounts_and_viewers_get_no_lists(db):
    service = Filters().with_access(Access(role="service", no_amounts=True))
    with db.connect() as conn:
        df, _ = cycle.deals_list(conn, YEAR, service, kind="won")
        assert "amount" not in df.columns and "customer_name" in df.columns
        with pytest.raises(AccessDenied):
            cycle.deals_list(conn, YEAR, Filters().with_access(Access(role="viewer", no_rows=True)), kind="won")
    assert "amount" in [c.key for c in deal_list_columns().selected_columns]   # the base list is untouched


def test_hidden_rep_figures_refuse_the_leaderboard_the_owner_breakdown_and_the_owner_filter(db):
    hidden = Access(role="sales", owner_scope=("O1",), hide_rep_figures=True)
    with pytest.raises(AccessDenied):
        Filters(owner=("O1",)).with_access(hidden)
    f = Filters().with_access(hidden)
    with db.connect() as conn:
        with pytest.raises(AccessDenied):
            cycle.owner_leaderboard(conn, YEAR, f)
        with pytest.raises(AccessDenied):
            funnel.funnel_breakdown(conn, YEAR, f, by="owner")
        with pytest.raises(AccessDenied):
            service.service_by(conn, YEAR, f, by="agent")                 # service agents are reps too
        with pytest.raises(AccessDenied):
            service.service_kpis(conn, YEAR, f, agent=("O2",))
        assert funnel.funnel_breakdown(conn, YEAR, f, by="region")       # other breakdowns stay
        assert [r["owner_id"] for r in cycle.owner_leaderboard(conn, YEAR, Filters().with_access(SALES_O1))] == ["O1"]


def test_the_scope_is_the_target_scope_and_not_a_user_filter():
    assert target_scope(Filters().with_access(SALES_O1)) == "owner:O1"
    assert target_scope(Filters().with_access(DACH)) == "region:DACH"
    assert target_scope(Filters(owner=("O2",)).with_access(SALES_O1)) is None
    both = Access(role="sales", owner_scope=("O1",), region_scope=("DACH",))
    assert target_scope(Filters().with_access(both)) is None
    f = Filters(region=("DACH",)).with_access(SALES_O1)
    assert f.to_mapping() == {"region": "DACH"} and f.active() == {"region": ("DACH",)}   # scope not in the URL

"""queries.dimensions.filter_options: the filter bar's choices, on SQLite and PostgreSQL."""
from datetime import datetime

from tests.conftest import load_rows
from queries.dimensions import filter_options
from queries.filters import FILTER_NAMES

T = datetime(2025, 3, 1, 9, 0, 0)


def _rows():
    owners = [
        {"owner_id": "o2", "name": "berta Zeller", "team": "Inside", "region": "DACH"},
        {"owner_id": "o1", "name": "Anna Adler", "team": "Field", "region": None},
    ]
    customers = [
        {"customer_id": "c1", "name": "C1", "created_at": T, "region": "Nordics", "country": "SE",
         "industry": "Retail", "company_size": "1-10"},
        {"customer_id": "c2", "name": "C2", "created_at": T, "region": "DACH", "country": "DE",
         "industry": "", "company_size": "11-50"},
        {"customer_id": "c3", "name": "C3", "created_at": T, "region": "DACH", "country": "DE",
         "industry": "retail", "company_size": None},
    ]
    campaigns = [{"campaign_id": "k2", "name": "Spring fair", "channel": "event", "started_at": T, "cost": 1.0},
                 {"campaign_id": "k1", "name": "Autumn mail", "channel": "email", "started_at": T, "cost": 1.0}]
    deal = {"amount": 1.0, "created_at": T, "status": "open", "stage": "Lead"}
    deals = [
        {**deal, "deal_id": "d1", "customer_id": "c1", "owner_id": "o1", "campaign_id": "k1", "source_channel": "email"},
        {**deal, "deal_id": "d2", "customer_id": "c2", "owner_id": "o2", "campaign_id": None, "source_channel": "email"},
        {**deal, "deal_id": "d3", "customer_id": "c3", "owner_id": "o2", "campaign_id": "k1", "source_channel": "referral"},
    ]
    return {"owners": owners, "customers": customers, "campaigns": campaigns, "deals": deals}


def test_every_filter_has_its_distinct_values(engine):
    load_rows(engine, _rows())
    with engine.connect() as conn:
        opts = filter_options(conn)
    assert list(opts) == list(FILTER_NAMES)
    values = {name: [o["value"] for o in opts[name]] for name in opts}
    assert values["region"] == ["DACH", "Nordics"]                 # distinct, sorted
    assert values["country"] == ["DE", "SE"]
    assert values["team"] == ["Field", "Inside"]
    assert values["source_channel"] == ["email", "referral"]


def test_none_is_offered_last_exactly_where_empty_values_exist(engine):
    load_rows(engine, _rows())
    with engine.connect() as conn:
        opts = filter_options(conn)
    values = {name: [o["value"] for o in opts[name]] for name in opts}
    assert values["industry"] == ["Retail", "retail", "(none)"]    # "" counts as empty; case kept, ties by code point
    assert values["company_size"] == ["1-10", "11-50", "(none)"]  # NULL counts as empty
    assert values["owner_region"] == ["DACH", "(none)"]
    assert values["campaign"] == ["k1", "k2", "(none)"]            # d2 has no campaign
    assert "(none)" not in values["region"] and "(none)" not in values["source_channel"]


def test_owners_and_campaigns_are_ids_labelled_by_name(engine):
    load_rows(engine, _rows())
    with engine.connect() as conn:
        opts = filter_options(conn)
    # sorted by name, case-insensitively: Anna Adler, berta Zeller / Autumn mail, Spring fair
    assert opts["owner"] == [{"value": "o1", "label": "Anna Adler"}, {"value": "o2", "label": "berta Zeller"}]
    assert opts["campaign"][:2] == [{"value": "k1", "label": "Autumn mail"}, {"value": "k2", "label": "Spring fair"}]


def test_an_empty_database_has_no_options(engine):
    with engine.connect() as conn:
        opts = filter_options(conn)
    assert all(v == [] for v in opts.values())

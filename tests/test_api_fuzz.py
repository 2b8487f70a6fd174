"""Property-based fuzzing of the JSON API from its own OpenAPI document (schemathesis, in-process
WSGI): every operation gets generated valid and invalid query strings, and no answer may be a
500, answer with an undocumented status or content type, or break its documented schema.

Bounded: a fixed seed (the same cases in every run, no flaky CI), `MAX_EXAMPLES` (25) valid and
invalid cases per operation in the fuzzing phase plus schemathesis' valid boundary cases (coverage
phase); ~30 s on the worked example. For a local hunt (not CI): `FUZZ_THOROUGH=1` adds the
invalid boundary cases, `FUZZ_MAX_EXAMPLES=200` fuzzes longer, `FUZZ_SEED=n` draws other cases.

Not checked: "schema-valid data must be accepted" (the document cannot say that `from` and `to`
come together, or that `stage` must be a configured stage) and "schema-invalid data must be
rejected" (any text is a valid filter value on the wire, so `region=true` is not invalid).
"""
import os

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="pip install -r requirements.txt (schemathesis)")
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.config import SchemathesisConfig

from tests.conftest import WORKED_EXAMPLE

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "25"))
#: FUZZ_THOROUGH=1 adds the coverage phase's invalid boundary cases (~8,000 requests, ~1 min more)
THOROUGH = os.environ.get("FUZZ_THOROUGH", "") not in ("", "0")
SEED = int(os.environ.get("FUZZ_SEED", "20260101"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory):
    from app import create_app
    from ingest.csv_import import import_folder
    from queries.db import ensure_schema, make_engine
    from settings import load_settings
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'api.db'}"
    engine = make_engine(url)
    ensure_schema(engine)
    import_folder(engine, WORKED_EXAMPLE / "csv", tz_name="UTC")
    engine.dispose()
    app = create_app(load_settings({"DATABASE_URL": url, "REPORT_TZ": "UTC"}), with_dashboard=False)
    phases = {} if THOROUGH else {"phases": {"coverage": {"generation": {"mode": "positive"}}}}
    config = SchemathesisConfig.from_dict({"seed": SEED, **phases})
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_operation_answers_500_or_off_its_schema(case):
    # identity: the test client does not unpack flask-compress' gzip
    case.call_and_validate(headers={"Accept-Encoding": "identity"}, checks=CHECKS)


# --- what the fuzzer found (kept as plain regression tests: the seeded run may not hit them) ---
@pytest.mark.parametrize("period", ["from=0001-01-01&to=0006-01-01", "from=9990-01-01&to=9999-12-31",
                                    "from=1899-12-31&to=1900-02-01", "from=2199-12-01&to=2200-01-02"])
def test_periods_near_the_ends_of_the_calendar_are_a_400_naming_the_bound(api_schema, period):
    """`/attribution?from=0001-01-01&to=0006-01-01` was a 500 (OverflowError): the journey
    lookback window reached before year 1. Every endpoint now refuses such periods up front."""
    from api.endpoints import ENDPOINTS
    client = api_schema.app.test_client()
    for ep in ENDPOINTS:
        r = client.get(f"/api/v1{ep.path}?{period}")
        assert r.status_code == 400, (ep.path, period, r.status_code)
        assert r.get_json()["parameter"] == ("from" if period.startswith(("from=0001", "from=1899")) else "to")

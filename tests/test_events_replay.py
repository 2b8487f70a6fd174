"""`python app.py replay`: the planned events continue the demo data and apply in full, directly and
through the HTTP API of a running server; a lost answer is retried harmlessly, a refused event is
dropped and the rest of its batch goes through."""
from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from ingest.events_replay import load_state, make_plan
from ingest.events_replay_run import Refused, direct_sender, http_sender, play, send_batch
from queries import schema as s
from queries.db import data_as_of, data_version
from queries.pipeline import DEFAULT
from settings import Settings

FIXED = datetime.now(UTC).replace(microsecond=0)   # the demo data ends at today's midnight


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo(request, fresh_db):
    from ingest.demo import generate_demo
    engine = fresh_db.make(request.param)
    generate_demo(engine, deals=400, seed=7, tz_name="UTC")
    yield engine
    engine.dispose()


def table_counts(engine) -> dict:
    with engine.connect() as conn:
        out = {t.name: conn.execute(select(func.count()).select_from(t)).scalar() for t in s.CONTRACT_TABLES}
        out["version"] = data_version(conn)
        out["open_deals"] = conn.execute(select(func.count()).where(s.deals.c.status == "open")).scalar()
    return out


def quiet(*_args):
    pass


def test_the_plan_is_plausible_deterministic_and_applies_in_full(demo):
    with demo.connect() as conn:
        state = load_state(conn, DEFAULT)
    assert state.open_deals and state.campaigns and state.rates["deals"] > 0
    plan = make_plan(state, DEFAULT, days=7, seed=3, tag="t1", busy=6)
    again = make_plan(state, DEFAULT, days=7, seed=3, tag="t1", busy=6)
    assert [(p.at, p.type, p.data) for p in plan] == [(p.at, p.type, p.data) for p in again]
    kinds = Counter(p.type for p in plan)
    assert set(kinds) >= {"customer.created", "deal.created", "deal.stage_changed", "deal.won", "deal.lost",
                          "touchpoint.recorded", "order.placed", "lifecycle.changed", "campaign.spend",
                          "case.opened", "case.first_response", "case.resolved", "case.rated"}
    assert all(a.at <= b.at for a, b in zip(plan, plan[1:]))
    before = table_counts(demo)
    totals = play(plan, direct_sender(demo, Settings(report_tz="UTC"), DEFAULT), speed=0, batch_seconds=0,
                  tag="t1", wall=lambda: FIXED, out=quiet)
    assert totals["applied"] == totals["events"] == len(plan) and totals["dropped"] == 0
    after = table_counts(demo)
    assert after["deals"] - before["deals"] == kinds["deal.created"]
    assert after["customers"] - before["customers"] == kinds["customer.created"]
    assert after["orders"] - before["orders"] == kinds["order.placed"]
    assert after["cases"] - before["cases"] == kinds["case.opened"]
    closed = kinds["deal.won"] + kinds["deal.lost"]
    assert after["open_deals"] == before["open_deals"] + kinds["deal.created"] - closed
    assert after["version"] > before["version"]
    with demo.connect() as conn:
        assert data_as_of(conn) == FIXED.replace(tzinfo=None)   # the events are "now"


def test_a_refused_event_is_dropped_and_the_rest_of_its_batch_applied(demo):
    from ingest.events_replay import Planned
    with demo.connect() as conn:
        deal_id = conn.execute(select(s.deals.c.deal_id).where(s.deals.c.status == "won").limit(1)).scalar()
        camp = conn.execute(select(s.campaigns.c.campaign_id, s.campaigns.c.cost).limit(1)).one()
    plan = [Planned(0, 0, "campaign.spend", {"campaign_id": camp[0], "amount": 10.0}),
            Planned(0, 1, "deal.won", {"deal_id": deal_id}),           # already won: refused
            Planned(0, 2, "campaign.spend", {"campaign_id": camp[0], "amount": 5.0})]
    lines = []
    applied, dropped = send_batch(direct_sender(demo, Settings(report_tz="UTC"), DEFAULT), plan, "t2", FIXED,
                                  lines.append)
    assert (applied, dropped) == (2, 1)
    assert "is already won" in lines[0] and "events[1]" in lines[0]
    with demo.connect() as conn:
        cost = conn.execute(select(s.campaigns.c.cost).where(s.campaigns.c.campaign_id == camp[0])).scalar()
    assert cost == pytest.approx(camp[1] + 15.0)


@pytest.fixture
def live_server(demo):
    """The app on the demo database, served over real HTTP in a thread; the first answer is
    a 503 *after* the batch was applied (an answer lost on its way back)."""
    from werkzeug.serving import make_server

    from app import create_app
    from auth.users import add_token, add_user, get_user
    url = demo.url.render_as_string(hide_password=False)
    if get_user(demo, "sync") is None:
        add_user(demo, "sync", role="integration", password=None)
    token = add_token(demo, "sync", "replay-" + str(id(object())))
    app = create_app(Settings(database_url=url, report_tz="UTC", auth_mode="builtin", secret_key="k" * 40),
                     with_dashboard=False)
    inner, calls = app.wsgi_app, []

    def losing_first_answer(environ, start_response):
        calls.append(environ["PATH_INFO"])
        if len(calls) == 1:
            list(inner(environ, lambda *a, **k: None))   # applied …
            start_response("503 Service Unavailable", [("Content-Type", "application/json")])
            return [b'{"error": "lost"}']                  # … but the client never hears it
        return inner(environ, start_response)
    server = make_server("127.0.0.1", 0, losing_first_answer, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", token, calls
    server.shutdown()


def test_replay_through_the_http_api_survives_a_lost_answer(demo, live_server, monkeypatch):
    import ingest.events_replay_run as run_mod
    monkeypatch.setattr(run_mod, "RETRY_SECONDS", (0, 0))
    base, token, calls = live_server
    with demo.connect() as conn:
        state = load_state(conn, DEFAULT)
    plan = make_plan(state, DEFAULT, days=0.5, seed=11, tag="t3", busy=3)
    before = table_counts(demo)
    totals = play(plan, http_sender(base, token), speed=0, batch_seconds=0, tag="t3", max_batch=50,
                  out=quiet)
    assert totals["applied"] == len(plan) and totals["dropped"] == 0
    assert calls[0] == calls[1] == "/api/v1/events"        # the first batch went twice
    after = table_counts(demo)
    assert after["deals"] - before["deals"] == Counter(p.type for p in plan)["deal.created"]
    with pytest.raises(Refused) as refused:                  # a wrong token is not retried
        http_sender(base, "wrong")({"events": []})
    assert refused.value.status == 401


def test_the_replay_command_runs_end_to_end(tmp_path, capsys):
    import app
    db = tmp_path / "demo.db"
    env = {"DATABASE_URL": f"sqlite:///{db}", "REPORT_TZ": "UTC"}
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        assert app.main(["demo", "--deals", "200", "--seed", "5"]) == 0
        assert app.main(["replay", "--days", "1", "--speed", "0", "--seed", "2", "--busy", "2"]) == 0
    out = capsys.readouterr().out
    assert "Replay rp" in out and "Done:" in out and "batch   1:" in out
    done = int(out.split("Done: ")[1].split(" of ")[0].replace(",", ""))
    assert done > 0 and f"{done:,} of {done:,} events applied" in out

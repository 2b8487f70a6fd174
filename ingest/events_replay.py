"""New CRM events that continue the current data, for `python app.py replay` (a live demo).

`load_state` reads what the business looks like now (owners, running campaigns, a sample of
customers, the open deals and cases) and how busy it was over the last 90 days of its data
(deals created and closed, stage changes, touchpoints, orders and cases per day).
`make_plan` draws `days` of new activity at those rates as a list of `Planned` events, in
simulated seconds from the start: new leads (a customer with its first touchpoint and lifecycle
entry, then a deal), touchpoints, stage changes that move open deals (the demo's own and the new
ones) forward until they close won (with the order it brings) or lost, repeat orders, service
cases that get answered, resolved and rated, and the campaigns' spend. Each event is only drawn
when it is valid at that point (a deal advances only while open), so the whole plan applies.
The times are given when the events are sent (events_replay_run.py): events are "now".
"""
from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field, replace
from datetime import timedelta

import numpy as np
from sqlalchemy import func, select

from queries import schema as s
from queries.db import data_as_of
from queries.pipeline import Pipeline

from . import demo_vocab as V

DAY = 86_400.0
HOUR = 3_600.0
RATE_WINDOW_DAYS = 90
SAMPLE = 3_000
#: simulated hours between two spend events of a running campaign
SPEND_EVERY_HOURS = 6


@dataclass
class State:
    """The part of the current data the replay continues from."""
    owners: list[str]
    agents: list[str]
    campaigns: list[tuple[str, str, float]]          # campaign_id, channel, spend per day
    customers: list[dict]                            # a sample: customer_id, region, country
    buyers: list[str]                                # customers with an order (a sample)
    open_deals: list[tuple[str, str, str, float]]    # deal_id, stage, customer_id, amount
    open_cases: list[tuple[str, bool]]               # case_id, answered already
    rates: dict[str, float]                          # per day: deals, stage_changes, closes, …
    amounts: list[float]
    revenues: list[float]


@dataclass(order=True)
class Planned:
    at: float                                        # simulated seconds after the start
    seq: int
    type: str = field(compare=False)
    data: dict = field(compare=False)


class ReplayError(RuntimeError):
    pass


def _sample(conn, stmt, n=SAMPLE):
    return conn.execute(stmt.limit(n)).all()


def load_state(conn, pipeline: Pipeline) -> State:
    """The current data's owners, campaigns, open deals and cases, and its activity rates."""
    as_of = data_as_of(conn)
    if as_of is None:
        raise ReplayError("the database holds no data to continue; run `python app.py demo` first")
    since = as_of - timedelta(days=RATE_WINDOW_DAYS)

    def per_day(col, *where):
        n = conn.execute(select(func.count()).select_from(col.table).where(col >= since, *where)).scalar()
        return n / RATE_WINDOW_DAYS
    d, h, c = s.deals, s.deal_stage_history, s.cases
    rates = {"deals": per_day(d.c.created_at), "closes": per_day(d.c.closed_at),
             "stage_changes": max(per_day(h.c.entered_at, h.c.stage.in_(pipeline.open_stages)) -
                                  per_day(d.c.created_at), 0.0),
             "touchpoints": per_day(s.touchpoints.c.occurred_at), "orders": per_day(s.orders.c.ordered_at),
             "cases": per_day(c.c.opened_at)}
    owners = [r[0] for r in conn.execute(select(d.c.owner_id).where(d.c.created_at >= since).distinct())]
    owners = owners or list(conn.execute(select(s.owners.c.owner_id)).scalars())
    agents = [r[0] for r in conn.execute(select(c.c.owner_id).where(c.c.opened_at >= since,
                                                                     c.c.owner_id.is_not(None)).distinct())]
    camp = s.campaigns.c
    running = conn.execute(select(camp.campaign_id, camp.channel, camp.cost, camp.started_at)
                           .where((camp.ended_at.is_(None)) | (camp.ended_at > as_of))).all()
    campaigns = [(cid, ch, float(cost) / max((as_of - started).total_seconds() / DAY, 1.0))
                 for cid, ch, cost, started in running]
    cu = s.customers.c
    customers = [dict(r._mapping) for r in _sample(conn, select(
        cu.customer_id, cu.region, cu.country, cu.industry, cu.company_size).order_by(cu.created_at.desc()))]
    buyers = [r[0] for r in _sample(conn, select(s.orders.c.customer_id).where(s.orders.c.ordered_at >= since)
                                    .distinct())]
    open_deals = [tuple(r) for r in _sample(conn, select(d.c.deal_id, d.c.stage, d.c.customer_id, d.c.amount)
                                            .where(d.c.status == "open", d.c.stage.in_(pipeline.open_stages))
                                            .order_by(d.c.created_at.desc()))]
    open_cases = [(r[0], r[1] is not None) for r in _sample(conn, select(c.c.case_id, c.c.first_response_at)
                                                             .where(c.c.resolved_at.is_(None)))]
    amounts = [float(r[0]) for r in _sample(conn, select(d.c.amount).where(d.c.created_at >= since))] or [5000.0]
    revenues = [float(r[0]) for r in _sample(conn, select(s.orders.c.revenue)
                                             .where(s.orders.c.ordered_at >= since))] or [500.0]
    if not owners or not customers:
        raise ReplayError("the database has no owners or customers to continue from")
    return State(owners, agents or owners, campaigns, customers, buyers or [x["customer_id"] for x in customers],
                 open_deals, open_cases, rates, amounts, revenues)


class _Planner:
    """Draws the events in simulated-time order, keeping track of what is open."""

    def __init__(self, state: State, pipeline: Pipeline, rng: np.random.Generator, tag: str, horizon: float):
        self.st, self.pipe, self.rng, self.tag, self.horizon = state, pipeline, rng, tag, horizon
        self.queue: list[tuple[float, int, str, dict]] = []
        self.out: list[Planned] = []
        self.n = 0
        self.order = itertools.count()   # ties in the queue: first scheduled, first out
        self.deals = {deal_id: [stage, cust, float(amount)] for deal_id, stage, cust, amount in state.open_deals}
        self.customers = list(state.customers)

    def new_id(self, kind: str) -> str:
        self.n += 1
        return f"{self.tag}-{kind}{self.n}"

    def pick(self, seq):
        return seq[int(self.rng.integers(len(seq)))]

    def schedule(self, at: float, what: str, **data) -> None:
        if at < self.horizon:
            heapq.heappush(self.queue, (at, next(self.order), what, data))

    def emit(self, at: float, etype: str, **data) -> None:
        self.out.append(Planned(at, len(self.out), etype, data))

    def poisson_times(self, per_day: float, what: str, boost: float = 1.0) -> None:
        n = int(self.rng.poisson(per_day * boost * self.horizon / DAY))
        for at in np.sort(self.rng.uniform(0, self.horizon, n)):
            self.schedule(float(at), what)

    # --- the kinds of activity ---
    def new_lead(self, at: float) -> None:
        base = self.pick(self.customers)   # a new customer like an existing one (region, industry, …)
        cid = self.new_id("C")
        country = base.get("country") or "DE"
        name = (f"{self.pick(V.COMPANY_STEMS)}{self.pick(V.COMPANY_NOUNS).lower()} "
                f"{self.pick(V.LEGAL_FORMS.get(country, ('GmbH',)))}")
        self.emit(at, "customer.created", customer_id=cid, name=name,
                  **{k: base[k] for k in ("region", "country", "industry", "company_size") if base.get(k)})
        self.emit(at, "lifecycle.changed", customer_id=cid, stage="lead")
        camp = self.pick(self.st.campaigns) if self.st.campaigns and self.rng.random() < 0.7 else None
        channel = camp[1] if camp else self.pick(("organic", "referral", "event"))
        self.emit(at, "touchpoint.recorded", touchpoint_id=self.new_id("T"), customer_id=cid, channel=channel,
                  kind="form_submit", **({"campaign_id": camp[0]} if camp else {}))
        self.customers.append({"customer_id": cid, "region": base.get("region"), "country": country})
        self.schedule(at + float(self.rng.exponential(2 * HOUR)), "lead_deal", cid=cid, camp=camp, channel=channel)

    def new_deal(self, at: float, cid: str, camp=None, channel=None) -> None:
        did = self.new_id("D")
        amount = round(float(self.pick(self.st.amounts)) * float(self.rng.uniform(0.8, 1.2)), -2) or 100.0
        extra = {"campaign_id": camp[0]} if camp else {}
        self.emit(at, "deal.created", deal_id=did, customer_id=cid, owner_id=self.pick(self.st.owners),
                  amount=amount, source_channel=channel or "referral", **extra)
        self.deals[did] = [self.pipe.stages[0], cid, amount]

    def advance(self, at: float) -> None:
        if not self.deals:
            return
        did = self.pick(list(self.deals))
        stage, cid, amount = self.deals[did]
        opens = self.pipe.open_stages
        i = opens.index(stage)
        r = self.rng.random()
        if i == len(opens) - 1 or r < 0.12:
            del self.deals[did]
            if i >= len(opens) - 2 and self.rng.random() < 0.6:
                self.emit(at, "deal.won", deal_id=did)
                self.emit(at, "order.placed", order_id=self.new_id("O"), customer_id=cid,
                          revenue=amount, product_category=self.pick([c for c, _ in V.PRODUCT_CATEGORIES]))
                self.emit(at, "lifecycle.changed", customer_id=cid, stage="customer")
            else:
                reason = self.pick(V.LOST_REASONS)
                self.emit(at, "deal.lost", deal_id=did, lost_reason=reason)
        else:
            self.deals[did][0] = opens[i + 1]
            self.emit(at, "deal.stage_changed", deal_id=did, stage=opens[i + 1])

    def case(self, at: float) -> None:
        sid = self.new_id("S")
        prio = int(self.rng.choice(len(V.PRIORITIES), p=V.PRIORITY_SHARE))
        channel = self.pick([c for c, _ in V.CASE_CHANNELS])
        self.emit(at, "case.opened", case_id=sid, customer_id=self.pick(self.st.buyers), channel=channel,
                  category=self.pick(V.CASE_CATEGORIES), priority=V.PRIORITIES[prio],
                  owner_id=self.pick(self.st.agents))
        first = at + float(self.rng.exponential(V.FIRST_RESPONSE_HOURS[prio] * HOUR))
        self.schedule(first, "case_answer", case_id=sid)
        self.schedule(first + float(self.rng.exponential(V.RESOLUTION_HOURS[prio] * HOUR)), "case_resolve",
                      case_id=sid)

    def run(self) -> list[Planned]:
        r = self.st.rates
        self.poisson_times(r["deals"] * 0.5, "new_lead")
        self.poisson_times(r["deals"] * 0.5, "new_deal")
        self.poisson_times(r["stage_changes"] + r["closes"], "advance")
        self.poisson_times(r["touchpoints"], "touch")
        self.poisson_times(r["orders"], "order")
        self.poisson_times(r["cases"], "case")
        for case_id, answered in self.st.open_cases:   # the open backlog gets worked off too
            t = float(self.rng.uniform(0, 3 * DAY))
            if not answered:
                self.schedule(t, "case_answer", case_id=case_id)
            self.schedule(t + float(self.rng.exponential(12 * HOUR)), "case_resolve", case_id=case_id)
        for k in range(int(self.horizon // (SPEND_EVERY_HOURS * HOUR)) + 1):
            for cid, _, per_day in self.st.campaigns:
                if per_day > 0:
                    self.schedule(k * SPEND_EVERY_HOURS * HOUR, "spend", campaign_id=cid,
                                  amount=round(per_day * SPEND_EVERY_HOURS / 24 * float(self.rng.uniform(0.8, 1.2)), 2))
        while self.queue:
            at, _, what, data = heapq.heappop(self.queue)
            if what == "new_lead":
                self.new_lead(at)
            elif what == "new_deal":
                c = self.pick(self.customers)["customer_id"]
                self.new_deal(at, c, channel=self.pick(V.CHANNELS))
            elif what == "lead_deal":
                self.new_deal(at, **data)
            elif what == "advance":
                self.advance(at)
            elif what == "touch":
                camp = self.pick(self.st.campaigns) if self.st.campaigns else None
                self.emit(at, "touchpoint.recorded", touchpoint_id=self.new_id("T"),
                          customer_id=self.pick(self.customers)["customer_id"],
                          channel=camp[1] if camp else "organic", kind=self.pick(V.KINDS),
                          **({"campaign_id": camp[0]} if camp else {}))
            elif what == "order":
                self.emit(at, "order.placed", order_id=self.new_id("O"), customer_id=self.pick(self.st.buyers),
                          revenue=round(float(self.pick(self.st.revenues)), 2),
                          product_category=self.pick([c for c, _ in V.PRODUCT_CATEGORIES]))
            elif what == "case":
                self.case(at)
            elif what == "case_answer":
                self.emit(at, "case.first_response", **data)
            elif what == "case_resolve":
                self.emit(at, "case.resolved", **data)
                if self.rng.random() < 0.6:
                    rating = int(self.rng.choice(5, p=(0.06, 0.06, 0.13, 0.35, 0.40))) + 1
                    self.schedule(at + float(self.rng.exponential(HOUR)), "case_rate", case_id=data["case_id"],
                                  satisfaction=rating)
            elif what == "case_rate":
                self.emit(at, "case.rated", **data)
            elif what == "spend":
                self.emit(at, "campaign.spend", **data)
        return self.out


def make_plan(state: State, pipeline: Pipeline, *, days: float, seed: int | None = None,
              tag: str = "rp", busy: float = 1.0) -> list[Planned]:
    """`days` of new activity, in simulated seconds from the start; valid in this order.
    `busy` multiplies the rates (campaign spend stays what the campaigns cost)."""
    if days <= 0:
        raise ReplayError("--days must be positive")
    if busy <= 0:
        raise ReplayError("--busy must be positive")
    state = replace(state, rates={k: v * busy for k, v in state.rates.items()})
    rng = np.random.default_rng(seed)
    return _Planner(state, pipeline, rng, tag, days * DAY).run()

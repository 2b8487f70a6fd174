"""Generator output -> column batches of the contract tables (schema column order)."""
from __future__ import annotations

import numpy as np

from . import demo_vocab as V
from .demo_io import NULL_TS, Col, IdRange
from .demo_people import CITIES, COUNTRIES, INDUSTRIES, REGIONS, TEAMS

# id prefixes and widths (zero-padded so that text order is numeric order, METRICS §0 ties)
CUSTOMER, DEAL, TOUCH, ORDER, CASE = "C", "D", "T", "O", "CS"


class Ids:
    """Running id counters across chunks, with widths fixed up front from the deal count."""

    def __init__(self, deals: int, customers: int):
        self.width = {CUSTOMER: max(7, len(str(customers))), DEAL: max(7, len(str(deals))),
                      TOUCH: max(9, len(str(deals * 40))), ORDER: max(8, len(str(deals * 20))),
                      CASE: max(7, len(str(deals * 10)))}
        self.next = {DEAL: 1, TOUCH: 1, ORDER: 1, CASE: 1}

        self.ranges: dict[str, IdRange] = {}

    def col(self, name: str, prefix: str, values: np.ndarray) -> Col:
        return Col(name, "id", values, prefix, self.width[prefix], ids=self.ranges.get(prefix))

    def chunk_customers(self, first_index: int, n: int) -> None:
        """Customers first_index .. first_index + n - 1 (0-based) make up the current chunk."""
        self.ranges[CUSTOMER] = IdRange(CUSTOMER, self.width[CUSTOMER], first_index + 1, n)

    def take(self, name: str, prefix: str, n: int) -> Col:
        start = self.next[prefix]
        self.next[prefix] = start + n
        self.ranges[prefix] = IdRange(prefix, self.width[prefix], start, n)
        return self.col(name, prefix, np.arange(start, start + n, dtype=np.int64))


def _text(name, values):
    return Col(name, "text", np.array(list(values), dtype=object))


def _ts(name, values):
    return Col(name, "ts", np.asarray(values, dtype=np.int64))


def _cat(name, codes, vocab):
    return Col(name, "cat", np.asarray(codes, dtype=np.int64), vocab=tuple(vocab))


def owners_cols(owners):
    team = [TEAMS[t] if t >= 0 else None for t in owners.team]
    region = [REGIONS[r] if r >= 0 else None for r in owners.region]
    return [_text("owner_id", owners.ids), _text("name", owners.names), _text("team", team),
            _text("region", region)]


def campaigns_cols(c):
    return [_text("campaign_id", c.ids), _text("name", c.names), _cat("channel", c.channel, V.CHANNELS),
            _ts("started_at", c.started), _ts("ended_at", c.ended), Col("cost", "money", c.cost_cents)]


def experiments_cols(exps):
    return [_text("experiment_id", [e.id for e in exps]), _text("name", [e.name for e in exps]),
            _ts("started_at", [e.started for e in exps]),
            _ts("ended_at", [NULL_TS if e.ended is None else e.ended for e in exps])]


def customers_cols(ids: Ids, cust):
    return [ids.col("customer_id", CUSTOMER, cust.index + 1), Col("name", "text", cust.name),
            _ts("created_at", cust.created), _cat("region", cust.region, REGIONS),
            _cat("country", cust.country, COUNTRIES), _cat("city", cust.city, CITIES),
            _cat("industry", cust.industry, INDUSTRIES), _cat("company_size", cust.size, V.COMPANY_SIZES)]


def deals_cols(ids: Ids, cust, d, owners, camps):
    deal_ids = ids.take("deal_id", DEAL, len(d.created))
    cols = [deal_ids, ids.col("customer_id", CUSTOMER, cust.index[d.customer] + 1),
            _cat("owner_id", d.owner, owners.ids), _cat("campaign_id", d.campaign, camps.ids),
            _cat("source_channel", d.source, V.CHANNELS), Col("amount", "money", d.amount),
            _ts("created_at", d.created), _ts("expected_close_at", d.expected_close),
            _ts("closed_at", d.closed), _cat("status", d.status, V.STATUSES),
            _cat("stage", d.stage, V.DEAL_STAGES), _cat("lost_reason", d.lost_reason, V.LOST_REASONS)]
    history = [ids.col("deal_id", DEAL, deal_ids.values[d.h_deal]), _cat("stage", d.h_stage, V.DEAL_STAGES),
               _ts("entered_at", d.h_at)]
    return cols, history


def lifecycle_cols(ids: Ids, cust, life):
    return [ids.col("customer_id", CUSTOMER, cust.index[life.customer] + 1),
            _cat("stage", life.stage, V.LIFECYCLE), _ts("entered_at", life.at)]


def touchpoints_cols(ids: Ids, cust, t, camps):
    return [ids.take("touchpoint_id", TOUCH, len(t.at)), ids.col("customer_id", CUSTOMER, cust.index[t.customer] + 1),
            _cat("channel", t.channel, V.CHANNELS), _cat("campaign_id", t.campaign, camps.ids),
            _ts("occurred_at", t.at), _cat("kind", t.kind, V.KINDS)]


def orders_cols(ids: Ids, cust, acc):
    return [ids.take("order_id", ORDER, len(acc.o_at)), ids.col("customer_id", CUSTOMER, cust.index[acc.o_customer] + 1),
            _ts("ordered_at", acc.o_at), Col("revenue", "money", acc.o_cents),
            _cat("product_category", acc.o_category, [c for c, _ in V.PRODUCT_CATEGORIES])]


def cases_cols(ids: Ids, cust, acc, owners):
    return [ids.take("case_id", CASE, len(acc.c_opened)), ids.col("customer_id", CUSTOMER, cust.index[acc.c_customer] + 1),
            _cat("owner_id", acc.c_owner, owners.ids), _cat("channel", acc.c_channel, [c for c, _ in V.CASE_CHANNELS]),
            _cat("category", acc.c_category, V.CASE_CATEGORIES), _cat("priority", acc.c_priority, V.PRIORITIES),
            _ts("opened_at", acc.c_opened), _ts("first_response_at", acc.c_response),
            _ts("resolved_at", acc.c_resolved), Col("satisfaction", "int", acc.c_rating)]


def assignments_cols(ids: Ids, cust, a, exps):
    variants = sorted({v for e in exps for v in e.variants})
    vcode = np.array([[variants.index(v) for v in e.variants] for e in exps])
    return [_cat("experiment_id", a.experiment, [e.id for e in exps]),
            ids.col("customer_id", CUSTOMER, cust.index[a.customer] + 1),
            _cat("variant", vcode[a.experiment, a.variant] if len(a.at) else a.variant, variants),
            _ts("assigned_at", a.at), Col("converted", "bool", a.converted.astype(bool)),
            Col("revenue", "money", a.revenue)]


def targets_cols(rows, epoch_days):
    return [_text("kpi", [r[0] for r in rows]),
            Col("period_start", "date", np.array([epoch_days(r[1]) for r in rows], dtype=np.int64)),
            Col("period_end", "date", np.array([epoch_days(r[2]) for r in rows], dtype=np.int64)),
            _text("scope", [r[3] for r in rows]),
            Col("target", "money", np.array([round(r[4] * 100) for r in rows], dtype=np.int64))]

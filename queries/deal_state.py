"""Deal state at a point in time (METRICS.md §0 "at time t"), shared by the §2 queries.

- open at t: `created_at < t` and not `closed_at < t`;
- stage at t of a deal open at t: its latest history entry of an open stage with
  `entered_at < t` (ties of equal timestamps: the later pipeline stage), or `Lead` if none;
- a `Won`/`Lost` history row counts only when the deal's status says the same.
"""
from __future__ import annotations

from sqlalchemy import and_, case, func, literal, or_, select

from .filters import Filters, deal_clauses
from .pipeline import DEFAULT, Pipeline
from .schema import deal_stage_history as h, deals


def open_at(t, deal_table=deals):
    """Where-clause: the deal is open at t (just before t)."""
    return and_(deal_table.c.created_at < t,
                or_(deal_table.c.closed_at.is_(None), deal_table.c.closed_at >= t))


def valid_history(pipeline: Pipeline = DEFAULT):
    """History rows that count (§0): open-stage rows always, Won/Lost rows when status agrees.

    Columns: deal_id, stage, entered_at, rank (pipeline order; Lost last).
    """
    cond = or_(h.c.stage.in_(pipeline.open_stages),
               and_(h.c.stage == "Won", deals.c.status == "won"),
               and_(h.c.stage == "Lost", deals.c.status == "lost"))
    return (select(h.c.deal_id, h.c.stage, h.c.entered_at, pipeline.rank_expr(h.c.stage).label("rank"))
            .select_from(h.join(deals, deals.c.deal_id == h.c.deal_id)).where(cond))


def open_deals_at(t, filters: Filters, *, pipeline: Pipeline = DEFAULT):
    """Deals open at t passing the filters, with `stage_rank` (their open stage at t) and
    `last_activity` (their latest history entry before t, or created_at).
    """
    base = select(deals.c.deal_id).where(open_at(t), *deal_clauses(filters)).subquery("open_ids")
    open_rank = pipeline.open_rank_expr(h.c.stage)
    ranked = (select(h.c.deal_id, open_rank.label("rank"),
                     func.row_number().over(partition_by=h.c.deal_id,
                                            order_by=(h.c.entered_at.desc(), open_rank.desc())).label("rn"))
              .select_from(h.join(base, base.c.deal_id == h.c.deal_id))
              .where(h.c.entered_at < t, open_rank.is_not(None))).subquery("ranked")
    stage_now = select(ranked.c.deal_id, ranked.c.rank).where(ranked.c.rn == 1).subquery("stage_now")
    valid = valid_history(pipeline).subquery("valid")
    last_entry = (select(valid.c.deal_id, func.max(valid.c.entered_at).label("last_entered"))
                  .select_from(valid.join(base, base.c.deal_id == valid.c.deal_id))
                  .where(valid.c.entered_at < t).group_by(valid.c.deal_id).subquery("last_entry"))
    return (select(deals.c.deal_id, deals.c.amount, deals.c.owner_id, deals.c.expected_close_at,
                   func.coalesce(stage_now.c.rank, literal(0)).label("stage_rank"),
                   func.coalesce(last_entry.c.last_entered, deals.c.created_at).label("last_activity"))
            .select_from(deals.join(base, base.c.deal_id == deals.c.deal_id)
                         .outerjoin(stage_now, stage_now.c.deal_id == deals.c.deal_id)
                         .outerjoin(last_entry, last_entry.c.deal_id == deals.c.deal_id))
            .subquery("open_deals"))


def stage_name_case(pipeline: Pipeline, rank_col):
    return case(*[(rank_col == i, literal(s)) for i, s in enumerate(pipeline.open_stages)], else_=None)

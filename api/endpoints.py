"""The read-only metric endpoints: one `Endpoint` per URL, each calling one query function.

The same table drives request validation and the OpenAPI document, so they cannot drift.
"""
from __future__ import annotations

from queries import attribution, campaigns, cycle, funnel, lifecycle
from queries.funnel import BREAKDOWNS, DROP_KINDS

from .endpoints_customers import CUSTOMER_ENDPOINTS
from .params import Endpoint, Param

PAGING = (
    Param("limit", "integer", "rows per page", default=100, minimum=0, maximum=10_000),
    Param("offset", "integer", "rows to skip", default=0, minimum=0),
    Param("sort", "string", "column[:asc|desc], comma-separated"),
)


def _stage_param():
    # The stage names are configurable (PIPELINE_STAGES), so the query checks them.
    return Param("stage", "string", "pipeline stage, e.g. Proposal", required=True)


def _funnel(conn, req, ctx):
    return funnel.funnel(conn, req.period, req.filters, pipeline=ctx.pipeline,
                         window_days=req.options["window_days"])


def _funnel_breakdown(conn, req, ctx):
    return {"by": req.options["by"], "groups": funnel.funnel_breakdown(
        conn, req.period, req.filters, by=req.options["by"], pipeline=ctx.pipeline,
        window_days=req.options["window_days"], top=req.options["top"])}


def _funnel_deals(conn, req, ctx):
    o = req.options
    return funnel.funnel_deals(conn, req.period, req.filters, stage=o["stage"], kind=o["kind"],
                               pipeline=ctx.pipeline, window_days=o["window_days"], limit=o["limit"],
                               offset=o["offset"], sort=o["sort"])


def _lost_reasons(conn, req, ctx):
    return {"stage": req.options["stage"], "lost_reasons": funnel.lost_reasons(
        conn, req.period, req.filters, stage=req.options["stage"], pipeline=ctx.pipeline)}


def _kpis(conn, req, ctx):
    from queries.targets import target_attainment
    out = cycle.kpis(conn, req.period, req.filters, pipeline=ctx.pipeline, stale_days=ctx.settings.stale_days)
    out["target_attainment"] = {k: target_attainment(conn, req.period, req.filters, kpi=k, actual=out[k])
                                for k in ("won_revenue", "win_rate", "new_leads", "won_deals", "avg_deal_size")}
    return out


def _kpi_trend(conn, req, ctx):
    return {"months": cycle.kpi_trend(conn, req.period, req.filters, pipeline=ctx.pipeline)}


def _time_in_stage(conn, req, ctx):
    return {"time_in_stage": cycle.time_in_stage(conn, req.period, req.filters, pipeline=ctx.pipeline)}


def _stale_deals(conn, req, ctx):
    o = req.options
    days = o["days"] or ctx.settings.stale_days
    return cycle.deals_list(conn, req.period, req.filters, kind="stale", pipeline=ctx.pipeline,
                            stale_days=days, limit=o["limit"], offset=o["offset"], sort=o["sort"])


def _forecast(conn, req, ctx):
    return {"forecast": cycle.forecast(conn, req.period, req.filters, pipeline=ctx.pipeline)}


def _owners(conn, req, ctx):
    return {"owners": cycle.owner_leaderboard(conn, req.period, req.filters, pipeline=ctx.pipeline)}


def _cycle_histogram(conn, req, ctx):
    return {"bins": cycle.cycle_length_histogram(conn, req.period, req.filters, bin_days=req.options["bin_days"])}


def _deals(conn, req, ctx):
    o = req.options
    return cycle.deals_list(conn, req.period, req.filters, kind=o["kind"], month=o["month"], stage=o["stage"],
                            owner=o["owner_id"], expected_close_month=o["expected_close_month"],
                            pipeline=ctx.pipeline, stale_days=ctx.settings.stale_days,
                            limit=o["limit"], offset=o["offset"], sort=o["sort"])


def _migration(conn, req, ctx):
    return lifecycle.migration_matrix(conn, req.period, req.filters)


def _migration_customers(conn, req, ctx):
    o = req.options
    return lifecycle.migration_customers(conn, req.period, req.filters, from_stage=o["from_stage"],
                                         to_stage=o["to_stage"], limit=o["limit"], offset=o["offset"],
                                         sort=o["sort"])


def _lead_conversion(conn, req, ctx):
    return lifecycle.lead_conversion(conn, req.period, req.filters)


def _lead_conversion_customers(conn, req, ctx):
    o = req.options
    return lifecycle.lead_conversion_customers(conn, req.period, req.filters, channel=o["channel"],
                                               campaign=o["campaign_id"], converted=o["converted"],
                                               limit=o["limit"], offset=o["offset"], sort=o["sort"])


def _activity(conn, req, ctx):
    return {"months": lifecycle.activity_lifecycle(conn, req.period, req.filters)}


def _campaigns(conn, req, ctx):
    return {"model": req.options["model"], "campaigns": campaigns.campaign_table(
        conn, req.period, req.filters, model=req.options["model"],
        window_days=req.options["window_days"] or ctx.settings.attribution_window_days)}


def _campaign_deals(conn, req, ctx):
    o = req.options
    return campaigns.campaign_deals(conn, req.period, req.filters, campaign_id=o["campaign_id"], kind=o["kind"],
                                    limit=o["limit"], offset=o["offset"], sort=o["sort"])


def _campaign_touchpoints(conn, req, ctx):
    o = req.options
    return campaigns.campaign_touchpoints(conn, req.period, req.filters, campaign_id=o["campaign_id"],
                                          limit=o["limit"], offset=o["offset"], sort=o["sort"])


def _attribution(conn, req, ctx):
    o = req.options
    return attribution.attribute(conn, req.period, req.filters, model=o["model"],
                                 window_days=o["window_days"] or ctx.settings.attribution_window_days,
                                 key=o["key"])


WINDOW = Param("window_days", "number", "conversion window in days (METRICS.md §1)", minimum=0, maximum=3650)
LIFECYCLE_STAGES = ("—", "subscriber", "lead", "mql", "sql", "opportunity", "customer", "loyal", "churned")
MODELS = attribution.ALL_MODELS

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("/funnel", "Pipeline funnel of the deals created in the period (METRICS.md §1)", _funnel, (WINDOW,)),
    Endpoint("/funnel/breakdown", "The funnel per region, team, owner, source channel or campaign", _funnel_breakdown,
             (Param("by", "string", "dimension", required=True, enum=tuple(BREAKDOWNS)), WINDOW,
              Param("top", "integer", "largest groups shown", default=8, minimum=1, maximum=100))),
    Endpoint("/funnel/deals", "Drill-down: the deals that reached a stage or dropped off there", _funnel_deals,
             (_stage_param(), Param("kind", "string", "which deals", default="reached", enum=("reached", *DROP_KINDS)),
              WINDOW, *PAGING), is_list=True),
    Endpoint("/funnel/lost-reasons", "Lost reasons of the deals lost at a stage", _lost_reasons, (_stage_param(),)),
    Endpoint("/kpis", "Sales-cycle KPIs with target attainment (METRICS.md §2)", _kpis),
    Endpoint("/kpis/trend", "The closed-deal KPIs and new leads per month of the period", _kpi_trend),
    Endpoint("/time-in-stage", "Time in stage per pipeline stage (METRICS.md §2)", _time_in_stage),
    Endpoint("/stale-deals", "Drill-down: deals open at 'to' without activity for more than N days", _stale_deals,
             (Param("days", "integer", "N (default: STALE_DAYS)", minimum=1, maximum=3650), *PAGING), is_list=True),
    Endpoint("/forecast", "Open pipeline at 'to' by expected-close month, weighted and unweighted", _forecast),
    Endpoint("/owners", "Owner leaderboard (METRICS.md §2)", _owners),
    Endpoint("/cycle-length", "Won deals by cycle length", _cycle_histogram,
             (Param("bin_days", "integer", "bin width in days", default=7, minimum=1, maximum=365),)),
    Endpoint("/deals", "Drill-down: deals behind a sales-cycle number", _deals,
             (Param("kind", "string", "which deals", default="won", enum=cycle.DEAL_LIST_KINDS),
              Param("month", "month", "calendar month YYYY-MM of the period"),
              Param("stage", "string", "open stage at 'to' (kind open/stale)", enum=("Lead", "Qualified", "Proposal", "Negotiation")),
              Param("owner_id", "string", "only this owner's deals"),
              Param("expected_close_month", "month", "YYYY-MM or none (kind open)", also=("none",)), *PAGING), is_list=True),
    Endpoint("/lifecycle/migration", "Lifecycle migration matrix between 'from' and 'to' (METRICS.md §3)", _migration),
    Endpoint("/lifecycle/migration/customers", "Drill-down: the customers of one migration cell", _migration_customers,
             (Param("from_stage", "string", "stage at 'from'", required=True, enum=LIFECYCLE_STAGES),
              Param("to_stage", "string", "stage at 'to'", required=True, enum=LIFECYCLE_STAGES), *PAGING),
             is_list=True),
    Endpoint("/lead-conversion", "Lead conversion overall, by lead source channel and campaign", _lead_conversion),
    Endpoint("/lead-conversion/customers", "Drill-down: leads of the period, by source and outcome",
             _lead_conversion_customers,
             (Param("channel", "string", "lead source channel"), Param("campaign_id", "string", "lead source campaign"),
              Param("converted", "boolean", "only converted (true) or not converted (false)"), *PAGING),
             is_list=True),
    Endpoint("/activity-lifecycle", "New, returning, resurrecting and dormant customers per month", _activity),
    Endpoint("/campaigns", "Campaign cost, leads, deals, revenue, CPL, CAC, ROAS, ROI (METRICS.md §4)", _campaigns,
             (Param("model", "string", "attribution model", default="last_touch", enum=MODELS),
              Param("window_days", "integer", "journey lookback window in days", minimum=1, maximum=3650))),
    Endpoint("/campaigns/deals", "Drill-down: a campaign's deals created (deals) or won (won) in the period",
             _campaign_deals, (Param("campaign_id", "string", "campaign", required=True),
                               Param("kind", "string", "which deals", default="deals", enum=campaigns.CAMPAIGN_KINDS),
                               *PAGING), is_list=True),
    Endpoint("/campaigns/touchpoints", "Drill-down: a campaign's touchpoints in the period", _campaign_touchpoints,
             (Param("campaign_id", "string", "campaign", required=True), *PAGING), is_list=True),
    Endpoint("/attribution", "Attributed conversions and value per channel or campaign (METRICS.md §5)", _attribution,
             (Param("model", "string", "attribution model", default="last_touch", enum=MODELS),
              Param("key", "string", "attribute to", default="channel", enum=("channel", "campaign")),
              Param("window_days", "integer", "journey lookback window in days", minimum=1, maximum=3650))),
)

ENDPOINTS = ENDPOINTS + CUSTOMER_ENDPOINTS

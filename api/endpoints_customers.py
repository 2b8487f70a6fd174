"""API endpoints for METRICS.md §5 journeys, §6 customers, §7 experiments and §8 service."""
from __future__ import annotations

from queries import clv, cohorts, experiments, pareto, paths, segments, service
from queries.attribution import attribute_all_models
from queries.lists import ListError

from .params import Endpoint, Param

PAGING = (
    Param("limit", "integer", "rows per page", default=100, minimum=0, maximum=10_000),
    Param("offset", "integer", "rows to skip", default=0, minimum=0),
    Param("sort", "string", "column[:asc|desc], comma-separated"),
)
WINDOW = Param("window_days", "integer", "journey lookback window in days (default ATTRIBUTION_WINDOW_DAYS)",
               minimum=1, maximum=3650)
KEY = Param("key", "string", "attribute to", default="channel", enum=("channel", "campaign"))
AGENT = Param("agent", "string", "service agent ids (owner_id of the case), comma-separated")
HORIZON = (Param("horizon_months", "integer", "CLV horizon in months", default=12, minimum=1, maximum=120),
           Param("monthly_discount", "number", "monthly discount rate", default=0.01, minimum=0, maximum=1))


def _window(req, ctx):
    return req.options.get("window_days") or ctx.settings.attribution_window_days


def _agents(req):
    raw = req.options.get("agent")
    return tuple(a.strip() for a in raw.split(",") if a.strip()) if raw else None


def _models(conn, req, ctx):
    return attribute_all_models(conn, req.period, req.filters, window_days=_window(req, ctx), key=req.options["key"])


def _paths(conn, req, ctx):
    return paths.top_paths(conn, req.period, req.filters, window_days=_window(req, ctx), key=req.options["key"],
                           limit=req.options["top"])


def _transitions(conn, req, ctx):
    return paths.transition_matrix(conn, req.period, req.filters, window_days=_window(req, ctx), key=req.options["key"])


def _rfm(conn, req, ctx):
    return segments.rfm_scores(conn, req.period, req.filters)


def _rfm_customers(conn, req, ctx):
    o = req.options
    return segments.rfm_customers(conn, req.period, req.filters, r=o["r"], f=o["f"], m=o["m"],
                                  limit=o["limit"], offset=o["offset"], sort=o["sort"])


def _segments(conn, req, ctx):
    out = {"segments": segments.behaviour_segments(conn, req.period, req.filters)}
    if req.options["by"]:
        out["breakdown"] = segments.segment_breakdown(conn, req.period, req.filters, by=req.options["by"])
    return out


def _segment_customers(conn, req, ctx):
    o = req.options
    return segments.segment_customers(conn, req.period, req.filters, segment=o["segment"],
                                      limit=o["limit"], offset=o["offset"], sort=o["sort"])


def _pareto(conn, req, ctx):
    return pareto.pareto(conn, req.period, req.filters)


def _clv(conn, req, ctx):
    o = req.options
    _, fit = clv.summary_and_fit(conn, req.period, req.filters)
    return {"historical_clv": clv.historical_clv(conn, req.period, req.filters),
            "model": {k: getattr(fit, k) for k in fit.__dataclass_fields__},
            "predicted_clv": clv.clv_by_segment(conn, req.period, req.filters, horizon_months=o["horizon_months"],
                                                monthly_discount=o["monthly_discount"])}


def _clv_customers(conn, req, ctx):
    o = req.options
    df = clv.predicted_clv(conn, req.period, req.filters, horizon_months=o["horizon_months"],
                           monthly_discount=o["monthly_discount"])
    sort = o["sort"] or [("predicted_clv", "desc")]
    for name, _ in sort:
        if name not in df.columns:
            raise ListError(f"cannot sort by {name!r}; columns: {', '.join(df.columns)}", "sort")
    df = df.sort_values([n for n, _ in sort] + ["customer_id"],
                        ascending=[d == "asc" for _, d in sort] + [True], na_position="last")
    return df.iloc[o["offset"]:o["offset"] + o["limit"]], len(df)


def _cohorts(conn, req, ctx):
    return {"cohorts": cohorts.cohort_retention(conn, req.period, req.filters)}


def _experiments(conn, req, ctx):
    return {"experiments": experiments.experiment_results(conn, req.period, req.filters)}


def _experiment_customers(conn, req, ctx):
    o = req.options
    return experiments.experiment_customers(conn, req.period, req.filters, experiment_id=o["experiment_id"],
                                            variant=o["variant"], converted=o["converted"],
                                            limit=o["limit"], offset=o["offset"], sort=o["sort"])


def _service(conn, req, ctx):
    return service.service_kpis(conn, req.period, req.filters, agent=_agents(req))


def _service_trend(conn, req, ctx):
    agent = _agents(req)
    return {"weeks": service.service_trend(conn, req.period, req.filters, agent=agent),
            "csat_months": service.csat_trend(conn, req.period, req.filters, agent=agent)}


def _service_by(conn, req, ctx):
    return {"by": req.options["by"], "rows": service.service_by(conn, req.period, req.filters, by=req.options["by"],
                                                                agent=_agents(req))}


def _cases(conn, req, ctx):
    o = req.options
    return service.cases_list(conn, req.period, req.filters, kind=o["kind"], priority=o["priority"],
                              channel=o["channel"], agent=_agents(req), limit=o["limit"], offset=o["offset"],
                              sort=o["sort"])


_SCORE = dict(kind="integer", minimum=1, maximum=5)
CUSTOMER_ENDPOINTS = (
    Endpoint("/attribution/models", "Every attribution model side by side, with the Markov chain", _models,
             (KEY, WINDOW)),
    Endpoint("/paths", "Top customer journeys (paths) with counts and conversion rate", _paths,
             (KEY, WINDOW, Param("top", "integer", "paths shown", default=20, minimum=1, maximum=500))),
    Endpoint("/paths/transitions", "Channel transition matrix of the journeys", _transitions, (KEY, WINDOW)),
    Endpoint("/customers/rfm", "RFM score counts and the recency × frequency heatmap (METRICS.md §6)", _rfm),
    Endpoint("/customers/rfm/customers", "Drill-down: customers with their RFM scores", _rfm_customers,
             (Param("r", description="R score", **_SCORE), Param("f", description="F score", **_SCORE),
              Param("m", description="M score", **_SCORE), *PAGING), is_list=True),
    Endpoint("/customers/segments", "Behaviour segments: customers, revenue and share", _segments,
             (Param("by", "string", "also break down by", enum=("region", "country", "industry", "company_size")),)),
    Endpoint("/customers/segments/customers", "Drill-down: the customers of a behaviour segment", _segment_customers,
             (Param("segment", "string", "segment", required=True, enum=segments.SEGMENTS), *PAGING), is_list=True),
    Endpoint("/customers/pareto", "Top-20 % revenue share, Lorenz curve and Gini", _pareto),
    Endpoint("/customers/clv", "Historical CLV, the BG/NBD + Gamma-Gamma fit and predicted CLV by region", _clv,
             HORIZON),
    Endpoint("/customers/clv/customers", "Drill-down: customers by predicted CLV", _clv_customers,
             (*HORIZON, *PAGING), is_list=True),
    Endpoint("/customers/cohorts", "Monthly first-order cohorts and their retention", _cohorts),
    Endpoint("/experiments", "A/B experiments: rates, uplift, confidence interval, p-value, verdict (§7)",
             _experiments),
    Endpoint("/experiments/customers", "Drill-down: the assignments of an experiment (variant)",
             _experiment_customers,
             (Param("experiment_id", "string", "experiment", required=True), Param("variant", "string", "variant"),
              Param("converted", "boolean", "only (non-)converted"), *PAGING), is_list=True),
    Endpoint("/service", "Customer service KPIs (METRICS.md §8)", _service, (AGENT,)),
    Endpoint("/service/trend", "Cases opened, resolved and backlog by week; CSAT by month", _service_trend,
             (AGENT,)),
    Endpoint("/service/by", "Response and resolution times and CSAT by priority, channel or agent", _service_by,
             (Param("by", "string", "dimension", default="priority", enum=("priority", "channel", "agent")), AGENT)),
    Endpoint("/service/cases", "Drill-down: the cases behind a service number", _cases,
             (Param("kind", "string", "which cases", default="opened",
                    enum=("opened", "resolved", "backlog", "rated")),
              Param("priority", "string", "priority"), Param("channel", "string", "channel"), AGENT, *PAGING),
             is_list=True),
)


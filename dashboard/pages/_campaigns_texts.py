"""German/English texts of the campaigns page (dashboard/pages/campaigns.py) and its figures."""
from __future__ import annotations

from dashboard.i18n import translator

PAGE_TEXTS = {
    "campaigns.title": {"de": "Kampagnen und ROI", "en": "Campaigns and ROI"},
    "campaigns.model": {"de": "Attributionsmodell", "en": "Attribution model"},
    "campaigns.model.first_touch": {"de": "Erster Kontakt", "en": "First touch"},
    "campaigns.model.last_touch": {"de": "Letzter Kontakt", "en": "Last touch"},
    "campaigns.model.linear": {"de": "Linear", "en": "Linear"},
    "campaigns.model.time_decay": {"de": "Zeitverfall", "en": "Time decay"},
    "campaigns.model.position_based": {"de": "Positionsbasiert", "en": "Position-based"},
    "campaigns.model.markov": {"de": "Markow-Kette", "en": "Markov chain"},
    "campaigns.model.shapley": {"de": "Shapley", "en": "Shapley"},
    # KPI cards (sums over the listed campaigns)
    "campaigns.kpi.cost": {"de": "Kampagnenkosten", "en": "Campaign cost"},
    "campaigns.kpi.attributed_revenue": {"de": "Zugeordneter Umsatz", "en": "Attributed revenue"},
    "campaigns.kpi.roas": {"de": "ROAS", "en": "ROAS"},
    "campaigns.kpi.roi": {"de": "ROI", "en": "ROI"},
    "campaigns.kpi_note": {"de": "alle aufgeführten Kampagnen · {model}", "en": "all listed campaigns · {model}"},
    # cost vs revenue chart
    "campaigns.chart": {"de": "Kosten und zugeordneter Umsatz je Kampagne", "en": "Cost vs attributed revenue per campaign"},
    "campaigns.chart_hint": {"de": "Punkt anklicken: Deals und Kontaktpunkte der Kampagne",
                             "en": "Click a point for the campaign's deals and touchpoints"},
    "campaigns.axis_cost": {"de": "Kosten im Zeitraum", "en": "Cost in the period"},
    "campaigns.axis_revenue": {"de": "Zugeordneter Umsatz ({model})", "en": "Attributed revenue ({model})"},
    "campaigns.log_scale": {"de": "beide Achsen logarithmisch", "en": "both axes on a log scale"},
    "campaigns.break_even_short": {"de": "Break-even", "en": "Break-even"},
    "campaigns.above": {"de": "Umsatz über Kosten", "en": "revenue above cost"},
    "campaigns.below": {"de": "Umsatz unter Kosten", "en": "revenue below cost"},
    "campaigns.zero_note": {"de": "Punkte am Achsenrand: Kosten oder Umsatz 0 (logarithmisch nicht darstellbar)",
                            "en": "Points on an axis edge: cost or revenue 0 (a log axis cannot show 0)"},
    "campaigns.hover": {
        "de": "<b>{name}</b><br>Kanal: {channel}<br>Kosten: {cost}<br>Zugeordneter Umsatz: {revenue}"
              "<br>ROAS: {roas} · ROI: {roi}<br>Leads: {leads} · gewonnene Deals: {won}",
        "en": "<b>{name}</b><br>Channel: {channel}<br>Cost: {cost}<br>Attributed revenue: {revenue}"
              "<br>ROAS: {roas} · ROI: {roi}<br>Leads: {leads} · won deals: {won}"},
    # table
    "campaigns.table": {"de": "Kampagnen", "en": "Campaigns"},
    "campaigns.table_hint": {"de": "Zeile anklicken: Deals und Kontaktpunkte der Kampagne",
                             "en": "Click a row for the campaign's deals and touchpoints"},
    "campaigns.total": {"de": "Summe", "en": "Total"},
    "campaigns.hidden": {"de": "{n} Kampagnen ohne Kosten und Aktivität im Zeitraum sind ausgeblendet.",
                         "en": "{n} campaigns without cost or activity in the period are hidden."},
    "campaigns.cost_note": {
        "de": "Kosten sind immer die gesamten Kosten der Kampagne im Zeitraum: Sie werden nicht nach Region "
              "oder anderen Filtern aufgeteilt. CPL, CAC, ROAS und ROI setzen daher gefilterte Ergebnisse ins "
              "Verhältnis zu den ungefilterten Kosten.",
        "en": "Cost is always the whole campaign's cost in the period: it is not split by region or any other "
              "filter. CPL, CAC, ROAS and ROI therefore compare filtered results with unfiltered cost."},
    "campaigns.cost_tip": {"de": "Gesamte Kosten der Kampagne im Zeitraum (nicht nach Filtern aufgeteilt)",
                           "en": "The whole campaign's cost in the period (not split by filters)"},
    "campaigns.col.name": {"de": "Kampagne", "en": "Campaign"},
    "campaigns.col.channel": {"de": "Kanal", "en": "Channel"},
    "campaigns.col.cost": {"de": "Kosten", "en": "Cost"},
    "campaigns.col.leads": {"de": "Leads", "en": "Leads"},
    "campaigns.col.deals": {"de": "Deals", "en": "Deals"},
    "campaigns.col.won": {"de": "Gewonnen", "en": "Won"},
    "campaigns.col.won_revenue": {"de": "Gewonnener Umsatz", "en": "Won revenue"},
    "campaigns.col.new_customers": {"de": "Neukunden", "en": "New customers"},
    "campaigns.col.attributed_revenue": {"de": "Zugeordneter Umsatz", "en": "Attributed revenue"},
    "campaigns.col.cpl": {"de": "CPL", "en": "CPL"},
    "campaigns.col.cac": {"de": "CAC", "en": "CAC"},
    "campaigns.col.roas": {"de": "ROAS", "en": "ROAS"},
    "campaigns.col.roi": {"de": "ROI", "en": "ROI"},
    "campaigns.tip.cpl": {"de": "Kosten pro Lead = Kosten / Leads", "en": "Cost per lead = cost / leads"},
    "campaigns.tip.cac": {"de": "Kosten pro Neukunde = Kosten / Neukunden",
                          "en": "Customer acquisition cost = cost / new customers"},
    "campaigns.tip.roas": {"de": "Zugeordneter Umsatz / Kosten", "en": "Attributed revenue / cost"},
    "campaigns.tip.roi": {"de": "(Zugeordneter Umsatz − Kosten) / Kosten", "en": "(attributed revenue − cost) / cost"},
    # selected campaign
    "campaigns.detail": {"de": "Ausgewählte Kampagne", "en": "Selected campaign"},
    "campaigns.detail_empty": {"de": "Eine Kampagne im Diagramm oder in der Tabelle anklicken: ihre Deals, "
                                     "der gewonnene Umsatz und die Kontaktpunkte.",
                               "en": "Click a campaign in the chart or the table for its deals, won revenue "
                                     "and touchpoints."},
    "campaigns.detail_gone": {"de": "Diese Kampagne ist in der aktuellen Auswahl nicht aufgeführt.",
                              "en": "This campaign is not listed in the current selection."},
    "campaigns.open_deals": {"de": "Angelegte Deals ({n})", "en": "Deals created ({n})"},
    "campaigns.open_won": {"de": "Gewonnene Deals ({n}) · {revenue}", "en": "Won deals ({n}) · {revenue}"},
    "campaigns.open_touchpoints": {"de": "Kontaktpunkte im Zeitraum", "en": "Touchpoints in the period"},
    "campaigns.filter_by": {"de": "Dashboard nach dieser Kampagne filtern", "en": "Filter the dashboard by this campaign"},
    "campaigns.filtered": {"de": "Filter auf diese Kampagne ist aktiv", "en": "Filtered to this campaign"},
    "campaigns.drill_deals": {"de": "Im Zeitraum angelegte Deals: {name}", "en": "Deals created in the period: {name}"},
    "campaigns.drill_won": {"de": "Im Zeitraum gewonnene Deals: {name}", "en": "Deals won in the period: {name}"},
    "campaigns.drill_touchpoints": {"de": "Kontaktpunkte im Zeitraum: {name}", "en": "Touchpoints in the period: {name}"},
    "campaigns.col.touchpoint_id": {"de": "Kontaktpunkt", "en": "Touchpoint"},
    "campaigns.col.occurred_at": {"de": "Zeitpunkt", "en": "Time"},
    "campaigns.col.kind": {"de": "Art", "en": "Kind"},
}

tr = translator(PAGE_TEXTS)


def model_label(model: str, lang: str) -> str:
    """An attribution model's name in the user's language (unknown models as named)."""
    key = f"campaigns.model.{model}"
    return tr(key, lang) if key in PAGE_TEXTS else model.replace("_", " ").capitalize()

"""German/English texts of the customer-service page (dashboard/pages/service.py) and its figures,
and the labels of case attributes (priorities, channels, `(none)`) in the user's language."""
from __future__ import annotations

from dashboard.i18n import translator
from queries.filters import NONE_VALUE

PAGE_TEXTS = {
    "service.title": {"de": "Kundenservice", "en": "Customer service"},
    # agent filter (the page's own `agent=` URL parameter, METRICS.md §8)
    "service.agent": {"de": "Bearbeiter", "en": "Agent"},
    "service.agent_all": {"de": "Alle Bearbeiter", "en": "All agents"},
    "service.agent_hint": {"de": "Gilt für alle Zahlen dieser Seite",
                           "en": "Applies to every number on this page"},
    # KPI cards
    "service.kpi.cases_opened": {"de": "Eröffnete Fälle", "en": "Cases opened"},
    "service.kpi.cases_resolved": {"de": "Gelöste Fälle", "en": "Cases resolved"},
    "service.kpi.first_response_hours_median": {"de": "Erstreaktion (Median, h)",
                                                "en": "First response (median, h)"},
    "service.kpi.avg_satisfaction": {"de": "Ø Bewertung (1–5)", "en": "Avg rating (1–5)"},
    "service.kpi.cases_per_100_customers": {"de": "Fälle je 100 Kunden", "en": "Cases per 100 customers"},
    "service.note.p90": {"de": "90. Perzentil {value}", "en": "90th percentile {value}"},
    "service.note.ratings": {"de": "aus {n} Bewertungen", "en": "from {n} ratings"},
    "service.note.customers": {"de": "{n} Kunden mit Bestellung in 12 Monaten",
                               "en": "{n} customers ordering in 12 months"},
    "service.no_cases": {"de": "Keine Servicefälle in dieser Auswahl", "en": "No service cases in this selection"},
    # trend
    "service.trend": {"de": "Eröffnete und gelöste Fälle pro Woche, mit Rückstand",
                      "en": "Cases opened and resolved by week, with the backlog"},
    "service.trend_hint": {"de": "Woche anklicken: die in dieser Woche eröffneten Fälle",
                           "en": "Click a week for the cases opened in it"},
    "service.opened": {"de": "Eröffnet", "en": "Opened"},
    "service.resolved": {"de": "Gelöst", "en": "Resolved"},
    "service.backlog_line": {"de": "Offen am Ende der Woche", "en": "Open at the week's end"},
    "service.cases_axis": {"de": "Fälle pro Woche", "en": "Cases per week"},
    "service.backlog_axis": {"de": "Offene Fälle", "en": "Open cases"},
    "service.week_of": {"de": "Woche ab %d.%m.%Y", "en": "Week of %Y-%m-%d"},
    # times by priority / channel
    "service.by_priority": {"de": "Reaktions- und Lösungszeit nach Priorität",
                            "en": "Response and resolution time by priority"},
    "service.by_channel": {"de": "Reaktions- und Lösungszeit nach Kanal",
                           "en": "Response and resolution time by channel"},
    "service.by_hint": {"de": "Balken anklicken: Erstreaktion → die eröffneten, Lösungszeit → die gelösten Fälle",
                        "en": "Click a bar: first response lists the cases opened, resolution the cases resolved"},
    "service.first_response_h": {"de": "Erstreaktion (Stunden)", "en": "First response (hours)"},
    "service.resolution_h": {"de": "Lösungszeit (Stunden)", "en": "Resolution time (hours)"},
    "service.median": {"de": "Median", "en": "Median"},
    "service.p90": {"de": "90. Perzentil", "en": "90th percentile"},
    "service.n_opened": {"de": "{n} eröffnete Fälle", "en": "{n} cases opened"},
    "service.n_resolved": {"de": "{n} gelöste Fälle", "en": "{n} cases resolved"},
    # CSAT trend
    "service.csat_trend": {"de": "Zufriedenheit (CSAT) pro Monat", "en": "Satisfaction (CSAT) by month"},
    "service.csat_hint": {"de": "Monat anklicken: die in diesem Monat gelösten, bewerteten Fälle",
                          "en": "Click a month for the rated cases resolved in it"},
    "service.ratings": {"de": "Bewertungen", "en": "Ratings"},
    "service.avg_rating": {"de": "Ø Bewertung", "en": "Avg rating"},
    # agents
    "service.agents": {"de": "Bearbeiter", "en": "Agents"},
    "service.agents_hint": {"de": "Zeile anklicken: die Fälle des Bearbeiters; „Filtern“: Seite auf ihn beschränken",
                            "en": "Click a row for the agent's cases; “Filter” limits the page to the agent"},
    "service.filter_agent": {"de": "Filtern", "en": "Filter"},
    "service.col.agent": {"de": "Bearbeiter", "en": "Agent"},
    "service.col.cases": {"de": "Eröffnet", "en": "Opened"},
    "service.col.resolved": {"de": "Gelöst", "en": "Resolved"},
    "service.col.first_group": {"de": "Erstreaktion (h)", "en": "First response (h)"},
    "service.col.resolution_group": {"de": "Lösungszeit (h)", "en": "Resolution (h)"},
    "service.col.median": {"de": "Median", "en": "Median"},
    "service.col.p90": {"de": "P90", "en": "p90"},
    "service.col.csat": {"de": "CSAT", "en": "CSAT"},
    "service.col.rated": {"de": "Bewertungen", "en": "Ratings"},
    # drill-down
    "service.col.case_id": {"de": "Fall", "en": "Case"},
    "service.col.channel": {"de": "Kanal", "en": "Channel"},
    "service.col.category": {"de": "Kategorie", "en": "Category"},
    "service.col.priority": {"de": "Priorität", "en": "Priority"},
    "service.col.opened_at": {"de": "Eröffnet", "en": "Opened"},
    "service.col.first_response_at": {"de": "Erstreaktion", "en": "First response"},
    "service.col.resolved_at": {"de": "Gelöst", "en": "Resolved"},
    "service.col.satisfaction": {"de": "Bewertung", "en": "Rating"},
    "service.col.first_response_hours": {"de": "Erstreaktion (h)", "en": "First response (h)"},
    "service.col.resolution_hours": {"de": "Lösungszeit (h)", "en": "Resolution (h)"},
    "service.drill_week": {"de": "In der Woche ab {week} eröffnete Fälle", "en": "Cases opened in the week of {week}"},
    "service.drill_month": {"de": "Bewertete Fälle, gelöst {month}", "en": "Rated cases resolved in {month}"},
    "service.drill_opened_priority": {"de": "Eröffnete Fälle mit Priorität {value}",
                                      "en": "Cases opened with priority {value}"},
    "service.drill_resolved_priority": {"de": "Gelöste Fälle mit Priorität {value}",
                                        "en": "Cases resolved with priority {value}"},
    "service.drill_opened_channel": {"de": "Über {value} eröffnete Fälle", "en": "Cases opened via {value}"},
    "service.drill_resolved_channel": {"de": "Über {value} eingegangene, gelöste Fälle",
                                       "en": "Cases resolved that came in via {value}"},
    "service.drill_agent": {"de": "Fälle von {agent}, eröffnet im Zeitraum",
                            "en": "Cases of {agent} opened in the period"},
    "service.drill_agent_resolved": {"de": "Fälle von {agent}, gelöst im Zeitraum",
                                     "en": "Cases of {agent} resolved in the period"},
    "service.drill_kpi": {"de": "Fälle hinter „{kpi}“", "en": "Cases behind “{kpi}”"},
    "service.drill_backlog": {"de": "Zum Periodenende offene Fälle", "en": "Cases open at the period's end"},
    # service and retention
    "service.retention": {"de": "Service und Kundenbindung", "en": "Service and retention"},
    "service.retention_main": {
        "de": "Von den Kunden, die in den 12 Monaten vor dem Zeitraum bestellt haben, bestellten {bad} derer "
              "mit einem schlecht bewerteten Fall (Bewertung ≤ 2) im Zeitraum erneut, gegenüber {none} derer "
              "ohne Fall.",
        "en": "Of the customers who ordered in the 12 months before the period, {bad} of those with a poorly "
              "rated case (rating ≤ 2) ordered again in the period, against {none} of those without a case."},
    "service.retention_sizes": {
        "de": "Gruppen: {bad_active} von {bad_n} Kunden mit schlecht bewertetem Fall, {none_active} von {none_n} "
              "Kunden ohne Fall.",
        "en": "Groups: {bad_active} of {bad_n} customers with a poorly rated case, {none_active} of {none_n} "
              "customers without a case."},
    "service.retention_chance": {
        "de": "Bei Gruppen dieser Größe kann der Unterschied von {diff} gut Zufall sein "
              "(95-%-Intervall {lo} bis {hi}).",
        "en": "With groups of this size the difference of {diff} may well be chance "
              "(95% interval {lo} to {hi})."},
    "service.retention_real": {
        "de": "Der Unterschied von {diff} ist größer, als Zufall allein erklären würde "
              "(95-%-Intervall {lo} bis {hi}).",
        "en": "The difference of {diff} is larger than chance alone would explain (95% interval {lo} to {hi})."},
    "service.retention_caveat": {
        "de": "Das zeigt einen Zusammenhang, keine Ursache: Kunden mit Beschwerden können sich auch in anderem "
              "unterscheiden.",
        "en": "This shows an association, not a cause: customers who complain may differ in other ways too."},
    "service.retention_too_few": {
        "de": "Zu wenige Kunden für einen Vergleich: Von den Kunden mit Bestellung in den 12 Monaten vor dem "
              "Zeitraum hatten {bad_n} einen schlecht bewerteten Fall (Bewertung ≤ 2) und {none_n} keinen Fall; "
              "nötig sind mindestens {min} je Gruppe.",
        "en": "Too few customers to compare: of the customers who ordered in the 12 months before the period, "
              "{bad_n} had a poorly rated case (rating ≤ 2) and {none_n} had no case; at least {min} per group "
              "are needed."},
    "service.retention_no_base": {
        "de": "Kein Kunde hat in den 12 Monaten vor dem Zeitraum bestellt; es gibt nichts zu vergleichen.",
        "en": "No customer ordered in the 12 months before the period, so there is nothing to compare."},
    "service.retention_bad": {"de": "Schlecht bewerteter Fall", "en": "Poorly rated case"},
    "service.retention_none": {"de": "Ohne Fall", "en": "No case"},
    "service.retention_agent_note": {"de": "Fälle der ausgewählten Bearbeiter", "en": "Cases of the selected agents"},
    # values of case attributes
    "service.priority.urgent": {"de": "dringend", "en": "urgent"},
    "service.priority.high": {"de": "hoch", "en": "high"},
    "service.priority.normal": {"de": "normal", "en": "normal"},
    "service.priority.low": {"de": "niedrig", "en": "low"},
    "service.channel.email": {"de": "E-Mail", "en": "email"},
    "service.channel.phone": {"de": "Telefon", "en": "phone"},
    "service.channel.chat": {"de": "Chat", "en": "chat"},
    "service.channel.web": {"de": "Web", "en": "web"},
    "service.channel.social": {"de": "Social", "en": "social"},
    "service.channel.store": {"de": "Filiale", "en": "store"},
}

tr = translator(PAGE_TEXTS)


def value_label(by: str, value, lang: str) -> str:
    """A priority or channel in the user's language; `(none)` as "(leer)"; unknown values as they are."""
    if value is None or value == NONE_VALUE:
        return tr("filter.none", lang)
    key = f"service.{by}.{value}"
    return tr(key, lang) if key in PAGE_TEXTS else str(value)

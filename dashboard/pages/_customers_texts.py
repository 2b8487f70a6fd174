"""German/English texts of the customers page (dashboard/pages/customers.py) and its figures."""
from __future__ import annotations

from dashboard.i18n import translator

PAGE_TEXTS = {
    "customers.title": {"de": "Kunden: Segmente, Pareto, Kundenwert, Bindung",
                        "en": "Customers: segments, Pareto, lifetime value, retention"},
    # behaviour segments (METRICS.md §6)
    "customers.segments": {"de": "Verhaltenssegmente zum Periodenende", "en": "Behaviour segments at period end"},
    "customers.segments_hint": {"de": "Balken anklicken: die Kunden des Segments",
                                "en": "Click a bar for the segment's customers"},
    "customers.segments_customers": {"de": "Kunden", "en": "Customers"},
    "customers.segments_revenue": {"de": "Umsatz bis zum Periodenende", "en": "Revenue to period end"},
    "customers.segment_hover": {
        "de": "<b>{segment}</b><br>{n} Kunden ({share} aller)<br>Umsatz bis zum Periodenende: {revenue} ({rshare})",
        "en": "<b>{segment}</b><br>{n} customers ({share} of all)<br>Revenue to period end: {revenue} ({rshare})"},
    "customers.segments_note": {
        "de": "{n} Kunden, angelegt vor dem Periodenende. Stammkunde: ≥ {loyal} Bestellungen, letzte vor ≤ {active} "
              "Tagen · Neu: genau 1 Bestellung, vor ≤ {active} Tagen · Aktiv: andere mit letzter Bestellung vor ≤ "
              "{active} Tagen · Gefährdet: {active1}–{risk} Tage · Inaktiv: > {risk} Tage · Interessiert: keine "
              "Bestellung, ≥ {visits} Besuche in {days} Tagen · Interessent: alle anderen.",
        "en": "{n} customers created before the period's end. Loyal: ≥ {loyal} orders, last ≤ {active} days ago · "
              "New: exactly 1 order, ≤ {active} days ago · Active: others ordering ≤ {active} days ago · At risk: "
              "{active1}–{risk} days · Inactive: > {risk} days · Browsing: no order, ≥ {visits} visits in {days} days "
              "· Prospect: everyone else."},
    "customers.segment.loyal": {"de": "Stammkunden", "en": "Loyal"},
    "customers.segment.new": {"de": "Neu", "en": "New"},
    "customers.segment.active": {"de": "Aktiv", "en": "Active"},
    "customers.segment.at_risk": {"de": "Gefährdet", "en": "At risk"},
    "customers.segment.inactive": {"de": "Inaktiv", "en": "Inactive"},
    "customers.segment.browsing": {"de": "Interessiert (Besuche)", "en": "Browsing"},
    "customers.segment.prospect": {"de": "Interessenten", "en": "Prospects"},
    "customers.drill_segment": {"de": "Kunden im Segment {segment}", "en": "Customers in segment {segment}"},
    # RFM
    "customers.rfm": {"de": "RFM: Aktualität × Häufigkeit", "en": "RFM: recency × frequency"},
    "customers.rfm_hint": {"de": "Zelle anklicken: diese Kunden", "en": "Click a cell for those customers"},
    "customers.rfm_axis_r": {"de": "Aktualität (R, 5 = kürzlich)", "en": "Recency score (R, 5 = most recent)"},
    "customers.rfm_axis_f": {"de": "Häufigkeit (F, 5 = am häufigsten)", "en": "Frequency score (F, 5 = most often)"},
    "customers.rfm_colorbar": {"de": "Ø Umsatz", "en": "Mean revenue"},
    "customers.rfm_hover": {"de": "<b>R {r} · F {f}</b><br>{n} Kunden<br>Ø Umsatz (M): {money}",
                            "en": "<b>R {r} · F {f}</b><br>{n} customers<br>Mean revenue (M): {money}"},
    "customers.rfm_note": {
        "de": "{n} Kunden mit Bestellung vor dem Periodenende. Zahl: Kunden; Farbe: Ø Umsatz bis dahin. "
              "Punkte 1–5 nach Rang (5 = am besten).",
        "en": "{n} customers with an order before the period's end. Number: customers; colour: their mean revenue "
              "to then. Scores 1–5 by rank (5 = best)."},
    "customers.drill_rfm": {"de": "Kunden mit R {r} und F {f}", "en": "Customers with R {r} and F {f}"},
    # Pareto
    "customers.pareto": {"de": "Umsatzkonzentration (Lorenz-Kurve)", "en": "Revenue concentration (Lorenz curve)"},
    "customers.pareto_sentence": {"de": "Die besten 20\u00a0% der Kunden ({n}) bringen {share} des Umsatzes.",
                                  "en": "The top 20% of customers ({n}) bring {share} of the revenue."},
    "customers.pareto_gini": {
        "de": "Gini-Koeffizient {gini} (0 = alle Kunden gleich, 1 = ein Kunde hat alles) · {n} Kunden mit Bestellung im "
              "Zeitraum, Umsatz im Zeitraum {total}.",
        "en": "Gini coefficient {gini} (0 = every customer alike, 1 = one customer has it all) · {n} customers with an "
              "order in the period, revenue in the period {total}."},
    "customers.pareto_curve": {"de": "Lorenz-Kurve", "en": "Lorenz curve"},
    "customers.pareto_equal": {"de": "Gleichverteilung", "en": "Equality"},
    "customers.pareto_hover": {"de": "Die unteren {x} der Kunden bringen {y} des Umsatzes",
                               "en": "The bottom {x} of customers bring {y} of the revenue"},
    "customers.pareto_axis_x": {"de": "Anteil der Kunden (nach Umsatz aufsteigend)",
                                "en": "Share of customers (by revenue, ascending)"},
    "customers.pareto_axis_y": {"de": "Anteil am Umsatz", "en": "Share of revenue"},
    # CLV
    "customers.clv": {"de": "Vorhergesagter Kundenwert (nächste {h} Monate)",
                      "en": "Predicted customer lifetime value (next {h} months)"},
    "customers.clv_axis": {"de": "Vorhergesagter Kundenwert", "en": "Predicted CLV"},
    "customers.clv_axis_y": {"de": "Kunden", "en": "Customers"},
    "customers.clv_hover": {"de": "{lo} bis {hi}: {n} Kunden", "en": "{lo} to {hi}: {n} customers"},
    "customers.clv_hover_open": {"de": "ab {lo}: {n} Kunden", "en": "{lo} and more: {n} customers"},
    "customers.clv_median": {"de": "Median {v}", "en": "median {v}"},
    "customers.clv_mean": {"de": "Mittel {v}", "en": "mean {v}"},
    "customers.clv_stats": {
        "de": "Vorhergesagt: Summe {total}, Mittel {mean}, Median {median}, 90-%-Perzentil {p90} · "
              "Bisher (historischer Kundenwert): Mittel {hmean}, Median {hmedian} über {n} Kunden.",
        "en": "Predicted: total {total}, mean {mean}, median {median}, 90th percentile {p90} · "
              "To date (historical CLV): mean {hmean}, median {hmedian} over {n} customers."},
    "customers.clv_missing": {"de": "{n} Kunden ohne Vorhersage (kein Gamma-Gamma-Modell).",
                              "en": "{n} customers without a prediction (no Gamma-Gamma fit)."},
    "customers.clv_params": {
        "de": "BG/NBD: r {r} · α {alpha} Tage · a {a} · b {b} · Gamma-Gamma: p {p} · q {q} · v {v} · "
              "Maximum-Likelihood auf {n} Kunden ({repeat} Wiederkäufer) · {h} Monate, {d} Abzinsung pro Monat",
        "en": "BG/NBD: r {r} · α {alpha} days · a {a} · b {b} · Gamma-Gamma: p {p} · q {q} · v {v} · "
              "maximum likelihood on {n} customers ({repeat} repeat buyers) · {h} months, {d} discount a month"},
    "customers.top": {"de": "Kunden mit dem höchsten vorhergesagten Kundenwert",
                      "en": "Top customers by predicted CLV"},
    "customers.top_note": {"de": "Die {n} höchsten von {total} Vorhersagen.",
                           "en": "The {n} highest of {total} predictions."},
    "customers.col.historical_clv": {"de": "Bisheriger Umsatz", "en": "Revenue to date"},
    "customers.col.frequency": {"de": "Folgekäufe", "en": "Repeat days"},
    "customers.col.expected_purchases": {"de": "Erw. Käufe", "en": "Exp. purchases"},
    "customers.col.expected_order_value": {"de": "Erw. Bestellwert", "en": "Exp. order value"},
    "customers.col.predicted_clv": {"de": "Prognose", "en": "Predicted CLV"},
    "customers.tip.frequency": {"de": "Tage mit Bestellung nach dem ersten (BG/NBD-Häufigkeit)",
                                "en": "Days with an order after the first one (BG/NBD frequency)"},
    "customers.tip.expected_purchases": {"de": "Erwartete Kauftage in den nächsten {h} Monaten",
                                         "en": "Expected purchase days in the next {h} months"},
    # cohorts
    "customers.cohorts": {"de": "Kohorten-Bindung nach Monat der Erstbestellung",
                          "en": "Cohort retention by month of first order"},
    "customers.cohorts_axis_x": {"de": "Monate nach der Erstbestellung", "en": "Months after the first order"},
    "customers.cohorts_hover": {"de": "<b>Kohorte {cohort}</b> ({size} Kunden)<br>Monat {k}: {share} bestellten",
                                "en": "<b>Cohort {cohort}</b> ({size} customers)<br>Month {k}: {share} ordered"},
    "customers.cohorts_note": {
        "de": "Zeile: Kunden mit erster Bestellung in diesem Monat (Anzahl); Spalte k: Anteil, der im k-ten Monat "
              "danach bestellt hat. Monat 0 ist 100\u00a0%; der letzte Monat kann unvollständig sein.",
        "en": "Row: customers whose first order was in that month (how many); column k: the share that ordered in "
              "the k-th month after. Month 0 is 100%; the latest month may be incomplete."},
    # activity
    "customers.activity_count": {"de": "Aktive Kunden pro Monat", "en": "Active customers by month"},
    "customers.activity_revenue": {"de": "Umsatz pro Monat nach Aktivität", "en": "Revenue by month and activity"},
    # drill-down columns
    "customers.col.country": {"de": "Land", "en": "Country"},
    "customers.col.industry": {"de": "Branche", "en": "Industry"},
    "customers.col.company_size": {"de": "Unternehmensgröße", "en": "Company size"},
    "customers.col.orders": {"de": "Bestellungen", "en": "Orders"},
    "customers.col.revenue": {"de": "Umsatz", "en": "Revenue"},
    "customers.col.last_order_at": {"de": "Letzte Bestellung", "en": "Last order"},
    "customers.col.recency_days": {"de": "Tage seit Bestellung", "en": "Days since order"},
    "customers.col.frequency_orders": {"de": "Bestellungen (F)", "en": "Orders (F)"},
    "customers.col.monetary": {"de": "Umsatz (M)", "en": "Revenue (M)"},
    "customers.col.r": {"de": "R", "en": "R"},
    "customers.col.f": {"de": "F", "en": "F"},
    "customers.col.m": {"de": "M", "en": "M"},
}

tr = translator(PAGE_TEXTS)


def segment_label(segment: str, lang: str) -> str:
    """A behaviour segment in words (unknown ones as stored)."""
    key = f"customers.segment.{segment}"
    return tr(key, lang) if key in PAGE_TEXTS else str(segment)

"""German/English texts of the attribution page (dashboard/pages/attribution.py) and its figures.

The models' names are the campaigns page's (`_campaigns_texts.model_label`: one name per model
across the dashboard).
"""
from __future__ import annotations

from dashboard.i18n import channel_label, translator

PAGE_TEXTS = {
    "attribution.title": {"de": "Attribution über die Customer Journey", "en": "Attribution over the customer journey"},
    "attribution.show": {"de": "Zeigen", "en": "Show"},
    "attribution.measure.conversions": {"de": "Abschlüsse", "en": "Conversions"},
    "attribution.measure.value": {"de": "Wert", "en": "Value"},
    # KPI cards (METRICS.md §5 totals)
    "attribution.kpi.total_conversions": {"de": "Zugeordnete Abschlüsse", "en": "Attributed conversions"},
    "attribution.kpi.total_value": {"de": "Zugeordneter Wert", "en": "Attributed value"},
    "attribution.kpi.unattributed_conversions": {"de": "Nicht zugeordnet", "en": "Not attributed"},
    "attribution.kpi.journeys": {"de": "Journeys", "en": "Journeys"},
    "attribution.kpi_note_total": {"de": "gewonnene Deals mit Kontaktpunkt", "en": "won deals with a touchpoint"},
    "attribution.kpi_note_unattributed": {"de": "ohne Kontaktpunkt · {value}", "en": "no touchpoint · {value}"},
    "attribution.kpi_note_journeys": {"de": "{conv} mit, {non} (noch) ohne Abschluss",
                                      "en": "{conv} converting, {non} not (yet)"},
    # models side by side
    "attribution.models": {"de": "Zuordnung je Kanal: alle Modelle nebeneinander",
                           "en": "Credit per channel: every model side by side"},
    "attribution.models_hint": {"de": "Balken anklicken: die Abschlüsse mit diesem Kanal und ihre Journeys",
                                "en": "Click a bar for the conversions with this channel and their journeys"},
    "attribution.totals": {
        "de": "Jedes Modell verteilt dieselben {conv} Abschlüsse im Wert von {value} auf die Kanäle. "
              "{un} Abschlüsse ({un_value}) hatten keinen Kontaktpunkt in den {window} Tagen davor und sind nicht "
              "zugeordnet.",
        "en": "Every model shares out the same {conv} conversions worth {value} over the channels. "
              "{un} conversions ({un_value}) had no touchpoint in the {window} days before and are not attributed."},
    "attribution.totals_all": {
        "de": "Jedes Modell verteilt dieselben {conv} Abschlüsse im Wert von {value} auf die Kanäle; "
              "alle Abschlüsse hatten Kontaktpunkte in den {window} Tagen davor.",
        "en": "Every model shares out the same {conv} conversions worth {value} over the channels; "
              "every conversion had touchpoints in the {window} days before."},
    "attribution.axis_conversions": {"de": "Zugeordnete Abschlüsse", "en": "Attributed conversions"},
    "attribution.axis_value": {"de": "Zugeordneter Wert", "en": "Attributed value"},
    "attribution.hover_conversions": {"de": "<b>{channel}</b><br>{model}: {value} Abschlüsse ({share} aller)",
                                      "en": "<b>{channel}</b><br>{model}: {value} conversions ({share} of all)"},
    "attribution.hover_value": {"de": "<b>{channel}</b><br>{model}: {value} ({share} des Werts)",
                                "en": "<b>{channel}</b><br>{model}: {value} ({share} of the value)"},
    "attribution.markov_null": {"de": "Markow-Kette: ohne Ergebnis (keine Konversionswahrscheinlichkeit)",
                                "en": "Markov chain: no result (no conversion probability)"},
    # top paths
    "attribution.paths": {"de": "Häufigste Journeys", "en": "Top journeys"},
    "attribution.paths_hint": {"de": "Zeile anklicken: die Abschlüsse mit genau dieser Journey",
                               "en": "Click a row for the conversions with exactly this journey"},
    "attribution.paths_note": {
        "de": "{shown} von {distinct} verschiedenen Journeys · {journeys} Journeys insgesamt. Aufeinanderfolgende "
              "Kontakte im selben Kanal zählen als ein Schritt.",
        "en": "{shown} of {distinct} distinct journeys · {journeys} journeys in all. Consecutive touches in the "
              "same channel count as one step."},
    "attribution.col.path": {"de": "Journey (Kanäle)", "en": "Journey (channels)"},
    "attribution.col.journeys": {"de": "Journeys", "en": "Journeys"},
    "attribution.col.conversions": {"de": "Abschlüsse", "en": "Conversions"},
    "attribution.col.conversion_rate": {"de": "Abschlussquote", "en": "Conversion rate"},
    # sankey of the first steps
    "attribution.sankey": {"de": "Die ersten Schritte der Journeys und wie sie enden",
                           "en": "The journeys' first steps and how they end"},
    "attribution.sankey_note": {
        "de": "Schritt 1 bis {steps}; längere Journeys gehen ab Schritt {steps} direkt zum Ergebnis.",
        "en": "Steps 1 to {steps}; longer journeys go from step {steps} straight to their outcome."},
    "attribution.other": {"de": "Andere", "en": "Other"},
    "attribution.step": {"de": "Schritt {k}", "en": "Step {k}"},
    "attribution.node_hover": {"de": "<b>{label}</b> (Schritt {k})<br>{n} Journeys",
                               "en": "<b>{label}</b> (step {k})<br>{n} journeys"},
    "attribution.end_hover": {"de": "<b>{label}</b><br>{n} Journeys", "en": "<b>{label}</b><br>{n} journeys"},
    "attribution.link_hover": {"de": "{a} → {b}<br>{n} Journeys", "en": "{a} → {b}<br>{n} journeys"},
    # transition matrix
    "attribution.transitions": {"de": "Übergänge zwischen Kanälen", "en": "Channel transitions"},
    "attribution.transitions_note": {
        "de": "Zeile: woher, Spalte: wohin; Anteil der Schritte aus dem Zeilenzustand (Markow-Kette über alle Journeys).",
        "en": "Row: from, column: to; share of the steps out of the row's state (the Markov chain over all journeys)."},
    "attribution.transition_hover": {
        "de": "Von <b>{a}</b> nach <b>{b}</b><br>{p} der {total} Schritte aus {a} ({n})",
        "en": "From <b>{a}</b> to <b>{b}</b><br>{p} of the {total} steps out of {a} ({n})"},
    "attribution.axis_from": {"de": "von", "en": "from"},
    "attribution.axis_to": {"de": "nach", "en": "to"},
    "attribution.state.start": {"de": "Beginn", "en": "Start"},
    "attribution.state.conversion": {"de": "Abschluss", "en": "Conversion"},
    "attribution.state.null": {"de": "(Noch) kein Abschluss", "en": "No conversion (yet)"},
    # drill-down
    "attribution.drill_channel": {"de": "Abschlüsse mit Kanal {channel} in der Journey",
                                  "en": "Conversions with {channel} in their journey"},
    "attribution.drill_path": {"de": "Abschlüsse mit der Journey {path}", "en": "Conversions with the journey {path}"},
    "attribution.col.value": {"de": "Wert", "en": "Value"},
    "attribution.col.journey": {"de": "Journey (Kanäle)", "en": "Journey (channels)"},
    "attribution.col.touches": {"de": "Kontakte", "en": "Touches"},
    "attribution.col.channel_touches": {"de": "Kontakte im Kanal", "en": "Touches in the channel"},
    "attribution.col.first_touch_at": {"de": "Erster Kontakt", "en": "First touch"},
}

tr = translator(PAGE_TEXTS)


def state_label(state: str, lang: str) -> str:
    """A Markov-chain state in words: start, conversion and null translated, channels by
    i18n.channel_label ("paid_search" -> "Paid search")."""
    key = f"attribution.state.{state}"
    return tr(key, lang) if key in PAGE_TEXTS else channel_label(state, lang)

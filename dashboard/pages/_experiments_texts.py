"""German/English texts of the experiments page (dashboard/pages/experiments.py), its figures and
the plain-language sentence that explains a result."""
from __future__ import annotations

from dashboard.i18n import translator

PAGE_TEXTS = {
    "experiments.title": {"de": "A/B-Experimente", "en": "A/B experiments"},
    "experiments.list": {"de": "Experimente im Zeitraum", "en": "Experiments in the period"},
    "experiments.list_hint": {"de": "Experiment anklicken: seine Auswertung", "en": "Click an experiment for its results"},
    "experiments.none": {"de": "Kein Experiment lief in diesem Zeitraum.", "en": "No experiment ran in this period."},
    "experiments.no_assignments": {"de": "Keine Zuteilungen in dieser Auswahl", "en": "No assignments in this selection"},
    "experiments.users": {"de": "{n} Teilnehmer", "en": "{n} users"},
    "experiments.since": {"de": "seit {start}", "en": "since {start}"},
    "experiments.status.running": {"de": "Läuft", "en": "Running"},
    "experiments.status.ended": {"de": "Beendet", "en": "Ended"},
    "experiments.verdict.better": {"de": "Besser", "en": "Better"},
    "experiments.verdict.worse": {"de": "Schlechter", "en": "Worse"},
    "experiments.verdict.no_clear_difference": {"de": "Kein klarer Unterschied", "en": "No clear difference"},
    "experiments.verdict.not_enough_data": {"de": "Zu wenig Daten", "en": "Not enough data"},
    "experiments.detail": {"de": "Auswertung", "en": "Results"},
    "experiments.variant.control": {"de": "Kontrolle", "en": "Control"},
    "experiments.variant.test": {"de": "Test", "en": "Test"},
    # the sentence (METRICS.md §7 verdicts)
    "experiments.subject.test": {"de": "Die Testgruppe", "en": "The test group"},
    "experiments.subject.other": {"de": "Variante „{v}“", "en": "Variant “{v}”"},
    "experiments.name.test": {"de": "Testgruppe", "en": "the test group"},
    "experiments.name.other": {"de": "Variante „{v}“", "en": "variant “{v}”"},
    "experiments.say.better": {
        "de": "{subject} hat {rel} häufiger konvertiert ({rt} gegenüber {rc}). Hätte die Änderung keine Wirkung, "
              "käme ein mindestens so großer Unterschied in {p} solcher Tests zufällig zustande.",
        "en": "{subject} converted {rel} more often ({rt} vs {rc}). If the change had no effect, a difference at least "
              "this large would turn up by chance in {p} of such tests."},
    "experiments.say.worse": {
        "de": "{subject} hat {rel} seltener konvertiert ({rt} gegenüber {rc}). Hätte die Änderung keine Wirkung, "
              "käme ein mindestens so großer Unterschied in {p} solcher Tests zufällig zustande.",
        "en": "{subject} converted {rel} less often ({rt} vs {rc}). If the change had no effect, a difference at least "
              "this large would turn up by chance in {p} of such tests."},
    "experiments.say.no_clear_difference": {
        "de": "{subject} konvertierte zu {rt}, die Kontrollgruppe zu {rc}; das 95-%-Konfidenzintervall des "
              "Unterschieds reicht von {lo} bis {hi} Prozentpunkten. Die Daten zeigen keinen klaren Unterschied: Auch ohne jede "
              "Wirkung der Änderung käme ein mindestens so großer Unterschied in {p} solcher Tests zufällig zustande.",
        "en": "{subject} converted at {rt}, control at {rc}; the 95% confidence interval of the difference runs from "
              "{lo} to {hi} percentage points. The data do not show a clear difference: even if the change had no effect, a difference "
              "at least this large would turn up by chance in {p} of such tests."},
    "experiments.say.not_enough_data": {
        "de": "Für ein Urteil gibt es zu wenige Konversionen: {name} {ct} von {nt}, Kontrollgruppe {cc} von {nc}. "
              "Nötig sind in jeder Gruppe mindestens 5 Konversionen und 5 Nicht-Konversionen – daher noch kein Urteil.",
        "en": "There are too few conversions to judge: {name} {ct} of {nt}, control {cc} of {nc}. A verdict needs at "
              "least 5 conversions and 5 non-conversions in each group, so there is no verdict yet."},
    "experiments.say.no_control": {
        "de": "In dieser Auswahl gibt es keine Kontrollgruppe, mit der {name} verglichen werden könnte – kein Urteil.",
        "en": "There is no control group in this selection to compare {name} with, so there is no verdict."},
    "experiments.p_below": {"de": "weniger als {p}", "en": "fewer than {p}"},
    # statistics
    "experiments.stat.uplift": {"de": "Uplift (relativ)", "en": "Uplift (relative)"},
    "experiments.stat.uplift_abs": {"de": "Unterschied der Raten", "en": "Difference in rate"},
    "experiments.stat.ci": {"de": "95-%-Konfidenzintervall", "en": "95% confidence interval"},
    "experiments.stat.p_value": {"de": "p-Wert (zweiseitig)", "en": "p-value (two-sided)"},
    "experiments.stat.p_beats": {"de": "P(besser als Kontrolle)", "en": "P(beats control)"},
    "experiments.tip.p_value": {
        "de": "Wahrscheinlichkeit, bei keiner Wirkung einen mindestens so großen Unterschied zu sehen "
              "(gepoolter Zwei-Stichproben-z-Test)",
        "en": "The chance of a difference at least this large if the change had no effect (pooled two-proportion z-test)"},
    "experiments.tip.p_beats": {
        "de": "Wahrscheinlichkeit, dass die wahre Rate der Variante höher ist (Bayes, Beta(1, 1)-Prior, exakt)",
        "en": "The probability that the variant's true rate is higher (Bayesian, Beta(1, 1) prior, exact)"},
    "experiments.ci_range": {"de": "{lo} bis {hi}", "en": "{lo} to {hi}"},
    "experiments.col.variant": {"de": "Variante", "en": "Variant"},
    "experiments.col.n": {"de": "Teilnehmer", "en": "Users"},
    "experiments.col.conversions": {"de": "Konversionen", "en": "Conversions"},
    "experiments.col.rate": {"de": "Konversionsrate (95\u00a0%)", "en": "Conversion rate (95%)"},
    "experiments.col.revenue_per_user": {"de": "Umsatz je Teilnehmer", "en": "Revenue per user"},
    # figures
    "experiments.rates": {"de": "Konversionsrate je Variante", "en": "Conversion rate per variant"},
    "experiments.rates_hint": {"de": "Balken anklicken: die Zuteilungen der Variante",
                               "en": "Click a bar for the variant's assignments"},
    "experiments.rates_note": {"de": "Fehlerbalken: 95-%-Intervall der Rate (Wilson).",
                               "en": "Error bars: 95% interval of the rate (Wilson)."},
    "experiments.rate_hover": {"de": "<b>{variant}</b><br>{conv} von {n} konvertiert ({rate})<br>95\u00a0%: {lo} – {hi}",
                               "en": "<b>{variant}</b><br>{conv} of {n} converted ({rate})<br>95%: {lo} – {hi}"},
    "experiments.revenue": {"de": "Umsatz je Teilnehmer", "en": "Revenue per user"},
    "experiments.revenue_hover": {"de": "<b>{variant}</b><br>{value} je Teilnehmer<br>{total} von {n} Teilnehmern",
                                  "en": "<b>{variant}</b><br>{value} per user<br>{total} from {n} users"},
    "experiments.uplift": {"de": "Unterschied zur Kontrolle (Prozentpunkte, 95-%-Intervall)",
                           "en": "Difference from control (percentage points, 95% interval)"},
    "experiments.uplift_hover": {"de": "<b>{variant}</b><br>{diff} ({lo} bis {hi})",
                                 "en": "<b>{variant}</b><br>{diff} ({lo} to {hi})"},
    "experiments.no_effect": {"de": "kein Unterschied", "en": "no difference"},
    # drill-down
    "experiments.drill": {"de": "Zuteilungen {name}: {variant}", "en": "Assignments of {name}: {variant}"},
    "experiments.col.assigned_at": {"de": "Zugeteilt", "en": "Assigned"},
    "experiments.col.converted": {"de": "Konvertiert", "en": "Converted"},
    "experiments.col.revenue": {"de": "Umsatz", "en": "Revenue"},
    "experiments.yes": {"de": "ja", "en": "yes"},
    "experiments.no": {"de": "nein", "en": "no"},
}

tr = translator(PAGE_TEXTS)


def variant_label(variant: str, lang: str) -> str:
    """control and test in words, other variants as stored."""
    key = f"experiments.variant.{variant}"
    return tr(key, lang) if key in PAGE_TEXTS else str(variant)

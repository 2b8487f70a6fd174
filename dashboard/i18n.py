"""German/English texts of every user-visible string, and the language choice.

Usage:
    from dashboard.i18n import t
    t("nav.overview", "de")                       -> "Übersicht"
    t("kpi.target", "en", target="€1,000")        -> "Target €1,000"   (str.format fields)

A page with its own strings keeps them beside its layout and makes a translator that falls
back to the common table (no shared mutable registry):
    PAGE_TEXTS = {"funnel.title": {"de": "Pipeline-Trichter", "en": "Pipeline funnel"}}
    tr = translator(PAGE_TEXTS)        # raises at import if a text lacks a language
    tr("funnel.title", lang); tr("nav.overview", lang)

A missing key raises KeyError (tests render every layout, so a typo fails a test, not a user).
The language: `lang` in the URL wins; otherwise the browser's Accept-Language (`request_lang()`),
otherwise English.
"""
from __future__ import annotations

from typing import Callable, Mapping

LANGUAGES = ("de", "en")
FALLBACK_LANG = "en"

TEXTS: dict[str, dict[str, str]] = {
    # app and navigation
    "app.title": {"de": "Vertriebszyklus-Dashboard", "en": "Sales Cycle Dashboard"},
    "app.brand": {"de": "Vertriebszyklus", "en": "Sales Cycle"},
    "nav.overview": {"de": "Übersicht", "en": "Overview"},
    "nav.funnel": {"de": "Trichter", "en": "Funnel"},
    "nav.cycle": {"de": "Verkaufszyklus", "en": "Sales cycle"},
    "nav.lifecycle": {"de": "Lebenszyklus", "en": "Lifecycle"},
    "nav.campaigns": {"de": "Kampagnen", "en": "Campaigns"},
    "nav.attribution": {"de": "Attribution", "en": "Attribution"},
    "nav.customers": {"de": "Kunden", "en": "Customers"},
    "nav.experiments": {"de": "Experimente", "en": "Experiments"},
    "nav.service": {"de": "Service", "en": "Service"},
    "nav.language": {"de": "Sprache", "en": "Language"},
    "nav.more": {"de": "Mehr", "en": "More"},
    "nav.not_found": {"de": "Diese Seite gibt es nicht.", "en": "This page does not exist."},
    "nav.back_home": {"de": "Zur Übersicht", "en": "Back to the overview"},
    # embedding (assets/embed.js)
    "embed.copy": {"de": "Einbettungscode kopieren", "en": "Copy embed code"},
    "embed.copied": {"de": "Einbettungscode kopiert", "en": "Embed code copied"},
    "embed.manual": {"de": "Diesen Code kopieren:", "en": "Copy this code:"},
    # live refresh
    "live.label": {"de": "Live", "en": "Live"},
    "live.tooltip": {"de": "Automatisch aktualisieren, sobald neue Daten eintreffen",
                     "en": "Refresh automatically when new data arrives"},
    "live.updated_at": {"de": "Aktualisiert {time}", "en": "Updated {time}"},
    "live.data_as_of": {"de": "Datenstand {ts}", "en": "Data as of {ts}"},
    "live.no_data": {"de": "Noch keine Daten", "en": "No data yet"},
    "live.paused": {"de": "pausiert", "en": "paused"},
    # the database is down or too slow (components/live.py, README "Resilience")
    "db.unreachable": {"de": "Die Datenbank ist nicht erreichbar – neuer Versuch läuft …",
                       "en": "The database is not reachable — retrying…"},
    "db.unreachable_hint": {"de": "Die Seite aktualisiert sich von selbst, sobald sie wieder antwortet.",
                            "en": "The page redraws by itself as soon as it answers again."},
    "db.view_waiting": {"de": "Wartet auf die Datenbank …", "en": "Waiting for the database …"},
    "db.view_timeout": {"de": "Die Datenbank hat für diese Ansicht zu lange gebraucht.",
                        "en": "The database took too long for this view."},
    "db.view_timeout_hint": {"de": "Kürzeren Zeitraum oder mehr Filter wählen, oder später erneut versuchen.",
                             "en": "Try a shorter period or more filters, or try again later."},
    "callback.error": {"de": "Etwas ist schiefgegangen (Referenz {ref}). Bitte erneut versuchen.",
                       "en": "Something went wrong (reference {ref}). Please try again."},
    # period and comparison
    "period.label": {"de": "Zeitraum", "en": "Period"},
    "period.from": {"de": "Von", "en": "From"},
    "period.to": {"de": "Bis", "en": "To"},
    "preset.this_month": {"de": "Dieser Monat", "en": "This month"},
    "preset.last_month": {"de": "Letzter Monat", "en": "Last month"},
    "preset.this_quarter": {"de": "Dieses Quartal", "en": "This quarter"},
    "preset.last_quarter": {"de": "Letztes Quartal", "en": "Last quarter"},
    "preset.this_year": {"de": "Dieses Jahr", "en": "This year"},
    "preset.last_year": {"de": "Letztes Jahr", "en": "Last year"},
    "preset.last_12_months": {"de": "Letzte 12 Monate", "en": "Last 12 months"},
    "preset.fiscal_year": {"de": "Geschäftsjahr", "en": "Fiscal year"},
    "preset.custom": {"de": "Eigener Zeitraum", "en": "Custom range"},
    "compare.label": {"de": "Vergleich", "en": "Compare with"},
    "compare.previous": {"de": "Vorperiode", "en": "Previous period"},
    "compare.last_year": {"de": "Vorjahr", "en": "Last year"},
    "compare.vs_previous": {"de": "ggü. Vorperiode", "en": "vs previous period"},
    "compare.vs_last_year": {"de": "ggü. Vorjahr", "en": "vs last year"},
    # filters (METRICS.md §0)
    "filters.button": {"de": "Filter", "en": "Filters"},
    "filters.clear": {"de": "Alle entfernen", "en": "Clear all"},
    "filters.active": {"de": "Aktive Filter:", "en": "Active filters:"},
    "filters.none_active": {"de": "Keine Filter aktiv", "en": "No filters"},
    "filters.all": {"de": "Alle", "en": "All"},
    "filters.remove": {"de": "Filter entfernen", "en": "Remove filter"},
    "filter.region": {"de": "Region (Kunde)", "en": "Region (customer)"},
    "filter.owner_region": {"de": "Region (Vertrieb)", "en": "Region (sales)"},
    "filter.team": {"de": "Team", "en": "Team"},
    "filter.owner": {"de": "Verantwortlich", "en": "Owner"},
    "filter.source_channel": {"de": "Quellkanal", "en": "Source channel"},
    "filter.campaign": {"de": "Kampagne", "en": "Campaign"},
    "filter.industry": {"de": "Branche", "en": "Industry"},
    "filter.company_size": {"de": "Unternehmensgröße", "en": "Company size"},
    "filter.country": {"de": "Land", "en": "Country"},
    "filter.none": {"de": "(leer)", "en": "(none)"},
    "dropdown.select_all": {"de": "Alle auswählen", "en": "Select all"},
    "dropdown.deselect_all": {"de": "Auswahl aufheben", "en": "Deselect all"},
    "dropdown.selected_count": {"de": "{num_selected} ausgewählt", "en": "{num_selected} selected"},
    "dropdown.search": {"de": "Suchen", "en": "Search"},
    "dropdown.clear_search": {"de": "Suche löschen", "en": "Clear search"},
    "dropdown.clear_selection": {"de": "Auswahl löschen", "en": "Clear selection"},
    "dropdown.no_options_found": {"de": "Nichts gefunden", "en": "No options found"},
    # charts and states
    "chart.no_data": {"de": "Keine Daten für diese Auswahl", "en": "No data for this selection"},
    "chart.no_data_hint": {"de": "Zeitraum oder Filter ändern", "en": "Try another period or fewer filters"},
    "chart.error": {"de": "Diese Ansicht konnte nicht geladen werden.",
                    "en": "This view could not be loaded."},
    "chart.error_detail": {"de": "Der Fehler wurde protokolliert (Referenz {ref}). Bitte später erneut versuchen.",
                           "en": "The error was logged (reference {ref}). Please try again later."},
    "chart.loading": {"de": "Wird geladen …", "en": "Loading …"},
    "chart.month": {"de": "Monat", "en": "Month"},
    "chart.deals": {"de": "Deals", "en": "Deals"},
    "chart.amount": {"de": "Betrag", "en": "Amount"},
    "chart.target": {"de": "Ziel", "en": "Target"},
    "chart.actual": {"de": "Ist", "en": "Actual"},
    "chart.of_first": {"de": "vom ersten", "en": "of first"},
    "chart.of_previous": {"de": "vom vorherigen", "en": "of previous"},
    "chart.click_hint": {"de": "Klicken für Details", "en": "Click for details"},
    # KPIs (METRICS.md §2 names)
    "kpi.won_deals": {"de": "Gewonnene Deals", "en": "Won deals"},
    "kpi.lost_deals": {"de": "Verlorene Deals", "en": "Lost deals"},
    "kpi.won_revenue": {"de": "Gewonnener Umsatz", "en": "Won revenue"},
    "kpi.win_rate": {"de": "Abschlussquote", "en": "Win rate"},
    "kpi.avg_deal_size": {"de": "Ø Auftragswert", "en": "Avg deal size"},
    "kpi.cycle_days_median": {"de": "Verkaufszyklus (Median)", "en": "Sales cycle (median)"},
    "kpi.cycle_days_mean": {"de": "Verkaufszyklus (Mittel)", "en": "Sales cycle (mean)"},
    "kpi.open_deals": {"de": "Offene Deals", "en": "Open deals"},
    "kpi.open_pipeline": {"de": "Offene Pipeline", "en": "Open pipeline"},
    "kpi.weighted_pipeline": {"de": "Gewichtete Pipeline", "en": "Weighted pipeline"},
    "kpi.sales_velocity": {"de": "Verkaufsgeschwindigkeit", "en": "Sales velocity"},
    "kpi.stale_deals": {"de": "Liegengebliebene Deals", "en": "Stale deals"},
    "kpi.new_leads": {"de": "Neue Leads", "en": "New leads"},
    # customer-service KPIs (METRICS.md §8 names)
    "kpi.backlog": {"de": "Offene Fälle", "en": "Backlog (open cases)"},
    "kpi.resolution_hours_median": {"de": "Lösungszeit (Median, h)", "en": "Resolution time (median, h)"},
    "kpi.csat": {"de": "Kundenzufriedenheit (CSAT)", "en": "Satisfaction (CSAT)"},
    "kpi.target": {"de": "Ziel {target}", "en": "Target {target}"},
    "kpi.attainment": {"de": "{pct} vom Ziel", "en": "{pct} of target"},
    "kpi.on_track": {"de": "im Plan", "en": "on track"},
    "kpi.at_risk": {"de": "gefährdet", "en": "at risk"},
    "kpi.off_track": {"de": "unter Plan", "en": "off track"},
    "kpi.pro_rata": {"de": "anteilig bis heute", "en": "pro rata to date"},
    "kpi.no_change": {"de": "keine Vergleichsdaten", "en": "no comparison"},
    "kpi.at_period_end": {"de": "zum Periodenende", "en": "at period end"},
    "unit.days": {"de": "Tage", "en": "days"},
    "unit.day": {"de": "Tag", "en": "day"},
    "unit.per_day": {"de": "/Tag", "en": "/day"},
    "unit.pp": {"de": "Pp.", "en": "pp"},
    # drill-down
    "drill.title_count": {"de": "{title} — {count}", "en": "{title} — {count}"},
    "drill.close": {"de": "Schließen", "en": "Close"},
    "drill.export": {"de": "CSV exportieren", "en": "Export CSV"},
    "drill.export_capped": {"de": "Export auf die ersten {cap} von {total} Zeilen begrenzt.",
                            "en": "Export limited to the first {cap} of {total} rows."},
    "drill.export_done": {"de": "{rows} Zeilen exportiert.", "en": "{rows} rows exported."},
    "drill.server_side": {"de": "Große Liste: Sortieren auf dem Server, Spaltenfilter aus.",
                          "en": "Large list: sorted on the server, column filters off."},
    "drill.empty": {"de": "Keine Einträge.", "en": "No rows."},
    "drill.unknown_source": {"de": "Unbekannte Detailansicht.", "en": "Unknown detail view."},
    "col.deal_id": {"de": "Deal", "en": "Deal"},
    "col.customer_id": {"de": "Kunden-ID", "en": "Customer ID"},
    "col.customer_name": {"de": "Kunde", "en": "Customer"},
    "col.owner_id": {"de": "Verantwortlich-ID", "en": "Owner ID"},
    "col.owner_name": {"de": "Verantwortlich", "en": "Owner"},
    "col.team": {"de": "Team", "en": "Team"},
    "col.region": {"de": "Region", "en": "Region"},
    "col.source_channel": {"de": "Quellkanal", "en": "Source channel"},
    "col.campaign_id": {"de": "Kampagnen-ID", "en": "Campaign ID"},
    "col.campaign_name": {"de": "Kampagne", "en": "Campaign"},
    "col.amount": {"de": "Betrag", "en": "Amount"},
    "col.created_at": {"de": "Angelegt", "en": "Created"},
    "col.closed_at": {"de": "Abgeschlossen", "en": "Closed"},
    "col.status": {"de": "Status", "en": "Status"},
    "col.stage": {"de": "Stufe", "en": "Stage"},
    "col.lost_reason": {"de": "Verlustgrund", "en": "Lost reason"},
    "col.cycle_days": {"de": "Zyklus (Tage)", "en": "Cycle (days)"},
    "col.stage_at_to": {"de": "Stufe zum Periodenende", "en": "Stage at period end"},
    "col.expected_close_at": {"de": "Erw. Abschluss", "en": "Expected close"},
    "status.open": {"de": "offen", "en": "open"},
    "status.won": {"de": "gewonnen", "en": "won"},
    "status.lost": {"de": "verloren", "en": "lost"},
    # channels (touchpoints, deal sources, campaigns; DATA_CONTRACT.md) and service case channels
    "channel.email": {"de": "E-Mail", "en": "Email"},
    "channel.paid_search": {"de": "Bezahlte Suche", "en": "Paid search"},
    "channel.social": {"de": "Social Media", "en": "Social"},
    "channel.display": {"de": "Display", "en": "Display"},
    "channel.organic": {"de": "Organisch", "en": "Organic"},
    "channel.referral": {"de": "Empfehlung", "en": "Referral"},
    "channel.event": {"de": "Veranstaltung", "en": "Event"},
    "channel.print": {"de": "Print", "en": "Print"},
    "channel.tv": {"de": "TV", "en": "TV"},
    "channel.pos": {"de": "Point of Sale", "en": "Point of sale"},
    "channel.direct": {"de": "Direkt", "en": "Direct"},
    "channel.phone": {"de": "Telefon", "en": "Phone"},
    "channel.chat": {"de": "Chat", "en": "Chat"},
    "channel.web": {"de": "Web", "en": "Web"},
    "channel.store": {"de": "Filiale", "en": "Store"},
    # service cases: priority and category in lists (the service page's sentences have their own)
    "priority.urgent": {"de": "Dringend", "en": "Urgent"},
    "priority.high": {"de": "Hoch", "en": "High"},
    "priority.normal": {"de": "Normal", "en": "Normal"},
    "priority.low": {"de": "Niedrig", "en": "Low"},
    "case_category.question": {"de": "Frage", "en": "Question"},
    "case_category.complaint": {"de": "Beschwerde", "en": "Complaint"},
    "case_category.billing": {"de": "Rechnung", "en": "Billing"},
    "case_category.return": {"de": "Rücksendung", "en": "Return"},
    "case_category.technical": {"de": "Technik", "en": "Technical"},
    # lost reasons (deals.lost_reason; a CRM's own reasons are shown as stored)
    "lost_reason.no_budget": {"de": "Kein Budget", "en": "No budget"},
    "lost_reason.no_need": {"de": "Kein Bedarf", "en": "No need"},
    "lost_reason.bad_fit": {"de": "Passt nicht", "en": "Poor fit"},
    "lost_reason.no_response": {"de": "Keine Rückmeldung", "en": "No response"},
    "lost_reason.timing": {"de": "Zeitpunkt", "en": "Timing"},
    "lost_reason.competitor": {"de": "Wettbewerber", "en": "Competitor"},
    "lost_reason.no_decision": {"de": "Keine Entscheidung", "en": "No decision"},
    "lost_reason.price": {"de": "Preis", "en": "Price"},
    "lost_reason.legal": {"de": "Rechtliches", "en": "Legal"},
    # overview page
    "overview.title": {"de": "Übersicht", "en": "Overview"},
    "overview.funnel": {"de": "Pipeline-Trichter (Deals angelegt im Zeitraum)",
                        "en": "Pipeline funnel (deals created in the period)"},
    "overview.funnel_hint": {"de": "Stufe anklicken: Trichter im Detail",
                             "en": "Click a stage for the funnel page"},
    "overview.revenue": {"de": "Gewonnener Umsatz pro Monat und Ziel", "en": "Won revenue by month vs target"},
    "overview.revenue_hint": {"de": "Monat anklicken: gewonnene Deals",
                              "en": "Click a month for its won deals"},
    "overview.drill_won_month": {"de": "Gewonnene Deals {month}", "en": "Deals won in {month}"},
    "overview.drill_kpi": {"de": "Deals hinter „{kpi}“", "en": "Deals behind “{kpi}”"},
    "overview.service": {"de": "Kundenservice", "en": "Customer service"},
    "overview.service_link": {"de": "Zur Serviceseite", "en": "Open the service page"},
    "overview.service_none": {"de": "Keine Servicefälle in dieser Auswahl", "en": "No service cases in this selection"},
    "overview.drill_cases": {"de": "Fälle hinter „{kpi}“", "en": "Cases behind “{kpi}”"},
    "overview.drill_backlog": {"de": "Zum Periodenende offene Fälle", "en": "Cases open at the period's end"},
    "overview.waiting": {"de": "Die Kennzahlen werden gerade eingerichtet.",
                         "en": "The metrics are being set up."},
}


def _check(texts: Mapping[str, Mapping[str, str]]) -> None:
    for key, by_lang in texts.items():
        missing = [lang for lang in LANGUAGES if not by_lang.get(lang)]
        if missing:
            raise ValueError(f"text {key!r} has no {', '.join(missing)} translation")


_check(TEXTS)


def normalize_lang(lang: str | None, default: str = FALLBACK_LANG) -> str:
    """`lang` if it is a supported language ("de-AT" counts as "de"), else `default`."""
    if isinstance(lang, str):
        code = lang.strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return default


def t(key: str, lang: str, **fields) -> str:
    """The text `key` in `lang` (unknown languages fall back to English); KeyError if unknown."""
    text = TEXTS[key][normalize_lang(lang)]
    return text.format(**fields) if fields else text


def vocab_label(family: str, key, lang: str) -> str:
    """A stored code of a vocabulary ("channel", "lost_reason") as people read it: the text
    `family.key` when the table has it, else the code with "_" as a space (a CRM's own codes);
    null is "(none)"."""
    if key is None or key != key:  # None or NaN
        return t("filter.none", lang)
    by_lang = TEXTS.get(f"{family}.{key}")
    if by_lang:
        return by_lang[normalize_lang(lang)]
    return str(key).replace("_", " ")


def channel_label(key, lang: str) -> str:
    """A channel in words: "paid_search" -> "Bezahlte Suche" / "Paid search" (vocab_label)."""
    return vocab_label("channel", key, lang)


def lost_reason_label(key, lang: str) -> str:
    """A lost reason in words: "no_decision" -> "Keine Entscheidung" / "No decision"."""
    return vocab_label("lost_reason", key, lang)


def channel_path(path: str, lang: str, separator: str = " > ") -> str:
    """A journey of channels ("email > paid_search", queries.paths.SEPARATOR) in words."""
    return separator.join(channel_label(step, lang) for step in str(path).split(separator))


def channel_labels(lang: str) -> dict[str, str]:
    """{channel key: label} of every channel the table knows (an ag-grid column's refData)."""
    return {k.split(".", 1)[1]: v[normalize_lang(lang)] for k, v in TEXTS.items() if k.startswith("channel.")}


def translator(extra: Mapping[str, Mapping[str, str]]) -> Callable[..., str]:
    """A `t` that looks in `extra` (a page's own texts) first, then in the common table."""
    _check(extra)
    overlap = set(extra) & set(TEXTS)
    if overlap:
        raise ValueError(f"page texts redefine common keys: {sorted(overlap)}")
    frozen = {k: dict(v) for k, v in extra.items()}

    def tr(key: str, lang: str, **fields) -> str:
        by_lang = frozen.get(key) or TEXTS[key]
        text = by_lang[normalize_lang(lang)]
        return text.format(**fields) if fields else text
    tr.texts = frozen
    return tr


def lang_from_accept_language(header: str | None) -> str:
    """The best supported language of an Accept-Language header ("de-DE,de;q=0.9,en;q=0.8")."""
    best, best_q = None, -1.0
    for pos, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        code = tag.strip().lower()[:2]
        if code not in LANGUAGES:
            continue
        q = 1.0
        for p in params.split(";"):
            name, _, value = p.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > best_q:  # the first of equal weights wins (header order is preference order)
            best, best_q = code, q
    return best if best and best_q > 0 else FALLBACK_LANG


def request_lang() -> str:
    """The language the browser asks for (Accept-Language of the current request), or English."""
    from flask import has_request_context, request
    if not has_request_context():
        return FALLBACK_LANG
    return lang_from_accept_language(request.headers.get("Accept-Language"))


def dropdown_labels(lang: str) -> dict:
    """Translated `labels` for dcc.Dropdown (Dash 4)."""
    keys = ("select_all", "deselect_all", "selected_count", "search", "clear_search",
            "clear_selection", "no_options_found")
    return {k: t(f"dropdown.{k}", lang) for k in keys}

"""German/English texts of the lifecycle page (dashboard/pages/lifecycle.py) and its figures.

Kept beside the page (i18n.translator falls back to the common table for shared keys).
"""
from __future__ import annotations

from dashboard.i18n import channel_label, translator
from queries.filters import NONE_VALUE

PAGE_TEXTS = {
    "lifecycle.title": {"de": "Kundenlebenszyklus", "en": "Customer lifecycle"},
    # migration (METRICS.md §3 lifecycle migration)
    "lifecycle.migration": {"de": "Wechsel zwischen Lebenszyklus-Stufen", "en": "Lifecycle migration"},
    "lifecycle.migration_range": {"de": "{t0} (Tagesbeginn) → {t1} (Tagesende)",
                                  "en": "{t0} (start of day) → {t1} (end of day)"},
    "lifecycle.migration_hint": {"de": "Strom oder Zelle anklicken: die Kunden dieses Wechsels",
                                 "en": "Click a flow or a cell for the customers who moved"},
    "lifecycle.sankey": {"de": "Ströme", "en": "Flows"},
    "lifecycle.matrix": {"de": "Matrix (Zeile: Stufe am Anfang, Spalte: Stufe am Ende)",
                         "en": "Matrix (row: stage at the start, column: stage at the end)"},
    "lifecycle.t0": {"de": "Anfang", "en": "Start"},
    "lifecycle.t1": {"de": "Ende", "en": "End"},
    "lifecycle.reset_dates": {"de": "Zeitraum", "en": "Period"},
    "lifecycle.reset_dates_title": {"de": "Anfang und Ende des Zeitraums verwenden",
                                    "en": "Use the period's first and last day"},
    "lifecycle.axis_from": {"de": "Stufe am {date}", "en": "Stage on {date}"},
    "lifecycle.axis_to": {"de": "Stufe am {date} (Tagesende)", "en": "Stage on {date} (end of day)"},
    "lifecycle.node_hover": {"de": "<b>{stage}</b> am {date}<br>{n} Kunden ({share})",
                             "en": "<b>{stage}</b> on {date}<br>{n} customers ({share})"},
    "lifecycle.flow_hover": {"de": "<b>{a} → {b}</b><br>{n} Kunden<br>{share} von {a}",
                             "en": "<b>{a} → {b}</b><br>{n} customers<br>{share} of {a}"},
    "lifecycle.stay_hover": {"de": "<b>Blieben in {a}</b><br>{n} Kunden<br>{share} von {a}",
                             "en": "<b>Stayed in {a}</b><br>{n} customers<br>{share} of {a}"},
    "lifecycle.drill_migration": {"de": "Kunden, die von {a} zu {b} wechselten",
                                  "en": "Customers who moved from {a} to {b}"},
    "lifecycle.drill_stayed": {"de": "Kunden, die in {a} blieben", "en": "Customers who stayed in {a}"},
    "lifecycle.drill_entered": {"de": "Kunden, die {b} erreichten (vorher ohne Stufe)",
                                "en": "Customers who reached {b} (no stage before)"},
    "lifecycle.drill_no_stage": {"de": "Kunden weiterhin ohne Stufe", "en": "Customers still without a stage"},
    "lifecycle.no_stages": {"de": "Bis zum Ende noch keine Lebenszyklus-Stufe erfasst",
                            "en": "No lifecycle stage recorded by the end date"},
    "lifecycle.no_customers": {"de": "Keine Kunden für diese Auswahl", "en": "No customers for this selection"},
    # stages (DATA_CONTRACT.md lifecycle stages; "—" = no stage yet)
    "lifecycle.stage.none": {"de": "Noch keine", "en": "None yet"},
    "lifecycle.stage.subscriber": {"de": "Abonnent", "en": "Subscriber"},
    "lifecycle.stage.lead": {"de": "Lead", "en": "Lead"},
    "lifecycle.stage.mql": {"de": "MQL", "en": "MQL"},
    "lifecycle.stage.sql": {"de": "SQL", "en": "SQL"},
    "lifecycle.stage.opportunity": {"de": "Opportunity", "en": "Opportunity"},
    "lifecycle.stage.customer": {"de": "Kunde", "en": "Customer"},
    "lifecycle.stage.loyal": {"de": "Stammkunde", "en": "Loyal"},
    "lifecycle.stage.churned": {"de": "Abgewandert", "en": "Churned"},
    # lead conversion (METRICS.md §3)
    "lifecycle.kpi_converted": {"de": "Zu Kunden geworden", "en": "Leads converted"},
    "lifecycle.kpi_rate": {"de": "Lead-Konversion", "en": "Lead conversion"},
    "lifecycle.kpi_note": {"de": "Kunde vor Periodenende", "en": "customer before period end"},
    "lifecycle.conv_channel": {"de": "Lead-Konversion nach Quellkanal", "en": "Lead conversion by source channel"},
    "lifecycle.conv_campaign": {"de": "Lead-Konversion nach Kampagne", "en": "Lead conversion by campaign"},
    "lifecycle.conv_campaign_top": {"de": "Lead-Konversion nach Kampagne (Top {n} nach Leads)",
                                    "en": "Lead conversion by campaign (top {n} by leads)"},
    "lifecycle.conv_hint": {"de": "Balken anklicken: diese Leads", "en": "Click a bar for those leads"},
    "lifecycle.conv_hover": {"de": "<b>{label}</b><br>{customers} von {leads} Leads wurden Kunden<br>Lead-Konversion {rate}",
                             "en": "<b>{label}</b><br>{customers} of {leads} leads became customers<br>Lead conversion {rate}"},
    "lifecycle.conv_text": {"de": "{rate} · {customers}/{leads}", "en": "{rate} · {customers}/{leads}"},
    "lifecycle.no_campaign": {"de": "Ohne Kampagne", "en": "No campaign"},
    "lifecycle.no_channel": {"de": "Ohne Kontaktpunkt", "en": "No touchpoint"},
    "lifecycle.drill_leads": {"de": "Neue Leads", "en": "New leads"},
    "lifecycle.drill_converted": {"de": "Neue Leads, die Kunden wurden", "en": "New leads who became customers"},
    "lifecycle.drill_channel": {"de": "Leads aus dem Kanal {label}", "en": "Leads from the {label} channel"},
    "lifecycle.drill_campaign": {"de": "Leads aus der Kampagne {label}", "en": "Leads from the campaign {label}"},
    "lifecycle.drill_no_channel": {"de": "Leads ohne Kontaktpunkt", "en": "Leads without a touchpoint"},
    "lifecycle.drill_no_campaign": {"de": "Leads ohne Kampagne", "en": "Leads without a campaign"},
    # activity lifecycle (METRICS.md §3)
    "lifecycle.activity": {"de": "Aktive Kunden pro Monat", "en": "Customer activity by month"},
    "lifecycle.activity_note": {
        "de": "Neu: erste Bestellung überhaupt · Wiederkehrend: auch im Vormonat bestellt · "
              "Reaktiviert: nach einer Pause wieder bestellt · Ruhend (unter null): im Vormonat bestellt, in diesem nicht",
        "en": "New: first order ever · Returning: also ordered the month before · "
              "Resurrecting: ordering again after a break · Dormant (below zero): ordered the month before, not this one"},
    "lifecycle.measure_count": {"de": "Kunden", "en": "Customers"},
    "lifecycle.measure_revenue": {"de": "Umsatz", "en": "Revenue"},
    "lifecycle.kind.new": {"de": "Neu", "en": "New"},
    "lifecycle.kind.returning": {"de": "Wiederkehrend", "en": "Returning"},
    "lifecycle.kind.resurrecting": {"de": "Reaktiviert", "en": "Resurrecting"},
    "lifecycle.kind.dormant": {"de": "Ruhend", "en": "Dormant"},
    "lifecycle.activity_hover_count": {"de": "<b>{month}</b><br>{kind}: {n} Kunden",
                                       "en": "<b>{month}</b><br>{kind}: {n} customers"},
    "lifecycle.activity_hover_revenue": {"de": "<b>{month}</b><br>{kind}: {value}",
                                         "en": "<b>{month}</b><br>{kind}: {value}"},
    "lifecycle.activity_hover_dormant_revenue": {
        "de": "<b>{month}</b><br>{kind}: {value}<br>(Umsatz im Vormonat)",
        "en": "<b>{month}</b><br>{kind}: {value}<br>(their revenue the month before)"},
    # drill-down columns
    "lifecycle.col.country": {"de": "Land", "en": "Country"},
    "lifecycle.col.industry": {"de": "Branche", "en": "Industry"},
    "lifecycle.col.company_size": {"de": "Unternehmensgröße", "en": "Company size"},
    "lifecycle.col.lead_channel": {"de": "Lead-Quellkanal", "en": "Lead source channel"},
    "lifecycle.col.lead_campaign": {"de": "Lead-Quellkampagne", "en": "Lead source campaign"},
    "lifecycle.col.converted": {"de": "Kunde geworden", "en": "Became customer"},
    "lifecycle.yes": {"de": "ja", "en": "yes"},
    "lifecycle.no": {"de": "nein", "en": "no"},
}

tr = translator(PAGE_TEXTS)


def stage_label(stage: str, lang: str) -> str:
    """A lifecycle stage in the user's language ("—" = no stage yet); unknown stages as stored."""
    key = "lifecycle.stage." + ("none" if stage == "—" else str(stage))
    return tr(key, lang) if key in PAGE_TEXTS else str(stage)


def migration_title(a: str, b: str, lang: str) -> str:
    """The drill-down title of the customers of one flow (a at the start, b at the end; "—" none)."""
    if a == b:
        return tr("lifecycle.drill_no_stage" if a == "—" else "lifecycle.drill_stayed", lang, a=stage_label(a, lang))
    if a == "—":
        return tr("lifecycle.drill_entered", lang, b=stage_label(b, lang))
    return tr("lifecycle.drill_migration", lang, a=stage_label(a, lang), b=stage_label(b, lang))


def leads_title(kind: str, key: str, label: str, lang: str) -> str:
    """The drill-down title of the leads of one source channel or campaign (`(none)` in words)."""
    if key == NONE_VALUE:
        return tr(f"lifecycle.drill_no_{kind}", lang)
    return tr(f"lifecycle.drill_{kind}", lang, label=label)


def group_label(key: str, lang: str, *, kind: str, names: dict | None = None) -> str:
    """A lead-source group: a channel in words (i18n.channel_label), a campaign by name, `(none)`
    in words."""
    if key == NONE_VALUE:
        return tr("lifecycle.no_campaign" if kind == "campaign" else "lifecycle.no_channel", lang)
    if kind == "channel":
        return channel_label(key, lang)
    return str((names or {}).get(key) or key)

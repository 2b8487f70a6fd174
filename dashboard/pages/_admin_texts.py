"""Texts of the admin page (German and English)."""
from __future__ import annotations

from dashboard.i18n import translator

PAGE_TEXTS = {
    "admin.title": {"de": "Verwaltung", "en": "Administration"},
    "admin.subtitle": {"de": "Daten importieren, Ziele pflegen, Benutzer und API-Tokens verwalten, Protokoll einsehen",
                       "en": "Import data, edit targets, manage users and API tokens, read the audit log"},
    "admin.tab_import": {"de": "Import", "en": "Import"},
    "admin.tab_targets": {"de": "Ziele", "en": "Targets"},
    "admin.tab_users": {"de": "Benutzer und Tokens", "en": "Users and tokens"},
    "admin.tab_audit": {"de": "Protokoll", "en": "Audit log"},
    "admin.upload": {"de": "CSV-Dateien oder ein ZIP mit dem Import-Ordner hierher ziehen oder klicken",
                     "en": "Drop CSV files or a zip of the import folder here, or click"},
    "admin.upload_hint": {"de": "Dateinamen wie im Datenvertrag: customers.csv, deals.csv, … "
                                "Alles oder nichts: eine fehlerhafte Zeile ändert nichts.",
                          "en": "File names as in the data contract: customers.csv, deals.csv, … "
                                "All or nothing: one bad row changes nothing."},
    "admin.replace": {"de": "Als vollständigen Stand behandeln (fehlende Zeilen löschen):",
                      "en": "Treat as a full snapshot (delete rows missing from the file):"},
    "admin.replace_none": {"de": "Keine – nur Zeilen hinzufügen und aktualisieren",
                           "en": "None — only add and update rows"},
    "admin.import_running": {"de": "Import läuft: {table} – {rows} Zeilen", "en": "Importing: {table} — {rows} rows"},
    "admin.import_starting": {"de": "Import startet …", "en": "Import starting …"},
    "admin.import_done": {"de": "Import fertig in {seconds} s: {detail}", "en": "Imported in {seconds} s: {detail}"},
    "admin.import_failed": {"de": "Import fehlgeschlagen, nichts wurde geändert:",
                            "en": "Import failed, nothing was changed:"},
    "admin.import_lost": {"de": "Der Import-Status ist nicht mehr lesbar.", "en": "The import status cannot be read."},
    "admin.targets_hint": {"de": "Zellen anklicken zum Bearbeiten. period_end ist exklusiv; scope: all, "
                                 "region:<Name> oder owner:<ID>.",
                           "en": "Click a cell to edit. period_end is exclusive; scope: all, region:<name> "
                                 "or owner:<id>."},
    "admin.add_row": {"de": "Zeile hinzufügen", "en": "Add row"},
    "admin.delete_rows": {"de": "Markierte löschen", "en": "Delete selected"},
    "admin.save": {"de": "Speichern", "en": "Save"},
    "admin.saved": {"de": "Gespeichert: {saved} Ziele, {deleted} gelöscht.",
                    "en": "Saved: {saved} targets, {deleted} deleted."},
    "admin.not_saved": {"de": "Nicht gespeichert –", "en": "Not saved —"},
    "admin.users": {"de": "Benutzer", "en": "Users"},
    "admin.add_user": {"de": "Benutzer anlegen", "en": "Add user"},
    "admin.username": {"de": "Benutzername", "en": "Username"},
    "admin.role": {"de": "Rolle", "en": "Role"},
    "admin.owner": {"de": "Owner-ID (Vertrieb)", "en": "Owner id (sales)"},
    "admin.region": {"de": "Regionen (optional, mit Komma)", "en": "Regions (optional, comma-separated)"},
    "admin.password": {"de": "Passwort (leer: nur SSO/Tokens)", "en": "Password (empty: SSO/tokens only)"},
    "admin.selected_user": {"de": "Markierter Benutzer:", "en": "Selected user:"},
    "admin.none_selected": {"de": "Bitte zuerst einen Benutzer in der Tabelle markieren.",
                            "en": "Select a user in the table first."},
    "admin.set_role": {"de": "Rolle setzen", "en": "Set role"},
    "admin.disable": {"de": "Sperren", "en": "Disable"},
    "admin.enable": {"de": "Entsperren", "en": "Enable"},
    "admin.done": {"de": "Erledigt: {what}", "en": "Done: {what}"},
    "admin.refused": {"de": "Abgelehnt:", "en": "Refused:"},
    "admin.last_admin": {"de": "der letzte aktive Admin kann nicht gesperrt oder herabgestuft werden",
                         "en": "the last active admin cannot be disabled or demoted"},
    "admin.tokens": {"de": "API-Tokens", "en": "API tokens"},
    "admin.token_name": {"de": "Name des Tokens (wofür?)", "en": "Token name (what for?)"},
    "admin.create_token": {"de": "Token für markierten Benutzer erstellen", "en": "Create token for selected user"},
    "admin.token_once": {"de": "Das Token wird nur jetzt angezeigt – bitte sofort sicher ablegen:",
                         "en": "The token is shown only now — store it safely:"},
    "admin.revoke": {"de": "Markiertes Token widerrufen", "en": "Revoke selected token"},
    "admin.audit_hint": {"de": "Die neuesten 500 Einträge: wer welche Liste mit personenbezogenen Daten geöffnet, "
                               "Kunden gelöscht oder Benutzer geändert hat.",
                         "en": "The newest 500 entries: who opened which list with personal data, erased "
                               "customers or changed users."},
    "admin.refresh": {"de": "Aktualisieren", "en": "Refresh"},
}

tr = translator(PAGE_TEXTS)

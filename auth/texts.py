"""Texts of the login page, the sign-in banner and the access messages, in German and English."""
from __future__ import annotations

TEXTS = {
    "login.title": {"de": "Anmelden", "en": "Sign in"},
    "login.username": {"de": "Benutzername", "en": "Username"},
    "login.password": {"de": "Passwort", "en": "Password"},
    "login.submit": {"de": "Anmelden", "en": "Sign in"},
    "login.failed": {"de": "Benutzername oder Passwort ist falsch.", "en": "Wrong username or password."},
    "login.locked": {"de": "Zu viele fehlgeschlagene Anmeldungen für „{user}“ von dieser Adresse. "
                           "Bitte in {minutes} Minuten erneut versuchen.",
                     "en": "Too many failed sign-ins for “{user}” from this address. "
                           "Please try again in {minutes} minutes."},
    "login.expired": {"de": "Das Formular ist abgelaufen; bitte erneut anmelden.",
                      "en": "The form has expired; please sign in again."},
    "login.proxy_failed": {"de": "Die Anmeldung über das Portal hat die App nicht erreicht",
                           "en": "Single sign-on through the portal did not reach the app"},
    "banner.no_auth": {"de": "Anmeldung ist aus: alle sehen alles – nur für lokale Vorführungen.",
                       "en": "Sign-in is off: everyone sees everything — for local demos only"},
    "nav.sign_out": {"de": "Abmelden", "en": "Sign out"},
    "nav.admin": {"de": "Verwaltung", "en": "Admin"},
    "access.page_denied": {"de": "Diese Seite ist für die Rolle „{role}“ nicht freigegeben.",
                           "en": "This page is not open to the role “{role}”."},
    "access.go_to": {"de": "Weiter zu:", "en": "Go to:"},
    "access.no_role": {"de": "Ihr Konto hat hier keine Rolle. Bitte wenden Sie sich an die Administration.",
                       "en": "Your account has no role here. Please ask an administrator."},
    "access.hidden_rep": {"de": "Zahlen pro Vertriebsmitarbeiter sind für Ihre Rolle ausgeblendet.",
                          "en": "Figures per sales rep are hidden for your role."},
    "access.hidden_for_role": {"de": "Für Ihre Rolle nicht sichtbar", "en": "Not shown for your role"},
    "access.forbidden_title": {"de": "Kein Zugriff", "en": "Access denied"},
    "access.cross_site": {"de": "Abgelehnt: Diese Anfrage kam von einer anderen Website. Änderungen sind nur "
                                "von den Seiten dieser App aus möglich.",
                          "en": "Refused: this request came from another website. Changes can only be made "
                                "from this app's own pages."},
}


def text(key: str, lang: str, **fields) -> str:
    lang = lang if lang in ("de", "en") else "en"
    text = TEXTS[key][lang]
    return text.format(**fields) if fields else text

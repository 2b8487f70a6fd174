"""The translation table: every text in both languages, and the language choice."""
import re
from pathlib import Path

import pytest

from dashboard import i18n

DASHBOARD = Path(__file__).resolve().parent.parent / "dashboard"


def test_every_text_has_german_and_english():
    for key, by_lang in i18n.TEXTS.items():
        assert set(by_lang) == {"de", "en"}, key
        assert all(isinstance(v, str) and v.strip() for v in by_lang.values()), key


def test_format_fields_are_the_same_in_both_languages():
    for key, by_lang in i18n.TEXTS.items():
        fields = {lang: set(re.findall(r"{(\w+)}", text)) for lang, text in by_lang.items()}
        assert fields["de"] == fields["en"], key


def test_missing_key_raises():
    with pytest.raises(KeyError):
        i18n.t("no.such.key", "de")


def test_t_formats_fields_and_unknown_language_falls_back_to_english():
    assert i18n.t("kpi.target", "de", target="5 €") == "Ziel 5 €"
    assert i18n.t("nav.overview", "fr") == "Overview"
    assert i18n.t("nav.overview", "de-AT") == "Übersicht"


def test_every_literal_key_used_in_the_dashboard_code_exists():
    # t("…"), i18n.t("…") and tr("…") with a literal key anywhere under dashboard/
    pattern = re.compile(r"""\b(?:i18n\.t|t)\(\s*["']([a-z_]+\.[a-z0-9_]+)["']""")
    used = set()
    for path in DASHBOARD.rglob("*.py"):
        used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    assert used, "the pattern found no keys at all"
    missing = sorted(k for k in used if k not in i18n.TEXTS)
    assert not missing, missing


def test_translator_prefers_page_texts_then_common_texts():
    tr = i18n.translator({"demo.title": {"de": "Titel", "en": "Title"}})
    assert tr("demo.title", "de") == "Titel"
    assert tr("nav.funnel", "en") == "Funnel"


def test_translator_refuses_a_text_without_german():
    with pytest.raises(ValueError, match="de"):
        i18n.translator({"demo.only_en": {"en": "Only English"}})


def test_translator_refuses_redefining_a_common_key():
    with pytest.raises(ValueError):
        i18n.translator({"nav.overview": {"de": "x", "en": "y"}})


@pytest.mark.parametrize("header, lang", [
    ("de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7", "de"),
    ("en-GB,en;q=0.9,de;q=0.8", "en"),
    ("fr-FR,fr;q=0.9,de;q=0.5,en;q=0.4", "de"),   # the better-weighted supported language
    ("fr-FR", "en"),                              # nothing supported: English
    ("", "en"),
    (None, "en"),
    ("de;q=0", "en"),                             # q=0 means "not acceptable"
    ("en;q=0.5,de;q=0.5", "en"),                  # equal weights: header order
    ("de;q=abc", "en"),
])
def test_language_from_accept_language(header, lang):
    assert i18n.lang_from_accept_language(header) == lang


def test_dropdown_labels_keep_the_num_selected_placeholder():
    assert "{num_selected}" in i18n.dropdown_labels("de")["selected_count"]

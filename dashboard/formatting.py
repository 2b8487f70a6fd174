"""The one number/money/percent/date/duration formatter, per language (German or English).

    fmt = Formatter("de", "EUR")
    fmt.money(1234.56)      -> "1.234,56 €"        en: "€1,234.56"
    fmt.percent(0.263)      -> "26,3 %"            en: "26.3%"      (argument is a ratio)
    fmt.date(date(2025,12,31)) -> "31.12.2025"     en: "2025-12-31"
    fmt.days(12.5)          -> "12,5 Tage"         en: "12.5 days"
    fmt.money(None)         -> "–"                 (METRICS.md §0: null is shown as "–")

German texts use a no-break space (U+00A0) between number and unit so "1.234 €" never wraps.
Signs are the formatter's in both languages: negatives get the minus sign U+2212 ("−4,0 %",
"−€12.3k", as plotly draws its axes), changes a "+", and a change that rounds to zero is "±0 %"
(`fmt.signed(...)`, `fmt.is_zero(...)`); CSV exports keep the ASCII "-" (components/grid.py).
Charts: `fmt.plotly_config()` is the dcc.Graph config (locale with German month names and
separators, served inline, no CDN), `fmt.separators` the layout.separators, and
`fmt.hover_money("y")` etc. the hovertemplate pieces in the same style.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from queries.period import to_local

NULL = "–"
NBSP = "\u00a0"
MINUS = "\u2212"   # the minus sign of every formatted number (not the hyphen "-")
PLUS_MINUS = "±"    # a change that rounds to zero

CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"}

MONTHS = {
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
           "Oktober", "November", "Dezember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"),
}
SHORT_MONTHS = {
    "de": ("Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}
_DAYS_DE = ("Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag")
_SHORT_DAYS_DE = ("So", "Mo", "Di", "Mi", "Do", "Fr", "Sa")

#: plotly.js locale "de" (what dist/plotly-locale-de.js registers), passed inline in the graph
#: config so no extra script has to be fetched from a CDN.
PLOTLY_LOCALE_DE = {
    "moduleType": "locale",
    "name": "de",
    "dictionary": {
        "Autoscale": "Automatische Skalierung",
        "Box Select": "Rechteckauswahl",
        "Download plot as a png": "Graphen als PNG herunterladen",
        "Lasso Select": "Lassoauswahl",
        "Pan": "Verschieben",
        "Reset axes": "Achsen zurücksetzen",
        "Reset view": "Ansicht zurücksetzen",
        "Zoom": "Zoom",
        "Zoom in": "Hineinzoomen",
        "Zoom out": "Herauszoomen",
        "Toggle Spike Lines": "Bezugslinien ein-/ausschalten",
        "Show closest data on hover": "Zeige den nächstgelegenen Wert bei Mausberührung",
        "Compare data on hover": "Vergleichswerte bei Mausberührung anzeigen",
    },
    "format": {
        "days": list(_DAYS_DE),
        "shortDays": list(_SHORT_DAYS_DE),
        "months": list(MONTHS["de"]),
        "shortMonths": list(SHORT_MONTHS["de"]),
        "date": "%d.%m.%Y",
        "decimal": ",",
        "thousands": ".",
    },
}


def _is_null(value) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(value)
    except TypeError:
        return False


@dataclass(frozen=True)
class Formatter:
    """Formats values for one language; `currency` is an ISO code (settings.currency)."""
    lang: str = "en"
    currency: str = "EUR"
    tz_name: str = "UTC"

    @property
    def de(self) -> bool:
        return self.lang == "de"

    @property
    def symbol(self) -> str:
        return CURRENCY_SYMBOLS.get(self.currency, self.currency)

    # --- numbers ---------------------------------------------------------------------------
    def _grouped(self, value: float, decimals: int) -> str:
        text = f"{abs(value):,.{decimals}f}"
        if self.de:
            text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
        return text

    def number(self, value, decimals: int = 0) -> str:
        """1234.5 -> "1.234,5" (de) / "1,234.5" (en); negative with the minus sign "−"."""
        if _is_null(value):
            return NULL
        value = round(float(value), decimals)
        sign = MINUS if value < 0 else ""
        return sign + self._grouped(value, decimals)

    @staticmethod
    def is_zero(value, decimals: int = 1) -> bool:
        """Whether `value` shows as zero with `decimals` decimals (a change of "±0")."""
        return not _is_null(value) and round(abs(float(value)), decimals) == 0

    def signed(self, value, decimals: int = 1, unit: str = "") -> str:
        """A change with its sign: +2,5 / −2,5 / ±0 (one that rounds to zero, without decimals);
        `unit` follows after a no-break space (German) or directly ("%" in English)."""
        if _is_null(value):
            return NULL
        if self.is_zero(value, decimals):
            text = PLUS_MINUS + "0"
        else:
            text = ("+" if value > 0 else MINUS) + self._grouped(round(float(value), decimals), decimals)
        if not unit:
            return text
        return f"{text}{unit}" if unit == "%" and not self.de else f"{text}{NBSP}{unit}"

    def money(self, value, decimals: int = 2) -> str:
        """1234.56 -> "1.234,56 €" (de) / "€1,234.56" (en); unknown currencies by their code."""
        if _is_null(value):
            return NULL
        value = round(float(value), decimals)
        sign = MINUS if value < 0 else ""
        digits = self._grouped(value, decimals)
        if self.de:
            return f"{sign}{digits}{NBSP}{self.symbol}"
        sep = "" if len(self.symbol) == 1 else NBSP
        return f"{sign}{self.symbol}{sep}{digits}"

    def money_compact(self, value) -> str:
        """Short money for KPI cards: 1_234_567 -> "1,2 Mio. €" / "€1.2M"; below 10,000 exact."""
        if _is_null(value):
            return NULL
        v = float(value)
        steps = ((1e9, "Mrd.", "B"), (1e6, "Mio.", "M"), (1e3, "Tsd.", "k"))
        for size, de_unit, en_unit in steps:
            if abs(v) >= size and (size > 1e3 or abs(v) >= 1e4):
                scaled = self.number(v / size, 1 if abs(v) < size * 100 else 0)
                if self.de:
                    return f"{scaled}{NBSP}{de_unit}{NBSP}{self.symbol}"
                sep = "" if len(self.symbol) == 1 else NBSP
                sign = MINUS if scaled.startswith(MINUS) else ""
                return f"{sign}{self.symbol}{sep}{scaled.lstrip(MINUS)}{en_unit}"
        return self.money(v, 0)

    def percent(self, ratio, decimals: int = 1) -> str:
        """A ratio as percent: 0.263 -> "26,3 %" (de) / "26.3%" (en)."""
        if _is_null(ratio):
            return NULL
        text = self.number(float(ratio) * 100, decimals)
        return f"{text}{NBSP}%" if self.de else f"{text}%"

    def points(self, delta_ratio, decimals: int = 1, unit: str | None = None) -> str:
        """A difference of two ratios in percentage points: 0.021 -> "+2,1 Pp." / "+2.1 pp",
        −0.005 -> "−0.5 pp", 0.0004 -> "±0 pp"."""
        if _is_null(delta_ratio):
            return NULL
        return self.signed(float(delta_ratio) * 100, decimals, unit or ("Pp." if self.de else "pp"))

    def signed_percent(self, ratio, decimals: int = 1) -> str:
        """A relative change: +12,3 % / −4.0% / ±0 % (rounds to zero)."""
        if _is_null(ratio):
            return NULL
        return self.signed(float(ratio) * 100, decimals, "%")

    def days(self, value, decimals: int = 1) -> str:
        """A duration in (fractional) days: 12.5 -> "12,5 Tage" / "12.5 days"."""
        if _is_null(value):
            return NULL
        text = self.number(value, decimals)
        one = round(float(value), decimals) == 1
        unit = ("Tag" if one else "Tage") if self.de else ("day" if one else "days")
        return f"{text}{NBSP}{unit}"

    def count(self, value) -> str:
        return self.number(value, 0)

    def value(self, value, kind: str) -> str:
        """Format by kind: money, money_compact, money_per_day, count, number, percent, days."""
        if kind == "money":
            return self.money(value, 0)
        if kind == "money_compact":
            return self.money_compact(value)
        if kind == "money_per_day":
            text = self.money_compact(value)
            return text if text == NULL else text + ("/Tag" if self.de else "/day")
        if kind == "count":
            return self.count(value)
        if kind == "percent":
            return self.percent(value)
        if kind == "days":
            return self.days(value)
        return self.number(value, 1 if isinstance(value, float) and not float(value).is_integer() else 0)

    # --- dates -----------------------------------------------------------------------------
    @staticmethod
    def _as_date(value):
        """A date/datetime from a date, datetime, pandas Timestamp or ISO text; None if not one."""
        if isinstance(value, str):
            try:
                return date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
            except ValueError:
                return None
        if value is None or value != value:  # NaT is not equal to itself
            return None
        if hasattr(value, "to_pydatetime"):
            value = value.to_pydatetime()
        return value if isinstance(value, (date, datetime)) else None

    def date(self, value) -> str:
        """31.12.2025 (de) / 2025-12-31 (en); naive datetimes are UTC and shown in the report zone."""
        value = self._as_date(value)
        if value is None:
            return NULL
        if isinstance(value, datetime):
            value = self.local(value).date()
        return value.strftime("%d.%m.%Y") if self.de else value.isoformat()

    def local(self, ts: datetime) -> datetime:
        """A stored naive-UTC (or aware) timestamp in the reporting time zone."""
        if ts.tzinfo is None:
            return to_local(ts, ZoneInfo(self.tz_name))
        return ts.astimezone(ZoneInfo(self.tz_name))

    def datetime(self, value, seconds: bool = False) -> str:
        """31.12.2025 14:05 (de) / 2025-12-31 14:05 (en), in the reporting time zone."""
        value = self._as_date(value)
        if not isinstance(value, datetime):
            return self.date(value) if isinstance(value, date) else NULL
        local = self.local(value)
        clock = local.strftime("%H:%M:%S" if seconds else "%H:%M")
        return f"{self.date(local.date())} {clock}"

    def time(self, value: datetime, seconds: bool = True) -> str:
        """HH:MM:SS of a timestamp in the reporting time zone (24 h in both languages)."""
        if not isinstance(value, datetime):
            return NULL
        return self.local(value).strftime("%H:%M:%S" if seconds else "%H:%M")

    def month(self, label: str, long: bool = False) -> str:
        """'2025-03' -> "Mär 2025" / "Mar 2025" (long: "März 2025"); other labels unchanged."""
        try:
            year, month = int(label[:4]), int(label[5:7])
            names = (MONTHS if long else SHORT_MONTHS)[self.lang if self.de else "en"]
            return f"{names[month - 1]} {year}"
        except (TypeError, ValueError, IndexError):
            return str(label)

    def period(self, start: date, end_exclusive: date) -> str:
        """A period `[start, end)` as the inclusive range people read: "01.01.2025 – 31.12.2025"."""
        from datetime import timedelta
        return f"{self.date(start)} – {self.date(end_exclusive - timedelta(days=1))}"

    # --- plotly ----------------------------------------------------------------------------
    @property
    def separators(self) -> str:
        """plotly layout.separators: decimal then thousands."""
        return ",." if self.de else ".,"

    def plotly_config(self, **extra) -> dict:
        """dcc.Graph `config`: locale (German inline), no plotly logo, a lean mode bar."""
        cfg = {"displaylogo": False, "responsive": True,
               "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d", "toggleSpikelines"]}
        if self.de:
            cfg.update(locale="de", locales={"de": PLOTLY_LOCALE_DE})
        cfg.update(extra)
        return cfg

    def hover_money(self, var: str = "y", decimals: int = 0) -> str:
        """A hovertemplate piece for money: "%{y:,.0f} €" (de) / "€%{y:,.0f}" (en)."""
        core = f"%{{{var}:,.{decimals}f}}"
        if self.de:
            return f"{core}{NBSP}{self.symbol}"
        return f"{self.symbol}{core}"

    def hover_percent(self, var: str = "y", decimals: int = 1) -> str:
        """Hover piece for a ratio variable: "%{y:.1%}" (plotly puts no space before %)."""
        return f"%{{{var}:.{decimals}%}}"

    def hover_number(self, var: str = "y", decimals: int = 0) -> str:
        return f"%{{{var}:,.{decimals}f}}"

    def money_axis(self) -> dict:
        """Axis properties for a money axis (tick prefix/suffix and grouping)."""
        if self.de:
            return {"tickformat": ",.0f", "ticksuffix": f"{NBSP}{self.symbol}"}
        return {"tickformat": ",.0f", "tickprefix": self.symbol}

    def percent_axis(self) -> dict:
        return {"tickformat": ".0%"}

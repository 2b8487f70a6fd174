"""The drill-down grid (dash-ag-grid) and its rows: JSON-safe records, locale formatting, CSV.

Used by components/drilldown.py; pages do not need it directly.
"""
from __future__ import annotations

import io
import math
from datetime import date, datetime

import dash_ag_grid as dag

from .. import i18n, ids
from ..formatting import Formatter

PAGE_SIZE = 100
#: Column kinds whose stored codes are shown in words (i18n.vocab_label; CSV from the server too).
VOCABULARIES = ("channel", "lost_reason", "priority", "case_category")


# --- values ---------------------------------------------------------------------------------
def _json_value(v, kind: str, fmt: Formatter):
    """A DataFrame cell as JSON for the grid: dates as local ISO text, NaN as None."""
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "to_pydatetime"):
        if v != v:  # NaT
            return None
        v = v.to_pydatetime()
    if isinstance(v, datetime):
        return fmt.local(v).strftime("%Y-%m-%d %H:%M")
    if isinstance(v, date):
        return v.isoformat()
    if kind in VOCABULARIES:   # in words ("Paid search"); refData would blank codes it does not know
        return i18n.vocab_label(kind, v, fmt.lang)
    if kind == "channel_path":
        return i18n.channel_path(v, fmt.lang)
    if hasattr(v, "item"):  # numpy scalars
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def records(df, columns, fmt: Formatter) -> list[dict]:
    """Grid rows of a list DataFrame: the source's columns present in it, JSON-safe."""
    present = [c for c in columns if c.field in df.columns]
    out = []
    for row in df[[c.field for c in present]].itertuples(index=False, name=None):
        out.append({c.field: _json_value(v, c.kind, fmt) for c, v in zip(present, row)})
    return out


def csv_bytes(rows: list[dict], columns, lang: str) -> bytes:
    """CSV of grid rows in the user's locale: German `;` and decimal comma, English `,` and
    decimal point; dates as shown (31.12.2025 / 2025-12-31); UTF-8 with BOM (for Excel)."""
    import csv
    de = i18n.normalize_lang(lang) == "de"
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";" if de else ",", lineterminator="\r\n")
    writer.writerow([c.title(lang) for c in columns])
    for r in rows:
        writer.writerow([_csv_cell(r.get(c.field), c.kind, de) for c in columns])
    return buf.getvalue().encode("utf-8-sig")


def _csv_cell(v, kind: str, de: bool) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if kind in ("money", "number", "days", "percent", "count") and isinstance(v, (int, float)):
        text = repr(round(float(v), 6)) if isinstance(v, float) else str(v)
        if text.endswith(".0"):
            text = text[:-2]
        return text.replace(".", ",") if de else text
    if kind in ("date", "datetime") and isinstance(v, str) and len(v) >= 10:
        day = f"{v[8:10]}.{v[5:7]}.{v[0:4]}" if de else v[:10]
        return day + (v[10:16] if kind == "datetime" else "")
    return str(v)


#: The narrowest a column of a kind may be squeezed when the grid fits its columns to its width.
MIN_WIDTHS = {"money": 100, "date": 95, "datetime": 135, "status": 85, "days": 80, "number": 85,
              "count": 75, "percent": 80, "channel": 95, "channel_path": 160, "lost_reason": 110}


def column_defs(columns, lang: str, currency: str, server_side: bool) -> list[dict]:
    """ag-grid column definitions: translated headers, locale formatters, filters by kind."""
    defs = []
    for c in columns:
        d = {"field": c.field, "headerName": c.title(lang), "sortable": True, "hide": c.hidden,
             "minWidth": c.min_width or MIN_WIDTHS.get(c.kind, 80)}
        if c.width:
            d["width"] = c.width
        if c.kind == "money":
            d["valueFormatter"] = {"function": f"fmtMoney(params.value, '{lang}', '{currency}')"}
            d["filter"] = "agNumberColumnFilter"
            d["type"] = "rightAligned"
        elif c.kind in ("number", "days", "count"):
            decimals = 1 if c.kind == "days" else (0 if c.kind == "count" else 2)
            d["valueFormatter"] = {"function": f"fmtNumber(params.value, '{lang}', {decimals})"}
            d["filter"] = "agNumberColumnFilter"
            d["type"] = "rightAligned"
        elif c.kind == "percent":
            d["valueFormatter"] = {"function": f"fmtPercent(params.value, '{lang}')"}
            d["filter"] = "agNumberColumnFilter"
            d["type"] = "rightAligned"
        elif c.kind in ("date", "datetime"):
            with_time = "true" if c.kind == "datetime" else "false"
            d["valueFormatter"] = {"function": f"fmtDate(params.value, '{lang}', {with_time})"}
            d["filter"] = "agDateColumnFilter"
            d["filterParams"] = {"comparator": {"function": "dateComparator"}}
        elif c.kind == "status":
            d["refData"] = {s: i18n.t(f"status.{s}", lang) for s in ("open", "won", "lost")}
            d["filter"] = "agTextColumnFilter"
        else:
            d["filter"] = "agTextColumnFilter"
        if server_side:
            d["filter"] = False  # list functions take no column filters; the server sorts only
        defs.append(d)
    return defs


GRID_THEME = ("themeQuartz.withParams({accentColor: '#2f6fde', fontSize: 12, headerFontWeight: 600, "
              "headerBackgroundColor: '#f5f7fb', borderColor: '#e3e7ee', spacing: 6, cellHorizontalPaddingScale: 0.7, "
              "fontFamily: 'inherit', wrapperBorderRadius: 8})")

GRID_LOCALE_DE = {
    "page": "Seite", "of": "von", "to": "bis", "more": "mehr", "next": "Nächste",
    "previous": "Vorherige", "first": "Erste", "last": "Letzte", "loadingOoo": "Wird geladen …",
    "noRowsToShow": "Keine Zeilen", "filterOoo": "Filtern …", "equals": "Gleich",
    "notEqual": "Ungleich", "contains": "Enthält", "notContains": "Enthält nicht",
    "startsWith": "Beginnt mit", "endsWith": "Endet mit", "blank": "Leer", "notBlank": "Nicht leer",
    "lessThan": "Kleiner als", "greaterThan": "Größer als", "lessThanOrEqual": "Kleiner oder gleich",
    "greaterThanOrEqual": "Größer oder gleich", "inRange": "Zwischen", "inRangeStart": "Von",
    "inRangeEnd": "Bis", "before": "Vor", "after": "Nach", "andCondition": "UND",
    "orCondition": "ODER", "applyFilter": "Anwenden", "resetFilter": "Zurücksetzen",
    "clearFilter": "Löschen", "cancelFilter": "Abbrechen", "pageSizeSelectorLabel": "Zeilen pro Seite:",
    "ariaPageSizeSelectorLabel": "Zeilen pro Seite", "pageLastRowUnknown": "?",
    "sortAscending": "Aufsteigend sortieren", "sortDescending": "Absteigend sortieren",
    "columnFilter": "Spaltenfilter", "searchOoo": "Suchen …",
    "thousandSeparator": ".", "decimalSeparator": ",",
}


def grid(name: str, columns, lang: str, currency: str, *, rows: list[dict] | None,
         total: int, context: dict) -> dag.AgGrid:
    """The grid of panel `name`: client-side with `rows`, or infinite (server pages) when None."""
    server_side = rows is None
    options = {"pagination": True, "paginationPageSize": PAGE_SIZE, "paginationPageSizeSelector": False,
               "animateRows": False, "enableCellTextSelection": True, "ensureDomOrder": True,
               "context": context, "suppressMultiSort": server_side,
               "theme": {"function": GRID_THEME}}
    options["localeText"] = {**(GRID_LOCALE_DE if lang == "de" else {}), "noRowsToShow": i18n.t("drill.empty", lang)}
    kwargs = dict(rowData=rows)
    if server_side:
        options.update(cacheBlockSize=PAGE_SIZE, maxBlocksInCache=20, infiniteInitialRowCount=min(total, PAGE_SIZE),
                       rowBuffer=0)
        kwargs = dict(rowModelType="infinite")
    return dag.AgGrid(
        id=ids.drill_grid(name), columnDefs=column_defs(columns, lang, currency, server_side),
        # the columns share the drawer's width (down to their minWidth, then it scrolls) and long
        # headers wrap instead of being cut off
        defaultColDef={"resizable": True, "floatingFilter": False, "wrapHeaderText": True, "autoHeaderHeight": True,
                       "filterParams": {"buttons": ["reset"]}},
        columnSize="responsiveSizeToFit",
        dashGridOptions=options, className="drill-grid", style={"height": "calc(100vh - 190px)", "minHeight": "320px"},
        **kwargs)

"""The one filter bar of all pages: period preset and dates, comparison, METRICS.md §0 filters.

It only edits the URL (`ids.URL` search, see dashboard/urlstate.py); pages never read the
controls, they read `Input(ids.URL, "search")` and call `urlstate.current_state(search)`.
Active filters show as chips with a ×; one click removes the value. The dropdown options come
from queries.dimensions.filter_options (ids for owners and campaigns, labelled by name) and
refresh when the data changes.

One callback keeps URL and controls in step in both directions (a URL change from a bookmark,
the back button, a chip or a chart's cross-filter sets the controls; a control change writes the
URL), which Dash allows only within a single callback.
"""
from __future__ import annotations

from datetime import date, timedelta

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from queries.filters import FILTER_NAMES, NONE_VALUE, Filters

from .. import i18n, ids
from ..urlstate import PRESETS, ViewState, current_state, inclusive_end, set_params, state_to_search

#: Date picker display formats (Dash 4 DatePickerRange tokens).
DATE_FORMATS = {"de": "DD.MM.YYYY", "en": "YYYY-MM-DD"}


#: Filters whose values are channel keys, shown in words (i18n.channel_label).
CHANNEL_FILTERS = ("source_channel",)


def dropdown_options(raw: list[dict], lang: str, name: str | None = None) -> list[dict]:
    """Options of queries.dimensions with `(none)` labelled in the user's language (and the
    channels of filter `name` in words)."""
    none_label = i18n.t("filter.none", lang)
    return [{"value": o["value"], "label": none_label if o["value"] == NONE_VALUE else
             (i18n.channel_label(o["value"], lang) if name in CHANNEL_FILTERS else o["label"])}
            for o in raw or []]


def _label_of(value: str, options: list[dict] | None, lang: str, name: str | None = None) -> str:
    if value == NONE_VALUE:
        return i18n.t("filter.none", lang)
    if name in CHANNEL_FILTERS:
        return i18n.channel_label(value, lang)
    for o in options or []:
        if o.get("value") == value:
            return str(o.get("label"))
    return value


def chips(filters: Filters, options_by_name: dict[str, list[dict]], lang: str) -> list:
    """Removable badges "Region (customer): DACH ×", one per active filter value."""
    out = []
    for name, values in filters.active().items():
        for v in values:
            out.append(html.Span([
                html.Span(i18n.t(f"filter.{name}", lang) + ":", className="chip-name"),
                html.Span(_label_of(v, options_by_name.get(name), lang, name), className="chip-value"),
                html.Button("×", id=ids.filter_chip_close(name, v), className="chip-x", n_clicks=0,
                            title=i18n.t("filters.remove", lang), **{"aria-label": i18n.t("filters.remove", lang)}),
            ], className="filter-chip"))
    return out


def _toggle_children(n_active: int, lang: str) -> list:
    badge = dbc.Badge(str(n_active), color="primary", pill=True, className="ms-1") if n_active else None
    return [html.I(className="bi bi-funnel me-1"), i18n.t("filters.button", lang), badge]


def _compare_text(state: ViewState) -> list:
    """"Compare with:" over the comparison period (two short lines keep the row on one line)."""
    fmt = state.formatter()
    return [html.Span(f"{i18n.t('compare.label', state.lang)}:", className="fb-compare-name"),
            html.Span(fmt.period(state.compare_period.start, state.compare_period.end), className="fb-compare-period")]


def _n_active(filters: Filters) -> int:
    return sum(len(v) for v in filters.active().values())


def _hidden_filters() -> set[str]:
    """Filters the signed-in role may not use: the owner filter without per-rep figures
    (HIDE_REP_FIGURES; the query layer refuses it too, and current_state drops it)."""
    from auth.request import current_access
    from queries.access import AccessDenied
    try:
        return {"owner"} if current_access().hide_rep_figures else set()
    except AccessDenied:
        return {"owner"}


def filter_bar(state: ViewState, options: dict[str, list[dict]], lang: str) -> html.Div:
    """The filter bar for `state` (controls preset from it) with dropdown `options`."""
    dropdowns = []
    hidden = _hidden_filters()
    for name in FILTER_NAMES:
        if name in hidden:
            continue
        dropdowns.append(html.Div([
            dbc.Label(i18n.t(f"filter.{name}", lang), className="fb-label"),
            dcc.Dropdown(id=ids.filter_dropdown(name), options=dropdown_options(options.get(name, []), lang, name),
                         value=list(getattr(state.filters, name)), multi=True,
                         placeholder=i18n.t("filters.all", lang), labels=i18n.dropdown_labels(lang),
                         className="fb-dropdown", maxHeight=280, closeOnSelect=False,
                         debounce=True),  # several values in one go: the URL changes when the menu closes
        ], className="fb-field"))
    n_active = _n_active(state.filters)
    return html.Div([
        html.Div([
            html.Div([
                html.I(className="bi bi-calendar3 fb-icon"),
                dcc.Dropdown(id=ids.PRESET, value=state.preset, clearable=False, searchable=False,
                             options=[{"value": p, "label": i18n.t(f"preset.{p}", lang)} for p in PRESETS],
                             className="fb-preset"),
                dcc.DatePickerRange(id=ids.DATE_RANGE, start_date=state.period.start.isoformat(),
                                    end_date=inclusive_end(state.period).isoformat(),
                                    display_format=DATE_FORMATS[lang], first_day_of_week=1,
                                    minimum_nights=0, updatemode="bothdates", className="fb-dates",
                                    start_date_placeholder_text=i18n.t("period.from", lang),
                                    end_date_placeholder_text=i18n.t("period.to", lang)),
            ], className="fb-period", id=ids.DATE_RANGE_WRAP),
            html.Div([
                dbc.RadioItems(id=ids.COMPARE, value=state.compare, inline=True,
                               options=[{"label": i18n.t("compare.previous", lang), "value": "previous"},
                                        {"label": i18n.t("compare.last_year", lang), "value": "last_year"}],
                               className="btn-group fb-compare-group", inputClassName="btn-check",
                               labelClassName="btn btn-outline-primary btn-sm",
                               labelCheckedClassName="active"),
                html.Div(_compare_text(state), id=ids.PERIOD_LABEL, className="fb-compare-text"),
            ], className="fb-compare"),
            dbc.Button(_toggle_children(n_active, lang), id=ids.FILTERS_TOGGLE, color="light", size="sm",
                       className="fb-toggle", n_clicks=0),
            html.Div([
                html.Div(chips(state.filters, options, lang), id=ids.FILTER_CHIPS, className="fb-chips"),
                dbc.Button(i18n.t("filters.clear", lang), id=ids.CLEAR_FILTERS, color="link", size="sm",
                           n_clicks=0, className="fb-clear" + ("" if n_active else " d-none")),
            ], className="fb-active"),
        ], className="fb-row"),
        dbc.Collapse(html.Div(dropdowns, className="fb-grid"), id=ids.FILTERS_COLLAPSE, is_open=False),
    ], className="filter-bar")


def _search_after_control(trig, search, preset, start, end, compare, names, values) -> str | None:
    """The search after the user changed control `trig` (None: nothing to change)."""
    if trig == ids.PRESET:
        if preset not in PRESETS:
            return None
        if preset == "custom":
            state = current_state(search)
            return set_params(search, preset="custom", **{"from": state.period.start.isoformat(),
                                                          "to": state.period.end.isoformat()})
        return set_params(search, preset=preset, **{"from": None, "to": None})
    if trig == ids.DATE_RANGE:
        try:
            first, last = date.fromisoformat(str(start)[:10]), date.fromisoformat(str(end)[:10])
        except ValueError:
            return None
        if last < first:
            return None
        return set_params(search, preset="custom", **{"from": first.isoformat(),
                                                      "to": (last + timedelta(days=1)).isoformat()})
    if trig == ids.COMPARE:
        return set_params(search, compare=compare)
    if isinstance(trig, dict) and trig.get("type") == "filter-dropdown":
        name = trig.get("name")
        if name not in FILTER_NAMES:
            return None
        selected = values[names.index(name)] or []
        return set_params(search, **{name: ",".join(str(v) for v in selected) or None})
    return None


def register_callbacks(app: dash.Dash) -> None:
    """The URL <-> controls synchronisation, the filter drawer toggle and options refresh."""

    @app.callback(
        Output(ids.URL, "search"),
        Output(ids.PRESET, "value"),
        Output(ids.DATE_RANGE, "start_date"),
        Output(ids.DATE_RANGE, "end_date"),
        Output(ids.COMPARE, "value"),
        Output(ids.filter_dropdown(ALL), "value"),
        Output(ids.FILTER_CHIPS, "children"),
        Output(ids.FILTERS_TOGGLE, "children"),
        Output(ids.CLEAR_FILTERS, "className"),
        Output(ids.PERIOD_LABEL, "children"),
        Input(ids.URL, "search"),
        Input(ids.PRESET, "value"),
        Input(ids.DATE_RANGE, "start_date"),
        Input(ids.DATE_RANGE, "end_date"),
        Input(ids.COMPARE, "value"),
        Input(ids.filter_dropdown(ALL), "value"),
        Input({"type": "filter-chip-x", "name": ALL, "value": ALL}, "n_clicks"),
        Input(ids.CLEAR_FILTERS, "n_clicks"),
        State(ids.filter_dropdown(ALL), "options"),
    )
    def sync(search, preset, start, end, compare, values, _chip_clicks, clear_clicks, options):
        trig = dash.ctx.triggered_id
        names = [o["id"]["name"] for o in dash.ctx.outputs_list[5]]
        new_search = None
        if isinstance(trig, dict) and trig.get("type") == "filter-chip-x":
            if not dash.ctx.triggered[0].get("value"):
                raise PreventUpdate  # chips were (re)drawn, nobody clicked
            from ..urlstate import remove_filter
            new_search = remove_filter(search, trig["name"], trig["value"])
        elif trig == ids.CLEAR_FILTERS:
            if not clear_clicks:
                raise PreventUpdate
            from ..urlstate import clear_filters
            new_search = clear_filters(search)
        elif trig not in (None, ids.URL):
            new_search = _search_after_control(trig, search, preset, start, end, compare, names, values)
            if new_search is None:
                raise PreventUpdate
        state = current_state(new_search if new_search is not None else search)
        lang = state.lang
        by_name = dict(zip(names, options or []))
        n_active = _n_active(state.filters)
        url_out = dash.no_update
        if new_search is not None:
            canonical = state_to_search(state)
            url_out = canonical if canonical != (search or "") else dash.no_update

        def keep_if(component_id, value):
            return dash.no_update if trig == component_id else value

        dd_values = [dash.no_update if trig == ids.filter_dropdown(n) else list(getattr(state.filters, n))
                     for n in names]
        return (url_out,
                keep_if(ids.PRESET, state.preset),
                keep_if(ids.DATE_RANGE, state.period.start.isoformat()),
                keep_if(ids.DATE_RANGE, inclusive_end(state.period).isoformat()),
                keep_if(ids.COMPARE, state.compare),
                dd_values,
                chips(state.filters, by_name, lang),
                _toggle_children(n_active, lang),
                "fb-clear" + ("" if n_active else " d-none"),
                _compare_text(state))

    @app.callback(
        Output(ids.FILTERS_COLLAPSE, "is_open"),
        Input(ids.FILTERS_TOGGLE, "n_clicks"),
        State(ids.FILTERS_COLLAPSE, "is_open"),
        prevent_initial_call=True,
    )
    def toggle(n, is_open):
        if not n:
            raise PreventUpdate
        return not is_open

    @app.callback(
        Output(ids.filter_dropdown(ALL), "options"),
        Input(ids.DATA_VERSION, "data"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def refresh_options(_version, search):
        import context
        from queries.dimensions import filter_options
        names = [o["id"]["name"] for o in dash.ctx.outputs_list]
        lang = current_state(search).lang
        try:
            with context.get().engine.connect() as conn:
                opts = filter_options(conn)
        except Exception:  # noqa: BLE001 - keep the old options; the poll will try again
            raise PreventUpdate from None
        return [dropdown_options(opts.get(n, []), lang, n) for n in names]

"""Admin (path "/admin", role admin only): import CSV files, edit targets, manage users and API
tokens, read the audit log.

Access: the sign-in gate refuses every callback of this page (ids "admin-…") and the page itself
to other roles (auth/web.py, auth/dash_guard.py); each callback checks again (`_admin`).

- Import: dcc.Upload of CSV files or a zip of the import folder -> ingest.csv_import.import_files
  in a background thread (_admin_import.py); a poll shows the table and rows being imported and,
  at the end, the rows per table or the importer's error (file, line, column, problem) verbatim.
- Targets: an editable grid of the targets table; "Save" validates every row and upserts them
  (ingest/targets_edit.py), deleting rows removed from the grid, in one transaction.
- Users and tokens: add, set role, disable/enable; create a token (shown once), revoke.
- Audit log: the newest entries (auth/audit.py).
Every change is written to the audit log.
"""
from __future__ import annotations

import json

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

import context
from dashboard import i18n, ids
from dashboard.components import blocks
from dashboard.pages._admin_texts import tr
from dashboard.urlstate import current_state, state_from_query

dash.register_page(__name__, path="/admin", name="admin", title="Admin", order=99)

PAGE = "admin"
UPLOAD, REPLACE, JOB, POLL, IMPORT_STATUS, PROGRESS = (ids.page_id(PAGE, n) for n in (
    "upload", "replace", "job", "poll", "import-status", "progress"))
TARGETS, T_ADD, T_DELETE, T_SAVE, T_MESSAGE = (ids.page_id(PAGE, n) for n in (
    "targets", "targets-add", "targets-delete", "targets-save", "targets-message"))
USERS, U_NAME, U_ROLE, U_OWNER, U_REGION, U_PASSWORD, U_ADD = (ids.page_id(PAGE, n) for n in (
    "users", "user-name", "user-role", "user-owner", "user-region", "user-password", "user-add"))
U_SET_ROLE, U_NEW_ROLE, U_DISABLE, U_ENABLE, U_MESSAGE = (ids.page_id(PAGE, n) for n in (
    "user-set-role", "user-new-role", "user-disable", "user-enable", "user-message"))
TOKENS, TK_NAME, TK_CREATE, TK_REVOKE, TK_MESSAGE = (ids.page_id(PAGE, n) for n in (
    "tokens", "token-name", "token-create", "token-revoke", "token-message"))
AUDIT, AUDIT_REFRESH = ids.page_id(PAGE, "audit"), ids.page_id(PAGE, "audit-refresh")
GRID_STYLE = {"height": "420px"}


def _admin():
    """(principal, engine) of an admin; HTTP 403 for anyone else (the gate refuses first)."""
    from flask import abort

    from auth.request import current_principal
    principal = current_principal()
    if principal is None or principal.role != "admin":
        abort(403)
    return principal, context.get().engine


def _audit(principal, action: str, detail: dict) -> None:
    from auth import audit
    audit.record(context.get().engine, principal, action, detail)


# --- data for the grids ---------------------------------------------------------------------
def _user_rows(engine) -> list[dict]:
    from auth.users import list_users
    return [{"username": u.username, "role": u.role, "owner_id": u.owner_id or "",
             "regions": ", ".join(u.region_scope or ()), "password": "✓" if u.has_password else "—",
             "state": "disabled" if u.disabled else "active", "created_at": u.created_at.strftime("%Y-%m-%d")}
            for u in list_users(engine)]


def _token_rows(engine) -> list[dict]:
    from auth.users import list_tokens
    fmt = "%Y-%m-%d %H:%M"
    return [{"token_id": t["token_id"], "username": t["username"], "name": t["name"],
             "created_at": t["created_at"].strftime(fmt), "last_used_at": t["last_used_at"].strftime(fmt)
             if t["last_used_at"] else "", "state": "revoked" if t["revoked"] else "active"}
            for t in list_tokens(engine)]


def _audit_rows(engine) -> list[dict]:
    from auth.audit import recent
    return [{"at": r["at"].strftime("%Y-%m-%d %H:%M:%S"), "username": r["username"], "role": r["role"],
             "action": r["action"], "detail": json.dumps(r["detail"], ensure_ascii=False, sort_keys=True)}
            for r in recent(engine)]


def _target_rows(engine) -> list[dict]:
    from ingest.targets_edit import load_rows
    with engine.connect() as conn:
        return load_rows(conn)


def _grid(grid_id, columns, rows, *, selection="singleRow", row_id=None, editable=False):
    options = {"rowSelection": {"mode": selection, "checkboxes": selection == "multiRow",
                                "enableClickSelection": True},
               "animateRows": False, "stopEditingWhenCellsLoseFocus": True}
    kwargs = {"getRowId": row_id} if row_id else {}
    return dag.AgGrid(id=grid_id, rowData=rows, columnDefs=columns, dashGridOptions=options,
                      defaultColDef={"resizable": True, "sortable": True, "filter": True, "editable": editable},
                      columnSize="responsiveSizeToFit", style=GRID_STYLE, **kwargs)


def _cols(*fields):
    return [{"field": f} for f in fields]


# --- layout ---------------------------------------------------------------------------------
def _import_tab(lang):
    from queries.schema import CONTRACT_TABLES
    return html.Div([
        dcc.Upload(html.Div([html.I(className="bi bi-cloud-upload me-2"), tr("admin.upload", lang)]),
                   id=UPLOAD, multiple=True, accept=".csv,.zip,text/csv,application/zip",
                   className="admin-upload p-4 text-center my-3"),
        html.Div(tr("admin.upload_hint", lang), className="small text-muted mb-2"),
        html.Div([dbc.Label(tr("admin.replace", lang), className="small"),
                  dcc.Dropdown(id=REPLACE, options=[t.name for t in CONTRACT_TABLES], multi=True, value=[],
                               placeholder=tr("admin.replace_none", lang), labels=i18n.dropdown_labels(lang),
                               style={"maxWidth": "640px"})],
                 className="mb-3"),
        dbc.Progress(id=PROGRESS, value=0, striped=True, animated=True, className="mb-2", style={"display": "none"}),
        html.Div(id=IMPORT_STATUS),
        dcc.Store(id=JOB),
        dcc.Interval(id=POLL, interval=700, disabled=True),
    ])


def _targets_tab(lang, engine):
    from ingest.targets_edit import KNOWN_KPIS
    rows = _target_rows(engine)
    kpis = sorted(set(KNOWN_KPIS) | {r["kpi"] for r in rows})
    columns = [
        {"field": "kpi", "cellEditor": "agSelectCellEditor", "cellEditorParams": {"values": kpis}},
        {"field": "period_start", "cellDataType": "dateString"},
        {"field": "period_end", "cellDataType": "dateString"},
        {"field": "scope"},
        {"field": "target", "cellDataType": "number", "type": "rightAligned"},
    ]
    return html.Div([
        html.Div(tr("admin.targets_hint", lang), className="small text-muted my-2"),
        _grid(TARGETS, columns, rows, selection="multiRow", editable=True),
        html.Div([dbc.Button(tr("admin.add_row", lang), id=T_ADD, size="sm", color="secondary", outline=True),
                  dbc.Button(tr("admin.delete_rows", lang), id=T_DELETE, size="sm", color="secondary",
                             outline=True, className="ms-2"),
                  dbc.Button(tr("admin.save", lang), id=T_SAVE, size="sm", color="primary", className="ms-2")],
                 className="mt-2"),
        html.Div(id=T_MESSAGE, className="mt-2"),
    ])


def _users_tab(lang, engine):
    from auth.roles import ROLES
    roles = [{"label": r, "value": r} for r in ROLES]
    field = lambda label, comp: dbc.Col([dbc.Label(label, className="small mb-0"), comp], md=2)
    return html.Div([
        html.H2(tr("admin.users", lang), className="h6 mt-3"),
        _grid(USERS, _cols("username", "role", "owner_id", "regions", "password", "state", "created_at"),
              _user_rows(engine), row_id="params.data.username"),
        dbc.Row([
            dbc.Col(html.Span(tr("admin.selected_user", lang), className="small"), md="auto"),
            dbc.Col(dcc.Dropdown(id=U_NEW_ROLE, options=roles, clearable=False, value="viewer",
                                 labels=i18n.dropdown_labels(lang)), md=2),
            dbc.Col([dbc.Button(tr("admin.set_role", lang), id=U_SET_ROLE, size="sm", color="secondary", outline=True),
                     dbc.Button(tr("admin.disable", lang), id=U_DISABLE, size="sm", color="danger", outline=True,
                                className="ms-2"),
                     dbc.Button(tr("admin.enable", lang), id=U_ENABLE, size="sm", color="secondary", outline=True,
                                className="ms-2")], md="auto"),
        ], className="g-2 align-items-center mt-2"),
        html.H2(tr("admin.add_user", lang), className="h6 mt-4"),
        dbc.Row([
            field(tr("admin.username", lang), dbc.Input(id=U_NAME, size="sm", autoComplete="off")),
            field(tr("admin.role", lang), dcc.Dropdown(id=U_ROLE, options=roles, value="viewer", clearable=False,
                                                                 labels=i18n.dropdown_labels(lang))),
            field(tr("admin.owner", lang), dbc.Input(id=U_OWNER, size="sm")),
            field(tr("admin.region", lang), dbc.Input(id=U_REGION, size="sm")),
            field(tr("admin.password", lang), dbc.Input(id=U_PASSWORD, type="password", size="sm",
                                                        autoComplete="new-password")),
            dbc.Col(dbc.Button(tr("admin.add_user", lang), id=U_ADD, size="sm", color="primary"), md="auto",
                    className="align-self-end"),
        ], className="g-2"),
        html.Div(id=U_MESSAGE, className="mt-2"),
        html.H2(tr("admin.tokens", lang), className="h6 mt-4"),
        _grid(TOKENS, _cols("username", "name", "created_at", "last_used_at", "state"), _token_rows(engine),
              row_id="String(params.data.token_id)"),
        dbc.Row([
            dbc.Col(dbc.Input(id=TK_NAME, size="sm", placeholder=tr("admin.token_name", lang)), md=3),
            dbc.Col([dbc.Button(tr("admin.create_token", lang), id=TK_CREATE, size="sm", color="primary"),
                     dbc.Button(tr("admin.revoke", lang), id=TK_REVOKE, size="sm", color="danger", outline=True,
                                className="ms-2")], md="auto"),
        ], className="g-2 mt-2"),
        html.Div(id=TK_MESSAGE, className="mt-2"),
    ])


def _audit_tab(lang, engine):
    return html.Div([
        html.Div([html.Span(tr("admin.audit_hint", lang), className="small text-muted"),
                  dbc.Button(tr("admin.refresh", lang), id=AUDIT_REFRESH, size="sm", color="secondary", outline=True,
                             className="ms-2")], className="my-2"),
        _grid(AUDIT, [{"field": "at", "width": 170}, {"field": "username", "width": 140}, {"field": "role", "width": 100},
                      {"field": "action", "width": 130}, {"field": "detail", "flex": 1, "tooltipField": "detail"}],
              _audit_rows(engine)),
    ])


def layout(**query):
    state = state_from_query(query)
    lang = state.lang
    _admin()
    engine = context.get().engine
    return html.Div([
        blocks.page_header(tr("admin.title", lang), subtitle=tr("admin.subtitle", lang)),
        dbc.Tabs([
            dbc.Tab(_import_tab(lang), label=tr("admin.tab_import", lang), tab_id="import"),
            dbc.Tab(_targets_tab(lang, engine), label=tr("admin.tab_targets", lang), tab_id="targets"),
            dbc.Tab(_users_tab(lang, engine), label=tr("admin.tab_users", lang), tab_id="users"),
            dbc.Tab(_audit_tab(lang, engine), label=tr("admin.tab_audit", lang), tab_id="audit"),
        ], active_tab="import"),
    ])


# --- import ---------------------------------------------------------------------------------
def import_status_view(status: dict | None, lang: str):
    """(status children, progress value, progress style, poll disabled) of a job's status."""
    if status is None:
        return dbc.Alert(tr("admin.import_lost", lang), color="warning"), 0, {"display": "none"}, True
    files = status.get("files") or []
    share = round(100 * len(status.get("tables_done") or []) / len(files)) if files else 0
    if status.get("state") == "running":
        text = (tr("admin.import_running", lang, table=status["table"], rows=f"{status.get('rows') or 0:,}")
                if status.get("table") else tr("admin.import_starting", lang))
        return html.Div(text, className="small"), max(share, 3), {}, False
    if status.get("state") == "done":
        detail = ", ".join(f"{t} {n:,}" for t, n in (status.get("rows_by_table") or {}).items())
        return (dbc.Alert(tr("admin.import_done", lang, seconds=f"{status.get('seconds', 0):.1f}", detail=detail),
                          color="success"), 100, {"display": "none"}, True)
    error = status.get("error") or {}
    return (dbc.Alert([html.Div(tr("admin.import_failed", lang)),
                       html.Pre(error.get("text", ""), className="mb-0 mt-1 import-error")], color="danger"),
            0, {"display": "none"}, True)


@dash.callback(Output(JOB, "data"), Output(POLL, "disabled"), Output(IMPORT_STATUS, "children"),
               Input(UPLOAD, "contents"), State(UPLOAD, "filename"), State(REPLACE, "value"),
               State(ids.URL, "search"), prevent_initial_call=True)
def start_upload(contents, filenames, replace, search):
    from ingest.csv_parsing import CsvImportError

    from . import _admin_import as jobs
    principal, engine = _admin()
    if not contents:
        raise PreventUpdate
    lang = current_state(search).lang
    folder = jobs.new_job_folder()
    try:
        files = jobs.save_uploads(contents, filenames, folder)
    except CsvImportError as exc:
        return None, True, dbc.Alert([html.Div(tr("admin.import_failed", lang)),
                                      html.Pre(str(exc), className="mb-0 mt-1 import-error")], color="danger")
    settings = context.get().settings

    def finished(status):
        from auth import audit
        audit.record(engine, principal, "import", {"files": status.get("files"), "replace": status.get("replace"),
                                                   "state": status.get("state"),
                                                   "rows_by_table": status.get("rows_by_table"),
                                                   "error": (status.get("error") or {}).get("text")})
    job = jobs.start_import(engine, files, folder, tz_name=settings.report_tz, replace=replace or (),
                            on_finish=finished)
    return job, False, html.Div(tr("admin.import_starting", lang), className="small")


@dash.callback(Output(IMPORT_STATUS, "children", allow_duplicate=True), Output(PROGRESS, "value"),
               Output(PROGRESS, "style"), Output(POLL, "disabled", allow_duplicate=True),
               Input(POLL, "n_intervals"), State(JOB, "data"), State(ids.URL, "search"), prevent_initial_call=True)
def poll_import(_n, job, search):
    from . import _admin_import as jobs
    _admin()
    if not job:
        raise PreventUpdate
    try:
        status = jobs.read_status(job)
    except ValueError:
        status = None
    return import_status_view(status, current_state(search).lang)


# --- targets --------------------------------------------------------------------------------
@dash.callback(Output(TARGETS, "rowData"), Input(T_ADD, "n_clicks"), Input(T_DELETE, "n_clicks"),
               State(TARGETS, "rowData"), State(TARGETS, "selectedRows"), prevent_initial_call=True)
def edit_target_rows(_add, _delete, rows, selected):
    from datetime import date
    _admin()
    rows = list(rows or [])
    if dash.ctx.triggered_id == T_ADD:
        year = date.today().year
        return rows + [{"kpi": "won_revenue", "period_start": f"{year}-01-01", "period_end": f"{year + 1}-01-01",
                        "scope": "all", "target": None}]
    chosen = [json.dumps(r, sort_keys=True) for r in (selected or [])]
    return [r for r in rows if json.dumps(r, sort_keys=True) not in chosen]


@dash.callback(Output(T_MESSAGE, "children"), Output(TARGETS, "rowData", allow_duplicate=True),
               Input(T_SAVE, "n_clicks"), State(TARGETS, "rowData"), State(ids.URL, "search"),
               prevent_initial_call=True)
def save_targets(n, rows, search):
    from ingest.targets_edit import TargetError, save_rows
    principal, engine = _admin()
    if not n:
        raise PreventUpdate
    lang = current_state(search).lang
    try:
        result = save_rows(engine, rows or [])
    except TargetError as exc:
        return dbc.Alert(f"{tr('admin.not_saved', lang)} {exc}", color="danger"), dash.no_update
    _audit(principal, "targets_save", result)
    return dbc.Alert(tr("admin.saved", lang, **result), color="success"), _target_rows(engine)


# --- users and tokens -----------------------------------------------------------------------
def _refused(lang, message):
    return dbc.Alert(f"{tr('admin.refused', lang)} {message}", color="danger")


@dash.callback(Output(U_MESSAGE, "children"), Output(USERS, "rowData"),
               Input(U_ADD, "n_clicks"), Input(U_SET_ROLE, "n_clicks"), Input(U_DISABLE, "n_clicks"),
               Input(U_ENABLE, "n_clicks"),
               State(U_NAME, "value"), State(U_ROLE, "value"), State(U_OWNER, "value"), State(U_REGION, "value"),
               State(U_PASSWORD, "value"), State(USERS, "selectedRows"), State(U_NEW_ROLE, "value"),
               State(ids.URL, "search"), prevent_initial_call=True)
def change_users(_add, _role, _disable, _enable, name, role, owner, region, password, selected, new_role, search):
    from auth.passwords import PasswordError
    from auth.users import UserError, add_user, count_admins, get_user, update_user
    principal, engine = _admin()
    lang = current_state(search).lang
    trig = dash.ctx.triggered_id
    try:
        if trig == U_ADD:
            user = add_user(engine, name or "", role=role, password=password or None, owner_id=owner or None,
                            region=region or None)
            what = f"{user.username} ({user.role})"
            _audit(principal, "user_add", {"username": user.username, "role": user.role, "owner_id": user.owner_id,
                                           "regions": user.region_scope})
        else:
            if not selected:
                return dbc.Alert(tr("admin.none_selected", lang), color="warning"), dash.no_update
            username = selected[0]["username"]
            target = get_user(engine, username)
            demotes = trig == U_DISABLE or (trig == U_SET_ROLE and new_role != "admin")
            if target and target.role == "admin" and not target.disabled and demotes \
                    and context.get().settings.auth_mode == "builtin" and count_admins(engine) <= 1:
                return _refused(lang, tr("admin.last_admin", lang)), dash.no_update
            if trig == U_SET_ROLE:
                user = update_user(engine, username, role=new_role)
                what, action = f"{user.username}: {user.role}", "user_role"
            else:
                user = update_user(engine, username, disabled=trig == U_DISABLE)
                what, action = f"{user.username}: {'disabled' if user.disabled else 'active'}", "user_state"
            _audit(principal, action, {"username": user.username, "role": user.role, "disabled": user.disabled})
    except (UserError, PasswordError) as exc:
        return _refused(lang, str(exc)), dash.no_update
    return dbc.Alert(tr("admin.done", lang, what=what), color="success"), _user_rows(engine)


@dash.callback(Output(TK_MESSAGE, "children"), Output(TOKENS, "rowData"),
               Input(TK_CREATE, "n_clicks"), Input(TK_REVOKE, "n_clicks"),
               State(USERS, "selectedRows"), State(TK_NAME, "value"), State(TOKENS, "selectedRows"),
               State(ids.URL, "search"), prevent_initial_call=True)
def change_tokens(_create, _revoke, users, name, tokens, search):
    from auth.users import UserError, add_token, revoke_token
    principal, engine = _admin()
    lang = current_state(search).lang
    try:
        if dash.ctx.triggered_id == TK_CREATE:
            if not users:
                return dbc.Alert(tr("admin.none_selected", lang), color="warning"), dash.no_update
            username = users[0]["username"]
            token = add_token(engine, username, name or "")
            _audit(principal, "token_add", {"username": username, "name": (name or "").strip()})
            message = dbc.Alert([html.Div(tr("admin.token_once", lang)),
                                 html.Code(token, className="user-select-all d-block mt-1")], color="info")
        else:
            if not tokens:
                raise PreventUpdate
            t = tokens[0]
            revoke_token(engine, t["username"], token_id=t["token_id"])
            _audit(principal, "token_revoke", {"username": t["username"], "name": t["name"]})
            message = dbc.Alert(tr("admin.done", lang, what=f"{t['username']}: {t['name']} revoked"), color="success")
    except UserError as exc:
        return _refused(lang, str(exc)), dash.no_update
    return message, _token_rows(engine)


@dash.callback(Output(AUDIT, "rowData"), Input(AUDIT_REFRESH, "n_clicks"), prevent_initial_call=True)
def refresh_audit(_n):
    _, engine = _admin()
    return _audit_rows(engine)

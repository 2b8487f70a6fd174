"""What a signed-in person may see, as the query layer understands it (issue 5, roles and scopes).

An `Access` travels inside `Filters` (`Filters.access`), so every query that filters through
queries/filters.py is scoped by it without knowing about users, and every drill-down list is
redacted by `queries.lists.page`, which takes the filters. Built from the signed-in user by
auth/roles.py (`access_for`) once per request: in the API's view and in the dashboard's
`urlstate.current_state`.

- `owner_scope` (a sales rep: their owner id): deals they own; on customer-level metrics the
  customers with at least one deal of theirs (the same reading as the `owner` filter, METRICS §0).
- `region_scope` (any role): customers of these regions and their deals.
  Both only ever remove rows: they are ANDed to the user's filters, and an empty scope
  (a sales user without an owner id) selects nothing, never "no filter".
- `pseudonymise`: lists leave out names and contact data (customer name, city, owner names);
  ids stay, so rows can still be told apart and discussed.
- `no_amounts`: lists leave out deal amounts.
- `no_rows`: no lists at all (aggregates only): `page()` raises AccessDenied.
- `hide_rep_figures`: no per-rep figures (owner leaderboard, breakdown by owner, owner filter).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Table, false, select
from sqlalchemy.sql import visitors
from sqlalchemy.sql.schema import Column as _TableColumn

from .schema import customers, deals, owners


class AccessDenied(PermissionError):
    """The signed-in role may not see this (HTTP 403); the message says what and why."""


@dataclass(frozen=True)
class Access:
    role: str = "admin"
    #: None: every owner; a tuple: only deals of these owners (empty: none at all)
    owner_scope: tuple[str, ...] | None = None
    #: None: every region; a tuple: only customers of these regions (empty: none at all)
    region_scope: tuple[str, ...] | None = None
    pseudonymise: bool = False
    no_amounts: bool = False
    no_rows: bool = False
    hide_rep_figures: bool = False


#: Everything (AUTH_MODE=none, admins, managers without a region scope).
FULL_ACCESS = Access()

#: The columns that hold personal data (DATA_CONTRACT.md: customers.name "personal data") or
#: names of people; lists of a pseudonymising role leave them out.
PERSONAL_COLUMNS = (customers.c.name, customers.c.city, owners.c.name)
#: Labels of personal columns in lists not built from these tables' columns (pandas lists).
PERSONAL_LABELS = frozenset({"customer_name", "owner_name", "agent_name", "city"})
AMOUNT_COLUMNS = (deals.c.amount,)
AMOUNT_LABELS = frozenset({"amount"})


# --- scopes ---------------------------------------------------------------------------------------
def owner_scope_clauses(access: Access, deal_table=deals) -> list:
    """Where-clauses on a deals table for the owner scope (empty scope: nothing)."""
    if access.owner_scope is None:
        return []
    if not access.owner_scope:
        return [false()]
    return [deal_table.c.owner_id.in_(access.owner_scope)]


def region_scope_clauses(access: Access, customer_id_col) -> list:
    """Where-clauses keeping rows whose customer lies in the region scope (empty scope: nothing)."""
    if access.region_scope is None:
        return []
    if not access.region_scope:
        return [false()]
    return [customer_id_col.in_(select(customers.c.customer_id)
                                .where(customers.c.region.in_(access.region_scope)))]


def require_rep_figures(access: Access, what: str = "per-rep figures") -> None:
    """Refuse per-rep figures to roles below manager when HIDE_REP_FIGURES is on."""
    if access.hide_rep_figures:
        raise AccessDenied(f"{what} are hidden for the role '{access.role}' (HIDE_REP_FIGURES)")


def require_rows(access: Access) -> None:
    if access.no_rows:
        raise AccessDenied(f"the role '{access.role}' sees aggregates only, no lists of deals or customers")


# --- redaction of lists ---------------------------------------------------------------------------
def _lineage(col) -> list:
    """The table columns an expression is computed from (through labels, subqueries, functions)."""
    out, todo, seen = [], [col], set()
    while todo:
        c = todo.pop()
        if id(c) in seen:
            continue
        seen.add(id(c))
        for b in getattr(c, "base_columns", None) or ():
            if isinstance(b, _TableColumn) and isinstance(b.table, Table):
                out.append(b)
            else:   # an expression (CAST, COALESCE, …): follow every column it mentions
                todo.extend(e for e in visitors.iterate(b) if e is not b and hasattr(e, "base_columns"))
    return out


def _is_personal(col) -> bool:
    lineage = {id(c) for c in _lineage(col)}
    return col.key in PERSONAL_LABELS or any(id(c) in lineage for c in PERSONAL_COLUMNS)


def _is_amount(col) -> bool:
    lineage = {id(c) for c in _lineage(col)}
    return col.key in AMOUNT_LABELS or any(id(c) in lineage for c in AMOUNT_COLUMNS)


def hidden_column(col, access: Access) -> bool:
    """True when `access` may not see the values of a selected column."""
    return (access.pseudonymise and _is_personal(col)) or (access.no_amounts and _is_amount(col))


def visible_select(base, access: Access):
    """`base` (a select) without the columns `access` may not see, so they never leave the DB."""
    if not (access.pseudonymise or access.no_amounts):
        return base
    keep = [c for c in base.selected_columns if not hidden_column(c, access)]
    return base.with_only_columns(*keep, maintain_column_froms=True)


def redact_frame(df, access: Access):
    """A list DataFrame built outside `page()` without the columns `access` may not see (by label)."""
    drop = [c for c in df.columns
            if (access.pseudonymise and (c in PERSONAL_LABELS or c == "name"))
            or (access.no_amounts and c in AMOUNT_LABELS)]
    return df.drop(columns=drop) if drop else df


def personal_columns(columns) -> list[str]:
    """Which of a list's column names carry personal data (for the audit log)."""
    return [c for c in columns if c in PERSONAL_LABELS or c == "name"]

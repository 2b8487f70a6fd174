"""The one mapping from the shared filter object to SQL where-clauses (METRICS.md §0, Filters).

Every query module builds its where-clauses here, so a filter means the same everywhere and
can only ever remove rows. Deal attributes (`owner`, `team`, `owner_region`, `source_channel`,
`campaign`) select deals directly; customer attributes (`region`, `industry`, `company_size`,
`country`) select the deals of matching customers. On customer-level metrics a deal attribute
keeps the customers with at least one matching deal, at any time.

`Filters.access` (queries/access.py) is the signed-in user's scope: not a filter the user
chose (not in the URL, not in `active()`), but ANDed to every clause built here, so a role's
scope holds on every endpoint that filters at all. The owner scope acts like an `owner`
filter and the region scope like a `region` filter that the user cannot remove; an empty
scope selects nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable, Mapping

from sqlalchemy import and_, or_, select, true

from .access import FULL_ACCESS, Access, AccessDenied, owner_scope_clauses, region_scope_clauses
from .schema import customers, deals, owners

NONE_VALUE = "(none)"

CUSTOMER_ATTRIBUTES = {"region": "region", "industry": "industry", "company_size": "company_size",
                       "country": "country"}
OWNER_ATTRIBUTES = {"team": "team", "owner_region": "region"}
DEAL_ATTRIBUTES = {"owner": "owner_id", "source_channel": "source_channel", "campaign": "campaign_id"}
FILTER_NAMES = ("region", "owner_region", "team", "owner", "source_channel", "campaign",
                "industry", "company_size", "country")


class FilterError(ValueError):
    """A filter parameter is malformed; the message says which and why."""


@dataclass(frozen=True)
class Filters:
    """Each field is a tuple of accepted values (empty: no filter). `(none)` selects empty values."""
    region: tuple[str, ...] = ()
    owner_region: tuple[str, ...] = ()
    team: tuple[str, ...] = ()
    owner: tuple[str, ...] = ()
    source_channel: tuple[str, ...] = ()
    campaign: tuple[str, ...] = ()
    industry: tuple[str, ...] = ()
    company_size: tuple[str, ...] = ()
    country: tuple[str, ...] = ()
    #: the signed-in user's scope and redactions (not a user filter; see the module docstring)
    access: Access = FULL_ACCESS

    @classmethod
    def from_mapping(cls, params: Mapping[str, object]) -> "Filters":
        """Build from query parameters: `region=DACH` or repeated/comma-separated values.

        Unknown keys are ignored here (the caller decides what else it accepts).
        """
        values = {}
        for name in FILTER_NAMES:
            raw = params.get(name)
            if raw is None:
                continue
            items = raw if isinstance(raw, (list, tuple)) else [raw]
            vals = []
            for item in items:
                if not isinstance(item, str):
                    raise FilterError(f"filter '{name}' must be text, got {item!r}")
                vals.extend(v.strip() for v in item.split(",") if v.strip())
            for v in vals:
                if len(v) > 200:
                    raise FilterError(f"filter '{name}' value is longer than 200 characters")
            if vals:
                values[name] = tuple(dict.fromkeys(vals))
        return cls(**values)

    def to_mapping(self) -> dict[str, str]:
        """The non-empty filters as comma-joined query parameters (inverse of from_mapping)."""
        return {n: ",".join(getattr(self, n)) for n in FILTER_NAMES if getattr(self, n)}

    def without(self, *names: str) -> "Filters":
        return replace(self, **{n: () for n in names})

    def active(self) -> dict[str, tuple[str, ...]]:
        return {n: getattr(self, n) for n in FILTER_NAMES if getattr(self, n)}

    def with_access(self, access: Access) -> "Filters":
        """These filters within `access`'s scope. A role without per-rep figures may not filter
        by owner (AccessDenied); callers that must not fail drop the filter first."""
        if access.hide_rep_figures and self.owner:
            raise AccessDenied(f"the owner filter is hidden for the role '{access.role}' (HIDE_REP_FIGURES)")
        return replace(self, access=access)

    @property
    def deal_level(self) -> bool:
        return any(getattr(self, n) for n in (*DEAL_ATTRIBUTES, *OWNER_ATTRIBUTES))


def _match(col, values: Iterable[str]):
    """`col` is one of `values`; `(none)` matches NULL or empty text."""
    values = tuple(values)
    concrete = [v for v in values if v != NONE_VALUE]
    parts = []
    if concrete:
        parts.append(col.in_(concrete))
    if NONE_VALUE in values:
        parts.append(or_(col.is_(None), col == ""))
    return or_(*parts)


def _customer_attr_clause(f: Filters):
    conds = [_match(customers.c[col], getattr(f, name))
             for name, col in CUSTOMER_ATTRIBUTES.items() if getattr(f, name)]
    return and_(*conds) if conds else None


def _owner_attr_clause(f: Filters):
    conds = [_match(owners.c[col], getattr(f, name))
             for name, col in OWNER_ATTRIBUTES.items() if getattr(f, name)]
    return and_(*conds) if conds else None


def deal_attribute_clauses(f: Filters, deal_table=deals) -> list:
    """Where-clauses on `deal_table` for the deal attributes only (owner, team, source, campaign),
    and the access's owner scope."""
    out = owner_scope_clauses(f.access, deal_table)
    for name, col in DEAL_ATTRIBUTES.items():
        if getattr(f, name):
            out.append(_match(deal_table.c[col], getattr(f, name)))
    owner_clause = _owner_attr_clause(f)
    if owner_clause is not None:
        out.append(deal_table.c.owner_id.in_(select(owners.c.owner_id).where(owner_clause)))
    return out


def customer_attribute_clauses(f: Filters, customer_id_col) -> list:
    """Where-clauses selecting rows whose `customer_id_col` is a customer with matching attributes
    (and in the access's region scope)."""
    out = region_scope_clauses(f.access, customer_id_col)
    clause = _customer_attr_clause(f)
    if clause is not None:
        out.append(customer_id_col.in_(select(customers.c.customer_id).where(clause)))
    return out


def deal_clauses(f: Filters, deal_table=deals) -> list:
    """All filters as where-clauses on a deals table (deal and customer attributes)."""
    return deal_attribute_clauses(f, deal_table) + customer_attribute_clauses(f, deal_table.c.customer_id)


def customer_clauses(f: Filters, customer_id_col) -> list:
    """All filters as where-clauses on rows keyed by customer (METRICS.md §0, customer-level).

    Deal attributes keep the customers that have at least one matching deal, at any time.
    """
    out = customer_attribute_clauses(f, customer_id_col)
    deal_conds = deal_attribute_clauses(f)
    if deal_conds:
        out.append(customer_id_col.in_(select(deals.c.customer_id).where(and_(*deal_conds))))
    return out


def where_all(clauses: list):
    """`and_` of clauses, or a true() placeholder for none."""
    return and_(*clauses) if clauses else true()

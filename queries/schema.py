"""The CRM tables of DATA_CONTRACT.md, as SQLAlchemy Core metadata.

Timestamps are stored as naive UTC `DateTime` (whole seconds), money as double precision.
The schema is versioned by Alembic (`migrations/`); `queries.db.ensure_schema` upgrades an
existing database in place. Change this file only together with a new migration.
"""
from __future__ import annotations

from sqlalchemy import (
    BigInteger, Boolean, Column, Date, Double, ForeignKey, Index, Integer, MetaData,
    PrimaryKeyConstraint, String, Table, Text,
)

from sqlalchemy import DateTime as _DateTime
from sqlalchemy.dialects import sqlite as _sqlite

#: Naive UTC timestamps. On SQLite stored as 'YYYY-MM-DD HH:MM:SS' text (SQLite's own
#: datetime() format, whole seconds), so rows written by other programs compare correctly.
DateTime = _DateTime().with_variant(
    _sqlite.DATETIME(storage_format="%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d"),
    "sqlite")

metadata = MetaData()

owners = Table(
    "owners", metadata,
    Column("owner_id", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("team", Text),
    Column("region", Text),
)

customers = Table(
    "customers", metadata,
    Column("customer_id", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("region", Text),
    Column("country", String(8)),
    Column("city", Text),
    Column("industry", Text),
    Column("company_size", Text),
    Index("ix_customers_created_at", "created_at"),
    Index("ix_customers_region", "region"),
)

campaigns = Table(
    "campaigns", metadata,
    Column("campaign_id", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("channel", String(64), nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("ended_at", DateTime),
    Column("cost", Double, nullable=False),
)

deals = Table(
    "deals", metadata,
    Column("deal_id", String(64), primary_key=True),
    Column("customer_id", String(64), ForeignKey("customers.customer_id"), nullable=False),
    Column("owner_id", String(64), ForeignKey("owners.owner_id"), nullable=False),
    Column("campaign_id", String(64), ForeignKey("campaigns.campaign_id")),
    Column("source_channel", String(64)),
    Column("amount", Double, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expected_close_at", DateTime),
    Column("closed_at", DateTime),
    Column("status", String(8), nullable=False),
    Column("stage", String(64), nullable=False),
    Column("lost_reason", Text),
    Index("ix_deals_created_at", "created_at"),
    Index("ix_deals_closed_at", "closed_at"),
    Index("ix_deals_customer_id", "customer_id"),
    Index("ix_deals_owner_id", "owner_id"),
    Index("ix_deals_campaign_id", "campaign_id"),
    Index("ix_deals_status", "status"),
)

deal_stage_history = Table(
    "deal_stage_history", metadata,
    Column("deal_id", String(64), ForeignKey("deals.deal_id"), nullable=False),
    Column("stage", String(64), nullable=False),
    Column("entered_at", DateTime, nullable=False),
    PrimaryKeyConstraint("deal_id", "stage", "entered_at", name="pk_deal_stage_history"),
    Index("ix_deal_stage_history_entered_at", "entered_at"),
)

lifecycle_history = Table(
    "lifecycle_history", metadata,
    Column("customer_id", String(64), ForeignKey("customers.customer_id"), nullable=False),
    Column("stage", String(32), nullable=False),
    Column("entered_at", DateTime, nullable=False),
    PrimaryKeyConstraint("customer_id", "stage", "entered_at", name="pk_lifecycle_history"),
    Index("ix_lifecycle_history_entered_at", "entered_at"),
    Index("ix_lifecycle_history_stage_entered_at", "stage", "entered_at"),
)

touchpoints = Table(
    "touchpoints", metadata,
    Column("touchpoint_id", String(64), primary_key=True),
    Column("customer_id", String(64), ForeignKey("customers.customer_id"), nullable=False),
    Column("channel", String(64), nullable=False),
    Column("campaign_id", String(64), ForeignKey("campaigns.campaign_id")),
    Column("occurred_at", DateTime, nullable=False),
    Column("kind", String(32)),
    Index("ix_touchpoints_customer_occurred", "customer_id", "occurred_at"),
    Index("ix_touchpoints_occurred_at", "occurred_at"),
    Index("ix_touchpoints_campaign_id", "campaign_id"),
)

orders = Table(
    "orders", metadata,
    Column("order_id", String(64), primary_key=True),
    Column("customer_id", String(64), ForeignKey("customers.customer_id"), nullable=False),
    Column("ordered_at", DateTime, nullable=False),
    Column("revenue", Double, nullable=False),
    Column("product_category", Text),
    Index("ix_orders_customer_ordered", "customer_id", "ordered_at"),
    Index("ix_orders_ordered_at", "ordered_at"),
)

experiments = Table(
    "experiments", metadata,
    Column("experiment_id", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("ended_at", DateTime),
)

experiment_assignments = Table(
    "experiment_assignments", metadata,
    Column("experiment_id", String(64), ForeignKey("experiments.experiment_id"), nullable=False),
    Column("customer_id", String(64), ForeignKey("customers.customer_id"), nullable=False),
    Column("variant", String(64), nullable=False),
    Column("assigned_at", DateTime, nullable=False),
    Column("converted", Boolean, nullable=False),
    Column("revenue", Double),
    PrimaryKeyConstraint("experiment_id", "customer_id", name="pk_experiment_assignments"),
)

cases = Table(
    "cases", metadata,
    Column("case_id", String(64), primary_key=True),
    Column("customer_id", String(64), ForeignKey("customers.customer_id"), nullable=False),
    Column("owner_id", String(64), ForeignKey("owners.owner_id")),
    Column("channel", String(32), nullable=False),
    Column("category", String(64)),
    Column("priority", String(16)),
    Column("opened_at", DateTime, nullable=False),
    Column("first_response_at", DateTime),
    Column("resolved_at", DateTime),
    Column("satisfaction", Integer),
    Index("ix_cases_opened_at", "opened_at"),
    Index("ix_cases_resolved_at", "resolved_at"),
    Index("ix_cases_customer_id", "customer_id"),
)

targets = Table(
    "targets", metadata,
    Column("kpi", String(64), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("scope", String(128), nullable=False, default="all"),
    Column("target", Double, nullable=False),
    PrimaryKeyConstraint("kpi", "period_start", "period_end", "scope", name="pk_targets"),
)

#: A counter bumped on every committed write by anyone (PostgreSQL: triggers; see
#: migrations). The dashboard polls it to notice new data cheaply (issue: live refresh).
data_version = Table(
    "data_version", metadata,
    Column("id", Integer, primary_key=True),
    Column("version", BigInteger, nullable=False),
)

# --- sign-in, roles and the audit log (auth/; not contract data: no change-counting triggers,
# never imported from CSV, untouched by `import --replace`) ---------------------------------------
users = Table(
    "users", metadata,
    Column("user_id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(200), nullable=False, unique=True),   # stored lower-case
    Column("password_hash", Text),                   # werkzeug scrypt hash; NULL: no built-in login
    Column("role", String(16), nullable=False),      # auth.roles.ROLES
    Column("owner_id", String(64)),                  # a sales rep's owners.owner_id (no FK: owners
                                                     # may be replaced by an import)
    Column("region_scope", Text),                    # customer regions, comma-separated; NULL: all
    Column("created_at", DateTime, nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
)

api_tokens = Table(
    "api_tokens", metadata,
    Column("token_id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),   # sha256 hex of the token
    Column("user_id", Integer, ForeignKey("users.user_id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("last_used_at", DateTime),
    Column("revoked", Boolean, nullable=False, default=False),
    Index("ix_api_tokens_user_id", "user_id"),
)

#: Failed sign-ins, for the rate limit shared by every worker process (auth/ratelimit.py).
login_failures = Table(
    "login_failures", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(200), nullable=False),
    Column("address", String(64), nullable=False),
    Column("at", DateTime, nullable=False),
    Index("ix_login_failures_user_address_at", "username", "address", "at"),
)

audit_log = Table(
    "audit_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("username", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("action", String(64), nullable=False),
    Column("detail", Text, nullable=False),          # JSON text
    Index("ix_audit_log_at", "at"),
)

AUTH_TABLES = (users, api_tokens, login_failures, audit_log)

#: Event ids applied by POST /api/v1/events (ingest/events.py): a retried batch finds its ids
#: here and changes nothing. Not contract data: no change-counting triggers.
ingested_events = Table(
    "ingested_events", metadata,
    Column("event_id", String(200), primary_key=True),
    Column("event_type", String(64), nullable=False),
    Column("occurred_at", DateTime, nullable=False),
    Column("ingested_at", DateTime, nullable=False),
    Column("username", String(200), nullable=False),
    Index("ix_ingested_events_ingested_at", "ingested_at"),
)

#: The tables of DATA_CONTRACT.md in dependency (import) order.
CONTRACT_TABLES = (
    owners, customers, campaigns, deals, deal_stage_history, lifecycle_history, touchpoints,
    orders, experiments, experiment_assignments, cases, targets,
)
TABLES_BY_NAME = {t.name: t for t in CONTRACT_TABLES}

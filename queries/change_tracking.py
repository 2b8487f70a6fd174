"""The data-version counter: any committed write to a contract table, by any program, bumps it.

Triggers do the bumping, so a CRM sync job writing straight into `deals` is noticed too.
PostgreSQL uses one statement-level trigger per table (cheap even for bulk loads); SQLite only
has row-level triggers, so our own bulk loaders drop them for the load and bump once.
The DDL below is built from the fixed table names of `schema.CONTRACT_TABLES`, never from input.
"""
from __future__ import annotations

from sqlalchemy import text, update

from .schema import CONTRACT_TABLES, data_version

_PG_FUNCTION = (
    "CREATE OR REPLACE FUNCTION bump_data_version() RETURNS trigger AS $$ "
    "BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; RETURN NULL; END "
    "$$ LANGUAGE plpgsql"
)


def _sqlite_trigger_sql(table: str, op: str) -> tuple[str, str]:
    name = "trg_dv_" + table + "_" + op.lower()
    create = ("CREATE TRIGGER IF NOT EXISTS " + name + " AFTER " + op + " ON " + table +
              " BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END")
    return name, create


def install_triggers(conn) -> None:
    """(Re)create the change-counting triggers on every contract table."""
    dialect = conn.dialect.name
    if dialect == "postgresql":
        conn.execute(text(_PG_FUNCTION))
        for t in CONTRACT_TABLES:
            name = "trg_dv_" + t.name
            conn.execute(text("DROP TRIGGER IF EXISTS " + name + " ON " + t.name))
            conn.execute(text("CREATE TRIGGER " + name + " AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "
                              + t.name + " FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version()"))
    elif dialect == "sqlite":
        for t in CONTRACT_TABLES:
            for op in ("INSERT", "UPDATE", "DELETE"):
                conn.execute(text(_sqlite_trigger_sql(t.name, op)[1]))


def drop_row_triggers(conn) -> bool:
    """Bump the data version, then drop SQLite's row-level triggers before a bulk load (inside
    its transaction, which the bump opens).

    The load's one bump is this one: it commits or rolls back with the load, so the caller only
    re-installs the triggers afterwards (`install_triggers`, in the same transaction) and need
    not bump again. Returns True when triggers were dropped (SQLite); on PostgreSQL nothing is
    done and it returns False: its statement-level triggers stay and count the load themselves.
    """
    if conn.dialect.name != "sqlite":
        return False
    # Python's sqlite3 driver opens the transaction only at the first DML statement, so DDL sent
    # first would be committed at once (and survive a rollback): start it with the bump.
    bump(conn)
    for t in CONTRACT_TABLES:
        for op in ("INSERT", "UPDATE", "DELETE"):
            conn.execute(text("DROP TRIGGER IF EXISTS " + _sqlite_trigger_sql(t.name, op)[0]))
    return True


def bump(conn) -> None:
    conn.execute(update(data_version).where(data_version.c.id == 1).values(version=data_version.c.version + 1))

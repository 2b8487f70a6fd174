"""Schema versioning and the data-version counter."""
from datetime import datetime

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import func, insert, select, text

from queries.db import alembic_config, data_version, ensure_schema, make_engine, schema_revision
from queries.schema import owners


def test_first_use_creates_schema_at_newest_revision(engine):
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    assert schema_revision(engine) == head


def test_upgrade_from_first_revision_keeps_data(tmp_path):
    eng = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = alembic_config(eng)
    first = list(ScriptDirectory.from_config(cfg).walk_revisions())[-1].revision
    command.upgrade(cfg, first)                     # a database of the first release
    with eng.begin() as c:
        c.execute(text("INSERT INTO owners (owner_id, name) VALUES ('o1', 'Anna')"))
    ensure_schema(eng)                              # what a newer release does on start
    with eng.connect() as c:
        assert c.execute(select(owners.c.name)).scalar() == "Anna"
    ensure_schema(eng)                              # idempotent
    with eng.connect() as c:
        assert c.execute(select(func.count()).select_from(owners)).scalar() == 1


def test_any_committed_write_bumps_the_data_version(engine):
    with engine.connect() as c:
        before = data_version(c)
    # another program writing plain SQL, not through our code
    with engine.begin() as c:
        c.execute(text("INSERT INTO owners (owner_id, name) VALUES ('o9', 'Sync job')"))
    with engine.connect() as c:
        after_insert = data_version(c)
    with engine.begin() as c:
        c.execute(text("UPDATE owners SET team = 'X' WHERE owner_id = 'o9'"))
    with engine.connect() as c:
        after_update = data_version(c)
    assert before < after_insert < after_update


def test_rolled_back_write_does_not_bump(engine):
    with engine.connect() as c:
        before = data_version(c)
    c = engine.connect()
    tx = c.begin()
    c.execute(insert(owners).values(owner_id="o8", name="Never"))
    tx.rollback()
    c.close()
    with engine.connect() as c:
        assert data_version(c) == before


def test_bulk_load_trigger_drop_rolls_back_with_the_load(tmp_path):
    """A failed bulk load must leave the change-counting triggers in place (SQLite DDL pitfall)."""
    from sqlalchemy import text as sql
    from queries.change_tracking import drop_row_triggers
    eng = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    ensure_schema(eng)
    count = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
    with eng.connect() as c:
        before = c.execute(sql(count)).scalar()
    conn = eng.connect()
    tx = conn.begin()
    assert drop_row_triggers(conn)
    tx.rollback()
    conn.close()
    with eng.connect() as c:
        assert c.execute(sql(count)).scalar() == before > 0

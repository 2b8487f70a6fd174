"""Users, passwords, API tokens, the sign-in rate limit, the audit log, erasure and the commands
(auth/), on SQLite and PostgreSQL where the database matters."""
import io
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, text, update

from auth import audit
from auth.commands import read_password
from auth.forget import ForgetError, forget_customer
from auth.passwords import PasswordError, hash_password, verify_password
from auth.ratelimit import clear_failures, locked_for, record_failure
from auth.roles import LOCAL_USER, Principal, access_for, may_call, may_see_page
from auth.users import (
    UserError,
    add_token,
    add_user,
    get_user,
    list_tokens,
    revoke_token,
    update_user,
    user_for_token,
)
from queries.db import data_version
from queries.schema import customers, login_failures
from settings import Settings, SettingsError, load_settings
from tests.conftest import load_rows


# --- passwords and roles (no database) ------------------------------------------------------------
def test_passwords_are_salted_scrypt_hashes_that_verify_only_the_right_password():
    h1, h2 = hash_password("correct horse battery"), hash_password("correct horse battery")
    assert h1.startswith("scrypt:32768:8:1$") and h1 != h2                 # salted: same password, new hash
    assert "correct horse" not in h1
    assert verify_password(h1, "correct horse battery") and not verify_password(h1, "correct horse batterY")
    assert not verify_password(None, "anything")                          # no hash: never a match
    with pytest.raises(PasswordError):
        hash_password("short")


def test_the_password_is_typed_twice_or_read_from_one_line_of_stdin():
    answers = iter(["correct horse 1", "correct horse 1"])
    assert read_password(False, prompt=lambda _: next(answers)) == "correct horse 1"
    differ = iter(["correct horse 1", "correct horse 2"])
    with pytest.raises(PasswordError):
        read_password(False, prompt=lambda _: next(differ))
    assert read_password(True, stdin=io.StringIO("from a pipe 123\nignored\n")) == "from a pipe 123"


def test_each_role_becomes_its_access():
    s = Settings(hide_rep_figures=True)
    sales = access_for(Principal("anna", "sales", owner_id="O1", region_scope=("DACH",)), s)
    assert (sales.owner_scope, sales.region_scope, sales.hide_rep_figures) == (("O1",), ("DACH",), True)
    assert access_for(Principal("x", "sales"), s).owner_scope == ()        # no owner id: nothing
    assert access_for(Principal("m", "marketing"), s).pseudonymise
    assert access_for(Principal("s", "service"), s).no_amounts
    assert access_for(Principal("v", "viewer"), s).no_rows
    manager = access_for(Principal("b", "manager"), s)
    assert manager.owner_scope is None and not manager.hide_rep_figures and not manager.pseudonymise
    odd = access_for(Principal("o", "superuser"), s)                        # unknown role: nothing at all
    assert odd.no_rows and odd.owner_scope == () and odd.region_scope == ()
    assert not access_for(Principal("anna", "sales", owner_id="O1"), Settings()).hide_rep_figures


def test_pages_and_endpoints_per_role():
    svc, viewer, admin = Principal("s", "service"), Principal("v", "viewer"), LOCAL_USER
    assert may_see_page(svc, "service") and not may_see_page(svc, "funnel") and not may_see_page(svc, "admin")
    assert may_see_page(admin, "admin") and not may_see_page(Principal("m", "manager"), "admin")
    assert may_call(svc, "/service/cases", is_list=True) is None and may_call(svc, "/funnel", is_list=False)
    assert may_call(viewer, "/funnel", is_list=False) is None and may_call(viewer, "/deals", is_list=True)
    assert may_call(Principal("n", ""), "/funnel", is_list=False)          # no role from the groups


def test_auth_settings_are_read_and_checked():
    s = load_settings({"AUTH_MODE": "proxy", "TRUSTED_PROXIES": "10.0.0.1, 10.8.0.0/16",
                       "AUTH_GROUP_ROLES": "crm-admins=admin, sales team=sales", "HIDE_REP_FIGURES": "true",
                       "AUTH_USER_HEADER": "X-Remote-User"})
    assert s.trusted_proxies == ("10.0.0.1/32", "10.8.0.0/16") and s.auth_user_header == "X-Remote-User"
    assert s.auth_group_roles == (("crm-admins", "admin"), ("sales team", "sales")) and s.hide_rep_figures
    for env in ({"AUTH_MODE": "sso"}, {"AUTH_MODE": "builtin"},                  # builtin needs a SECRET_KEY
                {"AUTH_MODE": "proxy", "AUTH_GROUP_ROLES": "a=admin"},          # proxy needs TRUSTED_PROXIES
                {"AUTH_MODE": "proxy", "TRUSTED_PROXIES": "10.0.0.1", "AUTH_GROUP_ROLES": "a=root"},
                {"TRUSTED_PROXIES": "proxy.example.com"}):
        with pytest.raises(SettingsError):
            load_settings(env)
    assert load_settings({"AUTH_MODE": "builtin", "SECRET_KEY": "k" * 40}).auth_mode == "builtin"


# --- users and tokens -------------------------------------------------------------------------------
def test_users_are_stored_lower_case_with_a_hash_and_their_scopes(engine):
    u = add_user(engine, " Anna ", role="sales", password="correct horse 1", owner_id="O1", region="DACH, Nordics")
    assert (u.username, u.role, u.owner_id, u.region_scope, u.has_password) == (
        "anna", "sales", "O1", ("DACH", "Nordics"), True)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT password_hash FROM users WHERE username = 'anna'")).scalar()
    assert verify_password(stored, "correct horse 1") and "correct horse" not in stored
    with pytest.raises(UserError):
        add_user(engine, "ANNA", role="viewer", password="correct horse 1")        # taken (case-insensitive)
    with pytest.raises(UserError):
        add_user(engine, "bert", role="sales", password="correct horse 1")          # sales needs an owner
    with pytest.raises(UserError):
        add_user(engine, "carl", role="boss", password="correct horse 1")
    assert update_user(engine, "anna", disabled=True).disabled
    assert update_user(engine, "anna", role="manager", region="").region_scope is None


def test_tokens_are_shown_once_stored_hashed_noted_when_used_and_revocable(engine):
    add_user(engine, "vic", role="viewer", password=None)
    token = add_token(engine, "vic", "weekly report")
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT token_hash FROM api_tokens")).scalar()
    assert token.startswith("sct_") and len(token) > 40 and token not in stored
    assert user_for_token(engine, token).username == "vic"
    assert list_tokens(engine, "vic")[0]["last_used_at"] is not None
    assert user_for_token(engine, token + "x") is None and user_for_token(engine, "") is None
    with pytest.raises(UserError):
        add_token(engine, "vic", "weekly report")                   # one active token per name
    update_user(engine, "vic", disabled=True)
    assert user_for_token(engine, token) is None                    # a disabled user's tokens stop
    update_user(engine, "vic", disabled=False)
    assert revoke_token(engine, "vic", "weekly report") == 1
    assert user_for_token(engine, token) is None
    with pytest.raises(UserError):
        revoke_token(engine, "vic", "weekly report")


# --- rate limit ---------------------------------------------------------------------------------------
def test_five_failures_per_user_and_address_lock_that_pair_for_the_window(engine):
    for _ in range(4):
        record_failure(engine, "anna", "10.0.0.7", window_minutes=15)
    assert locked_for(engine, "anna", "10.0.0.7", max_failures=5, window_minutes=15) == 0
    record_failure(engine, "Anna", "10.0.0.7", window_minutes=15)           # names compare lower-case
    wait = locked_for(engine, "anna", "10.0.0.7", max_failures=5, window_minutes=15)
    assert 14 * 60 < wait <= 15 * 60
    assert locked_for(engine, "anna", "10.0.0.8", max_failures=5, window_minutes=15) == 0   # other address
    assert locked_for(engine, "bob", "10.0.0.7", max_failures=5, window_minutes=15) == 0    # other user
    with engine.begin() as conn:                                             # 16 minutes later
        conn.execute(update(login_failures).values(at=login_failures.c.at - timedelta(minutes=16)))
    assert locked_for(engine, "anna", "10.0.0.7", max_failures=5, window_minutes=15) == 0
    record_failure(engine, "anna", "10.0.0.7", window_minutes=15)            # old rows are cleaned up
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(login_failures)).scalar() == 1
    clear_failures(engine, "anna", "10.0.0.7")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(login_failures)).scalar() == 0


# --- audit and erasure -----------------------------------------------------------------------------------
def test_forget_replaces_the_name_clears_the_city_and_is_audited_without_touching_ids(engine):
    load_rows(engine, {"customers": [
        {"customer_id": "C00042", "name": "Jana Novak e.K.", "city": "Brno", "region": "CEE", "country": "CZ",
         "created_at": datetime(2024, 5, 1)},
        {"customer_id": "C00043", "name": "Keep Me", "city": "Linz", "created_at": datetime(2024, 5, 1)}]})
    with engine.connect() as conn:
        before = data_version(conn)
    who = Principal("cli:ops", "admin", via="cli")
    out = forget_customer(engine, "C00042", principal=who)
    assert out["erased"] == {"name": True, "city": True}
    with engine.connect() as conn:
        rows = {r.customer_id: r for r in conn.execute(select(customers))}
        assert data_version(conn) > before                       # dashboards redraw without the name
    assert (rows["C00042"].name, rows["C00042"].city, rows["C00042"].region, rows["C00042"].country) == (
        "Erased customer C00042", None, "CEE", "CZ")
    assert rows["C00043"].name == "Keep Me"
    again = forget_customer(engine, "C00042", principal=who)
    assert again["erased"] == {"name": False, "city": False}
    with pytest.raises(ForgetError):
        forget_customer(engine, "C99999", principal=who)
    log = audit.recent(engine, action="forget")
    assert [r["detail"] for r in log] == [{"customer_id": "C00042", "erased": []},
                                          {"customer_id": "C00042", "erased": ["name", "city"]}]
    assert log[0]["username"] == "cli:ops" and "Jana" not in str(log)


def test_the_new_tables_carry_no_change_counting_triggers(engine):
    with engine.connect() as conn:
        before = data_version(conn)
    add_user(engine, "tina", role="viewer", password=None)
    audit.record(engine, Principal("tina", "viewer"), "test", {"x": 1})
    record_failure(engine, "tina", "::1", window_minutes=15)
    with engine.connect() as conn:
        assert data_version(conn) == before


def test_the_user_and_token_commands(engine, monkeypatch, capsys):
    import app
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse 1\n"))
    assert app.main(["user", "add", "Rita", "--role", "sales", "--owner", "O7", "--region", "DACH",
                     "--password-stdin"]) == 0
    assert app.main(["token", "add", "rita", "--name", "bi"]) == 0
    out = capsys.readouterr().out
    token = [line for line in out.splitlines() if line.startswith("sct_")][0]
    assert user_for_token(engine, token).owner_id == "O7"
    assert app.main(["user", "add", "rita", "--role", "viewer", "--no-password"]) == 2     # exists
    assert app.main(["user", "disable", "rita"]) == 0 and get_user(engine, "rita").disabled
    assert app.main(["token", "revoke", "rita", "--name", "bi"]) == 0
    assert app.main(["user", "list"]) == 0 and "rita" in capsys.readouterr().out
    assert app.main(["forget", "NOPE"]) == 2

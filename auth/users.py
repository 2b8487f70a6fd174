"""Users and personal API tokens in the database (queries.schema.users, api_tokens).

Usernames are stored lower-case and compared so. A token is shown once when created; only its
SHA-256 is stored (tokens are long random strings, so a fast hash is enough to look them up).
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, insert, select, update

from queries.schema import api_tokens, users

from .passwords import hash_password
from .roles import ROLES, Principal, parse_regions

TOKEN_PREFIX = "sct_"


class UserError(ValueError):
    """A user or token command cannot be done; the message says why."""


@dataclass(frozen=True)
class User:
    user_id: int
    username: str
    role: str
    owner_id: str | None
    region_scope: tuple[str, ...] | None
    created_at: datetime
    disabled: bool
    has_password: bool
    password_stamp: str

    def principal(self, via: str) -> Principal:
        return Principal(self.username, self.role, owner_id=self.owner_id, region_scope=self.region_scope,
                         user_id=self.user_id, via=via)


def now_utc() -> datetime:
    """Naive UTC, whole seconds (the schema's convention)."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def normalize_username(name: str) -> str:
    return (name or "").strip().lower()


def password_stamp(password_hash: str | None) -> str:
    """A short fingerprint of the password hash kept in the session: a new password ends old sessions."""
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]


def _user(row) -> User:
    return User(row.user_id, row.username, row.role, row.owner_id, parse_regions(row.region_scope),
                row.created_at, bool(row.disabled), bool(row.password_hash), password_stamp(row.password_hash))


def _check_role(role: str) -> str:
    role = (role or "").strip().lower()
    if role not in ROLES:
        raise UserError(f"{role!r} is not a role; roles: {', '.join(ROLES)}")
    return role


def add_user(engine, username: str, *, role: str, password: str | None, owner_id: str | None = None,
             region: str | None = None) -> User:
    """Create a user. `password` None: no built-in sign-in (proxy users, tokens only)."""
    name = normalize_username(username)
    if not name or len(name) > 200 or any(c.isspace() for c in name):
        raise UserError("the username must be 1-200 characters without spaces")
    role = _check_role(role)
    if role == "sales" and not owner_id:
        raise UserError("a sales user needs --owner OWNER_ID (the owner id of their deals); "
                        "without it they would see no deals at all")
    pw_hash = hash_password(password) if password is not None else None
    regions = parse_regions(region)
    with engine.begin() as conn:
        if conn.execute(select(users.c.user_id).where(users.c.username == name)).first():
            raise UserError(f"a user {name!r} exists already")
        conn.execute(insert(users).values(
            username=name, password_hash=pw_hash, role=role, owner_id=(owner_id or None),
            region_scope=",".join(regions) if regions else None, created_at=now_utc(), disabled=False))
    return get_user(engine, name)


def get_user(engine, username: str) -> User | None:
    with engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.username == normalize_username(username))).first()
    return _user(row) if row else None


def get_user_by_id(conn, user_id: int) -> User | None:
    row = conn.execute(select(users).where(users.c.user_id == user_id)).first()
    return _user(row) if row else None


def password_hash_of(engine, username: str) -> tuple[User | None, str | None]:
    with engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.username == normalize_username(username))).first()
    return (_user(row), row.password_hash) if row else (None, None)


def list_users(engine) -> list[User]:
    with engine.connect() as conn:
        return [_user(r) for r in conn.execute(select(users).order_by(users.c.username))]


def update_user(engine, username: str, *, role: str | None = None, disabled: bool | None = None,
                owner_id: str | None = None, region: str | None = None, password: str | None = None) -> User:
    """Change a user's role, state, scopes or password (None: unchanged; "" clears owner/region)."""
    name = normalize_username(username)
    values = {}
    if role is not None:
        values["role"] = _check_role(role)
    if disabled is not None:
        values["disabled"] = bool(disabled)
    if owner_id is not None:
        values["owner_id"] = owner_id or None
    if region is not None:
        regions = parse_regions(region)
        values["region_scope"] = ",".join(regions) if regions else None
    if password is not None:
        values["password_hash"] = hash_password(password)
    with engine.begin() as conn:
        row = conn.execute(select(users).where(users.c.username == name)).first()
        if row is None:
            raise UserError(f"there is no user {name!r}")
        if values.get("role", row.role) == "sales" and not values.get("owner_id", row.owner_id):
            raise UserError("a sales user needs an owner id (the owner of their deals)")
        if values:
            conn.execute(update(users).where(users.c.user_id == row.user_id).values(**values))
    return get_user(engine, name)


# --- API tokens -------------------------------------------------------------------------------
def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_token(engine, username: str, name: str) -> str:
    """Create a personal API token for `username`; returns the token (shown once, never stored)."""
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise UserError("the token needs a --name of 1-200 characters (e.g. the script that uses it)")
    user = get_user(engine, username)
    if user is None:
        raise UserError(f"there is no user {normalize_username(username)!r}")
    if user.disabled:
        raise UserError(f"the user {user.username!r} is disabled")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with engine.begin() as conn:
        clash = conn.execute(select(api_tokens.c.token_id).where(
            api_tokens.c.user_id == user.user_id, api_tokens.c.name == name,
            api_tokens.c.revoked.is_(False))).first()
        if clash:
            raise UserError(f"{user.username!r} has a token named {name!r} already; revoke it or pick another name")
        conn.execute(insert(api_tokens).values(token_hash=token_hash(token), user_id=user.user_id, name=name,
                                               created_at=now_utc(), revoked=False))
    return token


def list_tokens(engine, username: str | None = None) -> list[dict]:
    stmt = (select(api_tokens.c.token_id, users.c.username, api_tokens.c.name, api_tokens.c.created_at,
                   api_tokens.c.last_used_at, api_tokens.c.revoked)
            .select_from(api_tokens.join(users, users.c.user_id == api_tokens.c.user_id))
            .order_by(users.c.username, api_tokens.c.created_at, api_tokens.c.token_id))
    if username:
        stmt = stmt.where(users.c.username == normalize_username(username))
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(stmt)]


def revoke_token(engine, username: str, name: str | None = None, token_id: int | None = None) -> int:
    """Revoke `username`'s token by name (or id); returns how many were revoked."""
    user = get_user(engine, username)
    if user is None:
        raise UserError(f"there is no user {normalize_username(username)!r}")
    stmt = update(api_tokens).where(api_tokens.c.user_id == user.user_id, api_tokens.c.revoked.is_(False))
    if token_id is not None:
        stmt = stmt.where(api_tokens.c.token_id == token_id)
    elif name:
        stmt = stmt.where(api_tokens.c.name == name.strip())
    else:
        raise UserError("name the token to revoke (--name NAME)")
    with engine.begin() as conn:
        n = conn.execute(stmt.values(revoked=True)).rowcount
    if not n:
        raise UserError(f"{user.username!r} has no active token named {name!r}" if token_id is None
                        else f"{user.username!r} has no active token {token_id}")
    return n


def user_for_token(engine, token: str) -> User | None:
    """The (enabled) user of an active token, noting its use; None for an unknown/revoked token."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    digest = token_hash(token)
    with engine.begin() as conn:
        row = conn.execute(select(api_tokens.c.token_id, api_tokens.c.user_id, api_tokens.c.last_used_at)
                           .where(api_tokens.c.token_hash == digest, api_tokens.c.revoked.is_(False))).first()
        if row is None:
            return None
        user = get_user_by_id(conn, row.user_id)
        if user is None or user.disabled:
            return None
        now = now_utc()
        # one write a minute at most: tokens of busy scripts should not write on every call
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() >= 60:
            conn.execute(update(api_tokens).where(api_tokens.c.token_id == row.token_id).values(last_used_at=now))
    return user


def count_admins(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(users)
                            .where(users.c.role == "admin", users.c.disabled.is_(False))).scalar() or 0

"""Every environment variable the app reads, read once, in one place.

`load_settings()` turns an environment mapping into an immutable `Settings`; nothing else in
the code base looks at `os.environ`. Pass the `Settings` (or the parts a function needs) down.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PROJECT_ROOT = Path(__file__).resolve().parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "instance" / "sales.db"

#: Default pipeline (DATA_CONTRACT.md, deal_stage_history).
DEFAULT_PIPELINE = ("Lead", "Qualified", "Proposal", "Negotiation", "Won")
#: Default win probabilities per open stage (METRICS.md §2 weighted_pipeline).
DEFAULT_STAGE_PROBABILITIES = {"Lead": 0.10, "Qualified": 0.25, "Proposal": 0.50, "Negotiation": 0.75}


class SettingsError(ValueError):
    """A configuration value is malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    database_url: str = f"sqlite:///{DEFAULT_SQLITE_PATH}"
    report_tz: str = "Europe/Berlin"
    currency: str = "EUR"
    pipeline: tuple[str, ...] = DEFAULT_PIPELINE
    stage_probabilities: dict = field(default_factory=lambda: dict(DEFAULT_STAGE_PROBABILITIES))
    stale_days: int = 30
    attribution_window_days: int = 90
    refresh_seconds: float = 10.0
    fiscal_year_start_month: int = 1
    demo_deals: int = 5000
    secret_key: str = "dev-only-change-me"
    #: origins (scheme://host[:port]) of intranet portals allowed to frame the app
    embed_origins: tuple[str, ...] = ()
    #: the path the reverse proxy mounts the app under ("" = the root), e.g. "/sales"
    url_prefix: str = ""
    #: True when the proxy strips url_prefix before forwarding (nginx `proxy_pass http://app/;`)
    proxy_strips_prefix: bool = False
    #: how many proxies in front set X-Forwarded-For/-Proto/-Host (0: trust none)
    trusted_proxy_count: int = 0
    log_level: str = "INFO"
    # --- a dead or slow database fails fast instead of hanging workers (README "Resilience") ---
    #: seconds to wait for a new database connection (PostgreSQL connect_timeout)
    db_connect_timeout: float = 5.0
    #: seconds a single SQL statement may run before PostgreSQL cancels it (0: no limit)
    db_statement_timeout: float = 60.0
    #: seconds a request waits for a free connection from the pool
    db_pool_timeout: float = 10.0
    # --- sign-in, roles and personal data (auth/, README "Sign-in, roles and personal data") ---
    #: none (local demo: everyone sees everything), builtin (users and passwords in the
    #: database, login page) or proxy (single sign-on: the reverse proxy sends user and groups)
    auth_mode: str = "none"
    #: proxy mode: the request headers naming the signed-in user and their groups
    auth_user_header: str = "X-Forwarded-User"
    auth_groups_header: str = "X-Forwarded-Groups"
    #: proxy mode: the addresses/networks (CIDR) whose user and group headers are believed
    trusted_proxies: tuple[str, ...] = ()
    #: proxy mode: group -> role, in order of preference (the first group the user has wins)
    auth_group_roles: tuple[tuple[str, str], ...] = ()
    #: proxy mode: where "Sign out" leads (the proxy's own sign-out URL); empty: no link
    auth_logout_url: str = ""
    #: hide per-rep figures (owner leaderboard, breakdown by owner, owner filter) below manager
    hide_rep_figures: bool = False
    #: built-in login: this many failed sign-ins per user and address lock it for the window
    login_max_failures: int = 5
    login_window_minutes: int = 15
    #: how long a built-in sign-in lasts without signing in again
    session_hours: int = 12

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.report_tz)


def _int(env, name, default, lo=None, hi=None):
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a whole number") from None
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise SettingsError(f"{name}={value} is outside {lo}..{hi}")
    return value


def _float(env, name, default):
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a number") from None


def _seconds(env, name, default, minimum):
    value = _float(env, name, default)
    if not minimum <= value <= 24 * 3600:
        raise SettingsError(f"{name}={value:g} must be between {minimum:g} and 86400 seconds")
    return value


def _probabilities(raw: str | None, pipeline) -> dict:
    """Parse `STAGE_PROBABILITIES` like `Lead=0.1,Qualified=0.25,…`."""
    if not raw:
        return {s: DEFAULT_STAGE_PROBABILITIES.get(s, 0.0) for s in pipeline[:-1]}
    out = {}
    for part in raw.split(","):
        stage, _, value = part.partition("=")
        stage = stage.strip()
        if stage not in pipeline[:-1]:
            raise SettingsError(f"STAGE_PROBABILITIES names {stage!r}, not an open pipeline stage")
        try:
            p = float(value)
        except ValueError:
            raise SettingsError(f"STAGE_PROBABILITIES: {part!r} is not stage=probability") from None
        if not 0 <= p <= 1:
            raise SettingsError(f"STAGE_PROBABILITIES: {stage} probability {p} is not in 0..1")
        out[stage] = p
    return {s: out.get(s, 0.0) for s in pipeline[:-1]}


def _bool(env, name, default=False) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name}={raw!r} is not true/false")


def _origins(raw: str | None) -> tuple[str, ...]:
    out = []
    for item in (raw or "").split(","):
        item = item.strip().rstrip("/")
        if not item:
            continue
        if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?", item):
            raise SettingsError(f"EMBED_ORIGINS: {item!r} is not an origin like https://portal.example.com")
        out.append(item)
    return tuple(out)


def _prefix(raw: str | None) -> str:
    raw = (raw or "").strip().strip("/")
    if not raw:
        return ""
    if not re.fullmatch(r"[A-Za-z0-9._~/-]+", raw):
        raise SettingsError(f"URL_PREFIX={raw!r} may contain only letters, digits and . _ ~ - /")
    return "/" + raw


def load_settings(env=None) -> Settings:
    """Read the configuration from `env` (default: the process environment)."""
    env = os.environ if env is None else env
    report_tz = env.get("REPORT_TZ") or "Europe/Berlin"
    try:
        ZoneInfo(report_tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"REPORT_TZ={report_tz!r} is not a known time zone (e.g. Europe/Berlin, UTC)") from None
    pipeline = DEFAULT_PIPELINE
    if env.get("PIPELINE_STAGES"):
        pipeline = tuple(s.strip() for s in env["PIPELINE_STAGES"].split(",") if s.strip())
        if len(pipeline) < 2 or pipeline[-1] != "Won" or "Lost" in pipeline:
            raise SettingsError("PIPELINE_STAGES must list the open stages in order and end with Won")
    return Settings(
        database_url=env.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}",
        report_tz=report_tz,
        currency=env.get("CURRENCY") or "EUR",
        pipeline=pipeline,
        stage_probabilities=_probabilities(env.get("STAGE_PROBABILITIES"), pipeline),
        stale_days=_int(env, "STALE_DAYS", 30, 1, 3650),
        attribution_window_days=_int(env, "ATTRIBUTION_WINDOW_DAYS", 90, 1, 3650),
        refresh_seconds=_float(env, "REFRESH_SECONDS", 10.0),
        fiscal_year_start_month=_int(env, "FISCAL_YEAR_START_MONTH", 1, 1, 12),
        demo_deals=_int(env, "DEMO_DEALS", 5000, 10, 10_000_000),
        secret_key=env.get("SECRET_KEY") or "dev-only-change-me",
        embed_origins=_origins(env.get("EMBED_ORIGINS")),
        url_prefix=_prefix(env.get("URL_PREFIX")),
        proxy_strips_prefix=_bool(env, "PROXY_STRIPS_PREFIX"),
        trusted_proxy_count=_int(env, "TRUSTED_PROXY_COUNT", 0, 0, 10),
        log_level=(env.get("LOG_LEVEL") or "INFO").upper(),
        db_connect_timeout=_seconds(env, "DB_CONNECT_TIMEOUT", 5.0, minimum=1),
        db_statement_timeout=_seconds(env, "DB_STATEMENT_TIMEOUT", 60.0, minimum=0),
        db_pool_timeout=_seconds(env, "DB_POOL_TIMEOUT", 10.0, minimum=0.1),
        **_auth_settings(env),
    )


AUTH_MODES = ("none", "builtin", "proxy")
#: The roles of auth/roles.py (kept here too so a typo in AUTH_GROUP_ROLES fails at start).
ROLE_NAMES = ("admin", "manager", "sales", "marketing", "service", "viewer", "integration")


def _networks(raw: str | None) -> tuple[str, ...]:
    """`TRUSTED_PROXIES` like `10.0.0.5, 10.1.0.0/16, ::1` (validated, normalised)."""
    import ipaddress
    out = []
    for item in (raw or "").replace(";", ",").split(","):
        item = item.strip()
        if not item:
            continue
        try:
            out.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise SettingsError(f"TRUSTED_PROXIES: {item!r} is not an IP address or network like 10.0.0.0/8") from None
    return tuple(out)


def _group_roles(raw: str | None) -> tuple[tuple[str, str], ...]:
    """`AUTH_GROUP_ROLES` like `crm-admins=admin,sales=sales` (order kept: the first match wins)."""
    out = []
    for part in (raw or "").split(","):
        if not part.strip():
            continue
        group, sep, role = part.rpartition("=")
        group, role = group.strip(), role.strip().lower()
        if not sep or not group:
            raise SettingsError(f"AUTH_GROUP_ROLES: {part.strip()!r} is not group=role")
        if role not in ROLE_NAMES:
            raise SettingsError(f"AUTH_GROUP_ROLES: {role!r} is not a role ({', '.join(ROLE_NAMES)})")
        out.append((group, role))
    return tuple(out)


def _header_name(env, name, default) -> str:
    raw = (env.get(name) or default).strip()
    if not re.fullmatch(r"[A-Za-z0-9-]+", raw):
        raise SettingsError(f"{name}={raw!r} is not an HTTP header name")
    return raw


def _auth_settings(env) -> dict:
    mode = (env.get("AUTH_MODE") or "none").strip().lower()
    if mode not in AUTH_MODES:
        raise SettingsError(f"AUTH_MODE={mode!r} must be one of {', '.join(AUTH_MODES)}")
    if mode == "builtin" and (env.get("SECRET_KEY") or "dev-only-change-me") == "dev-only-change-me":
        raise SettingsError("AUTH_MODE=builtin signs sessions with SECRET_KEY: set SECRET_KEY to a long random "
                            "value (e.g. python -c \"import secrets; print(secrets.token_hex(32))\")")
    proxies = _networks(env.get("TRUSTED_PROXIES"))
    group_roles = _group_roles(env.get("AUTH_GROUP_ROLES"))
    if mode == "proxy" and not proxies:
        raise SettingsError("AUTH_MODE=proxy needs TRUSTED_PROXIES (the reverse proxy's addresses), "
                            "or anyone could send the user header")
    if mode == "proxy" and not group_roles:
        raise SettingsError("AUTH_MODE=proxy needs AUTH_GROUP_ROLES (group=role, …) to give anyone a role")
    return dict(
        auth_mode=mode,
        auth_user_header=_header_name(env, "AUTH_USER_HEADER", "X-Forwarded-User"),
        auth_groups_header=_header_name(env, "AUTH_GROUPS_HEADER", "X-Forwarded-Groups"),
        trusted_proxies=proxies,
        auth_group_roles=group_roles,
        auth_logout_url=(env.get("AUTH_LOGOUT_URL") or "").strip(),
        hide_rep_figures=_bool(env, "HIDE_REP_FIGURES"),
        login_max_failures=_int(env, "LOGIN_MAX_FAILURES", 5, 1, 1000),
        login_window_minutes=_int(env, "LOGIN_WINDOW_MINUTES", 15, 1, 24 * 60),
        session_hours=_int(env, "SESSION_HOURS", 12, 1, 24 * 365),
    )

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
    )

"""Every environment variable the app reads, read once, in one place.

`load_settings()` turns an environment mapping into an immutable `Settings`; nothing else in
the code base looks at `os.environ`. Pass the `Settings` (or the parts a function needs) down.
"""
from __future__ import annotations

import os
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
    )

"""`python app.py replay`: play new CRM events (events_replay.py) into the app, so a demo moves.

Events are posted in small batches every few seconds to POST /api/v1/events of a running app
(`--url`, with `--token` when sign-in is on), or written straight into DATABASE_URL without
`--url`; their `occurred_at` is the moment they are sent. `--speed` is simulated time per real
time: at 360 one business day passes in four minutes. The current state (open deals, running
campaigns, …) is read from DATABASE_URL, so point it at the app's database.

A batch whose answer is lost (network, 503) is sent again unchanged: the event ids make the retry
harmless. An event the app refuses (422, e.g. a deal someone else closed meanwhile) is dropped
with its message shown, and the rest of its batch is sent again.
"""
from __future__ import annotations

import json
import secrets
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

from .events_replay import DAY, HOUR, Planned, ReplayError, load_state, make_plan

RETRY_SECONDS = (1, 2, 5, 10, 20)


class Refused(Exception):
    """The app refused a batch: HTTP status and its JSON answer."""

    def __init__(self, status: int, body: dict):
        self.status, self.body = status, body
        super().__init__(f"HTTP {status}: {body.get('error', body)}")


def http_sender(url: str, token: str | None, timeout: float = 30.0) -> Callable[[dict], dict]:
    endpoint = url.rstrip("/") + "/api/v1/events"

    def send(batch: dict) -> dict:
        data = json.dumps(batch).encode()
        headers = {"Content-Type": "application/json", "User-Agent": "sales-dashboard-replay"}
        if token:
            headers["Authorization"] = "Bearer " + token
        for wait in (*RETRY_SECONDS, None):
            try:
                with urllib.request.urlopen(urllib.request.Request(endpoint, data, headers, method="POST"),
                                            timeout=timeout) as resp:
                    return json.loads(resp.read())
            except urllib.error.HTTPError as exc:
                try:
                    body = json.loads(exc.read() or b"{}")
                except ValueError:
                    body = {"error": exc.reason}
                if exc.code not in (502, 503, 504) or wait is None:
                    raise Refused(exc.code, body) from None
                note = body.get("error", exc.reason)
            except (urllib.error.URLError, OSError) as exc:
                if wait is None:
                    raise ReplayError(f"cannot reach {endpoint}: {exc}") from None
                note = str(getattr(exc, "reason", exc))
            print(f"  … {note}; the same batch again in {wait} s", file=sys.stderr)
            time.sleep(wait)
        raise AssertionError("unreachable")
    return send


def direct_sender(engine, settings, pipeline) -> Callable[[dict], dict]:
    from .events import apply_batch
    from .events_spec import BatchError, EventError

    def send(batch: dict) -> dict:
        try:
            return apply_batch(engine, batch, tz_name=settings.report_tz, pipeline=pipeline,
                               username="replay").to_json()
        except EventError as exc:
            raise Refused(exc.status, exc.to_json()) from None
        except BatchError as exc:
            raise Refused(exc.status, {"error": exc.problem}) from None
    return send


def _stamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def send_batch(send, events: list[Planned], tag: str, now: datetime, out) -> tuple[int, int]:
    """Send one batch; on a refused event drop it and send the rest again. (applied, dropped)"""
    batch = [{"id": f"{tag}-e{p.seq}", "type": p.type, "occurred_at": _stamp(now), "data": p.data}
             for p in events]
    dropped = 0
    while batch:
        try:
            result = send({"events": batch})
            # ids are this run's own: "already applied" means an earlier attempt whose answer was lost
            return len(result["applied"]) + len(result["already_applied"]), dropped
        except Refused as exc:
            index = exc.body.get("index")
            if exc.status not in (409, 422) or not isinstance(index, int):
                raise ReplayError(f"the app refused the batch: {exc}") from None
            out(f"  dropped: {exc.body.get('error')}")
            del batch[index]
            dropped += 1
    return 0, dropped


def play(plan: list[Planned], send, *, speed: float, batch_seconds: float, tag: str, max_batch: int = 200,
         clock=time.monotonic, sleep=time.sleep, wall=lambda: datetime.now(UTC), out=print) -> dict:
    """Send the planned events when their simulated time has come; returns the totals."""
    start, i, n_batch = clock(), 0, 0
    totals = {"events": 0, "applied": 0, "dropped": 0, "by_type": Counter()}
    while i < len(plan):
        sim = (clock() - start) * speed if speed > 0 else float("inf")
        due = []
        while i < len(plan) and plan[i].at <= sim and len(due) < max_batch:
            due.append(plan[i])
            i += 1
        if due:
            n_batch += 1
            applied, dropped = send_batch(send, due, tag, wall(), out)
            kinds = Counter(p.type for p in due)
            totals["events"] += len(due)
            totals["applied"] += applied
            totals["dropped"] += dropped
            totals["by_type"].update(kinds)
            shown = ", ".join(f"{k} {v}" for k, v in kinds.most_common(4)) + (", …" if len(kinds) > 4 else "")
            out(f"{wall():%H:%M:%S}  day {due[-1].at / DAY:4.2f} ({due[-1].at % DAY / HOUR:4.1f} h)  "
                f"batch {n_batch:>3}: {len(due):>3} events, {applied:>3} applied  [{shown}]  "
                f"{i}/{len(plan)}")
        if i < len(plan) and speed > 0 and len(due) < max_batch:   # behind: catch up at once
            until_next = (plan[i].at - (clock() - start) * speed) / speed
            sleep(max(batch_seconds, until_next))
    return totals


def run(settings, *, days: float, speed: float, batch_seconds: float, url: str | None, token: str | None,
        seed: int | None, busy: float = 1.0, out=print) -> int:
    """The `replay` command: 0 when every batch was sent."""
    from queries.db import ensure_schema, make_engine
    from queries.pipeline import Pipeline
    pipeline = Pipeline.from_settings(settings)
    engine = make_engine(settings.database_url)
    try:
        ensure_schema(engine)
        with engine.connect() as conn:
            state = load_state(conn, pipeline)
        tag = "rp" + secrets.token_hex(3)
        plan = make_plan(state, pipeline, days=days, seed=seed, tag=tag, busy=busy)
        minutes = days * DAY / speed / 60 if speed > 0 else 0
        where = f"{url.rstrip('/')}/api/v1/events" if url else f"the database ({engine.url.get_backend_name()})"
        out(f"Replay {tag}: {len(plan):,} events over {days:g} simulated day(s) into {where}, "
            + (f"about {minutes:.1f} minutes at speed {speed:g}" if speed > 0 else "as fast as possible")
            + f"; {len(state.open_deals):,} open deals and {len(state.campaigns)} running campaigns to continue.")
        if not plan:
            out("Nothing to send: the data shows no activity in its last 90 days.")
            return 0
        send = http_sender(url, token) if url else direct_sender(engine, settings, pipeline)
        totals = play(plan, send, speed=speed, batch_seconds=batch_seconds, tag=tag, out=out)
    except ReplayError as exc:
        print(f"Replay stopped: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nReplay interrupted; what was sent stays (running it again starts a new replay).", file=sys.stderr)
        return 130
    finally:
        engine.dispose()
    out(f"Done: {totals['applied']:,} of {totals['events']:,} events applied"
        + (f", {totals['dropped']} dropped" if totals["dropped"] else "") + ".")
    return 0


def add_parser(sub) -> None:
    rp = sub.add_parser("replay", help="stream new CRM events continuing the data, so a demo dashboard moves")
    rp.add_argument("--days", type=float, default=1.0, help="simulated days of activity to send (default 1)")
    rp.add_argument("--speed", type=float, default=360.0,
                    help="simulated seconds per real second (default 360: a day in 4 minutes; 0: at once)")
    rp.add_argument("--batch-seconds", type=float, default=3.0, help="seconds between two batches (default 3)")
    rp.add_argument("--url", default=None,
                    help="post to this running app, e.g. http://127.0.0.1:8050 (default: write into DATABASE_URL)")
    rp.add_argument("--token", default=None, help="API token of an admin or integration user (sign-in on)")
    rp.add_argument("--busy", type=float, default=1.0,
                    help="activity as a multiple of the data's last 90 days (default 1; 5: a busy demo)")
    rp.add_argument("--seed", type=int, default=None, help="random seed (default: a new one each run)")

"""The dashboard end to end over HTTP: the app runs in a gunicorn subprocess (one worker, six
threads) and every page is loaded after a filter change as a browser does it.

A page load after a filter change is: POST the pages router (`_pages_content`) for the path and
the new query string, which returns the page's layout; then POST every callback the page fires
on the new URL (inputs `url.search`, outputs in the page or the shell), six at a time like a
browser's connection limit; then the callbacks fed by their outputs, until none is left.
The time is the wall time of the whole sequence. "Uncached" loads use a period never asked
before (so neither the result cache nor the CLV fit cache can answer); "cached" ones repeat
the first load's query string exactly. The worker's peak RSS (VmHWM) is read from /proc.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import requests

from dashboard.pages import PAGES

from .cases import PERIOD_FROM, PERIOD_TO
from .timing import summarize

ROOT = Path(__file__).resolve().parent.parent
BROWSER_CONNECTIONS = 6
URL_SEARCH = ("url", "search")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class App:
    """`gunicorn app:server` on a free loopback port with DATABASE_URL=url; stop() ends it."""

    def __init__(self, url: str, log: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, DATABASE_URL=url, LOG_LEVEL="WARNING")
        self._log = open(log, "ab")  # noqa: SIM115 - the app's output for its whole life; closed by stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "1", "--threads", str(BROWSER_CONNECTIONS),
             "--bind", f"127.0.0.1:{self.port}", "--timeout", "600", "app:server"],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the app exited ({self.proc.returncode}); see {log}")
            try:
                if requests.get(self.base + "/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"the app did not answer within 300 s; see {log}")

    def worker_pid(self) -> int:
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        return int(children[0]) if children else self.proc.pid

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.worker_pid()}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


# ------------------------------------------------------------------ Dash's wire format

def _outputs(dep: dict) -> list[tuple[str, str]]:
    """(id, property) of a callback's outputs, from its key "id.prop" or "..a.p...b.q..". """
    key = dep["output"]
    parts = key[2:-2].split("...") if key.startswith("..") else [key]
    return [tuple(p.split("@", 1)[0].rsplit(".", 1)) for p in parts]


def _is_pattern(cid: str) -> bool:
    return cid.startswith("{")


def _walk_props(node, found: dict) -> None:
    """Every component id in a layout (JSON) -> its props."""
    if isinstance(node, dict):
        props = node.get("props")
        if isinstance(props, dict) and isinstance(props.get("id"), str):
            found[props["id"]] = props
        for v in node.values():
            _walk_props(v, found)
    elif isinstance(node, list):
        for v in node:
            _walk_props(v, found)


class PageRunner:
    """Loads pages of a running app the way the browser's Dash renderer does (see module doc)."""

    def __init__(self, base: str):
        self.base = base
        self.session = requests.Session()
        self.deps = [d for d in self.session.get(base + "/_dash-dependencies", timeout=60).json()
                     if not d.get("clientside_function")]
        self.router = next(d for d in self.deps if d["output"].startswith(".._pages_content.children"))
        self.shell: dict = {}
        _walk_props(self.session.get(base + "/_dash-layout", timeout=60).json(), self.shell)
        self.pool = ThreadPoolExecutor(BROWSER_CONNECTIONS)
        self._local = threading.local()   # one kept-alive connection per "browser connection"

    def _post(self, dep: dict, values: dict, changed: list[str]) -> tuple[int, dict | None]:
        outs = [{"id": i, "property": p} for i, p in _outputs(dep)]
        body = {"output": dep["output"], "outputs": outs if dep["output"].startswith("..") else outs[0],
                "inputs": [dict(i, value=values.get((i["id"], i["property"]))) for i in dep["inputs"]],
                "state": [dict(s, value=values.get((s["id"], s["property"]))) for s in dep.get("state", [])],
                "changedPropIds": changed}
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
        r = self._local.session.post(self.base + "/_dash-update-component", data=json.dumps(body),
                          headers={"Content-Type": "application/json"}, timeout=600)
        if r.status_code not in (200, 204):
            raise RuntimeError(f"callback {dep['output'][:80]}: HTTP {r.status_code}")
        return r.status_code, (r.json().get("response") if r.status_code == 200 else None)

    def load(self, path: str, search: str) -> dict:
        """Load `path?search` after a filter change; returns {"ms", "callbacks", "errors"}."""
        t0 = time.perf_counter()
        values = {(cid, prop): v for cid, props in self.shell.items() for prop, v in props.items()}
        values.update({("_pages_location", "pathname"): path, ("_pages_location", "search"): search,
                       ("url", "pathname"): path, URL_SEARCH: search})
        _, resp = self._post(self.router, values, ["_pages_location.search"])
        present: dict = dict(self.shell)
        _walk_props(resp, present)
        for cid, props in present.items():
            for prop, v in props.items():
                values.setdefault((cid, prop), v)
        changed = {URL_SEARCH}
        fired: set[str] = set()
        n = 0
        while changed:
            wave = [d for d in self.deps
                    if d is not self.router and d["output"] not in fired and not d.get("prevent_initial_call")
                    and any((i["id"], i["property"]) in changed for i in d["inputs"])
                    and all(not _is_pattern(i) and i in present for i, _ in _outputs(d))]
            if not wave:
                break
            fired.update(d["output"] for d in wave)
            ids = [f"{i}.{p}" for i, p in changed]
            results = list(self.pool.map(lambda d, ids=ids: self._post(d, values, ids), wave))
            n += len(wave)
            changed = set()
            for dep, (status, response) in zip(wave, results):
                for cid, props in (response or {}).items():
                    for prop, v in props.items():
                        values[(cid, prop)] = v
                        changed.add((cid, prop))
                        if prop == "children" and isinstance(v, (dict, list)):
                            _walk_props(v, present)
        return {"ms": (time.perf_counter() - t0) * 1000, "callbacks": n}


def search_for(k: int) -> str:
    """A filter state never asked before for k = 0, 1, …: the period moved in by k days on both ends."""
    lo, hi = PERIOD_FROM + timedelta(days=k), PERIOD_TO - timedelta(days=k)
    return f"?preset=custom&from={lo.isoformat()}&to={hi.isoformat()}"


def bench_pages(url: str, repeat: int, log: Path) -> dict:
    """{page: {"uncached": (p50, p95), "cached": (p50, p95), "callbacks": n}, "_rss_mb": peak}."""
    app = App(url, log)
    try:
        runner = PageRunner(app.base)
        out = {}
        for page in PAGES:
            first = runner.load(page.path, search_for(0))            # warm-up; also fills the caches
            uncached = [runner.load(page.path, search_for(k))["ms"] for k in range(1, repeat + 1)]
            cached = [runner.load(page.path, search_for(0))["ms"] for _ in range(repeat)]
            out[page.key] = {"uncached": summarize(uncached), "cached": summarize(cached),
                             "callbacks": first["callbacks"]}
        out["_rss_mb"] = app.peak_rss_mb()
        runner.pool.shutdown()
        return out
    finally:
        app.stop()

"""The admin page's CSV import: uploaded files -> a job running ingest.csv_import.import_files in
a background thread, its progress and result in a small JSON status file.

The status lives in a file (not in memory) because gunicorn's workers do not share memory: the
progress poll may reach another worker than the upload. Job ids are random hex, checked before
they become a path. Uploaded files are deleted when the job ends; the status file stays (small).
"""
from __future__ import annotations

import base64
import binascii
import io
import json
import logging
import os
import re
import tempfile
import threading
import time
import uuid
import zipfile
from pathlib import Path, PurePosixPath

from ingest.csv_parsing import CsvImportError

log = logging.getLogger("dashboard")

JOBS_DIR = Path(tempfile.gettempdir()) / "sales-dashboard-imports"
#: Largest import accepted through the browser (uncompressed), against zip bombs.
MAX_IMPORT_BYTES = 2 * 1024 ** 3
_JOB_ID = re.compile(r"[0-9a-f]{32}")


def job_dir(job_id: str) -> Path:
    if not isinstance(job_id, str) or not _JOB_ID.fullmatch(job_id):
        raise ValueError("not an import job id")
    return JOBS_DIR / job_id


def _decode(content: str, filename: str) -> bytes:
    """The bytes of a dcc.Upload data URL ("data:…;base64,AAAA")."""
    try:
        return base64.b64decode(content.split(",", 1)[1], validate=False)
    except (IndexError, binascii.Error, AttributeError):
        raise CsvImportError(filename, None, None, "could not be read from the upload") from None


def save_uploads(contents: list[str], filenames: list[str], folder: Path) -> dict[str, Path]:
    """Write the uploaded CSV files (or the CSV files inside uploaded zip files) into `folder`:
    {table name: path}. Names are checked by the importer; here only what cannot be imported."""
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    total = 0

    def add(name: str, data: bytes, origin: str):
        nonlocal total
        base = PurePosixPath(name.replace("\\", "/")).name
        if base.startswith(".") or not base.lower().endswith(".csv"):
            return
        table = base[:-4].lower()
        if table in files:
            raise CsvImportError(base, None, None, f"is in the upload twice ({origin})")
        total += len(data)
        if total > MAX_IMPORT_BYTES:
            raise CsvImportError(base, None, None, "the upload is larger than 2 GB; use python app.py import")
        path = folder / f"{table}.csv"
        path.write_bytes(data)
        files[table] = path

    for content, filename in zip(contents or [], filenames or []):
        data = _decode(content, filename)
        if filename.lower().endswith(".zip"):
            try:
                with zipfile.ZipFile(io.BytesIO(data)) as zf:
                    members = [m for m in zf.infolist() if not m.is_dir()]
                    if sum(m.file_size for m in members) > MAX_IMPORT_BYTES:
                        raise CsvImportError(filename, None, None, "unpacks to more than 2 GB; use python app.py import")
                    for m in members:
                        add(m.filename, zf.read(m), filename)
            except zipfile.BadZipFile:
                raise CsvImportError(filename, None, None, "is not a readable zip file") from None
        elif filename.lower().endswith(".csv"):
            add(filename, data, filename)
        else:
            raise CsvImportError(filename, None, None, "is neither a .csv nor a .zip file")
    if not files:
        raise CsvImportError(", ".join(filenames or []) or "upload", None, None,
                             "holds no CSV files (expected e.g. customers.csv, deals.csv)")
    return files


def write_status(folder: Path, status: dict) -> None:
    """Replace the status file atomically (a reader never sees half a file)."""
    tmp = folder / f".status.{os.getpid()}.{threading.get_ident()}.tmp"
    tmp.write_text(json.dumps(status, default=str), encoding="utf-8")
    os.replace(tmp, folder / "status.json")


def read_status(job_id: str) -> dict | None:
    try:
        return json.loads((job_dir(job_id) / "status.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def error_dict(exc: CsvImportError) -> dict:
    return {"file": exc.file, "line": exc.line, "column": exc.column, "problem": exc.problem, "text": str(exc)}


def start_import(engine, files: dict[str, Path], folder: Path, *, tz_name: str, replace=(),
                 on_finish=None) -> str:
    """Start importing `files` in a background thread; returns the job id (the folder's name).
    `on_finish(status)` runs in the thread at the end (the audit log)."""
    from ingest.csv_import import import_files
    job_id = folder.name
    status = {"state": "running", "started": time.time(), "files": sorted(f"{t}.csv" for t in files),
              "table": None, "rows": 0, "tables_done": [], "replace": list(replace)}
    write_status(folder, status)

    def progress(table, done, total=None):
        status.update(table=table, rows=done)
        if total is not None and done >= total and table not in status["tables_done"]:
            status["tables_done"].append(table)
        now = time.monotonic()
        if now - status.get("_written", 0) >= 0.3:
            status["_written"] = now
            write_status(folder, status)

    def run():
        # an own engine without the serving engine's DB_STATEMENT_TIMEOUT: a bulk load may take longer
        from queries.db import make_engine
        own = make_engine(engine.url.render_as_string(hide_password=False)) \
            if engine.dialect.name == "postgresql" else None
        try:
            report = import_files(own or engine, files, tz_name=tz_name, replace=replace, progress=progress)
            status.update(state="done", rows_by_table=report.rows_by_table, seconds=report.seconds)
        except CsvImportError as exc:
            status.update(state="failed", error=error_dict(exc))
        except Exception as exc:
            ref = uuid.uuid4().hex[:8]
            log.exception("admin import %s failed (reference %s)", job_id, ref)
            status.update(state="failed", error={"text": f"internal error ({exc.__class__.__name__}); "
                                                         f"the server log has the details, reference {ref}"})
        finally:
            if own is not None:
                own.dispose()
            for path in files.values():
                Path(path).unlink(missing_ok=True)
            status.pop("_written", None)
            write_status(folder, status)
            if on_finish is not None:
                try:
                    on_finish(dict(status))
                except Exception:
                    log.exception("admin import %s: the finish hook failed", job_id)

    threading.Thread(target=run, name=f"import-{job_id[:8]}", daemon=True).start()
    return job_id


def new_job_folder() -> Path:
    folder = JOBS_DIR / uuid.uuid4().hex
    folder.mkdir(parents=True, exist_ok=False)
    return folder

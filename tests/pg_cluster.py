"""A private, throw-away PostgreSQL cluster that a test may stop and start (the shared server on
127.0.0.1:5432 serves every other test and must never be stopped).

    cluster = PrivateCluster.create()        # initdb into a temp dir, start on a free port
    cluster.url                              # postgresql+psycopg://postgres@127.0.0.1:PORT/sales
    cluster.stop(); cluster.start(); cluster.destroy()

Needs the server binaries (/usr/lib/postgresql/<version>/bin); as root they run as the postgres
user (PostgreSQL refuses to run as root). `reason_unavailable()` says why not, or None.
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

BIN_GLOB = "/usr/lib/postgresql/*/bin"


def _bin_dir() -> Path | None:
    dirs = [Path(d) for d in glob.glob(BIN_GLOB) if (Path(d) / "initdb").exists() and (Path(d) / "pg_ctl").exists()]
    return max(dirs, key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0) if dirs else None


def _as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def reason_unavailable() -> str | None:
    if _bin_dir() is None:
        return f"no PostgreSQL server binaries in {BIN_GLOB} (apt-get install postgresql)"
    if _as_root():
        if shutil.which("runuser") is None:
            return "running as root without runuser: cannot start PostgreSQL as the postgres user"
        try:
            import pwd
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no postgres user to run PostgreSQL as"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateCluster:
    def __init__(self, root: Path, port: int):
        self.root = root
        self.data = root / "data"
        self.port = port
        self.bin = _bin_dir()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/sales"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if _as_root():
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=120)

    @classmethod
    def create(cls) -> PrivateCluster:
        # not under pytest's tmp_path: its parents are private to root, and postgres must enter
        root = Path(tempfile.mkdtemp(prefix="sales-pg-"))
        if _as_root():
            import pwd
            pw = pwd.getpwnam("postgres")
            os.chown(root, pw.pw_uid, pw.pw_gid)
        cluster = cls(root, _free_port())
        cluster._run("initdb", "-D", str(cluster.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                     "--no-sync", "--no-instructions")
        cluster.start()
        import psycopg
        with psycopg.connect(host="127.0.0.1", port=cluster.port, user="postgres", dbname="postgres",
                             autocommit=True) as conn:
            conn.execute("CREATE DATABASE sales")
        return cluster

    def start(self) -> None:
        opts = (f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.root} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        self._run("pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.root / "server.log"), "-w",
                  "-t", "60", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")

    def is_running(self) -> bool:
        return self._run("pg_ctl", "-D", str(self.data), "status", check=False).returncode == 0

    def destroy(self) -> None:
        try:
            if self.data.exists() and self.is_running():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        finally:
            for _ in range(3):
                shutil.rmtree(self.root, ignore_errors=True)
                if not self.root.exists():
                    break
                time.sleep(0.5)

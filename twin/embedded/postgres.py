"""Find or start the PostgreSQL + PostGIS the twin needs.

Order of preference: ``TWIN_DATABASE_URL``; a server answering on 127.0.0.1:5432;
otherwise a private cluster started from Debian's binaries under a data directory and
stopped when the process exits.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from twin.errors import SetupError

DEFAULT_LOCAL = "postgresql+psycopg://postgres@127.0.0.1:5432/twin"
PRIVATE_PORT = 54329  # away from 5432 so it never collides with a system cluster
# initdb refuses to run as root; Debian's postgresql-common creates this account.
SERVICE_ACCOUNT = "postgres"


def port_answers(host: str, port: int, timeout_s: float = 1.0) -> bool:
    """True when something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


def _libpq_url(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


def ensure_database(url: str) -> None:
    """Create the database and the PostGIS extension when missing."""
    target = make_url(url).database or "twin"
    try:
        with psycopg.connect(_libpq_url(url, "postgres"), autocommit=True, connect_timeout=5) as c:
            exists = c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (target,)).fetchone()
            if not exists:
                c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(target)))
        with psycopg.connect(_libpq_url(url), autocommit=True, connect_timeout=5) as c:
            available = c.execute(
                "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'"
            ).fetchone()
            if not available:
                raise SetupError(
                    "PostGIS is not installed on the database server: install "
                    "postgresql-<major>-postgis-3 (run `make setup` as root on Debian)"
                )
            c.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    except psycopg.OperationalError as exc:
        raise SetupError(f"cannot reach the database: {exc}".strip()) from exc


def find_pg_bin() -> Path:
    """Directory of the newest Debian PostgreSQL server binaries."""
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name)
    )
    if not versions:
        raise SetupError(
            "no PostgreSQL server binaries found under /usr/lib/postgresql; "
            "install postgresql and postgresql-<major>-postgis-3 (`make setup` as root)"
        )
    return versions[-1].parent


@dataclass
class PrivateCluster:
    """A throw-away PostgreSQL cluster owned by this process."""

    data_dir: Path
    port: int = PRIVATE_PORT

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/twin"

    def _run(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        cmd = [str(a) for a in args]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", SERVICE_ACCOUNT, "--", *cmd]
        return subprocess.run(cmd, check=True, capture_output=True, text=True)  # noqa: S603

    def start(self) -> None:
        bin_dir = find_pg_bin()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            try:
                account = pwd.getpwnam(SERVICE_ACCOUNT)
            except KeyError as exc:
                raise SetupError(
                    "running as root needs the 'postgres' system account to own the "
                    "private cluster (it comes with Debian's postgresql-common)"
                ) from exc
            shutil.chown(self.data_dir, account.pw_uid, account.pw_gid)
        if not (self.data_dir / "PG_VERSION").exists():
            self._run(
                bin_dir / "initdb",
                "-D",
                str(self.data_dir),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-locale",
            )
        if port_answers("127.0.0.1", self.port):
            raise SetupError(
                f"port {self.port} is taken; stop what runs there or set TWIN_DATABASE_URL"
            )
        options = f"-p {self.port} -k {self.data_dir} -c listen_addresses=127.0.0.1"
        try:
            self._run(
                bin_dir / "pg_ctl",
                "-D",
                str(self.data_dir),
                "-o",
                options,
                "-l",
                str(self.data_dir / "server.log"),
                "-w",
                "-t",
                "60",
                "start",
            )
        except subprocess.CalledProcessError as exc:
            raise SetupError(
                f"private PostgreSQL did not start: {exc.stderr.strip()}; "
                f"see {self.data_dir / 'server.log'}"
            ) from exc

    def stop(self) -> None:
        if (self.data_dir / "postmaster.pid").exists():
            self._run(
                find_pg_bin() / "pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop"
            )


def private_cluster_dir(data_dir: Path) -> Path:
    """Where the private cluster lives; root's runs keep it where 'postgres' can reach."""
    if os.geteuid() == 0:
        return Path("/var/lib/plant-twin/postgres")
    return (data_dir / "postgres").resolve()


def resolve_database(configured: str | None, data_dir: Path) -> tuple[str, PrivateCluster | None]:
    """Return the database URL to use and the private cluster started for it, if any."""
    if configured:
        return configured, None
    if port_answers("127.0.0.1", 5432):
        return DEFAULT_LOCAL, None
    cluster = PrivateCluster(private_cluster_dir(data_dir))
    cluster.start()
    return cluster.url, cluster

"""Real PostGIS for every database test: one database per run (per xdist worker), schema
migrated once, the demo plant loaded once, and each test inside a transaction rolled back
at its end. A skipped test fails the run (see ``pytest_sessionfinish``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from twin.app import create_app
from twin.auth import service as auth_service
from twin.auth.models import User
from twin.auth.permissions import ROLES
from twin.config import Settings
from twin.db import (
    BUS_KEY,
    SessionLimits,
    guard_event_loop,
    make_engine,
    make_sessionmaker,
    session_scope,
)
from twin.demo.load import ensure_demo_users, load_demo_plant
from twin.deps import get_session, get_sessionmaker
from twin.embedded.postgres import ensure_database, resolve_database
from twin.embedded.server import serving
from twin.events.bus import Bus, Subscription
from twin.migrate import upgrade

DEMO_PASSWORD = "demo"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """CI must not pass with skipped tests: a skipped database test proves nothing."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped and exitstatus == 0:
        reporter.write_line(f"FAILED: {skipped} test(s) skipped; every test must run", red=True)
        session.exitstatus = 1


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        demo=True,
        demo_password=DEMO_PASSWORD,  # type: ignore[arg-type]
        data_dir=tmp_path_factory.mktemp("twin-data"),
        login_max_failures=3,
    )


@pytest.fixture(scope="session")
def database_url(settings: Settings) -> Iterator[str]:
    configured = os.environ.get("TWIN_TEST_DATABASE_URL")
    server_url, cluster = resolve_database(configured, settings.data_dir)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    url = make_url(server_url).set(database=f"twin_test_{worker}").render_as_string(False)
    admin = make_url(url).set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "twin_test_{worker}" WITH (FORCE)')
    ensure_database(url)
    upgrade(url)
    try:
        yield url
    finally:
        if cluster is not None:
            cluster.stop()


@pytest.fixture(scope="session")
def engine(database_url: str, settings: Settings) -> Iterator[Engine]:
    # The server's own session limits, and no database call on an event loop, ever.
    eng = make_engine(database_url, SessionLimits())
    guard_event_loop(eng, strict=True)
    with session_scope(make_sessionmaker(eng)) as session:
        load_demo_plant(session)
        ensure_demo_users(session, DEMO_PASSWORD)
    yield eng
    eng.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        outer = conn.begin()
        yield conn
        outer.rollback()


@pytest.fixture
def session_factory(connection: Connection) -> sessionmaker[Session]:
    # Commits inside the code under test release a savepoint; the outer transaction is
    # rolled back after the test, so tests never see each other's writes.
    return sessionmaker(
        bind=connection,
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
    )


@dataclass
class Published:
    """What sessions of ``factory`` published after their commits, site by site."""

    bus: Bus
    factory: sessionmaker[Session]
    subs: dict[str, Subscription] = field(default_factory=dict)

    def watch(self, site: str = "demo") -> None:
        self.subs.setdefault(site, self.bus.subscribe(site))

    def drain(self, site: str = "demo") -> list[dict[str, Any]]:
        queue = self.subs[site].queue
        return [queue.get_nowait() for _ in range(queue.qsize())]


@pytest.fixture
def published(connection: Connection) -> Published:
    """A session factory like ``session_factory`` whose commits publish to a bus of its
    own, subscribed for the demo site."""
    bus = Bus()
    factory = sessionmaker(
        bind=connection,
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
        info={BUS_KEY: bus},
    )
    out = Published(bus, factory)
    out.watch("demo")
    return out


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as s:
        yield s


@pytest.fixture
def client(
    engine: Engine, settings: Settings, session_factory: sessionmaker[Session]
) -> Iterator[TestClient]:
    app = create_app(settings, engine)

    def test_session() -> Iterator[Session]:
        with session_scope(session_factory) as s:
            s.info[BUS_KEY] = app.state.bus  # what the request emits reaches the streams
            yield s

    app.dependency_overrides[get_session] = test_session
    app.dependency_overrides[get_sessionmaker] = lambda: session_factory
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def tokens(session: Session, settings: Settings) -> dict[str, str]:
    """A bearer token per demo role (issued directly; the login flow has its own tests)."""
    out = {}
    for role in ROLES:
        user = session.query(User).filter_by(username=role).one()
        out[role] = auth_service.issue_token(settings, user)[0]
    return out


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="session")
def live_server(engine: Engine, settings: Settings) -> Iterator[str]:
    """The app on a real loopback port (committed demo data), for GDAL and other clients."""
    with serving(create_app(settings, engine)) as url:
        yield url


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return Path(__file__).resolve().parents[1] / "data"

"""Bring up what the twin needs for a command: database (embedded if needed), schema."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from twin.config import Settings
from twin.embedded.postgres import ensure_database, resolve_database
from twin.migrate import upgrade

log = logging.getLogger("twin.runtime")


@contextmanager
def database(settings: Settings, *, migrate: bool = True) -> Iterator[str]:
    """Yield a ready database URL; a private cluster started here is stopped on exit."""
    url, cluster = resolve_database(settings.database_url, settings.data_dir)
    try:
        if cluster is not None:
            log.info("started a private PostgreSQL at %s", cluster.data_dir)
        ensure_database(url)
        if migrate:
            upgrade(url)
        yield url
    finally:
        if cluster is not None:
            cluster.stop()

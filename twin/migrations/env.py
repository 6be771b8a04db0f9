"""Alembic environment: runs against the connection handed in by ``twin.migrate``."""

from __future__ import annotations

import re

from alembic import context
from geoalchemy2 import alembic_helpers
from sqlalchemy import create_engine

from twin.models import metadata

config = context.config
# Daily partitions (readings_20261122 …) are created at run time, not by migrations.
_DAY_PARTITION = re.compile(r"^\w+_\d{8}$")


def _include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    # PostGIS' own tables live in the same schema; they are not ours to diff.
    if type_ == "table" and (name == "spatial_ref_sys" or _DAY_PARTITION.match(name or "")):
        return False
    return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
        with engine.connect() as conn:
            _configure_and_run(conn)
        return
    _configure_and_run(connection)


def _configure_and_run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_object=_include_object,
        process_revision_directives=alembic_helpers.writer,
        render_item=alembic_helpers.render_item,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()

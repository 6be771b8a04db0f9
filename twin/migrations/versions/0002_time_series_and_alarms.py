"""time series and alarms

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 20:19:28.563202

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "alarms",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("sensor_id", sa.Integer(), nullable=True),
        sa.Column("zone_code", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("acked", sa.Boolean(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("raised_utc", sa.DateTime(timezone=True), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("peak_value", sa.Float(), nullable=True),
        sa.Column("setpoint", sa.Float(), nullable=True),
        sa.Column("rule_version", sa.String(length=64), nullable=False),
        sa.Column("message", sa.String(length=200), nullable=False),
        sa.Column("acked_utc", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acked_by", sa.String(length=64), nullable=True),
        sa.Column("cleared_utc", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_utc", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.Column("cause", sa.Text(), nullable=True),
        sa.Column("measures", sa.Text(), nullable=True),
        sa.Column("shelved_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("shelved_by", sa.String(length=64), nullable=True),
        sa.Column("parent_id", sa.BigInteger(), nullable=True),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column("drill_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["alarms.id"],
            name=op.f("fk_alarms_parent_id_alarms"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["sensor_id"],
            ["sensors.id"],
            name=op.f("fk_alarms_sensor_id_sensors"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_alarms_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alarms")),
    )
    op.create_index(op.f("ix_alarms_closed"), "alarms", ["closed"], unique=False)
    op.create_index(op.f("ix_alarms_drill_id"), "alarms", ["drill_id"], unique=False)
    op.create_index(op.f("ix_alarms_raised_utc"), "alarms", ["raised_utc"], unique=False)
    op.create_index(op.f("ix_alarms_sensor_id"), "alarms", ["sensor_id"], unique=False)
    op.create_index(op.f("ix_alarms_site_id"), "alarms", ["site_id"], unique=False)
    op.create_table(
        "latest_readings",
        sa.Column("sensor_id", sa.Integer(), nullable=False),
        sa.Column("ts_utc", sa.DateTime(timezone=True), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("quality", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sensor_id"],
            ["sensors.id"],
            name=op.f("fk_latest_readings_sensor_id_sensors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sensor_id", name=op.f("pk_latest_readings")),
    )
    op.create_table(
        "readings",
        sa.Column("sensor_id", sa.Integer(), nullable=False),
        sa.Column("ts_utc", sa.DateTime(timezone=True), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("quality", sa.SmallInteger(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("received_utc", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["sensor_id"],
            ["sensors.id"],
            name=op.f("fk_readings_sensor_id_sensors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sensor_id", "ts_utc", name=op.f("pk_readings")),
        postgresql_partition_by="RANGE (ts_utc)",
    )
    op.create_table(
        "readings_1m",
        sa.Column("sensor_id", sa.Integer(), nullable=False),
        sa.Column("bucket_utc", sa.DateTime(timezone=True), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("min", sa.Float(), nullable=True),
        sa.Column("max", sa.Float(), nullable=True),
        sa.Column("mean", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["sensor_id"],
            ["sensors.id"],
            name=op.f("fk_readings_1m_sensor_id_sensors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sensor_id", "bucket_utc", name=op.f("pk_readings_1m")),
    )
    op.create_table(
        "alarm_events",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("alarm_id", sa.BigInteger(), nullable=False),
        sa.Column("ts_utc", sa.DateTime(timezone=True), nullable=False),
        sa.Column("transition", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("detail", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.ForeignKeyConstraint(
            ["alarm_id"],
            ["alarms.id"],
            name=op.f("fk_alarm_events_alarm_id_alarms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alarm_events")),
    )
    op.create_index(op.f("ix_alarm_events_alarm_id"), "alarm_events", ["alarm_id"], unique=False)
    op.create_index(op.f("ix_alarm_events_ts_utc"), "alarm_events", ["ts_utc"], unique=False)
    op.drop_index(
        op.f("ix_assembly_points_geog"), table_name="assembly_points", postgresql_using="gist"
    )
    op.drop_index(
        op.f("ix_base_stations_geog"), table_name="base_stations", postgresql_using="gist"
    )
    op.drop_index(op.f("ix_cameras_geog"), table_name="cameras", postgresql_using="gist")
    op.drop_index(op.f("ix_equipment_geog"), table_name="equipment", postgresql_using="gist")
    op.drop_index(op.f("ix_exits_geog"), table_name="exits", postgresql_using="gist")
    op.drop_index(
        op.f("ix_installations_geog"), table_name="installations", postgresql_using="gist"
    )
    op.drop_index(
        op.f("ix_rescue_resources_geog"), table_name="rescue_resources", postgresql_using="gist"
    )
    op.drop_index(op.f("ix_risk_zones_geog"), table_name="risk_zones", postgresql_using="gist")
    op.drop_index(op.f("ix_route_edges_geog"), table_name="route_edges", postgresql_using="gist")
    op.drop_index(op.f("ix_route_nodes_geog"), table_name="route_nodes", postgresql_using="gist")
    op.drop_index(op.f("ix_sensors_geog"), table_name="sensors", postgresql_using="gist")
    op.drop_index(op.f("ix_zones_geog"), table_name="zones", postgresql_using="gist")
    op.execute(ENSURE_PARTITION)


# Daily partitions created on demand by writers (and ahead of time by maintenance), for
# every time-partitioned table. The advisory lock makes concurrent writers safe: CREATE ...
# IF NOT EXISTS alone races.
ENSURE_PARTITION = """
CREATE FUNCTION ensure_day_partition(parent text, day date) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    name text := format('%s_%s', parent, to_char(day, 'YYYYMMDD'));
BEGIN
    IF to_regclass(name) IS NOT NULL THEN
        RETURN;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext(name));
    EXECUTE format(
        'CREATE TABLE IF NOT EXISTS %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
        name, parent, day::timestamp AT TIME ZONE 'UTC', (day + 1)::timestamp AT TIME ZONE 'UTC');
END $$
"""


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("DROP FUNCTION IF EXISTS ensure_day_partition(text, date)")
    op.create_index(
        op.f("ix_zones_geog"),
        "zones",
        [sa.literal_column("geography(geom)")],
        unique=False,
        postgresql_using="gist",
    )
    op.create_index(
        op.f("ix_sensors_geog"),
        "sensors",
        [sa.literal_column("geography(geom)")],
        unique=False,
        postgresql_using="gist",
    )
    op.create_index(
        op.f("ix_route_nodes_geog"),
        "route_nodes",
        [sa.literal_column("geography(geom)")],
        unique=False,
        postgresql_using="gist",
    )
    op.create_index(
        op.f("ix_route_edges_geog"),
        "route_edges",
        [sa.literal_column("geography(geom)")],
        unique=False,
        postgresql_using="gist",
    )
    op.create_index(
        op.f("ix_risk_zones_geog"),
        "risk_zones",
        [sa.literal_column("geography(geom)")],
        unique=False,
        postgresql_using="gist",
    )
    op.create_index(
        op.f("ix_rescue_resources_geog"),
        "rescue_resources",
        [sa.literal_column("geography(geom)")],
        unique=False,
        postgresql_using="gist",
    )
    op.create_index(
        op.f("ix_installations_geog"),
        "installations",
        [sa.literal_column("geography(geom)")],
        unique=False,
        postgresql_using="gist",
    )
    op.create_index(
        op.f("ix_exits_geog"),
        "exits",
        [sa.literal_column("geography(geom)")],
        unique=False,
        postgresql_using="gist",
    )
    op.create_index(
        op.f("ix_equipment_geog"),
        "equipment",
        [sa.literal_column("geography(geom)")],
        unique=False,
        postgresql_using="gist",
    )
    op.create_index(
        op.f("ix_cameras_geog"),
        "cameras",
        [sa.literal_column("geography(geom)")],
        unique=False,
        postgresql_using="gist",
    )
    op.create_index(
        op.f("ix_base_stations_geog"),
        "base_stations",
        [sa.literal_column("geography(geom)")],
        unique=False,
        postgresql_using="gist",
    )
    op.create_index(
        op.f("ix_assembly_points_geog"),
        "assembly_points",
        [sa.literal_column("geography(geom)")],
        unique=False,
        postgresql_using="gist",
    )
    op.drop_index(op.f("ix_alarm_events_ts_utc"), table_name="alarm_events")
    op.drop_index(op.f("ix_alarm_events_alarm_id"), table_name="alarm_events")
    op.drop_table("alarm_events")
    op.drop_table("readings_1m")
    op.drop_table("readings")
    op.drop_table("latest_readings")
    op.drop_index(op.f("ix_alarms_site_id"), table_name="alarms")
    op.drop_index(op.f("ix_alarms_sensor_id"), table_name="alarms")
    op.drop_index(op.f("ix_alarms_raised_utc"), table_name="alarms")
    op.drop_index(op.f("ix_alarms_drill_id"), table_name="alarms")
    op.drop_index(op.f("ix_alarms_closed"), table_name="alarms")
    op.drop_table("alarms")

"""people and positions, site population

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 20:30:25.066602

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column("alarms", sa.Column("tag_code", sa.String(length=64), nullable=True))
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("technology", sa.String(length=8), nullable=False),
        sa.Column("person_name", sa.String(length=64), nullable=False),
        sa.Column("person_kind", sa.String(length=16), nullable=False),
        sa.Column("company", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_tags_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
        sa.UniqueConstraint("site_id", "code", name=op.f("uq_tags_site_id_code")),
    )
    op.create_index(op.f("ix_tags_site_id"), "tags", ["site_id"], unique=False)
    op.create_geospatial_table(
        "latest_positions",
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.Column("ts_utc", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
                srid=4490,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("floor", sa.Integer(), nullable=False),
        sa.Column("accuracy_m", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tag_id"],
            ["tags.id"],
            name=op.f("fk_latest_positions_tag_id_tags"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tag_id", name=op.f("pk_latest_positions")),
    )
    op.create_geospatial_index(
        "idx_latest_positions_geom",
        "latest_positions",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_geospatial_table(
        "positions",
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.Column("ts_utc", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
                srid=4490,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("floor", sa.Integer(), nullable=False),
        sa.Column("accuracy_m", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_positions_tag_id_tags"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tag_id", "ts_utc", name=op.f("pk_positions")),
        postgresql_partition_by="RANGE (ts_utc)",
    )
    op.add_column(
        "sites", sa.Column("people_outside_500m", sa.Integer(), server_default="0", nullable=False)
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column("alarms", "tag_code")
    op.drop_column("sites", "people_outside_500m")
    op.drop_geospatial_table("positions")
    op.drop_geospatial_index(
        "idx_latest_positions_geom",
        table_name="latest_positions",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("latest_positions")
    op.drop_index(op.f("ix_tags_site_id"), table_name="tags")
    op.drop_table("tags")

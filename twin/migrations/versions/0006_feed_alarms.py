"""feed alarms: the data feed an alarm is about

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 02:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("alarms", sa.Column("feed", sa.String(length=96), nullable=True))
    op.create_index("ix_alarms_feed_active", "alarms", ["feed"], postgresql_where=sa.text("active"))


def downgrade() -> None:
    op.drop_index("ix_alarms_feed_active", table_name="alarms")
    op.drop_column("alarms", "feed")

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from twin.db import Base


class AuditEntry(Base):
    """One change: who, when, what, before and after, chained to its predecessor.

    A trigger (see the migration) refuses UPDATE, DELETE and TRUNCATE.
    """

    __tablename__ = "audit_log"

    # Assigned under the head lock, so committed ids are contiguous.
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    ts_utc: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64))
    entity_key: Mapped[str | None] = mapped_column(String(128))
    site_code: Mapped[str | None] = mapped_column(String(64), index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """The chain's last id and hash, updated with every append (one row, id 1).

    Locking it serialises writers; comparing it with the last row exposes a cut tail.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(BigInteger)
    last_hash: Mapped[str] = mapped_column(String(64))

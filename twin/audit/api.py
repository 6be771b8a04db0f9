from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from twin.audit import service
from twin.audit.schemas import AuditEntryOut, AuditVerifyReport
from twin.deps import AuditRead, SessionDep

router = APIRouter(tags=["audit"])


@router.get("/audit")
def list_audit(
    session: SessionDep,
    _: AuditRead,
    site: str | None = None,
    entity: str | None = None,
    actor: str | None = None,
    before_id: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditEntryOut]:
    """Newest first; page backwards with ``before_id``."""
    entries = service.list_entries(
        session, site=site, entity=entity, actor=actor, before_id=before_id, limit=limit
    )
    return [
        AuditEntryOut(
            id=e.id,
            ts_utc=e.ts_utc.isoformat(),
            actor=e.actor,
            action=e.action,
            entity=e.entity,
            entity_key=e.entity_key,
            site=e.site_code,
            before=e.before,
            after=e.after,
            hash=e.hash,
        )
        for e in entries
    ]


@router.get("/audit/verify")
def verify_audit(session: SessionDep, _: AuditRead) -> AuditVerifyReport:
    """Walk the hash chain; ``ok`` is false with the breaks listed when rows were altered."""
    report = service.verify(session)
    return AuditVerifyReport(
        ok=report.ok,
        checked=report.checked,
        head_hash=report.head_hash,
        problems=report.problems,
    )

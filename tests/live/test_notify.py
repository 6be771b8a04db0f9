"""Notifications: a raised alarm reaches the webhook; unanswered alarms escalate."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from tests.live.conftest import Publisher, epoch_ms, recent, token
from twin.alarms.models import Alarm
from twin.alarms.raising import due_for_escalation
from twin.alarms.rules import load_rules
from twin.app import create_app
from twin.config import Settings
from twin.embedded.server import serving
from twin.live.plane import RULES
from twin.sites.models import Site


def test_a_raised_alarm_is_posted_to_the_webhook(
    engine: Engine,
    live_settings: Settings,
    publisher: Publisher,
    webhook: tuple[str, list[dict[str, Any]]],
) -> None:
    url, received = webhook
    settings = live_settings.model_copy(update={"notify_webhook_url": url})
    with serving(create_app(settings, engine, live=True)) as base:
        h = {"Authorization": f"Bearer {token(base)}"}
        sensors = httpx.get(f"{base}/api/v1/sites/demo/sensors", headers=h).json()
        sensor = [s for s in sensors if s["kind"] == "gas" and s["alarm_high_2"]][3]
        t0 = recent(10)
        for dt_ms in (0, 2500):
            publisher.send(
                f"twin/demo/sensors/{sensor['code']}",
                {"ts": epoch_ms(t0) + dt_ms, "value": sensor["alarm_high_2"] * 1.1},
            )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not any(
            r.get("sensor") == sensor["code"] and r["kind"] == "high_2" for r in received
        ):
            time.sleep(0.1)
        publisher.send(
            f"twin/demo/sensors/{sensor['code']}", {"ts": epoch_ms(t0) + 3000, "value": 0.0}
        )
    posted = [r for r in received if r.get("sensor") == sensor["code"]]
    assert any(r["kind"] == "high_2" and r["site"] == "demo" for r in posted)
    assert all(r["state"] == "raised" for r in posted)


def test_unacknowledged_alarms_escalate_level_by_level(session: Session) -> None:
    rules = load_rules(RULES)
    site = session.scalars(select(Site).where(Site.code == "demo")).one()
    raised = datetime.now(UTC) - timedelta(minutes=6)

    def alarm(acked: bool) -> Alarm:
        a = Alarm(
            site_id=site.id,
            kind="high_1",
            priority=2,
            active=True,
            acked=acked,
            closed=False,
            raised_utc=raised,
            rule_version="t",
            message="t",
            escalation_level=0,
        )
        session.add(a)
        return a

    waiting, answered = alarm(False), alarm(True)
    session.flush()
    now = datetime.now(UTC)
    first = due_for_escalation(session, rules, now)
    assert waiting in first and answered not in first and waiting.escalation_level == 1
    assert waiting not in due_for_escalation(session, rules, now)  # next step at 15 min
    later = due_for_escalation(session, rules, raised + timedelta(minutes=16))
    assert waiting in later and waiting.escalation_level == 2
    assert waiting not in due_for_escalation(session, rules, raised + timedelta(hours=5))

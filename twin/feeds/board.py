"""The feed board: every data feed's last-seen time and state, in the web process.

A feed is one source the command room relies on: the MQTT consumer, each Modbus device,
a site's positioning, each wind sensor, each open incident's source fit. Whoever handles
its data calls :meth:`FeedBoard.seen`; whoever knows it failed calls
:meth:`FeedBoard.fail` (a stuck consumer, a rejected fit). :meth:`FeedBoard.evaluate`
turns silence into *late* and *down* by the rule data and returns the feeds whose state
changed, for the maps, the log and the feed alarms. Thread-safe: the engine's worker
thread, paho's thread and the event loop all report here.

Examples
--------
>>> from datetime import UTC, datetime, timedelta
>>> rules = FeedRules("t", {"wind": FeedRule(10, 30)}, 2, 8, 0.5)
>>> board = FeedBoard(rules)
>>> t0 = datetime(2026, 1, 1, tzinfo=UTC)
>>> board.declare("wind:demo:WS-01", "wind", "demo", "WS-01", now=t0)
>>> board.seen("wind:demo:WS-01", t0)
>>> [f.state for f in board.evaluate(t0 + timedelta(seconds=1))]
[<FeedState.LIVE: 'live'>]
>>> [f.state for f in board.evaluate(t0 + timedelta(seconds=31))]
[<FeedState.DOWN: 'down'>]
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "RULES_FILE",
    "Feed",
    "FeedBoard",
    "FeedRule",
    "FeedRules",
    "FeedState",
    "load_feed_rules",
]

RULES_FILE = Path(__file__).resolve().parents[2] / "data" / "rules" / "feeds.yaml"


class FeedState(StrEnum):
    LIVE = "live"
    LATE = "late"
    DOWN = "down"


@dataclass(frozen=True, slots=True)
class FeedRule:
    late_after_s: float
    down_after_s: float


@dataclass(frozen=True, slots=True)
class FeedRules:
    version: str
    feeds: dict[str, FeedRule]
    probe_every_s: float
    stuck_after_s: float
    min_r2_to_use: float

    def rule(self, kind: str) -> FeedRule:
        return self.feeds[kind]


def load_feed_rules(path: Path = RULES_FILE) -> FeedRules:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    return FeedRules(
        version=str(doc["version"]),
        feeds={
            k: FeedRule(float(v["late_after_s"]), float(v["down_after_s"]))
            for k, v in doc["feeds"].items()
        },
        probe_every_s=float(doc["watchdog"]["probe_every_s"]),
        stuck_after_s=float(doc["watchdog"]["stuck_after_s"]),
        min_r2_to_use=float(doc["incident_fit"]["min_r2_to_use"]),
    )


@dataclass(frozen=True, slots=True)
class Feed:
    """One feed as it stands. ``site`` None: the feed serves every site (the MQTT
    consumer). ``reason`` says why it is not live."""

    key: str
    kind: str
    site: str | None
    label: str
    state: FeedState
    since_utc: datetime
    last_seen_utc: datetime | None = None
    reason: str | None = None
    failed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "site": self.site,
            "label": self.label,
            "state": str(self.state),
            "since_utc": self.since_utc.isoformat(),
            "last_seen_utc": self.last_seen_utc.isoformat() if self.last_seen_utc else None,
            "reason": self.reason,
        }


class FeedBoard:
    def __init__(self, rules: FeedRules) -> None:
        self.rules = rules
        self._feeds: dict[str, Feed] = {}
        self._lock = threading.Lock()

    def declare(
        self, key: str, kind: str, site: str | None, label: str, *, now: datetime | None = None
    ) -> None:
        """Start watching ``key`` (idempotent). Until its first data it is late, and down
        once the feed's down limit has passed without any."""
        with self._lock:
            if key not in self._feeds:
                self._feeds[key] = Feed(
                    key,
                    kind,
                    site,
                    label,
                    FeedState.LATE,
                    now or datetime.now(UTC),
                    reason="no data yet",
                )

    def retire(self, key: str) -> None:
        with self._lock:
            self._feeds.pop(key, None)

    def seen(self, key: str, ts: datetime | None = None) -> None:
        """Data arrived (at ``ts``, default now); clears a failure."""
        ts = ts or datetime.now(UTC)
        with self._lock:
            feed = self._feeds.get(key)
            if feed is None or (
                feed.last_seen_utc and feed.last_seen_utc >= ts and not feed.failed
            ):
                return
            self._feeds[key] = replace(
                feed, last_seen_utc=max(ts, feed.last_seen_utc or ts), failed=False
            )

    def fail(self, key: str, reason: str) -> None:
        """The feed is down, whatever its last data, until it is seen again (the next
        :meth:`evaluate` reports it)."""
        with self._lock:
            feed = self._feeds.get(key)
            if feed is not None:
                self._feeds[key] = replace(feed, failed=True, reason=reason)

    def evaluate(self, now: datetime | None = None) -> list[Feed]:
        """Re-judge every feed; returns those whose state changed, as they are now."""
        now = now or datetime.now(UTC)
        changed = []
        with self._lock:
            for key, feed in self._feeds.items():
                state, reason = self._judge(feed, now)
                if state != feed.state:
                    since = now if state != feed.state else feed.since_utc
                    feed = replace(feed, state=state, since_utc=since, reason=reason)
                    self._feeds[key] = feed
                    changed.append(feed)
        return changed

    def _judge(self, feed: Feed, now: datetime) -> tuple[FeedState, str | None]:
        if feed.failed:
            return FeedState.DOWN, feed.reason
        rule = self.rules.rule(feed.kind)
        if feed.last_seen_utc is None:
            waited = (now - feed.since_utc).total_seconds()
            if feed.state == FeedState.DOWN or waited >= rule.down_after_s:
                return FeedState.DOWN, "no data since the server started"
            return FeedState.LATE, "no data yet"
        age = (now - feed.last_seen_utc).total_seconds()
        if age >= rule.down_after_s:
            return FeedState.DOWN, f"no data for {age:.0f} s"
        if age >= rule.late_after_s:
            return FeedState.LATE, f"no data for {age:.0f} s"
        return FeedState.LIVE, None

    def get(self, key: str) -> Feed | None:
        with self._lock:
            return self._feeds.get(key)

    def feeds(self, site: str | None = None) -> list[Feed]:
        """A site's feeds and the ones serving every site; all of them without ``site``."""
        with self._lock:
            return sorted(
                (f for f in self._feeds.values() if site is None or f.site in (None, site)),
                key=lambda f: (f.kind, f.key),
            )

    def degraded(self) -> list[Feed]:
        return [f for f in self.feeds() if f.state != FeedState.LIVE]

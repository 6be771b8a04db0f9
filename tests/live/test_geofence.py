"""The geofence rules alone: positions in, person events out (no database, no broker)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from shapely import box

from twin.people.geofence import (
    DEFAULT_MAX_PEOPLE,
    PRESENCE_TIMEOUT,
    STILL_FOR,
    PersonEvent,
    SiteFences,
)

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
INSIDE = (10.0, 10.0)  # in the restricted zone
OUTSIDE = (-10.0, 10.0)  # in no zone
OFFICE = (110.0, 10.0)


def fences() -> SiteFences:
    """A restricted tank farm without a limit of its own and an unrestricted office."""
    return SiteFences.from_zones(
        [("Z-TF", box(0, 0, 20, 20), True, None), ("Z-OFF", box(100, 0, 120, 20), False, None)]
    )


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_a_restricted_zone_without_a_limit_gets_the_default() -> None:
    limits = {f.code: f.max_people for f in fences().fences}
    assert limits == {"Z-TF": DEFAULT_MAX_PEOPLE, "Z-OFF": None}
    assert DEFAULT_MAX_PEOPLE == 6


@pytest.mark.parametrize("kind", ["visitor", "contractor"])
def test_a_non_employee_entering_a_restricted_zone_raises_one_entry(kind: str) -> None:
    site = fences()
    assert site.update("V-1", kind, at(0), *OUTSIDE) == []
    assert site.update("V-1", kind, at(10), *INSIDE) == [
        PersonEvent("raise", "entry", at(10), "Z-TF", "V-1")
    ]
    # Walking about inside is no new entry.
    assert site.update("V-1", kind, at(20), 15.0, 10.0) == []
    assert site.update("V-1", kind, at(30), 15.0, 16.0) == []
    # Leaving clears the entry alarm (it stays to be acknowledged and closed).
    assert site.update("V-1", kind, at(40), *OUTSIDE) == [
        PersonEvent("clear", "entry", at(40), "Z-TF", "V-1")
    ]
    assert site.update("V-1", kind, at(50), *INSIDE) == [
        PersonEvent("raise", "entry", at(50), "Z-TF", "V-1")
    ]


def test_an_employee_entering_a_restricted_zone_raises_nothing() -> None:
    site = fences()
    for i, xy in enumerate([OUTSIDE, INSIDE, (15.0, 10.0), OUTSIDE, INSIDE]):
        assert site.update("E-1", "employee", at(10 * i), *xy) == []


def test_a_visitor_entering_an_unrestricted_zone_raises_nothing() -> None:
    site = fences()
    assert site.update("V-1", "visitor", at(0), *OUTSIDE) == []
    assert site.update("V-1", "visitor", at(10), *OFFICE) == []


def test_seven_in_a_restricted_zone_is_crowding_until_six() -> None:
    site = fences()
    events = []
    for i in range(DEFAULT_MAX_PEOPLE + 1):
        events += site.update(f"E-{i}", "employee", at(i), 2.0 + 2 * i, 10.0)
    assert events == [PersonEvent("raise", "crowding", at(6), "Z-TF", None, 7.0)]
    # Still seven: no second raise.
    assert site.update("E-0", "employee", at(10), 2.0, 12.0) == []
    assert site.update("E-6", "employee", at(11), *OUTSIDE) == [
        PersonEvent("clear", "crowding", at(11), "Z-TF", None, 6.0)
    ]


def test_an_unrestricted_zone_has_no_limit() -> None:
    site = fences()
    events = [
        e for i in range(10) for e in site.update(f"E-{i}", "employee", at(i), 101.0 + i, 10.0)
    ]
    assert events == []
    assert site.headcount(at(10))["Z-OFF"] == 10


def test_people_gone_quiet_do_not_crowd_a_zone() -> None:
    site = fences()
    site.update("E-0", "employee", at(0), *INSIDE)
    later = PRESENCE_TIMEOUT.total_seconds() + 10
    events = [
        e
        for i in range(1, DEFAULT_MAX_PEOPLE + 1)
        for e in site.update(f"E-{i}", "employee", at(later + i), 2.0 + 2 * i, 10.0)
    ]
    assert events == []


def test_still_for_three_minutes_is_man_down_once_until_moving() -> None:
    site = fences()
    still_s = int(STILL_FOR.total_seconds())
    assert still_s == 180
    events = []
    # Jitter of a tag on someone lying down: well inside 1.5 m.
    for t in range(0, still_s, 10):
        jitter = 0.5 if t % 20 else -0.5
        events += site.update("E-1", "employee", at(t), 110.0 + jitter, 10.0 - jitter)
    assert events == []
    assert site.update("E-1", "employee", at(still_s), 110.4, 10.0) == [
        PersonEvent("raise", "man_down", at(still_s), "Z-OFF", "E-1", 180.0)
    ]
    for t in range(still_s + 10, 2 * still_s, 10):
        assert site.update("E-1", "employee", at(t), 110.0, 10.4) == []
    assert site.update("E-1", "employee", at(400), 114.0, 10.0) == [
        PersonEvent("clear", "man_down", at(400), None, "E-1")
    ]


def test_moving_more_than_the_radius_restarts_the_stillness_clock() -> None:
    site = fences()
    site.update("E-1", "employee", at(0), *OFFICE)
    site.update("E-1", "employee", at(120), 112.0, 10.0)  # 2 m: moved
    assert site.update("E-1", "employee", at(200), 112.0, 10.0) == []
    assert [e.kind for e in site.update("E-1", "employee", at(300), 112.0, 10.0)] == ["man_down"]


def test_sos_raises_once() -> None:
    site = fences()
    site.update("E-1", "employee", at(0), *INSIDE)
    assert site.update("E-1", "employee", at(2), *INSIDE, sos=True) == [
        PersonEvent("raise", "sos", at(2), "Z-TF", "E-1")
    ]
    # A device may repeat the flag in the next messages: still one SOS.
    assert site.update("E-1", "employee", at(4), 11.0, 10.0, sos=True) == []
    assert site.update("E-1", "employee", at(6), 13.0, 10.0) == []


def test_a_later_sos_press_raises_again() -> None:
    # Each press is a new emergency: an hour after the first (which carried the flag in
    # one message, as the contract says), the same tag's SOS must raise again.
    site = fences()
    site.update("E-1", "employee", at(0), *INSIDE, sos=True)
    for t in range(10, 3600, 600):
        site.update("E-1", "employee", at(t), 2.0 + t / 360, 10.0)
    assert site.update("E-1", "employee", at(3600), *OFFICE, sos=True) == [
        PersonEvent("raise", "sos", at(3600), "Z-OFF", "E-1")
    ]


def test_headcount_counts_only_positions_of_the_last_minute() -> None:
    site = fences()
    site.update("A", "employee", at(0), *INSIDE)
    site.update("B", "employee", at(30), 12.0, 10.0)
    site.update("C", "employee", at(50), *OFFICE)
    site.update("D", "employee", at(50), *OUTSIDE)
    timeout_s = PRESENCE_TIMEOUT.total_seconds()
    assert timeout_s == 60
    assert site.headcount(at(59)) == {"Z-TF": 2, "Z-OFF": 1}
    assert site.headcount(at(61)) == {"Z-TF": 1, "Z-OFF": 1}
    assert site.headcount(at(115)) == {"Z-TF": 0, "Z-OFF": 0}

"""The sensors the engine knows, with their set points and alarm state, by site and code."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from twin.alarms.models import Alarm
from twin.alarms.raising import SensorRef
from twin.alarms.rules import SensorConditions, SetPoints
from twin.plant.models import Sensor
from twin.sites.models import Site

# Units of quantities on a circle (wind direction): they wrap around at 360.
ANGULAR_UNITS = frozenset({"°", "deg"})


@dataclass
class LiveSensor:
    ref: SensorRef
    points: SetPoints
    conditions: SensorConditions = field(default_factory=SensorConditions)
    kind: str = ""
    # "name code / name_en code": the Chinese and English labels a feed of it shows.
    label: str = ""


def _label(sensor: Sensor) -> str:
    zh = f"{sensor.name or ''} {sensor.code}".strip()
    return f"{zh} / {(sensor.name_en or '') + ' ' + sensor.code if sensor.name_en else zh}"


class SensorRegistry:
    """Loaded from the database; reloaded when sensors change (set points are editable)."""

    def __init__(self) -> None:
        self.by_code: dict[tuple[str, str], LiveSensor] = {}

    def load(self, session: Session) -> None:
        rows = session.execute(select(Sensor, Site.code).join(Site, Site.id == Sensor.site_id))
        fresh: dict[tuple[str, str], LiveSensor] = {}
        for sensor, site_code in rows:
            key = (site_code, sensor.code)
            old = self.by_code.get(key)
            ref = SensorRef(
                sensor.site_id,
                site_code,
                sensor.id,
                sensor.code,
                sensor.zone_code,
                sensor.setpoint_rule,
            )
            points = SetPoints(
                sensor.range_min,
                sensor.range_max,
                sensor.alarm_low,
                sensor.alarm_high_1,
                sensor.alarm_high_2,
                angular=sensor.unit in ANGULAR_UNITS,
            )
            # Keep the running state across reloads: an edit must not forget an active alarm.
            fresh[key] = LiveSensor(
                ref,
                points,
                old.conditions if old else SensorConditions(),
                kind=sensor.kind,
                label=_label(sensor),
            )
        if not self.by_code:
            _restore_active(session, fresh)
        self.by_code = fresh

    def get(self, site: str, code: str) -> LiveSensor | None:
        return self.by_code.get((site, code))


def _restore_active(session: Session, sensors: dict[tuple[str, str], LiveSensor]) -> None:
    """After a restart, alarms still active in the database are active in memory too, so
    they clear when the condition goes and are not raised a second time."""
    by_id = {s.ref.sensor_id: s for s in sensors.values()}
    active = session.execute(
        select(Alarm.sensor_id, Alarm.kind).where(
            Alarm.active, Alarm.sensor_id.is_not(None), Alarm.drill_id.is_(None)
        )
    )
    for sensor_id, kind in active:
        if sensor_id in by_id:
            by_id[sensor_id].conditions.active.add(kind)

"""Sensor set points: gas detectors from a rule file, process instruments from a table.

Gas detector numbers live in the versioned rule file ``data/rules/gas_detection.yaml``,
never here: this module only reads them, so a rule change is a data change whose version
every sensor built from it records. Process instruments carry the range and alarms of
their instrument type, which the plant's own data file defines.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from twin.demo.datafiles import DATA_DIR, load_yaml

__all__ = [
    "ALARM_FIELDS",
    "RULES_PATH",
    "gases",
    "install_height_m",
    "instrument_props",
    "load_rules",
    "rule_version",
    "sensor_fields",
]

RULES_PATH = DATA_DIR / "rules" / "gas_detection.yaml"
ALARM_FIELDS = ("alarm_low", "alarm_high_1", "alarm_high_2")


@lru_cache(maxsize=8)
def load_rules(path: Path = RULES_PATH) -> dict[str, Any]:
    """The parsed rule file (cached; treat the result as read-only).

    Raises
    ------
    ValueError
        When the file has no ``version`` or no ``gases``.
    """
    rules = load_yaml(path)
    if not rules.get("version") or not rules.get("gases"):
        raise ValueError(f"{path}: a gas rule file needs 'version' and 'gases'")
    return rules


def rule_version(path: Path = RULES_PATH) -> str:
    """The rule version recorded as ``setpoint_rule`` on every sensor.

    Examples
    --------
    >>> rule_version().startswith("GB/T 50493-2019")
    True
    """
    return str(load_rules(path)["version"])


def gases(path: Path = RULES_PATH) -> list[str]:
    """Keys of the gases the rule file defines, in file order."""
    return list(load_rules(path)["gases"])


def _gas(gas: str, path: Path) -> dict[str, Any]:
    try:
        return load_rules(path)["gases"][gas]
    except KeyError as exc:
        raise KeyError(f"no gas {gas!r} in {path.name}; known: {', '.join(gases(path))}") from exc


def sensor_fields(gas: str, path: Path = RULES_PATH) -> dict[str, Any]:
    """SensorProps fields of a fixed detector for ``gas``.

    Parameters
    ----------
    gas : str
        A key of ``gases`` in the rule file, e.g. ``"ammonia"``.

    Returns
    -------
    dict
        ``kind``, ``gas``, ``unit``, ``range_min``, ``range_max``, ``alarm_low``,
        ``alarm_high_1``, ``alarm_high_2`` and ``setpoint_rule`` (the rule version).

    Raises
    ------
    KeyError
        For a gas the rule file does not define.

    Examples
    --------
    >>> f = sensor_fields("lpg")
    >>> f["unit"], f["alarm_high_1"], f["alarm_high_2"]
    ('%LEL', 25.0, 50.0)
    """
    entry = _gas(gas, path)
    detector, points = entry["detector"], entry["setpoints"]
    return {
        "kind": "oxygen" if entry["kind"] == "oxygen" else "gas",
        "gas": gas,
        "unit": detector["unit"],
        "range_min": float(detector["range_min"]),
        "range_max": float(detector["range_max"]),
        **{name: _number(points.get(name)) for name in ALARM_FIELDS},
        "setpoint_rule": rule_version(path),
    }


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def instrument_props(
    code: str,
    instrument: Mapping[str, Any],
    *,
    install_height_m: float,
    zone_code: str,
    installation_code: str | None,
    name: str,
    name_en: str,
) -> dict[str, Any]:
    """SensorProps of a process instrument (transmitter, anemometer ...).

    Parameters
    ----------
    code : str
        The sensor's code.
    instrument : mapping
        Its instrument type: ``kind``, ``unit``, ``range_min``, ``range_max`` and any of
        ``alarm_low``, ``alarm_high_1``, ``alarm_high_2`` (a missing alarm is not set).
    install_height_m, zone_code, installation_code, name, name_en
        Where the instrument is and what it is called.

    Returns
    -------
    dict
        Every SensorProps field a process instrument has, unset alarms as ``None``.

    Examples
    --------
    >>> level = {"kind": "level", "unit": "%", "range_min": 0, "range_max": 100}
    >>> p = instrument_props("LT-1", {**level, "alarm_high_1": 85}, install_height_m=8.0,
    ...                      zone_code="Z-1", installation_code=None, name="液位", name_en="Level")
    >>> p["range_max"], p["alarm_low"], p["alarm_high_1"]
    (100.0, None, 85.0)
    """
    return {
        "code": code,
        "kind": instrument["kind"],
        "unit": instrument["unit"],
        "range_min": float(instrument["range_min"]),
        "range_max": float(instrument["range_max"]),
        **{field: _number(instrument.get(field)) for field in ALARM_FIELDS},
        "install_height_m": install_height_m,
        "zone_code": zone_code,
        "installation_code": installation_code,
        "name": name,
        "name_en": name_en,
    }


def install_height_m(gas: str, source_height_m: float = 0.0, path: Path = RULES_PATH) -> float:
    """Mounting height of a detector for ``gas`` watching a source at ``source_height_m``.

    Heavy gases are watched near the floor whatever the source height; light ones above
    the source, per the ``mounting`` rules of the file.

    Examples
    --------
    >>> install_height_m("chlorine", 3.0), install_height_m("hydrogen", 3.0)
    (0.5, 4.5)
    """
    rules = load_rules(path)
    mounting = rules["mounting"]
    rule = mounting[_gas(gas, path)["mounting"]]
    base = source_height_m if rule["reference"] == "source" else 0.0
    return round(max(float(mounting["minimum_m"]), base + float(rule["offset_m"])), 2)

"""Register maps per device model: the model, loading from ``data/devices``, decoding.

A register map says where a device model keeps each channel's value and status bits and
how to turn the raw registers into a number; it is data (``data/devices/<model>.yaml``,
schema in each file's header), validated on load so a typo fails at start-up with the
file, point and field named, not as a wrong number on the map at 3 a.m.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from devices.modbus.blocks import REGISTER_FUNCTIONS, RegisterSnapshot, Span
from devices.modbus.codec import ByteOrder, DataType, WordOrder, decode_registers, register_count
from devices.modbus.loop import current_to_engineering
from devices.values import Quality

__all__ = [
    "MAPS_DIR",
    "PointKind",
    "PointValue",
    "RegisterMap",
    "RegisterMapError",
    "RegisterPoint",
    "StatusBit",
    "decode_point",
    "load_register_map",
    "load_register_maps",
    "worst_quality",
]

MAPS_DIR = Path(__file__).resolve().parents[2] / "data" / "devices"

_QUALITY_RANK = {Quality.GOOD: 0, Quality.UNCERTAIN: 1, Quality.BAD: 2}


class RegisterMapError(ValueError):
    """A register map file that cannot be used; the text names the file and field."""


class PointKind(StrEnum):
    """How a point's scaled value becomes an engineering value."""

    #: Scaled value is a 4–20 mA loop current, mapped onto the sensor's range (NE43).
    CURRENT_MA = "current_ma"
    #: Scaled value already is the engineering value.
    ENGINEERING = "engineering"


class _Strict(BaseModel):
    # Unknown keys are typos ("adress", "word-order"): refuse them rather than ignore.
    model_config = ConfigDict(extra="forbid", frozen=True)


class StatusBit(_Strict):
    """A status flag that lowers the quality of a point while it is set."""

    label: str = Field(min_length=1)
    function: Literal[1, 2, 3, 4]
    address: int = Field(ge=0, le=0xFFFF)
    #: Bit within the register (0 = least significant); only for functions 3 and 4.
    bit: int | None = Field(default=None, ge=0, le=15)
    quality: Quality = Quality.BAD

    @field_validator("quality")
    @classmethod
    def _not_good(cls, quality: Quality) -> Quality:
        if quality is Quality.GOOD:
            raise ValueError("a status bit must lower quality: 'bad' or 'uncertain'")
        return quality

    @model_validator(mode="after")
    def _bit_matches_function(self) -> StatusBit:
        if self.function in REGISTER_FUNCTIONS and self.bit is None:
            raise ValueError(f"function {self.function} is a register: give 'bit' (0–15)")
        if self.function not in REGISTER_FUNCTIONS and self.bit is not None:
            raise ValueError(f"function {self.function} addresses single bits: drop 'bit'")
        return self

    @property
    def span(self) -> Span:
        """The address this flag is read from."""
        return Span(self.function, self.address)


class RegisterPoint(_Strict):
    """One channel's value: where it lives and how to scale it."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_by_name=True)

    channel: str = Field(min_length=1)
    description: str = ""
    function: Literal[3, 4]
    address: int = Field(ge=0, le=0xFFFF)
    data_type: DataType = Field(default=DataType.UINT16, alias="type")
    word_order: WordOrder = "big"
    byte_order: ByteOrder = "big"
    scale: float = 1.0
    offset: float = 0.0
    unit: str = Field(min_length=1)
    kind: PointKind = PointKind.ENGINEERING
    status: tuple[StatusBit, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> RegisterPoint:
        if self.scale == 0 or not math.isfinite(self.scale) or not math.isfinite(self.offset):
            raise ValueError("scale must be finite and non-zero, offset finite")
        if self.address + self.register_count > 0x10000:
            raise ValueError(f"{self.data_type} at {self.address} runs past register 65535")
        if self.kind is PointKind.CURRENT_MA and self.unit != "mA":
            raise ValueError(
                f"a current_ma point scales to loop current: unit must be 'mA', not {self.unit!r}"
            )
        return self

    @property
    def register_count(self) -> int:
        """Registers the value occupies."""
        return register_count(self.data_type)

    @property
    def value_span(self) -> Span:
        """The registers holding the value."""
        return Span(self.function, self.address, self.register_count)

    def spans(self) -> Iterator[Span]:
        """Everything a poll must read for this point: value and status flags."""
        yield self.value_span
        for flag in self.status:
            yield flag.span


class RegisterMap(_Strict):
    """Register map of one device model (one ``data/devices/<model>.yaml``)."""

    model: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    version: str = Field(min_length=1)
    description: str = ""
    max_gap: int = Field(default=0, ge=0, le=32)
    points: tuple[RegisterPoint, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_and_disjoint(self) -> RegisterMap:
        seen: set[str] = set()
        owner: dict[tuple[int, int], str] = {}
        for point in self.points:
            if point.channel in seen:
                raise ValueError(f"channel {point.channel!r} appears twice")
            seen.add(point.channel)
            span = point.value_span
            for address in range(span.address, span.end):
                other = owner.setdefault((span.function, address), point.channel)
                if other != point.channel:
                    raise ValueError(
                        f"channels {other!r} and {point.channel!r} both use "
                        f"function {span.function} register {address}"
                    )
        return self

    @property
    def channels(self) -> list[str]:
        """Channel names in map order."""
        return [point.channel for point in self.points]

    def point(self, channel: str) -> RegisterPoint:
        """The point of ``channel``.

        Raises
        ------
        KeyError
            Naming the known channels.
        """
        for point in self.points:
            if point.channel == channel:
                return point
        raise KeyError(f"model {self.model!r} has no channel {channel!r}; known: {self.channels}")


def _explain(exc: ValidationError, raw: Any) -> str:
    """One line per problem, naming the point by its channel where possible."""
    lines = []
    for error in exc.errors():
        loc = list(error["loc"])
        where = ".".join(str(part) for part in loc) or "(top level)"
        if len(loc) >= 2 and loc[0] == "points" and isinstance(loc[1], int):
            points = raw.get("points") if isinstance(raw, dict) else None
            if (
                isinstance(points, list)
                and loc[1] < len(points)
                and isinstance(points[loc[1]], dict)
            ):
                where += f" (channel {points[loc[1]].get('channel')!r})"
        lines.append(f"  {where}: {error['msg']}")
    return "\n".join(lines)


def load_register_map(path: Path) -> RegisterMap:
    """Read and validate one register map file.

    Raises
    ------
    RegisterMapError
        When the YAML does not parse, breaks the schema, or its ``model`` differs from
        the file name (the file name is how device configurations find it).
    """
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RegisterMapError(f"{path}: cannot read register map: {exc}") from exc
    if not isinstance(raw, dict):
        raise RegisterMapError(f"{path}: a register map is a mapping with model, version, points")
    try:
        register_map = RegisterMap.model_validate(raw)
    except ValidationError as exc:
        raise RegisterMapError(f"{path}: invalid register map:\n{_explain(exc, raw)}") from exc
    if register_map.model != path.stem:
        raise RegisterMapError(f"{path}: model {register_map.model!r} must match the file name")
    return register_map


def load_register_maps(directory: Path = MAPS_DIR) -> dict[str, RegisterMap]:
    """All ``*.yaml`` register maps in ``directory``, keyed by model."""
    return {
        register_map.model: register_map
        for register_map in map(load_register_map, sorted(Path(directory).glob("*.yaml")))
    }


def worst_quality(*qualities: Quality) -> Quality:
    """The least trustworthy of ``qualities``.

    Examples
    --------
    >>> worst_quality(Quality.GOOD, Quality.UNCERTAIN)
    <Quality.UNCERTAIN: 'uncertain'>
    """
    return max(qualities, key=_QUALITY_RANK.__getitem__)


@dataclass(frozen=True, slots=True)
class PointValue:
    """A decoded point: engineering value, quality, and why decoding failed if it did."""

    value: float | None
    quality: Quality
    decode_error: str | None = None


def decode_point(
    point: RegisterPoint,
    snapshot: RegisterSnapshot,
    sensor_range: tuple[float, float] | None = None,
) -> PointValue:
    """Engineering value and quality of ``point`` from one poll's registers.

    Parameters
    ----------
    point : RegisterPoint
    snapshot : RegisterSnapshot
        What the poll read; registers missing from it (a rejected read) give quality bad.
    sensor_range : (float, float), optional
        ``(range_min, range_max)`` of the sensor on the channel; required for
        ``current_ma`` points.

    Returns
    -------
    PointValue
        Quality bad always comes with value None, whatever lowered it: a consumer that
        overlooks the quality must find no number, least of all a 0, on a faulted
        channel. A flag that could not be read counts as set: an unknown fault state is
        not a good reading. Uncertain keeps its value.
    """
    words = snapshot.registers(point.function, point.address, point.register_count)
    if words is None:
        return PointValue(None, Quality.BAD)
    raw = decode_registers(words, point.data_type, point.word_order, point.byte_order)
    if not math.isfinite(raw):
        return PointValue(None, Quality.BAD, f"{point.channel}: non-finite {point.data_type} {raw}")
    scaled = raw * point.scale + point.offset
    value: float | None = float(scaled)
    quality = Quality.GOOD
    if point.kind is PointKind.CURRENT_MA:
        if sensor_range is None:
            raise ValueError(
                f"channel {point.channel!r} is a 4–20 mA loop: it needs a sensor range"
            )
        value, quality = current_to_engineering(scaled, *sensor_range)
    for flag in point.status:
        state = snapshot.bit(flag.function, flag.address, flag.bit)
        if state is None or state:
            quality = worst_quality(quality, flag.quality)
    return PointValue(None if quality is Quality.BAD else value, quality)

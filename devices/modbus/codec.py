"""Register words to numbers and back: data type, word order and byte order.

Modbus only defines 16-bit registers sent high byte first. Anything wider or swapped is a
vendor convention, so each register map states it per point:

========  ==========  ==========  ===========================================
layout    word_order  byte_order  float32 1.0 as two registers
========  ==========  ==========  ===========================================
ABCD      big         big         ``[0x3F80, 0x0000]`` (Modicon / IEEE order)
CDAB      little      big         ``[0x0000, 0x3F80]`` ("swapped" floats)
BADC      big         little      ``[0x803F, 0x0000]``
DCBA      little      little      ``[0x0000, 0x803F]``
========  ==========  ==========  ===========================================

pymodbus' own ``convert_from_registers`` knows word order but not byte order, hence this
small module, shared by the poller and the simulator so both read the map the same way.
"""

from __future__ import annotations

import struct
from enum import StrEnum
from typing import Literal

__all__ = [
    "ByteOrder",
    "DataType",
    "WordOrder",
    "decode_registers",
    "encode_registers",
    "register_count",
]

WordOrder = Literal["big", "little"]
ByteOrder = Literal["big", "little"]


class DataType(StrEnum):
    """Register data types a map may declare."""

    UINT16 = "uint16"
    INT16 = "int16"
    UINT32 = "uint32"
    INT32 = "int32"
    FLOAT32 = "float32"


# struct format character and register count of each type.
_LAYOUT: dict[DataType, tuple[str, int]] = {
    DataType.UINT16: ("H", 1),
    DataType.INT16: ("h", 1),
    DataType.UINT32: ("I", 2),
    DataType.INT32: ("i", 2),
    DataType.FLOAT32: ("f", 2),
}


def register_count(data_type: DataType) -> int:
    """Number of 16-bit registers one value of ``data_type`` occupies.

    Examples
    --------
    >>> register_count(DataType.FLOAT32)
    2
    """
    return _LAYOUT[data_type][1]


def _wire_bytes(words: list[int], word_order: WordOrder, byte_order: ByteOrder) -> bytes:
    """Big-endian bytes of the value, undoing the device's word and byte swaps."""
    ordered = words if word_order == "big" else list(reversed(words))
    return b"".join(word.to_bytes(2, byte_order) for word in ordered)


def decode_registers(
    registers: list[int],
    data_type: DataType,
    word_order: WordOrder = "big",
    byte_order: ByteOrder = "big",
) -> int | float:
    """The number held in ``registers`` as the device laid it out.

    Parameters
    ----------
    registers : list of int
        Exactly ``register_count(data_type)`` register values (0–65535), as received.
    data_type : DataType
    word_order, byte_order : {"big", "little"}
        ``"little"`` word order puts the least significant register first; ``"little"``
        byte order swaps the two bytes inside each register.

    Returns
    -------
    int or float
        Raw value, before scale and offset; a float32 may be NaN or infinite.

    Raises
    ------
    ValueError
        When the register count does not match the type or a register is out of range.

    Examples
    --------
    >>> decode_registers([0x0000, 0x3F80], DataType.FLOAT32, word_order="little")
    1.0
    >>> decode_registers([0xFFFE], DataType.INT16)
    -2
    """
    fmt, count = _LAYOUT[data_type]
    if len(registers) != count:
        raise ValueError(f"{data_type} needs {count} registers, got {len(registers)}")
    if any(not 0 <= word <= 0xFFFF for word in registers):
        raise ValueError(f"register values must be 0–65535, got {registers}")
    value: int | float = struct.unpack(f">{fmt}", _wire_bytes(registers, word_order, byte_order))[0]
    return value


def encode_registers(
    value: int | float,
    data_type: DataType,
    word_order: WordOrder = "big",
    byte_order: ByteOrder = "big",
) -> list[int]:
    """Registers a device would send for ``value``; the inverse of `decode_registers`.

    Integer types take an ``int`` within the type's range (``struct.error`` otherwise).

    Examples
    --------
    >>> encode_registers(1.0, DataType.FLOAT32, byte_order="little")
    [32831, 0]
    """
    fmt, _count = _LAYOUT[data_type]
    packed = struct.pack(f">{fmt}", value)
    words = [int.from_bytes(packed[i : i + 2], byte_order) for i in range(0, len(packed), 2)]
    return words if word_order == "big" else list(reversed(words))

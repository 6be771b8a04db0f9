"""Which reads to send: adjacent registers grouped into blocks, and what came back.

Every request costs a round trip (and on a serial gateway behind the TCP address, a bus
turn-around), so points next to each other are read together, up to the protocol's
per-request limits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = [
    "BIT_FUNCTIONS",
    "MAX_BITS_PER_READ",
    "MAX_REGISTERS_PER_READ",
    "REGISTER_FUNCTIONS",
    "ReadBlock",
    "RegisterSnapshot",
    "Span",
    "plan_reads",
]

# Function codes: 1 coils, 2 discrete inputs (one bit per address); 3 holding, 4 input
# registers (16 bits per address).
BIT_FUNCTIONS = frozenset({1, 2})
REGISTER_FUNCTIONS = frozenset({3, 4})
# Modbus application protocol v1.1b3 limits per request (§6.1–6.4): 2000 bits,
# 125 registers, so that a response fits the 253-byte PDU.
MAX_BITS_PER_READ = 2000
MAX_REGISTERS_PER_READ = 125


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """Addresses ``address … address + count − 1`` of one table that a point needs."""

    function: int
    address: int
    count: int = 1

    @property
    def end(self) -> int:
        """One past the last address."""
        return self.address + self.count


@dataclass(frozen=True, slots=True)
class ReadBlock:
    """One read request: ``count`` addresses from ``address`` with ``function``."""

    function: int
    address: int
    count: int

    def __str__(self) -> str:
        return f"fc{self.function} {self.address}+{self.count}"


def plan_reads(spans: Iterable[Span], max_gap: int = 0) -> list[ReadBlock]:
    """Fewest reads covering ``spans``, merging neighbours of the same table.

    Parameters
    ----------
    spans : iterable of Span
        May overlap or repeat (several points sharing one status register).
    max_gap : int
        Unused addresses a read may cover between two spans. Keep 0 unless the device is
        known to answer for the gap: many devices reply "illegal data address" instead.

    Returns
    -------
    list of ReadBlock
        Sorted by function, then address.

    Examples
    --------
    >>> spans = [Span(4, 0), Span(4, 1), Span(4, 2, 2), Span(4, 10), Span(2, 0)]
    >>> [str(block) for block in plan_reads(spans)]
    ['fc2 0+1', 'fc4 0+4', 'fc4 10+1']
    """
    blocks: list[ReadBlock] = []
    current: ReadBlock | None = None
    for span in sorted(set(spans)):
        limit = MAX_BITS_PER_READ if span.function in BIT_FUNCTIONS else MAX_REGISTERS_PER_READ
        if (
            current is not None
            and current.function == span.function
            and span.address <= current.address + current.count + max_gap
            and max(span.end, current.address + current.count) - current.address <= limit
        ):
            end = max(span.end, current.address + current.count)
            current = ReadBlock(current.function, current.address, end - current.address)
            continue
        if current is not None:
            blocks.append(current)
        current = ReadBlock(span.function, span.address, span.count)
    if current is not None:
        blocks.append(current)
    return blocks


@dataclass(slots=True)
class RegisterSnapshot:
    """What one poll read, per function code and address; missing means not read."""

    _tables: dict[int, dict[int, int | bool]] = field(default_factory=dict)

    def store(self, block: ReadBlock, values: Sequence[int] | Sequence[bool]) -> None:
        """Keep a response; extra padding bits beyond ``block.count`` are dropped."""
        table = self._tables.setdefault(block.function, {})
        for offset, value in enumerate(values[: block.count]):
            table[block.address + offset] = value

    def registers(self, function: int, address: int, count: int) -> list[int] | None:
        """``count`` registers from ``address``, or None if any of them was not read."""
        table = self._tables.get(function, {})
        words = [table.get(address + i) for i in range(count)]
        if any(word is None for word in words):
            return None
        return [int(word) for word in words if word is not None]

    def bit(self, function: int, address: int, bit: int | None = None) -> bool | None:
        """A coil / discrete input, or bit ``bit`` (0 = least significant) of a register."""
        value = self._tables.get(function, {}).get(address)
        if value is None:
            return None
        if bit is None:
            return bool(value)
        return bool((int(value) >> bit) & 1)

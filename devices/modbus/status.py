"""Health of a polled device: state, counters for metrics, and the retry backoff."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

__all__ = [
    "DEFAULT_BACKOFF",
    "BackoffPolicy",
    "DeviceState",
    "DeviceStatus",
    "PollCounters",
]


class DeviceState(StrEnum):
    """What the last poll found."""

    #: Not polled yet.
    UNKNOWN = "unknown"
    #: Every read answered.
    ONLINE = "online"
    #: The device answered, but refused a read with a Modbus exception.
    FAULT = "fault"
    #: No answer: connection refused or lost, or a request timed out.
    OFFLINE = "offline"


@dataclass(slots=True)
class DeviceStatus:
    """Live status of one device, updated in place by its poller.

    ``consecutive_failures`` counts failed polls (``fault`` or ``offline``) since the
    last good one; ``retry_delay_s`` is the current backoff and ``next_retry_at`` when it
    lets the poller try again, both None while the device is healthy.
    """

    state: DeviceState = DeviceState.UNKNOWN
    last_error: str | None = None
    consecutive_failures: int = 0
    retry_delay_s: float | None = None
    next_retry_at: datetime | None = None
    last_ok_at: datetime | None = None

    @property
    def failing(self) -> bool:
        """True from the first failed poll until a poll succeeds again."""
        return self.consecutive_failures > 0


@dataclass(slots=True)
class PollCounters:
    """Monotonic counters for one device, plain ints for a metrics exporter to read."""

    polls_ok: int = 0
    polls_failed: int = 0
    timeouts: int = 0
    connection_errors: int = 0
    exception_responses: int = 0
    decode_errors: int = 0
    reads: int = 0
    readings: int = 0


@dataclass(frozen=True, slots=True)
class BackoffPolicy:
    """Exponential backoff with a cap and jitter between retries of a failing device.

    Parameters
    ----------
    initial_s : float
        Delay after the first failure.
    max_s : float
        Cap: a device that comes back is found again within this time.
    multiplier : float
        Growth per further failure.
    jitter_ratio : float
        Up to this fraction is taken off each delay at random, so devices that failed
        together (a switch reboot) do not all retry in the same instant.

    Examples
    --------
    >>> policy = BackoffPolicy(initial_s=1, max_s=8, jitter_ratio=0)
    >>> [policy.delay_s(n, random.Random(0)) for n in (1, 2, 3, 4, 5)]
    [1.0, 2.0, 4.0, 8.0, 8.0]
    """

    initial_s: float = 1.0
    max_s: float = 30.0
    multiplier: float = 2.0
    jitter_ratio: float = 0.2

    def __post_init__(self) -> None:
        if not 0 < self.initial_s <= self.max_s:
            raise ValueError("need 0 < initial_s <= max_s")
        if self.multiplier < 1 or not 0 <= self.jitter_ratio < 1:
            raise ValueError("need multiplier >= 1 and 0 <= jitter_ratio < 1")

    def delay_s(self, failures: int, rng: random.Random) -> float:
        """Delay before the retry that follows the ``failures``-th consecutive failure."""
        # Past ~64 doublings every float delay is at the cap anyway; stop before overflow.
        exponent = min(max(failures - 1, 0), 64)
        capped = min(self.max_s, self.initial_s * self.multiplier**exponent)
        return capped * (1.0 - self.jitter_ratio * rng.random())


# A dead device costs one connect attempt per 30 s at most, yet reappears within 30 s.
DEFAULT_BACKOFF = BackoffPolicy()

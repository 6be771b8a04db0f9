"""Queue bookkeeping: who waited where, for how long — the bottleneck list."""

from __future__ import annotations

import numpy as np

from sim.evacuation.results import Bottleneck

__all__ = ["MIN_QUEUE_P", "QueueLog"]

# A lone walker who waits part of a step for a door's capacity to refill is not a
# bottleneck; two people waiting at once are the least that makes a queue.
MIN_QUEUE_P = 2


class QueueLog:
    """Per resource (link entrances, then assembly points): the longest queue, the
    person-seconds waited, how long a queue stood, and when."""

    def __init__(self, codes: list[str], kinds: list[str], dt_s: float) -> None:
        n = len(codes)
        self.codes, self.kinds, self.dt_s = codes, kinds, dt_s
        self.max_p = np.zeros(n, dtype=np.int64)
        self.person_s = np.zeros(n)
        self.queue_s = np.zeros(n)
        self.first_s = np.full(n, np.inf)
        self.last_s = np.full(n, -np.inf)

    def record(self, t_s: float, waiting: np.ndarray) -> None:
        """``waiting`` persons per resource at the end of the step starting at ``t_s``."""
        if not waiting.any():
            return
        dt = self.dt_s
        np.maximum(self.max_p, waiting, out=self.max_p)
        self.person_s += waiting * dt
        standing = waiting > 0
        self.queue_s[standing] += dt
        self.first_s[standing] = np.minimum(self.first_s[standing], t_s)
        self.last_s[standing] = t_s + dt

    def bottlenecks(self) -> tuple[Bottleneck, ...]:
        """Resources where at least ``MIN_QUEUE_P`` waited at once, most waiting first."""
        found = np.flatnonzero(self.max_p >= MIN_QUEUE_P)
        found = found[np.argsort(-self.person_s[found], kind="stable")]
        return tuple(
            Bottleneck(
                edge=self.codes[i],
                kind=self.kinds[i],
                max_queue_p=int(self.max_p[i]),
                waiting_person_s=float(self.person_s[i]),
                queue_s=float(self.queue_s[i]),
                first_s=float(self.first_s[i]),
                last_s=float(self.last_s[i]),
            )
            for i in found.tolist()
        )

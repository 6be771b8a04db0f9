"""Per-tag tracking: a constant-velocity Kalman filter over robust fixes.

People walk at up to about 2 m/s and change speed and heading gently, so a
constant-velocity model with a small white-noise acceleration follows them while
averaging range noise over several epochs. A fix the filter finds implausible (a
Mahalanobis distance past the gate) is left out rather than allowed to drag the track.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from numpy.typing import NDArray

from devices.positioning.geometry import PositioningError, Ranges, StationMap, radius_95_m
from devices.positioning.solver import UWB, Fix, RangingModel, solve_fix
from devices.values import Position

__all__ = ["ConstantVelocityFilter", "TagTracker"]

# White-noise acceleration spectral density for walking people, m^2/s^3: over one
# second it allows about 0.7 m/s of unmodelled change in velocity, enough to follow a
# turn at a corner or a stop at a valve without letting noise through as motion.
ACCEL_PSD_M2_S3 = 0.5
# A new track knows where the person is but not where they are heading; walking speeds
# are within about 2 m/s.
INITIAL_SPEED_SIGMA_M_S = 1.5
# Chi-square, 2 degrees of freedom, 99.9 %: a consistent fix is gated out once in a
# thousand epochs.
GATE_CHI2 = 13.82
# After this many gated fixes in a row the track, not the fixes, is presumed wrong (it
# may have started from a bad fix) and restarts from the latest fix.
RESTART_AFTER_GATED = 3
# Beyond this gap the old velocity says nothing about where the person went.
MAX_GAP_S = 30.0


class ConstantVelocityFilter:
    """Kalman filter with state ``(x_m, y_m, vx_m_s, vy_m_s)`` and irregular time steps.

    Parameters
    ----------
    ts_utc : datetime
        Time of the first fix.
    x_m, y_m : float
        First fix.
    cov_m2 : ndarray, shape (2, 2)
        Covariance of the first fix.
    accel_psd_m2_s3 : float
        White-noise acceleration spectral density (process noise).

    Examples
    --------
    >>> from datetime import UTC, datetime, timedelta
    >>> t0 = datetime(2025, 6, 1, tzinfo=UTC)
    >>> kf = ConstantVelocityFilter(t0, 0.0, 0.0, np.eye(2) * 0.01)
    >>> for k in range(1, 21):
    ...     kf.predict(t0 + timedelta(seconds=0.5 * k))
    ...     kf.update(np.array([0.7 * k, 0.0]), np.eye(2) * 0.01)
    >>> round(kf.velocity_m_s[0], 1), round(kf.x_m, 1)
    (1.4, 14.0)
    """

    def __init__(
        self,
        ts_utc: datetime,
        x_m: float,
        y_m: float,
        cov_m2: NDArray[np.float64],
        *,
        accel_psd_m2_s3: float = ACCEL_PSD_M2_S3,
    ) -> None:
        self.ts_utc = ts_utc
        self.accel_psd_m2_s3 = accel_psd_m2_s3
        self.state = np.array([x_m, y_m, 0.0, 0.0])
        self.cov = np.zeros((4, 4))
        self.cov[:2, :2] = cov_m2
        self.cov[2:, 2:] = np.eye(2) * INITIAL_SPEED_SIGMA_M_S**2

    @property
    def x_m(self) -> float:
        """Estimated x."""
        return float(self.state[0])

    @property
    def y_m(self) -> float:
        """Estimated y."""
        return float(self.state[1])

    @property
    def velocity_m_s(self) -> tuple[float, float]:
        """Estimated ``(vx, vy)``."""
        return float(self.state[2]), float(self.state[3])

    @property
    def accuracy_m(self) -> float:
        """Radius expected to hold the true position 95 % of the time."""
        return radius_95_m(self.cov[:2, :2])

    def predict(self, ts_utc: datetime) -> None:
        """Advance the state to ``ts_utc`` (no-op when it is not later)."""
        dt = (ts_utc - self.ts_utc).total_seconds()
        if dt <= 0.0:
            return
        transition = np.eye(4)
        transition[0, 2] = transition[1, 3] = dt
        q = self.accel_psd_m2_s3
        noise = np.zeros((4, 4))
        noise[[0, 1], [0, 1]] = q * dt**3 / 3.0
        noise[[0, 1, 2, 3], [2, 3, 0, 1]] = q * dt**2 / 2.0
        noise[[2, 3], [2, 3]] = q * dt
        self.state = transition @ self.state
        self.cov = transition @ self.cov @ transition.T + noise
        self.ts_utc = ts_utc

    def mahalanobis2(self, z_m: NDArray[np.float64], r_m2: NDArray[np.float64]) -> float:
        """Squared Mahalanobis distance of a position fix from the predicted position."""
        innovation = z_m - self.state[:2]
        s = self.cov[:2, :2] + r_m2
        return float(innovation @ np.linalg.solve(s, innovation))

    def update(self, z_m: NDArray[np.float64], r_m2: NDArray[np.float64]) -> None:
        """Fold in a position fix ``z_m`` with covariance ``r_m2``."""
        innovation = z_m - self.state[:2]
        s = self.cov[:2, :2] + r_m2
        gain = np.linalg.solve(s, self.cov[:2, :]).T
        self.state = self.state + gain @ innovation
        # Joseph form: stays symmetric positive definite through thousands of updates.
        keep = np.eye(4)
        keep[:, :2] -= gain
        self.cov = keep @ self.cov @ keep.T + gain @ r_m2 @ gain.T


@dataclass(slots=True)
class _Track:
    kf: ConstantVelocityFilter
    gated_in_a_row: int = 0


class TagTracker:
    """Robust fixes and a Kalman track for every tag heard by one network of stations.

    Parameters
    ----------
    stations : StationMap
        The network's stations, ``id -> (x_m, y_m, z_m)``; one tracker per network.
    model : RangingModel, default UWB
        Ranging technology (its name becomes ``Position.source``).
    tag_height_m : float, default 1.2
        Assumed height of the worn tag.
    floor : int, default 0
        Floor reported on every position.
    accel_psd_m2_s3 : float
        Process noise of the constant-velocity model.

    Examples
    --------
    >>> from datetime import UTC, datetime, timedelta
    >>> stations = {"A": (0.0, 0.0, 5.0), "B": (40.0, 0.0, 6.0),
    ...             "C": (40.0, 30.0, 4.0), "D": (0.0, 30.0, 7.0)}
    >>> def slant(s, x, y):
    ...     sx, sy, sz = stations[s]
    ...     return ((sx - x) ** 2 + (sy - y) ** 2 + (sz - 1.2) ** 2) ** 0.5
    >>> tracker = TagTracker(stations)
    >>> t0 = datetime(2025, 6, 1, tzinfo=UTC)
    >>> for k in range(10):
    ...     pos = tracker.update("DEMO", "T1", t0 + timedelta(seconds=k),
    ...                          [(s, slant(s, 10.0 + 1.3 * k, 12.0)) for s in stations])
    >>> pos.tag, round(pos.x_m, 2), round(pos.y_m, 2), pos.source
    ('T1', 21.7, 12.0, 'uwb')
    >>> tracker.update("DEMO", "T1", t0 + timedelta(seconds=11), [("A", 5.0)]) is None
    True
    """

    def __init__(
        self,
        stations: StationMap,
        *,
        model: RangingModel = UWB,
        tag_height_m: float = 1.2,
        floor: int = 0,
        accel_psd_m2_s3: float = ACCEL_PSD_M2_S3,
    ) -> None:
        self.stations = stations
        self.model = model
        self.tag_height_m = tag_height_m
        self.floor = floor
        self.accel_psd_m2_s3 = accel_psd_m2_s3
        self._tracks: dict[tuple[str, str], _Track] = {}

    def update(self, site: str, tag: str, ts_utc: datetime, ranges: Ranges) -> Position | None:
        """Solve one epoch of a tag's ranges and advance its track.

        Parameters
        ----------
        site : str
            Site code, copied to the position.
        tag : str
            Tag code; each ``(site, tag)`` has its own track.
        ts_utc : datetime
            Timezone-aware time of the ranges; positions carry it converted to UTC.
        ranges : Ranges
            ``(station_id, distance_m)`` pairs.

        Returns
        -------
        Position or None
            The filtered position, or None when this epoch adds no trustworthy
            position: the solver refused it (fewer than three usable ranges, degenerate
            geometry), the fix failed the gate, or the epoch is not newer than the
            track. The track itself survives a None.

        Raises
        ------
        ValueError
            If ``ts_utc`` is naive.
        """
        if ts_utc.tzinfo is None:
            raise ValueError("ts_utc must be timezone-aware")
        ts_utc = ts_utc.astimezone(UTC)
        track = self._tracks.get((site, tag))
        if track is not None and ts_utc <= track.kf.ts_utc:
            return None
        try:
            fix = solve_fix(self.stations, ranges, model=self.model, tag_height_m=self.tag_height_m)
        except PositioningError:
            return None
        z, r = _measurement(fix)
        if track is None or (ts_utc - track.kf.ts_utc).total_seconds() > MAX_GAP_S:
            return self._start(site, tag, ts_utc, fix)
        track.kf.predict(ts_utc)
        if track.kf.mahalanobis2(z, r) > GATE_CHI2:
            track.gated_in_a_row += 1
            if track.gated_in_a_row >= RESTART_AFTER_GATED:
                return self._start(site, tag, ts_utc, fix)
            return None
        track.gated_in_a_row = 0
        track.kf.update(z, r)
        return self._position(site, tag, track.kf)

    def _start(self, site: str, tag: str, ts_utc: datetime, fix: Fix) -> Position:
        z, r = _measurement(fix)
        kf = ConstantVelocityFilter(
            ts_utc, float(z[0]), float(z[1]), r, accel_psd_m2_s3=self.accel_psd_m2_s3
        )
        self._tracks[(site, tag)] = _Track(kf)
        return self._position(site, tag, kf)

    def _position(self, site: str, tag: str, kf: ConstantVelocityFilter) -> Position:
        return Position(
            site=site,
            tag=tag,
            ts_utc=kf.ts_utc,
            x_m=kf.x_m,
            y_m=kf.y_m,
            floor=self.floor,
            accuracy_m=kf.accuracy_m,
            source=self.model.source,
        )


def _measurement(fix: Fix) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    var_x, var_y, cov_xy = fix.covariance_m2
    return np.array([fix.x_m, fix.y_m]), np.array([[var_x, cov_xy], [cov_xy, var_y]])

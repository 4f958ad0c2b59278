"""A running crack: tip position against time, its speed, and the Rayleigh limit.

The tip of a cleavage crack in a lattice advances by whole rows of bonds
(:class:`~handshake.fracture.tip.BondBreakingTip`), so its position sampled at output
intervals is a staircase. Two speeds are reported, in Å/ps (1 Å/ps = 100 m/s):

- the speed between consecutive samples (noisy: zero or one row per interval);
- the running speed: the least-squares slope of position against time over the samples
  from the last one before the tip first advanced to the last one (the mean speed of the
  run, insensitive to the staircase).

A mode-I crack must stay below the Rayleigh speed c_R of its faces
(:mod:`handshake.fracture.rayleigh`); in lattices it typically reaches a fraction of it
(Freund, *Dynamic Fracture Mechanics*, 1990; Holland & Marder, PRL 80 (1998) 746).
"""

from __future__ import annotations

import numpy as np

#: 1 Å/ps in m/s
A_PER_PS_TO_M_PER_S = 100.0


def interval_speeds_A_per_ps(time_ps, tip_x_A) -> np.ndarray:
    """Speed between consecutive samples, Å/ps (first entry 0; NaN where a tip is undefined)."""
    t = np.asarray(time_ps, dtype=float)
    x = np.asarray(tip_x_A, dtype=float)
    v = np.zeros_like(x)
    with np.errstate(invalid="ignore"):
        v[1:] = np.diff(x) / np.diff(t)
    v[~np.isfinite(v)] = np.nan
    return v


def running_speed_A_per_ps(time_ps, tip_x_A) -> float | None:
    """Least-squares speed of the tip from just before its first advance to the last sample,
    Å/ps; None if the tip never advanced (or is undefined)."""
    t = np.asarray(time_ps, dtype=float)
    x = np.asarray(tip_x_A, dtype=float)
    if x.size < 2 or not np.all(np.isfinite(x)):
        return None
    moved = np.flatnonzero(x > x[0] + 1e-9)
    if moved.size == 0:
        return None
    first = max(moved[0] - 1, 0)
    t, x = t[first:], x[first:]
    return float(np.polyfit(t, x, 1)[0])

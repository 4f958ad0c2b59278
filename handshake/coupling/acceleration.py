"""Anderson acceleration of fixed-point iterations z = G(z).

Used on the interface data of alternating Schwarz and on the dead loads of the
ghost-force correction, whose plain iterations contract slowly (≈ 0.85–0.9 per step).
Type-II Anderson mixing (Walker & Ni, SIAM J. Numer. Anal. 49 (2011) 1715, eq. 2.1):
with residuals f_k = G(z_k) − z_k and the last m differences ΔZ, ΔF,

    γ = argmin ‖f_k − ΔF γ‖,   z_{k+1} = z_k + β f_k − (ΔZ + β ΔF) γ.
"""

from __future__ import annotations

import numpy as np


class AndersonMixer:
    """Stateful Anderson mixer.

    Parameters
    ----------
    depth : int
        Number of previous steps kept (m).
    beta : float
        Mixing (damping) of the plain fixed-point step.
    """

    def __init__(self, depth: int = 5, beta: float = 1.0):
        self.depth, self.beta = depth, beta
        self._z: list[np.ndarray] = []
        self._f: list[np.ndarray] = []

    def step(self, z: np.ndarray, g_of_z: np.ndarray) -> np.ndarray:
        """Next iterate from the current iterate ``z`` and its image ``G(z)``."""
        z = np.ravel(z).astype(float)
        f = np.ravel(g_of_z) - z
        self._z.append(z)
        self._f.append(f)
        if len(self._z) > self.depth + 1:
            self._z.pop(0)
            self._f.pop(0)
        new = z + self.beta * f
        if len(self._z) > 1:
            dZ = np.diff(np.array(self._z), axis=0).T
            dF = np.diff(np.array(self._f), axis=0).T
            gamma = np.linalg.lstsq(dF, f, rcond=None)[0]
            new -= (dZ + self.beta * dF) @ gamma
        return new.reshape(np.shape(g_of_z))

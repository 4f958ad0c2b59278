"""Preconditioned FIRE: damped dynamics along P⁻¹ F, for force fields that are not gradients.

FIRE (Bitzek et al., PRL 97 (2006) 170201) needs forces only, which suits the force-based
coupling (no energy). Here the "velocity" is updated with the preconditioned force
d = P⁻¹ F (a displacement, Å), as in ASE's ``PreconFIRE`` (Packwood et al., J. Chem. Phys.
144 (2016) 164109): with a good P one step of unit length is close to a Newton step, and
the long-wavelength modes that slow plain FIRE converge as fast as the short ones. The
power test uses the true force, P = F·v.
"""

from __future__ import annotations

import numpy as np


class PreconditionedFIRE:
    """State of one preconditioned FIRE relaxation.

    Parameters
    ----------
    dt, dt_max : float
        Initial and largest step (dimensionless: the step moves by dt² × the preconditioned
        force from rest).
    max_move_A : float
        Largest move of any coordinate in one step, Å.
    n_min : int
        Uphill-free steps before the step grows.
    f_inc, f_dec : float
        Growth and cut of the step.
    alpha, f_alpha : float
        Initial mixing towards the force direction and its decay.
    """

    def __init__(self, dt: float = 1.0, dt_max: float = 1.0, max_move_A: float = 0.2, n_min: int = 5,
                 f_inc: float = 1.1, f_dec: float = 0.5, alpha: float = 0.1, f_alpha: float = 0.99):
        self.dt, self.dt_max, self.max_move_A = dt, dt_max, max_move_A
        self.n_min, self.f_inc, self.f_dec = n_min, f_inc, f_dec
        self.alpha0 = self.alpha = alpha
        self.f_alpha = f_alpha
        self.v: np.ndarray | None = None
        self.downhill_steps = 0

    def step(self, forces: np.ndarray, direction: np.ndarray) -> np.ndarray:
        """The move (same shape as ``forces``, Å) from the forces F (eV/Å) and the
        preconditioned direction P⁻¹ F (Å) at the current positions."""
        f = np.ravel(forces)
        d = np.ravel(direction)
        if self.v is None:
            self.v = np.zeros_like(d)
        if float(f @ self.v) > 0.0:
            self.v = (1.0 - self.alpha) * self.v + self.alpha * np.linalg.norm(self.v) / np.linalg.norm(d) * d
            if self.downhill_steps > self.n_min:
                self.dt = min(self.dt * self.f_inc, self.dt_max)
                self.alpha *= self.f_alpha
            self.downhill_steps += 1
        else:
            self.v[:] = 0.0
            self.alpha = self.alpha0
            self.dt *= self.f_dec
            self.downhill_steps = 0
        self.v += self.dt * d
        move = self.dt * self.v
        largest = np.abs(move).max()
        if largest > self.max_move_A:
            move *= self.max_move_A / largest
        return move.reshape(np.shape(forces))

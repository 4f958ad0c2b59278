"""Wave packets for reflection tests, and the reflected energy against a reference run."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..continuum import EV_PER_A_AMU_TO_A_PER_PS2


@dataclass(frozen=True)
class WavePacket:
    """A Gaussian-enveloped longitudinal wave packet travelling towards +x.

    u(x, 0) = A exp(−(x − x0)² / 2σ²) cos(k (x − x0)),  v(x, 0) = −c ∂u/∂x,
    i.e. u(x, t) ≈ u(x − c t, 0). With ``wavelength_A = inf`` it is a plain Gaussian pulse.

    Parameters
    ----------
    centre_A : float
        x0, Å.
    width_A : float
        σ of the envelope, Å.
    wavelength_A : float
        Carrier wavelength 2π/k, Å.
    amplitude_A : float
        A, Å.
    speed_A_per_ps : float
        c, Å/ps (the long-wavelength sound speed; dispersion leaves a small left-moving part).
    """

    centre_A: float
    width_A: float
    wavelength_A: float
    amplitude_A: float
    speed_A_per_ps: float

    def displacement(self, x: np.ndarray) -> np.ndarray:
        s = np.asarray(x, dtype=float) - self.centre_A
        k = 2.0 * np.pi / self.wavelength_A
        return self.amplitude_A * np.exp(-0.5 * (s / self.width_A) ** 2) * np.cos(k * s)

    def velocity(self, x: np.ndarray) -> np.ndarray:
        s = np.asarray(x, dtype=float) - self.centre_A
        k = 2.0 * np.pi / self.wavelength_A
        envelope = self.amplitude_A * np.exp(-0.5 * (s / self.width_A) ** 2)
        slope = envelope * (-s / self.width_A ** 2 * np.cos(k * s) - k * np.sin(k * s))
        return -self.speed_A_per_ps * slope

    def extent_A(self) -> float:
        """Half-width beyond which the envelope is below 1e-6 of its peak, Å."""
        return float(self.width_A * np.sqrt(2.0 * np.log(1e6)))


def difference_energy_eV(masses_amu: np.ndarray, v_A_per_ps: np.ndarray, v_reference_A_per_ps: np.ndarray) -> float:
    """Energy of the difference between two velocity fields of the same atoms, eV.

    For a travelling wave the kinetic and potential energy densities are equal at every
    instant, so the energy of the wave that the coupled run has and the reference has not
    (the wave reflected at the interface) is twice its kinetic energy:
    ``E = Σ m |v − v_ref|²`` (no factor ½).
    """
    dv = np.asarray(v_A_per_ps) - np.asarray(v_reference_A_per_ps)
    return float(np.sum(np.asarray(masses_amu)[:, None] * dv ** 2)) / EV_PER_A_AMU_TO_A_PER_PS2

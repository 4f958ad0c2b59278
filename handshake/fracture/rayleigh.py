"""Rayleigh (surface) wave speed of an anisotropic crystal: the limiting speed of a mode-I crack.

A crack running along lab x with faces normal to lab y cannot outrun the Rayleigh wave of
those faces (Freund, *Dynamic Fracture Mechanics*, 1990, ch. 5; for anisotropic solids
Stroh, J. Math. Phys. 41 (1962) 77). The speed is found from the Stroh sextic formalism
of steady waves (Ting, *Anisotropic Elasticity*, 1996, §12): for a wave u = a f(x + p y − v t)
the eigenproblem

    N ξ = p ξ,   N = [[−T⁻¹Rᵀ, T⁻¹], [R T⁻¹ Rᵀ − Q, −R T⁻¹]],   ξ = (a, b),

with Q_ik = C_i1k1 − ρ v² δ_ik, R_ik = C_i1k2, T_ik = C_i2k2, has three roots with Im p > 0
below the limiting speed (the slowest bulk wave along x). The surface impedance
M = −i B A⁻¹ of those three modes is Hermitian and positive definite at v = 0; a free
surface carries a wave where det M = 0. The first zero is the Rayleigh speed.

When the in-plane (x, y) and anti-plane (z) displacements decouple (C_i4 = C_i5 = 0 for
i = 1, 2, 6 in the lab frame: a mirror plane normal to z, as for a crack front along a
⟨100⟩ or ⟨110⟩ of a cubic crystal), a mode-I crack radiates only in-plane waves and its
limit is the in-plane (sagittal) Rayleigh wave; the same formalism is then solved with
2 × 2 blocks, and the wave may be faster than the anti-plane bulk shear wave along x
(e.g. Fe (100)[011]).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

from ..continuum import plane_and_anti_plane_decouple, rotate_stiffness

#: Voigt index of the pair (i, j)
_VOIGT = np.array([[0, 5, 4], [5, 1, 3], [4, 3, 2]])
#: 1 amu/Å³ in kg/m³
AMU_PER_A3_TO_KG_PER_M3 = 1.66053906660e-27 / 1e-30


def stiffness_tensor(C_voigt: np.ndarray) -> np.ndarray:
    """C_ijkl (3, 3, 3, 3) from a 6×6 Voigt matrix (order xx, yy, zz, yz, xz, xy), same unit."""
    C_voigt = np.asarray(C_voigt, dtype=float)
    return C_voigt[_VOIGT[:, :, None, None], _VOIGT[None, None, :, :]]


def _impedance_determinant(C: np.ndarray, rho: float, v: float) -> float | None:
    """det of the surface impedance at speed v (SI units), None above the limiting speed.
    ``C`` is C_ijkl restricted to the n coupled displacement components (n = 2 or 3)."""
    n = C.shape[0]
    Q = C[:, 0, :, 0] - rho * v**2 * np.eye(n)
    R = C[:, 0, :, 1]
    T = C[:, 1, :, 1]
    Ti = np.linalg.inv(T)
    N = np.block([[-Ti @ R.T, Ti], [R @ Ti @ R.T - Q, -R @ Ti]])
    p, xi = np.linalg.eig(N)
    upper = p.imag > 1e-9 * np.abs(p).max()
    if upper.sum() != n:
        return None
    A, B = xi[:n, upper], xi[n:, upper]
    M = -1j * B @ np.linalg.inv(A)
    return float(np.linalg.det(0.5 * (M + M.conj().T)).real)


def rayleigh_speed_m_per_s(C_voigt_GPa: np.ndarray, density_kg_per_m3: float) -> float:
    """Speed of the surface wave along lab x on a free surface normal to lab y, m/s.

    Parameters
    ----------
    C_voigt_GPa : (6, 6) array
        Elastic constants in the lab frame (rotated to the crack's orientation), GPa.
    density_kg_per_m3 : float

    Returns
    -------
    float
        c_R, m/s: of the in-plane (sagittal) wave when in-plane and anti-plane motion
        decouple, else of the coupled three-component wave.
    """
    C_voigt_GPa = np.asarray(C_voigt_GPa, dtype=float)
    C = stiffness_tensor(C_voigt_GPa) * 1e9
    if plane_and_anti_plane_decouple(C_voigt_GPa):
        C = C[:2, :2, :2, :2]
    rho = float(density_kg_per_m3)
    # the limiting speed: the slowest bulk wave along x (of the components kept), from the
    # Christoffel matrix C_i1k1
    v_limit = float(np.sqrt(np.linalg.eigvalsh(C[:, 0, :, 0]).min() / rho))
    speeds = np.linspace(1e-3, 1.0 - 1e-9, 400) * v_limit
    values = [_impedance_determinant(C, rho, v) for v in speeds]
    for k in range(1, len(speeds)):
        if values[k] is None:
            break
        if values[k - 1] > 0 >= values[k]:
            return float(brentq(lambda v: _impedance_determinant(C, rho, v), speeds[k - 1], speeds[k],
                                xtol=1e-9 * v_limit))
    # no sign change before the limiting speed: the surface wave sits at the limit
    return v_limit


def crack_rayleigh_speed_m_per_s(C_voigt_GPa, orientation, mass_amu: float, atomic_volume_A3: float) -> float:
    """c_R of the faces of a crack along lab x, faces normal to lab y, m/s.

    Parameters
    ----------
    C_voigt_GPa : (6, 6) array
        Elastic constants in the crystal frame, GPa.
    orientation : (3, 3) array
        Crystal directions along lab x, y, z.
    mass_amu, atomic_volume_A3 : float
        Mass (amu) and volume (Å³) per atom: the density.
    """

    C_lab = rotate_stiffness(np.asarray(C_voigt_GPa, dtype=float), np.asarray(orientation, dtype=float))
    return rayleigh_speed_m_per_s(C_lab, mass_amu / atomic_volume_A3 * AMU_PER_A3_TO_KG_PER_M3)

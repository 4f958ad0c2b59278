"""Far-field displacement solutions for boundary conditions, from matscipy.

- :class:`KField`: anisotropic mode I/II crack-tip field (Sih, Paris & Irwin, Int. J.
  Fract. Mech. 1 (1965) 189) via :class:`matscipy.fracture_mechanics.crack.RectilinearAnisotropicCrack`.
- :class:`StrohDislocation`: straight dislocation in an anisotropic medium (Stroh sextic
  formalism, Hirth & Lothe 2nd ed. p. 467) via :class:`matscipy.dislocation.AnisotropicDislocation`.
- :class:`HomogeneousStrain`: u = ε (x − x₀), for patch tests and applied loads.

All fields take points (n, 2|3) in Å in the lab frame and return displacements in Å.
User-facing stress intensity factors are in MPa·m^½; internally eV/Å^(5/2).
"""

from __future__ import annotations

import numpy as np
from ase.units import GPa
from matscipy.dislocation import AnisotropicDislocation
from matscipy.fracture_mechanics.crack import RectilinearAnisotropicCrack

from .elasticity import rotate_stiffness

#: 1 MPa·m^½ = 10⁶ Pa · (10¹⁰ Å)^½ = 10¹¹ Pa·Å^½ = 100 GPa·Å^½
MPA_SQRT_M_IN_GPA_SQRT_A = 100.0


def stress_intensity_to_metal(K_MPa_sqrt_m: float) -> float:
    """Stress intensity factor from MPa·m^½ to eV/Å^(5/2)."""
    return K_MPa_sqrt_m * MPA_SQRT_M_IN_GPA_SQRT_A * GPa


def stress_intensity_from_metal(K_metal: float) -> float:
    """Stress intensity factor from eV/Å^(5/2) to MPa·m^½."""
    return K_metal / (MPA_SQRT_M_IN_GPA_SQRT_A * GPa)


class KField:
    """Plane-strain anisotropic crack-tip displacement field.

    The crack lies along the lab x axis behind the tip (faces ``y = tip_y, x < tip_x``),
    its front along z. The in-plane and anti-plane problems must decouple (z normal to
    a mirror plane of the crystal, e.g. z = <110> or <100> in a cubic crystal).

    Parameters
    ----------
    C_voigt_GPa : (6, 6) array
        Elastic constants in the crystal frame, GPa.
    orientation : (3, 3) array
        Crystal directions along lab x (propagation), y (crack plane normal), z (front).
    K_I, K_II : float
        Stress intensity factors, MPa·m^½.
    tip : (x, y)
        Crack-tip position, Å.
    """

    def __init__(self, C_voigt_GPa, orientation, K_I: float = 0.0, K_II: float = 0.0, tip=(0.0, 0.0)):
        C = rotate_stiffness(C_voigt_GPa, orientation) * GPa
        S = np.linalg.inv(C)
        self.crack = RectilinearAnisotropicCrack()
        self.crack.set_plane_strain(S[0, 0], S[1, 1], S[2, 2], S[0, 1], S[0, 2], S[1, 2],
                                    S[0, 5], S[1, 5], S[2, 5], S[5, 5])
        self.C_lab = C
        self.K_I, self.K_II = K_I, K_II
        self.tip = np.asarray(tip, dtype=float)

    def displacements(self, points) -> np.ndarray:
        """(n, 2) displacements, Å. The crack faces are the branch cut θ = ±π."""
        d = np.asarray(points, dtype=float)[:, :2] - self.tip
        r = np.hypot(d[:, 0], d[:, 1])
        theta = np.arctan2(d[:, 1], d[:, 0])
        ux, uy = self.crack.displacements(r, theta, stress_intensity_to_metal(self.K_I),
                                          stress_intensity_to_metal(self.K_II))
        return np.column_stack([ux, uy])

    def stresses_GPa(self, points) -> np.ndarray:
        """(n, 3) in-plane stresses σ_xx, σ_yy, σ_xy, GPa."""
        d = np.asarray(points, dtype=float)[:, :2] - self.tip
        r = np.hypot(d[:, 0], d[:, 1])
        theta = np.arctan2(d[:, 1], d[:, 0])
        sxx, syy, sxy = self.crack.stresses(r, theta, stress_intensity_to_metal(self.K_I),
                                            stress_intensity_to_metal(self.K_II))
        return np.column_stack([sxx, syy, sxy]) / GPa


class StrohDislocation:
    """Anisotropic straight-dislocation displacement field (Stroh).

    The cut (the displacement jump by b) is the half plane behind the core along the glide
    direction m = n × ξ; with m along lab x and n along lab y it is ``y = core_y, x < core_x``.

    Parameters
    ----------
    C_voigt_GPa : (6, 6) array
        Elastic constants in the crystal frame, GPa (only ratios matter).
    orientation : (3, 3) array
        Crystal directions along lab x, y, z.
    burgers : (3,) array
        Burgers vector in crystal coordinates, Å (e.g. a/2 [1 1 0]).
    line : (3,) array
        Line direction ξ, crystal coordinates.
    slip_plane : (3,) array
        Slip plane normal n, crystal coordinates.
    core : (x, y)
        Core position, Å.
    """

    def __init__(self, C_voigt_GPa, orientation, burgers, line, slip_plane, core=(0.0, 0.0)):
        self._disloc = AnisotropicDislocation(np.asarray(orientation, float), slip_plane, line,
                                              np.asarray(burgers, float), C=np.asarray(C_voigt_GPa, float))
        self.burgers_lab = self._disloc.b
        self.core = np.array([core[0], core[1], 0.0])

    def displacements(self, points) -> np.ndarray:
        """(n, 3) displacements, Å (a 2D mesh takes the first two columns)."""
        p = np.asarray(points, dtype=float)
        p3 = np.zeros((len(p), 3))
        p3[:, :p.shape[1]] = p
        return self._disloc.displacement(p3, center=self.core)


class HomogeneousStrain:
    """Affine displacement u = G (x − origin) of a uniform displacement gradient.

    Parameters
    ----------
    gradient : (d, d) array
        Displacement gradient ∂u_i/∂x_j (symmetric: a strain; add a skew part for a
        rotation).
    origin : array, optional
        Point that does not move, Å.
    """

    def __init__(self, gradient, origin=None):
        self.gradient = np.asarray(gradient, dtype=float)
        d = self.gradient.shape[0]
        self.origin = np.zeros(d) if origin is None else np.asarray(origin, dtype=float)

    def displacements(self, points) -> np.ndarray:
        d = self.gradient.shape[0]
        return (np.asarray(points, dtype=float)[:, :d] - self.origin) @ self.gradient.T

    def strain_voigt(self) -> np.ndarray:
        """Engineering Voigt strain (6,) of the symmetric part."""
        G = np.zeros((3, 3))
        d = self.gradient.shape[0]
        G[:d, :d] = self.gradient
        e = 0.5 * (G + G.T)
        return np.array([e[0, 0], e[1, 1], e[2, 2], 2 * e[1, 2], 2 * e[0, 2], 2 * e[0, 1]])

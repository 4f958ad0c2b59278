"""Far-field displacement solutions for boundary conditions, from matscipy.

- :class:`KField`: anisotropic mode I/II crack-tip field (Sih, Paris & Irwin, Int. J.
  Fract. Mech. 1 (1965) 189) via :class:`matscipy.fracture_mechanics.crack.RectilinearAnisotropicCrack`,
  and the anisotropic anti-plane (mode III) field, closed form (:func:`anti_plane_displacements`).
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


def anti_plane_root(C_lab) -> tuple[complex, float]:
    """Root p (Im p > 0) of the anti-plane characteristic equation and the modulus μ*.

    Anti-plane equilibrium C55 u,xx + 2 C45 u,xy + C44 u,yy = 0 (lab frame, Voigt 4 = yz,
    5 = xz) is solved by u = f(x + p y) with C44 p² + 2 C45 p + C55 = 0, so
    p = (−C45 + i μ*) / C44 with μ* = √(C44 C55 − C45²) (Ting, *Anisotropic Elasticity*,
    1996, §4.1; for an isotropic medium p = i and μ* = μ).

    Parameters
    ----------
    C_lab : (6, 6) array
        Elastic constants in the lab frame (any stress unit).

    Returns
    -------
    p : complex
    mu_star : float
        μ*, the unit of ``C_lab``.
    """
    c44, c45, c55 = C_lab[3, 3], C_lab[3, 4], C_lab[4, 4]
    mu_star = float(np.sqrt(c44 * c55 - c45 ** 2))
    return complex(-c45, mu_star) / c44, mu_star


def anti_plane_displacements(d, K_III: float, p: complex, mu_star: float) -> np.ndarray:
    """Mode III crack-tip displacement u_z at points ``d`` (n, 2) from the tip, Å.

    With the Stroh functions of the anti-plane problem (a = 1, b = C45 + p C44 = i μ*), the
    near-tip field of a crack along −x (Ting 1996, §11.3; Suo, Proc. R. Soc. A 427 (1990)
    331) is

        u_z = √(2r/π) Re[√(cos θ + p sin θ) / b] K_III = (K_III / μ*) √(2/π) Im √(x + p y),

    traction-free on the faces θ = ±π and with σ_yz = K_III / √(2π x) ahead of the tip
    (isotropic: u_z = (K_III / μ) √(2r/π) sin(θ/2)). ``K_III`` and ``mu_star`` in one
    unit system (eV/Å^(5/2) and eV/Å³ give Å).
    """
    # principal square root: branch cut along the negative real axis, i.e. the crack faces
    return _anti_plane_amplitude(K_III, mu_star) * np.sqrt(_anti_plane_variable(d, p)).imag


def anti_plane_gradient(d, K_III: float, p: complex, mu_star: float) -> np.ndarray:
    """(n, 2) gradient (∂u_z/∂x, ∂u_z/∂y) of :func:`anti_plane_displacements` at points
    ``d`` (n, 2) from the tip, dimensionless: d√z/dz = 1/(2√z), z = x + p y."""
    half_inverse_root = 0.5 / np.sqrt(_anti_plane_variable(d, p))
    amplitude = _anti_plane_amplitude(K_III, mu_star)
    return amplitude * np.column_stack([half_inverse_root.imag, (p * half_inverse_root).imag])


def _anti_plane_variable(d, p: complex) -> np.ndarray:
    return (d[:, 0] + p * d[:, 1]).astype(complex)


def _anti_plane_amplitude(K_III: float, mu_star: float) -> float:
    return K_III / mu_star * np.sqrt(2.0 / np.pi)


class KField:
    """Anisotropic crack-tip displacement field, modes I, II (plane strain) and III.

    The crack lies along the lab x axis behind the tip (faces ``y = tip_y, x < tip_x``),
    its front along z. The in-plane and anti-plane problems must decouple (z normal to
    a mirror plane of the crystal, e.g. z = <110> or <100> in a cubic crystal): modes I
    and II then move atoms in the plane only and mode III along the front only.

    Parameters
    ----------
    C_voigt_GPa : (6, 6) array
        Elastic constants in the crystal frame, GPa.
    orientation : (3, 3) array
        Crystal directions along lab x (propagation), y (crack plane normal), z (front).
    K_I, K_II, K_III : float
        Stress intensity factors, MPa·m^½.
    tip : (x, y)
        Crack-tip position, Å.

    Raises
    ------
    ValueError
        If K_III ≠ 0 and the orientation couples in-plane and anti-plane deformation.
    """

    def __init__(self, C_voigt_GPa, orientation, K_I: float = 0.0, K_II: float = 0.0, tip=(0.0, 0.0),
                 K_III: float = 0.0):
        C = rotate_stiffness(C_voigt_GPa, orientation) * GPa
        S = np.linalg.inv(C)
        self.crack = RectilinearAnisotropicCrack()
        self.crack.set_plane_strain(S[0, 0], S[1, 1], S[2, 2], S[0, 1], S[0, 2], S[1, 2],
                                    S[0, 5], S[1, 5], S[2, 5], S[5, 5])
        self.C_lab = C
        self.K_I, self.K_II, self.K_III = K_I, K_II, K_III
        self.tip = np.asarray(tip, dtype=float)
        if K_III != 0 and not plane_and_anti_plane_decouple(C):
            raise ValueError("mode III needs a crack front normal to a mirror plane of the crystal "
                             "(in-plane and anti-plane deformation decoupled); this orientation couples them")
        self.p_III, self.mu_star = anti_plane_root(C)

    def _polar(self, points):
        d = np.asarray(points, dtype=float)[:, :2] - self.tip
        return d, np.hypot(d[:, 0], d[:, 1]), np.arctan2(d[:, 1], d[:, 0])

    def displacements(self, points) -> np.ndarray:
        """(n, 3) displacements u_x, u_y, u_z, Å. The crack faces are the branch cut θ = ±π."""
        d, r, theta = self._polar(points)
        ux, uy = self.crack.displacements(r, theta, stress_intensity_to_metal(self.K_I),
                                          stress_intensity_to_metal(self.K_II))
        uz = anti_plane_displacements(d, stress_intensity_to_metal(self.K_III), self.p_III, self.mu_star)
        return np.column_stack([ux, uy, uz])

    def stresses_GPa(self, points) -> np.ndarray:
        """(n, 3) in-plane stresses σ_xx, σ_yy, σ_xy, GPa."""
        _, r, theta = self._polar(points)
        sxx, syy, sxy = self.crack.stresses(r, theta, stress_intensity_to_metal(self.K_I),
                                            stress_intensity_to_metal(self.K_II))
        return np.column_stack([sxx, syy, sxy]) / GPa

    def anti_plane_stresses_GPa(self, points) -> np.ndarray:
        """(n, 2) anti-plane stresses σ_xz, σ_yz of mode III, GPa: σ_yz = K_III/√(2πx) ahead."""
        d, _, _ = self._polar(points)
        du_dx, du_dy = anti_plane_gradient(d, stress_intensity_to_metal(self.K_III), self.p_III, self.mu_star).T
        C = self.C_lab
        return np.column_stack([C[4, 4] * du_dx + C[3, 4] * du_dy, C[3, 4] * du_dx + C[3, 3] * du_dy]) / GPa


def plane_and_anti_plane_decouple(C_lab) -> bool:
    """Whether in-plane (x, y) and anti-plane (z) deformation decouple: C_i4 = C_i5 = 0 for
    i = xx, yy, xy in the lab frame (z normal to a mirror plane)."""
    C_lab = np.asarray(C_lab, dtype=float)
    return bool(np.abs(C_lab[np.ix_([0, 1, 5], [3, 4])]).max() <= 1e-9 * np.abs(C_lab).max())


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

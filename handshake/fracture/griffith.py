"""Griffith's thermodynamic threshold for a straight crack in an anisotropic crystal.

A crack that creates two surfaces of energy γ (per unit area each) is in thermodynamic
equilibrium at G = 2γ; with Irwin's relation G = K_I² / E' in plane strain this gives

    K_G = √(2 γ E').

For a rectilinearly anisotropic crystal with the crack faces normal to lab y and the front
along lab z (z normal to a mirror plane), Sih, Paris & Irwin, Int. J. Fract. Mech. 1 (1965)
189, give, with the plane-strain reduced compliances b_ij = s_ij − s_i3 s_j3 / s_33 and
μ1, μ2 the roots with positive imaginary part of Lekhnitskii's characteristic equation
b11 μ⁴ − 2 b16 μ³ + (2 b12 + b66) μ² − 2 b26 μ + b22 = 0,

    1/E' = −(b22 / 2) Im[(μ1 + μ2) / (μ1 μ2)],

which for in-plane orthotropy (b16 = b26 = 0) reduces to their closed form

    1/E' = √(b11 b22 / 2) · √( √(b22/b11) + (2 b12 + b66) / (2 b11) ).

:func:`griffith_k` takes K_G from matscipy (``CubicCrystalCrack.k1g``);
:func:`plane_strain_modulus` is the closed form above, used to cross-check it.
"""

from __future__ import annotations

import numpy as np
from ase.units import GPa, J, m
from matscipy.fracture_mechanics.crack import CubicCrystalCrack

from ..continuum import rotate_stiffness, stress_intensity_from_metal
from ..errors import InputError

#: J/m² to eV/Å².
J_PER_M2 = J / m**2


def plane_strain_modulus(C_voigt_GPa, orientation) -> float:
    """Effective modulus E' of Irwin's G = K_I²/E' (plane strain, mode I), GPa.

    Parameters
    ----------
    C_voigt_GPa : (6, 6) array
        Elastic constants in the crystal frame, GPa.
    orientation : (3, 3) array
        Crystal directions along lab x (propagation), y (crack plane normal), z (front).
    """
    S = np.linalg.inv(rotate_stiffness(C_voigt_GPa, orientation))
    b = S - np.outer(S[:, 2], S[:, 2]) / S[2, 2]
    roots = np.roots([b[0, 0], -2.0 * b[0, 5], 2.0 * b[0, 1] + b[5, 5], -2.0 * b[1, 5], b[1, 1]])
    mu = roots[roots.imag > 0]
    if mu.size != 2:
        raise ValueError(f"characteristic equation has {mu.size} roots in the upper half plane, not 2")
    inverse = -0.5 * b[1, 1] * ((mu[0] + mu[1]) / (mu[0] * mu[1])).imag
    return float(1.0 / inverse)


def orthotropic_plane_strain_modulus(C_voigt_GPa, orientation) -> float:
    """Closed form of :func:`plane_strain_modulus` for in-plane orthotropy (b16 = b26 = 0), GPa."""
    S = np.linalg.inv(rotate_stiffness(C_voigt_GPa, orientation))
    b = S - np.outer(S[:, 2], S[:, 2]) / S[2, 2]
    inverse = np.sqrt(0.5 * b[0, 0] * b[1, 1]) * np.sqrt(np.sqrt(b[1, 1] / b[0, 0])
                                                        + (2.0 * b[0, 1] + b[5, 5]) / (2.0 * b[0, 0]))
    return float(1.0 / inverse)


def cleavage_surface_energy(properties, plane) -> float:
    """Relaxed surface energy of the family of ``plane`` from the potential, J/m².

    Parameters
    ----------
    properties : MaterialProperties
        From :func:`handshake.materials.material_properties`.
    plane : (3,) ints
        Crack plane normal in crystal coordinates; {100}, {110} or {111}.
    """
    family = "".join(str(int(v)) for v in sorted(np.abs(np.asarray(plane, int)) // np.gcd.reduce(
        np.abs(np.asarray(plane, int))), reverse=True))
    key = {"100": "gamma_100_J_per_m2", "110": "gamma_110_J_per_m2", "111": "gamma_111_J_per_m2"}.get(family)
    if key is None:
        raise InputError(f"no surface energy for the {{{family}}} plane (known: {{100}}, {{110}}, {{111}})",
                         field="orientation")
    return float(getattr(properties, key))


def griffith_k(C_voigt_GPa, orientation, surface_energy_J_per_m2: float) -> float:
    """Griffith stress intensity factor K_G = √(2 γ E') of a cubic crystal, MPa·m^½.

    Parameters
    ----------
    C_voigt_GPa : (6, 6) array
        Cubic elastic constants in the crystal frame, GPa (C11, C12, C44 are used).
    orientation : (3, 3) array
        Crystal directions along lab x (propagation), y (crack plane normal), z (front).
    surface_energy_J_per_m2 : float
        Energy γ of one of the two cleavage surfaces, J/m².
    """
    C = np.asarray(C_voigt_GPa, dtype=float)
    orientation = np.asarray(orientation)
    # matscipy's K comes out in (stress unit)·√(length unit): C in eV/Å³ and γ in eV/Å²
    # give eV/Å^(5/2), the handshake's internal unit for K.
    crack = CubicCrystalCrack(orientation[1], orientation[2], C11=C[0, 0] * GPa, C12=C[0, 1] * GPa,
                              C44=C[3, 3] * GPa)
    return float(stress_intensity_from_metal(crack.k1g(surface_energy_J_per_m2 * J_PER_M2)))

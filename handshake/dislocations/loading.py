"""Applied shear stress on the glide plane, as a homogeneous far-field strain.

The glide plane is normal to lab y and the Burgers vector's edge part lies along lab x,
so the resolved shear stress that drives glide is τ = σ_xy. In the quasi-2D model
(periodic along the line z, no ∂u/∂z) the strain must have ε_zz = 0; the five other
strain components follow from the lab-frame stiffness by asking that σ_xy = τ and
σ_xx = σ_yy = σ_yz = σ_xz = 0 (σ_zz is whatever plane strain requires). The
displacement gradient carries ε_xz and ε_yz in its third row (u_z depends on x, y only).
"""

from __future__ import annotations

import numpy as np

from ..continuum.elasticity import rotate_stiffness

#: Voigt rows (xx, yy, yz, xz, xy) that are free in plane strain along z
_IN_PLANE_STRAIN = [0, 1, 3, 4, 5]


def glide_shear_gradient(C_voigt_GPa, orientation, shear_stress_MPa: float, screw: bool = False) -> np.ndarray:
    """Displacement gradient ∂u_i/∂x_j (lab frame) of a pure resolved shear stress.

    Parameters
    ----------
    C_voigt_GPa : (6, 6) array
        Elastic constants in the crystal frame, GPa.
    orientation : (3, 3) ints
        Crystal directions along lab x, y (glide-plane normal), z (line).
    shear_stress_MPa : float
        τ = σ_xy (edge: glide along x) or σ_yz (``screw``: glide of a screw dislocation
        whose Burgers vector is along z), MPa.

    Returns
    -------
    (3, 3) ndarray
        Gradient with a zero third column (quasi-2D), symmetric in its in-plane block.
    """
    C = rotate_stiffness(C_voigt_GPa, orientation)
    target = np.zeros(6)
    target[3 if screw else 5] = shear_stress_MPa * 1e-3  # GPa
    reduced = C[np.ix_(_IN_PLANE_STRAIN, _IN_PLANE_STRAIN)]
    e = np.zeros(6)
    e[_IN_PLANE_STRAIN] = np.linalg.solve(reduced, target[_IN_PLANE_STRAIN])
    exx, eyy, _, gyz, gxz, gxy = e
    return np.array([[exx, 0.5 * gxy, 0.0],
                     [0.5 * gxy, eyy, 0.0],
                     [gxz, gyz, 0.0]])


def stress_of_gradient_MPa(C_voigt_GPa, orientation, gradient) -> np.ndarray:
    """Voigt stress (xx, yy, zz, yz, xz, xy) of a displacement gradient, MPa (lab frame)."""
    G = np.asarray(gradient, dtype=float)
    e = 0.5 * (G + G.T)
    voigt = np.array([e[0, 0], e[1, 1], e[2, 2], 2 * e[1, 2], 2 * e[0, 2], 2 * e[0, 1]])
    return rotate_stiffness(C_voigt_GPa, orientation) @ voigt * 1e3


__all__ = ["glide_shear_gradient", "stress_of_gradient_MPa"]

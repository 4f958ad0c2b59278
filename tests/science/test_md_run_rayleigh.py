"""Rayleigh speed of the crack faces (handshake.fracture.rayleigh, a Stroh sextic solve)
against closed-form secular equations solved here independently.

- isotropic: Rayleigh's cubic in ξ = (c_R/c_s)², ξ³ − 8ξ² + (24 − 16 c_s²/c_l²) ξ
  − 16 (1 − c_s²/c_l²) = 0 (Achenbach, *Wave Propagation in Elastic Solids*, 1973, eq. 5.57);
- orthotropic, surface normal to a symmetry axis (y), wave along another (x), in-plane
  constants c11, c22, c12, c66 and X = ρ v²:
  (c66 − X) [c22 (c11 − X) − c12²]² = X² c22 c66 (c11 − X)
  (Chadwick, J. Sound Vib. 47 (1976) 39; Royer & Dieulesaint, *Elastic Waves in Solids I*,
  2000, §5.2). Fe_mm's cubic constants (README table) rotated to the (100)[011] crack of
  scenarios/dynamic_crack_Fe_100.toml are orthotropic in the lab frame, and there the
  in-plane surface wave is faster than the anti-plane shear wave along x.
"""

import numpy as np
import pytest
from scipy.optimize import brentq

from handshake.continuum import cubic_voigt
from handshake.continuum.elasticity import rotate_stiffness
from handshake.fracture.rayleigh import rayleigh_speed_m_per_s

RHO = 7874.0  # kg/m³


def first_root(f, upper):
    x = np.linspace(1e-9, 1.0 - 1e-12, 4000) * upper
    values = f(x)
    k = np.flatnonzero(np.sign(values[1:]) != np.sign(values[:-1]))[0]
    return brentq(f, x[k], x[k + 1], xtol=1e-14 * upper)


@pytest.mark.parametrize("lam_GPa, mu_GPa", [(60.0, 40.0), (100.0, 30.0), (0.0, 50.0)])
def test_isotropic_rayleigh_speed(lam_GPa, mu_GPa):
    c_s = np.sqrt(mu_GPa * 1e9 / RHO)
    ratio = mu_GPa / (lam_GPa + 2 * mu_GPa)       # c_s² / c_l²
    xi = first_root(lambda x: x**3 - 8 * x**2 + (24 - 16 * ratio) * x - 16 * (1 - ratio), 1.0)
    c_R = rayleigh_speed_m_per_s(cubic_voigt(lam_GPa + 2 * mu_GPa, lam_GPa, mu_GPa), RHO)
    print(f"\nisotropic λ = {lam_GPa}, μ = {mu_GPa} GPa: c_R / c_s = {c_R / c_s:.6f} (secular equation "
          f"{np.sqrt(xi):.6f})")
    assert c_R / c_s == pytest.approx(np.sqrt(xi), rel=1e-7)


@pytest.mark.parametrize("orientation", [[[0, -1, 1], [1, 0, 0], [0, 1, 1]], [[1, 0, 0], [0, 1, 0], [0, 0, 1]]])
def test_orthotropic_rayleigh_speed_of_fe_crack_faces(orientation):
    C = rotate_stiffness(cubic_voigt(243.3, 145.0, 116.0), np.array(orientation, dtype=float)) * 1e9
    c11, c22, c12, c66 = C[0, 0], C[1, 1], C[0, 1], C[5, 5]
    X = first_root(lambda X: (c66 - X) * (c22 * (c11 - X) - c12**2) ** 2 - X**2 * c22 * c66 * (c11 - X),
                   min(c11, c66))
    c_R = rayleigh_speed_m_per_s(C / 1e9, RHO)
    anti_plane = np.sqrt(C[4, 4] / RHO)
    print(f"\nFe {orientation[0]} on {orientation[1]}: c_R = {c_R:.1f} m/s (secular equation "
          f"{np.sqrt(X / RHO):.1f}), anti-plane shear along x {anti_plane:.1f} m/s")
    assert c_R == pytest.approx(np.sqrt(X / RHO), rel=1e-7)

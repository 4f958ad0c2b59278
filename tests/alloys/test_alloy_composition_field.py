"""Composition band with Vegard eigenstrain: the laminate's elastic state against the
textbook epitaxial-film result (biaxial modulus M = (C11 + 2 C12)(C11 − C12)/C11)."""

import numpy as np
import pytest

from handshake.alloys.composition_field import CompositionBand
from handshake.continuum.elasticity import cubic_voigt

CU = (3.615, cubic_voigt(173.0, 125.4, 78.8))   # CuNi.eam.alloy, Cu
NI = (3.52, cubic_voigt(247.0, 148.0, 125.5))   # and Ni (potentials/CuNi.toml)


def band(orientation, c_band=0.6):
    return CompositionBand(CU[0], NI[0], CU[1], NI[1], orientation, c_reference=0.0, c_band=c_band,
                           centre_y_A=0.0, half_width_A=20.0, interface_A=0.5)


def test_band_in_cube_orientation_matches_the_epitaxial_film():
    b = band(np.eye(3, dtype=int))
    c = 0.6
    C11, C12 = (1 - c) * np.array([173.0, 125.4]) + c * np.array([247.0, 148.0])
    e0 = ((1 - c) * 3.615 + c * 3.52 - 3.615) / 3.615                  # Vegard, relative to Cu
    sigma = b.stress_GPa(0.0)[0]
    M = (C11 + 2 * C12) * (C11 - C12) / C11
    assert sigma[0] == pytest.approx(-M * e0, rel=1e-9)
    assert sigma[2] == pytest.approx(-M * e0, rel=1e-9)
    assert np.allclose(sigma[[1, 3, 5]], 0.0, atol=1e-12)                # traction-free planes
    # u_y jumps by the free expansion of the band, ε_yy = ε⁰ (1 + 2 C12/C11), over its width
    u = b.displacements(np.array([[0.0, -40.0], [0.0, 40.0]]))
    assert u[1, 1] - u[0, 1] == pytest.approx(e0 * (1 + 2 * C12 / C11) * 40.0, rel=0.01)
    assert np.allclose(u[:, [0, 2]], 0.0, atol=1e-12)


def test_band_in_dislocation_orientation_is_traction_free_and_composition_follows_the_profile():
    b = band([[1, -1, 0], [1, 1, 1], [-1, -1, 2]])
    y = np.linspace(-30, 30, 13)
    assert np.allclose(b.stress_GPa(y)[:, [1, 3, 5]], 0.0, atol=1e-12)
    assert b.composition(0.0) == pytest.approx(0.6)
    assert b.composition(-40.0) == pytest.approx(0.0, abs=1e-12)
    rng = np.random.default_rng(0)
    sites = np.column_stack([rng.uniform(-100, 100, 20000), rng.uniform(-10, 10, 20000), np.zeros(20000)])
    species = np.array(b.species(sites, "Cu", "Ni", seed=4, grid_A=0.01))
    assert abs(np.mean(species == "Ni") - 0.6) < 4 * np.sqrt(0.24 / 20000)

"""Griffith's K_G from matscipy against closed forms and the Stillinger–Weber bond count."""

import numpy as np
import pytest
from ase.units import J, m
from published import SW_A0, SW_EPSILON_EV, published_si_sw_111_k_g

from handshake.fracture import (
    cleavage_surface_energy,
    griffith_k,
    orthotropic_plane_strain_modulus,
    plane_strain_modulus,
)
from handshake.materials import material_properties

SI_111 = [[1, 1, -2], [1, 1, 1], [1, -1, 0]]     # (111)[1-10]
SI_110 = [[0, 0, -1], [1, 1, 0], [1, -1, 0]]     # (110)[1-10]
BCC_100 = [[0, 0, 1], [1, 0, 0], [0, 1, 0]]      # (100)[010]



def test_stillinger_weber_111_surface_energy_is_one_broken_bond_per_atom():
    # the shuffle plane cuts one bond (energy ε) per surface atom; a (111) surface has one
    # atom per √3 a0²/4, two surfaces per cut: γ = ε / (2 · √3 a0²/4) = 2ε / (√3 a0²)
    gamma_bond = 2.0 * SW_EPSILON_EV / (np.sqrt(3.0) * SW_A0 ** 2) / (J / m ** 2)
    gamma = cleavage_surface_energy(material_properties("Si_sw"), [1, 1, 1])
    assert gamma == pytest.approx(gamma_bond, rel=2e-3)
    assert gamma == pytest.approx(1.360, abs=2e-3)


@pytest.mark.parametrize("potential, orientation", [("Si_sw", SI_111), ("Si_sw", SI_110), ("Fe_mm", BCC_100),
                                                    ("W_zhou", BCC_100)])
def test_matscipy_k1g_matches_sih_paris_irwin(potential, orientation):
    p = material_properties(potential)
    gamma = cleavage_surface_energy(p, orientation[1])
    E_prime_Pa = plane_strain_modulus(p.C_voigt_GPa, orientation) * 1e9
    closed_form = np.sqrt(2.0 * gamma * E_prime_Pa) / 1e6
    assert griffith_k(p.C_voigt_GPa, orientation, gamma) == pytest.approx(closed_form, rel=1e-9)


@pytest.mark.parametrize("potential, orientation", [("Si_sw", SI_110), ("Fe_mm", BCC_100)])
def test_root_form_reduces_to_closed_form_for_orthotropy(potential, orientation):
    C = material_properties(potential).C_voigt_GPa
    assert plane_strain_modulus(C, orientation) == pytest.approx(orthotropic_plane_strain_modulus(C, orientation),
                                                                 rel=1e-10)


def test_isotropic_limit_is_e_over_one_minus_nu_squared():
    lam, mu = 60.0, 40.0
    C = np.zeros((6, 6))
    C[:3, :3] = lam
    C[np.arange(3), np.arange(3)] += 2 * mu
    C[np.arange(3, 6), np.arange(3, 6)] = mu
    E, nu = mu * (3 * lam + 2 * mu) / (lam + mu), lam / (2 * (lam + mu))
    assert plane_strain_modulus(C, SI_111) == pytest.approx(E / (1 - nu ** 2), rel=1e-8)


def test_si_sw_111_griffith_value():
    p = material_properties("Si_sw")
    K_G = griffith_k(p.C_voigt_GPa, SI_111, cleavage_surface_energy(p, [1, 1, 1]))
    # the potential's computed γ and C against the published ones (each within 0.1 %)
    assert K_G == pytest.approx(published_si_sw_111_k_g(), rel=3e-3)


def test_unknown_cleavage_family_is_refused():
    from handshake.errors import InputError
    with pytest.raises(InputError, match=r"no surface energy for the \{321\} plane"):
        cleavage_surface_energy(material_properties("Si_sw"), [3, 2, 1])

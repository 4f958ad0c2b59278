"""The preconditioned relaxation of the force-based coupling.

Independent references: the Exp matrix's defining properties (symmetric, rows summing to
the stabilisation, entries from the published formula at the lattice's own distances); and
the coupled equilibrium reached by LAMMPS's own FIRE on the same model, which shares no code
with the preconditioned solver but the force-based residual.
"""

import numpy as np
import pytest

from handshake.coupling import CoupledGeometry, CoupledModel
from handshake.coupling.geometry import PAD
from handshake.coupling.preconditioner import EXP_CUTOFF_NN, EXP_DECAY, EXP_STABILISATION, exp_laplacian
from handshake.errors import InputError

W_CRACK = dict(potential="W_zhou", orientation=[[0, -1, 1], [1, 0, 0], [0, 1, 1]])


def test_exp_matrix_of_a_periodic_chain():
    """Atoms 1 Å apart along z in a slab of period 3 Å: each sees its two neighbours (and,
    within 1.5 Å, nothing else) once through the periodic images."""
    positions = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 2.0]])
    L = exp_laplacian(positions, 3.0, 1.0).toarray()
    assert EXP_CUTOFF_NN < 2.0
    w = np.exp(-EXP_DECAY * 0.0)
    expected = np.array([[2 * w, -w, -w], [-w, 2 * w, -w], [-w, -w, 2 * w]]) + EXP_STABILISATION * np.eye(3)
    np.testing.assert_allclose(L, expected, atol=1e-14)


def test_exp_matrix_of_the_crack_model_is_symmetric_and_stabilised():
    with CoupledModel(W_CRACK["potential"], W_CRACK["orientation"],
                      CoupledGeometry(15.0, 4.0, 60.0, crack=True)) as model:
        L = exp_laplacian(model.reference_positions, model.crystal.period_z_A, model.crystal.nearest_neighbour_A)
        assert abs(L - L.T).max() < 1e-14
        np.testing.assert_allclose(np.asarray(L.sum(axis=1)).ravel(), EXP_STABILISATION, atol=1e-12)
        mu = model.method.preconditioner().mu_eV_per_A2
        assert 0.1 < mu < 100.0  # eV/Å²: the scale of a bond's stiffness


@pytest.mark.parametrize("K", [1.0, 1.5])
def test_preconditioned_and_lammps_fire_reach_one_equilibrium(K):
    """A W crack below K_G (1.63 MPa·m^½) relaxed to 1e-6 eV/Å both ways: the same atoms,
    with fewer force evaluations preconditioned. (Above K_G the tip has several metastable
    positions, and two relaxations from the same start may end in different ones.)"""
    results = {}
    for minimiser in ("precon-fire", "fire"):
        with CoupledModel(W_CRACK["potential"], W_CRACK["orientation"], CoupledGeometry(20.0, 5.0, 150.0, crack=True),
                          minimiser=minimiser) as model:
            model.apply(model.k_field(K))
            result = model.relax(1e-6, 50000)
            assert result.converged, minimiser
            results[minimiser] = (model.displacements(), result.iterations, model.atom_region)
    (u_p, n_p, region), (u_f, n_f, _) = results["precon-fire"], results["fire"]
    print(f"\nK = {K}: evaluations preconditioned {n_p}, LAMMPS FIRE {n_f}; "
          f"max |Δu| {np.abs(u_p - u_f).max():.1e} Å")
    assert np.abs(u_p - u_f)[region != PAD].max() < 1e-4
    assert n_p < n_f


def test_minimiser_refused_where_it_means_nothing():
    geometry = CoupledGeometry(15.0, 4.0, 60.0)
    with pytest.raises(InputError, match="minimiser"):
        CoupledModel("W_zhou", W_CRACK["orientation"], geometry, minimiser="bfgs")
    with pytest.raises(InputError, match="force method only"):
        CoupledModel("W_zhou", W_CRACK["orientation"], geometry, method="schwarz", minimiser="fire")

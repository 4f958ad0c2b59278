"""Coupled versus fully atomistic: an edge dislocation in Al dissociated into partials.

Independent reference: the same domain (outer radius 100 Å) filled with atoms, the same
anisotropic far field held on a shell outside it, relaxed by LAMMPS CG on the true
energy. The coupled solution must approach it as the atomistic radius grows.

Al (Zhou EAM) is the reference problem. With Cu (Mishin EAM, low stacking-fault energy)
the largest error at R_a = 30 Å is 0.048 Å, sitting at the partial cores 16 Å from the
line, i.e. within 14 Å of the handshake where the strain is ≈ 1.5 % and the linear
continuum misses the third-order elastic response; that table is in the README.
"""

import os

import numpy as np
import pytest

from handshake.coupling import CoupledGeometry, CoupledModel
from handshake.coupling.reference import compare_with_reference, solve_reference

ORIENTATION = [[1, -1, 0], [1, 1, 1], [-1, -1, 2]]
FMAX = 1e-6
#: 30 and 40 Å in the test suite; the docs' 50 Å row: HANDSHAKE_REFERENCE_RADII=30,40,50 pytest -s this file
RADII = tuple(float(r) for r in os.environ.get("HANDSHAKE_REFERENCE_RADII", "30,40").split(","))


POTENTIAL = "Al_zhou"
MESH_GROWTH = 1.1  # elements next to the pad: 0.021 Å at R_a = 30 Å with the default 1.25


def edge_model(radius):
    # the preconditioned minimiser: the same equilibrium as LAMMPS FIRE, in far fewer
    # iterations at this tolerance (the bounds below hold for either)
    return CoupledModel(POTENTIAL, ORIENTATION,
                        CoupledGeometry(atomistic_radius_A=radius, handshake_width_A=4.0, outer_radius_A=100.0,
                                        mesh_growth=MESH_GROWTH), minimiser="precon-fire")


@pytest.fixture(scope="module")
def solved():
    results = []
    reference = None
    for radius in RADII:
        with edge_model(radius) as model:
            fields = [model.dislocation([0.5, -0.5, 0.0])]
            if reference is None:
                reference = solve_reference(model, fields, FMAX)
                centre, a0 = model.centre, model.properties.a0_A
            results.append(compare_with_reference(model, fields, FMAX, reference))
    return results, reference, centre, a0


@pytest.fixture(scope="module")
def comparisons(solved):
    results = solved[0]
    print("\nR_a (Å)  max error (Å)  rms error (Å)  atoms  nodes  reference atoms  DOF ratio")
    for c in results:
        print(f"{c.atomistic_radius_A:7.0f}  {c.max_displacement_error_A:13.4f}  {c.rms_displacement_error_A:13.4f}"
              f"  {c.coupled_atoms:5d}  {c.coupled_nodes:5d}  {c.reference_atoms:15d}  {c.dof_ratio:9.2f}")
    return results


def test_both_models_converged(comparisons):
    for c in comparisons:
        assert c.reference_converged
        assert c.coupled_residual_eV_per_A <= FMAX


def test_reference_dislocation_dissociated_into_partials(solved):
    """Disregistry across the glide plane: a plateau at b/2 (the stacking fault between two
    Shockley partials) at least 8 Å wide, found in the relaxed atoms, not assumed."""
    _, reference, centre, a0 = solved
    b = a0 / np.sqrt(2)
    X, u = reference.positions, reference.displacements
    d111 = a0 / np.sqrt(3)
    above = np.flatnonzero((X[:, 1] > centre[1]) & (X[:, 1] < centre[1] + d111 / 2 + 0.1))
    below = np.flatnonzero((X[:, 1] < centre[1]) & (X[:, 1] > centre[1] - d111 / 2 - 0.1))
    near = np.abs(X[above, 0] - centre[0]) < 40.0
    above = above[near]
    period_z = a0 * np.sqrt(6) / 2
    dx = X[above, 0][:, None] - X[below, 0][None, :]
    dz = X[above, 2][:, None] - X[below, 2][None, :]
    dz -= period_z * np.round(dz / period_z)
    partner = np.argmin(dx**2 + dz**2, axis=1)  # nearest atom across the glide plane
    slip = np.abs(u[above, 0] - u[below[partner], 0])
    on_fault = X[above, 0][np.abs(slip - b / 2) < 0.25 * b]
    assert on_fault.max() - on_fault.min() >= 8.0


def test_error_decreases_with_atomistic_radius(comparisons):
    errors = [c.max_displacement_error_A for c in comparisons]
    assert errors == sorted(errors, reverse=True)
    rms = [c.rms_displacement_error_A for c in comparisons]
    assert rms == sorted(rms, reverse=True)


def test_error_below_two_hundredths_of_an_angstrom_from_30_A(comparisons):
    for c in comparisons:
        assert c.atomistic_radius_A >= 30.0
        assert c.max_displacement_error_A <= 0.02

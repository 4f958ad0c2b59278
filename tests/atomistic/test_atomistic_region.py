"""AtomisticRegion against independent references: finite differences, rotations, analytic minima."""

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk
from scipy.spatial.transform import Rotation

from handshake.atomistic import AtomisticRegion
from handshake.atomistic.region import id_ranges
from handshake.errors import InputError


def rattled_cu(repeat=(3, 3, 3), seed=1):
    atoms = bulk("Cu", "fcc", a=3.615, cubic=True).repeat(repeat)
    atoms.rattle(0.08, seed=seed)
    return atoms


def energy_of(atoms, potential="Cu_mishin1"):
    with AtomisticRegion(atoms, potential) as region:
        return region.compute()


def test_forces_are_minus_energy_gradient():
    """Central finite differences of the energy reproduce the forces (independent of f extraction)."""
    atoms = rattled_cu()
    with AtomisticRegion(atoms, "Cu_mishin1") as region:
        region.compute()
        forces = region.gather_forces()
        h = 1e-5
        for atom, axis in [(0, 0), (17, 1), (50, 2)]:
            energies = []
            for sign in (+1, -1):
                u = np.zeros(3)
                u[axis] = sign * h
                region.set_displacements([atom + 1], (atoms.positions[atom] + u - atoms.positions[atom])[None])
                energies.append(region.compute())
            region.set_displacements([atom + 1], np.zeros((1, 3)))
            assert forces[atom, axis] == pytest.approx(-(energies[0] - energies[1]) / (2 * h), abs=2e-6)


def test_rotated_triclinic_cell_gives_same_energy_and_rotated_forces():
    """A rigid rotation of a sheared periodic cell (not LAMMPS' lower-triangular form)."""
    atoms = rattled_cu((3, 3, 3), seed=2)
    atoms.set_cell(atoms.cell.array @ np.array([[1, 0.05, 0.02], [0, 1, -0.03], [0, 0, 1]]), scale_atoms=True)
    R = Rotation.from_euler("zyx", [30, 20, 10], degrees=True).as_matrix()
    rotated = atoms.copy()
    rotated.set_cell(atoms.cell.array @ R.T, scale_atoms=False)
    rotated.positions = atoms.positions @ R.T
    with AtomisticRegion(atoms, "Cu_mishin1") as a, AtomisticRegion(rotated, "Cu_mishin1") as b:
        assert a.compute() == pytest.approx(b.compute(), rel=1e-12)
        np.testing.assert_allclose(b.gather_forces(), a.gather_forces() @ R.T, atol=1e-10)
        np.testing.assert_allclose(b.stress_GPa(), R @ a.stress_GPa() @ R.T, atol=1e-9)
        assert np.abs(b.gather_displacements()).max() < 1e-9  # positions come back wrapped


def test_perfect_crystal_energy_is_translation_invariant_and_forces_vanish():
    atoms = bulk("Cu", "fcc", a=3.615, cubic=True).repeat((3, 3, 3))
    shifted = atoms.copy()
    shifted.positions += [0.3, -1.1, 2.7]
    with AtomisticRegion(atoms, "Cu_mishin1") as a, AtomisticRegion(shifted, "Cu_mishin1") as b:
        assert a.compute() == pytest.approx(b.compute(), rel=1e-13)
        assert np.abs(a.gather_forces()).max() < 1e-10


def test_displacements_use_minimum_image_across_periodic_boundary():
    atoms = bulk("Cu", "fcc", a=3.615, cubic=True).repeat((3, 3, 3))
    with AtomisticRegion(atoms, "Cu_mishin1") as region:
        corner = np.argmin(atoms.positions.sum(axis=1)) + 1  # atom at the origin
        region.set_displacements([corner], np.array([[-0.4, 0.2, -0.1]]))
        region.compute()  # LAMMPS wraps the atom into the box
        np.testing.assert_allclose(region.gather_displacements()[corner - 1], [-0.4, 0.2, -0.1], atol=1e-12)


def test_cg_with_observer_spring_finds_analytic_minimum_and_keeps_fixed_group():
    """A lone atom in a harmonic external well (energy and force from an observer) relaxes
    to the well's centre; an atom in a fixed group, pushed by an external force, stays put."""
    atoms = Atoms("Cu2", positions=[[0, 0, 0], [30.0, 0, 0]], pbc=False)
    centre = np.array([0.7, -0.4, 0.25])
    k = np.diag([2.0, 3.0, 5.0])  # anisotropic stiffness, eV/Å²

    def spring(step):
        local = np.flatnonzero(step.ids == 1)
        if local.size:
            d = step.x[local[0]] - centre
            step.add_forces(local[:1], -k @ d)
            step.energy_eV += 0.5 * d @ k @ d

    with AtomisticRegion(atoms, "Cu_mishin1", groups={"pad": [2]}) as region:
        region.attach(spring, energy=True)
        region.set_external_forces([2], np.array([[1.0, 1.0, 1.0]]))
        result = region.minimize(1e-10, style="cg", fixed=("pad",))
        positions = region.gather_positions()
    assert result.converged
    np.testing.assert_allclose(positions[0], centre, atol=1e-9)
    np.testing.assert_allclose(positions[1], [30.0, 0, 0], atol=0)


def test_fire_minimisation_relaxes_rattled_crystal_to_perfect_lattice_energy():
    atoms = rattled_cu((3, 3, 3), seed=4)
    with AtomisticRegion(atoms, "Cu_mishin1") as region:
        result = region.minimize(1e-6, style="fire", max_iterations=5000)
    # Mishin et al., PRB 63, 224106 (2001): cohesive energy 3.54 eV/atom
    assert result.converged
    assert result.energy_eV / len(atoms) == pytest.approx(-3.54, abs=0.005)


def test_id_ranges_compresses_contiguous_ids():
    assert id_ranges(np.array([7, 1, 2, 3, 4, 9, 10, 11, 12])) == "1:4 7 9:12"
    assert id_ranges(np.array([5])) == "5"


def test_elements_the_potential_lacks_are_refused():
    with pytest.raises(InputError, match="no parameters for Ni"):
        AtomisticRegion(Atoms("CuNi", positions=[[0, 0, 0], [2.5, 0, 0]]), "Cu_mishin1")


def test_unknown_fixed_group_is_refused():
    with AtomisticRegion(rattled_cu((2, 2, 2)), "Cu_mishin1") as region:
        with pytest.raises(InputError, match="no group named 'pad'"):
            region.minimize(fixed=("pad",))


@pytest.mark.parametrize("action", ["run", "minimize", "compute"])
def test_observer_exception_stops_lammps_and_is_raised(action):
    """An error inside an observer must not be swallowed by the C callback."""
    calls = []

    def broken(step):
        calls.append(step.step)
        if len(calls) == 3 or action == "compute":
            raise ValueError("observer broke")

    with AtomisticRegion(rattled_cu((2, 2, 2)), "Cu_mishin1") as region:
        region.attach(broken)
        with pytest.raises(ValueError, match="observer broke"):
            {"run": lambda: region.run(50), "minimize": lambda: region.minimize(1e-12),
             "compute": region.compute}[action]()
        assert len(calls) < 10  # stopped at the step (or line search) that failed
        region.detach_all()
        region.run(2)  # the region stays usable


def test_iteration_counts_beyond_lammps_32_bit_counter():
    """LAMMPS counts minimiser iterations and force evaluations in 32-bit integers: a cap
    that does not fit is refused, and one whose evaluation cap (10 ×) would not is clipped
    (it used to crash LAMMPS with a segmentation fault)."""
    with AtomisticRegion(rattled_cu((2, 2, 2)), "Cu_mishin1") as region:
        with pytest.raises(InputError, match="32-bit"):
            region.minimize(1e-6, max_iterations=2**31)
        assert region.minimize(1e-6, style="fire", max_iterations=300_000_000).converged


def test_a_stopped_run_leaves_later_runs_whole():
    """Runs stopped early (an observer's stop, the force guard) end through LAMMPS's soft
    stop; it must not carry over: the next run does all its steps."""
    steps = []

    def stop_at_third(step):
        steps.append(step.step)
        if step.step == 3:
            step.stop()

    with AtomisticRegion(rattled_cu((2, 2, 2)), "Cu_mishin1") as region:
        region.attach(stop_at_third)
        assert region.iterate(100) == 3
        region.detach_all()
        region.watch_forces(1e-3)                  # below the rattled crystal's forces
        region.run(50)
        assert int(region.lmp.extract_global("ntimestep")) == 0     # stopped at the set-up evaluation
        region.watch_forces(100.0)
        counted = []
        region.attach(lambda step: counted.append(step.step))
        region.run(20)
        assert counted == list(range(21))          # set-up and 20 steps

"""Random CuNi: realisations by site and seed, effective medium, average-atom patch test, misfit."""

import numpy as np
import pytest
from mpi4py import MPI  # noqa: F401  (before lammps)

from handshake.alloys import effective_medium, random_species
from handshake.alloys.average_atom import average_atom_potential
from handshake.alloys.misfit import misfit_forces
from handshake.coupling import CoupledGeometry, CoupledModel
from handshake.atomistic.crystal import Crystal
from handshake.coupling.geometry import crystal_disc
from handshake.coupling.verification import PATCH_ORIENTATIONS, PATCH_STRAINS, patch_geometry, patch_test
from handshake.materials import material_properties
from handshake.hpc.seed_sweep import sample_statistics

CUNI = {"Cu": 0.5, "Ni": 0.5}
ORIENTATION = [[1, -1, 0], [1, 1, 1], [-1, -1, 2]]


def test_realisation_depends_on_site_and_seed_only():
    crystal = Crystal("fcc", "Cu", 3.58, tuple(map(tuple, ORIENTATION)))
    small, _ = crystal_disc(crystal, (0.3, 0.6), 30.0)
    large, _ = crystal_disc(crystal, (0.3, 0.6), 90.0)
    s_small = random_species(small.positions, CUNI, 7, 3.58 / 4)
    s_large = random_species(large.positions, CUNI, 7, 3.58 / 4)
    index = {tuple(np.round(p, 6)): k for k, p in enumerate(large.positions)}
    assert all(s_large[index[tuple(np.round(p, 6))]] == s for p, s in zip(small.positions, s_small))
    # composition: binomial scatter, 4 standard deviations
    n = len(s_large)
    assert abs(s_large.count("Cu") / n - 0.5) < 4 * np.sqrt(0.25 / n)
    other = random_species(large.positions, CUNI, 8, 3.58 / 4)
    assert 0.4 < np.mean(np.array(other) != np.array(s_large)) < 0.6   # independent seeds differ on half


def test_pure_supercell_reproduces_the_pure_material():
    # the supercell machinery against the independently computed pure-Cu properties
    medium = effective_medium("CuNi", {"Cu": 1.0}, n_supercells=1, repeat=3)
    pure = material_properties("CuNi", "Cu")
    assert medium.a0_A == pytest.approx(pure.a0_A, abs=2e-4)
    for name in ("C11_GPa", "C12_GPa", "C44_GPa"):
        assert medium.mean(name) == pytest.approx(getattr(pure, name), rel=0.01)


def test_effective_medium_matches_independent_random_supercells():
    medium = effective_medium("CuNi", CUNI, n_supercells=5, repeat=3)
    others = effective_medium("CuNi", CUNI, n_supercells=5, repeat=3, first_seed=2000)
    for name in ("a0_A", "C11_GPa", "C12_GPa", "C44_GPa"):
        scatter = np.hypot(medium.std(name), others.std(name)) / np.sqrt(5)
        assert abs(medium.mean(name) - others.mean(name)) <= 3 * scatter, name
    # Vegard-like bounds: between the pure elements
    cu, ni = material_properties("CuNi", "Cu"), material_properties("CuNi", "Ni")
    assert min(cu.a0_A, ni.a0_A) < medium.a0_A < max(cu.a0_A, ni.a0_A)


def test_average_atom_crystal_passes_the_patch_test():
    potential = average_atom_potential("CuNi", CUNI)
    props = material_properties(potential, "X", "fcc")
    medium = effective_medium("CuNi", CUNI, n_supercells=5, repeat=3)
    # the A-atom lattice is the random alloy's mean lattice (Varvenne et al. 2016)
    assert props.a0_A == pytest.approx(medium.a0_A, abs=3 * medium.std("a0_A"))
    geometry = patch_geometry(props.cutoff_A, props.a0_A / np.sqrt(2))
    with CoupledModel(potential, PATCH_ORIENTATIONS["fcc"], geometry, element="X") as model:
        for name in ("uniaxial", "shear"):
            result = patch_test(model, PATCH_STRAINS[name])
            assert result["max_ghost_force_eV_per_A"] <= 1e-6, name


def test_misfit_forces_at_the_handshake_are_reported():
    medium = effective_medium("CuNi", CUNI, n_supercells=5, repeat=3)
    geometry = CoupledGeometry(15.0, 4.0, 60.0)

    def alloy(positions):
        return random_species(positions, medium.composition, 3, medium.a0_A / 4)

    with CoupledModel("CuNi", ORIENTATION, geometry, properties=medium.material_properties(),
                      species=alloy) as model:
        misfit = misfit_forces(model)
    assert 0.02 < misfit["handshake_rms_eV_per_A"] < 1.0
    # the same geometry filled with pure Cu on its own lattice has no misfit
    with CoupledModel("CuNi", ORIENTATION, geometry) as model:
        assert misfit_forces(model)["handshake_max_eV_per_A"] < 1e-6


def test_confidence_interval_uses_student_t():
    values = [10.0, 12.0, 11.0, 13.0, 9.0, 12.0, 10.0, 11.0]
    s = sample_statistics(values)
    # t_{0.975, 7} = 2.3646 (tables)
    half = 2.3646 * np.std(values, ddof=1) / np.sqrt(8)
    assert s["ci95"] == pytest.approx([11.0 - half, 11.0 + half], abs=1e-3)

"""Smooth cutoff of a tabulated EAM alloy potential: the CuNi table's force jump and its fix.

Checked with LAMMPS itself (an isolated Ni pair straddling the cutoff) and with the
force-based coupled relaxation of a random CuNi edge dislocation, which stalls at
~1e-2 eV/Å with the original table (the defect this module removes).
"""

from pathlib import Path

import numpy as np
import pytest
from ase import Atoms
from mpi4py import MPI  # noqa: F401  (before lammps)

from handshake.alloys.smooth_cutoff import read_setfl, smoothstep_taper, taper_setfl
from handshake.atomistic import AtomisticRegion
from handshake.atomistic.potentials import load_potential

REPO = Path(__file__).resolve().parents[2]


def pair_energy_and_force(potential: str, r_A: float, symbols: str = "Ni2"):
    """Energy (eV) and |force| (eV/Å) on an isolated pair at distance ``r_A``, by LAMMPS."""
    atoms = Atoms(symbols, positions=[[10, 10, 10], [10 + r_A, 10, 10]], cell=[30, 30, 30], pbc=True)
    with AtomisticRegion(atoms, load_potential(potential)) as region:
        energy = region.compute()
        force = float(np.linalg.norm(region.gather_forces()[0]))
    return energy, force


def test_smoothstep_is_one_below_and_zero_at_the_cutoff_with_zero_slope():
    r = np.array([5.0, 6.0, 6.4 - 1e-6, 6.4, 7.0])
    S = smoothstep_taper(r, 6.4, 0.4)
    assert S[0] == 1.0 and S[1] == 1.0 and S[3] == 0.0 and S[4] == 0.0
    assert S[2] < 1e-15
    # C¹: the slope at both ends vanishes (finite differences)
    h = 1e-6
    for end in (6.0, 6.4):
        assert abs(smoothstep_taper(end + h, 6.4, 0.4) - smoothstep_taper(end - h, 6.4, 0.4)) / (2 * h) < 1e-5


def test_original_ni_pair_has_a_force_spike_at_the_cutoff_and_the_tapered_one_none():
    cutoff = read_setfl(load_potential("CuNi").files[0])["cutoff_A"]
    dr = 0.0128
    # original: inside the last table interval the Ni density drops from ~1e-5 to 0
    # (LAMMPS measured: an energy step of 7e-4 eV for a Ni pair, a force of 0.06 eV/Å
    # over the last interval; tapered: below 2e-5 eV/Å, the spline's round-off)
    _, f_original = pair_energy_and_force("CuNi", cutoff - 0.5 * dr)
    _, f_smooth = pair_energy_and_force("CuNi_smooth", cutoff - 0.5 * dr)
    assert f_original > 1e-2
    assert f_smooth < 1e-4
    # unchanged where the taper is 1
    e_orig, f_orig = pair_energy_and_force("CuNi", 5.5)
    e_smooth, f_sm = pair_energy_and_force("CuNi_smooth", 5.5)
    assert e_smooth == pytest.approx(e_orig, abs=1e-12) and f_sm == pytest.approx(f_orig, abs=1e-12)


def test_shipped_table_is_what_taper_setfl_makes(tmp_path):
    source = load_potential("CuNi").files[0]
    changed = taper_setfl(source, tmp_path / "x.eam.alloy", 0.4, "(from CuNi.eam.alloy)")
    assert changed == ["rho_Ni", "phi_Ni-Ni"]
    made, shipped = read_setfl(tmp_path / "x.eam.alloy"), read_setfl(REPO / "potentials" / "CuNi_smooth.eam.alloy")
    for key in ("F", "rho", "rphi"):
        for a, b in zip(made[key], shipped[key]):
            np.testing.assert_array_equal(a, b)

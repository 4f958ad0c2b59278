"""AtomisticRegion on 1 and 2 MPI ranks: same physics, same ids, whatever LAMMPS reorders.

The script ``mpi_scripts/region_exchange.py`` runs a rattled Cu block with
re-neighbouring and atom sorting forced every step, so the local order of atoms and
their owning rank change all the time. It is run once serially and once under
``mpiexec -n 2``; the test compares the two and checks the id bookkeeping against the
values the script prescribed (independent of the code under test).
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from command_line import MPIEXEC

SCRIPT = Path(__file__).parents[1] / "mpi_scripts" / "region_exchange.py"


def run_script(out: Path, ranks: int) -> dict:
    cmd = [sys.executable, str(SCRIPT), str(out)]
    if ranks > 1:
        cmd = [str(MPIEXEC), "-n", str(ranks)] + cmd
    subprocess.run(cmd, check=True, timeout=300, env=os.environ.copy())
    return dict(np.load(out))


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mpi")
    return {n: run_script(tmp / f"ranks{n}.npz", n) for n in (1, 2)}


@pytest.mark.mpi
def test_two_ranks_really_ran(runs):
    assert runs[1]["ranks"] == 1 and runs[2]["ranks"] == 2


@pytest.mark.mpi
def test_energy_and_forces_by_id_match_serial(runs):
    one, two = runs[1], runs[2]
    assert abs(one["energy"] - two["energy"]) <= 1e-10 * abs(one["energy"])
    np.testing.assert_allclose(two["forces"], one["forces"], rtol=0, atol=1e-10)


@pytest.mark.mpi
@pytest.mark.parametrize("ranks", [1, 2])
def test_external_forces_land_on_their_ids_after_resorting(runs, ranks):
    run = runs[ranks]
    assert run["remaps"] > 20, "the id maps should have been rebuilt after re-sorting"
    np.testing.assert_allclose(run["recovered"], run["ext_forces"], rtol=0, atol=1e-12)
    assert np.abs(run["others"]).max() <= 1e-12


@pytest.mark.mpi
@pytest.mark.parametrize("ranks", [1, 2])
def test_pad_atoms_follow_prescribed_displacement_by_id(runs, ranks):
    run = runs[ranks]
    pad = run["pad_ids"] - 1
    np.testing.assert_allclose(run["displacements"][pad], run["expected_pad_u"], rtol=0, atol=1e-12)


@pytest.mark.mpi
def test_md_trajectory_independent_of_rank_count(runs):
    np.testing.assert_allclose(runs[2]["positions"], runs[1]["positions"], rtol=0, atol=1e-9)

"""Coupled dynamics on 1 and 2 MPI ranks gives the same trajectory for a fixed seed.

A thermalised strip (LAMMPS ``velocity create ... loop geom``), a wave packet, and a
Langevin band whose noise is drawn for the whole band from (seed, step) on every rank;
the continuum state is replicated and fed by slot, not by rank order. What differs is the
order in which LAMMPS sums forces on each rank, so the runs agree to round-off, amplified
by the chaos of 200 thermal MD steps.
"""

from pathlib import Path

import numpy as np
import pytest
from command_line import script_on_ranks

SCRIPT = Path(__file__).parents[1] / "mpi_scripts" / "coupled_strip_dynamics.py"


@pytest.mark.mpi
@pytest.mark.parametrize("method", ["force", "energy", "bdm"])
def test_one_and_two_ranks_agree(tmp_path, method):
    runs = script_on_ranks(SCRIPT, [method, "200"], tmp_path)
    assert runs[2]["ranks"] == 2
    du = np.abs(runs[1]["u"] - runs[2]["u"]).max()
    dv = np.abs(runs[1]["v"] - runs[2]["v"]).max()
    dn = np.abs(runs[1]["u_nodes"] - runs[2]["u_nodes"]).max()
    de = abs(runs[1]["energy"] - runs[2]["energy"]) / abs(runs[1]["energy"])
    print(f"\n{method}: 1 vs 2 ranks after 200 steps: max |Δu| {du:.1e} Å, |Δv| {dv:.1e} Å/ps, "
          f"nodes {dn:.1e} Å, relative energy {de:.1e}")
    assert np.abs(runs[1]["u"]).max() > 1e-3          # something moved
    assert du <= 1e-10 and dn <= 1e-10 and dv <= 1e-9

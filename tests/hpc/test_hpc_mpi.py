"""`mpiexec -n 2 handshake run` gives the results of 1 rank (the command as a user runs it).

Statics: relaxed to 1e-8 eV/Å, atoms and continuum agree to 1e-8 Å (the atoms are written
with 8 decimals in atoms.extxyz, the continuum in float64 in the VTU files). A K ramp
through crack advance at the scenario's own tolerance gives the same K+, tip positions
and iteration counts.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import meshio
import numpy as np
import pytest
from ase.io import read

BIN = Path(sys.executable).parent
TINY = Path(__file__).parents[1] / "data" / "tiny_crack_Si.toml"


def run(ranks, out, *sets):
    cmd = [str(BIN / "handshake"), "run", str(TINY), "--out", str(out), *(a for s in sets for a in ("--set", s))]
    if ranks > 1:
        cmd = [str(BIN / "mpiexec"), "-n", str(ranks), *cmd]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=os.environ.copy())
    assert result.returncode == 0, result.stderr
    return json.loads((out / "summary.json").read_text())


@pytest.mark.mpi
def test_statics_on_two_ranks_match_one_rank_to_1e_8_A(tmp_path):
    sets = ["crack.loading=[0.8, 1.0]", "coupling.fmax_eV_per_A=1e-8"]
    one, two = run(1, tmp_path / "1", *sets), run(2, tmp_path / "2", *sets)
    assert (one["provenance"]["mpi_ranks"], two["provenance"]["mpi_ranks"]) == (1, 2)
    for a, b in zip(one["results"]["steps"], two["results"]["steps"]):
        assert a["converged"] and b["converged"]
        assert abs(a["energy_eV"] - b["energy_eV"]) < 1e-9
    frames = [read(tmp_path / str(n) / "atoms.extxyz", index=":") for n in (1, 2)]
    assert len(frames[0]) == len(frames[1]) == 2
    for a, b in zip(*frames):
        assert np.abs(a.arrays["displacement"] - b.arrays["displacement"]).max() <= 1.01e-8  # 8 decimals
    for step in range(2):
        u = [meshio.read(tmp_path / str(n) / f"continuum_{step:05d}.vtu").point_data["displacement"] for n in (1, 2)]
        assert np.abs(u[0] - u[1]).max() <= 1e-8


@pytest.mark.mpi
def test_k_ramp_on_two_ranks_finds_the_same_k_plus(tmp_path):
    one, two = run(1, tmp_path / "1"), run(2, tmp_path / "2")
    assert one["results"]["K_plus_MPa_sqrt_m"] is not None
    for key in ("K_G_MPa_sqrt_m", "K_plus_MPa_sqrt_m", "K_plus_over_K_G", "failure_mode"):
        assert one["results"][key] == two["results"][key], key
    assert [(s["tip_x_A"], s["broken_bonds"], s["iterations"]) for s in one["results"]["steps"]] == \
           [(s["tip_x_A"], s["broken_bonds"], s["iterations"]) for s in two["results"]["steps"]]

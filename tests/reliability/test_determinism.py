"""Determinism: the same scenario gives the same results run after run and on 1 or 2 ranks.

A small Si crack ramp (loading through K+ and one unloading step) is run three times with
``handshake run``: twice on one rank, once under ``mpiexec -n 2``. A scenario run draws
no random numbers, so

- two runs on the same number of ranks are identical: every field of every load step
  (but the wall time) and every displacement and stress written to ``atoms.extxyz``;
- on 2 ranks LAMMPS sums forces in another order, so floating-point round-off differs:
  the discrete results (tip position, broken bonds, iterations, K+, K−, failure mode)
  are identical, displacements (Å) and stresses (GPa) agree to the last decimal (1e-8) of
  ``atoms.extxyz``, energies within 1e-10 relative, and the largest residual force
  (which sits at the tolerance 1e-5 eV/Å) within 1e-5 relative (README, "Reliability").

``tests/test_coupling_mpi.py`` checks the same for the relaxed dislocation of the
coupling methods directly (1e-8 Å at a 1e-8 eV/Å tolerance).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from ase.io import read

BIN = Path(sys.executable).parent
SCENARIO = """name = "determinism"
kind = "crack"
[material]
potential = "Si_sw"
orientation = [[1, 1, -2], [1, 1, 1], [1, -1, 0]]
[geometry]
atomistic_radius_A = 20.0
handshake_width_A = 5.0
outer_radius_A = 100.0
[coupling]
fmax_eV_per_A = 1e-5
[crack]
loading = [0.6, 1.2, 1.4]
unloading = [0.4]
"""
DISCRETE = ("K_MPa_sqrt_m", "branch", "tip_x_A", "broken_bonds", "converged", "iterations")


def run(tmp_path, name, ranks):
    command = [str(BIN / "handshake"), "run", "scenario.toml", "--out", name]
    if ranks > 1:
        command = [str(BIN / "mpiexec"), "-n", str(ranks), *command]
    subprocess.run(command, cwd=tmp_path, check=True, capture_output=True, timeout=600, env=os.environ.copy())
    summary = json.loads((tmp_path / name / "summary.json").read_text())
    frames = read(tmp_path / name / "atoms.extxyz", index=":")
    return summary, frames


@pytest.mark.mpi
def test_same_scenario_same_results_across_runs_and_ranks(tmp_path):
    (tmp_path / "scenario.toml").write_text(SCENARIO)
    first, first_frames = run(tmp_path, "first", 1)
    again, again_frames = run(tmp_path, "again", 1)
    two, two_frames = run(tmp_path, "two_ranks", 2)
    assert first["provenance"]["mpi_ranks"] == 1 and two["provenance"]["mpi_ranks"] == 2
    steps = first["results"]["steps"]
    assert len(steps) == 4 and all(s["converged"] for s in steps)
    # the ramp is not trivial: the crack advances (K+ found) and cleaves
    assert first["results"]["K_plus_MPa_sqrt_m"] is not None

    def without_time(summary):
        return [{k: v for k, v in s.items() if k != "wall_time_s"} for s in summary["results"]["steps"]]

    # same number of ranks: identical, bit for bit
    assert without_time(again) == without_time(first)
    for key in ("K_plus_MPa_sqrt_m", "K_minus_MPa_sqrt_m", "K_G_MPa_sqrt_m", "failure_mode"):
        assert again["results"][key] == first["results"][key]
    for a, b in zip(first_frames, again_frames, strict=True):
        assert np.array_equal(a.arrays["displacement"], b.arrays["displacement"])
        assert np.array_equal(a.arrays["stress_GPa"], b.arrays["stress_GPa"])

    # 1 and 2 ranks: the same discrete results, round-off in the rest
    for a, b in zip(steps, two["results"]["steps"], strict=True):
        assert {k: a[k] for k in DISCRETE} == {k: b[k] for k in DISCRETE}
        assert b["energy_eV"] == pytest.approx(a["energy_eV"], rel=1e-10)
        assert b["max_residual_eV_per_A"] == pytest.approx(a["max_residual_eV_per_A"], rel=1e-5)
    for key in ("K_plus_MPa_sqrt_m", "K_minus_MPa_sqrt_m", "failure_mode"):
        assert two["results"][key] == first["results"][key]
    for a, b in zip(first_frames, two_frames, strict=True):  # 1.5e-8: one unit in the last decimal written
        assert np.abs(a.arrays["displacement"] - b.arrays["displacement"]).max() <= 1.5e-8
        assert np.abs(a.arrays["stress_GPa"] - b.arrays["stress_GPa"]).max() <= 1.5e-8

"""`handshake sweep` when realisations fail: listed, left out of the statistics, non-zero exit.

Every realisation of this small CuNi glide is given one minimiser iteration per load step,
so each stops with the unconverged-step guard (exit code 6); the sweep must say so in
its summary and table and exit with EXIT_REALISATIONS_FAILED instead of 0.
"""

import csv
import json
import subprocess
import sys

from handshake.hpc.seed_sweep import EXIT_REALISATIONS_FAILED
from handshake.studies.guards import EXIT_UNCONVERGED

SCENARIO = """
name = "failing CuNi sweep"
kind = "dislocation"
[material]
potential = "CuNi_smooth"
orientation = [[1, -1, 0], [1, 1, 1], [-1, -1, 2]]
[geometry]
atomistic_radius_A = 12.0
handshake_width_A = 4.0
outer_radius_A = 40.0
[coupling]
fmax_eV_per_A = 1e-4
max_iterations = 1
[[dislocations]]
burgers = [0.5, -0.5, 0.0]
[alloy]
composition = { Cu = 0.5, Ni = 0.5 }
supercells = 1
supercell_repeat = 2
[glide]
shear_stress_MPa = [0.0, 100.0]
"""


def test_failed_realisations_are_listed_and_the_exit_code_says_so(tmp_path):
    path = tmp_path / "cuni.toml"
    path.write_text(SCENARIO)
    out = tmp_path / "sweep"
    result = subprocess.run([sys.executable, "-m", "handshake", "sweep", str(path), "--seeds", "2", "--jobs", "2",
                             "--out", str(out)], capture_output=True, text=True, timeout=600)
    assert result.returncode == EXIT_REALISATIONS_FAILED, result.stderr[-2000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["failed"] == {s: f"exit code {EXIT_UNCONVERGED}, see seed-{s}.log" for s in ("1", "2")}
    assert summary["crss_MPa"]["n"] == 0
    rows = list(csv.DictReader((out / "realisations.csv").open()))
    assert [(r["seed"], r["status"]) for r in rows] == [("1", "failed"), ("2", "failed")]
    assert all(r["reason"].startswith(f"exit code {EXIT_UNCONVERGED}") for r in rows)

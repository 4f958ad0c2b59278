"""`handshake sweep --reference` on random CuNi: coupled and fully atomistic CRSS per seed.

A small version of the README's 8-seed comparison (benchmarks/crss_statistics.py): two
seeds, a 12 Å atomistic radius and two stresses, so that it runs in about a minute.
The fully atomistic reference (same species on every shared site, by the site hash of
handshake.alloys.solid_solution) has ≥ 10× the area; both ramps must converge at every
stress (the CuNi table's cutoff defect made the coupled one stall at ~1e-2 eV/Å).
"""

import json
import subprocess
import sys

import pytest

SCENARIO = """
name = "small CuNi CRSS"
kind = "dislocation"
[material]
potential = "CuNi_smooth"
orientation = [[1, -1, 0], [1, 1, 1], [-1, -1, 2]]
[geometry]
atomistic_radius_A = 12.0
handshake_width_A = 4.0
outer_radius_A = 73.0
[coupling]
fmax_eV_per_A = 1e-4
[[dislocations]]
burgers = [0.5, -0.5, 0.0]
[alloy]
composition = { Cu = 0.5, Ni = 0.5 }
seed = 1
supercells = 5
supercell_repeat = 4
[glide]
shear_stress_MPa = [0.0, 800.0]
glide_distance_A = 5.0
follow_core = false
"""


def test_sweep_with_reference_gives_both_crss_distributions(tmp_path):
    path = tmp_path / "cuni.toml"
    path.write_text(SCENARIO)
    out = subprocess.run([sys.executable, "-m", "handshake", "sweep", str(path), "--seeds", "2", "--jobs", "2",
                          "--reference", "--out", str(tmp_path / "sweep")], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    summary = json.loads((tmp_path / "sweep" / "summary.json").read_text())
    assert summary["failed"] == {}
    assert "CRSS" in out.stderr
    for seed in (1, 2):
        run = json.loads((tmp_path / "sweep" / f"seed-{seed}" / "summary.json").read_text())
        assert run["alloy"]["seed"] == seed
        assert all(s["converged"] for s in run["results"]["steps"])
        assert all(s["converged"] for s in run["reference"]["steps"])
        # the reference is ≥ 10× the coupled model's atoms' area
        assert run["reference"]["radius_A"] ** 2 >= 10 * (12.0 + 11.0) ** 2 * 0.999
        # the statistics are those of the runs' own critical stresses
        row = next(r for r in summary["realisations"] if r["seed"] == seed)
        assert row["crss_MPa"] == run["results"]["critical_stress_MPa"]
        assert row["reference_crss_MPa"] == run["reference"]["critical_stress_MPa"]
    glided = [r["crss_MPa"] for r in summary["realisations"] if r["crss_MPa"] is not None]
    assert summary["crss_MPa"]["n"] == len(glided)
    if glided:
        assert summary["crss_MPa"]["mean"] == pytest.approx(sum(glided) / len(glided))

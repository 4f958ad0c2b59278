"""`handshake run`: a crack scenario end to end, its outputs, and bad input that leaves nothing behind."""

import json
import os
import subprocess
import sys
from pathlib import Path

import meshio
import pytest
from ase.io import read

HANDSHAKE = Path(sys.executable).parent / "handshake"
SCENARIO = Path(__file__).parent.parent / "scenarios" / "crack_Si_111.toml"
SHORT = ["--set", "crack.loading={start=0.4, stop=0.6, step=0.2}", "--set", "crack.unloading={start=0.4, stop=0.2, step=0.2}"]


def handshake(*args):
    return subprocess.run([str(HANDSHAKE), *map(str, args)], capture_output=True, text=True, timeout=600,
                          env=os.environ.copy())


@pytest.fixture(scope="module")
def short_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "si"
    result = handshake("run", SCENARIO, "--out", out, *SHORT)
    assert result.returncode == 0, result.stderr
    return out, result


def test_summary_has_results_and_provenance(short_run):
    out, result = short_run
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "completed"
    assert [s["K_MPa_sqrt_m"] for s in summary["results"]["steps"]] == [0.4, 0.6, 0.4, 0.2]
    # Griffith K_G = sqrt(2 γ E') from the potential's own γ(111) and elastic constants
    assert summary["results"]["K_G_MPa_sqrt_m"] == pytest.approx(0.615, abs=0.002)
    prov = summary["provenance"]
    for key in ("handshake", "lammps", "potential_hash", "scenario", "command", "mpi_ranks"):
        assert prov[key] not in (None, "")
    assert "crack.loading" in prov["scenario"]  # the overrides are recorded
    assert summary["results"]["failure_mode"] in {"trapped", "cleavage", "cleavage with plasticity",
                                                  "blunting or emission"}
    assert len(result.stderr.strip().splitlines()) == 4  # one progress line per load step


def test_frames_of_atoms_and_continuum(short_run):
    out, _ = short_run
    frames = read(out / "atoms.extxyz", index=":")
    assert len(frames) == 4
    assert {"region", "displacement", "stress_GPa"} <= set(frames[0].arrays)
    pvd = (out / "continuum.pvd").read_text()
    assert pvd.count("<DataSet") == 4
    mesh = meshio.read(out / "continuum_00001.vtu")
    assert {"displacement", "stress_GPa", "region"} <= set(mesh.point_data)
    assert (out / "k_ramp.png").stat().st_size > 0


@pytest.mark.parametrize("args, expected", [
    (["--set", "crack.loading={start=1.0, stop=0.5, step=0.1}"],
     "crack: loading never loads: needs 0 < stop and start < stop"),
    (["--set", "geometry.colour=3"], "geometry.colour: Extra inputs are not permitted"),
    (["--set", "material.potential='NOPE'"], "material.potential: unknown potential 'NOPE'"),
    (["--set", "geometry.outer_radius_A=20"], "geometry.outer_radius_A: 20 Å does not enclose"),
    (["--set", "geometry.pad_width_A=1"], "geometry.pad_width_A: 1 Å is narrower"),
    (["--set", "nonsense"], "command line: --set: 'nonsense' is not KEY=VALUE"),
])
def test_bad_input_one_line_exit_2_nothing_written(tmp_path, args, expected):
    out = tmp_path / "never"
    result = handshake("run", SCENARIO, "--out", out, *args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected.replace("Value error, ", "") in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_existing_output_directory_is_not_overwritten(tmp_path):
    out = tmp_path / "taken"
    out.mkdir()
    (out / "summary.json").write_text("{}")
    result = handshake("run", SCENARIO, "--out", out, *SHORT)
    assert result.returncode == 2
    assert "exists and is not empty" in result.stderr
    assert (out / "summary.json").read_text() == "{}"

"""The handshake command line, run as a user runs it (a subprocess of the console script)."""

import json
import os
import subprocess
import sys
from pathlib import Path
from command_line import HANDSHAKE, handshake


def test_materials_json_matches_mishin(tmp_path):
    result = handshake("materials", "Cu_mishin1", "--json", env={"HANDSHAKE_CACHE_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    # Mishin et al., PRB 63, 224106 (2001)
    for key, published in {"a0_A": 3.615, "C11_GPa": 169.9, "C12_GPa": 122.6, "C44_GPa": 76.2,
                           "gamma_111_J_per_m2": 1.239}.items():
        assert abs(data[key] / published - 1) < 5e-3, key
    assert any((tmp_path / "materials").iterdir())
    again = handshake("materials", "Cu_mishin1", "--json", env={"HANDSHAKE_CACHE_DIR": str(tmp_path)})
    assert json.loads(again.stdout) == data


def test_materials_table_shows_published_comparison(tmp_path):
    result = handshake("materials", "Si_sw", env={"HANDSHAKE_CACHE_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "C44 (clamped ions)" in result.stdout and "Cowley" in result.stdout


def test_unknown_potential_is_one_line_exit_2():
    result = handshake("materials", "NOPE")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("handshake: error: potential: unknown potential 'NOPE'; known potentials: ")
    assert "Cu_mishin1" in lines[0] and "Si_sw" in lines[0]
    assert "Traceback" not in result.stderr


def test_bad_potential_file_names_file_and_field(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\npair_style = "eam"\npair_coeff = "* *"\nfiles = []\n'
                   'elements = ["Cu"]\nlattice = "fcc"\nmass = 3\n')
    result = handshake("materials", str(bad))
    assert result.returncode == 2
    assert result.stderr.strip() == f"handshake: error: {bad}: mass: Extra inputs are not permitted"


def test_missing_argument_is_one_line_exit_2():
    result = handshake("materials")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1


def test_potentials_lists_registry():
    result = handshake("potentials", "--json")
    assert result.returncode == 0
    names = {entry["name"] for entry in json.loads(result.stdout)}
    assert {"Cu_mishin1", "Si_sw"} <= names


def test_materials_under_mpiexec_two_ranks(tmp_path):
    """Material properties are collective: 2 ranks give rank 0's single JSON output."""
    mpiexec = Path(sys.executable).parent / "mpiexec"
    result = subprocess.run([str(mpiexec), "-n", "2", str(HANDSHAKE), "materials", "Si_sw", "--json"],
                            capture_output=True, text=True, timeout=300,
                            env={**os.environ, "HANDSHAKE_CACHE_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    # Cowley, PRL 60, 2379 (1988): C11 = 151.4 GPa for Stillinger-Weber Si
    assert abs(data["C11_GPa"] / 151.4 - 1) < 5e-3

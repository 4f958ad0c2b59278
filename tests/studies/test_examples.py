"""The example scripts in scenarios/ run as documented."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from ase.io import read

SCENARIOS = Path(__file__).parents[2] / "scenarios"


def test_crack_study_script(tmp_path):
    """The API script is "the same study" as the flagship scenario: it finds the same K_G, K+ and
    K−; and the flagship's output stays under 10 MB."""
    result = subprocess.run([sys.executable, str(SCENARIOS / "crack_study.py")], capture_output=True, text=True,
                            timeout=600, env=os.environ.copy())
    assert result.returncode == 0, result.stderr
    K_G = float(re.search(r"K_G = ([0-9.]+)", result.stdout).group(1))
    K_plus = float(re.search(r"K\+ = ([0-9.]+)", result.stdout).group(1))
    K_minus = float(re.search(r"K- = ([0-9.]+)", result.stdout).group(1))
    # Thomson's thermodynamic bounds of lattice trapping: K- <= K_G <= K+
    assert K_minus <= K_G <= K_plus
    cli = subprocess.run([sys.executable, "-m", "handshake", "--quiet", "run", str(SCENARIOS / "crack_Si_111.toml"),
                          "--out", str(tmp_path / "cli")], capture_output=True, text=True, timeout=600,
                         env=os.environ.copy())
    assert cli.returncode == 0, cli.stderr
    results = json.loads((tmp_path / "cli" / "summary.json").read_text())["results"]
    assert (K_plus, K_minus) == (results["K_plus_MPa_sqrt_m"], results["K_minus_MPa_sqrt_m"])
    assert K_G == pytest.approx(results["K_G_MPa_sqrt_m"], abs=1e-3)
    # the README's first command keeps its output small (a user runs hundreds of jobs): frames at
    # the first and last steps, every 10 load steps and where the tip moved
    size = sum(p.stat().st_size for p in (tmp_path / "cli").rglob("*") if p.is_file())
    assert size < 10e6
    written = [f.info["load_step"] for f in read(tmp_path / "cli" / "atoms.extxyz", index=":")]
    assert len(results["steps"]) == 33 and {0, 10, 20, 30, 32} <= set(written) and len(written) <= 8

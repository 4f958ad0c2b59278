"""The example scripts in scenarios/ run as documented."""

import os
import re
import subprocess
import sys
from pathlib import Path

SCENARIOS = Path(__file__).parents[2] / "scenarios"


def test_crack_study_script():
    result = subprocess.run([sys.executable, str(SCENARIOS / "crack_study.py")], capture_output=True, text=True,
                            timeout=600, env=os.environ.copy())
    assert result.returncode == 0, result.stderr
    K_G = float(re.search(r"K_G = ([0-9.]+)", result.stdout).group(1))
    K_plus = float(re.search(r"K\+ = ([0-9.]+)", result.stdout).group(1))
    K_minus = float(re.search(r"K- = ([0-9.]+)", result.stdout).group(1))
    # Thomson's thermodynamic bounds of lattice trapping: K- <= K_G <= K+
    assert K_minus <= K_G <= K_plus

"""The shipped CoCrFeNi scenario reproduces the figures its comment and the docs state
(issue 23: they had stopped reproducing on a fresh machine).

``scenarios/edge_dislocation_HEA.toml`` run as a user runs it (effective medium computed
afresh in the test's private cache): the medium's lattice parameter and elastic
constants, the stacking-fault width of the relaxed core, and the ramp to 1500 MPa without
glide. That the pinning is the alloy's and not the ramp's is checked on the same potential
and geometry with pure Ni (no ``[alloy]``): its core glides at the first step, 100 MPa.
"""

import re
from pathlib import Path

import pytest

from tests.command_line import handshake, summary

SCENARIO = Path(__file__).parents[2] / "scenarios" / "edge_dislocation_HEA.toml"


def test_hea_scenario_reproduces_its_documented_figures(tmp_path):
    out = handshake("run", SCENARIO, "--out", tmp_path / "hea")
    assert out.returncode == 0, out.stderr[-2000:]
    result = summary(tmp_path / "hea")
    medium = result["alloy"]["effective_medium"]["effective_medium"]
    # the figures of the scenario's comment and docs/validation/dislocations.md
    assert medium["a0_A"] == pytest.approx(3.5744, abs=5e-4)
    assert [medium[k] for k in ("C11_GPa", "C12_GPa", "C44_GPa")] == pytest.approx([236.9, 168.5, 79.5], abs=0.5)
    assert result["results"]["initial_stacking_fault_width_A"] == pytest.approx(7.20, abs=0.05)
    assert result["results"]["critical_stress_MPa"] is None
    assert result["results"]["last_stress_without_glide_MPa"] == 1500.0
    assert max(abs(s["core_displacement_A"]) for s in result["results"]["steps"]) < 0.3


def test_pure_nickel_core_of_the_same_set_up_glides_at_100_MPa(tmp_path):
    text = SCENARIO.read_text()
    text = re.sub(r"\n\[alloy\][^\[]*", "\n", text)
    text = text.replace('potential = "MoCoNiVFeAlCr_2nn"', 'potential = "MoCoNiVFeAlCr_2nn"\nelement = "Ni"')
    text = re.sub(r"shear_stress_MPa = .*", "shear_stress_MPa = [0.0, 100.0]", text)
    path = tmp_path / "ni.toml"
    path.write_text(text)
    out = handshake("run", path, "--out", tmp_path / "ni")
    assert out.returncode == 0, out.stderr[-2000:]
    assert summary(tmp_path / "ni")["results"]["critical_stress_MPa"] == 100.0

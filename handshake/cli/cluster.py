"""``handshake submit``, ``collect`` and ``estimate``: batch jobs on a cluster, their results,
and the resources of a scenario before it runs."""

from __future__ import annotations

import json
import shlex
import sys

from mpi4py import MPI

from ..errors import InputError
from ..hpc.collect import collect_sweep
from ..hpc.estimate import ITERATIONS_PER_LOAD_STEP, estimate_resources
from ..hpc.jobscript import Resources, parse_walltime
from ..hpc.submission import submit_sweep


def add_submit(commands) -> None:
    """The ``submit`` command."""
    submit = commands.add_parser("submit", help="write (and submit) a Slurm/PBS job array running a scenario or a sweep")
    submit.add_argument("scenario", help="scenario TOML file")
    submit.add_argument("--scheduler", required=True, choices=["slurm", "pbs"], help="batch system")
    submit.add_argument("--nodes", type=int, default=1, help="nodes per case (default 1)")
    submit.add_argument("--ntasks", type=int, default=1, help="MPI ranks per case (default 1)")
    submit.add_argument("--time", default="01:00:00", help="wall-time limit per case: MINUTES, HH:MM:SS or "
                                                           "D-HH:MM:SS (default 01:00:00)")
    submit.add_argument("--partition", help="Slurm partition or PBS queue")
    submit.add_argument("--account", help="account charged")
    submit.add_argument("--job-name", default="handshake", help="job name (default handshake)")
    submit.add_argument("--sweep", action="append", default=[], metavar="KEY=V1,V2,...",
                        help="sweep a scenario key over values (TOML syntax); repeat for a grid")
    submit.add_argument("--seeds", help="N (seeds 1..N) or a list S1,S2,...: one case per seed and sweep point")
    submit.add_argument("--seed-key", default="alloy.seed", help="scenario key that takes the seed "
                                                                 "(default alloy.seed)")
    submit.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a scenario value in every case")
    submit.add_argument("--out", help="sweep directory (default out/<scenario name>-sweep)")
    submit.add_argument("--dry-run", action="store_true", help="write and print the job script, submit nothing")
    submit.set_defaults(func=cmd_submit)


def add_collect(commands) -> None:
    """The ``collect`` command."""
    collect = commands.add_parser("collect", help="gather the summaries of a sweep into a table and a plot")
    collect.add_argument("directory", help="sweep directory written by handshake submit")
    collect.add_argument("--quantity", help="result plotted against the swept key (default K_plus_over_K_G "
                                            "for cracks)")
    collect.set_defaults(func=cmd_collect)


def add_estimate(commands) -> None:
    """The ``estimate`` command."""
    estimate = commands.add_parser("estimate", help="atoms, mesh, memory and wall time of a scenario")
    estimate.add_argument("scenario", help="scenario TOML file")
    estimate.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                          help="override a scenario value")
    estimate.add_argument("--ranks", type=int, default=1, help="MPI ranks the run will use (default 1)")
    estimate.add_argument("--iterations", type=int,
                          help="minimiser iterations per load step (default 408, from benchmarks/statics.py)")
    estimate.add_argument("--json", action="store_true", help="print JSON")
    estimate.set_defaults(func=cmd_estimate)


def _seeds(text: str | None) -> list[int] | None:
    """``--seeds``: ``N`` → 1..N, or an explicit list ``S1,S2,...``."""
    if text is None:
        return None
    try:
        values = [int(v) for v in text.split(",")]
    except ValueError:
        values = []
    if not values or (len(values) == 1 and values[0] < 1) or len(set(values)) != len(values):
        raise InputError(f"{text!r} is neither a positive count N nor a list of distinct integer seeds",
                         source="command line", field="--seeds")
    return list(range(1, values[0] + 1)) if len(values) == 1 else values


def cmd_submit(args) -> int:
    """Write (and submit) the job array of a scenario or a sweep."""
    resources = Resources(args.nodes, args.ntasks, parse_walltime(args.time), args.partition, args.account,
                          args.job_name)
    manifest = submit_sweep(args.scenario, args.scheduler, resources, args.sweep, _seeds(args.seeds),
                            args.seed_key, args.out, args.set, args.dry_run,
                            command=shlex.join(["handshake", *sys.argv[1:]]))
    n = len(manifest["cases"])
    if args.dry_run:
        print(manifest["script"], end="")
        print(f"handshake: dry run: {n} case(s); job script and manifest in {manifest['directory']} "
              "(nothing submitted)", file=sys.stderr)
    else:
        print(f"submitted {args.scheduler} job {manifest['job_id']}: {n} case(s) into {manifest['directory']}")
    return 0


def cmd_collect(args) -> int:
    """Gather the summaries of a sweep into a table and a plot."""
    table = collect_sweep(args.directory, args.quantity)
    for line in table.report_lines():
        print(line)
    return 0


def cmd_estimate(args) -> int:
    """Atoms, mesh, memory and wall time of a scenario before it runs."""
    if args.iterations is None:
        args.iterations = ITERATIONS_PER_LOAD_STEP
    for option, value in (("--ranks", args.ranks), ("--iterations", args.iterations)):
        if value < 1:
            raise InputError(f"{value} is not a positive number", source="command line", field=option)
    estimate = estimate_resources(args.scenario, args.set, ranks=args.ranks, iterations=args.iterations)
    if MPI.COMM_WORLD.rank != 0:
        return 0
    if args.json:
        print(json.dumps(estimate.to_dict(), indent=1))
    else:
        for line in estimate.report_lines():
            print(line)
    return 0

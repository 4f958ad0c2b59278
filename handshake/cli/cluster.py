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
    estimate = estimate_resources(args.scenario, args.set, ranks=args.ranks, iterations=args.iterations)
    if MPI.COMM_WORLD.rank != 0:
        return 0
    if args.json:
        print(json.dumps(estimate.to_dict(), indent=1))
    else:
        for line in estimate.report_lines():
            print(line)
    return 0

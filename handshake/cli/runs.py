"""``handshake run`` and ``handshake sweep``: a scenario, or a random alloy over many seeds."""

from __future__ import annotations

import json
from pathlib import Path

from mpi4py import MPI

from ..errors import InputError
from ..hpc.seed_sweep import EXIT_REALISATIONS_FAILED, run_sweep
from ..studies import run_scenario, run_status


def cmd_run(args) -> int:
    """Run a scenario file or continue a run from its checkpoint; print the results as JSON."""
    if (args.scenario is None) == (args.restart is None):
        raise InputError("give a scenario file or --restart DIR, not both or neither", source="command line",
                         field="run")
    if args.restart is not None and (args.out or args.overwrite):
        raise InputError("--restart writes into DIR; --out and --overwrite do not apply", source="command line",
                         field="--restart")
    summary = run_scenario(args.scenario, args.out, args.set, args.overwrite, args.reference, restart=args.restart,
                           lammps_log=args.lammps_log)
    if MPI.COMM_WORLD.rank == 0:
        results = {k: v for k, v in summary.get("results", {}).items() if k != "steps"}
        shown = {"scenario": summary["scenario"], **results, "wall_time_s": round(summary["wall_time_s"], 1)}
        if "reference" in summary:
            shown["reference"] = summary["reference"]
        print(json.dumps(shown, indent=1))
    return 0


def cmd_status(args) -> int:
    """One line per run directory saying what state its run is in (exit code 1 if any was killed)."""
    states = [run_status(d) for d in args.directory]
    if args.json:
        print(json.dumps(states, indent=1))
    else:
        for s in states:
            print(f"{s['directory']}: {s['message']}")
    return 1 if any(s["state"] == "killed" for s in states) else 0


def cmd_sweep(args) -> int:
    """Run a random-alloy scenario over many seeds here; print the CRSS statistics.

    Exits with :data:`~handshake.hpc.seed_sweep.EXIT_REALISATIONS_FAILED` if any
    realisation failed (they are listed in the sweep's ``summary.json`` and table)."""
    out = args.out or Path("out") / f"{Path(args.scenario).stem}-sweep"
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    summary = run_sweep(args.scenario, seeds, out, jobs=args.jobs, reference=args.reference, overrides=args.set)
    print(json.dumps({k: v for k, v in summary.items() if k != "realisations"}, indent=1))
    return EXIT_REALISATIONS_FAILED if summary["failed"] else 0

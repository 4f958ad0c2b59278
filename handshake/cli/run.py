"""``handshake run`` and ``handshake sweep``: a scenario, or a random alloy over many seeds."""

from __future__ import annotations

import json
from pathlib import Path

from mpi4py import MPI

from ..errors import InputError
from ..hpc.seed_sweep import run_sweep
from ..studies import run_scenario


def add_run(commands) -> None:
    """The ``run`` command."""
    run = commands.add_parser("run", help="run a scenario file")
    run.add_argument("scenario", nargs="?", help="scenario TOML file (not with --restart)")
    run.add_argument("--restart", metavar="DIR",
                     help="continue the run whose output directory (with checkpoint.npz) is DIR; --set still applies")
    run.add_argument("--out", help="output directory (default: out/<scenario name>, -2, -3, ... if taken)")
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                     help="override a scenario value, e.g. --set geometry.atomistic_radius_A=40")
    run.add_argument("--overwrite", action="store_true", help="write into a non-empty output directory")
    run.add_argument("--reference", action="store_true",
                     help="repeat the study fully atomistically on a domain 10× larger in area and compare")
    run.set_defaults(func=cmd_run)


def add_sweep(commands) -> None:
    """The ``sweep`` command."""
    sweep = commands.add_parser("sweep", help="a random-alloy scenario over many seeds: CRSS statistics")
    sweep.add_argument("scenario", help="scenario TOML file with [alloy] and [glide] sections")
    sweep.add_argument("--seeds", type=int, required=True, help="number of realisations")
    sweep.add_argument("--first-seed", type=int, default=1, help="seed of the first realisation (default 1)")
    sweep.add_argument("--jobs", type=int, default=2, help="realisations run at the same time (default 2)")
    sweep.add_argument("--out", help="output directory (default: out/<scenario name>-sweep)")
    sweep.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a scenario value")
    sweep.add_argument("--reference", action="store_true", help="each realisation also fully atomistic")
    sweep.set_defaults(func=cmd_sweep)


def cmd_run(args) -> int:
    """Run a scenario file or continue a run from its checkpoint; print the results as JSON."""
    if (args.scenario is None) == (args.restart is None):
        raise InputError("give a scenario file or --restart DIR, not both or neither", source="command line",
                         field="run")
    if args.restart is not None and (args.out or args.overwrite):
        raise InputError("--restart writes into DIR; --out and --overwrite do not apply", source="command line",
                         field="--restart")
    summary = run_scenario(args.scenario, args.out, args.set, args.overwrite, args.reference, restart=args.restart)
    if MPI.COMM_WORLD.rank == 0:
        results = {k: v for k, v in summary.get("results", {}).items() if k != "steps"}
        shown = {"scenario": summary["scenario"], **results, "wall_time_s": round(summary["wall_time_s"], 1)}
        if "reference" in summary:
            shown["reference"] = summary["reference"]
        print(json.dumps(shown, indent=1))
    return 0


def cmd_sweep(args) -> int:
    """Run a random-alloy scenario over many seeds here; print the CRSS statistics."""
    if args.seeds < 1 or args.jobs < 1:
        raise InputError("--seeds and --jobs must be at least 1", source="command line")
    out = args.out or Path("out") / f"{Path(args.scenario).stem}-sweep"
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    summary = run_sweep(args.scenario, seeds, out, jobs=args.jobs, reference=args.reference, overrides=args.set)
    print(json.dumps({k: v for k, v in summary.items() if k != "realisations"}, indent=1))
    return 0

"""The ``handshake`` command line.

Every error a user can fix (unknown potential, bad file, bad option) is printed as one
line on standard error and the command exits with code 2, without a traceback unless
``--debug`` is given. A run that a guard or a stop signal ended early prints one line
and exits with the code listed in :mod:`handshake.guards` (3 to 8).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys

from .errors import InputError
from .guards import RunStopped

#: (name, unit, attribute of MaterialProperties and of ReferenceProperties)
MATERIAL_ROWS = [
    ("a0", "Å", "a0_A"),
    ("cohesive energy", "eV", "cohesive_energy_eV"),
    ("C11", "GPa", "C11_GPa"),
    ("C12", "GPa", "C12_GPa"),
    ("C44 (relaxed ions)", "GPa", "C44_GPa"),
    ("C44 (clamped ions)", "GPa", "C44_unrelaxed_GPa"),
    ("gamma(100)", "J/m²", "gamma_100_J_per_m2"),
    ("gamma(110)", "J/m²", "gamma_110_J_per_m2"),
    ("gamma(111)", "J/m²", "gamma_111_J_per_m2"),
    ("cutoff", "Å", "cutoff_A"),
]


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line with exit code 2."""

    def error(self, message):  # noqa: D401 - argparse API
        raise InputError(message, source="command line")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="handshake", description=__doc__.splitlines()[0])
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error")
    # --debug is accepted after the command too (handshake run x.toml --debug)
    debug = _Parser(add_help=False)
    debug.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    _add_parser = commands.add_parser
    commands.add_parser = lambda *a, **k: _add_parser(*a, parents=[debug], **k)
    commands.required = True

    materials = commands.add_parser("materials", help="material properties computed from a potential")
    materials.add_argument("potential", help="registry name or path of a potential TOML file")
    materials.add_argument("--element", help="element (default: the potential's default_element)")
    materials.add_argument("--lattice", choices=["fcc", "bcc", "diamond"],
                           help="lattice (default: the potential's lattice)")
    materials.add_argument("--json", action="store_true", help="print JSON")
    materials.add_argument("--no-cache", action="store_true", help="recompute, ignore the cache")
    materials.set_defaults(func=cmd_materials)

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

    sweep = commands.add_parser("sweep", help="a random-alloy scenario over many seeds: CRSS statistics")
    sweep.add_argument("scenario", help="scenario TOML file with [alloy] and [glide] sections")
    sweep.add_argument("--seeds", type=int, required=True, help="number of realisations")
    sweep.add_argument("--first-seed", type=int, default=1, help="seed of the first realisation (default 1)")
    sweep.add_argument("--jobs", type=int, default=2, help="realisations run at the same time (default 2)")
    sweep.add_argument("--out", help="output directory (default: out/<scenario name>-sweep)")
    sweep.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a scenario value")
    sweep.add_argument("--reference", action="store_true", help="each realisation also fully atomistic")
    sweep.set_defaults(func=cmd_sweep)

    verify = commands.add_parser("verify", help="verification of the coupling")
    checks = verify.add_subparsers(dest="check", metavar="CHECK", parser_class=_Parser)
    checks.required = True
    _add_check = checks.add_parser
    checks.add_parser = lambda *a, **k: _add_check(*a, parents=[debug], **k)
    patch = checks.add_parser("patch-test", help="homogeneous strains: ghost forces and return to equilibrium")
    patch.add_argument("--potential", required=True, help="registry name or TOML path")
    patch.add_argument("--lattice", choices=["fcc", "bcc", "diamond"], help="default: the potential's")
    patch.add_argument("--element", help="default: the potential's default_element")
    patch.add_argument("--method", help="coupling method (default: every registered method)")
    patch.add_argument("--json", action="store_true", help="print JSON")
    patch.set_defaults(func=cmd_verify_patch_test)
    reference = checks.add_parser("reference", help="coupled versus fully atomistic run of a scenario")
    reference.add_argument("scenario", help="scenario TOML file")
    reference.add_argument("--json", action="store_true", help="print JSON")
    reference.set_defaults(func=cmd_verify_reference)

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

    collect = commands.add_parser("collect", help="gather the summaries of a sweep into a table and a plot")
    collect.add_argument("directory", help="sweep directory written by handshake submit")
    collect.add_argument("--quantity", help="result plotted against the swept key (default K_plus_over_K_G "
                                            "for cracks)")
    collect.set_defaults(func=cmd_collect)

    estimate = commands.add_parser("estimate", help="atoms, mesh, memory and wall time of a scenario")
    estimate.add_argument("scenario", help="scenario TOML file")
    estimate.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                          help="override a scenario value")
    estimate.add_argument("--ranks", type=int, default=1, help="MPI ranks the run will use (default 1)")
    estimate.add_argument("--iterations", type=int,
                          help="minimiser iterations per load step (default 408, from benchmarks/statics.py)")
    estimate.add_argument("--json", action="store_true", help="print JSON")
    estimate.set_defaults(func=cmd_estimate)

    potentials = commands.add_parser("potentials", help="list the registered potentials")
    potentials.add_argument("--json", action="store_true", help="print JSON")
    potentials.set_defaults(func=cmd_potentials)
    return parser


def cmd_materials(args) -> int:
    from mpi4py import MPI

    from .materials import material_properties
    from .potentials import load_potential

    pot = load_potential(args.potential)
    props = material_properties(pot, element=args.element, lattice=args.lattice,
                                use_cache=not args.no_cache)
    if MPI.COMM_WORLD.rank != 0:
        return 0
    if args.json:
        print(json.dumps(props.to_dict(), indent=1))
        return 0
    ref = pot.reference if props.element == pot.default_element and props.lattice == pot.lattice else None
    print(f"{pot.name}: {props.element} in {props.lattice} (potential hash {props.potential_hash})")
    print(f"{'property':<26}{'computed':>12}{'published':>12}{'diff':>9}")
    for label, unit, key in MATERIAL_ROWS:
        value = getattr(props, key)
        published = getattr(ref, key, None) if ref else None
        diff = f"{100 * (value / published - 1):+.2f} %" if published else ""
        shown = f"{published:.4g}" if published else "-"
        print(f"{label + ' (' + unit + ')':<26}{value:>12.5g}{shown:>12}{diff:>9}")
    if ref:
        print(f"published: {ref.citation}")
    return 0


def cmd_run(args) -> int:
    from mpi4py import MPI

    from .runner import run_scenario

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
    from pathlib import Path

    from .sweep import run_sweep

    if args.seeds < 1 or args.jobs < 1:
        raise InputError("--seeds and --jobs must be at least 1", source="command line")
    out = args.out or Path("out") / f"{Path(args.scenario).stem}-sweep"
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    summary = run_sweep(args.scenario, seeds, out, jobs=args.jobs, reference=args.reference, overrides=args.set)
    print(json.dumps({k: v for k, v in summary.items() if k != "realisations"}, indent=1))
    return 0


def cmd_verify_patch_test(args) -> int:
    from mpi4py import MPI

    from .coupling import METHODS, CoupledModel, coupling_method
    from .coupling.verification import PATCH_ORIENTATIONS, PATCH_STRAINS, patch_geometry, patch_test
    from .materials import material_properties
    from .potentials import load_potential

    pot = load_potential(args.potential)
    methods = [args.method] if args.method else sorted(METHODS)
    for name in methods:
        coupling_method(name)
    props = material_properties(pot, element=args.element, lattice=args.lattice)
    reports = []
    for name in methods:
        probe = CoupledModel(pot, PATCH_ORIENTATIONS[props.lattice], patch_geometry(props.cutoff_A, 3.0),
                             element=props.element, lattice=props.lattice, method=name)
        strains = {}
        with probe as model:
            for label, gradient in PATCH_STRAINS.items():
                strains[label] = patch_test(model, gradient)
        reports.append({
            "method": name, "potential": pot.name, "element": props.element, "lattice": props.lattice,
            "mpi_ranks": MPI.COMM_WORLD.size, "atoms": probe.n_atoms, "nodes": probe.zone.mesh.n_nodes,
            "max_ghost_force_eV_per_A": max(r["max_ghost_force_eV_per_A"] for r in strains.values()),
            "max_displacement_error_A": max(r["max_displacement_error_A"] for r in strains.values()),
            "converged": all(r["converged"] for r in strains.values()),
            "strains": strains})
    if MPI.COMM_WORLD.rank != 0:
        return 0
    if args.json:
        print(json.dumps(reports[0] if args.method else reports, indent=1))
        return 0
    print(f"patch test: {pot.name}, {props.element} {props.lattice}, 1 % strains, "
          f"{MPI.COMM_WORLD.size} MPI rank(s)")
    print(f"{'method':<12}{'strain':<11}{'ghost force (eV/Å)':>20}{'disp. error (Å)':>17}{'converged':>11}")
    for report in reports:
        for label, r in report["strains"].items():
            print(f"{report['method']:<12}{label:<11}{r['max_ghost_force_eV_per_A']:>20.2e}"
                  f"{r['max_displacement_error_A']:>17.2e}{str(r['converged']):>11}")
    return 0


def cmd_verify_reference(args) -> int:
    from mpi4py import MPI

    from .coupling.reference import compare_with_reference
    from .scenario import build_model, load_scenario

    scenario = load_scenario(args.scenario)
    model, fields = build_model(scenario, source=args.scenario)
    fmax = scenario.reference.fmax_eV_per_A or scenario.coupling.fmax_eV_per_A
    with model:
        comparison = compare_with_reference(model, fields, fmax)
    if MPI.COMM_WORLD.rank != 0:
        return 0
    data = {"scenario": scenario.name, **comparison.to_dict()}
    if args.json:
        print(json.dumps(data, indent=1))
        return 0
    for key, value in data.items():
        print(f"{key:<30}{value:.6g}" if isinstance(value, float) else f"{key:<30}{value}")
    return 0


def cmd_potentials(args) -> int:
    from .potentials import known_potentials, load_potential

    entries = [load_potential(name) for name in known_potentials()]
    if args.json:
        print(json.dumps([{"name": p.name, "elements": list(p.elements), "lattice": p.lattice,
                           "pair_style": p.pair_style, "files": [str(f) for f in p.files]}
                          for p in entries], indent=1))
        return 0
    for p in entries:
        print(f"{p.name:<22}{p.pair_style:<12}{p.lattice:<9}{' '.join(p.elements)}")
    return 0


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
    from .hpc.jobscript import Resources, parse_walltime
    from .hpc.submission import submit_sweep

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
    from .hpc.collect import collect_sweep

    table = collect_sweep(args.directory, args.quantity)
    for line in table.report_lines():
        print(line)
    return 0


def cmd_estimate(args) -> int:
    from mpi4py import MPI

    from .hpc.estimate import ITERATIONS_PER_LOAD_STEP, estimate_resources

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


def _rank() -> int:
    """This process's rank in MPI_COMM_WORLD if MPI is initialised, else 0."""
    mpi = sys.modules.get("mpi4py.MPI")
    return mpi.COMM_WORLD.rank if mpi is not None else 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``handshake`` console script; returns the exit code.

    An :class:`InputError` is printed as one line (by rank 0 under MPI) and gives exit
    code 2; with ``--debug`` it is raised with its traceback instead.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in argv
    try:
        args = build_parser().parse_args(argv)
        return args.func(args)
    except InputError as exc:
        if debug:
            raise
        if _rank() == 0:
            print(f"handshake: error: {exc.one_line()}", file=sys.stderr)
        return 2
    except RunStopped as exc:
        from mpi4py import MPI

        if MPI.COMM_WORLD.rank == 0:
            print(f"handshake: stopped: {exc.one_line()}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())

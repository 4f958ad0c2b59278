"""The ``handshake`` command line.

Every error a user can fix (unknown potential, bad file, bad option) is printed as one
line on standard error and the command exits with code 2, without a traceback unless
``--debug`` is given.
"""

from __future__ import annotations

import argparse
import json
import sys

from .errors import InputError

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
    run.add_argument("scenario", help="scenario TOML file")
    run.add_argument("--out", help="output directory (default: out/<scenario name>, -2, -3, ... if taken)")
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                     help="override a scenario value, e.g. --set geometry.atomistic_radius_A=40")
    run.add_argument("--overwrite", action="store_true", help="write into a non-empty output directory")
    run.add_argument("--reference", action="store_true",
                     help="repeat the study fully atomistically on a domain 10× larger in area and compare")
    run.set_defaults(func=cmd_run)

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

    summary = run_scenario(args.scenario, args.out, args.set, args.overwrite, args.reference)
    if MPI.COMM_WORLD.rank == 0:
        results = {k: v for k, v in summary.get("results", {}).items() if k != "steps"}
        shown = {"scenario": summary["scenario"], **results, "wall_time_s": round(summary["wall_time_s"], 1)}
        if "reference" in summary:
            shown["reference"] = summary["reference"]
        print(json.dumps(shown, indent=1))
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


if __name__ == "__main__":
    sys.exit(main())

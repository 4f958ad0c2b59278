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
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    materials = commands.add_parser("materials", help="material properties computed from a potential")
    materials.add_argument("potential", help="registry name or path of a potential TOML file")
    materials.add_argument("--element", help="element (default: the potential's default_element)")
    materials.add_argument("--lattice", choices=["fcc", "bcc", "diamond"],
                           help="lattice (default: the potential's lattice)")
    materials.add_argument("--json", action="store_true", help="print JSON")
    materials.add_argument("--no-cache", action="store_true", help="recompute, ignore the cache")
    materials.set_defaults(func=cmd_materials)

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


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``handshake`` console script; returns the exit code."""
    argv = sys.argv[1:] if argv is None else argv
    debug = "--debug" in argv
    try:
        args = build_parser().parse_args(argv)
        return args.func(args)
    except InputError as exc:
        if debug:
            raise
        print(f"handshake: error: {exc.one_line()}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

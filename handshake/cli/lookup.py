"""``handshake materials`` and ``handshake potentials``: the registered potentials and the
material properties computed from them."""

from __future__ import annotations

import json

from mpi4py import MPI

from ..atomistic.potentials import known_potentials, load_potential
from ..materials import material_properties

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


def cmd_materials(args) -> int:
    """Print the material properties of a potential (a table, or JSON)."""
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
    """List the registered potentials."""
    entries = [load_potential(name) for name in known_potentials()]
    if args.json:
        print(json.dumps([{"name": p.name, "elements": list(p.elements), "lattice": p.lattice,
                           "pair_style": p.pair_style, "files": [str(f) for f in p.files]}
                          for p in entries], indent=1))
        return 0
    for p in entries:
        print(f"{p.name:<22}{p.pair_style:<12}{p.lattice:<9}{' '.join(p.elements)}")
    return 0

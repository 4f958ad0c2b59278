"""Average-atom EAM potential of a random alloy (Varvenne, Luque, Nöhring & Curtin,
PRB 93 (2016) 104201), written with :func:`matscipy.calculators.eam.average_atom.average_potential`.

The A-atom's functions are the concentration-weighted averages of the elements'; a
crystal of A-atoms has (approximately) the alloy's mean lattice parameter and elastic
constants and no misfit forces, so it is the alloy's exact homogeneous reference. The
table and a registry entry naming it are written into the cache folder; the A-atom is
called ``X`` (ASE's placeholder element).
"""

from __future__ import annotations

import hashlib

from matscipy.calculators.eam import io
from matscipy.calculators.eam.average_atom import average_potential
from mpi4py import MPI

from ..atomistic.potentials import Potential, load_potential
from ..errors import InputError
from ..materials.cache import cache_dir
from .solid_solution import normalised_composition


def average_atom_potential(potential, composition: dict, comm=None) -> Potential:
    """Registry entry of the average-atom potential of ``composition`` (eam/alloy only)."""


    comm = comm if comm is not None else MPI.COMM_WORLD
    pot = load_potential(potential)
    if pot.pair_style != "eam/alloy":
        raise InputError(f"{pot.name} is {pot.pair_style}; average-atom potentials need eam/alloy",
                         field="alloy.average_atom")
    composition = normalised_composition(composition, pot.elements)
    key = hashlib.sha256(f"{pot.content_hash}{sorted(composition.items())}".encode()).hexdigest()[:12]
    folder = cache_dir() / "average_atom"
    table, entry = folder / f"{pot.name}-{key}.eam.alloy", folder / f"{pot.name}-{key}.toml"
    if comm.rank == 0 and not entry.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        source, parameters, F, f, rep = io.read_eam(str(pot.files[0]), kind="eam/alloy")
        concentrations = [composition.get(s, 0.0) for s in parameters.symbols]
        new = average_potential(concentrations, parameters, F, f, rep, kind="eam/alloy", avg_atom="X",
                                atomic_number=0, crystal_structure="fcc")
        label = ", ".join(f"{100 * c:g}% {s}" for s, c in zip(parameters.symbols, concentrations))
        io.write_eam(f"{source} averaged for {label}", *new, str(table), kind="eam/alloy")
        a_guess = None
        if pot.reference is not None and pot.reference.a0_A:
            a_guess = pot.reference.a0_A
        text = (f'name = "{pot.name}-average-{key}"\n'
                f'description = "Average-atom potential of {pot.name} for {label}"\n'
                f'pair_style = "eam/alloy"\npair_coeff = "* * {{files[0]}} {{elements}}"\n'
                f'files = ["{table.name}"]\nelements = {list(parameters.symbols) + ["X"]!r}\n'
                f'lattice = "fcc"\ndefault_element = "X"\n')
        if a_guess:
            text += f'\n[reference]\ncitation = "starting guess only: a0 of {pot.name}"\na0_A = {a_guess}\n'
        entry.write_text(text.replace("'", '"'))
    comm.Barrier()
    return load_potential(str(entry))

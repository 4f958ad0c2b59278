"""Starting a run from one's own configuration of the model's atoms (``[initial_state]``).

The file holds the coupled model's atoms in id order — a frame of an earlier run's
``atoms.extxyz``, or a file made from one (an edited core in OVITO, a LAMMPS data file
written by ASE) — in the model's frame or in the frame of ``atoms.extxyz`` (shifted by
its ``model_origin_A``). It is read and checked during set-up, before anything is
written: the number of atoms, the species (or, for a LAMMPS data file, that its atom
types group the atoms as the model's species do), and that the atoms are in id order
(most first-neighbour pairs of the model keep their distance within half a bond; a file
of the same atoms in another order fails this at once).

The study then places every atom (free and pad) at the file's position under the far
field of its first load step (:meth:`Study.start_from
<handshake.studies.base.Study.start_from>`), and relaxes from there: a state written by a
coupled run is then its own starting point, the continuum following from the atoms.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from ase import Atoms
from ase.io import read
from ase.neighborlist import neighbor_list

from ..errors import InputError
from .output import output_origin_A

#: suffixes read as LAMMPS data files (atom_style atomic); all others through ASE's
#: format detection (extxyz, xyz, …)
LAMMPS_DATA_SUFFIXES = (".data", ".lmp", ".lammps")
#: share of first-neighbour pairs that must keep their distance within half a bond
KEPT_PAIRS = 0.9


def read_configuration(path: str | Path, frame: int, source: str, field: str = "initial_state.atoms_file"):
    """The ASE Atoms of ``path`` (frame ``frame`` of an extxyz), or InputError naming ``field``."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such atoms file", source=source, field=field)
    try:
        if path.suffix.lower() in LAMMPS_DATA_SUFFIXES:
            return read(path, format="lammps-data", atom_style="atomic", units="metal")
        return read(path, index=frame)
    except (IndexError, StopIteration):
        raise InputError(f"{path} has no frame {frame}", source=source, field="initial_state.frame") from None
    except Exception as exc:  # noqa: BLE001 - ASE's readers raise many kinds
        raise InputError(f"{path}: not a readable extxyz or LAMMPS data (atomic) file "
                         f"({type(exc).__name__}: {exc})", source=source, field=field) from None


def initial_displacements(atoms, model, source: str, field: str = "initial_state.atoms_file") -> np.ndarray:
    """Displacements (n_atoms, 3) Å of the model's atoms in the configuration ``atoms``.

    Raises
    ------
    InputError
        The configuration is not the model's atoms in id order (count, species, order).
    """
    n = model.n_atoms
    if len(atoms) != n:
        raise InputError(f"{len(atoms)} atoms; the model has {n} (expected its atoms in id order, as in "
                         "atoms.extxyz)", source=source, field=field)
    species = np.asarray(getattr(model, "symbols", None) or [model.crystal.element] * n)
    if "type" in atoms.arrays and set(atoms.get_chemical_symbols()) <= {"X", "H", "He", "Li", "Be"}:
        # a LAMMPS data file: types, not elements; they must group the atoms as the species do
        types = atoms.arrays["type"]
        pairs = set(zip(types.tolist(), species.tolist()))
        if len(pairs) != len(set(types.tolist())) or len(pairs) != len(set(species.tolist())):
            raise InputError("its atom types do not group the atoms as the model's species do "
                             f"({sorted(set(species.tolist()))})", source=source, field=field)
    else:
        wrong = np.flatnonzero(np.asarray(atoms.get_chemical_symbols()) != species)
        if wrong.size:
            i = int(wrong[0])
            raise InputError(f"atom {i + 1} is {atoms.get_chemical_symbols()[i]}, the model's is {species[i]} "
                             f"({wrong.size} atoms differ)", source=source, field=field)
    x = np.asarray(atoms.positions, dtype=float)
    if not np.all(np.isfinite(x)):
        raise InputError("positions are not all finite numbers", source=source, field=field)
    X = model.reference_positions
    if "model_origin_A" in atoms.info:
        u = x - np.asarray(atoms.info["model_origin_A"], dtype=float)[:3] - X
    else:   # the model's frame or that of atoms.extxyz, whichever the atoms lie closer to
        candidates = [x - X, x - output_origin_A(model) - X]
        u = min(candidates, key=lambda d: float(np.median(np.linalg.norm(d[:, :2], axis=1))))
    period = model.crystal.period_z_A
    u[:, 2] -= period * np.round(u[:, 2] / period)
    i, j = first_neighbour_pairs(X, period, model.crystal.nearest_neighbour_A)
    relative = u[j] - u[i]
    relative[:, 2] -= period * np.round(relative[:, 2] / period)
    kept = float(np.mean(np.linalg.norm(relative, axis=1) < 0.5 * model.crystal.nearest_neighbour_A))
    if kept < KEPT_PAIRS:
        raise InputError(f"only {100 * kept:.0f} % of the model's first-neighbour pairs keep their distance within "
                         "half a bond: not the model's atoms in id order, or not in its frame nor in that of "
                         "atoms.extxyz", source=source, field=field)
    return u


def first_neighbour_pairs(positions_A: np.ndarray, period_z_A: float, bond_A: float):
    """(i, j) of the pairs closer than 1.1 bonds, periodic along z only."""
    compact = positions_A - positions_A.min(axis=0) + [bond_A, bond_A, 0.0]
    extent = compact[:, :2].max(axis=0) + bond_A
    sites = Atoms(positions=compact, cell=[extent[0], extent[1], period_z_A], pbc=(False, False, True))
    return neighbor_list("ij", sites, 1.1 * bond_A)


def scenario_initial_displacements(scenario, model, source: str) -> np.ndarray | None:
    """The displacements of ``[initial_state]`` for ``model``, None without that section."""
    if scenario.initial_state is None:
        return None
    atoms = read_configuration(scenario.initial_state.atoms_file, scenario.initial_state.frame, source)
    return initial_displacements(atoms, model, source)

"""Perfect crystals of the cubic lattices handshake supports, as ``ase.Atoms``."""

from __future__ import annotations

import numpy as np
from ase import Atoms
from ase.build import bulk
from ase.lattice.cubic import BodyCenteredCubic, Diamond, FaceCenteredCubic

from ..errors import InputError

_BUILDERS = {"fcc": FaceCenteredCubic, "bcc": BodyCenteredCubic, "diamond": Diamond}

#: Atoms per conventional cubic cell.
ATOMS_PER_CUBIC_CELL = {"fcc": 4, "bcc": 2, "diamond": 8}


def cubic_cell(lattice: str, element: str, a0_A: float, repeat: int = 1) -> Atoms:
    """Conventional cubic cell of ``lattice`` with lattice parameter ``a0_A`` (Å), periodic.

    Parameters
    ----------
    lattice : {'fcc', 'bcc', 'diamond'}
    element : str
    a0_A : float
        Cubic lattice parameter, Å.
    repeat : int
        Number of cells along each axis.
    """
    check_lattice(lattice)
    return bulk(element, lattice, a=a0_A, cubic=True).repeat((repeat,) * 3)


def oriented_crystal(lattice: str, element: str, a0_A: float, directions,
                     size=(1, 1, 1)) -> Atoms:
    """Periodic crystal whose x, y, z axes are the crystal ``directions`` (Miller indices).

    Parameters
    ----------
    directions : sequence of three int triples
        Crystal directions along x, y, z; must be mutually orthogonal and right-handed.
    size : tuple of int
        Repeats of the smallest periodic cell along x, y, z.
    """
    check_lattice(lattice)
    d = crystal_directions(directions)
    if abs(np.dot(d[0], d[1])) + abs(np.dot(d[1], d[2])) + abs(np.dot(d[0], d[2])) != 0:
        raise InputError(f"crystal directions {d.tolist()} are not mutually orthogonal", field="directions")
    if np.dot(np.cross(d[0], d[1]), d[2]) <= 0:
        raise InputError(f"crystal directions {d.tolist()} are not right-handed", field="directions")
    return _BUILDERS[lattice](directions=d.tolist(), size=tuple(size), symbol=element,
                              latticeconstant=a0_A, pbc=True)


def crystal_directions(directions) -> np.ndarray:
    """``directions`` as a (3, 3) integer array, or :class:`InputError` if they are not
    three non-zero crystal directions of three integers each (Miller indices)."""
    try:
        d = np.asarray(directions, dtype=float)
    except (TypeError, ValueError):
        d = np.zeros(0)
    if d.shape != (3, 3) or not np.all(np.isfinite(d)) or np.any(d != np.round(d)):
        raise InputError(f"expected three crystal directions of three integers each, got {directions!r}",
                         field="directions")
    d = d.astype(int)
    if np.any(np.all(d == 0, axis=1)):
        raise InputError(f"a direction of {d.tolist()} is the zero vector", field="directions")
    return d


def check_lattice(lattice: str) -> None:
    """Raise :class:`InputError` unless ``lattice`` is one handshake can build."""
    if lattice not in _BUILDERS:
        raise InputError(f"unsupported lattice {lattice!r}; expected one of {', '.join(_BUILDERS)}",
                         field="lattice")

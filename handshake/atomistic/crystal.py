"""Perfect crystals of the cubic lattices handshake supports (``ase.Atoms``) and the
oriented :class:`Crystal` of a model in its lab frame."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from ase import Atoms
from ase.build import bulk
from ase.lattice.cubic import BodyCenteredCubic, Diamond, FaceCenteredCubic
from ase.neighborlist import neighbor_list

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


@dataclass(frozen=True)
class Crystal:
    """A perfect crystal in the lab frame of the coupled model.

    Parameters
    ----------
    lattice : {'fcc', 'bcc', 'diamond'}
    element : str
    a0_A : float
        Lattice parameter, Å (take it from the potential).
    orientation : (3, 3) ints
        Crystal directions along lab x, y, z; z is the line / front direction.
    """

    lattice: str
    element: str
    a0_A: float
    orientation: tuple

    def unit(self) -> Atoms:
        """Smallest periodic cell with the lab axes along ``orientation``."""
        return oriented_crystal(self.lattice, self.element, self.a0_A, self.orientation)

    # cached: the coupling reads these at every minimiser iteration, and each one
    # builds the oriented unit cell with ASE
    @cached_property
    def period_z_A(self) -> float:
        """Lattice period along z, Å: the slab thickness."""
        return float(self.unit().cell[2, 2])

    @cached_property
    def nearest_neighbour_A(self) -> float:
        """Nearest-neighbour distance, Å."""
        return float(neighbor_list("d", self.unit(), cutoff=self.a0_A).min())

    @cached_property
    def first_shell_cutoff_A(self) -> float:
        """Midpoint between the first and the second neighbour distance, Å: closer pairs
        are first-shell bonds."""
        d = np.unique(np.round(neighbor_list("d", self.unit(), cutoff=1.5 * self.a0_A), 6))
        return float(0.5 * (d[0] + d[1]))


def check_atom_columns(crystal: Crystal) -> None:
    """Refuse an orientation in which two atoms of the slab share an (x, y) site.

    The quasi-2D model has one finite-element node per atom column along z; in diamond
    with z along ⟨111⟩, for instance, the two atoms of a bond along z project onto the
    same site (found by tests/coupling/test_hypothesis_geometry.py: the mesh generator then had a
    zero element size).

    Raises
    ------
    InputError
        Field ``orientation``.
    """
    unit = crystal.unit()
    period = np.diag(unit.cell)[:2]
    xy = np.mod(unit.positions[:, :2], period)
    xy[np.isclose(xy, period, atol=1e-6)] = 0.0
    distinct = np.unique(np.round(xy / (1e-6 * crystal.a0_A)).astype(np.int64), axis=0)
    if len(distinct) < len(unit):
        raise InputError(f"with the line along {list(crystal.orientation[2])}, {len(unit) - len(distinct)} of the "
                         f"{len(unit)} atoms of the {crystal.lattice} slab sit on the (x, y) site of another atom; "
                         "the quasi-2D model needs one atom per column along z: choose another line direction",
                         field="orientation")


def default_centre(unit: Atoms, widest_gap: bool = False) -> tuple[float, float]:
    """An interstice next to the origin: midway between the two atomic planes normal to y
    that enclose y = 0, and midway between two neighbouring atoms along x of the plane
    below. A dislocation core or crack tip placed there has no atom on its cut plane.

    With ``widest_gap`` the two planes are instead the pair with the largest spacing
    nearest to y = 0: the cleavage plane of a crack (for diamond {111} the shuffle plane,
    which cuts one bond per atom, rather than the glide plane, which cuts three).
    """
    cell = unit.repeat((3, 3, 1))
    cell.positions -= np.diag(unit.cell) * [1, 1, 0]
    y_levels = np.unique(np.round(cell.positions[:, 1], 6))
    if widest_gap:
        gaps = np.diff(y_levels)
        widest = np.flatnonzero(gaps > gaps.max() - 1e-4)
        middle = 0.5 * (y_levels[widest] + y_levels[widest + 1])
        i = widest[np.argmin(np.abs(middle))]
        below, above = y_levels[i], y_levels[i + 1]
    else:
        below, above = y_levels[y_levels <= 0].max(), y_levels[y_levels > 0].min()
    in_plane = np.sort(np.unique(np.round(cell.positions[np.isclose(cell.positions[:, 1], below), 0], 6)))
    left = in_plane[in_plane <= 0].max()
    right = in_plane[in_plane > left].min()
    return 0.5 * (left + right), 0.5 * (below + above)

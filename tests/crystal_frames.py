"""Crystal frames for the property-based tests: every right-handed orthogonal integer frame
with small indices, and the crystals of the three lattices in them."""

import itertools

import numpy as np

from handshake.atomistic.crystal import Crystal, check_atom_columns
from handshake.errors import InputError

#: an element of each lattice
ELEMENT = {"fcc": "Cu", "bcc": "Fe", "diamond": "Si"}


def _frames(max_index=2, max_z_squared=14):
    """Right-handed orthogonal integer frames (x, y, z = x × y reduced) with small indices."""
    vectors = [np.array(v) for v in itertools.product(range(-max_index, max_index + 1), repeat=3) if any(v)]
    vectors = [v for v in vectors if np.gcd.reduce(np.abs(v)) == 1]
    out = set()
    for x, y in itertools.product(vectors, vectors):
        if x @ y == 0:
            z = np.cross(x, y)
            z //= np.gcd.reduce(np.abs(z))
            if z @ z <= max_z_squared:
                out.add((tuple(x.tolist()), tuple(y.tolist()), tuple(z.tolist())))
    return sorted(out)


FRAMES = _frames()


def crystal_of(lattice, a0, frame) -> Crystal:
    return Crystal(lattice, ELEMENT[lattice], a0, frame)


def columns_ok(crystal) -> bool:
    try:
        check_atom_columns(crystal)
    except InputError:
        return False
    return True

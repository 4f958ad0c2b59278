"""Which atoms sit in a perfect-crystal environment: adaptive common-neighbour analysis.

Common-neighbour analysis (Honeycutt & Andersen, J. Phys. Chem. 91 (1987) 4950) labels
each bond i–j of an atom by (n_cn, n_b, n_lcb): the number of neighbours i and j have in
common, the number of bonds among those common neighbours, and the number of bonds in the
largest connected cluster of those bonds. The adaptive variant (Stukowski, Modelling
Simul. Mater. Sci. Eng. 20 (2012) 045021) takes a fixed number of nearest neighbours and a
per-atom cutoff scaled from their mean distance, so homogeneous strain, even large, does not
change the result:

- fcc: 12 nearest neighbours, cutoff (1 + √2)/2 × their mean distance, 12 × (4, 2, 1);
- bcc: 14 nearest (first and second shells), cutoff (1 + √2)/2 × the lattice parameter
  estimated from both shells, 8 × (6, 6, 6) and 6 × (4, 4, 4);
- cubic diamond (Maras et al., Comput. Phys. Commun. 205 (2016) 13): the four nearest
  neighbours must have the atom among their own four nearest, and the 12 second neighbours
  reached through them must form an fcc environment, 12 × (4, 2, 1). This sees stacking
  faults and dislocation cores in diamond, which keep four tetrahedral bonds, as well as
  broken and distorted bonds.

Surface atoms, atoms with too few neighbours and disordered atoms all fail the test.
"""

from __future__ import annotations

import numpy as np
from ase import Atoms
from matscipy.neighbours import neighbour_list

#: (number of nearest neighbours analysed, neighbour-list cutoff / a0) per lattice
NEIGHBOURS = {"fcc": (12, 1.2), "bcc": (14, 1.25), "diamond": (4, 0.75)}

_HALF_ONE_PLUS_SQRT2 = 0.5 * (1.0 + np.sqrt(2.0))

#: common neighbours analysed per bond: fcc, hcp and bcc bonds have 4 or 6
MAX_COMMON = 8


def nearest_neighbours(positions_A: np.ndarray, period_z_A: float, n: int, cutoff_A: float):
    """The ``n`` nearest neighbours of every atom of a slab periodic along z.

    Returns
    -------
    index : (N, n) int array
        Neighbour indices, nearest first (−1 where fewer than ``n`` lie within the cutoff).
        A thin slab holds several periodic images of one atom among the neighbours.
    image : (N, n) int array
        Which periodic image along z each neighbour is (0 for the atom in the slab).
    vectors : (N, n, 3) array
        Bond vectors to them, Å (NaN where missing).
    complete : (N,) bool array
        Atoms with at least ``n`` neighbours within ``cutoff_A``.
    """
    positions_A = np.asarray(positions_A, dtype=float)
    lo, hi = positions_A[:, :2].min(axis=0), positions_A[:, :2].max(axis=0)
    shifted = positions_A - [*(lo - 2 * cutoff_A), 0.0]
    atoms = Atoms(positions=shifted, cell=[*(hi - lo + 4 * cutoff_A), period_z_A], pbc=(False, False, True))
    i, j, d, D, S = neighbour_list("ijdDS", atoms, cutoff_A)
    order = np.lexsort((d, i))
    i, j, D, S = i[order], j[order], D[order], S[order]
    counts = np.bincount(i, minlength=len(atoms))
    rank = np.arange(i.size) - np.repeat(np.cumsum(counts) - counts, counts)
    keep = rank < n
    index = np.full((len(atoms), n), -1)
    image = np.zeros((len(atoms), n), dtype=int)
    image[i[keep], rank[keep]] = S[keep, 2]
    vectors = np.full((len(atoms), n, 3), np.nan)
    index[i[keep], rank[keep]] = j[keep]
    vectors[i[keep], rank[keep]] = D[keep]
    return index, image, vectors, counts >= n


def common_neighbour_signatures(vectors_A: np.ndarray, cutoff_A: np.ndarray):
    """CNA signature of every bond of every atom.

    Parameters
    ----------
    vectors_A : (m, N, 3) array
        Bond vectors from each of m atoms to its N analysed neighbours, Å.
    cutoff_A : (m,) array
        Bonding cutoff of each atom, Å (applied between its neighbours).

    Returns
    -------
    n_cn, n_b, n_lcb : (m, N) int arrays
        Common neighbours, bonds among them, bonds in their largest connected cluster.
        n_b and n_lcb are −1 for bonds with more than :data:`MAX_COMMON` common
        neighbours, which match none of the crystal signatures.
    """
    v = np.asarray(vectors_A, dtype=float)
    m, N, _ = v.shape
    gap = np.linalg.norm(v[:, :, None, :] - v[:, None, :, :], axis=-1)
    bond = gap < np.asarray(cutoff_A)[:, None, None]
    bond[:, np.arange(N), np.arange(N)] = False
    n_cn = bond.sum(axis=2)
    # the common neighbours of bond (a, j), at most K of them, and the bonds among them
    K = min(MAX_COMMON, N)
    common = np.argsort(~bond, axis=2, kind="stable")[:, :, :K]
    present = np.take_along_axis(bond, common, axis=2)
    rows = np.arange(m)[:, None, None, None]
    A = bond[rows, common[:, :, :, None], common[:, :, None, :]] & present[:, :, :, None] & present[:, :, None, :]
    degree = A.sum(axis=3)
    n_b = degree.sum(axis=2) // 2
    # connected clusters by label propagation: each node takes the smallest label it touches
    label = np.broadcast_to(np.arange(K, dtype=np.int8), (m, N, K)).copy()
    for _ in range(K):
        new = np.minimum(label, np.where(A, label[:, :, None, :], K).min(axis=3))
        if np.array_equal(new, label):
            break
        label = new
    same = label[:, :, :, None] == label[:, :, None, :]
    # bonds in the cluster of node k = half the sum of the degrees of the nodes of its cluster
    n_lcb = (same * degree[:, :, None, :]).sum(axis=3).max(axis=2) // 2
    crowded = n_cn > K
    n_b[crowded] = -1
    n_lcb[crowded] = -1
    return n_cn, n_b, n_lcb


def _all_fcc(vectors_A: np.ndarray) -> np.ndarray:
    """Whether the 12 vectors of each atom form an fcc environment, 12 × (4, 2, 1)."""
    cutoff = _HALF_ONE_PLUS_SQRT2 * np.linalg.norm(vectors_A, axis=-1).mean(axis=1)
    n_cn, n_b, n_lcb = common_neighbour_signatures(vectors_A, cutoff)
    return np.all((n_cn == 4) & (n_b == 2) & (n_lcb == 1), axis=1)


def close_packed(positions_A: np.ndarray, period_z_A: float, a0_A: float,
                 among: np.ndarray | None = None) -> np.ndarray:
    """Mask of the atoms in a close-packed (fcc- or hcp-like) environment: at least 8 of the
    bonds to their 12 nearest neighbours have the (4, 2, 1) or (4, 2, 2) signature of fcc
    and hcp. In a bcc crystal these are atoms transformed to a close-packed phase (the
    Bain path); bcc atoms, dislocation cores and surfaces have few or none. Only the atoms
    in the mask ``among`` (default all) are analysed; the others are False.
    """
    index, image, vectors, complete = nearest_neighbours(positions_A, period_z_A, 12, 1.25 * a0_A)
    out = np.zeros(len(index), dtype=bool)
    atoms = np.flatnonzero(complete if among is None else complete & among)
    v = vectors[atoms]
    n_cn, n_b, n_lcb = common_neighbour_signatures(v, _HALF_ONE_PLUS_SQRT2 * np.linalg.norm(v, axis=-1).mean(axis=1))
    out[atoms] = ((n_cn == 4) & (n_b == 2) & ((n_lcb == 1) | (n_lcb == 2))).sum(axis=1) >= 8
    return out


def crystalline(positions_A: np.ndarray, period_z_A: float, lattice: str, a0_A: float) -> np.ndarray:
    """Mask of the atoms in a perfect ``lattice`` environment (adaptive CNA; see the module).

    Parameters
    ----------
    positions_A : (N, 3) array
        Current positions, Å, of a slab periodic along z with period ``period_z_A`` (Å).
    lattice : {"fcc", "bcc", "diamond"}
    a0_A : float
        Lattice parameter, Å (sets only the neighbour-search radius).
    """
    n, reach = NEIGHBOURS[lattice]
    index, image, vectors, complete = nearest_neighbours(positions_A, period_z_A, n, reach * a0_A)
    ok = np.zeros(len(index), dtype=bool)
    atoms = np.flatnonzero(complete)
    v = vectors[atoms]
    if lattice == "fcc":
        ok[atoms] = _all_fcc(v)
    elif lattice == "bcc":
        d = np.linalg.norm(v, axis=-1)
        a_local = 0.5 * (2 / np.sqrt(3) * d[:, :8].mean(axis=1) + d[:, 8:].mean(axis=1))
        n_cn, n_b, n_lcb = common_neighbour_signatures(v, _HALF_ONE_PLUS_SQRT2 * a_local)
        first = (n_cn[:, :8] == 6) & (n_b[:, :8] == 6) & (n_lcb[:, :8] == 6)
        second = (n_cn[:, 8:] == 4) & (n_b[:, 8:] == 4) & (n_lcb[:, 8:] == 4)
        ok[atoms] = first.all(axis=1) & second.all(axis=1)
    elif lattice == "diamond":
        nb = index[atoms]                                       # (m, 4), all valid
        usable = complete[nb].all(axis=1)
        # the atom (the same image of it) must be among the four nearest of each of its
        # four neighbours, exactly once
        back = (index[nb] == atoms[:, None, None]) & (image[nb] == -image[atoms][:, :, None])
        sel = usable & (back.sum(axis=2) == 1).all(axis=1)
        a, nb, back = atoms[sel], nb[sel], back[sel]
        # second neighbours: through neighbour k, its three other nearest neighbours
        first = vectors[a]                                      # (m, 4, 3)
        onward = vectors[nb]                                    # (m, 4, 4, 3)
        second = (first[:, :, None, :] + onward)[~back].reshape(len(a), 12, 3)
        ok[a] = _all_fcc(second)
    else:
        raise ValueError(f"no structure analysis for lattice {lattice!r}")
    return ok

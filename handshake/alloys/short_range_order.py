"""Chemical short-range order: a periodic tile of lattice sites with prescribed
Warren–Cowley parameters of the first neighbour shell.

The Warren–Cowley parameter of the pair (i, j) (Cowley, Phys. Rev. 77, 669 (1950)) is

    α_ij = 1 − p(j | i) / c_j,

where p(j | i) is the fraction of the first neighbours of an i atom that are j, and c_j
the concentration of j: 0 in a random alloy, < 0 where unlike neighbours are preferred
(ordering), > 0 where like ones are (clustering). It is symmetric, α_ij = α_ji, and
bounded below by 1 − 1/c_j (an i atom surrounded by j only).

:class:`OrderedTile` draws the species of a tile of the model's own lattice (periodic
along x, y and the slab period z, so the neighbours are those the quasi-2D model has)
with the exact composition, then swaps pairs of unlike atoms, keeping a swap if it does
not move the listed α_ij away from their targets (a reverse Monte Carlo at zero
temperature, as in the generation of special quasi-ordered structures). The species of
any site of the model is that of the tile's site at the same position modulo the tile,
so a coupled model and its larger fully atomistic reference hold the same occupation on
the sites they share, as for the random alloy (:mod:`~handshake.alloys.solid_solution`).
The tile repeats every ``tile_A`` in x and y.
"""

from __future__ import annotations

import numpy as np
from ase import Atoms
from ase.neighborlist import neighbor_list
from scipy.spatial import cKDTree

from ..errors import InputError


def first_shell_pairs(atoms, cutoff_A: float) -> np.ndarray:
    """First-neighbour bonds (closer than ``cutoff_A``, Å, e.g.
    :attr:`~handshake.coupling.geometry.Crystal.first_shell_cutoff_A`), (m, 2) site indices,
    each bond once.

    A bond to each periodic image is listed separately: in a slab one period thick, the
    two neighbours at ±half the period along z are the same site, bonded twice.
    """

    i, j, shift = neighbor_list("ijS", atoms, cutoff_A)
    # each bond appears as (i, j, S) and (j, i, −S): keep one of the two
    keep = (i < j) | ((i == j) & _positive(shift))
    return np.column_stack([i[keep], j[keep]]).astype(np.int64)


def _positive(shift: np.ndarray) -> np.ndarray:
    """The first non-zero component of each image shift is positive."""
    first = np.argmax(shift != 0, axis=1)
    return shift[np.arange(len(shift)), first] > 0


def warren_cowley(types: np.ndarray, pairs: np.ndarray, n_types: int) -> np.ndarray:
    """Warren–Cowley matrix α_ij of the first shell, (n_types, n_types).

    ``types`` are the species indices of the sites, ``pairs`` the first-neighbour pairs
    (each bond once). Cowley, Phys. Rev. 77, 669 (1950): α_ij = 1 − p(j|i)/c_j.
    """
    types = np.asarray(types)
    return alpha_of_counts(bond_counts(types, pairs, n_types), np.bincount(types, minlength=n_types) / len(types))


def alpha_of_counts(N: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Warren–Cowley matrix from the bond-end counts N_ij (:func:`bond_counts`) and the
    concentrations c: p(j|i) = N_ij / Σ_k N_ik."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return 1.0 - N / N.sum(axis=1)[:, None] / c[None, :]


def bond_counts(types: np.ndarray, pairs: np.ndarray, n_types: int) -> np.ndarray:
    """Symmetric matrix N_ij of bond ends: N_ij = number of (i, j) bonds, twice on the diagonal."""
    t = np.asarray(types)
    N = np.zeros((n_types, n_types))
    np.add.at(N, (t[pairs[:, 0]], t[pairs[:, 1]]), 1.0)
    return N + N.T


class OrderedTile:
    """A periodic tile of lattice sites whose species have prescribed first-shell α_ij.

    Parameters
    ----------
    crystal : Crystal
        The model's crystal (:class:`~handshake.coupling.geometry.Crystal`): its unit cell in
        the lab frame, with the slab period along z, and its first shell.
    composition : dict
        Atomic fractions by element (normalised).
    alpha : dict
        Target α for unordered element pairs, e.g. ``{("Cu", "Ni"): -0.1}``; pairs not
        listed are left free.
    seed : int
    tile_A : float
        Smallest tile side in x and y, Å (the tile repeats with this period).
    sweeps : int
        Attempted swaps per site.
    """

    def __init__(self, crystal, composition: dict, alpha: dict, seed: int, tile_A: float = 40.0, sweeps: int = 200):
        self.elements = list(composition)
        unit = crystal.unit()
        lengths = np.diag(unit.cell)
        repeat = [max(1, int(np.ceil(tile_A / lengths[0]))), max(1, int(np.ceil(tile_A / lengths[1]))), 1]
        tile = unit.repeat(repeat)
        self.cell_A = np.diag(tile.cell).copy()
        self.positions_A = np.mod(tile.positions, self.cell_A)
        self.positions_A[self.positions_A >= self.cell_A] = 0.0
        tile.pbc = True
        self.pairs = first_shell_pairs(tile, crystal.first_shell_cutoff_A)
        self.neighbours = _neighbour_lists(len(tile), self.pairs)
        self.targets = {(self.elements.index(a), self.elements.index(b)): float(v) for (a, b), v in alpha.items()}
        rng = np.random.default_rng(seed)
        self.types = rng.permutation(_exact_counts(composition, len(tile)))
        self._concentrations = np.bincount(self.types, minlength=len(self.elements)) / len(self.types)
        self.swaps_accepted = self._order(rng, sweeps)
        self._tree = cKDTree(self.positions_A, boxsize=self.cell_A)

    # -------------------------------------------------------------- ordering
    def alpha(self) -> np.ndarray:
        """Achieved Warren–Cowley matrix of the tile."""
        return warren_cowley(self.types, self.pairs, len(self.elements))

    def _misfit(self, N: np.ndarray) -> float:
        """Σ (α_ij − target)² over the listed pairs, for bond counts N."""
        alpha = alpha_of_counts(N, self._concentrations)
        return sum((alpha[i, j] - target) ** 2 for (i, j), target in self.targets.items())

    def _order(self, rng, sweeps: int) -> int:
        if not self.targets:
            return 0
        t = self.types
        N = bond_counts(t, self.pairs, len(self.elements))
        misfit = self._misfit(N)
        accepted = 0
        for _ in range(sweeps * len(t)):
            s, u = rng.integers(len(t), size=2)
            a, b = t[s], t[u]
            if a == b:
                continue
            dN = np.zeros_like(N)
            for site, old, new, other in ((s, a, b, u), (u, b, a, s)):
                for n in self.neighbours[site]:
                    if n == other:
                        continue          # the s–u bond stays an (a, b) bond
                    k = t[n]
                    dN[old, k] -= 1
                    dN[k, old] -= 1
                    dN[new, k] += 1
                    dN[k, new] += 1
            trial = self._misfit(N + dN)
            if trial <= misfit:
                t[s], t[u] = b, a
                N += dN
                misfit = trial
                accepted += 1
                if misfit < 1e-10:
                    break
        return accepted

    # -------------------------------------------------------------- lookup
    def species(self, positions_A: np.ndarray) -> list[str]:
        """Species of lattice sites at ``positions_A`` (lab frame, the lattice's origin on an
        atom, as the model builds them): those of the tile's sites at the same place."""
        wrapped = np.mod(np.asarray(positions_A, float), self.cell_A)
        wrapped[wrapped >= self.cell_A] = 0.0
        d, index = self._tree.query(wrapped)
        if np.any(d > 0.05):
            raise InputError(f"{int(np.sum(d > 0.05))} sites are not on the tile's lattice (off by up to "
                             f"{d.max():.3g} Å)", field="alloy.short_range_order")
        return [self.elements[k] for k in self.types[index]]


def disc_warren_cowley(positions_A, symbols, elements, crystal, centre_xy, radius_A: float) -> np.ndarray:
    """Warren–Cowley matrix of the first shell among the sites of a quasi-2D disc of
    ``crystal`` (periodic along z) within ``radius_A`` of ``centre_xy``: the order a model
    actually holds."""

    X = np.asarray(positions_A, float)
    inside = np.hypot(X[:, 0] - centre_xy[0], X[:, 1] - centre_xy[1]) < radius_A
    span = np.ptp(X[:, :2], axis=0) + 10.0
    atoms = Atoms(positions=X[inside] - [*(X[:, :2].min(axis=0) - 5.0), 0.0],
                  cell=[span[0], span[1], crystal.period_z_A], pbc=(False, False, True))
    types = np.array([elements.index(s) for s in np.asarray(symbols)[inside]])
    return warren_cowley(types, first_shell_pairs(atoms, crystal.first_shell_cutoff_A), len(elements))


def _exact_counts(composition: dict, n: int) -> np.ndarray:
    """Species indices with counts rounded from the fractions (largest remainder)."""
    f = np.array(list(composition.values()), float) * n
    counts = np.floor(f).astype(int)
    counts[np.argsort(f - counts)[::-1][: n - counts.sum()]] += 1
    return np.repeat(np.arange(len(f)), counts)


def _neighbour_lists(n: int, pairs: np.ndarray) -> list:
    out = [[] for _ in range(n)]
    for i, j in pairs:
        out[i].append(j)
        out[j].append(i)
    return out


__all__ = ["OrderedTile", "alpha_of_counts", "bond_counts", "disc_warren_cowley", "first_shell_pairs", "warren_cowley"]

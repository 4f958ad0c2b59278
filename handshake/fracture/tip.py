"""Crack-tip position from the bonds across the crack plane.

Every first-neighbour bond of the perfect crystal that crosses the crack plane
y = y_tip is watched; a bond is broken when its current length exceeds ``threshold``
times its reference length (1.5 by default: well past the inflection of any bond
potential, so elastic stretching in the near-tip field does not count, while an
opened crack face does). Bonds are grouped in rows by the x of their midpoints; the tip
is the last row of the unbroken run of broken rows that starts at the crack mouth (the
smallest x watched): a bond broken ahead of an intact row, or left open near the
handshake zone after the crack healed behind it, does not count.
"""

from __future__ import annotations

import numpy as np
from ase import Atoms
from ase.neighborlist import neighbor_list
from scipy.optimize import least_squares
from scipy.spatial import cKDTree

from ..coupling.model import field_displacements


class BondBreakingTip:
    """Tracks the crack tip of a straight crack along x with faces normal to y.

    Parameters
    ----------
    atoms : ase.Atoms
        Reference (perfect-crystal) positions, Å, periodic along z only; index = atom id − 1.
    crack_plane_y_A : float
        y of the crack plane, Å (between two atomic planes).
    bond_length_A : float
        Nearest-neighbour distance of the crystal, Å; bonds up to 1.1 × this are watched.
    watched : (n,) bool array, optional
        Atoms whose bonds count (e.g. the free atoms); default all.
    threshold : float
        A bond is broken when longer than ``threshold`` × its reference length.
    """

    def __init__(self, atoms: Atoms, crack_plane_y_A: float, bond_length_A: float,
                 watched: np.ndarray | None = None, threshold: float = 1.5):
        # a cell just enclosing the atoms: ASE bins the whole cell, so keep it small
        compact = atoms.copy()
        lo = compact.positions[:, :2].min(axis=0) - bond_length_A
        compact.positions[:, :2] -= lo
        extent = compact.positions[:, :2].max(axis=0) + bond_length_A
        compact.cell = [extent[0], extent[1], atoms.cell[2, 2]]
        i, j, D = neighbor_list("ijD", compact, cutoff=1.1 * bond_length_A)
        y = atoms.positions[:, 1]
        across = (y[i] > crack_plane_y_A) & (y[j] < crack_plane_y_A)
        if watched is not None:
            across &= np.asarray(watched)[i] & np.asarray(watched)[j]
        self.i, self.j, self.reference_vectors = i[across], j[across], D[across]
        self.reference_lengths = np.linalg.norm(self.reference_vectors, axis=1)
        self.x = atoms.positions[self.i, 0] + 0.5 * self.reference_vectors[:, 0]
        self.threshold = threshold
        #: period along the front (lab z), Å; inf if the atoms are not periodic along it
        self.period_z_A = float(atoms.cell[2, 2]) if atoms.pbc[2] else np.inf
        if self.i.size == 0:
            raise ValueError(f"no bonds cross y = {crack_plane_y_A:g} Å")
        rows, self.row = np.unique(np.round(self.x, 6), return_inverse=True)
        self.row_x = rows
        #: Spacing of the rows of bonds along the propagation direction, Å: the lattice
        #: step by which a cleavage crack advances.
        self.row_spacing_A = float(np.diff(rows).min()) if rows.size > 1 else np.inf

    def bond_stretch(self, displacements_A: np.ndarray) -> np.ndarray:
        """Current length / reference length of each watched bond, for displacements (n, 3) Å."""
        u = np.asarray(displacements_A)
        current = self.reference_vectors + u[self.j] - u[self.i]
        # along the periodic front the partner is its nearest image (mode III slides the faces)
        current[:, 2] -= self.period_z_A * np.round(current[:, 2] / self.period_z_A)
        return np.linalg.norm(current, axis=1) / self.reference_lengths

    def broken(self, displacements_A: np.ndarray) -> np.ndarray:
        """Mask of the watched bonds that are broken."""
        return self.bond_stretch(displacements_A) > self.threshold

    def position(self, displacements_A: np.ndarray) -> float:
        """Tip x, Å: the last broken row of the run from the crack mouth (−inf if the first
        row is intact)."""
        row_broken = np.zeros(self.row_x.size, dtype=bool)
        np.logical_or.at(row_broken, self.row, self.broken(displacements_A))
        intact = np.flatnonzero(~row_broken)
        last = (intact[0] if intact.size else row_broken.size) - 1
        return float(self.row_x[last]) if last >= 0 else -np.inf


class TipNeighbourhood:
    """Bond network of the atoms around the crack tip, to see the tip rearrange.

    A bond joins two atoms closer than ``bond_cutoff_A`` (the crystal's first shell,
    :attr:`~handshake.coupling.geometry.Crystal.first_shell_cutoff_A`). Bonds across the crack plane are left out
    (their breaking is the crack's advance, :class:`BondBreakingTip`); any other bond
    formed or broken among the watched atoms within ``radius_A`` of the tip between two
    states is a rearrangement of the tip: a reconstruction, a bond switch, the start of
    emission or of amorphisation.

    Parameters
    ----------
    reference_positions_A : (n, 3) array
        Perfect-crystal positions, Å; index = atom id − 1.
    period_z_A : float
        Period along the crack front (lab z), Å.
    crack_plane_y_A : float
    watched : (n,) bool array
        Atoms that count (the free atoms).
    bond_cutoff_A : float
        Longest bond, Å.
    radius_A : float
        Radius around the tip, Å.
    """

    def __init__(self, reference_positions_A, period_z_A: float, crack_plane_y_A: float, watched,
                 bond_cutoff_A: float, radius_A: float = 8.0):
        self.X = np.asarray(reference_positions_A, float)
        self.period_z_A = float(period_z_A)
        self.crack_plane_y_A = float(crack_plane_y_A)
        self.watched = np.asarray(watched, bool)
        self.bond_cutoff_A = float(bond_cutoff_A)
        self.radius_A = float(radius_A)
        self._previous: tuple | None = None

    def _pairs_within(self, x, cutoff):
        """Pairs (i, j), i < j, of rows of ``x`` closer than ``cutoff`` (minimum image along z)."""
        L = self.period_z_A
        pts = np.vstack([x + [0.0, 0.0, k * L] for k in (-1, 0, 1)])
        rows = np.tile(np.arange(len(x)), 3)
        pairs = np.array(sorted(cKDTree(pts).query_pairs(cutoff)), dtype=np.int64).reshape(-1, 2)
        i, j = rows[pairs[:, 0]], rows[pairs[:, 1]]
        keep = i != j
        return np.column_stack([np.minimum(i, j), np.maximum(i, j)])[keep]

    def bonds(self, displacements_A, tip_x_A: float) -> tuple[set, set]:
        """Bonds (id pairs) among the watched atoms within ``radius_A`` of (tip_x_A, crack
        plane), not crossing the crack plane; and the ids of those atoms."""
        X = self.X
        near = np.flatnonzero(self.watched & (np.hypot(X[:, 0] - tip_x_A, X[:, 1] - self.crack_plane_y_A)
                                              < self.radius_A))
        pairs = self._pairs_within(X[near] + np.asarray(displacements_A)[near], self.bond_cutoff_A)
        i, j = near[pairs[:, 0]], near[pairs[:, 1]]
        same_side = (X[i, 1] > self.crack_plane_y_A) == (X[j, 1] > self.crack_plane_y_A)
        return set(zip((i[same_side] + 1).tolist(), (j[same_side] + 1).tolist())), set((near + 1).tolist())

    def switched(self, displacements_A, tip_x_A: float) -> int:
        """Bonds formed or broken since the previous call among the atoms near the tip then
        and now (0 at the first call, or with no tip)."""
        if not np.isfinite(tip_x_A):
            self._previous = None
            return 0
        current, atoms = self.bonds(displacements_A, tip_x_A)
        previous, self._previous = self._previous, (current, atoms)
        if previous is None:
            return 0
        common = atoms & previous[1]
        inside = lambda bonds: {b for b in bonds if b[0] in common and b[1] in common}  # noqa: E731
        return len(inside(current) ^ inside(previous[0]))


def fit_k_field(model, displacements_A: np.ndarray, K_guess_MPa_sqrt_m: float, r_min_A: float = 10.0,
                r_max_A: float | None = None) -> tuple[float, float, float]:
    """Fit the anisotropic K-field (K_I and the tip's x) to the atoms' in-plane displacements.

    Away from the tip the relaxed crack is linear elastic, so the atoms at
    ``r_min_A ≤ r < r_max_A`` from the model's centre follow a K-field whose tip (the
    elastic tip) lies a little ahead of the last broken bond.

    Parameters
    ----------
    model : CoupledModel
        With a crack along −x from its centre.
    displacements_A : (n_atoms, 3) array
        Atom displacements, Å.
    K_guess_MPa_sqrt_m : float
        Starting value (the applied K).
    r_min_A, r_max_A : float
        Annulus of atoms used, Å; default outer radius: the free atoms' radius.

    Returns
    -------
    K_MPa_sqrt_m : float
    tip_shift_A : float
        Elastic tip x relative to the model's centre, Å.
    rms_relative : float
        RMS misfit over RMS displacement of the fitted atoms.
    """


    r_max_A = model.geometry.atomistic_radius_A if r_max_A is None else r_max_A
    X = model.reference_positions
    r = np.linalg.norm(X[:, :2] - model.centre, axis=1)
    sel = (r >= r_min_A) & (r < r_max_A)
    u = np.asarray(displacements_A)[sel, :2]

    def misfit(p):
        field = model.k_field(p[0], tip=(model.centre[0] + p[1], model.centre[1]))
        return (field_displacements([field], X[sel])[:, :2] - u).ravel()

    fit = least_squares(misfit, [K_guess_MPa_sqrt_m, 0.0])
    return float(fit.x[0]), float(fit.x[1]), float(np.sqrt(np.mean(fit.fun ** 2) / np.mean(u ** 2)))

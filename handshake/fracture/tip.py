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
    from scipy.optimize import least_squares

    from ..coupling.model import field_displacements

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

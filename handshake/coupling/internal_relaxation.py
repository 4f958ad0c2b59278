"""Internal relaxation of non-Bravais lattices under strain (diamond Si, ...).

In a lattice with a basis, a homogeneous strain ε moves the sublattices relative to each
other by shifts ζ_b(ε) (Kleinman's internal strain; Cousins, J. Phys. C 11 (1978) 4867);
the affine (Cauchy–Born) positions are not an equilibrium. The continuum carries the
displacement of the cell's centre, so atoms driven by it sit at x = X + u + ζ_b, and the
continuum sees u = x − X − ζ_b (Tadmor, Smith, Bernstein & Kaxiras, PRB 59 (1999) 235,
"shift vectors"). ζ is computed by relaxing a periodic cell of the same crystal at the
strain: exactly for one homogeneous deformation, to first order (ζ = Z:∇u, central
differences) for a varying one.
"""

from __future__ import annotations

import numpy as np

from ..atomistic import AtomisticRegion

#: displacement-gradient components a quasi-2D field can have (∂u_i/∂x, ∂u_i/∂y)
IN_PLANE_GRADIENT = [(i, j) for i in range(3) for j in range(2)]


class InternalRelaxation:
    """Sublattice shifts of a crystal under a displacement gradient.

    Parameters
    ----------
    potential : Potential
    crystal : Crystal
    comm : mpi4py.MPI.Comm, optional
    """

    def __init__(self, potential, crystal, comm=None):
        self.potential, self.crystal, self.comm = potential, crystal, comm
        self.unit = crystal.unit()
        self._Z: np.ndarray | None = None

    def exact(self, gradient) -> np.ndarray:
        """Shifts (n_basis, 3), Å, of the relaxed cell at displacement gradient G, zero mean."""
        G = np.asarray(gradient, dtype=float)
        cell = self.unit.repeat((2, 2, 2))
        cell.set_cell(cell.cell.array @ (np.eye(3) + G).T, scale_atoms=True)
        with AtomisticRegion(cell, self.potential, comm=self.comm) as region:
            region.minimize(1e-10, max_iterations=5000, style="cg")
            shift = region.gather_displacements()
        per_basis = shift.reshape(-1, len(self.unit), 3).mean(axis=0)
        return per_basis - per_basis.mean(axis=0)

    @property
    def Z(self) -> np.ndarray:
        """∂ζ_b/∂G_ij for the in-plane gradient components, (n_basis, 3, 6), Å."""
        if self._Z is None:
            delta = 1e-4
            columns = []
            for i, j in IN_PLANE_GRADIENT:
                G = np.zeros((3, 3))
                G[i, j] = delta
                columns.append((self.exact(G) - self.exact(-G)) / (2 * delta))
            self._Z = np.stack(columns, axis=-1)
        return self._Z

    def linear(self, gradients: np.ndarray, basis: np.ndarray) -> np.ndarray:
        """First-order shifts (n, 3), Å, of atoms on sublattices ``basis`` at gradients (n, 3, 3)."""
        g = np.stack([gradients[:, i, j] for i, j in IN_PLANE_GRADIENT], axis=-1)
        return np.einsum("nck,nk->nc", self.Z[basis], g)


def field_gradients(displacements, points: np.ndarray, h_A: float = 1e-4) -> np.ndarray:
    """In-plane displacement gradients (n, 3, 3) of a field by central differences, z column zero."""
    gradients = np.zeros((len(points), 3, 3))
    for j in range(2):
        step = np.zeros(points.shape[1])
        step[j] = h_A
        gradients[:, :, j] = (displacements(points + step) - displacements(points - step)) / (2 * h_A)
    return gradients

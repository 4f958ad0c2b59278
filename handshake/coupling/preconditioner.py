"""A preconditioner of the force-based coupled equilibrium: the atoms' Exp matrix and the
continuum's exact rows.

The force-based residual F(u) (potential forces on free atoms, continuum forces on pad
atoms) has the Jacobian −∂F/∂u whose free-atom rows are the potential's Hessian and whose
pad rows are the condensed continuum S (exact: the continuum is linear). Its softest modes
are long-wavelength ones in which atoms and continuum move together, and they make plain
FIRE slow. P approximates −∂F/∂u with

- free-atom rows: the Exp preconditioner of Packwood et al., J. Chem. Phys. 144 (2016)
  164109: P_ij = −μ exp(−A (r_ij / r_nn − 1)) for neighbours within 1.5 r_nn on the
  reference lattice (their default is 2 r_nn: :data:`EXP_CUTOFF_NN`), P_ii = −Σ_j P_ij + c μ,
  times the 3×3 identity; μ is fitted to the potential's response to a long-wavelength
  displacement;
- pad rows: the rows of S,

factorised once per model (incomplete sparse LU; P is not symmetric). S is dense on the
rim, so P is kept in its augmented, sparse form: the unknowns are the atoms' displacements
and those of the continuum's free nodes, whose rows K_FD u_D + K_FF u_F = 0 eliminate to S.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy.spatial import cKDTree

#: Packwood et al.'s decay A and stabilisation c; the cut-off (in nearest-neighbour
#: distances) is 1.5 instead of their 2: on the W crack step at 1.65 MPa·m^½ of
#: ``benchmarks/statics_crack.py`` (run with this constant changed) it needs as many force
#: evaluations or fewer (213 instead of 307 to 1e-6 eV/Å) and its factors are half as large
EXP_DECAY = 3.0
EXP_CUTOFF_NN = 1.5
EXP_STABILISATION = 0.1
#: drop tolerance of the incomplete LU factorisation of P: a preconditioner need not be
#: exact, and on the W crack 1e-3 needs as many evaluations as the complete LU at a third
#: of the cost per solve (0.8 against 2.0 ms)
ILU_DROP_TOLERANCE = 1e-3


def exp_laplacian(positions_A: np.ndarray, period_z_A: float, nearest_neighbour_A: float) -> sp.csr_matrix:
    """The scalar Exp matrix for μ = 1, (n, n) eV/Å², on sites periodic along z.

    Periodic images of a neighbour add to its entry; an atom's own images cancel.
    """
    n = len(positions_A)
    cutoff = EXP_CUTOFF_NN * nearest_neighbour_A
    reach = int(np.ceil(cutoff / period_z_A))
    shifts = np.arange(-reach, reach + 1)
    images = (positions_A[None, :, :] + np.outer(shifts * period_z_A, [0.0, 0.0, 1.0])[:, None, :]).reshape(-1, 3)
    pairs = cKDTree(positions_A).sparse_distance_matrix(cKDTree(images), cutoff, output_type="coo_matrix")
    i, j, d = pairs.row, pairs.col % n, pairs.data
    other = (i != j) & (d > 0)
    i, j, d = i[other], j[other], d[other]
    w = np.exp(-EXP_DECAY * (d / nearest_neighbour_A - 1.0))
    off = sp.coo_matrix((-w, (i, j)), shape=(n, n)).tocsr()
    return (off - sp.diags(np.asarray(off.sum(axis=1)).ravel() - EXP_STABILISATION)).tocsr()


def fitted_mu(laplacian: sp.csr_matrix, displacement: np.ndarray, force_change: np.ndarray,
              rows: np.ndarray) -> float:
    """μ (eV/Å²) such that vᵀ μ L v equals −vᵀ ΔF over ``rows`` for a small displacement v
    (n, 3) Å and the force change ΔF (n, 3) eV/Å it caused."""
    v = np.asarray(displacement, float)
    curvature = float(np.sum(v * (laplacian @ v)))
    response = -float(np.sum((v * force_change)[rows]))
    if not (curvature > 0 and response > 0):
        raise ValueError("the test displacement met no restoring force: cannot fit μ")
    return response / curvature


class CoupledPreconditioner:
    """P of the module docstring, factorised; :meth:`solve` gives P⁻¹ F.

    Parameters
    ----------
    laplacian : sparse (n, n)
        :func:`exp_laplacian` of the atoms, by atom id − 1.
    mu_eV_per_A2 : float
        Scale of the Exp rows.
    continuum : CondensedContinuum
        The continuum driven by the handshake and pad atoms.
    driven_ids : (k,) int
        Atom ids of the driven nodes, in the continuum's order.
    pad_ids : (p,) int
        Atom ids of the pad atoms (their rows come from the continuum).
    """

    def __init__(self, laplacian: sp.csr_matrix, mu_eV_per_A2: float, continuum, driven_ids: np.ndarray,
                 pad_ids: np.ndarray):
        n = laplacian.shape[0]
        self.n_atom_dofs = 3 * n
        pad_dofs = _dofs(np.asarray(pad_ids) - 1)
        # continuum DOFs → unknowns: driven node DOFs are their atoms' DOFs, free node DOFs
        # follow the atoms', clamped ones are dropped (û = 0)
        unknown = np.full(continuum.K.shape[0], -1)
        unknown[continuum.driven_dofs] = _dofs(np.asarray(driven_ids) - 1)
        n_free = continuum.free_dofs.size
        unknown[continuum.free_dofs] = 3 * n + np.arange(n_free)
        node_of_atom_dof = np.full(3 * n, -1)
        node_of_atom_dof[unknown[continuum.driven_dofs]] = continuum.driven_dofs
        rows = np.concatenate([node_of_atom_dof[pad_dofs], continuum.free_dofs])
        K = continuum.K[rows].tocoo()
        target = np.concatenate([pad_dofs, 3 * n + np.arange(n_free)])
        cols = unknown[K.col]
        kept = cols >= 0
        continuum_rows = sp.coo_matrix((K.data[kept], (target[K.row[kept]], cols[kept])),
                                       shape=(3 * n + n_free, 3 * n + n_free))
        atom_rows = np.ones(3 * n)
        atom_rows[pad_dofs] = 0.0
        atoms = sp.diags(atom_rows) @ sp.kron(mu_eV_per_A2 * laplacian, sp.eye(3), format="csr")
        atoms.resize((3 * n + n_free, 3 * n + n_free))
        self._lu = spla.spilu((atoms + continuum_rows).tocsc(), drop_tol=ILU_DROP_TOLERANCE, fill_factor=20,
                              permc_spec="MMD_AT_PLUS_A")
        self._rhs = np.zeros(3 * n + n_free)
        self.mu_eV_per_A2 = mu_eV_per_A2

    def solve(self, forces: np.ndarray) -> np.ndarray:
        """P⁻¹ F for forces (n, 3) eV/Å: a displacement, (n, 3) Å."""
        self._rhs[:self.n_atom_dofs] = np.ravel(forces)
        return self._lu.solve(self._rhs)[:self.n_atom_dofs].reshape(-1, 3)


def _dofs(rows: np.ndarray) -> np.ndarray:
    """x, y, z DOFs of the given rows (atoms or nodes), node major."""
    return (3 * np.asarray(rows)[:, None] + np.arange(3)).ravel()

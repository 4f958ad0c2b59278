"""Transfer operators between the finite-element mesh and atoms.

- :func:`interpolation_matrix`: FE nodal displacements → displacements at arbitrary
  points (pad atoms), with the P1 (barycentric) weights of the containing element.
- :func:`site_selection_matrix`: atom displacements → nodes placed at atomic sites.
- :class:`LeastSquaresTransfer`: atom displacements → nodes, least squares, when nodes
  are not at sites.

Vectors are node (atom) major: entry ``dim * i + c`` is component c of node (atom) i.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy.spatial import cKDTree


def barycentric(points_cells: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Barycentric coordinates (k, dim+1) of points x (k, dim) in simplices (k, dim+1, dim)."""
    v0 = points_cells[:, 0]
    J = np.swapaxes(points_cells[:, 1:] - v0[:, None], 1, 2)
    lam = np.linalg.solve(J, (x - v0)[..., None])[..., 0]
    return np.column_stack([1.0 - lam.sum(axis=1), lam])


def locate(mesh, points, tol: float = 1e-9, k: int = 16):
    """Containing element and barycentric coordinates of each point.

    Candidate elements are the k nearest by centroid (KD tree); a point is inside when
    all its barycentric coordinates are ≥ −tol. Points not found among the k candidates
    are retried with a larger k; a point outside the mesh raises ``ValueError``.

    Returns
    -------
    cells : (n,) int
    weights : (n, dim+1) float
    """
    points = np.asarray(points, dtype=float)[:, :mesh.dim]
    n = len(points)
    tree = cKDTree(mesh.centroids())
    cells = np.full(n, -1)
    weights = np.zeros((n, mesh.dim + 1))
    todo = np.arange(n)
    n_cells = len(mesh.cells)
    while len(todo):
        kk = min(k, n_cells)
        _, cand = tree.query(points[todo], k=kk)
        cand = cand.reshape(len(todo), kk)
        found = np.zeros(len(todo), bool)
        for j in range(kk):
            rest = np.flatnonzero(~found)
            if not len(rest):
                break
            c = cand[rest, j]
            w = barycentric(mesh.points[mesh.cells[c]], points[todo[rest]])
            ok = w.min(axis=1) >= -tol
            cells[todo[rest[ok]]] = c[ok]
            weights[todo[rest[ok]]] = w[ok]
            found[rest[ok]] = True
        todo = todo[~found]
        if len(todo) and kk == n_cells:
            raise ValueError(f"{len(todo)} points lie outside the mesh, e.g. {points[todo[0]]}")
        k *= 4
    return cells, weights


def interpolation_matrix(mesh, points, tol: float = 1e-9) -> sp.csr_matrix:
    """Sparse P of shape (dim * n_points, dim * n_nodes): u(points) = P u_nodes.

    Exact for every field that is linear on each element (in particular any globally
    linear field).
    """
    cells, w = locate(mesh, points, tol)
    dim = mesh.dim
    n = len(cells)
    nodes = mesh.cells[cells]  # (n, dim+1)
    rows = (dim * np.arange(n)[:, None, None] + np.arange(dim)[None, None, :]).repeat(dim + 1, axis=1)
    cols = dim * nodes[:, :, None] + np.arange(dim)[None, None, :]
    vals = np.repeat(w[:, :, None], dim, axis=2)
    return sp.csr_matrix((vals.ravel(), (rows.ravel(), cols.ravel())), shape=(dim * n, dim * mesh.n_nodes))


def site_selection_matrix(mesh, sites, nodes=None, tol: float = 1e-6):
    """Selection S mapping atom displacements to the nodes that sit on atomic sites.

    Parameters
    ----------
    sites : (n_sites, dim) array
        Atomic reference positions, Å.
    nodes : int array, optional
        Nodes to match (default: all nodes within ``tol`` of a site).
    tol : float
        Matching distance, Å.

    Returns
    -------
    S : csr (dim * k, dim * n_sites)
        u_nodes[k-th matched node] = S u_atoms, exact copy of the atom's displacement.
    matched : (k,) int
        The matched nodes, in the row order of S.
    """
    dim = mesh.dim
    sites = np.asarray(sites, dtype=float)[:, :dim]
    candidates = np.arange(mesh.n_nodes) if nodes is None else np.asarray(nodes)
    dist, idx = cKDTree(sites).query(mesh.points[candidates], distance_upper_bound=tol)
    ok = np.isfinite(dist)
    if nodes is not None and not ok.all():
        raise ValueError(f"{np.sum(~ok)} requested nodes are not at an atomic site")
    matched, atom = candidates[ok], idx[ok]
    k = len(matched)
    rows = (dim * np.arange(k)[:, None] + np.arange(dim)).ravel()
    cols = (dim * atom[:, None] + np.arange(dim)).ravel()
    S = sp.csr_matrix((np.ones(dim * k), (rows, cols)), shape=(dim * k, dim * len(sites)))
    return S, matched


class LeastSquaresTransfer:
    """Nodal displacements of ``nodes`` that best fit atom displacements (least squares).

    Minimises ``|N_n u_n + N_r u_r − u_atoms|²`` over u_n, where N = :func:`interpolation_matrix`
    at the atom sites, split into the columns of ``nodes`` (N_n) and of the remaining
    nodes (N_r, held at given values). N_nᵀ N_n is factorised once; every node in
    ``nodes`` must be supported by atoms, or the normal matrix is singular.

    Parameters
    ----------
    mesh : TriangleMesh or TetMesh
    sites : (n_atoms, dim) array
        Atom reference positions, Å, inside the mesh.
    nodes : int array
        Nodes whose displacements are fitted.
    """

    def __init__(self, mesh, sites, nodes):
        dim = mesh.dim
        self.nodes = np.asarray(nodes)
        N = interpolation_matrix(mesh, sites).tocsc()
        dofs = (dim * self.nodes[:, None] + np.arange(dim)).ravel()
        mask = np.zeros(mesh.n_dofs, bool)
        mask[dofs] = True
        self.dofs = dofs
        self.N_fit = N[:, dofs]
        self.N_rest = N[:, ~mask]
        self._rest = np.flatnonzero(~mask)
        normal = (self.N_fit.T @ self.N_fit).tocsc()
        try:
            self._lu = spla.splu(normal)
        except RuntimeError as err:
            raise ValueError("some fitted nodes are not supported by atoms") from err

    def __call__(self, u_atoms, u_nodes=None) -> np.ndarray:
        """Fitted displacements (dim * len(nodes),), Å; other nodes taken from ``u_nodes``."""
        r = np.asarray(u_atoms, dtype=float).ravel()
        if u_nodes is not None:
            r = r - self.N_rest @ np.asarray(u_nodes).ravel()[self._rest]
        return self._lu.solve(self.N_fit.T @ r)

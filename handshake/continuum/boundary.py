"""Boundary conditions: prescribed displacements, rollers, ties (periodic, slip jump), tractions.

All constraints are linear, u = T q + g: the independent DOFs q (free DOFs that are not
tied to another DOF) and a particular vector g holding the prescribed values and the tie
offsets. Pure Dirichlet conditions make T the selection of the free DOFs, so that
Tᵀ K T = K_ff is the usual partitioning into free and fixed blocks.

Degrees of freedom are node major: ``dof = dim * node + component``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def node_dofs(nodes, dim: int, components=None) -> np.ndarray:
    """(k, c) DOF numbers of ``nodes`` for ``components`` (default: all)."""
    comps = np.arange(dim) if components is None else np.atleast_1d(components)
    return dim * np.asarray(nodes, dtype=int)[:, None] + comps[None, :]


class Constraints:
    """Prescribed DOFs and ties of a mesh with ``n_dofs`` DOFs in ``dim`` dimensions.

    Prescribed values and tie offsets stored here are defaults; a solver that has
    factorised the reduced system takes new values without refactorising.
    """

    def __init__(self, n_dofs: int, dim: int):
        self.n_dofs, self.dim = n_dofs, dim
        self._fixed = {}  # dof -> value (Å)
        self._ties = {}   # slave dof -> (master dof, offset Å)

    # ---------------------------------------------------------------- building
    def prescribe(self, nodes, values=0.0, components=None):
        """u[node, component] = value (Å); ``values`` broadcast to (k, c)."""
        dofs = node_dofs(nodes, self.dim, components)
        vals = np.broadcast_to(np.asarray(values, dtype=float), dofs.shape)
        self._fixed.update(zip(dofs.ravel().tolist(), vals.ravel().tolist()))
        return self

    def fix(self, nodes, components=None):
        """Clamp: zero displacement."""
        return self.prescribe(nodes, 0.0, components)

    def roller(self, nodes, component: int, value: float = 0.0):
        """Roller: only ``component`` prescribed (default zero), the others free."""
        return self.prescribe(nodes, value, [component])

    def tie(self, slave_nodes, master_nodes, offsets=0.0, components=None):
        """u[slave] = u[master] + offset (Å), e.g. periodicity or a displacement jump."""
        s = node_dofs(slave_nodes, self.dim, components)
        m = node_dofs(master_nodes, self.dim, components)
        off = np.broadcast_to(np.asarray(offsets, dtype=float), s.shape)
        for a, b, o in zip(s.ravel().tolist(), m.ravel().tolist(), off.ravel().tolist()):
            self._ties[a] = (b, o)
        return self

    def periodic(self, image_nodes, master_nodes, shift, strain=None):
        """Periodic images: u[image] = u[master] + ε·shift (ε the applied strain, default 0)."""
        offset = np.zeros(self.dim) if strain is None else np.asarray(strain) @ np.asarray(shift)
        return self.tie(image_nodes, master_nodes, offset)

    # ---------------------------------------------------------------- queries
    @property
    def fixed_dofs(self) -> np.ndarray:
        return np.array(sorted(self._fixed), dtype=int)

    @property
    def fixed_values(self) -> np.ndarray:
        return np.array([self._fixed[d] for d in sorted(self._fixed)])

    def reduction(self):
        """Return (T, roots, offsets): u = T q + g with g from :meth:`particular`.

        T is (n_dofs, n_independent) CSR with a single 1 per row of a free or tied DOF.
        ``roots`` (n_dofs,) is the DOF each DOF follows (itself if not tied), ``offsets``
        the accumulated tie offset.
        """
        n = self.n_dofs
        roots = np.arange(n)
        offsets = np.zeros(n)
        for s, (m, o) in self._ties.items():
            if s not in self._fixed:
                roots[s], offsets[s] = m, o
        for _ in range(8):  # resolve chains of ties (e.g. corners of a doubly periodic cell)
            nxt = roots[roots]
            if np.array_equal(nxt, roots):
                break
            offsets = offsets + np.where(nxt != roots, offsets[roots], 0.0)
            roots = nxt
        else:
            raise ValueError("tie constraints form a cycle")
        fixed = np.zeros(n, bool)
        fixed[self.fixed_dofs] = True
        independent = (roots == np.arange(n)) & ~fixed
        col = np.full(n, -1)
        col[independent] = np.arange(independent.sum())
        rows = np.flatnonzero(~fixed[roots])
        T = sp.csr_matrix((np.ones(len(rows)), (rows, col[roots[rows]])), shape=(n, int(independent.sum())))
        return T, roots, offsets

    def particular(self, roots, offsets, prescribed=None, tie_offsets=None) -> np.ndarray:
        """g: prescribed values at fixed DOFs, root value + offset at DOFs tied to them.

        ``prescribed`` is a full (n_dofs,) displacement vector whose fixed entries are
        used (default: the stored values); ``tie_offsets`` a full vector of offsets.
        """
        g = np.zeros(self.n_dofs)
        fixed = self.fixed_dofs
        g[fixed] = self.fixed_values if prescribed is None else np.asarray(prescribed).ravel()[fixed]
        off = offsets if tie_offsets is None else np.asarray(tie_offsets).ravel()
        tied = roots != np.arange(self.n_dofs)
        g[tied] = g[roots[tied]] * np.isin(roots[tied], fixed) + off[tied]
        return g


# --------------------------------------------------------------------------- tractions


def boundary_facets_on(mesh, nodes) -> np.ndarray:
    """Boundary edges (2D) or faces (3D) whose nodes all belong to ``nodes``."""
    facets = mesh.boundary_edges() if mesh.dim == 2 else mesh.boundary_faces()
    mask = np.zeros(mesh.n_nodes, bool)
    mask[np.asarray(nodes)] = True
    return facets[mask[facets].all(axis=1)]


def facet_normals(points, facets):
    """Outward unit normals and measures (length or area) of oriented boundary facets."""
    p = points[facets]
    if facets.shape[1] == 2:
        t = p[:, 1] - p[:, 0]
        n = np.column_stack([t[:, 1], -t[:, 0]])
    else:
        n = 0.5 * np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]) * 2.0
    size = np.linalg.norm(n, axis=1)
    measure = size if facets.shape[1] == 2 else 0.5 * size
    return n / size[:, None], measure


def traction_forces(mesh, facets, traction, thickness: float = 1.0) -> np.ndarray:
    """Consistent nodal forces (eV/Å), (n_dofs,), of a traction on boundary facets.

    Parameters
    ----------
    facets : (e, dim) int
        Oriented boundary edges/faces, e.g. from :func:`boundary_facets_on`.
    traction : array (dim,) or callable
        Traction vector t (eV/Å³), constant, or ``traction(points, normals)`` evaluated at
        the facet nodes; it is interpolated linearly over each facet, for which
        ``f_a = Σ_b |facet| (1 + δ_ab) / (k (k + 1)) t_b``, k nodes per facet, is exact.
    thickness : float
        Out-of-plane thickness of a 2D mesh, Å.
    """
    facets = np.asarray(facets)
    k = facets.shape[1]
    normals, measure = facet_normals(mesh.points, facets)
    if mesh.dim == 2:
        measure = measure * thickness
    if callable(traction):
        pts = mesh.points[facets].reshape(-1, mesh.dim)
        t = np.asarray(traction(pts, np.repeat(normals, k, axis=0)), dtype=float).reshape(len(facets), k, mesh.dim)
    else:
        t = np.broadcast_to(np.asarray(traction, dtype=float), (len(facets), k, mesh.dim))
    W = (np.ones((k, k)) + np.eye(k)) / (k * (k + 1))
    f_nodes = np.einsum("ab,ebi->eai", W, t) * measure[:, None, None]
    f = np.zeros(mesh.n_dofs)
    dofs = mesh.dim * facets[:, :, None] + np.arange(mesh.dim)
    np.add.at(f, dofs.ravel(), f_nodes.ravel())
    return f


def stress_traction(stress_voigt) -> callable:
    """Traction t = σ n of a uniform stress (Voigt, eV/Å³) as a callable for :func:`traction_forces`."""
    s = np.asarray(stress_voigt, dtype=float)
    S = np.array([[s[0], s[5], s[4]], [s[5], s[1], s[3]], [s[4], s[3], s[2]]])

    def traction(points, normals):
        d = normals.shape[1]
        return normals @ S[:d, :d].T

    return traction

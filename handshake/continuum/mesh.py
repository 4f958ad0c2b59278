"""Simplex meshes of the continuum region and their graded generators.

A 2D mesh (:class:`TriangleMesh`, P1 triangles, plane strain) has nodes at the given
atomic sites inside the atomistic region and the handshake zone, and coarsens outwards in
rings whose element size grows by a constant factor from one ring to the next. An
optional slit (crack) along the half-line ``y = y0, x < x0`` has duplicated nodes, so that
its two faces separate and are traction free. A 3D mesh (:class:`TetMesh`) is either the
extrusion of a 2D mesh through a slab thickness (periodic through the thickness through
tie constraints) or a graded box.

Lengths are in Å. Region labels per node and per cell: :data:`CONTINUUM` (0),
:data:`HANDSHAKE` (1), :data:`ATOMISTIC` (2).

Longer than 500 lines: the mesh classes and their generators share the region labels
and the private helpers of the slit and the rings; apart, each would import the other's
internals.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.spatial import Delaunay, cKDTree

CONTINUUM, HANDSHAKE, ATOMISTIC = 0, 1, 2


# --------------------------------------------------------------------------- shapes


@dataclass(frozen=True)
class Disc:
    """Disc of ``radius`` (Å) around ``center`` (Å) in the x-y plane."""

    center: tuple[float, float]
    radius: float

    def signed_distance(self, points: np.ndarray) -> np.ndarray:
        """Distance to the boundary, negative inside (Å)."""
        return np.linalg.norm(np.asarray(points)[:, :2] - self.center, axis=1) - self.radius

    def boundary(self, spacing, offset: float = 0.0, split_y: float | None = None) -> np.ndarray:
        """Points on the boundary of the disc grown by ``offset``, ``spacing`` apart.

        The sampling starts at the west point and contains the east point, so that it is
        mirror symmetric about the horizontal diameter (a slit along it meets a node).
        ``spacing`` is a number (Å) or a function of (k,2) points returning (k,) sizes.
        """
        cx, cy = self.center
        r = self.radius + offset
        if split_y is not None and not np.isclose(split_y, cy, atol=1e-9 * max(r, 1.0)):
            raise ValueError(f"a slit at y={split_y} must pass through the disc centre y={cy}")

        def curve(s):
            phi = np.pi + s / r
            return np.column_stack([cx + r * np.cos(phi), cy + r * np.sin(phi)])

        return _sample_closed_curve(curve, [0.0, np.pi * r, 2 * np.pi * r], spacing)


@dataclass(frozen=True)
class Rectangle:
    """Axis-aligned rectangle ``lo`` to ``hi`` (Å) in the x-y plane."""

    lo: tuple[float, float]
    hi: tuple[float, float]

    def signed_distance(self, points: np.ndarray) -> np.ndarray:
        """Distance to the boundary, negative inside (Å)."""
        p = np.asarray(points)[:, :2]
        c = 0.5 * (np.asarray(self.lo) + np.asarray(self.hi))
        half = 0.5 * (np.asarray(self.hi) - np.asarray(self.lo))
        q = np.abs(p - c) - half
        outside = np.linalg.norm(np.maximum(q, 0.0), axis=1)
        return outside + np.minimum(q.max(axis=1), 0.0)

    def boundary(self, spacing, offset: float = 0.0, split_y: float | None = None) -> np.ndarray:
        """Points on the boundary of the rectangle grown by ``offset``, ``spacing`` apart.

        Corners are always nodes; so are the points of the west and east sides at
        ``split_y`` (default: mid-height), where a slit meets the boundary.
        """
        (x0, y0), (x1, y1) = np.asarray(self.lo) - offset, np.asarray(self.hi) + offset
        ys = 0.5 * (y0 + y1) if split_y is None else split_y
        if not y0 < ys < y1:
            raise ValueError(f"slit y={split_y} does not cross the rectangle {self}")
        vertices = np.array([[x0, ys], [x0, y0], [x1, y0], [x1, ys], [x1, y1], [x0, y1], [x0, ys]])
        s_vertices = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(vertices, axis=0), axis=1))])

        def curve(s):
            return np.column_stack([np.interp(s, s_vertices, vertices[:, 0]),
                                    np.interp(s, s_vertices, vertices[:, 1])])

        return _sample_closed_curve(curve, s_vertices, spacing)


def _sample_closed_curve(curve, knots, spacing) -> np.ndarray:
    """Nodes along a closed curve ``curve(s)`` (arc length s) through all ``knots``.

    Between consecutive knots the nodes are placed so that the local distance follows
    ``spacing`` (equidistribution of ∫ ds / h(s)). The last knot closes the curve and is
    not repeated.
    """
    out = []
    for s_a, s_b in zip(knots[:-1], knots[1:]):
        if s_b - s_a <= 0:
            continue
        if callable(spacing):
            s = np.linspace(s_a, s_b, 257)
            h = spacing(curve(s))
            inv = 1.0 / h
            w = np.concatenate([[0.0], np.cumsum(0.5 * (inv[1:] + inv[:-1]) * np.diff(s))])
            n = max(1, int(round(w[-1])))
            if n > 64:  # refine the quadrature for long pieces
                s = np.linspace(s_a, s_b, 4 * n + 1)
                inv = 1.0 / spacing(curve(s))
                w = np.concatenate([[0.0], np.cumsum(0.5 * (inv[1:] + inv[:-1]) * np.diff(s))])
                n = max(1, int(round(w[-1])))
            targets = np.arange(n) * (w[-1] / n)
            out.append(curve(np.interp(targets, w, s)))
        else:
            n = max(1, int(round((s_b - s_a) / spacing)))
            out.append(curve(s_a + (s_b - s_a) * np.arange(n) / n))
    return np.concatenate(out)


def triangular_lattice(shape, spacing: float, y_offset: float = 0.25) -> np.ndarray:
    """Triangular sub-lattice of nodes with ``spacing`` (Å) filling ``shape``.

    Rows lie at ``y = yc + (j + y_offset) * spacing * sqrt(3)/2`` so that, by default, no row
    is on the horizontal line through the shape centre (where a crack would run).
    """
    probe = shape.boundary(spacing)
    lo, hi = probe.min(axis=0), probe.max(axis=0)
    yc = 0.5 * (lo[1] + hi[1])
    dy = spacing * np.sqrt(3.0) / 2.0
    j = np.arange(np.floor((lo[1] - yc) / dy) - 1, np.ceil((hi[1] - yc) / dy) + 2)
    i = np.arange(np.floor(lo[0] / spacing) - 1, np.ceil(hi[0] / spacing) + 2)
    I, J = np.meshgrid(i, j)
    x = (I + 0.5 * (J % 2)) * spacing
    y = yc + (J + y_offset) * dy
    pts = np.column_stack([x.ravel(), y.ravel()])
    return pts[shape.signed_distance(pts) < -0.5 * spacing]


# --------------------------------------------------------------------------- meshes


class SimplexMesh:
    """What P1 meshes share: ``points`` (n, dim), ``cells`` (m, dim + 1), node-major DOFs."""

    points: np.ndarray
    cells: np.ndarray
    dim: int

    @property
    def n_nodes(self) -> int:
        return len(self.points)

    @property
    def n_dofs(self) -> int:
        return self.dim * len(self.points)

    def measures(self) -> np.ndarray:
        """Element areas (Å², triangles) or volumes (Å³, tetrahedra)."""
        return _simplex_measures(self.points, self.cells)

    def centroids(self) -> np.ndarray:
        return self.points[self.cells].mean(axis=1)


@dataclass
class TriangleMesh(SimplexMesh):
    """P1 triangle mesh in the x-y plane (plane strain).

    Attributes
    ----------
    points : (n, 2) float
        Node positions, Å.
    cells : (m, 3) int
        Triangles, counter-clockwise.
    node_region, cell_region : (n,), (m,) int8
        Region labels: 0 continuum, 1 handshake zone, 2 atomistic region.
    node_sets : dict of str to int arrays
        Named node sets: ``"outer"`` (outer boundary), ``"hole"`` (boundary of the
        atomistic hole), ``"slit_upper"``, ``"slit_lower"`` (the two faces of the slit,
        paired: entry k of one is the duplicate of entry k of the other).
    site_index : (n,) int
        For nodes placed at caller-given atomic sites, the index of the site; -1 otherwise.
    slit : (x0, y0) or None
        Tip of the slit ``y = y0, x < x0``.
    slit_pairs : (k, 2) int or None
        (upper-face node, lower-face duplicate) pairs at the same position.

    Degrees of freedom are node major: ``dof = 2 * node + component``.
    """

    points: np.ndarray
    cells: np.ndarray
    node_region: np.ndarray
    cell_region: np.ndarray
    node_sets: dict = field(default_factory=dict)
    site_index: np.ndarray | None = None
    slit: tuple[float, float] | None = None
    slit_pairs: np.ndarray | None = None

    dim = 2
    cell_type = "triangle"

    def boundary_edges(self) -> np.ndarray:
        """(e, 2) boundary edges, oriented so that the domain is on their left."""
        return _boundary_facets(self.cells, _TRIANGLE_FACES)

    def evaluation_points(self, nodes=None) -> np.ndarray:
        """Node positions nudged off the slit onto the side of their face.

        A far field with a branch cut along the slit (crack, dislocation cut) must be
        evaluated at the upper face as y → y0⁺ and at the lower face as y → y0⁻.
        """
        nodes = np.arange(self.n_nodes) if nodes is None else np.asarray(nodes)
        p = self.points[nodes].copy()
        if self.slit is not None:
            eps = 1e-9 * max(1.0, np.abs(self.points).max())
            for name, sign in (("slit_upper", 1.0), ("slit_lower", -1.0)):
                on = np.isin(nodes, self.node_sets.get(name, []))
                p[on, 1] += sign * eps
        return p


@dataclass
class TetMesh(SimplexMesh):
    """P1 tetrahedron mesh.

    Attributes
    ----------
    points : (n, 3) float
        Node positions, Å.
    cells : (m, 4) int
        Tetrahedra with positive volume.
    node_region, cell_region : int8 arrays
        Region labels as in :class:`TriangleMesh`.
    node_sets : dict
        Named node sets (``"outer"``, ``"bottom"``, ``"top"``, ...).
    periodic_pairs : (k, 2) int or None
        (image, master) node pairs of a periodic direction; ``periodic_shift`` (3,) is
        ``x[image] - x[master]`` (Å).

    Degrees of freedom are node major: ``dof = 3 * node + component``.
    """

    points: np.ndarray
    cells: np.ndarray
    node_region: np.ndarray
    cell_region: np.ndarray
    node_sets: dict = field(default_factory=dict)
    periodic_pairs: np.ndarray | None = None
    periodic_shift: np.ndarray | None = None

    dim = 3
    cell_type = "tetra"

    def boundary_faces(self) -> np.ndarray:
        """(f, 3) boundary faces, ordered so that their normal points outwards."""
        return _boundary_facets(self.cells, _TET_FACES)

    def evaluation_points(self, nodes=None) -> np.ndarray:
        nodes = np.arange(self.n_nodes) if nodes is None else np.asarray(nodes)
        return self.points[nodes].copy()


_TRIANGLE_FACES = np.array([[0, 1], [1, 2], [2, 0]])
# faces of a positively oriented tet, each ordered with its normal pointing outwards
_TET_FACES = np.array([[1, 2, 3], [0, 3, 2], [0, 1, 3], [0, 2, 1]])


def _simplex_measures(points, cells):
    p = points[cells]
    edges = p[:, 1:] - p[:, :1]
    d = np.linalg.det(edges)
    return d / (2.0 if points.shape[1] == 2 else 6.0)


def _boundary_facets(cells, local_faces):
    facets = cells[:, local_faces].reshape(-1, local_faces.shape[1])
    key = np.sort(facets, axis=1)
    _, inverse, counts = np.unique(key, axis=0, return_inverse=True, return_counts=True)
    return facets[counts[inverse.ravel()] == 1]


# --------------------------------------------------------------------------- 2D generator


def ring_sizes(h0: float, growth: float, max_distance: float, h_max: float | None = None):
    """Distances (Å) of the grading rings from the inner region and their node spacing.

    Ring k sits at distance d_k with spacing h_k = h0 * growth**k; the gap to the next ring
    is h_{k+1}, so elements between rings are near equilateral and the element size grows
    by ``growth`` from one layer to the next (linearly with distance).
    """
    d, h = [0.0], [h0]
    while d[-1] < max_distance:
        h_next = h[-1] * growth
        if h_max is not None:
            h_next = min(h_next, h_max)
        d.append(d[-1] + h_next)
        h.append(h_next)
    return np.array(d), np.array(h)


def graded_mesh_2d(outer, inner, h0: float, growth: float = 1.2, sites: np.ndarray | None = None,
                   atomistic=None, hole: bool = False, slit: tuple[float, float] | None = None,
                   h_max: float | None = None) -> TriangleMesh:
    """Graded triangle mesh of ``outer`` with nodes at atomic sites inside ``inner``.

    Parameters
    ----------
    outer : Disc or Rectangle
        The whole continuum domain (hundreds of nm wide is fine), Å.
    inner : Disc or Rectangle
        Atomistic region plus handshake zone: nodes are the ``sites`` inside it.
    h0 : float
        Node spacing at the inner boundary (≈ the site spacing), Å.
    growth : float
        Ratio of element sizes of successive layers outside ``inner`` (> 1).
    sites : (k, 2) array, optional
        Atomic sites (reference positions, Å). Default: a triangular sub-lattice with
        spacing ``h0``. Sites outside ``inner`` are ignored.
    atomistic : Disc or Rectangle, optional
        The atomistic region (inside ``inner``); labels nodes/cells 2 and defines the hole.
    hole : bool
        Leave out the cells inside ``atomistic`` (the atomistic hole).
    slit : (x0, y0), optional
        A traction-free slit (crack) along ``y = y0, x < x0``. ``y0`` must be the centre
        line of ``inner`` and ``outer`` so that the grading rings meet it at nodes.
    h_max : float, optional
        Cap on the element size, Å.

    Returns
    -------
    TriangleMesh
    """
    if growth < 1.0:
        raise ValueError(f"growth must be >= 1, got {growth}")
    if hole and atomistic is None:
        raise ValueError("hole=True needs the atomistic region")
    split_y = None if slit is None else slit[1]
    tol = 1e-6 * h0

    # nodes inside the handshake zone (and the atomistic region unless it is a hole)
    user_sites = sites is not None
    if sites is None:  # with a slit, a row of the sub-lattice lies on it and is split like the rings
        sites = triangular_lattice(inner, h0, y_offset=0.0 if slit is not None else 0.25)
        site_ids = np.full(len(sites), -1)
    else:
        sites = np.asarray(sites, dtype=float)[:, :2]
        site_ids = np.arange(len(sites))
        keep = inner.signed_distance(sites) <= tol
        sites, site_ids = sites[keep], site_ids[keep]
    groups = []
    if hole:
        keep = atomistic.signed_distance(sites) >= (0.5 * h0 if not user_sites else 0.0)
        sites, site_ids = sites[keep], site_ids[keep]
        if not user_sites:  # a clean hole boundary for a generated sub-lattice
            ring = atomistic.boundary(h0, split_y=split_y)
            groups.append((ring, np.full(len(ring), -1)))
    groups.append((sites, site_ids))

    # grading rings outside ``inner``
    probe = outer.boundary(h0 * 64)
    d_far = max(inner.signed_distance(probe).max(), 0.0)
    d_ring, h_ring = ring_sizes(h0, growth, d_far, h_max)
    site_tree = cKDTree(sites) if len(sites) else None
    for d, h in zip(d_ring, h_ring):
        ring = inner.boundary(h, offset=d, split_y=split_y)
        ring = ring[outer.signed_distance(ring) < -0.5 * h]
        if site_tree is not None and d < 3 * h0 + tol:
            dist, _ = site_tree.query(ring, distance_upper_bound=0.5 * h)
            ring = ring[~np.isfinite(dist)]
        groups.append((ring, np.full(len(ring), -1)))

    def size(p):
        return np.interp(np.maximum(inner.signed_distance(p), 0.0), d_ring, h_ring)

    boundary = outer.boundary(size, split_y=split_y)
    groups.append((boundary, np.full(len(boundary), -1)))

    points = np.concatenate([g[0] for g in groups])
    site_index = np.concatenate([g[1] for g in groups])
    cells = Delaunay(points).simplices

    # remove degenerate triangles, triangles across the slit, in the hole, or outside
    area = _simplex_measures(points, cells)
    longest = np.max([np.sum((points[cells[:, i]] - points[cells[:, j]]) ** 2, axis=1)
                      for i, j in _TRIANGLE_FACES], axis=0)
    keep = np.abs(area) > 1e-8 * longest
    centroid = points[cells].mean(axis=1)
    keep &= outer.signed_distance(centroid) < 0
    if hole:
        keep &= atomistic.signed_distance(centroid) > 0
    if slit is not None:
        keep &= ~_crosses_slit(points, cells, slit, tol)
    cells = cells[keep]
    area = area[keep]
    cells[area < 0] = cells[area < 0][:, [0, 2, 1]]

    node_sets = {}
    if slit is not None:
        points, cells, site_index, upper, lower, pairs = _split_slit(points, cells, site_index, slit, tol)
        node_sets["slit_upper"], node_sets["slit_lower"], node_sets["slit_pairs"] = upper, lower, pairs

    # drop unused nodes
    used = np.zeros(len(points), bool)
    used[cells.ravel()] = True
    new_id = np.cumsum(used) - 1
    cells = new_id[cells]
    points, site_index = points[used], site_index[used]
    node_sets = {k: new_id[v] for k, v in node_sets.items()}
    pairs = node_sets.pop("slit_pairs", None)

    mesh = TriangleMesh(points, cells, np.zeros(len(points), np.int8), np.zeros(len(cells), np.int8),
                        node_sets, site_index, slit, pairs)
    _label_regions(mesh, inner, atomistic, tol)
    b_nodes = np.unique(mesh.boundary_edges())
    mesh.node_sets["outer"] = b_nodes[np.abs(outer.signed_distance(points[b_nodes])) <= tol * 1e3]
    if hole:  # boundary nodes on (generated sites) or within a site spacing of (user sites) the hole
        near = atomistic.signed_distance(points[b_nodes]) <= (h0 if user_sites else 1e3 * tol)
        mesh.node_sets["hole"] = b_nodes[near & ~np.isin(b_nodes, mesh.node_sets["outer"])]
    return mesh


def _label_regions(mesh, inner, atomistic, tol):
    for target, pts in ((mesh.node_region, mesh.points), (mesh.cell_region, mesh.centroids())):
        target[inner.signed_distance(pts) <= tol] = HANDSHAKE
        if atomistic is not None:
            target[atomistic.signed_distance(pts) < -tol] = ATOMISTIC


def _crosses_slit(points, cells, slit, tol):
    """Triangles with an edge that crosses the line y = y0 at x < x0."""
    x0, y0 = slit
    p = points[cells]
    crosses = np.zeros(len(cells), bool)
    for i, j in _TRIANGLE_FACES:
        a, b = p[:, i], p[:, j]
        da, db = a[:, 1] - y0, b[:, 1] - y0
        proper = ((da > tol) & (db < -tol)) | ((da < -tol) & (db > tol))
        with np.errstate(divide="ignore", invalid="ignore"):
            x_cross = a[:, 0] + (b[:, 0] - a[:, 0]) * da / (da - db)
        crosses |= proper & (x_cross < x0 - tol)
    return crosses


def _split_slit(points, cells, site_index, slit, tol):
    """Duplicate the nodes on the slit: the copy belongs to the triangles below it."""
    x0, y0 = slit
    on_slit = np.flatnonzero((np.abs(points[:, 1] - y0) <= tol) & (points[:, 0] < x0 - tol))
    below = points[cells].mean(axis=1)[:, 1] < y0
    used_below = np.zeros(len(points), bool)
    used_above = np.zeros(len(points), bool)
    used_below[cells[below].ravel()] = True
    used_above[cells[~below].ravel()] = True
    upper = on_slit[used_below[on_slit] & used_above[on_slit]]
    lower = len(points) + np.arange(len(upper))
    remap = np.arange(len(points))
    remap[upper] = lower
    cells = cells.copy()
    cells[below] = remap[cells[below]]
    points = np.concatenate([points, points[upper]])
    site_index = np.concatenate([site_index, site_index[upper]])
    # a face node used by only one side still lies on that face
    only_above = on_slit[~used_below[on_slit] & used_above[on_slit]]
    only_below = on_slit[used_below[on_slit] & ~used_above[on_slit]]
    return (points, cells, site_index, np.concatenate([upper, only_above]), np.concatenate([lower, only_below]),
            np.column_stack([upper, lower]))


def structured_rectangle_mesh(lo, hi, nx: int, ny: int) -> TriangleMesh:
    """Uniform ``nx`` × ``ny`` grid of the rectangle ``lo``–``hi`` (Å), two triangles per cell."""
    x = np.linspace(lo[0], hi[0], nx + 1)
    y = np.linspace(lo[1], hi[1], ny + 1)
    X, Y = np.meshgrid(x, y)
    points = np.column_stack([X.ravel(), Y.ravel()])
    i, j = np.meshgrid(np.arange(nx), np.arange(ny))
    n00 = (j * (nx + 1) + i).ravel()
    n10, n01, n11 = n00 + 1, n00 + nx + 1, n00 + nx + 2
    cells = np.concatenate([np.column_stack([n00, n10, n11]), np.column_stack([n00, n11, n01])])
    mesh = TriangleMesh(points, cells, np.zeros(len(points), np.int8), np.zeros(len(cells), np.int8))
    tol = 1e-9 * max(hi[0] - lo[0], hi[1] - lo[1])
    for name, mask in (("left", np.abs(points[:, 0] - lo[0]) < tol), ("right", np.abs(points[:, 0] - hi[0]) < tol),
                       ("bottom", np.abs(points[:, 1] - lo[1]) < tol), ("top", np.abs(points[:, 1] - hi[1]) < tol)):
        mesh.node_sets[name] = np.flatnonzero(mask)
    mesh.node_sets["outer"] = np.unique(mesh.boundary_edges())
    return mesh


# --------------------------------------------------------------------------- 3D generators


def extrude(mesh: TriangleMesh, thickness: float, n_layers: int, periodic: bool = True) -> TetMesh:
    """Quasi-2D slab: extrude a triangle mesh along z through ``thickness`` (Å).

    Each prism is split into three tetrahedra by the vertex-index rule (the diagonal of a
    quadrilateral side face joins its lowest-index bottom node to its higher-index top
    node), which makes neighbouring prisms conforming.  With ``periodic`` the top layer
    nodes are paired with the bottom layer (``periodic_pairs``) for tie constraints.
    """
    n2 = mesh.n_nodes
    z = np.linspace(0.0, thickness, n_layers + 1)
    points = np.column_stack([np.tile(mesh.points, (n_layers + 1, 1)), np.repeat(z, n2)])
    tri = np.sort(mesh.cells, axis=1)
    a, b, c = tri.T
    layer = np.arange(n_layers)[:, None] * n2
    A, B, C = a + layer, b + layer, c + layer
    A1, B1, C1 = A + n2, B + n2, C + n2
    tets = np.concatenate([np.stack([A, B, C, C1], -1).reshape(-1, 4),
                           np.stack([A, B, B1, C1], -1).reshape(-1, 4),
                           np.stack([A, A1, B1, C1], -1).reshape(-1, 4)])
    vol = _simplex_measures(points, tets)
    tets[vol < 0] = tets[vol < 0][:, [0, 2, 1, 3]]
    cell_region = np.tile(mesh.cell_region, 3 * n_layers)
    node_sets = {"bottom": np.arange(n2), "top": n_layers * n2 + np.arange(n2)}
    for name, nodes in mesh.node_sets.items():
        node_sets[name] = (np.asarray(nodes)[None, :] + np.arange(n_layers + 1)[:, None] * n2).ravel()
    out = TetMesh(points, tets, np.tile(mesh.node_region, n_layers + 1), cell_region, node_sets)
    if periodic:
        out.periodic_pairs = np.column_stack([node_sets["top"], node_sets["bottom"]])
        out.periodic_shift = np.array([0.0, 0.0, thickness])
    return out


def graded_coordinates(lo: float, hi: float, inner_lo: float, inner_hi: float, h0: float, growth: float):
    """1D node coordinates: spacing h0 in [inner_lo, inner_hi], growing by ``growth`` outside."""
    n_in = max(1, int(round((inner_hi - inner_lo) / h0)))
    core = np.linspace(inner_lo, inner_hi, n_in + 1)

    def ramp(length):
        if length <= 0:
            return np.zeros(0)
        steps, h = [], h0
        while sum(steps) + h * growth < length:
            h *= growth
            steps.append(h)
        if not steps:
            return np.array([length])
        offsets = np.cumsum(steps)
        return offsets * (length / offsets[-1])  # stretch so the last node hits the end

    left = inner_lo - ramp(inner_lo - lo)[::-1]
    right = inner_hi + ramp(hi - inner_hi)
    return np.concatenate([left, core, right])


# Kuhn (Freudenthal) split of a cube into 6 tetrahedra along its main diagonal: conforming
# on any tensor-product grid and free of slivers, unlike a 3D Delaunay of a lattice.
_KUHN = np.array([[0, 1, 3, 7], [0, 1, 5, 7], [0, 2, 3, 7], [0, 2, 6, 7], [0, 4, 5, 7], [0, 4, 6, 7]])


def graded_box_mesh(lo, hi, inner_lo, inner_hi, h0: float, growth: float = 1.2) -> TetMesh:
    """Fully 3D graded box of tetrahedra.

    A tensor-product grid with spacing ``h0`` (a regular sub-lattice) inside the box
    ``inner_lo``–``inner_hi`` and geometric coarsening by ``growth`` towards ``lo``–``hi``
    along each axis; each hexahedron is split into 6 tetrahedra (Kuhn). Far from the
    inner box along an axis the elements are elongated (aspect ratio up to h_far/h0).
    """
    axes = [graded_coordinates(lo[k], hi[k], inner_lo[k], inner_hi[k], h0, growth) for k in range(3)]
    nx, ny, nz = (len(a) for a in axes)
    X, Y, Z = np.meshgrid(*axes, indexing="ij")
    points = np.column_stack([X.ravel(), Y.ravel(), Z.ravel()])
    i, j, k = np.meshgrid(np.arange(nx - 1), np.arange(ny - 1), np.arange(nz - 1), indexing="ij")
    base = (i * ny * nz + j * nz + k).ravel()
    # corner index bits: 1 -> +x, 2 -> +y, 4 -> +z
    corner = np.array([(b & 1) * ny * nz + ((b >> 1) & 1) * nz + ((b >> 2) & 1) for b in range(8)])
    tets = (base[:, None, None] + corner[_KUHN][None]).reshape(-1, 4)
    vol = _simplex_measures(points, tets)
    tets[vol < 0] = tets[vol < 0][:, [0, 2, 1, 3]]
    tol = 1e-6 * h0
    inside = np.all((points >= np.asarray(inner_lo) - tol) & (points <= np.asarray(inner_hi) + tol), axis=1)
    centroid = points[tets].mean(axis=1)
    cell_in = np.all((centroid >= np.asarray(inner_lo)) & (centroid <= np.asarray(inner_hi)), axis=1)
    on_outer = np.any((np.abs(points - lo) < tol) | (np.abs(points - hi) < tol), axis=1)
    return TetMesh(points, tets, np.where(inside, HANDSHAKE, CONTINUUM).astype(np.int8),
                   np.where(cell_in, HANDSHAKE, CONTINUUM).astype(np.int8), {"outer": np.flatnonzero(on_outer)})

"""Where a dislocation is, read from the atoms: disregistry across the glide plane.

The disregistry δ(x) = u⁺(x) − u⁻(x) is the relative displacement of the two atomic
planes that bound the glide plane (Peierls–Nabarro; Hirth & Lothe 2nd ed. §8-1, and
e.g. Bulatov & Cai, *Computer Simulations of Dislocations* §8). Far behind the core it
equals the Burgers vector, far ahead zero. A dissociated fcc dislocation shows two
steps of b/2 in the edge component (the two Shockley partials) separated by a plateau,
the intrinsic stacking fault. The steps are located by a least-squares fit of the
Peierls–Nabarro form

    δ_x(x) = Σ_k (b_x / n) [½ − (1/π) arctan((x − x_k) / w_k)],   k = 1..n,

so positions are resolved well below the lattice spacing and nothing about where the
partials are is assumed (only how many there are). The fit starts from the steepest
points of the measured δ_x.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.optimize import least_squares
from scipy.spatial import Delaunay


@dataclass
class CoreStructure:
    """Positions of the partials of a dislocation on its glide plane (lab x, Å).

    Attributes
    ----------
    partials_x_A : list of float
        Centres of the partial dislocations, sorted, Å.
    half_widths_A : list of float
        Peierls–Nabarro half widths w_k of the partial cores, Å.
    centre_x_A : float
        Mean of the partials' positions, Å.
    stacking_fault_width_A : float
        Distance between the outermost partials (0 for one partial), Å.
    burgers_x_A : float
        Edge disregistry far behind the core (fitted total), Å.
    rms_misfit_A : float
        Root-mean-square residual of the fit, Å.
    resolved : bool
        Every partial lies inside the sampled window by at least twice its half width
        (otherwise a partial is outside the window, e.g. held by the handshake zone,
        and the positions are not to be trusted).
    centre_y_A : float or None
        Height of the core (lab y), Å, where the locator gives it (Burgers circuits).
    polarity : float or None
        Screw cores only (:func:`screw_core_polarity`): 0 for a core with the ⟨110⟩
        diad symmetry (non-degenerate), ±1 for the two fully polarised (degenerate)
        variants.
    """

    partials_x_A: list
    half_widths_A: list
    centre_x_A: float
    stacking_fault_width_A: float
    burgers_x_A: float
    rms_misfit_A: float
    resolved: bool = True
    centre_y_A: float | None = None
    polarity: float | None = None

    def to_dict(self) -> dict:
        """As a dict, with None for positions that are not finite (no core found)."""
        return {k: _finite_or_none(v) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict) -> "CoreStructure":
        """The inverse of :meth:`to_dict` (None back to NaN for positions and widths)."""
        def nan_for_none(value):
            return [nan_for_none(v) for v in value] if isinstance(value, list) else (
                float("nan") if value is None else value)

        keep = {"resolved", "centre_y_A", "polarity"}
        return cls(**{k: v if k in keep else nan_for_none(v) for k, v in data.items()})


def _finite_or_none(value):
    if isinstance(value, list):
        return [_finite_or_none(v) for v in value]
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def glide_plane_pairs(reference_positions: np.ndarray, glide_y_A: float, interplanar_A: float):
    """Ids − 1 of the atoms in the plane just above and just below ``glide_y_A``.

    Returns
    -------
    above, below : (n,) int arrays
    """
    y = reference_positions[:, 1] - glide_y_A
    above = np.flatnonzero((y > 0) & (y < 0.75 * interplanar_A))
    below = np.flatnonzero((y < 0) & (y > -0.75 * interplanar_A))
    return above, below


def disregistry(reference_positions: np.ndarray, displacements: np.ndarray, glide_y_A: float,
                interplanar_A: float, x_range_A: tuple[float, float], spacing_A: float = 0.25):
    """Disregistry δ(x) = u⁺ − u⁻ across the glide plane y = ``glide_y_A``.

    Displacements of each bounding plane are averaged over atoms at the same x (along
    the line) and interpolated linearly in their reference x.

    Parameters
    ----------
    reference_positions, displacements : (n, 3) arrays, Å
    glide_y_A : float
        Height of the glide plane (between two atomic planes), Å.
    interplanar_A : float
        Spacing of atomic planes normal to y, Å.
    x_range_A : (float, float)
        Where to sample δ, Å (inside the free atoms).
    spacing_A : float
        Sampling step, Å.

    Returns
    -------
    x : (m,) ndarray, Å
    delta : (m, 3) ndarray, Å
    """
    above, below = glide_plane_pairs(reference_positions, glide_y_A, interplanar_A)
    x = np.arange(x_range_A[0], x_range_A[1] + 1e-9, spacing_A)

    def plane(ids):
        xs = np.round(reference_positions[ids, 0], 4)
        keys, inverse = np.unique(xs, return_inverse=True)
        u = np.zeros((keys.size, 3))
        for k in range(3):
            u[:, k] = np.bincount(inverse, displacements[ids, k]) / np.bincount(inverse)
        return np.column_stack([np.interp(x, keys, u[:, k]) for k in range(3)])

    return x, plane(above) - plane(below)


def _pn_profile(x: np.ndarray, total: float, centres, widths) -> np.ndarray:
    n = len(centres)
    return sum((total / n) * (0.5 - np.arctan((x - c) / w) / np.pi) for c, w in zip(centres, widths))


def fit_partials(x: np.ndarray, delta_x: np.ndarray, n_partials: int = 2) -> CoreStructure:
    """Fit ``n_partials`` Peierls–Nabarro steps to the edge disregistry δ_x(x).

    The sign convention is δ_x → b_x behind the core (x → −∞) and 0 ahead; a profile
    going the other way is mirrored internally.
    """
    sign = 1.0 if delta_x[0] >= delta_x[-1] else -1.0
    d = sign * (delta_x - delta_x[-1])
    total0 = d[0]
    # starting guesses: where the profile crosses (k − ½)/n of its full height
    guesses = [float(np.interp((1 - (k + 0.5) / n_partials) * total0, d[::-1], x[::-1]))
               for k in range(n_partials)]

    def residual(p):
        total, centres, widths = p[0], p[1:1 + n_partials], p[1 + n_partials:]
        return _pn_profile(x, total, centres, widths) - d

    p0 = np.concatenate([[total0], guesses, np.full(n_partials, 1.0)])
    lower = np.concatenate([[0.0], np.full(n_partials, x[0]), np.full(n_partials, 0.05)])
    upper = np.concatenate([[np.inf], np.full(n_partials, x[-1]), np.full(n_partials, 20.0)])
    fit = least_squares(residual, p0, bounds=(lower, upper))
    total, centres, widths = fit.x[0], fit.x[1:1 + n_partials], fit.x[1 + n_partials:]
    order = np.argsort(centres)
    centres, widths = centres[order], widths[order]
    return CoreStructure(partials_x_A=centres.tolist(), half_widths_A=widths.tolist(),
                         centre_x_A=float(centres.mean()),
                         stacking_fault_width_A=float(centres[-1] - centres[0]),
                         burgers_x_A=float(sign * total),
                         rms_misfit_A=float(np.sqrt(np.mean(fit.fun ** 2))),
                         resolved=bool(np.all((centres - 2 * widths > x[0]) & (centres + 2 * widths < x[-1]))))


def atom_columns(reference_positions: np.ndarray, displacements: np.ndarray):
    """Atomic columns along the line (lab z) of a slab: their (x, y) sites and the mean
    displacement of each column's atoms.

    Returns
    -------
    sites : (m, 2) ndarray, Å
    u : (m, 3) ndarray, Å
    """
    # + 0.0 turns −0.0 into 0.0: np.unique along an axis compares rows bytewise
    _, inverse = np.unique(np.round(reference_positions[:, :2], 4) + 0.0, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    counts = np.bincount(inverse)

    def mean(values):
        return np.column_stack([np.bincount(inverse, values[:, k]) / counts for k in range(values.shape[1])])

    return mean(reference_positions[:, :2]), mean(displacements)


def screw_circuits(sites: np.ndarray, u_z: np.ndarray, burgers_z_A: float):
    """Burgers circuits around the triangles of atomic columns for a screw dislocation.

    The columns are triangulated (Delaunay, in the plane normal to the line). Along each
    edge the differential displacement d = u_z(j) − u_z(i) is reduced to the interval
    [−b/2, b/2) (Vitek, Perrin & Bowen, Phil. Mag. 21 (1970) 1049: relative
    displacements of neighbouring columns are defined modulo b); the sum of the three
    reduced differences counter-clockwise around a triangle is the Burgers vector it
    encloses, 0 or ±b. This is the discrete (triangle-by-triangle) Nye tensor.

    Parameters
    ----------
    sites : (m, 2) array
        Column positions (x, y), Å.
    u_z : (m,) array
        Displacement of each column along the line, Å.
    burgers_z_A : float
        Length of the Burgers vector (the line's lattice period for a ½⟨111⟩ screw), Å.

    Returns
    -------
    centroids : (t, 2) ndarray
        Centroids of the triangles, Å.
    content : (t,) ndarray
        Burgers vector enclosed by each triangle, in units of b (0 or ±1).
    """
    triangles = Delaunay(sites).simplices
    p = sites[triangles]
    area2 = ((p[:, 1, 0] - p[:, 0, 0]) * (p[:, 2, 1] - p[:, 0, 1])
             - (p[:, 2, 0] - p[:, 0, 0]) * (p[:, 1, 1] - p[:, 0, 1]))
    triangles = np.where((area2 < 0)[:, None], triangles[:, [0, 2, 1]], triangles)   # counter-clockwise
    # drop the slivers Delaunay adds along a concave hull: longest edge ≤ 1.5 × the shortest edge seen
    edges = np.linalg.norm(sites[triangles] - sites[np.roll(triangles, -1, axis=1)], axis=2)
    regular = edges.max(axis=1) <= 1.5 * edges.min()
    triangles = triangles[regular]
    d = u_z[np.roll(triangles, -1, axis=1)] - u_z[triangles]
    d -= burgers_z_A * np.floor(d / burgers_z_A + 0.5)
    return sites[triangles].mean(axis=1), np.round(d.sum(axis=1) / burgers_z_A)


def locate_screw_core(reference_positions: np.ndarray, displacements: np.ndarray, burgers_z_A: float,
                      centre_xy, radius_A: float) -> CoreStructure:
    """Core of a screw dislocation from Burgers circuits around triangles of atomic columns.

    The core is the centroid of the triangle that encloses a non-zero Burgers vector
    (:func:`screw_circuits`), searched within ``radius_A`` of ``centre_xy``; for a compact
    bcc ½⟨111⟩ core it is one triangle, and the position moves in steps of the triangle
    lattice (one Peierls valley to the next on {110}: a√6/3). Nothing is fitted.

    Returns
    -------
    CoreStructure
        One "partial" at the core (half width 0); ``burgers_x_A`` holds the enclosed
        Burgers vector (Å, signed), ``centre_y_A`` the core height; ``resolved`` is false
        unless exactly one triangle holds the whole Burgers vector.
    """
    centre_xy = np.asarray(centre_xy, dtype=float)
    sites, u = atom_columns(reference_positions, displacements)
    near = np.linalg.norm(sites - centre_xy, axis=1) < radius_A + 3.0
    centroids, content = screw_circuits(sites[near], u[near, 2], burgers_z_A)
    inside = np.linalg.norm(centroids - centre_xy, axis=1) < radius_A
    cores = np.flatnonzero(inside & (content != 0))
    if cores.size == 0:
        return CoreStructure([float("nan")], [0.0], float("nan"), 0.0, 0.0, 0.0, resolved=False,
                             centre_y_A=float("nan"))
    xy = centroids[cores].mean(axis=0)
    return CoreStructure(partials_x_A=[float(xy[0])], half_widths_A=[0.0], centre_x_A=float(xy[0]),
                         stacking_fault_width_A=0.0, burgers_x_A=float(content[cores].sum() * burgers_z_A),
                         rms_misfit_A=0.0, resolved=bool(cores.size == 1 and abs(content[cores[0]]) == 1),
                         centre_y_A=float(xy[1]),
                         polarity=screw_core_polarity(sites[near], u[near, 2], burgers_z_A, xy))


def screw_core_polarity(sites: np.ndarray, u_z: np.ndarray, burgers_z_A: float, core_xy) -> float:
    """Polarity of a ½⟨111⟩ screw core centred in a triangle of columns, from the
    differential displacements of the six column pairs around that triangle.

    Each of the six pairs joins a corner of the core triangle to one of the next
    columns out; their midpoints sit at 60° intervals around the core. A core with the
    ⟨110⟩ diad symmetry (non-degenerate) has six equal differential displacements
    ``|d|``; a degenerate core spreads alternately into three of them (Vitek's polarised
    core; e.g. ``|d|`` ≈ 0.31 b and 0.02 b). With S₁ the three pairs whose midpoint angle θ
    (from lab x) has (θ − 30°) mod 120° ≥ 60° and S₂ the other three (mirror images of
    S₁ under the diad along lab y)::

        p = (Σ_S₁ |d| − Σ_S₂ |d|) / Σ |d|,

    0 for the symmetric core and close to ±1 for the two polarised variants.
    """
    core_xy = np.asarray(core_xy, dtype=float)
    corners = np.argsort(np.linalg.norm(sites - core_xy, axis=1))[:3]
    side = np.linalg.norm(sites[corners[1:]] - sites[corners[0]], axis=1).min()
    i, j = np.triu_indices(len(sites), k=1)
    close = np.flatnonzero(np.abs(np.linalg.norm(sites[i] - sites[j], axis=1) - side) < 0.1 * side)
    i, j = i[close], j[close]
    mid = 0.5 * (sites[i] + sites[j]) - core_xy
    # second ring of pair midpoints: |mid| = side·√7/(2√3) ≈ 0.76 side (the first, the core
    # triangle's own edges, is at side/(2√3) ≈ 0.29 side)
    ring = np.flatnonzero(np.abs(np.linalg.norm(mid, axis=1) - 0.7638 * side) < 0.1 * side)
    if ring.size != 6:
        return float("nan")
    d = u_z[j[ring]] - u_z[i[ring]]
    d = np.abs(d - burgers_z_A * np.floor(d / burgers_z_A + 0.5))
    theta = np.degrees(np.arctan2(mid[ring, 1], mid[ring, 0]))
    s1 = np.mod(theta - 30.0, 120.0) >= 60.0
    return float((d[s1].sum() - d[~s1].sum()) / d.sum())

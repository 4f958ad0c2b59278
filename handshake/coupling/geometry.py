"""Geometry of a quasi-2D coupled model: atomistic disc, handshake ring, pad ring, continuum.

The defect line (dislocation line, crack front) runs along lab z; the atoms are periodic
along z over one lattice period, so every atom is its own site in the (x, y) plane and
the continuum is a 2D mesh in generalised plane strain (u_x, u_y, u_z of x, y). Around a
centre c, with ``r = |(x, y) − c|``:

====================  =========================================  ====================
region                radii                                      atoms / nodes
====================  =========================================  ====================
atomistic core        r < R_a − w_h                              free atoms
handshake zone        R_a − w_h ≤ r < R_a                        free atoms = FE nodes
pad                   R_a ≤ r < R_a + w_p                        pad atoms = FE nodes
continuum             R_a + w_p ≤ r ≤ R_outer                    graded FE nodes
====================  =========================================  ====================

FE nodes of the handshake zone follow their atoms; pad atoms follow the continuum. The
pad must be at least one interaction range wide and, for many-body potentials (EAM,
MEAM, Stillinger–Weber), two ranges for the free atoms' forces to be exactly those of
an infinite crystal — the default.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ase import Atoms
from scipy.spatial import cKDTree

from ..atomistic.crystal import Crystal, default_centre
from ..continuum.mesh import Disc, TriangleMesh, graded_mesh_2d
from ..errors import InputError

FREE, HANDSHAKE, PAD = 0, 1, 2

#: region label, in output files, of points beyond the atoms (the continuum alone)
CONTINUUM_ONLY = 3

#: largest model accepted: beyond these a quasi-2D slab no longer fits in memory
#: (2D direct LU: 5·10⁵ nodes took 3.4 GB here, README "Benchmarks")
MAX_ATOMS = 10_000_000
MAX_NODES = 2_000_000
#: largest outer radius in atomic spacings: beyond ~10⁷ the Delaunay triangulation
#: (Qhull) loses the handshake-zone nodes to round-off (found by tests/coupling/test_hypothesis_geometry.py)
MAX_OUTER_SPACINGS = 1_000_000


def _finite(value, name: str, low: float, strict: bool = True) -> None:
    try:
        ok = np.isfinite(float(value)) and (float(value) > low if strict else float(value) >= low)
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise InputError(f"expected a finite number {'>' if strict else '≥'} {low:g}, got {value!r}", field=name)


def estimated_nodes(inner_radius_A: float, outer_radius_A: float, h0_A: float, growth: float) -> float:
    """About how many nodes a graded mesh of the annulus has: element size
    h(d) = h0 + (growth − 1) d at distance d from the inner circle, one node per
    (√3/2) h² (a triangular lattice)."""
    d = np.concatenate([[0.0], np.geomspace(1e-3 * h0_A, max(outer_radius_A - inner_radius_A, 2e-3 * h0_A), 2000)])
    density = 2 * np.pi * (inner_radius_A + d) / (0.5 * np.sqrt(3) * (h0_A + (growth - 1.0) * d) ** 2)
    return float(np.sum(0.5 * (density[1:] + density[:-1]) * np.diff(d)))


@dataclass(frozen=True)
class CoupledGeometry:
    """Radii of the regions of a quasi-2D coupled model (all in Å).

    Parameters
    ----------
    atomistic_radius_A : float
        R_a: radius of the free atoms (atomistic core plus handshake zone).
    handshake_width_A : float
        w_h: width of the ring of free atoms that are also finite-element nodes.
    outer_radius_A : float
        Radius of the continuum's outer boundary, where the far field is imposed.
    pad_width_A : float, optional
        w_p: width of the pad ring. Default: twice the potential's interaction range.
    centre_A : (float, float), optional
        Centre c of the regions (the defect position). Default: an interstice of the
        lattice next to the origin, between two atomic planes normal to y.
    mesh_growth : float
        Ratio of successive element sizes outside the pad.
    crack : bool
        The model carries a straight crack along −x from the centre (faces normal to y).
        The default centre then lies in the widest gap between atomic planes normal to y
        (the cleavage plane: for diamond {111} the shuffle plane), and the continuum
        mesh gets a traction-free slit along the crack faces.
    """

    atomistic_radius_A: float
    handshake_width_A: float
    outer_radius_A: float
    pad_width_A: float | None = None
    centre_A: tuple[float, float] | None = None
    mesh_growth: float = 1.25
    crack: bool = False

    def __post_init__(self):
        _finite(self.atomistic_radius_A, "atomistic_radius_A", 0.0)
        _finite(self.handshake_width_A, "handshake_width_A", 0.0, strict=False)
        _finite(self.outer_radius_A, "outer_radius_A", 0.0)
        if self.pad_width_A is not None:
            _finite(self.pad_width_A, "pad_width_A", 0.0)
        if self.centre_A is not None:
            if np.shape(self.centre_A) != (2,):
                raise InputError(f"expected (x, y) in Å, got {self.centre_A!r}", field="centre_A")
            for c in self.centre_A:
                _finite(c, "centre_A", -np.inf)
        _finite(self.mesh_growth, "mesh_growth", 1.0, strict=False)

    def validated(self, cutoff_A: float, spacing_A: float, source: str = "geometry",
                  atoms_per_area_A2: float | None = None) -> "CoupledGeometry":
        """Check the set-up is physically meaningful; return it with defaults filled in.

        Parameters
        ----------
        cutoff_A : float
            Interaction range of the potential, Å.
        spacing_A : float
            Nearest-neighbour distance of the crystal, Å.
        source : str
            Where the values came from, for error messages (file name or "geometry").
        atoms_per_area_A2 : float, optional
            Atoms of the slab per Å² of the (x, y) plane, to refuse models with more
            than :data:`MAX_ATOMS` atoms.

        Raises
        ------
        InputError
            Pad narrower than the cutoff, handshake narrower than one atomic spacing,
            atomistic region not larger than the handshake, continuum too small, or a
            model too large (:data:`MAX_ATOMS`, :data:`MAX_NODES`).
        """
        pad = 2.0 * cutoff_A if self.pad_width_A is None else self.pad_width_A
        if pad < cutoff_A:
            raise InputError(f"{pad:g} Å is narrower than the potential's interaction range "
                             f"{cutoff_A:.3f} Å (use ≥ {2 * cutoff_A:.2f} Å for many-body potentials)",
                             source=source, field="pad_width_A")
        if self.handshake_width_A < spacing_A:
            raise InputError(f"{self.handshake_width_A:g} Å is narrower than one atomic spacing "
                             f"({spacing_A:.3f} Å)", source=source, field="handshake_width_A")
        if self.atomistic_radius_A <= self.handshake_width_A + spacing_A:
            raise InputError(f"{self.atomistic_radius_A:g} Å leaves no atomistic core inside a "
                             f"{self.handshake_width_A:g} Å handshake zone", source=source,
                             field="atomistic_radius_A")
        needed = self.atomistic_radius_A + pad + 4.0 * spacing_A
        if self.outer_radius_A < needed:
            raise InputError(f"{self.outer_radius_A:g} Å does not enclose the atoms and pad "
                             f"(need ≥ {needed:.1f} Å)", source=source, field="outer_radius_A")
        if self.mesh_growth < 1.0:
            raise InputError(f"{self.mesh_growth:g} must be ≥ 1", source=source, field="mesh_growth")
        cluster = self.atomistic_radius_A + pad
        if self.outer_radius_A > MAX_OUTER_SPACINGS * spacing_A:
            raise InputError(f"{self.outer_radius_A:g} Å is more than {MAX_OUTER_SPACINGS:.0e} atomic spacings "
                             f"(≤ {MAX_OUTER_SPACINGS * spacing_A:.3g} Å accepted)", source=source,
                             field="outer_radius_A")
        if atoms_per_area_A2 is not None and np.pi * cluster**2 * atoms_per_area_A2 > MAX_ATOMS:
            raise InputError(f"{self.atomistic_radius_A:g} Å gives about {np.pi * cluster**2 * atoms_per_area_A2:.2g} "
                             f"atoms; at most {MAX_ATOMS:.0e} are accepted", source=source,
                             field="atomistic_radius_A")
        nodes = estimated_nodes(cluster, self.outer_radius_A, spacing_A, self.mesh_growth)
        if nodes > MAX_NODES:
            raise InputError(f"{self.outer_radius_A:g} Å with mesh_growth {self.mesh_growth:g} gives about "
                             f"{nodes:.2g} finite-element nodes; at most {MAX_NODES:.0e} are accepted (raise "
                             "mesh_growth or lower outer_radius_A)", source=source, field="outer_radius_A")
        return CoupledGeometry(self.atomistic_radius_A, self.handshake_width_A, self.outer_radius_A,
                               pad, self.centre_A, self.mesh_growth, self.crack)

    @property
    def core_radius_A(self) -> float:
        """Radius of the purely atomistic core (no finite elements), Å."""
        return self.atomistic_radius_A - self.handshake_width_A

    @property
    def cluster_radius_A(self) -> float:
        """Radius of all atoms, free and pad, Å."""
        return self.atomistic_radius_A + self.pad_width_A


def crystal_disc(crystal: Crystal, centre, radius_A: float) -> tuple[Atoms, np.ndarray]:
    """Atoms of ``crystal`` within ``radius_A`` of ``centre`` in (x, y), one period thick
    along z (periodic), sorted by that distance; the lattice has an atom at the origin.

    Returns
    -------
    atoms : ase.Atoms
        With an integer array ``"basis"``: the index of each atom's site in
        :meth:`Crystal.unit` (which sublattice it is on).
    r : (n,) ndarray
        Distance of each atom from the centre, Å.
    """
    unit = crystal.unit()
    centre = np.asarray(centre, dtype=float)
    reach = radius_A + np.abs(centre).max() + 2.0 * unit.cell[:2, :2].max()
    reps = [2 * int(np.ceil(reach / unit.cell[k, k])) + 1 for k in (0, 1)]
    if reps[0] * reps[1] * len(unit) > 4 * MAX_ATOMS:
        raise InputError(f"a disc of radius {radius_A:g} Å around {centre.tolist()} needs a block of "
                         f"{reps[0] * reps[1] * len(unit):.2g} atoms; at most {4 * MAX_ATOMS:.0e} are accepted",
                         field="radius_A")
    block = unit.repeat((reps[0], reps[1], 1))
    block.new_array("basis", np.arange(len(block)) % len(unit))
    block.positions -= np.array([(reps[0] // 2) * unit.cell[0, 0], (reps[1] // 2) * unit.cell[1, 1], 0.0])
    r = np.linalg.norm(block.positions[:, :2] - centre, axis=1)
    keep = np.flatnonzero(r < radius_A)
    keep = keep[np.argsort(r[keep], kind="stable")]
    atoms = block[keep]
    atoms.pbc = (False, False, True)
    atoms.cell = [2 * reach, 2 * reach, unit.cell[2, 2]]
    return atoms, r[keep]


def build_cluster(crystal: Crystal, geometry: CoupledGeometry) -> tuple[Atoms, np.ndarray, np.ndarray]:
    """The atoms of the coupled model, sorted by distance from the centre.

    Returns
    -------
    atoms : ase.Atoms
        Free atoms first (core, then handshake zone), then pad atoms; periodic along z
        only, centred so that the lattice has an atom at the origin.
    region : (n,) ndarray of int
        :data:`FREE`, :data:`HANDSHAKE` or :data:`PAD` per atom.
    centre : (2,) ndarray
        The centre used, Å.
    """
    centre = np.array(geometry.centre_A if geometry.centre_A is not None
                      else default_centre(crystal.unit(), widest_gap=geometry.crack))
    atoms, r = crystal_disc(crystal, centre, geometry.cluster_radius_A)
    region = np.full(len(atoms), FREE)
    region[r >= geometry.core_radius_A] = HANDSHAKE
    region[r >= geometry.atomistic_radius_A] = PAD
    return atoms, region, centre


def region_labels(geometry: CoupledGeometry, centre, xy) -> np.ndarray:
    """The region of points (x, y) (Å) by their distance from ``centre``, as the atoms'
    are set by :func:`build_cluster`: :data:`FREE` (atomistic core), :data:`HANDSHAKE`,
    :data:`PAD`, and :data:`CONTINUUM_ONLY` beyond the atoms; one numbering for the
    atoms and the finite-element nodes and cells of the output files."""
    r = np.linalg.norm(np.asarray(xy, dtype=float)[:, :2] - np.asarray(centre, dtype=float)[:2], axis=1)
    labels = np.full(len(r), FREE, dtype=np.int32)
    labels[r >= geometry.core_radius_A] = HANDSHAKE
    labels[r >= geometry.atomistic_radius_A] = PAD
    labels[r >= geometry.cluster_radius_A] = CONTINUUM_ONLY
    return labels


def site_spacing(sites_xy: np.ndarray) -> float:
    """Median distance of a site to its nearest neighbour in the (x, y) plane, Å: the
    element size of the mesh at the atoms."""

    return float(np.median(cKDTree(sites_xy).query(sites_xy, k=2)[0][:, 1]))


def continuum_mesh(geometry: CoupledGeometry, centre, sites_xy: np.ndarray,
                   spacing_A: float | None = None) -> TriangleMesh:
    """The graded continuum mesh of a coupled model: nodes at the sites of the handshake
    and pad atoms, a hole over the atomistic core, a slit along the crack faces if the
    geometry has a crack, and elements growing by ``mesh_growth`` out to the outer radius.

    Parameters
    ----------
    geometry : CoupledGeometry
        Validated (pad width filled in).
    centre : (2,) array
        Centre of the regions, Å.
    sites_xy : (n, 2) array
        Reference sites of the atoms in the (x, y) plane, Å (from :func:`build_cluster`).
    spacing_A : float, optional
        Element size at the atoms; default :func:`site_spacing` of the sites.
    """
    spacing = site_spacing(sites_xy) if spacing_A is None else spacing_A
    c = tuple(float(v) for v in centre)
    return graded_mesh_2d(Disc(c, geometry.outer_radius_A), Disc(c, geometry.cluster_radius_A + 1e-6), h0=spacing,
                          growth=geometry.mesh_growth, sites=sites_xy, atomistic=Disc(c, geometry.core_radius_A),
                          hole=True, slit=c if geometry.crack else None)

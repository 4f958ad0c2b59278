"""Property-based tests of the geometry builders: random valid parameters, consistent models.

Pure geometry (no LAMMPS): the lattice parameter and the interaction range are drawn at
random instead of being computed from a potential. Properties checked:

- :meth:`CoupledGeometry.validated` either refuses with an :class:`InputError` naming a
  field, or returns radii that satisfy every rule (pad ≥ cutoff, handshake ≥ one
  spacing, an atomistic core, a continuum enclosing the atoms);
- :func:`crystal_disc` returns exactly the lattice sites inside the disc (checked against
  a brute-force enumeration of lattice translations), sorted by distance;
- :func:`build_cluster` labels every atom exactly one of FREE / HANDSHAKE / PAD by its
  distance from the centre, and every free atom has its complete neighbourhood within the
  cutoff among the cluster's atoms (the pad is wide enough);
- the continuum mesh has no inverted or degenerate element, is conforming, has a node at
  every handshake and pad atom and none at core atoms, keeps its hole inside the
  atomistic region, reaches the outer radius, and its area is that of the annulus.
"""


import numpy as np
import pytest
from crystal_frames import FRAMES, columns_ok, crystal_of
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from matscipy.neighbours import neighbour_list
from scipy.spatial import cKDTree

from handshake.atomistic.crystal import check_atom_columns
from handshake.continuum.mesh import Disc, Rectangle, graded_mesh_2d
from handshake.coupling.geometry import (
    FREE,
    HANDSHAKE,
    PAD,
    CoupledGeometry,
    build_cluster,
    continuum_mesh,
    crystal_disc,
    estimated_nodes,
)
from handshake.errors import InputError

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


lattices = st.sampled_from(["fcc", "bcc", "diamond"])
frames = st.sampled_from(FRAMES)


@st.composite
def coupled_setups(draw):
    """A crystal, an interaction range and a valid geometry for it (radii in Å)."""
    lattice, frame = draw(lattices), draw(frames)
    crystal = crystal_of(lattice, draw(st.floats(2.5, 5.5)), frame)
    assume(columns_ok(crystal))
    nn = crystal.nearest_neighbour_A
    cutoff = draw(st.floats(1.05 * nn, 2.2 * nn))
    w_h = draw(st.floats(nn, 2.5 * nn))
    r_a = draw(st.floats(w_h + nn + 0.5, w_h + nn + 12.0))
    pad = draw(st.one_of(st.none(), st.floats(cutoff, 2.5 * cutoff)))
    needed = r_a + (2 * cutoff if pad is None else pad) + 4 * nn
    outer = draw(st.floats(needed, needed + 200.0))
    centre = draw(st.one_of(st.none(), st.tuples(st.floats(-2.0, 2.0), st.floats(-2.0, 2.0))))
    crack = draw(st.booleans())
    geometry = CoupledGeometry(r_a, w_h, outer, pad, centre, draw(st.floats(1.05, 2.0)), crack)
    return crystal, cutoff, geometry


def test_line_along_a_bond_is_refused():
    """Diamond with z along [111]: its second fcc sublattice is the first shifted by
    a/4 [111], along z, so half the atoms sit on another atom's column."""
    with pytest.raises(InputError, match=r"with the line along \[1, 1, 1\], 6 of the 12 atoms of the diamond slab "
                                         r"sit on the \(x, y\) site of another atom") as info:
        check_atom_columns(crystal_of("diamond", 5.43, ((-2, 1, 1), (0, -1, 1), (1, 1, 1))))
    assert info.value.field == "orientation"
    check_atom_columns(crystal_of("diamond", 5.43, ((1, 1, -2), (1, 1, 1), (1, -1, 0))))  # the Si crack frame


def atoms_per_area(crystal) -> float:
    unit = crystal.unit()
    return len(unit) / abs(np.linalg.det(unit.cell[:2, :2]))


@FAST
@given(st.floats(allow_nan=True, allow_infinity=True), st.floats(allow_nan=True, allow_infinity=True),
       st.floats(allow_nan=True, allow_infinity=True), st.one_of(st.none(), st.floats()),
       st.floats(allow_nan=True, allow_infinity=True), st.floats(0.5, 6.0), st.floats(1.5, 4.0))
def test_validated_refuses_cleanly_or_obeys_the_rules(r_a, w_h, outer, pad, growth, cutoff, spacing):
    try:
        g = CoupledGeometry(r_a, w_h, outer, pad, None, growth).validated(cutoff, spacing, "x.toml",
                                                                          atoms_per_area_A2=0.3)
    except InputError as exc:
        assert exc.field in {"atomistic_radius_A", "handshake_width_A", "outer_radius_A", "pad_width_A",
                             "mesh_growth"}
        assert "\n" not in exc.one_line()
        return
    assert np.isfinite([g.atomistic_radius_A, g.handshake_width_A, g.outer_radius_A, g.pad_width_A]).all()
    assert g.pad_width_A >= cutoff
    assert g.handshake_width_A >= spacing
    assert g.core_radius_A > spacing
    assert g.outer_radius_A >= g.cluster_radius_A + 4 * spacing
    assert 1.0 <= g.mesh_growth < np.inf


@FAST
@given(lattices, frames, st.floats(2.5, 5.5), st.floats(3.0, 25.0),
       st.tuples(st.floats(-30.0, 30.0), st.floats(-30.0, 30.0)))
def test_crystal_disc_holds_exactly_the_lattice_sites_inside(lattice, frame, a0, radius, centre):
    crystal = crystal_of(lattice, a0, frame)
    atoms, r = crystal_disc(crystal, centre, radius)
    # brute force: every translation of the unit cell's sites by whole periods in x and y
    unit = crystal.unit()
    period = np.diag(unit.cell)[:2]
    n = np.ceil((radius + np.abs(centre).max()) / period).astype(int) + 2
    shifts = np.array([(i * period[0], j * period[1]) for i in range(-n[0], n[0] + 1)
                       for j in range(-n[1], n[1] + 1)])
    sites = (unit.positions[None, :, :2] + shifts[:, None, :]).reshape(-1, 2)
    z = np.tile(unit.positions[:, 2], len(shifts))
    # sites within round-off of the circle may fall either side: compared only away from it
    d = np.linalg.norm(sites - centre, axis=1)
    expected = np.column_stack([sites, z])[d < radius - 1e-6]
    got = atoms.positions[r < radius - 1e-6]
    assert len(got) == len(expected)
    assert cKDTree(expected).query(got)[0].max() < 1e-6      # every atom is a lattice site inside
    assert cKDTree(got).query(expected)[0].max() < 1e-6      # every lattice site inside is an atom
    assert cKDTree(atoms.positions).query(atoms.positions, k=2)[0][:, 1].min() > 1e-3  # no atom twice
    n_near = np.sum(np.abs(d - radius) <= 1e-6)
    assert len(expected) <= len(atoms) <= len(expected) + n_near
    assert np.all(np.diff(r) >= 0) and np.all(r < radius)
    assert np.allclose(np.linalg.norm(atoms.positions[:, :2] - centre, axis=1), r)
    # each atom's "basis" is the unit-cell site it is a translate of
    offset = atoms.positions - unit.positions[atoms.arrays["basis"]]
    assert np.allclose(offset[:, 2], 0.0, atol=1e-9)
    assert np.allclose(offset[:, :2] / period - np.round(offset[:, :2] / period), 0.0, atol=1e-8)


@FAST
@given(coupled_setups())
def test_coupled_model_regions_and_mesh_are_consistent(setup):
    crystal, cutoff, geometry = setup
    nn = crystal.nearest_neighbour_A
    g = geometry.validated(cutoff, nn, "fuzz", atoms_per_area_A2=atoms_per_area(crystal))
    atoms, region, centre = build_cluster(crystal, g)
    r = np.linalg.norm(atoms.positions[:, :2] - centre, axis=1)

    # every atom exactly one of FREE / HANDSHAKE / PAD, by its distance from the centre
    assert set(np.unique(region)) <= {FREE, HANDSHAKE, PAD}
    assert np.all((region == FREE) == (r < g.core_radius_A))
    assert np.all((region == HANDSHAKE) == ((r >= g.core_radius_A) & (r < g.atomistic_radius_A)))
    assert np.all((region == PAD) == ((r >= g.atomistic_radius_A) & (r < g.cluster_radius_A)))
    assert np.any(region == FREE) and np.any(region == HANDSHAKE) and np.any(region == PAD)
    assert g.pad_width_A >= cutoff

    # the pad is wide enough: every free atom sees all its neighbours within the cutoff
    # (same count as in a disc wider by two cutoffs)
    wide, _ = crystal_disc(crystal, centre, g.atomistic_radius_A + 2 * cutoff + 1.0)
    free = np.flatnonzero(region != PAD)
    distance, same = cKDTree(wide.positions).query(atoms.positions[free])
    assert distance.max() < 1e-8
    within = cutoff * (1 - 1e-9)  # a shell exactly at the cutoff drawn is in or out in both lists
    in_cluster = np.bincount(neighbour_list("i", atoms, within), minlength=len(atoms))[free]
    in_wide = np.bincount(neighbour_list("i", wide, within), minlength=len(wide))[same]
    assert np.array_equal(in_cluster, in_wide)

    mesh = continuum_mesh(g, centre, atoms.positions[:, :2])
    check_mesh(mesh, g.outer_radius_A, centre, (max(g.core_radius_A - 2 * nn, 0.0), g.atomistic_radius_A))
    # a node at every handshake and pad atom (two on a crack face), none at a core atom
    on_site = mesh.site_index[mesh.site_index >= 0]
    counts = np.bincount(on_site, minlength=len(atoms))
    assert np.all(counts[region == FREE] == 0)
    assert np.all(counts[region != FREE] >= 1)
    if not g.crack:
        assert np.all(counts[region != FREE] == 1)
    nodes = np.flatnonzero(mesh.site_index >= 0)
    assert np.allclose(mesh.points[nodes], atoms.positions[mesh.site_index[nodes], :2])


def check_mesh(mesh, outer, centre, hole_between):
    """No inverted or degenerate element, conforming, outer boundary on the circle, and
    the area of the outer polygon less a hole of radius between ``hole_between``."""
    area = mesh.measures()
    edges = np.linalg.norm(mesh.points[mesh.cells] - mesh.points[np.roll(mesh.cells, 1, axis=1)], axis=2)
    assert np.all(area > 0), "inverted element"
    assert np.all(area > 1e-3 * edges.max(axis=1) ** 2), "degenerate element"
    pairs = np.sort(mesh.cells[:, [[0, 1], [1, 2], [2, 0]]].reshape(-1, 2), axis=1)
    _, uses = np.unique(pairs, axis=0, return_counts=True)
    assert uses.max() <= 2, "an edge shared by more than two elements"
    assert len(np.unique(mesh.cells)) == mesh.n_nodes, "a node without element"
    ring = mesh.points[mesh.node_sets["outer"]] - centre
    assert np.allclose(np.linalg.norm(ring, axis=1), outer, rtol=1e-6)
    ring = ring[np.argsort(np.arctan2(ring[:, 1], ring[:, 0]))]
    polygon = 0.5 * abs(np.sum(ring[:, 0] * np.roll(ring[:, 1], -1) - np.roll(ring[:, 0], -1) * ring[:, 1]))
    assert np.linalg.norm(mesh.centroids() - centre, axis=1).max() < outer
    smallest, largest = hole_between
    assert polygon - np.pi * largest**2 <= area.sum() <= polygon - np.pi * smallest**2


@FAST
@given(st.floats(5.0, 40.0), st.floats(1.2, 200.0), st.floats(0.8, 3.0), st.floats(1.0, 2.0), st.booleans(),
       st.booleans(), st.booleans(), st.tuples(st.floats(-5, 5), st.floats(-5, 5)))
def test_graded_meshes_have_no_inverted_elements(inner_radius, outer_factor, h0, growth, hole, slit, rectangle,
                                                 centre):
    outer_radius = inner_radius * (1.0 + outer_factor) + 4 * h0
    assume(estimated_nodes(inner_radius, outer_radius, h0, growth) < 20000)
    centre = np.asarray(centre)
    if rectangle:
        half = np.array([inner_radius, 0.8 * inner_radius])
        inner = Rectangle(tuple(centre - half), tuple(centre + half))
        outer = Rectangle(tuple(centre - outer_radius), tuple(centre + outer_radius))
    else:
        inner, outer = Disc(tuple(centre), inner_radius), Disc(tuple(centre), outer_radius)
    atomistic = Disc(tuple(centre), 0.5 * inner_radius) if hole else None
    mesh = graded_mesh_2d(outer, inner, h0, growth, atomistic=atomistic, hole=hole,
                          slit=tuple(centre) if slit else None)
    area = mesh.measures()
    assert np.all(area > 0), "inverted element"
    pairs = np.sort(mesh.cells[:, [[0, 1], [1, 2], [2, 0]]].reshape(-1, 2), axis=1)
    assert np.unique(pairs, axis=0, return_counts=True)[1].max() <= 2
    # the elements fill the outer polygon less the hole (a polygon inscribed in its circle)
    ring = mesh.points[mesh.node_sets["outer"]] - centre
    ring = ring[np.argsort(np.arctan2(ring[:, 1], ring[:, 0]))]
    polygon = 0.5 * abs(np.sum(ring[:, 0] * np.roll(ring[:, 1], -1) - np.roll(ring[:, 0], -1) * ring[:, 1]))
    hole_area = np.pi * (0.5 * inner_radius) ** 2 if hole else 0.0
    assert abs(area.sum() - (polygon - hole_area)) <= (np.pi * h0**2 if hole else 0.0) + 1e-9 * polygon
    if slit:
        upper, lower = mesh.node_sets["slit_upper"], mesh.node_sets["slit_lower"]
        assert len(upper) > 0 and len(lower) > 0
        assert np.allclose(mesh.points[mesh.slit_pairs[:, 0]], mesh.points[mesh.slit_pairs[:, 1]])
    if hole:
        assert np.all(np.linalg.norm(mesh.centroids() - centre, axis=1) > 0.5 * inner_radius - h0)


@pytest.mark.parametrize("frame", [FRAMES[0], FRAMES[-1]])
def test_frames_are_right_handed_and_orthogonal(frame):
    x, y, z = map(np.array, frame)
    assert x @ y == y @ z == x @ z == 0 and np.cross(x, y) @ z > 0

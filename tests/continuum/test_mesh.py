"""Graded meshes: coverage of the domain, quality, slit duplication."""

import numpy as np
import pytest

from handshake.continuum import Disc, Rectangle, extrude, graded_mesh_2d


def _polygon_area(p):
    c = p.mean(axis=0)
    order = np.argsort(np.arctan2(p[:, 1] - c[1], p[:, 0] - c[0]))
    x, y = p[order].T
    return 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def _min_angles(mesh):
    p = mesh.points[mesh.cells]
    out = []
    for i in range(3):
        u, v = p[:, (i + 1) % 3] - p[:, i], p[:, (i + 2) % 3] - p[:, i]
        out.append(np.degrees(np.arccos(np.sum(u * v, 1) / np.linalg.norm(u, axis=1) / np.linalg.norm(v, axis=1))))
    return np.min(out, axis=0)


def test_slit_annulus_covers_domain_and_splits_faces():
    mesh = graded_mesh_2d(Disc((0, 0), 1000.0), Disc((0, 0), 30.0), h0=2.5, growth=1.15,
                          atomistic=Disc((0, 0), 20.0), hole=True, slit=(0.0, 0.0))
    # area = outer polygon - hole polygon (the slit has zero width)
    outer = mesh.points[mesh.node_sets["outer"]]
    hole = mesh.points[mesh.node_sets["hole"]]
    outer = np.unique(np.round(outer, 9), axis=0)
    hole = np.unique(np.round(hole, 9), axis=0)
    assert mesh.measures().sum() == pytest.approx(_polygon_area(outer) - _polygon_area(hole), rel=1e-12)
    assert np.all(mesh.measures() > 0)
    assert _min_angles(mesh).min() > 20.0
    up, low = mesh.slit_pairs.T
    np.testing.assert_array_equal(mesh.points[up], mesh.points[low])
    assert len(up) > 10 and np.all(mesh.points[up, 0] < 0)
    # the two faces share no triangle: every cell touches at most one face
    touches_up = np.isin(mesh.cells, up).any(axis=1)
    touches_low = np.isin(mesh.cells, low).any(axis=1)
    assert not np.any(touches_up & touches_low)
    assert np.all(mesh.centroids()[touches_up, 1] > 0) and np.all(mesh.centroids()[touches_low, 1] < 0)


def test_grading_follows_growth_rate():
    mesh = graded_mesh_2d(Rectangle((-3000, -3000), (3000, 3000)), Disc((0, 0), 50.0), h0=2.0, growth=1.1)
    r = np.linalg.norm(mesh.centroids(), axis=1)
    size = np.sqrt(4 / np.sqrt(3) * mesh.measures())  # edge of an equilateral triangle of that area
    far = (r > 500) & (r < 2500)
    # ring spacing h grows by 1.1 per ring: h ≈ h0 + 0.1 d at distance d from the inner disc
    ratio = size[far] / (2.0 + 0.1 * (r[far] - 50.0))
    assert 0.7 < np.median(ratio) < 1.3
    assert mesh.n_nodes < 60_000


def test_extruded_slab_volume_and_periodic_pairs():
    m2 = graded_mesh_2d(Disc((0, 0), 100.0), Disc((0, 0), 10.0), h0=2.5, growth=1.3)
    m3 = extrude(m2, 7.5, 3)
    assert m3.measures().sum() == pytest.approx(m2.measures().sum() * 7.5, rel=1e-12)
    assert np.all(m3.measures() > 0)
    a, b = m3.periodic_pairs.T
    np.testing.assert_allclose(m3.points[a] - m3.points[b], np.broadcast_to([0, 0, 7.5], (len(a), 3)))

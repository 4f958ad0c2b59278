"""Transfer operators between mesh and atoms; VTU/PVD output."""

import xml.etree.ElementTree as ET

import meshio
import numpy as np

from continuum_reference import CLEAVAGE
from handshake.continuum import (ATOMISTIC, CONTINUUM, HANDSHAKE, ContinuumRegion, Disc, LeastSquaresTransfer,
                                 Material, Rectangle, VTUSeries, extrude, graded_mesh_2d, interpolation_matrix,
                                 site_selection_matrix, triangular_lattice)


def _hex_sites(radius, a=2.556):
    return triangular_lattice(Disc((0.0, 0.0), radius + a), a)


def test_interpolation_reproduces_linear_fields_2d():
    mesh = graded_mesh_2d(Disc((0, 0), 500.0), Disc((0, 0), 30.0), h0=2.5, growth=1.2,
                          atomistic=Disc((0, 0), 15.0), hole=True)
    rng = np.random.default_rng(0)
    r = rng.uniform(16.0, 480.0, 5000)
    phi = rng.uniform(0, 2 * np.pi, 5000)
    pts = np.column_stack([r * np.cos(phi), r * np.sin(phi)])
    A, c = rng.normal(size=(2, 2)), rng.normal(size=2)
    P = interpolation_matrix(mesh, pts)
    assert P.shape == (2 * len(pts), mesh.n_dofs)
    u_nodes = mesh.points @ A.T + c
    np.testing.assert_allclose((P @ u_nodes.ravel()).reshape(-1, 2), pts @ A.T + c, atol=1e-10)


def test_interpolation_reproduces_linear_fields_3d():
    mesh = extrude(graded_mesh_2d(Disc((0, 0), 100.0), Disc((0, 0), 10.0), h0=2.5, growth=1.3), 10.0, 3)
    rng = np.random.default_rng(1)
    pts = np.column_stack([rng.uniform(-60, 60, (500, 2)), rng.uniform(0, 10, 500)])
    A, c = rng.normal(size=(3, 3)), rng.normal(size=3)
    P = interpolation_matrix(mesh, pts)
    np.testing.assert_allclose((P @ (mesh.points @ A.T + c).ravel()).reshape(-1, 3), pts @ A.T + c, atol=1e-10)


def test_nodes_at_sites_and_selection_is_exact():
    sites = _hex_sites(40.0)
    mesh = graded_mesh_2d(Disc((0, 0), 600.0), Disc((0, 0), 40.0), h0=2.556, growth=1.2, sites=sites,
                          atomistic=Disc((0, 0), 25.0))
    inside = np.flatnonzero(np.linalg.norm(sites, axis=1) <= 40.0)
    on_site = mesh.site_index >= 0
    np.testing.assert_array_equal(np.sort(mesh.site_index[on_site]), np.sort(inside))  # every site is a node
    np.testing.assert_array_equal(mesh.points[on_site], sites[mesh.site_index[on_site]])
    assert set(np.unique(mesh.node_region)) == {CONTINUUM, HANDSHAKE, ATOMISTIC}
    S, nodes = site_selection_matrix(mesh, sites)
    u_atoms = np.random.default_rng(2).normal(size=sites.shape)
    np.testing.assert_array_equal((S @ u_atoms.ravel()).reshape(-1, 2), u_atoms[mesh.site_index[nodes]])


def test_least_squares_transfer_reproduces_linear_field():
    mesh = graded_mesh_2d(Rectangle((-200, -200), (200, 200)), Disc((0, 0), 30.0), h0=4.0, growth=1.3)
    sites = _hex_sites(28.0, a=1.3)  # atoms denser than nodes, not at nodes
    sites = sites[np.linalg.norm(sites, axis=1) < 28.0]
    nodes = np.flatnonzero(np.linalg.norm(mesh.points, axis=1) < 20.0)
    A = np.array([[1e-3, 2e-3], [-5e-4, 3e-4]])
    u_nodes = mesh.points @ A.T
    fit = LeastSquaresTransfer(mesh, sites, nodes)
    np.testing.assert_allclose(fit(sites @ A.T, u_nodes), u_nodes[nodes].ravel(), atol=1e-12)


def test_vtu_series_round_trip(tmp_path, cu_voigt):
    mesh = graded_mesh_2d(Disc((0, 0), 200.0), Disc((0, 0), 20.0), h0=3.0, growth=1.3,
                          atomistic=Disc((0, 0), 10.0), hole=True, slit=(0.0, 0.0))
    region = ContinuumRegion(mesh, Material(cu_voigt, CLEAVAGE))
    series = VTUSeries(tmp_path / "out", "crack")
    rng = np.random.default_rng(0)
    written = []
    for step in range(3):
        region.u = rng.normal(size=mesh.n_dofs) * 1e-2
        written.append(region.u.copy())
        series.write(0.5 * step, mesh, *region.frame())
    frames = ET.parse(series.pvd_path).getroot().findall("./Collection/DataSet")
    assert [float(f.get("timestep")) for f in frames] == [0.0, 0.5, 1.0]
    back = meshio.read(series.directory / frames[2].get("file"))
    np.testing.assert_allclose(back.point_data["displacement"][:, :2], written[2].reshape(-1, 2))
    np.testing.assert_array_equal(back.cells_dict["triangle"], mesh.cells)
    np.testing.assert_array_equal(back.cell_data["region"][0], mesh.cell_region)
    np.testing.assert_allclose(back.cell_data["stress_GPa"][0], region.stresses_GPa())
    assert back.point_data["stress_GPa"].shape == (mesh.n_nodes, 6)
    assert not list(series.directory.glob("*.tmp"))

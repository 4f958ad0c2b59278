"""Tractions, constraint handling and the cached static solver."""

import numpy as np
import pytest
from ase.units import GPa

from continuum_reference import CLEAVAGE
from handshake.continuum import (Constraints, ContinuumRegion, Disc, HomogeneousStrain, Material, Rectangle,
                                 StaticSolver, boundary_facets_on, element_stresses, graded_box_mesh,
                                 graded_mesh_2d, stiffness_matrix, stress_traction, traction_forces)


def test_uniform_traction_gives_uniform_stress(cu_voigt):
    """Tractions σ·n of a uniform in-plane stress on every boundary (outer and hole) of an
    anisotropic plate: the exact solution is that uniform stress, whatever C is."""
    mesh = graded_mesh_2d(Rectangle((-300, -200), (300, 200)), Disc((0, 0), 40.0), h0=3.0, growth=1.25,
                          atomistic=Disc((0, 0), 20.0), hole=True)
    material = Material(cu_voigt, CLEAVAGE)
    sigma = np.array([1.5, -0.7, 0.0, 0.0, 0.0, 0.4]) * GPa  # σ_xx, σ_yy, σ_xy
    f = traction_forces(mesh, mesh.boundary_edges(), stress_traction(sigma))
    assert np.abs(f[0::2].sum()) < 1e-12 and np.abs(f[1::2].sum()) < 1e-12  # self-equilibrated
    # remove the rigid-body modes: one node clamped, a second one held in the normal direction
    a = mesh.node_sets["outer"][np.argmin(mesh.points[mesh.node_sets["outer"], 0])]
    b = mesh.node_sets["outer"][np.argmax(mesh.points[mesh.node_sets["outer"], 0])]
    cons = Constraints(mesh.n_dofs, 2).fix([a]).roller([b], 1)
    u = StaticSolver(stiffness_matrix(mesh, material), cons).solve(forces=f)
    s = element_stresses(mesh, material, u)
    np.testing.assert_allclose(s[:, [0, 1, 5]], np.broadcast_to(sigma[[0, 1, 5]], (len(s), 3)), atol=1e-10 * GPa)


def test_linear_traction_is_integrated_exactly():
    """Consistent forces of t(x) = α + βx on [0, L]: total force and moment (closed form)."""
    from handshake.continuum import structured_rectangle_mesh
    mesh = structured_rectangle_mesh((0, 0), (10.0, 4.0), 7, 3)
    edges = boundary_facets_on(mesh, mesh.node_sets["bottom"])
    f = traction_forces(mesh, edges, lambda p, n: np.column_stack([0 * p[:, 0], 2.0 + 3.0 * p[:, 0]]), thickness=2.0)
    x = mesh.points[:, 0]
    assert f[1::2].sum() == pytest.approx(2.0 * (2.0 * 10 + 1.5 * 100), rel=1e-12)
    assert np.sum(f[1::2] * x) == pytest.approx(2.0 * (100.0 + 1000.0), rel=1e-12)


def test_back_substitution_matches_fresh_solve(cu_voigt):
    """New Dirichlet data and forces reuse the factorisation and agree with a new solver."""
    mesh = graded_mesh_2d(Disc((0, 0), 400.0), Disc((0, 0), 30.0), h0=3.0, growth=1.2,
                          atomistic=Disc((0, 0), 15.0), hole=True)
    region = ContinuumRegion(mesh, Material(cu_voigt, CLEAVAGE))
    b = np.concatenate([mesh.node_sets["outer"], mesh.node_sets["hole"]])
    region.prescribe_field(HomogeneousStrain(np.diag([1e-3, 0.0])), b)
    solver = region.factorise()
    rng = np.random.default_rng(3)
    u_new = rng.normal(size=mesh.n_dofs) * 1e-2
    f_new = rng.normal(size=mesh.n_dofs) * 1e-3
    u1 = solver.solve(forces=f_new, prescribed=u_new)
    fresh = Constraints(mesh.n_dofs, 2).prescribe(b, u_new.reshape(-1, 2)[b])
    u2 = StaticSolver(region.K, fresh).solve(forces=f_new)
    np.testing.assert_allclose(u1, u2, atol=1e-12)
    free = np.setdiff1d(np.arange(mesh.n_dofs), (2 * b[:, None] + [0, 1]).ravel())
    np.testing.assert_allclose((region.K @ u1 - f_new)[free], 0.0, atol=1e-10)


def test_amg_matches_direct_3d(cu_voigt):
    pytest.importorskip("pyamg")
    mesh = graded_box_mesh((-60, -60, -60), (60, 60, 60), (-6, -6, -6), (6, 6, 6), h0=3.0, growth=1.5)
    K = stiffness_matrix(mesh, Material(cu_voigt, CLEAVAGE))
    outer = mesh.node_sets["outer"]
    rng = np.random.default_rng(0)
    cons = Constraints(mesh.n_dofs, 3).prescribe(outer, rng.normal(size=(len(outer), 3)) * 1e-2)
    u_lu = StaticSolver(K, cons, method="lu").solve()
    amg = StaticSolver(K, cons, method="amg", points=mesh.points, rtol=1e-12)
    u_amg = amg.solve()
    print(f"\nAMG-CG iterations: {amg.iterations}")
    np.testing.assert_allclose(u_amg, u_lu, atol=1e-9 * np.abs(u_lu).max())

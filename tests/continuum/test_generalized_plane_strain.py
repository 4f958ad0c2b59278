"""Generalised plane strain: 2D triangles carrying u_x, u_y and u_z (anti-plane)."""

import numpy as np

from handshake.continuum import (Constraints, Disc, HomogeneousStrain, Material, StaticSolver, element_strains,
                                 extrude, graded_mesh_2d, stiffness_matrix)

# Edge-dislocation frame of fcc: x = [1-10] (b), y = [111] (glide-plane normal),
# z = [-1-12] (line). The in-plane and anti-plane problems are coupled here (C14 ≠ 0).
DISLOCATION_FRAME = np.array([[1, -1, 0], [1, 1, 1], [-1, -1, 2]], float)


def _mesh():
    return graded_mesh_2d(Disc((0.0, 0.0), 400.0), Disc((1.0, -0.5), 25.0), h0=2.5, growth=1.3,
                          atomistic=Disc((1.0, -0.5), 15.0), hole=True)


def _boundary_constraints(mesh, values):
    nodes = np.concatenate([mesh.node_sets["outer"], mesh.node_sets["hole"]])
    return Constraints(3 * mesh.n_nodes, 3).prescribe(nodes, values(mesh.points[nodes]))


def test_patch_test_with_antiplane_shear(cu_voigt):
    """u = G x with every gradient component but ∂/∂z: uniform strain, zz = 0, to round-off."""
    mesh = _mesh()
    G = np.array([[1e-3, 4e-4, 0.0], [-2e-4, -7e-4, 0.0], [6e-4, -3e-4, 0.0]])  # rows u_x, u_y, u_z
    field = HomogeneousStrain(G)
    K = stiffness_matrix(mesh, Material(cu_voigt, DISLOCATION_FRAME), components=3)
    cons = _boundary_constraints(mesh, lambda p: field.displacements(np.column_stack([p, np.zeros(len(p))])))
    u = StaticSolver(K, cons).solve()
    assert np.abs(element_strains(mesh, u) - field.strain_voigt()).max() <= 1e-10


def test_matches_periodic_one_layer_slab(cu_voigt):
    """The same boundary-value problem on the extruded, z-periodic tetrahedral slab (an
    independent 3D discretisation whose z-independent fields are exactly these) gives the
    same nodal displacements, for a non-polynomial boundary field."""
    mesh = _mesh()
    material = Material(cu_voigt, DISLOCATION_FRAME)

    def boundary_field(p):
        x, y = p[:, 0] / 100.0, p[:, 1] / 100.0
        return 0.05 * np.column_stack([np.sin(x) * y, np.cos(2 * y) * x, np.sin(x + y)])

    u2 = StaticSolver(stiffness_matrix(mesh, material, components=3), _boundary_constraints(mesh, boundary_field)).solve()

    slab = extrude(mesh, thickness=4.0, n_layers=1, periodic=True)
    lateral = np.flatnonzero(np.isin(np.arange(slab.n_nodes) % mesh.n_nodes,
                                     np.concatenate([mesh.node_sets["outer"], mesh.node_sets["hole"]])))
    cons = Constraints(slab.n_dofs, 3).prescribe(lateral, boundary_field(slab.points[lateral, :2]))
    cons.periodic(slab.periodic_pairs[:, 0], slab.periodic_pairs[:, 1], slab.periodic_shift)
    u3 = StaticSolver(stiffness_matrix(slab, material), cons).solve().reshape(-1, 3)
    bottom = slab.node_sets["bottom"]
    order = np.argsort(bottom % mesh.n_nodes)
    np.testing.assert_allclose(u3[bottom[order]], u2.reshape(-1, 3), atol=1e-12)
    assert np.abs(u2.reshape(-1, 3)[:, 2]).max() > 1e-3  # the anti-plane part is really there

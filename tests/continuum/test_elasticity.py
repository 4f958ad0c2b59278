"""Elastic constants, units and the patch test."""

import numpy as np
import pytest
from matscipy.fracture_mechanics.crack import CubicCrystalCrack

from handshake.continuum import (EV_PER_A_AMU_TO_A_PER_PS2, Constraints, Disc, HomogeneousStrain, Material,
                                 Rectangle, StaticSolver, element_strains, extrude, graded_box_mesh, graded_mesh_2d,
                                 rotate_stiffness, stiffness_matrix)

from continuum_reference import CLEAVAGE, CU_C11, CU_C12, CU_C44

# SI constants, independent of ase.units (CODATA 2018; ase uses CODATA 2014, rel. diff. < 1e-8)
EV = 1.602176634e-19
AMU = 1.66053906660e-27


def test_rotation_convention_longitudinal_moduli(cu_voigt):
    """C'_11 along <110> and <111> of a cubic crystal (textbook closed forms)."""
    C110 = rotate_stiffness(cu_voigt, [[1, 1, 0], [0, 0, 1], [1, -1, 0]])
    assert C110[0, 0] == pytest.approx((CU_C11 + CU_C12 + 2 * CU_C44) / 2, rel=1e-12)
    C111 = rotate_stiffness(cu_voigt, CLEAVAGE[[1, 2, 0]])
    assert C111[0, 0] == pytest.approx((CU_C11 + 2 * CU_C12 + 4 * CU_C44) / 3, rel=1e-12)
    # the invariants C_iijj and C_ijij are preserved
    assert C111[:3, :3].sum() == pytest.approx(3 * CU_C11 + 6 * CU_C12, rel=1e-12)
    assert np.trace(C111[:3, :3]) + 2 * np.trace(C111[3:, 3:]) == pytest.approx(3 * CU_C11 + 6 * CU_C44, rel=1e-12)


def test_rotation_matches_matscipy_crack_frame(cu_voigt):
    crack = CubicCrystalCrack([1, 1, 1], [1, -1, 0], CU_C11, CU_C12, CU_C44)
    np.testing.assert_allclose(rotate_stiffness(cu_voigt, CLEAVAGE), crack.C, atol=1e-10)


def test_rejects_bad_orientation(cu_voigt):
    with pytest.raises(ValueError):
        rotate_stiffness(cu_voigt, [[1, 0, 0], [1, 1, 0], [0, 0, 1]])
    with pytest.raises(ValueError):
        rotate_stiffness(cu_voigt, [[1, 0, 0], [0, 1, 0], [0, 0, -1]])


def test_unit_conversions(cu_voigt):
    # 1 GPa in eV/Å³ from SI: 1e9 J/m³ * 1e-30 m³/Å³ / EV
    assert Material(cu_voigt).C_lab[0, 0] == pytest.approx(CU_C11 * 1e9 * 1e-30 / EV, rel=1e-7)
    # 1 eV/Å/amu in Å/ps²
    assert EV_PER_A_AMU_TO_A_PER_PS2 == pytest.approx(EV / 1e-10 / AMU * 1e10 / 1e24, rel=1e-7)


def _patch_2d_error(mesh, material, G):
    field = HomogeneousStrain(G)
    K = stiffness_matrix(mesh, material)
    boundary = np.unique(mesh.boundary_edges())
    cons = Constraints(mesh.n_dofs, 2).prescribe(boundary, field.displacements(mesh.points[boundary]))
    u = StaticSolver(K, cons).solve()
    return np.abs(element_strains(mesh, u) - field.strain_voigt()).max()


def test_patch_test_2d_graded_mesh_with_hole(cu_voigt):
    mesh = graded_mesh_2d(Disc((0.0, 0.0), 2000.0), Disc((3.0, -2.0), 40.0), h0=2.5, growth=1.3,
                          atomistic=Disc((3.0, -2.0), 25.0), hole=True)
    assert mesh.measures().max() / mesh.measures().min() > 1e3  # really graded
    G = np.array([[1e-3, 4e-4], [-2e-4, -7e-4]])  # strain plus a rotation
    assert _patch_2d_error(mesh, Material(cu_voigt, CLEAVAGE), G) <= 1e-10


def test_patch_test_2d_rectangle_user_sites(cu_voigt):
    rng = np.random.default_rng(0)
    sites = rng.uniform(-30, 30, size=(800, 2))  # even random sites
    mesh = graded_mesh_2d(Rectangle((-400, -300), (400, 300)), Rectangle((-30, -30), (30, 30)), h0=2.0,
                          growth=1.25, sites=sites)
    assert _patch_2d_error(mesh, Material(cu_voigt, CLEAVAGE), np.array([[-5e-4, 1e-3], [1e-3, 2e-3]])) <= 1e-10


def test_patch_test_3d_periodic_slab(cu_voigt):
    mesh2 = graded_mesh_2d(Disc((0.0, 0.0), 300.0), Disc((0.0, 0.0), 20.0), h0=3.0, growth=1.3,
                           atomistic=Disc((0.0, 0.0), 12.0), hole=True)
    mesh = extrude(mesh2, thickness=12.0, n_layers=4, periodic=True)
    G = np.array([[1e-3, 2e-4, 3e-4], [2e-4, -5e-4, 1e-4], [3e-4, 1e-4, 8e-4]])
    field = HomogeneousStrain(G)
    material = Material(cu_voigt, CLEAVAGE)
    K = stiffness_matrix(mesh, material)
    lateral = np.concatenate([mesh.node_sets["outer"], mesh.node_sets["hole"]])
    cons = Constraints(mesh.n_dofs, 3).prescribe(lateral, field.displacements(mesh.points[lateral]))
    cons.periodic(mesh.periodic_pairs[:, 0], mesh.periodic_pairs[:, 1], mesh.periodic_shift, strain=G)
    # pin one bottom interior node to remove the rigid z translation left by periodicity
    interior = np.setdiff1d(mesh.node_sets["bottom"], lateral)[0]
    cons.prescribe([interior], field.displacements(mesh.points[[interior]]))
    u = StaticSolver(K, cons).solve()
    assert np.abs(element_strains(mesh, u) - field.strain_voigt()).max() <= 1e-10


def test_patch_test_3d_graded_box(cu_voigt):
    mesh = graded_box_mesh((-150, -150, -150), (150, 150, 150), (-8, -8, -8), (8, 8, 8), h0=2.5, growth=1.5)
    G = np.array([[1e-3, 2e-4, 3e-4], [2e-4, -5e-4, 1e-4], [3e-4, 1e-4, 8e-4]])
    field = HomogeneousStrain(G)
    K = stiffness_matrix(mesh, Material(cu_voigt, CLEAVAGE))
    outer = mesh.node_sets["outer"]
    cons = Constraints(mesh.n_dofs, 3).prescribe(outer, field.displacements(mesh.points[outer]))
    u = StaticSolver(K, cons).solve()
    assert np.abs(element_strains(mesh, u) - field.strain_voigt()).max() <= 1e-10
    assert mesh.measures().sum() == pytest.approx(300.0 ** 3, rel=1e-12)

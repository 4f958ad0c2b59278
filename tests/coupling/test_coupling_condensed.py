"""The continuum condensed onto the atom-driven nodes: its reactions S û_D, formed from the
sparse K_DD and the dense Schur block on the rim, equal those of a full back-substitution.

Independent reference: the same forces computed the long way, by solving the continuum for
the free nodes with the sparse LU factorisation and multiplying by the assembled K.
"""

import numpy as np
import pytest

from handshake.continuum import Material
from handshake.coupling import handshake_zone
from handshake.atomistic.crystal import Crystal
from handshake.coupling.geometry import CoupledGeometry, build_cluster, continuum_mesh
from handshake.coupling.handshake_zone import HandshakeZone

#: W (Zhou EAM) elastic constants, GPa: any cubic crystal does
C_W_GPA = {"C11": 522.5, "C12": 204.5, "C44": 160.7}


def cubic_voigt(C11, C12, C44):
    C = np.zeros((6, 6))
    C[:3, :3] = C12
    np.fill_diagonal(C[:3, :3], C11)
    C[3, 3] = C[4, 4] = C[5, 5] = C44
    return C


@pytest.fixture(scope="module", params=[False, True], ids=["disc", "crack"])
def zone(request):
    orientation = ((0, -1, 1), (1, 0, 0), (0, 1, 1))
    crystal = Crystal("bcc", "W", 3.165, orientation)
    geometry = CoupledGeometry(12.0, 4.0, 80.0, pad_width_A=6.0, crack=request.param)
    atoms, region, centre = build_cluster(crystal, geometry)
    mesh = continuum_mesh(geometry, centre, atoms.positions[:, :2])
    return HandshakeZone(mesh, Material(cubic_voigt(**C_W_GPA), np.array(orientation)), crystal.period_z_A, region)


def test_reactions_equal_the_back_substitution(zone):
    continuum = zone.driven_by_atoms
    rng = np.random.default_rng(0)
    u = rng.normal(scale=0.1, size=(zone.boundary_nodes.size, 3))
    full = continuum.residual(continuum.solve(u))[zone.boundary_nodes]
    condensed = continuum.reactions(u)
    assert continuum._rim_dofs.size < continuum.driven_dofs.size  # the dense block is the rim only
    np.testing.assert_allclose(condensed, full, rtol=0, atol=1e-10 * np.abs(full).max())
    # the strain energy from the driven nodes alone
    assert 0.5 * np.sum(u * condensed) == pytest.approx(zone.strain_energy_eV(continuum.solve(u)), rel=1e-10)


def test_large_rim_falls_back_to_the_back_substitution(zone, monkeypatch):
    monkeypatch.setattr(handshake_zone, "MAX_DENSE_RIM_DOFS", 3)
    continuum = handshake_zone.CondensedContinuum(zone.K, zone.boundary_nodes, zone.outer_nodes)
    u = np.random.default_rng(1).normal(scale=0.1, size=(zone.boundary_nodes.size, 3))
    np.testing.assert_allclose(continuum.reactions(u), continuum.residual(continuum.solve(u))[zone.boundary_nodes],
                               rtol=0, atol=1e-12)
    assert continuum._rim_block is None

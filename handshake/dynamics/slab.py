"""Coupled dynamics of a quasi-2D :class:`~handshake.coupling.CoupledModel` (disc of atoms in a
graded mesh, generalised plane strain, periodic along z)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..continuum import lumped_mass, mass_density, stiffness_matrix
from ..continuum.mesh import TriangleMesh
from .time_coupling import CoupledDynamics

COMPONENTS = 3


def _node_rows(nodes: np.ndarray) -> np.ndarray:
    return (COMPONENTS * np.asarray(nodes)[:, None] + np.arange(COMPONENTS)).ravel()


def _submesh(mesh, keep: np.ndarray) -> TriangleMesh:
    return TriangleMesh(mesh.points, mesh.cells[keep], mesh.node_region, mesh.cell_region[keep])


def slab_dynamics(model, timestep_ps: float = 0.002, method: str = "force") -> CoupledDynamics:
    """:class:`CoupledDynamics` of ``model``'s atoms and mesh, the outer boundary clamped.

    The model's applied far field (``model.apply``, before this call) stays fixed in time:
    the elements carry the correction û = u − u_app, clamped on the outer boundary, as in the
    statics. After a new ``model.apply`` call :func:`follow_applied_field`.

    Parameters
    ----------
    model : CoupledModel
    timestep_ps : float
    method : {"force", "energy"}
        See :class:`CoupledDynamics`.
    """
    zone = model.zone
    mesh = zone.mesh
    region = model.atomistic
    n_dofs = COMPONENTS * mesh.n_nodes
    node_of_id = np.full(model.n_atoms + 1, -1)
    node_of_id[zone.boundary_ids] = zone.boundary_nodes
    thickness = model.crystal.period_z_A
    rho = mass_density(float(region.masses_amu.mean()), model.properties.atomic_volume_A3)

    hs_ids, pad_ids = region.group_ids("handshake"), region.group_ids("pad")
    eye = np.ones(COMPONENTS * hs_ids.size)
    driven = sp.csr_matrix((eye, (_node_rows(node_of_id[hs_ids]), np.arange(eye.size))),
                           shape=(n_dofs, eye.size))
    eye = np.ones(COMPONENTS * pad_ids.size)
    pad = sp.csr_matrix((eye, (np.arange(eye.size), _node_rows(node_of_id[pad_ids]))),
                        shape=(eye.size, n_dofs))
    clamped = _node_rows(zone.outer_nodes)
    on_hs = np.zeros(mesh.n_nodes, bool)
    on_hs[zone.handshake_nodes] = True
    if method == "energy":
        dynamics = _energy_dynamics(model, mesh, on_hs, rho, thickness, region, n_dofs, driven, pad, clamped,
                                    timestep_ps)
    else:
        dynamics = _force_dynamics(model, mesh, on_hs, rho, thickness, region, n_dofs, driven, pad, clamped,
                                   timestep_ps)
    follow_applied_field(dynamics, model)
    return dynamics


def follow_applied_field(dynamics: CoupledDynamics, model) -> None:
    """Hand the model's current applied displacements at the handshake and pad atoms to the
    dynamics (collective)."""
    applied = model.applied_displacements_atoms
    dynamics.set_applied_displacements(applied[dynamics.handshake_ids - 1], applied[dynamics.pad_ids - 1])


def _energy_dynamics(model, mesh, on_hs, rho, thickness, region, n_dofs, driven, pad, clamped, timestep_ps):
    zone = model.zone
    on_atoms = on_hs.copy()
    on_atoms[zone.pad_nodes] = True
    beyond = ~on_atoms[mesh.cells].all(axis=1)
    sub = _submesh(mesh, beyond)
    K = stiffness_matrix(sub, model.material, thickness=thickness, components=COMPONENTS)
    node_mass = lumped_mass(sub, rho, thickness)[::2]
    node_mass[zone.pad_nodes] = region.masses_amu[zone.pad_ids - 1]
    node_mass[node_mass == 0.0] = 1.0                    # handshake nodes: clamped, unused
    return CoupledDynamics(region, K, np.repeat(node_mass, COMPONENTS), sp.csr_matrix((n_dofs, driven.shape[1])),
                           pad, np.concatenate([clamped, _node_rows(zone.handshake_nodes)]), timestep_ps,
                           method="energy")


def _force_dynamics(model, mesh, on_hs, rho, thickness, region, n_dofs, driven, pad, clamped, timestep_ps):
    zone = model.zone
    node_mass = lumped_mass(mesh, rho, thickness)[::2]
    # the continuum's share of the strain energy: elements by their nodes outside the free atoms
    weight = (~on_hs[mesh.cells]).mean(axis=1)
    K_energy = sp.csr_matrix((n_dofs, n_dofs))
    for w in np.unique(weight[weight > 0]):
        K_energy = K_energy + w * stiffness_matrix(_submesh(mesh, weight == w), model.material,
                                                   thickness=thickness, components=COMPONENTS)
    return CoupledDynamics(region, zone.K, np.repeat(node_mass, COMPONENTS), driven, pad, clamped, timestep_ps,
                           energy_stiffness=K_energy, method="force")

"""Coupled dynamics of a quasi-2D :class:`~handshake.coupling.CoupledModel` (disc of atoms in a
graded mesh, generalised plane strain, periodic along z)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..continuum import mass_density
from .methods import SlabLayout, dynamics_method
from .time_coupling import CoupledDynamics

COMPONENTS = 3


def _node_rows(nodes: np.ndarray) -> np.ndarray:
    return (COMPONENTS * np.asarray(nodes)[:, None] + np.arange(COMPONENTS)).ravel()


def slab_dynamics(model, timestep_ps: float = 0.002, method: str = "force") -> CoupledDynamics:
    """:class:`CoupledDynamics` of ``model``'s atoms and mesh, the outer boundary clamped.

    The model's applied far field (``model.apply``, before this call) stays fixed in time:
    the elements carry the correction û = u − u_app, clamped on the outer boundary, as in the
    statics. After a new ``model.apply`` call :func:`follow_applied_field`.

    Parameters
    ----------
    model : CoupledModel
    timestep_ps : float
    method : str
        A name in :data:`~handshake.dynamics.DYNAMICS_METHODS`; see :class:`CoupledDynamics`.
    """
    method_class = dynamics_method(method)
    zone = model.zone
    mesh = zone.mesh
    region = model.atomistic
    n_dofs = COMPONENTS * mesh.n_nodes
    node_of_id = np.full(model.n_atoms + 1, -1)
    node_of_id[zone.boundary_ids] = zone.boundary_nodes
    rho = mass_density(float(region.masses_amu.mean()), model.properties.atomic_volume_A3)

    hs_ids, pad_ids = region.group_ids("handshake"), region.group_ids("pad")
    eye = np.ones(COMPONENTS * hs_ids.size)
    driven = sp.csr_matrix((eye, (_node_rows(node_of_id[hs_ids]), np.arange(eye.size))),
                           shape=(n_dofs, eye.size))
    eye = np.ones(COMPONENTS * pad_ids.size)
    pad = sp.csr_matrix((eye, (np.arange(eye.size), _node_rows(node_of_id[pad_ids]))),
                        shape=(eye.size, n_dofs))
    layout = SlabLayout(model=model, density=rho, thickness_A=model.crystal.period_z_A, node_of_id=node_of_id,
                        driven=driven, pad_interpolation=pad, clamped_dofs=_node_rows(zone.outer_nodes),
                        timestep_ps=timestep_ps, integrator=CoupledDynamics)
    dynamics = method_class.slab(layout)
    follow_applied_field(dynamics, model)
    return dynamics


def follow_applied_field(dynamics: CoupledDynamics, model) -> None:
    """Hand the model's current applied displacements at the handshake and pad atoms to the
    dynamics (collective)."""
    applied = model.applied_displacements_atoms
    dynamics.set_applied_displacements(applied[dynamics.handshake_ids - 1], applied[dynamics.pad_ids - 1])

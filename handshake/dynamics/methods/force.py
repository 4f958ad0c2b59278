"""Force-based coupling (CADD / FEAt kinematics): the default dynamics method.

Finite-element DOFs on the handshake zone follow the free atoms there; pad atoms follow the
elements; the nodes feel −K u only and the pad atoms' forces are ignored. Every atom and node
has the forces of its own model: no ghost forces (the patch test is exact) and very small
wave reflection, but no conserved energy (Shilkrot, Miller & Curtin, JMPS 52 (2004) 755;
Qu, Shastry, Curtin & Miller, MSMSE 13 (2005) 1101).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ...continuum import lumped_mass, stiffness_matrix
from ...continuum.mesh import TriangleMesh
from .base import DynamicsMethod, SlabLayout, StripLayout, register

COMPONENTS = 3


def _submesh(mesh, keep: np.ndarray) -> TriangleMesh:
    return TriangleMesh(mesh.points, mesh.cells[keep], mesh.node_region, mesh.cell_region[keep])


@register("force")
class ForceCoupling(DynamicsMethod):
    """See the module notes."""

    @classmethod
    def strip(cls, strip, layout: StripLayout):
        mesh, material, side = layout.mesh, layout.material, layout.side_A
        K = stiffness_matrix(mesh, material, thickness=side)
        mass = lumped_mass(mesh, layout.density, thickness=side)
        # the continuum's share of the strain energy: each element in proportion to its
        # nodes outside the handshake planes (the free atoms' energies hold the rest)
        weight = (layout.node_plane[mesh.cells] >= layout.first_pad_plane).mean(axis=1)
        K_energy = sp.csr_matrix(K.shape)
        for w in np.unique(weight[weight > 0]):
            K_energy = K_energy + w * stiffness_matrix(_submesh(mesh, weight == w), material, thickness=side)
        return layout.integrator(strip.region, K, mass, layout.driven, layout.pad_interpolation, layout.clamped_dofs,
                                 layout.timestep_ps, energy_stiffness=K_energy, fixed_groups=("wall",),
                                 subcycles=layout.subcycles, method=cls.name)

    @classmethod
    def slab(cls, layout: SlabLayout):
        model = layout.model
        zone, mesh = model.zone, model.zone.mesh
        on_hs = np.zeros(mesh.n_nodes, bool)
        on_hs[zone.handshake_nodes] = True
        node_mass = lumped_mass(mesh, layout.density, layout.thickness_A)[::2]
        # the continuum's share of the strain energy: elements by their nodes outside the free atoms
        weight = (~on_hs[mesh.cells]).mean(axis=1)
        n_dofs = COMPONENTS * mesh.n_nodes
        K_energy = sp.csr_matrix((n_dofs, n_dofs))
        for w in np.unique(weight[weight > 0]):
            K_energy = K_energy + w * stiffness_matrix(_submesh(mesh, weight == w), model.material,
                                                       thickness=layout.thickness_A, components=COMPONENTS)
        return layout.integrator(model.atomistic, zone.K, np.repeat(node_mass, COMPONENTS), layout.driven,
                                 layout.pad_interpolation, layout.clamped_dofs, layout.timestep_ps,
                                 energy_stiffness=K_energy, method=cls.name)

"""Energy-conserving coupling: the pad atoms' forces act on the nodes they follow.

The pad nodes carry the pad atoms' masses and feel the LAMMPS forces on the pad atoms
(Pᵀ f_pad) plus −K_c u from the elements beyond the atoms only; a dead load cancels the
forces of the perfect crystal on the pad (its outer surface: ghost-force correction,
Shenoy et al., JMPS 47 (1999) 611). Atoms and nodes then follow one Hamiltonian

    H = Σ ½ m v² + Σ ½ M V² + E_LAMMPS(x_free, X_pad + P u) + ½ uᵀ K_c u + f₀ᵀ P u,

integrated by one leapfrog: the total energy oscillates at O(Δt²) without drift. The pad's
outer layer is a surface of the potential stitched to elements, which reflects more than
the force-based handshake.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ...continuum import lumped_mass, stiffness_matrix
from ...continuum.mesh import TriangleMesh
from ..time_coupling import gather_rows
from .base import DynamicsMethod, SlabLayout, StripLayout, register
from .force import COMPONENTS, _submesh


@register("energy")
class EnergyCoupling(DynamicsMethod):
    """See the module notes. ``stiffness`` holds only the elements beyond the atoms,
    ``mass_amu`` the pad atoms' masses on the pad DOFs; the atoms must be at their
    reference sites when the dynamics is made."""

    strip_mesh_from_pad = True

    def dead_load(self) -> np.ndarray:
        d = self.dynamics
        # forces of the perfect crystal on the pad atoms (their outer surface), cancelled
        f0 = d.region.gather_forces()[d.pad_ids - 1]
        return -(d.P.T @ f0.ravel())

    def continuum_force(self, step) -> np.ndarray:
        d = self.dynamics
        rows = d.local_rows(step)
        f_pad = gather_rows(d.comm, rows.pad_slots, step.pair_forces[rows.pad], d.pad_ids.size)
        return d.P.T @ f_pad.ravel()

    def atom_weights(self) -> np.ndarray:
        return np.ones(self.dynamics.region.natoms)

    @classmethod
    def strip(cls, strip, layout: StripLayout):
        mesh, column = layout.mesh, layout.node_plane
        end_of_pad = layout.first_pad_plane + layout.n_pad_planes
        # only elements reaching beyond the pad; pad columns carry the pad atoms' mass
        beyond = (column[mesh.cells] >= end_of_pad).any(axis=1)
        sub = TriangleMesh(mesh.points, mesh.cells[beyond], mesh.node_region, np.zeros(beyond.sum(), np.int8))
        K = stiffness_matrix(sub, layout.material, thickness=layout.side_A)
        mass = lumped_mass(sub, layout.density, thickness=layout.side_A)
        on_pad = np.repeat(column < end_of_pad, 2)
        mass[on_pad] = 0.5 * layout.atoms_per_plane * strip.masses_amu[0]     # a plane's atoms on two nodes
        return layout.integrator(strip.region, K, mass, layout.driven, layout.pad_interpolation, layout.clamped_dofs,
                                 layout.timestep_ps, fixed_groups=("wall",), method=cls.name,
                                 subcycles=layout.subcycles)

    @classmethod
    def slab(cls, layout: SlabLayout):
        model = layout.model
        zone, mesh, region = model.zone, model.zone.mesh, model.atomistic
        on_atoms = np.zeros(mesh.n_nodes, bool)
        on_atoms[zone.handshake_nodes] = True
        on_atoms[zone.pad_nodes] = True
        beyond = ~on_atoms[mesh.cells].all(axis=1)
        sub = _submesh(mesh, beyond)
        K = stiffness_matrix(sub, model.material, thickness=layout.thickness_A, components=COMPONENTS)
        node_mass = lumped_mass(sub, layout.density, layout.thickness_A)[::2]
        node_mass[zone.pad_nodes] = region.masses_amu[zone.pad_ids - 1]
        node_mass[node_mass == 0.0] = 1.0                    # handshake nodes: clamped, unused
        n_dofs = COMPONENTS * mesh.n_nodes
        hs_rows = (COMPONENTS * zone.handshake_nodes[:, None] + np.arange(COMPONENTS)).ravel()
        return layout.integrator(region, K, np.repeat(node_mass, COMPONENTS),
                                 sp.csr_matrix((n_dofs, layout.driven.shape[1])), layout.pad_interpolation,
                                 np.concatenate([layout.clamped_dofs, hs_rows]), layout.timestep_ps, method=cls.name)

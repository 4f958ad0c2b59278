"""Bridging domain method: atoms and elements coexist in the overlap, tied by Lagrange multipliers.

Xiao & Belytschko, CMAME 193 (2004) 1645; Belytschko & Xiao, IJMCE 1 (2003) 115. In the
handshake (bridging) zone atoms and finite elements coexist; a weight α falls from 1 at the
inner edge of the zone to 0 at its outer edge (where the pad begins); atom a carries the
mass α_a m_a, node I the mass (1 − α_I) M_I, and every constrained atom component follows
the interpolated element field, g_a = u_a − Σ_I N_I(X_a) U_I = 0, enforced by Lagrange
multipliers λ:

    α m ü = α f − λ,        (1 − α) M Ü = (1 − α) F + Nᵀλ.

f_a are the LAMMPS forces and F_I = −(K U)_I the nodal forces of the full mesh. Inside the
zone the atoms have α = 1 and no constraint (the free atoms); the pad atoms beyond it have
α = 0: they give the outermost zone atoms a full neighbourhood and follow the elements, as
in the other methods. Symmetrically the mesh reaches one node row into the α = 1 atoms, and
those nodes (weight 1 − α = 0) are driven by their atoms, so that every overlap node has
its full element stencil: the mesh's inner edge is not a free surface.

*Forces scaled per particle.* Xiao & Belytschko blend the energies, Σ α E_atoms +
Σ (1 − α) E_elements, which for a pair potential means weighting each bond by α at its
midpoint. LAMMPS gives forces per atom, not the gradient of Σ α_a E_a for an EAM potential,
so the atoms' share can only be scaled per atom. Combined with energy-weighted elements
that breaks the patch test: under a uniform strain α f = 0 but the (1 − α)-weighted
elements leave a ghost force ~ α′ σ on every overlap node, which for a ramp over four
planes is comparable to the elastic force of a λ = 20-plane wave (measured: half the
energy of such a wave lost in the zone). So the nodes are scaled per node like the atoms,
(1 − α_I) F_I: both sides vanish under uniform strain (patch test exact) and an
unconstrained atom or node moves exactly as in its own model (α cancels between mass and
force); α decides how the constraint impulse is shared. The price is the reciprocity of an
energy: like the force-based coupling the scheme conserves the blended energy only to
O((k h)²) (the NVE test reports the drift).

*Time integration* (Xiao & Belytschko's explicit algorithm, in leapfrog form): at step n
both sides take an unconstrained trial kick to v*_{n+½}, V*_{n+½}; the impulses μ = Δt λ
that make the new positions compatible, u_{n+1} = u_n + Δt v_{n+½}, solve

    A μ = v* − N V* − (N U_n − u_n)/Δt,      A = diag(1/(α m)) + N diag(1/((1 − α) M)) Nᵀ,

and v = v* − μ/(α m), V = V* + Nᵀμ/((1 − α) M). Xiao & Belytschko lump A to its
diagonal; A is constant here, so it is factorised once (sparse LU) and each step costs one
back-substitution: the constraint holds to round-off rather than to the lumping error.
The atoms' correction reaches LAMMPS as the external force −μ/(α Δt) (it enters both half
kicks of velocity Verlet); on the first call of a run, whose velocities are full-step ones,
the half kick already given by the previous run's last step is accounted for, so a run
split in several follows the same trajectory as one long run.

Units: Å, eV, ps, amu.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import splu

from ...continuum import EV_PER_A_AMU_TO_A_PER_PS2, lumped_mass, stiffness_matrix
from ...continuum.elasticity import (
    element_dofs,
    generalized_plane_strain_displacement,
    shape_gradients,
    strain_displacement,
)
from ...errors import InputError
from ..time_coupling import gather_rows
from .base import DynamicsMethod, SlabLayout, StripLayout, register
from .force import COMPONENTS


def blending_weight(distance_A: np.ndarray, width_A: float) -> np.ndarray:
    """α = 1 − d / w clipped to [0, 1]: ``distance_A`` measured outwards from the inner edge of
    the bridging zone, ``width_A`` its width (α = 0 from the outer edge on)."""
    return np.clip(1.0 - np.asarray(distance_A, dtype=float) / width_A, 0.0, 1.0)


def blended_stiffness(mesh, material, cell_weights: np.ndarray, thickness_A: float,
                      components: int | None = None) -> sp.csr_matrix:
    """K = Σ_e w_e K_e (eV/Å²), the element stiffness matrices weighted by ``cell_weights``."""
    components = mesh.dim if components is None else components
    gps = mesh.dim == 2 and components == 3
    D = material.C_lab if gps else material.elasticity_matrix(mesh.dim)
    keep = np.flatnonzero(np.asarray(cell_weights) > 0)
    cells = mesh.cells[keep]
    grads, measure = shape_gradients(mesh.points, cells)
    B = generalized_plane_strain_displacement(grads) if gps else strain_displacement(grads)
    w = measure * (thickness_A if mesh.dim == 2 else 1.0) * np.asarray(cell_weights)[keep]
    Ke = np.swapaxes(B, 1, 2) @ (D @ B) * w[:, None, None]
    dofs = element_dofs(cells, components)
    nd = dofs.shape[1]
    n = components * mesh.n_nodes
    K = sp.coo_matrix((Ke.ravel(), (np.repeat(dofs, nd, axis=1).ravel(), np.tile(dofs, (1, nd)).ravel())),
                      shape=(n, n)).tocsr()
    K.sum_duplicates()
    return K


@register("bdm")
class BridgingDomain(DynamicsMethod):
    """See the module notes.

    Parameters
    ----------
    dynamics : CoupledDynamics
        With the full stiffness and lumped mass, no driven DOFs, the ``handshake`` group =
        the atoms of the bridging zone, ``pad`` = the atoms beyond it (α = 0).
    alpha : (n_h,) array
        α of each handshake atom (group order), in (0, 1]; atoms with α = 1 drive their
        nodes and are not constrained.
    node_weight : (n_dofs,) array
        1 − α at each DOF's node, in [0, 1] (0: no continuum there).
    constraint : sparse (3 n_h, n_dofs)
        Row 3 s + c interpolates component c of handshake atom s from the DOFs; components
        with an empty row are not constrained.
    """

    allows_subcycles = False

    def __init__(self, dynamics, alpha, node_weight, constraint):
        super().__init__(dynamics)
        d = dynamics
        self.alpha = np.asarray(alpha, dtype=float)
        if self.alpha.shape != d.handshake_ids.shape or (self.alpha <= 0).any() or (self.alpha > 1).any():
            raise ValueError("bridging domain: one α in (0, 1] per handshake atom")
        self.node_weight = np.asarray(node_weight, dtype=float)
        blended = self.node_weight * d.mass_amu
        carried = d.integrated & (blended > 0)
        #: 1 / ((1 − α) M) on the DOFs the constraint may move, 1/amu
        self._inv_M = np.where(carried, 1.0 / np.where(carried, blended, 1.0), 0.0)
        constraint = sp.csr_matrix(constraint) @ sp.diags(carried.astype(float))
        constraint.eliminate_zeros()
        self.rows = np.flatnonzero(np.diff(constraint.indptr) > 0)
        self.N = constraint[self.rows]
        slot = self.rows // 3
        #: LAMMPS masses m and blended masses α m of the constrained rows, amu
        self.mass_amu = d.region.masses_amu[d.handshake_ids - 1][slot]
        self.blended_mass_amu = self.alpha[slot] * self.mass_amu
        A = sp.diags(1.0 / self.blended_mass_amu) + self.N @ sp.diags(self._inv_M) @ self.N.T
        self._solve = splu(sp.csc_matrix(A)).solve
        #: the external force of the last call per constrained row (the full-step value), eV/Å
        self.force_eV_per_A = np.zeros(self.rows.size)
        #: largest ``|N U − u|`` over the constrained rows at the last call, Å
        self.max_violation_A = 0.0

    def atom_weights(self) -> np.ndarray:
        d = self.dynamics
        w = np.ones(d.region.natoms)
        w[d.pad_ids - 1] = 0.0
        w[d.handshake_ids - 1] = self.alpha
        return w

    def constrain(self, step, kick_ps: float) -> None:
        d = self.dynamics
        dt = d.md_timestep_ps
        rows_of_rank = d.local_rows(step)
        local = rows_of_rank.handshake
        if not self.rows.size:
            return
        # forces of the potential plus what observers added this step (bands, thermostats);
        # the constraint force of this call is not in yet
        f_local = step.pair_forces[local] + step._f_external[local]
        data = gather_rows(d.comm, rows_of_rank.handshake_slots,
                           np.hstack([step.v[local], f_local, d.local_handshake_displacements(step, rows_of_rank)]),
                           d.handshake_ids.size)
        v = data[:, 0:3].ravel()[self.rows]
        f = data[:, 3:6].ravel()[self.rows]
        u = (data[:, 6:9] - d.handshake_applied).ravel()[self.rows]
        to_velocity = EV_PER_A_AMU_TO_A_PER_PS2 / self.mass_amu      # Å/ps² per eV/Å
        continued = d._started and int(step.step) == d._run_start
        if not d._started:                 # v = v_0: LAMMPS gives half a kick before x_1
            v_trial, lammps_kick = v + 0.5 * dt * f * to_velocity, 0.5 * dt
        elif continued:
            # first call of a continued run: v = v_n, which already holds half of the last
            # call's kick; v_{n-1/2} = v_n − Δt/2 (f + F_last)/m
            v_trial, lammps_kick = v + 0.5 * dt * (f - self.force_eV_per_A) * to_velocity, dt
        else:                              # v = v_{n-1/2}
            v_trial, lammps_kick = v + dt * f * to_velocity, dt
        U = self.N @ d.u
        self.max_violation_A = float(np.abs(U - u).max(initial=0.0))
        mu = self._solve(v_trial - self.N @ d.v - (U - u) / dt)
        d.v += self._inv_M * (self.N.T @ mu)
        force = -(mu / self.blended_mass_amu) / (lammps_kick * to_velocity)
        applied = 2.0 * force - self.force_eV_per_A if continued else force
        self.force_eV_per_A = force
        full = np.zeros(3 * d.handshake_ids.size)
        full[self.rows] = applied
        step.add_forces(local, full.reshape(-1, 3)[rows_of_rank.handshake_slots])

    # ------------------------------------------------------------------ builders
    @classmethod
    def strip(cls, strip, layout: StripLayout):
        """α = 1 − j/n_h on handshake plane j: the first handshake plane (α = 1) drives its
        nodes, the next n_h − 1 planes are the bridging zone, the first pad plane has α = 0."""
        mesh, column = layout.mesh, layout.node_plane
        first, width = layout.first_handshake_plane, layout.first_pad_plane - layout.first_handshake_plane
        side = layout.side_A
        K = stiffness_matrix(mesh, layout.material, thickness=side)
        mass = lumped_mass(mesh, layout.density, thickness=side)
        node_weight = np.repeat(1.0 - blending_weight(column - first, width), 2)
        centroid_plane = mesh.points[mesh.cells, 0].mean(axis=1) / strip.spacing_A
        K_energy = blended_stiffness(mesh, layout.material, 1.0 - blending_weight(centroid_plane - first, width), side)
        hs_ids = strip.region.group_ids("handshake")
        alpha = blending_weight(strip.plane[hs_ids - 1] - first, width)
        rows, cols, vals = [], [], []
        for slot, atom in enumerate(hs_ids):                 # atom u_x = mean u_x of its node column
            for node in np.flatnonzero(column == strip.plane[atom - 1]):
                rows.append(3 * slot)
                cols.append(2 * node)
                vals.append(0.5)
        constraint = sp.csr_matrix((vals, (rows, cols)), shape=(3 * hs_ids.size, mesh.n_dofs))
        driven = sp.diags(np.repeat(column == first, 2).astype(float)) @ layout.driven
        return layout.integrator(strip.region, K, mass, driven, layout.pad_interpolation,
                                 layout.clamped_dofs, layout.timestep_ps, energy_stiffness=K_energy,
                                 energy_mass_amu=node_weight * mass, fixed_groups=("wall",),
                                 subcycles=layout.subcycles, method=cls.name, alpha=alpha, node_weight=node_weight,
                                 constraint=constraint)

    @staticmethod
    def blending_radii(model) -> tuple[float, float]:
        """Radii (Å) between which α falls from 1 to 0 in ``model``: the outermost node of the
        mesh's inner edge and the innermost pad atom.

        Raises
        ------
        InputError
            When the handshake zone holds no atoms between the two (zone too narrow).
        """
        zone, mesh, region = model.zone, model.zone.mesh, model.atomistic
        radius = np.linalg.norm(model.reference_positions[:, :2] - model.centre, axis=1)
        outer = radius[region.group_ids("pad") - 1].min()
        node_r = np.linalg.norm(mesh.points - model.centre, axis=1)
        if "hole" in mesh.node_sets:     # a crack's faces are mesh boundary too: the hole's rim only
            rim = mesh.node_sets["hole"]
        else:
            edges = np.sort(mesh.cells[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2), axis=1)
            edges, count = np.unique(edges, axis=0, return_counts=True)
            rim = np.setdiff1d(np.unique(edges[count == 1]), zone.outer_nodes)
        inner = node_r[rim].max()
        if inner >= outer - 1e-6:
            raise InputError(f"the bridging domain method needs atoms between the mesh's inner edge "
                             f"(r = {inner:.2f} Å) and the pad (r = {outer:.2f} Å); widen the handshake zone",
                             field="geometry.handshake_width_A")
        return float(inner), float(outer)

    @classmethod
    def check_slab(cls, model) -> None:
        cls.blending_radii(model)

    @classmethod
    def slab(cls, layout: SlabLayout):
        """α falls linearly in r from 1 at the mesh's inner edge (the outermost of its
        inner boundary nodes; all handshake nodes inside drive their nodes) to 0 at the
        innermost pad atom."""
        model = layout.model
        zone, mesh, region = model.zone, model.zone.mesh, model.atomistic
        hs_ids, pad_ids = region.group_ids("handshake"), region.group_ids("pad")
        radius = np.linalg.norm(model.reference_positions[:, :2] - model.centre, axis=1)
        node_r = np.linalg.norm(mesh.points - model.centre, axis=1)
        inner, outer = cls.blending_radii(model)
        node_weight = np.repeat(1.0 - blending_weight(node_r - inner, outer - inner), COMPONENTS)
        centroid_r = np.linalg.norm(mesh.points[mesh.cells].mean(axis=1) - model.centre, axis=1)
        K_energy = blended_stiffness(mesh, model.material, 1.0 - blending_weight(centroid_r - inner, outer - inner),
                                     layout.thickness_A, COMPONENTS)
        mass = lumped_mass(mesh, layout.density, layout.thickness_A)[::2]
        mass = np.repeat(mass, COMPONENTS)
        alpha = blending_weight(radius[hs_ids - 1] - inner, outer - inner)
        eye = np.ones(COMPONENTS * hs_ids.size)
        node_rows = (COMPONENTS * layout.node_of_id[hs_ids][:, None] + np.arange(COMPONENTS)).ravel()
        constraint = sp.csr_matrix((eye, (np.arange(eye.size), node_rows)), shape=(eye.size, mass.size))
        driven = sp.diags((node_weight == 0).astype(float)) @ layout.driven
        return layout.integrator(region, zone.K, mass, driven, layout.pad_interpolation,
                                 layout.clamped_dofs, layout.timestep_ps, energy_stiffness=K_energy,
                                 energy_mass_amu=node_weight * mass, method=cls.name, alpha=alpha,
                                 node_weight=node_weight, constraint=constraint)

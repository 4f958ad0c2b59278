"""Force-based coupling (the FEAt / CADD family): no energy, no ghost forces.

Free atoms feel only the potential, with complete neighbourhoods thanks to the pad.
Pad atoms are degrees of freedom of the same relaxation, but the force on a pad atom is
the continuum's residual force at its node, with the continuum driven by all
atom-carrying nodes and condensed onto them (the Schur complement S of
:class:`~handshake.coupling.handshake_zone.CondensedContinuum`: one sparse and one small
dense product per evaluation). At equilibrium the pad sits where the continuum puts it
and the free atoms are relaxed. A homogeneous deformation is an exact equilibrium (patch
test), cf. Miller & Tadmor, MSMSE 17 (2009) 053001 §4.

Forces are not the gradient of an energy, so the minimiser is FIRE (Bitzek et al., PRL 97
(2006) 170201): LAMMPS's own (``minimiser = "fire"``, the default), or preconditioned
(``"precon-fire"``: :mod:`handshake.coupling.preconditioner`, :mod:`handshake.coupling.fire`),
driven from the force callback of one LAMMPS ``run``. Both reach the same equilibrium where
it is unique; at an instability (a crack jump, a dislocation emitted) they may end in
different metastable states, FIRE's momentum carrying the system over barriers differently,
which is why the faster preconditioned one is not yet the default.
"""

from __future__ import annotations

import numpy as np
from mpi4py import MPI

from ..fire import PreconditionedFIRE
from ..geometry import PAD
from ..preconditioner import CoupledPreconditioner, exp_laplacian, fitted_mu
from .base import CouplingMethod, RelaxationResult, register

#: the relaxations of the force-based coupling, the default first
MINIMISERS = ("fire", "precon-fire")


@register("force")
class ForceBased(CouplingMethod):
    has_energy = False

    def __init__(self, model, minimiser: str = MINIMISERS[0]):
        super().__init__(model)
        if minimiser not in MINIMISERS:
            raise ValueError(f"unknown minimiser {minimiser!r}; expected one of {', '.join(MINIMISERS)}")
        self.minimiser = minimiser
        self._preconditioner: CoupledPreconditioner | None = None

    def relax(self, fmax_eV_per_A: float, max_iterations: int) -> RelaxationResult:
        if self.minimiser == "fire":
            iterations = self._relax_lammps_fire(fmax_eV_per_A, max_iterations)
        else:
            iterations = self._relax_preconditioned(fmax_eV_per_A, max_iterations)
        residual = self.model.max_residual_force()
        return RelaxationResult(residual <= fmax_eV_per_A, residual, iterations, 1, self.name)

    def _relax_lammps_fire(self, fmax_eV_per_A: float, max_iterations: int) -> int:
        model = self.model
        zone = model.zone
        continuum = zone.driven_by_atoms

        def exchange(step):
            reactions = continuum.reactions(model.boundary_displacements(step) - model.applied_on_boundary)
            pad = step.local_indices("pad")
            slots = zone.boundary_slot[step.ids[pad]]
            step.add_forces(pad, -reactions[slots] - step.pair_forces[pad])

        region = model.atomistic
        region.attach(exchange)
        try:
            return region.minimize(fmax_eV_per_A, max_iterations, style="fire").iterations
        finally:
            region.detach_all()

    # ------------------------------------------------------------------ preconditioned
    def preconditioner(self) -> CoupledPreconditioner:
        """P of the model, built at the first call (collective). It depends on the reference
        lattice only, so a restarted run builds the same one."""
        if self._preconditioner is None:
            model = self.model
            crystal = model.crystal
            laplacian = exp_laplacian(model.reference_positions, crystal.period_z_A, crystal.nearest_neighbour_A)
            # μ from the response of the perfect lattice to a long-wavelength displacement of
            # the free atoms (as Packwood et al. fit it)
            free = np.flatnonzero(model.atom_region != PAD)
            x = model.reference_positions[:, 0] - model.centre[0]
            wavelength = 2.0 * model.geometry.atomistic_radius_A
            v = np.zeros((model.n_atoms, 3))
            v[free, 0] = 0.01 * crystal.nearest_neighbour_A * np.sin(2.0 * np.pi * x[free] / wavelength)
            region = model.atomistic
            ids = np.arange(1, model.n_atoms + 1)
            current = region.capture()
            try:
                region.set_displacements(ids, np.zeros_like(v))
                before = model.atomistic_forces()
                region.set_displacements(ids, v)
                after = model.atomistic_forces()
            finally:
                region.restore(current)  # exactly: a restarted run must repeat the same steps
            mu = fitted_mu(laplacian, v, after - before, free)
            self._preconditioner = CoupledPreconditioner(laplacian, mu, model.zone.driven_by_atoms,
                                                         model.zone.boundary_ids, model.zone.pad_ids)
        return self._preconditioner

    def _relax_preconditioned(self, fmax_eV_per_A: float, max_iterations: int) -> int:
        model = self.model
        zone = model.zone
        continuum = zone.driven_by_atoms
        preconditioner = self.preconditioner()
        comm, n = model.comm, model.n_atoms
        pad_rows = zone.pad_ids - 1
        pad_slots = zone.boundary_slot[zone.pad_ids]
        fire = PreconditionedFIRE()
        state = np.empty((n, 6))  # displacement and force of every atom, gathered each evaluation
        last = {"move": np.zeros((n, 3)), "converged": False}

        def exchange(step):
            if step.step == 0:
                # the run's set-up evaluation: the first move waits for step 1, at the
                # same positions
                return
            ids = step.ids
            state.fill(0.0)
            state[ids - 1, :3] = step.displacements()
            state[ids - 1, 3:] = step.pair_forces
            if comm.size > 1:  # each row is owned by one rank: the sum is exact
                comm.Allreduce(MPI.IN_PLACE, state, op=MPI.SUM)
            u = model.nearest_to_applied(state[:, :3], model.applied_displacements_atoms)
            forces = state[:, 3:]
            reactions = continuum.reactions(u[zone.boundary_ids - 1] - model.applied_on_boundary)
            forces[pad_rows] = -reactions[pad_slots]
            # LAMMPS's forces become the coupled residual too, which the run-time guards watch
            pad = step.local_indices("pad")
            step.add_forces(pad, forces[ids[pad] - 1] - step.pair_forces[pad])
            if np.sqrt((forces ** 2).sum(axis=1)).max() <= fmax_eV_per_A:
                last["converged"] = True
                step.stop()
                return
            last["move"] = move = fire.step(forces, preconditioner.solve(forces))
            step.x[:] += move[ids - 1]

        region = model.atomistic
        region.attach(exchange)
        try:
            steps = region.iterate(max_iterations)
        finally:
            region.detach_all()
            if not last["converged"]:
                # stopped by the iteration cap or a guard: back to the positions last evaluated,
                # as LAMMPS's minimisers leave them
                region.displace(np.arange(1, n + 1), -last["move"])
        return steps

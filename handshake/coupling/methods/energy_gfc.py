"""Energy-based coupling with ghost-force correction (QCE-GFC family).

Energy of the coupled model: Π = LAMMPS energy of all atoms (free and pad, both degrees
of freedom) + strain energy ½ ûᵀKû of the continuum condensed onto the atom-driven
nodes. Π double-counts the overlap (pad atoms and the elements among atom sites) and
sees the pad's outer free surface: ghost forces. They are the difference between these
forces and the force-based ones, known exactly at any state — the continuum reaction on
handshake atoms and the potential's force on pad atoms — and are subtracted as dead
loads g (Shenoy et al., JMPS 47 (1999) 611; Miller & Tadmor, MSMSE 17 (2009) 053001,
QC-GFC). Π − g·u is minimised with LAMMPS CG; g is re-evaluated at the new state, with
Anderson acceleration of the sequence of dead loads, until the force-based residual is
below tolerance. Each inner problem has a true energy (CG, NEB and ASE optimisers
apply); the converged state is the force-based equilibrium.

The partition is sharp: LAMMPS offers no per-atom energy weights for many-body
potentials, so the atomistic energy is not blended.
"""

from __future__ import annotations

import numpy as np

from ..acceleration import AndersonMixer
from .base import CouplingMethod, RelaxationResult, register


@register("energy-gfc")
class EnergyGhostForceCorrected(CouplingMethod):
    has_energy = True
    max_corrections = 100

    def ghost_forces(self) -> np.ndarray:
        """Energy-based minus force-based forces at the current state, (n_atoms, 3) eV/Å by
        id − 1: minus the continuum reaction on handshake atoms, the potential's force on
        pad atoms."""
        model = self.model
        zone = model.zone
        forces = model.atomistic_forces()
        residual = model.continuum_residual()
        ghost = np.zeros_like(forces)
        ghost[zone.handshake_ids - 1] = -residual[zone.handshake_nodes]
        ghost[zone.pad_ids - 1] = forces[zone.pad_ids - 1]
        return ghost

    def observer(self, dead_load: np.ndarray):
        """Exchange for the energy Π − g·u with dead loads g = ``dead_load`` (n_atoms, 3) eV/Å:
        continuum reaction and dead load as forces, strain energy minus dead-load work as
        energy. Attach with ``energy=True``."""
        model = self.model
        zone = model.zone
        continuum = zone.driven_by_atoms
        rank = model.atomistic.comm.rank

        def exchange(step):
            u_hat = model.boundary_displacements(step) - model.applied_on_boundary
            reactions = continuum.reactions(u_hat)
            local = step.local_indices("boundary")
            ids = step.ids[local]
            step.add_forces(local, dead_load[ids - 1] - reactions[zone.boundary_slot[ids]])
            if rank == 0:  # ½ ûᵀKû = ½ û_Dᵀ S û_D: the free nodes carry no force
                step.energy_eV += 0.5 * float(np.sum(u_hat * reactions))
            step.energy_eV -= float(np.sum(dead_load[ids - 1] * step.displacements(local)))

        return exchange

    def relax(self, fmax_eV_per_A: float, max_iterations: int) -> RelaxationResult:
        model = self.model
        region = model.atomistic
        iterations = 0
        dead_load = -self.ghost_forces()
        mixer = AndersonMixer(depth=10)
        residual = model.max_residual_force()
        for correction in range(1, self.max_corrections + 1):
            region.attach(self.observer(dead_load), energy=True)
            try:
                # inexact inner solves: a hundredth of the outer residual, down to fmax / 10
                inner = max(0.1 * fmax_eV_per_A, 0.01 * residual)
                iterations += region.minimize(inner, max_iterations, style="cg").iterations
            finally:
                region.detach_all()
            residual = model.max_residual_force()
            if residual <= fmax_eV_per_A:
                break
            dead_load = mixer.step(dead_load, -self.ghost_forces())
        return RelaxationResult(residual <= fmax_eV_per_A, residual, iterations, correction, self.name)

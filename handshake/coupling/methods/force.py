"""Force-based coupling (the FEAt / CADD family): no energy, no ghost forces.

Free atoms feel only the potential, with complete neighbourhoods thanks to the pad.
Pad atoms are degrees of freedom of the same LAMMPS minimisation, but the force on a pad
atom is replaced by the continuum's residual force at its node, with the continuum
driven by all atom-carrying nodes and condensed onto them (the Schur complement S of
:class:`~handshake.coupling.handshake_zone.CondensedContinuum`: one sparse and one small
dense product per evaluation). At equilibrium the pad sits where the continuum puts it and the free atoms
are relaxed. Forces are not the gradient of an energy, so the minimiser is FIRE
(Bitzek et al., PRL 97 (2006) 170201). A homogeneous deformation is an exact
equilibrium (patch test), cf. Miller & Tadmor, MSMSE 17 (2009) 053001 §4.
"""

from __future__ import annotations

from .base import CouplingMethod, RelaxationResult, register


@register("force")
class ForceBased(CouplingMethod):
    has_energy = False

    def relax(self, fmax_eV_per_A: float, max_iterations: int) -> RelaxationResult:
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
            result = region.minimize(fmax_eV_per_A, max_iterations, style="fire")
        finally:
            region.detach_all()
        residual = model.max_residual_force()
        return RelaxationResult(residual <= fmax_eV_per_A, residual, result.iterations, 1, self.name)

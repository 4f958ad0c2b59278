"""ASE views of a coupled model: its atoms as :class:`ase.Atoms`, its statics as an ASE
:class:`~ase.optimize.optimize.Optimizable`.

:func:`coupled_atoms` is a snapshot of the atoms (current positions, the region of each
atom as its tag: 0 atomistic core, 1 handshake zone, 2 pad) for ASE's analysis tools,
writers and viewers. :class:`CoupledStatics` lets ASE's optimisers relax the coupled model:
its coordinates are the positions of every atom, free and pad, and its gradient is minus
the force-based residual of :meth:`CoupledModel.residual_forces` (the potential's forces on
the free atoms, the continuum's forces on the pad atoms), whose zero is the coupled
equilibrium the model's own ``relax`` finds (``tests/coupling/test_ase_views.py``: ASE's
FIRE brings a small Si crack at K = 0.8 MPa·m^½ to a 1e-4 eV/Å residual in 550 steps,
within 5e-3 Å of the model's own relaxation; its own minimiser needs fewer steps, each
cheaper: ASE's step costs a LAMMPS evaluation called from Python)::

    from ase.optimize import FIRE
    FIRE(CoupledStatics(model), logfile=None).run(fmax=1e-3)

The force-based coupling has no energy whose gradient those forces are (that is what
removes the ghost forces), so use an optimiser driven by forces alone (FIRE, MDMin; not
BFGS or a line search): :meth:`CoupledStatics.get_value` reports the potential energy of
the free atoms, for logs only.
"""

from __future__ import annotations

import numpy as np
from ase import Atoms
from ase.optimize.optimize import Optimizable

from .geometry import PAD


def coupled_atoms(model) -> Atoms:
    """The model's atoms now: positions (Å) in the model's frame, periodic along the front
    only, the region of each atom as its tag (collective)."""
    positions = model.reference_positions + model.displacements()
    symbols = getattr(model, "symbols", None) or [model.crystal.element] * model.n_atoms
    atoms = Atoms(symbols, positions=positions, pbc=(False, False, True))
    span = np.ptp(positions[:, :2], axis=0) + 2.0 * model.crystal.nearest_neighbour_A
    atoms.cell = [span[0], span[1], model.crystal.period_z_A]
    atoms.set_tags(np.asarray(model.atom_region, dtype=int))
    return atoms


class CoupledStatics(Optimizable):
    """The coupled model's static equilibrium as an ASE optimisation problem.

    Parameters
    ----------
    model : CoupledModel
        With its far field applied; every call is collective under MPI.
    """

    def __init__(self, model):
        self.model = model
        self.ids = np.arange(1, model.n_atoms + 1)

    def ndofs(self) -> int:
        return 3 * self.model.n_atoms

    def get_x(self) -> np.ndarray:
        """Positions of every atom, flat, Å."""
        return (self.model.reference_positions + self.model.displacements()).ravel()

    def set_x(self, x: np.ndarray) -> None:
        """Move every atom to the flat positions ``x`` (Å)."""
        u = np.asarray(x, dtype=float).reshape(-1, 3) - self.model.reference_positions
        self.model.atomistic.set_displacements(self.ids, u)

    def get_gradient(self) -> np.ndarray:
        """Minus the force-based residual, flat, eV/Å."""
        forces, _ = self.model.residual_forces()
        return -forces.ravel()

    def get_value(self) -> float:
        """Potential energy of the free atoms, eV (for logs: the residual is not its gradient)."""
        self.model.atomistic.compute()          # tallies the per-atom energies at these positions
        energies = self.model.atomistic.gather_energies()
        return float(energies[np.asarray(self.model.atom_region) != PAD].sum())

    def iterimages(self):
        yield coupled_atoms(self.model)

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

:class:`CoupledCalculator` is an ASE calculator with a true energy, for the methods that
need one: nudged elastic bands (ASE's ``NEB`` with ``allow_shared_calculator=True``, and
its climbing image), BFGS, line searches. Its energy is that of the energy-based
coupling with ghost-force correction (:mod:`handshake.coupling.methods.energy_gfc`),

    Π(u) = E_pot(all atoms) + ½ û_Dᵀ S û_D − g·u,

the potential energy of every atom (free and pad), the strain energy of the continuum's
correction û condensed onto the atom-driven nodes (S, the Schur complement), and the work
of dead loads g equal to minus the ghost forces at the state the calculator was made in,
so that this state (a force-based equilibrium, relaxed by the model) has zero force. The
forces are exactly −∂Π/∂u. Away from that state the ghost forces change where the
atoms near the handshake zone move, and the forces differ from the force-based residual
by that change; for a local event deep in the atomistic core (a bond breaking at a crack
tip) it is small (``tests/science/test_crack_neb.py`` against a fully atomistic NEB).
"""

from __future__ import annotations

import numpy as np
from ase import Atoms
from ase.calculators.calculator import Calculator, all_changes
from ase.optimize.optimize import Optimizable

from .geometry import PAD
from .methods.energy_gfc import EnergyGhostForceCorrected


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


class CoupledCalculator(Calculator):
    """An ASE calculator for a coupled model's atoms, with the ghost-force-corrected
    energy of the module docstring (eV) and its exact forces (eV/Å).

    Attach it to :func:`coupled_atoms` snapshots of the model (all atoms, id order, the
    model's frame); several images may share it (ASE ``NEB(...,
    allow_shared_calculator=True)``): each evaluation puts the model's atoms where the
    image says.

    Parameters
    ----------
    model : CoupledModel
        With its far field applied and its atoms in the state whose ghost forces become
        the dead loads (normally relaxed: that state then has zero force). Every call is
        collective under MPI.

    Examples
    --------
    >>> from ase.mep import NEB
    >>> calc = CoupledCalculator(model)                      # model relaxed in state A
    >>> images = [A] + [A.copy() for _ in range(5)] + [B]
    >>> for image in images:
    ...     image.calc = calc
    >>> neb = NEB(images, allow_shared_calculator=True, climb=True, method="improvedtangent")
    >>> neb.interpolate()
    """

    implemented_properties = ("energy", "forces")

    def __init__(self, model):
        super().__init__()
        self.model = model
        self.ids = np.arange(1, model.n_atoms + 1)
        #: dead loads g = −(ghost forces) at construction, (n_atoms, 3) eV/Å
        self.dead_loads = -EnergyGhostForceCorrected(model).ghost_forces()

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        model, zone = self.model, self.model.zone
        u = np.asarray(self.atoms.positions, dtype=float) - model.reference_positions
        model.atomistic.set_displacements(self.ids, u)
        model.atomistic.compute()
        forces = model.atomistic.gather_forces()
        energy = float(model.atomistic.gather_energies().sum())
        u_hat = model.continuum_correction()
        boundary = zone.boundary_nodes
        reactions = zone.driven_by_atoms.residual(u_hat)[boundary]          # S û_D
        forces[zone.boundary_ids - 1] -= reactions
        forces += self.dead_loads
        energy += 0.5 * float(np.sum(u_hat[boundary] * reactions)) - float(np.sum(self.dead_loads * u))
        self.results = {"energy": energy, "forces": forces}

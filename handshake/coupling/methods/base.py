"""What every coupling method provides, and the registry that names them."""

from __future__ import annotations

from dataclasses import dataclass

from ...registry import Registry

#: the coupling methods by name
METHODS = Registry("coupling method")
#: class decorator: ``@register("name")`` adds a :class:`CouplingMethod` to :data:`METHODS`
register = METHODS.register


def coupling_method(name: str) -> type["CouplingMethod"]:
    """The method class registered as ``name``."""
    return METHODS.lookup(name)


@dataclass
class RelaxationResult:
    """Outcome of relaxing a coupled model at one load.

    Attributes
    ----------
    converged : bool
        The force-based residual is at most the tolerance.
    max_residual_force_eV_per_A : float
        Largest residual force on any free atom, pad atom or continuum node, eV/Å.
    iterations : int
        Minimiser iterations in LAMMPS, summed over outer iterations.
    outer_iterations : int
        Ghost-force corrections (energy-gfc) or Schwarz sweeps; 1 for one-shot methods.
    method : str
    """

    converged: bool
    max_residual_force_eV_per_A: float
    iterations: int
    outer_iterations: int
    method: str


class CouplingMethod:
    """A way of relaxing atoms and continuum together to the coupled equilibrium.

    All methods share one equilibrium: free atoms force-free with the pad atoms at the
    continuum's displacement, and the continuum in equilibrium given the atoms'
    displacements on the handshake nodes. They differ in how they get there.

    Parameters
    ----------
    model : CoupledModel
    """

    name = "abstract"
    #: whether the method minimises a total energy (CG, NEB, ASE optimisers apply)
    has_energy = False

    def __init__(self, model):
        self.model = model

    def relax(self, fmax_eV_per_A: float, max_iterations: int) -> RelaxationResult:
        raise NotImplementedError

"""Atomistic-continuum coupling: geometry, handshake zone, coupling methods, the coupled model,
and its ASE views (:mod:`.ase_views`)."""

from ..atomistic.crystal import Crystal
from .ase_views import CoupledCalculator, CoupledStatics, coupled_atoms
from .geometry import CoupledGeometry
from .methods import METHODS, RelaxationResult, coupling_method
from .model import CoupledModel

__all__ = ["METHODS", "CoupledCalculator", "CoupledGeometry", "CoupledModel", "CoupledStatics", "Crystal", "RelaxationResult",
           "coupled_atoms", "coupling_method"]

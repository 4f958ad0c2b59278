"""Atomistic-continuum coupling: geometry, handshake zone, coupling methods, the coupled model."""

from ..atomistic.crystal import Crystal
from .geometry import CoupledGeometry
from .methods import METHODS, RelaxationResult, coupling_method
from .model import CoupledModel

__all__ = ["METHODS", "CoupledGeometry", "CoupledModel", "Crystal", "RelaxationResult", "coupling_method"]

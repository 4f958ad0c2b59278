"""Atomistic side: potentials, crystals, LAMMPS instances and the atomistic region."""

from .crystal import Crystal
from .potentials import Potential, known_potentials, load_potential
from .region import AtomisticRegion, ExchangeStep, MinimizationResult

__all__ = ["AtomisticRegion", "Crystal", "ExchangeStep", "MinimizationResult", "Potential", "known_potentials",
           "load_potential"]

"""Atomistic side: LAMMPS instances, crystals and the atomistic region."""

from .region import AtomisticRegion, ExchangeStep, MinimizationResult

__all__ = ["AtomisticRegion", "ExchangeStep", "MinimizationResult"]

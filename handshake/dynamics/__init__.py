"""Coupled dynamics: atoms (LAMMPS velocity Verlet) and continuum (central differences) in lockstep."""

from .methods import DYNAMICS_METHODS, DynamicsMethod, dynamics_method
from .strip import AtomisticStrip, CoupledStrip, fcc_strip
from .time_coupling import KB_EV_PER_K, CoupledDynamics, gather_rows, slot_map
from .waves import WavePacket, difference_energy_eV

__all__ = ["AtomisticStrip", "CoupledDynamics", "CoupledStrip", "DYNAMICS_METHODS", "DynamicsMethod",
           "KB_EV_PER_K", "WavePacket", "difference_energy_eV", "dynamics_method", "fcc_strip", "gather_rows",
           "slot_map"]

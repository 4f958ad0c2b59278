"""Coupled dynamics of a thermalised Cu strip with a Langevin band; run serially and under
``mpiexec -n 2`` (LAMMPS splits the strip along x, so the handshake, the pad and the band
sit on different ranks than most of the atoms).

Usage: python coupled_strip_dynamics.py METHOD STEPS OUT.npz
"""

import sys

from mpi4py import MPI

import numpy as np

from handshake.dynamics import CoupledStrip, WavePacket
from handshake.dynamics.damping import LangevinBand, stadium_ramp

method, steps, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with CoupledStrip("Cu_mishin1", 60, 4, 60, method=method) as strip:
    free = strip.region.group_ids("free")
    edge = (strip.n_wall + 60 - 0.5) * strip.spacing_A
    depth = edge - strip.x_A[free - 1]
    band = LangevinBand(strip.region, free[depth < 20], stadium_ramp(depth[depth < 20], 20.0, 5.0), strip.timestep_ps,
                        temperature_K=50.0, seed=3, filter_ids=free[depth < 32], filter_width_A=4.0, axes=(0,))
    strip.dynamics.add_observer(band)
    strip.region.thermalize(50.0, seed=5, group="free")
    packet = WavePacket((strip.n_wall + 30) * strip.spacing_A, 16.0, 36.0, 0.01, strip.wave_speed_A_per_ps)
    strip.impose(packet.displacement, packet.velocity)
    strip.run(steps)
    u = strip.region.gather_displacements()
    v = strip.region.gather_velocities()
    u_nodes = strip.dynamics.u.copy()
    energy = strip.energy_eV()["total"]
if MPI.COMM_WORLD.rank == 0:
    np.savez(out, u=u, v=v, u_nodes=u_nodes, energy=energy, ranks=MPI.COMM_WORLD.size)

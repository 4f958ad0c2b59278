"""Relax a small coupled edge dislocation in Cu; run serially and under ``mpiexec -n 2``.

Usage: python coupled_dislocation.py METHOD[/MINIMISER] FMAX OUT.npz
"""

import sys

from mpi4py import MPI

import numpy as np

from handshake.coupling import CoupledGeometry, CoupledModel

(method, _, minimiser), fmax, out = sys.argv[1].partition("/"), float(sys.argv[2]), sys.argv[3]
model = CoupledModel("Cu_mishin1", [[1, -1, 0], [1, 1, 1], [-1, -1, 2]],
                     CoupledGeometry(atomistic_radius_A=16.0, handshake_width_A=4.0, outer_radius_A=45.0),
                     method=method, minimiser=minimiser or None)
model.apply(model.dislocation([0.5, -0.5, 0.0]))
result = model.relax(fmax)
u = model.displacements()
u_nodes = model.continuum_displacements()
model.close()
if MPI.COMM_WORLD.rank == 0:
    np.savez(out, u=u, u_nodes=u_nodes, converged=result.converged,
             residual=result.max_residual_force_eV_per_A, ranks=MPI.COMM_WORLD.size)

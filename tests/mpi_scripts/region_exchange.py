"""Exercise AtomisticRegion's id-keyed exchange; run serially and under ``mpiexec -n 2``.

Usage: python region_exchange.py OUT.npz

Writes, on rank 0, everything the test compares between 1 and 2 ranks: energy and
forces by atom id, the external forces recovered by id after many re-sorts, pad-atom
positions after an MD run driven by an observer, and how often the id maps were rebuilt.
"""

import sys

from mpi4py import MPI

import numpy as np
from ase.build import bulk

from handshake.atomistic import AtomisticRegion

comm = MPI.COMM_WORLD
atoms = bulk("Cu", "fcc", a=3.615, cubic=True).repeat((5, 5, 6))
atoms.rattle(0.05, seed=7)
n = len(atoms)
rng = np.random.default_rng(3)
X = atoms.positions.copy()
pad_ids = np.flatnonzero(X[:, 2] > X[:, 2].max() - 4.0) + 1
ext_ids = rng.choice(np.setdiff1d(np.arange(1, n + 1), pad_ids), size=n // 20, replace=False)
ext_forces = rng.normal(scale=0.05, size=(ext_ids.size, 3))


def pad_displacement(step: int) -> np.ndarray:
    """Prescribed pad displacement at an MD step: a small oscillating shear, Å."""
    strain = 0.01 * np.sin(0.05 * step)
    return np.outer(X[pad_ids - 1, 2], [strain, 0.0, 0.0])


region = AtomisticRegion(atoms, "Cu_mishin1", comm=comm, groups={"pad": pad_ids})
# re-neighbour and sort every step, so the local order of atoms changes all the time
region.command("neigh_modify every 1 delay 0 check no\natom_modify sort 1 2.0")

e0 = region.compute()
f0 = region.gather_forces()

remaps = {"count": 0}
original_refresh = region._refresh_maps


def counting_refresh(tags):
    remaps["count"] += 1
    original_refresh(tags)


region._refresh_maps = counting_refresh


def drive_pad(step):
    local = step.local_indices("pad")
    pad_index = np.searchsorted(pad_ids, step.ids[local])
    step.set_displacements(local, pad_displacement(step.step)[pad_index])
    # forces on the (fixed) pad leave the dynamics alone but exercise the reset of the
    # rows written last step while atoms migrate between ranks
    step.add_forces(local, np.full((local.size, 3), 0.01))


region.set_external_forces(ext_ids, ext_forces)
region.thermalize(300.0, seed=12345)
region.set_velocities(pad_ids, np.zeros(3))
region.attach(drive_pad)
nsteps = 60
region.run(nsteps, timestep_ps=0.002, fixed=("pad",))
positions = region.gather_positions()
displacements = region.gather_displacements()
region.detach_all()

e_with = region.compute()
f_with = region.gather_forces()
region.set_external_forces(np.array([], dtype=int), np.zeros((0, 3)))
region.compute()
f_without = region.gather_forces()
recovered = (f_with - f_without)[ext_ids - 1]
others = np.delete(f_with - f_without, ext_ids - 1, axis=0)
total_remaps = comm.allreduce(remaps["count"])
region.close()

if comm.rank == 0:
    np.savez(sys.argv[1], energy=e0, forces=f0, positions=positions, displacements=displacements,
             pad_ids=pad_ids, expected_pad_u=pad_displacement(nsteps), ext_forces=ext_forces,
             recovered=recovered, others=others, remaps=total_remaps, ranks=comm.size)

"""Per-step cost of the engine's callback exchange relative to a bare LAMMPS run.

A ≥10⁵-atom EAM Cu block (Cu_mishin1, 300 K, NVE) is run twice in the same process:
once bare (no ``fix external``) and once through :class:`AtomisticRegion` with an
observer that, every step, reads the positions of a "handshake" layer (~5 % of the
atoms), writes the positions of a "pad" layer (~5 %) and adds external forces on the
handshake layer. Pad atoms are not integrated in either run. Runs alternate and the
fastest of ``--repeats`` is kept, so the ratio is measured on the same machine state.

Usage::

    python benchmarks/engine_overhead.py            # 1 and 2 ranks, prints the table
    python benchmarks/engine_overhead.py --ranks 1  # one rank count
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path


def worker(cells: int, steps: int, repeats: int) -> None:
    from mpi4py import MPI

    import numpy as np
    from ase.build import bulk

    from handshake.atomistic import AtomisticRegion

    comm = MPI.COMM_WORLD
    atoms = bulk("Cu", "fcc", a=3.615, cubic=True).repeat((cells, cells, cells))
    z = atoms.positions[:, 2]
    top = z.max()
    pad = np.flatnonzero(z > top - 0.05 * cells * 3.615 + 0.1) + 1            # ~5 % of atoms
    handshake = np.flatnonzero((z <= top - 0.05 * cells * 3.615 + 0.1) &
                               (z > top - 0.10 * cells * 3.615 + 0.1)) + 1   # next ~5 %
    groups = {"pad": pad, "handshake": handshake}

    def drive(step):
        hs = step.local_indices("handshake")
        pd = step.local_indices("pad")
        seen = step.x[hs].copy()                          # read handshake positions
        u = np.zeros((pd.size, 3))
        u[:, 0] = 1e-4 * np.sin(1e-2 * step.step)
        step.set_displacements(pd, u)                     # write pad positions
        step.add_forces(hs, 1e-3 * (seen - seen.mean(axis=0)))  # external forces

    timings = {"bare": [], "coupled": []}
    bare = AtomisticRegion(atoms, "Cu_mishin1", comm=comm, groups=groups)
    bare.command("unfix hs_external")
    coupled = AtomisticRegion(atoms, "Cu_mishin1", comm=comm, groups=groups)
    coupled.attach(drive)
    for region in (bare, coupled):
        region.thermalize(300.0, seed=4928)
        region.run(20, fixed=("pad",))                    # warm-up, neighbour lists built
    for _ in range(repeats):
        for name, region in (("bare", bare), ("coupled", coupled)):
            comm.Barrier()
            start = time.perf_counter()
            region.run(steps, fixed=("pad",))
            comm.Barrier()
            timings[name].append((time.perf_counter() - start) / steps)
    natoms = bare.natoms
    bare.close()
    coupled.close()
    if comm.rank == 0:
        t_bare, t_coupled = min(timings["bare"]), min(timings["coupled"])
        print(json.dumps({"ranks": comm.size, "atoms": natoms, "pad_atoms": int(pad.size),
                          "handshake_atoms": int(handshake.size), "bare_ms_per_step": 1e3 * t_bare,
                          "coupled_ms_per_step": 1e3 * t_coupled,
                          "overhead_percent": 100 * (t_coupled / t_bare - 1)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ranks", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--cells", type=int, default=30, help="fcc cells per edge (30 → 108 000 atoms)")
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.cells, args.steps, args.repeats)
        return
    mpiexec = Path(sys.executable).parent / "mpiexec"
    rows = []
    for n in args.ranks:
        cmd = [str(mpiexec), "-n", str(n), sys.executable, __file__, "--worker",
               "--cells", str(args.cells), "--steps", str(args.steps), "--repeats", str(args.repeats)]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
    print(f"engine exchange overhead, EAM Cu, {rows[0]['atoms']} atoms "
          f"({rows[0]['handshake_atoms']} handshake read + forced, {rows[0]['pad_atoms']} pad written per step)")
    print(f"{'ranks':>5} {'bare ms/step':>13} {'coupled ms/step':>16} {'overhead':>9}")
    for r in rows:
        print(f"{r['ranks']:>5} {r['bare_ms_per_step']:>13.2f} {r['coupled_ms_per_step']:>16.2f} "
              f"{r['overhead_percent']:>8.1f}%")


if __name__ == "__main__":
    main()

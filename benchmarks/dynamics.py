"""Per-step cost of coupled dynamics relative to a bare LAMMPS run of the same atoms.

A quasi-2D coupled model of Cu (Cu_mishin1, orientation [1-10] [111] [-1-12], one period
thick along z) with ≥ 10⁵ atoms in a graded mesh of ≥ 10⁴ nodes, at 300 K, is run twice in
the same process:

- bare: the same atoms in a second LAMMPS instance without ``fix external`` (NVE of the
  free atoms, pad atoms not integrated);
- coupled: :class:`~handshake.dynamics.CoupledDynamics` with the dynamics method of
  ``--method`` (default the force coupling) — every step the handshake displacements are
  gathered, the continuum takes one central-difference step (K u over the whole mesh) and
  the pad atoms are moved; the bridging domain method (``--method bdm``) also gathers the
  zone atoms' velocities and forces and solves for the Lagrange multipliers (one sparse
  back-substitution).

Runs alternate; the fastest of ``--repeats`` is kept, so the ratio is measured on the same
machine state. The time spent inside the exchange (gather, continuum step, pad update; on
rank 0) is also timed directly, which is less sensitive to other load on the machine.

Usage::

    python benchmarks/dynamics.py                 # 1 and 2 ranks
    python benchmarks/dynamics.py --ranks 1 --radius 120   # a quick small run
    python benchmarks/dynamics.py --method force bdm       # both methods, same machine state
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path


def worker(radius_A: float, steps: int, repeats: int, method: str) -> None:
    from mpi4py import MPI

    from handshake.atomistic import AtomisticRegion
    from handshake.coupling import CoupledGeometry, CoupledModel
    from handshake.coupling.geometry import PAD, build_cluster
    from handshake.dynamics.slab import slab_dynamics

    comm = MPI.COMM_WORLD
    geometry = CoupledGeometry(atomistic_radius_A=radius_A, handshake_width_A=4.0, outer_radius_A=2.0 * radius_A)
    model = CoupledModel("Cu_mishin1", [[1, -1, 0], [1, 1, 1], [-1, -1, 2]], geometry, comm=comm)
    dynamics = slab_dynamics(model, timestep_ps=0.002, method=method)
    atoms, region_of_atom, _ = build_cluster(model.crystal, model.geometry)
    pad = model.atomistic.group_ids("pad")
    assert (region_of_atom[pad - 1] == PAD).all()
    bare = AtomisticRegion(atoms, model.potential, comm=comm, groups={"pad": pad})
    bare.command("unfix hs_external")
    for region in (bare, model.atomistic):
        region.thermalize(300.0, seed=4928, group="free" if region is model.atomistic else "all")
    bare.run(10, timestep_ps=0.002, fixed=("pad",))
    dynamics.run(10)
    timings = {"bare": [], "coupled": []}
    exchange = []
    for _ in range(repeats):
        for name, run in (("bare", lambda: bare.run(steps, timestep_ps=0.002, fixed=("pad",))),
                          ("coupled", lambda: dynamics.run(steps))):
            comm.Barrier()
            start = time.perf_counter()
            before = dynamics.exchange_seconds
            run()
            if name == "coupled":
                exchange.append((dynamics.exchange_seconds - before) / steps)
            comm.Barrier()
            timings[name].append((time.perf_counter() - start) / steps)
    natoms, nodes = bare.natoms, model.zone.mesh.n_nodes
    hs = model.atomistic.group_ids("handshake").size
    bare.close()
    model.close()
    if comm.rank == 0:
        t_bare, t_coupled = min(timings["bare"]), min(timings["coupled"])
        print(json.dumps({"method": method, "ranks": comm.size, "atoms": natoms, "nodes": nodes, "pad_atoms": int(pad.size),
                          "handshake_atoms": int(hs), "bare_ms_per_step": 1e3 * t_bare,
                          "coupled_ms_per_step": 1e3 * t_coupled, "ratio": t_coupled / t_bare,
                          "coupled_steps_per_s": 1.0 / t_coupled,
                          "exchange_ms_per_step": 1e3 * min(exchange),
                          "exchange_over_bare": min(exchange) / t_bare}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ranks", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--radius", type=float, default=290.0, help="atomistic radius, Å (290 → ~1.1e5 atoms)")
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--method", nargs="*", default=["force"],
                        help="dynamics methods to time (names in handshake.dynamics.DYNAMICS_METHODS)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.radius, args.steps, args.repeats, args.method[0])
        return
    from handshake.dynamics import DYNAMICS_METHODS

    unknown = [m for m in args.method if m not in DYNAMICS_METHODS]
    if unknown:
        parser.error(f"--method: unknown {', '.join(unknown)}; known: {', '.join(sorted(DYNAMICS_METHODS))}")
    mpiexec = Path(sys.executable).parent / "mpiexec"
    rows = []
    for method in args.method:
        for n in args.ranks:
            cmd = [str(mpiexec), "-n", str(n), sys.executable, __file__, "--worker", "--radius", str(args.radius),
                   "--steps", str(args.steps), "--repeats", str(args.repeats), "--method", method]
            out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
            rows.append(json.loads(out.strip().splitlines()[-1]))
    r0 = rows[0]
    print(f"coupled dynamics, EAM Cu, {r0['atoms']} atoms ({r0['handshake_atoms']} handshake, "
          f"{r0['pad_atoms']} pad), mesh of {r0['nodes']} nodes, continuum stepped every MD step")
    print(f"{'method':>7} {'ranks':>5} {'bare ms/step':>13} {'coupled ms/step':>16} {'ratio':>7} {'coupled steps/s':>16} "
          f"{'exchange ms/step':>17} {'exchange/bare':>14}")
    for r in rows:
        print(f"{r['method']:>7} {r['ranks']:>5} {r['bare_ms_per_step']:>13.2f} {r['coupled_ms_per_step']:>16.2f} "
              f"{r['ratio']:>7.3f} {r['coupled_steps_per_s']:>16.2f} {r['exchange_ms_per_step']:>17.2f} "
              f"{r['exchange_over_bare']:>14.3f}")


if __name__ == "__main__":
    main()

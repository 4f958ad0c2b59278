"""Coupled statics of a crack: the cost of a K step against what a user would run instead.

The crack of ``scenarios/crack_W_100.toml``: W (Zhou EAM), (100) cleavage plane, front along
[011], R_a = 30 Å, handshake 5 Å, continuum to 400 Å, force-based coupling. Everything
printed is measured in the same run; nothing is hard-coded.

1. **K step vs LAMMPS CG on the same atoms.** The crack is ramped (fmax 1e-3 eV/Å) to just
   below the K of each measured step and relaxed to 1e-6 eV/Å; the measured step imposes
   K + 0.05 MPa·m^½ (every atom moved by the change of the K-field) and is then relaxed
   (a) by LAMMPS CG (``min_style cg``, ``min_modify norm max``, etol 0) with the pad atoms
   held where the step put them, and (b) by the coupled model (``model.relax``) with
   each minimiser of the force method (LAMMPS's FIRE, the default, and preconditioned
   FIRE), all from that same start, at fmax 1e-3, 1e-4 and 1e-6 eV/Å. The ratio (b)/(a)
   is what issue 16 asks to bring to ≤ 1.5. LAMMPS's timing breakdown of (b) gives the
   time spent outside the potential (``Modify``: the exchange with the continuum and,
   preconditioned, the solver's step) against the potential itself (``Pair``).
2. **Coupled ramp vs a plain fully atomistic CG ramp.** The same K ramp (1.6 to 2.2
   MPa·m^½ in steps of 0.05, fmax 1e-3 eV/Å) on the coupled model (each minimiser) and on a fully atomistic
   disc of radius 100 Å whose outer shell (one pad width) is held on the K-field, relaxed
   by LAMMPS CG from the previous step plus the increment (what a plain LAMMPS script
   does). Printed: wall time per K step of each, their ratio, and K+ of each.

Usage::

    python benchmarks/statics_crack.py              # 1 and 2 ranks
    python benchmarks/statics_crack.py --ranks 1
"""

from __future__ import annotations

import argparse
import json
import os
import re
import tempfile
import time
from pathlib import Path

import numpy as np

from statics import _Logged, run_worker

from handshake.coupling.methods.force import MINIMISERS

POTENTIAL = "W_zhou"
ORIENTATION = [[0, -1, 1], [1, 0, 0], [0, 1, 1]]
STEP_K = 0.05                     # MPa m^1/2
MEASURED_K = [1.65, 2.0]          # below K+ and the step across it
TOLERANCES = [1e-3, 1e-4, 1e-6]   # eV/Å
RAMP = np.round(np.arange(1.6, 2.2 + 1e-9, STEP_K), 3)
DISC_RADIUS_A = 100.0


def timing_totals(path: Path) -> dict:
    """LAMMPS's Pair and Modify times (s, averaged over ranks) summed over every run of a
    log: the coupled relaxation is one ``run`` driven from the force callback plus the
    ``run 0`` that checks its residual."""
    text = path.read_text() if path.exists() else ""
    return {f"{name.lower()}_s": sum(float(m) for m in re.findall(
        rf"^{name}\s*\|\s*[\d.eE+-]+\s*\|\s*([\d.eE+-]+)", text, re.M)) for name in ("Pair", "Modify")}


def coupled_model(comm):
    from handshake.coupling import CoupledGeometry, CoupledModel

    return CoupledModel(POTENTIAL, ORIENTATION, CoupledGeometry(30.0, 5.0, 400.0, crack=True), comm=comm)


def step_costs(logdir: str, comm) -> list[dict]:
    """Part 1: each measured K step relaxed by bare CG and by the coupled model."""
    model = coupled_model(comm)
    region = model.atomistic
    ids = np.arange(1, model.n_atoms + 1)
    rows = []
    K_done = None
    for K in MEASURED_K:
        for K_prep in np.round(np.arange(RAMP[0] if K_done is None else K_done + STEP_K, K - STEP_K + 1e-9,
                                         STEP_K), 3):
            model.apply(model.k_field(K_prep))
            model.relax(1e-3, 100000)
        model.relax(1e-6, 100000)
        model.apply(model.k_field(K))
        start = region.gather_displacements()
        for fmax in TOLERANCES:
            region.set_displacements(ids, start)
            with _Logged(region, logdir, "bare") as bare:
                t = time.perf_counter()
                bare_result = region.minimize(fmax, 100000, style="cg", fixed=("pad",))
                bare_s = time.perf_counter() - t
            row = {"K": float(K), "fmax": fmax, "bare_s": bare_s, "bare_converged": bare_result.converged,
                   "bare": bare.stats}
            for minimiser in MINIMISERS:
                model.method.minimiser = minimiser
                region.set_displacements(ids, start)
                with _Logged(region, logdir, minimiser) as coupled:
                    t = time.perf_counter()
                    result = model.relax(fmax, 100000)
                    row[minimiser] = {"s": time.perf_counter() - t, "converged": result.converged,
                                      "evaluations": result.iterations, **timing_totals(coupled.path)}
            model.method.minimiser = MINIMISERS[0]
            rows.append(row)
        K_done = K
    model.close()
    return rows


def ramps(comm) -> dict:
    """Part 2: the coupled ramp and the plain fully atomistic CG ramp, step by step."""
    from handshake.coupling.reference import FullyAtomisticModel
    from handshake.fracture.ramp import QuasiStaticKRamp

    out = {}
    for minimiser in MINIMISERS:
        with coupled_model(comm) as coupled:
            coupled.method.minimiser = minimiser
            models = [(f"coupled, {minimiser}", coupled)]
            if minimiser == MINIMISERS[0]:
                models.append(("fully atomistic", FullyAtomisticModel(coupled, DISC_RADIUS_A)))
            for label, model in models:
                ramp = QuasiStaticKRamp(model, fmax_eV_per_A=1e-3, max_iterations=100000)
                result = ramp.run(loading=RAMP)
                out[label] = {"atoms": model.n_atoms, "K_plus": result.K_plus_MPa_sqrt_m,
                              "step_s": [s.wall_time_s for s in result.steps],
                              "iterations": [s.iterations for s in result.steps]}
                if model is not coupled:
                    model.close()
    return out


def worker(args) -> None:
    from mpi4py import MPI

    comm = MPI.COMM_WORLD
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as logdir:
        logdir = comm.bcast(logdir)
        out = {"ranks": comm.size}
        if "step" in args.parts:
            out["step"] = step_costs(logdir, comm)
        if "ramp" in args.parts:
            out["ramp"] = ramps(comm)
    out["wall_s"] = time.perf_counter() - start
    if comm.rank == 0:
        print(json.dumps(out))


def report(result: dict) -> None:
    n = result["ranks"]
    if "step" in result:
        print(f"\n{n} rank(s): one K step (+{STEP_K} MPa m^1/2), coupled vs LAMMPS CG on the same atoms, pad held")
        print("  K      fmax    CG s (evals)   " + "   ".join(f"{m:>11s} s (evals) ratio  exchange" for m in MINIMISERS))
        for r in result["step"]:
            line = f"  {r['K']:.2f}  {r['fmax']:.0e}  {r['bare_s']:6.2f} ({r['bare'].get('evaluations', 0):4d})"
            converged = r["bare_converged"]
            for m in MINIMISERS:
                c = r[m]
                converged &= c["converged"]
                share = c["modify_s"] / c["pair_s"] if c["pair_s"] else float("nan")
                line += f"   {c['s']:13.2f} ({c['evaluations']:5d}) {c['s'] / r['bare_s']:5.2f}  {100 * share:5.1f} %"
            print(line + ("" if converged else "  (not converged)"))
    if "ramp" in result:
        f = result["ramp"]["fully atomistic"]
        tf = np.mean(f["step_s"])
        print(f"\n{n} rank(s): K ramp {RAMP[0]}-{RAMP[-1]} MPa m^1/2, fmax 1e-3 eV/Å, {len(RAMP)} steps")
        print(f"  fully atomistic LAMMPS CG, {DISC_RADIUS_A:.0f} Å disc ({f['atoms']} atoms): {tf:.2f} s per step, "
              f"K+ = {f['K_plus']}")
        for m in MINIMISERS:
            c = result["ramp"][f"coupled, {m}"]
            tc = np.mean(c["step_s"])
            print(f"  coupled, {m} ({c['atoms']} atoms): {tc:.2f} s per step, K+ = {c['K_plus']}; "
                  f"per step {tc / tf:.2f} of the fully atomistic one (issue 16 asks ≤ 0.33)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ranks", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--parts", nargs="*", default=["step", "ramp"], choices=["step", "ramp"])
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    print(f"coupled statics of the W (100)[011] crack ({POTENTIAL}); {os.cpu_count()} cores")
    total = time.perf_counter()
    for n in args.ranks:
        result = run_worker(__file__, n, ["--parts", *args.parts])
        report(result)
        print(f"  ({n} rank(s): {result['wall_s']:.0f} s)", flush=True)
    print(f"\ntotal wall time {time.perf_counter() - total:.0f} s")


if __name__ == "__main__":
    main()

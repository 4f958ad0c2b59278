"""Coupled statics of an edge dislocation in fcc: cost of a load step and accuracy per cost.

Edge dislocation b = a/2 [1-10] on (111), line along lab z = [-1-12], in Al (Zhou EAM,
``Al_zhou``, the set-up of ``scenarios/edge_dislocation_Al.toml``) or any fcc potential
given with ``--potential`` (e.g. ``Cu_mishin1``). Everything printed is measured in the
same run; nothing is hard-coded.

1. **Load step vs bare minimisation.** A coupled model of ~10⁴ atoms (free + pad). Time
   of one load step — ``model.apply(field)`` done, then ``model.relax(fmax)`` with the
   default force-based method (LAMMPS FIRE, pad forces from the condensed continuum at
   every evaluation) — against one plain LAMMPS CG minimisation of the same atoms from
   the same start (every atom at X + u_app) with the pad atoms held at the applied field
   (``region.minimize(fmax, style="cg", fixed=("pad",))``). Runs alternate and the
   fastest of ``--repeats`` is kept. A bare FIRE minimisation is timed as well, to
   separate the cost of FIRE from the cost of the coupling. LAMMPS' own timing
   breakdown (Pair = the EAM forces, Modify = the Python callback) and force-evaluation
   counts are read from a LAMMPS log of each run.
2. **Coupled vs fully atomistic.** Atomistic radii 30 and 40 Å in a domain of radius
   180 Å (area ≥ 20× the atomistic region's), compared with
   :func:`handshake.coupling.reference.compare_with_reference` to the fully atomistic
   relaxation of the whole domain. The reference is relaxed as the library does (CG,
   pad shell held at the far field) from scratch for every tolerance; when LAMMPS CG
   stops short of the tolerance ("linesearch alpha is zero", which happens near
   3·10⁻⁵ eV/Å for this 43 000-atom EAM system) it is continued with FIRE, and the
   reference time includes both. Rows for further atomistic radii (``--radii``) reuse
   the same reference solution (it depends on the outer radius only).

Usage::

    python benchmarks/statics.py                 # 1 and 2 ranks, default sizes
    python benchmarks/statics.py --ranks 1       # one rank count
    python benchmarks/statics.py --quick         # small sizes, smoke run
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

POTENTIAL = "Al_zhou"  # --potential
ORIENTATION = [[1, -1, 0], [1, 1, 1], [-1, -1, 2]]
BURGERS = [0.5, -0.5, 0.0]
HANDSHAKE_WIDTH_A = 4.0
MESH_GROWTH = 1.1  # as scenarios/edge_dislocation_Al.toml

DEFAULTS = {  # (load-step geometry, accuracy geometry, tolerances)
    "full": {"step_radius": 80.0, "step_outer": 800.0, "step_fmax": 1e-4,
             "acc_radii": [30.0, 40.0], "acc_outer": 180.0, "acc_fmax": [1e-4, 1e-5, 1e-6]},
    "quick": {"step_radius": 30.0, "step_outer": 300.0, "step_fmax": 1e-4,
              "acc_radii": [25.0], "acc_outer": 115.0, "acc_fmax": [1e-4]},
}

_SECTIONS = ("Pair", "Neigh", "Comm", "Modify", "Other")


# ---------------------------------------------------------------------------- helpers
def _lammps_log_stats(path: Path) -> dict:
    """Iterations, force evaluations, stopping criterion and the timing breakdown of the
    last ``minimize`` in a LAMMPS log (written by rank 0 only)."""
    text = path.read_text() if path.exists() else ""
    # the minimiser's block: from its statistics to the next run's "Loop time" (a
    # ``run 0`` may follow in the same log, with its own timing breakdown)
    start = text.rfind("Minimization stats")
    if start >= 0:
        end = text.find("Loop time", start)
        text = text[start:end if end >= 0 else len(text)]
    out: dict = {}
    m = re.findall(r"Stopping criterion = (.*)", text)
    if m:
        out["stop"] = m[-1].strip()
    m = re.findall(r"Iterations, force evaluations = (\d+) (\d+)", text)
    if m:
        out["iterations"], out["evaluations"] = map(int, m[-1])
    for name in _SECTIONS:
        m = re.findall(rf"^{name}\s*\|\s*([\d.eE+-]+)\s*\|\s*([\d.eE+-]+)\s*\|\s*([\d.eE+-]+)", text, re.M)
        if m:
            out[f"{name.lower()}_s"] = float(m[-1][1])          # average over ranks
    return out


class _Logged:
    """Context manager: LAMMPS log of one run into a temporary file, parsed at exit."""

    def __init__(self, region, directory: str, name: str):
        self.region, self.path = region, Path(directory) / f"{name}.log"
        self.stats: dict = {}

    def __enter__(self):
        self.region.command(f"log {self.path}")
        return self

    def __exit__(self, *exc):
        self.region.command("log none")
        self.stats = _lammps_log_stats(self.path) if self.region.comm.rank == 0 else {}


class _Timer:
    """Accumulated wall time and call count of a wrapped callable."""

    def __init__(self):
        self.calls, self.seconds = 0, 0.0

    def wrap(self, fn):
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start
                self.calls += 1
        return timed

    def reset(self):
        self.calls, self.seconds = 0, 0.0

    def ms_per_call(self) -> float:
        return 1e3 * self.seconds / max(self.calls, 1)


def _guard_stale_rows(region) -> None:
    """Work around a multi-rank bug of ``AtomisticRegion._exchange`` (handshake/atomistic/region.py):
    it zeroes the rows of ``fix external`` written at the previous call *before* checking
    whether the local atoms changed, so when atoms migrated between ranks (LAMMPS does so
    at the set-up of every ``run``/``minimize``) and this rank now owns fewer of them, a
    stale row index is out of bounds (IndexError, e.g. in the ``run 0`` that follows a
    coupled relaxation on 2 ranks). Marking the array dirty before each LAMMPS command
    list makes the first exchange zero all of it. A migration in the middle of a
    minimisation is not covered; the fix belongs in ``_exchange`` (refresh the maps
    first; zero the touched rows only if the local order is unchanged)."""
    original = region._lammps

    def guarded(commands):
        region._forces_dirty = True
        return original(commands)
    region._lammps = guarded


def _model(radius: float, outer: float, comm):
    from handshake.coupling import CoupledGeometry, CoupledModel

    model = CoupledModel(POTENTIAL, ORIENTATION, CoupledGeometry(radius, HANDSHAKE_WIDTH_A, outer, mesh_growth=MESH_GROWTH), comm=comm)
    if comm.size > 1:
        _guard_stale_rows(model.atomistic)
    return model, [model.dislocation(BURGERS)]


# ---------------------------------------------------------------------------- part 1
def load_step(radius: float, outer: float, fmax: float, repeats: int, logdir: str, comm) -> dict:
    model, fields = _model(radius, outer, comm)
    region = model.atomistic
    model.apply(*fields)
    continuum = model.zone.driven_by_atoms
    continuum.solve(model.applied_on_boundary * 0.0)          # factorise outside the timings

    # Instrument the force method through instance attributes (nothing in handshake/ changes):
    # the whole per-evaluation observer, and inside it the gather and the continuum solve.
    timers = {k: _Timer() for k in ("exchange", "gather", "solve", "residual", "final_check")}
    attach = region.attach
    region.attach = lambda observer, *a, **k: attach(timers["exchange"].wrap(observer), *a, **k)
    model.boundary_displacements = timers["gather"].wrap(model.boundary_displacements)
    continuum.solve = timers["solve"].wrap(continuum.solve)
    continuum.residual = timers["residual"].wrap(continuum.residual)
    model.max_residual_force = timers["final_check"].wrap(model.max_residual_force)

    runs = {"coupled": [], "bare_cg": [], "bare_fire": []}
    for rep in range(repeats):
        for name in runs:
            model.place_on_applied_field()                    # same start: X + u_app
            for t in timers.values():
                t.reset()
            comm.Barrier()
            with _Logged(region, logdir, f"{name}_{rep}") as log:
                start = time.perf_counter()
                if name == "coupled":
                    result = model.relax(fmax)
                    converged, residual, iterations = (result.converged, result.max_residual_force_eV_per_A,
                                                       result.iterations)
                else:
                    result = region.minimize(fmax, 20000, style=name[5:], fixed=("pad",))
                    converged, residual, iterations = (result.converged, result.max_force_eV_per_A,
                                                       result.iterations)
                comm.Barrier()
                elapsed = time.perf_counter() - start
            row = {"time_s": elapsed, "converged": converged, "residual": residual,
                   "iterations": iterations, **log.stats}
            if name == "coupled":
                row["timers"] = {k: {"calls": t.calls, "s": t.seconds} for k, t in timers.items()}
            runs[name].append(row)
    out = {"atoms": model.n_atoms, "free": int(region.group_ids("free").size),
           "pad": int(region.group_ids("pad").size), "nodes": model.zone.mesh.n_nodes,
           "radius": radius, "outer": outer, "fmax": fmax,
           **{name: min(rows, key=lambda r: r["time_s"]) for name, rows in runs.items()}}
    model.close()
    return out


# ---------------------------------------------------------------------------- part 2
def reference_solution(model, fields, fmax: float, logdir: str):
    """Like :func:`handshake.coupling.reference.solve_reference`, with a FIRE continuation
    when CG stops short of ``fmax``."""
    import numpy as np

    from handshake.coupling.reference import FullyAtomisticModel, ReferenceSolution

    reference = FullyAtomisticModel(model)
    region = reference.atomistic
    try:
        reference.apply(*fields)
        model.comm.Barrier()
        with _Logged(region, logdir, f"reference_cg_{fmax:g}") as cg_log:
            start = time.perf_counter()
            cg = region.minimize(fmax, 50000, style="cg", fixed=("shell",))   # = reference.relax
            cg_time = time.perf_counter() - start
        fire = None
        if not cg.converged:
            with _Logged(region, logdir, f"reference_fire_{fmax:g}"):
                fire = region.minimize(fmax, 50000, style="fire", fixed=("shell",))
        model.comm.Barrier()
        elapsed = time.perf_counter() - start
        u = reference.displacements()
        region.compute()
        energies = region.gather_energies()
    finally:
        reference.close()
    final = fire if fire is not None else cg
    info = {"cg_iterations": cg.iterations, "cg_time_s": cg_time, "cg_fmax": cg.max_force_eV_per_A,
            "cg_stop": cg_log.stats.get("stop", ""), "fire_iterations": fire.iterations if fire else 0,
            "fmax_reached": final.max_force_eV_per_A}
    return ReferenceSolution(reference.reference_positions, np.asarray(u), energies, elapsed,
                             final.converged), info


def accuracy(radii: list[float], outer: float, fmaxes: list[float], logdir: str, comm) -> list[dict]:
    from handshake.coupling.reference import compare_with_reference

    rows = []
    for fmax in fmaxes:
        solution = info = None
        for radius in radii:
            model, fields = _model(radius, outer, comm)
            try:
                if solution is None:                          # relax the reference once per fmax
                    solution, info = reference_solution(model, fields, fmax, logdir)
                comparison = compare_with_reference(model, fields, fmax, reference=solution)
            finally:
                model.close()
            rows.append({"fmax": fmax, "outer": outer, "area_ratio": (outer / radius) ** 2,
                         **comparison.to_dict(), "reference": info})
    return rows


# ---------------------------------------------------------------------------- driver
def worker(args) -> None:
    global POTENTIAL
    from mpi4py import MPI

    POTENTIAL = args.potential
    comm = MPI.COMM_WORLD
    sizes = DEFAULTS["quick" if args.quick else "full"]
    fmaxes = args.fmax or sizes["acc_fmax"]
    radii = args.radii or sizes["acc_radii"]
    logdir = tempfile.mkdtemp(prefix="hs_statics_") if comm.rank == 0 else None
    logdir = comm.bcast(logdir, root=0)
    out = {"ranks": comm.size, "load_average": os.getloadavg()[0]}
    start = time.perf_counter()
    if "step" in args.parts:
        out["step"] = load_step(sizes["step_radius"], sizes["step_outer"], sizes["step_fmax"],
                                args.repeats, logdir, comm)
    if "accuracy" in args.parts:
        out["accuracy"] = accuracy(radii, sizes["acc_outer"], fmaxes, logdir, comm)
    out["wall_s"] = time.perf_counter() - start
    if comm.rank == 0:
        print(json.dumps(out))


def _print_step(r: dict) -> None:
    s = r["step"]
    c, cg, fire = s["coupled"], s["bare_cg"], s["bare_fire"]
    print(f"\n[1] load step vs bare minimisation — {r['ranks']} rank(s), load average at start "
          f"{r['load_average']:.2f}")
    print(f"    {s['atoms']} atoms ({s['free']} free + {s['pad']} pad), {s['nodes']} nodes; "
          f"R_a = {s['radius']:g} Å, R_outer = {s['outer']:g} Å; fmax = {s['fmax']:g} eV/Å; "
          f"same start X + u_app; fastest of the repeats")
    print(f"    {'run':<34} {'time s':>7} {'iter':>6} {'f-evals':>7} {'ms/eval':>8} {'Pair s':>7} "
          f"{'Modify s':>8} {'residual':>9}  stop")
    for label, row in (("coupled load step (force, FIRE)", c), ("bare CG, pad fixed", cg),
                       ("bare FIRE, pad fixed (diagnostic)", fire)):
        evals = row.get("evaluations", 0)
        print(f"    {label:<34} {row['time_s']:>7.2f} {row['iterations']:>6} {evals:>7} "
              f"{1e3 * row['time_s'] / max(evals, 1):>8.2f} {row.get('pair_s', float('nan')):>7.2f} "
              f"{row.get('modify_s', float('nan')):>8.2f} {row['residual']:>9.2e}  {row.get('stop', '')}")
    ratio = c["time_s"] / cg["time_s"]
    print(f"    ratio coupled / bare CG = {ratio:.2f} (target ≤ 3: {'met' if ratio <= 3 else 'MISSED'}); "
          f"coupled / bare FIRE = {c['time_s'] / fire['time_s']:.2f}")
    t = c["timers"]
    ex, g, so, re_, fc = (t[k] for k in ("exchange", "gather", "solve", "residual", "final_check"))
    per = lambda x: 1e3 * x["s"] / max(x["calls"], 1)  # noqa: E731
    print(f"    coupled, per evaluation: exchange callback {per(ex):.2f} ms of which gather "
          f"{per(g):.2f} ms, continuum solve {per(so):.2f} ms, residual K·û {per(re_):.2f} ms "
          f"({ex['calls']} calls, {ex['s']:.2f} s = {100 * ex['s'] / c['time_s']:.0f} % of the step); "
          f"final residual check {fc['s']:.2f} s")


def _print_accuracy(r: dict) -> None:
    rows = r["accuracy"]
    print(f"\n[2] coupled vs fully atomistic — {r['ranks']} rank(s); domain radius {rows[0]['outer']:g} Å; "
          f"coupled = force method (FIRE); reference = CG (+ FIRE when CG stalls), shell at the far field")
    print(f"    {'fmax':>7} {'R_a':>4} {'area×':>5} {'atoms':>6} {'nodes':>6} {'ref atoms':>9} {'DOF ratio':>9} "
          f"{'coupled s':>9} {'ref s':>7} {'speedup':>7} {'max err Å':>9} {'rms err Å':>9} "
          f"{'resid':>8}  reference path")
    for x in rows:
        ref = x["reference"]
        path = f"CG {ref['cg_iterations']} it → {ref['cg_fmax']:.1e}"
        if ref["fire_iterations"]:
            path += f" ({ref['cg_stop']}), + FIRE {ref['fire_iterations']} it → {ref['fmax_reached']:.1e}"
        path += "" if x["reference_converged"] else "  NOT CONVERGED"
        print(f"    {x['fmax']:>7.0e} {x['atomistic_radius_A']:>4g} {x['area_ratio']:>5.1f} {x['coupled_atoms']:>6} "
              f"{x['coupled_nodes']:>6} {x['reference_atoms']:>9} {x['dof_ratio']:>9.2f} "
              f"{x['coupled_time_s']:>9.2f} {x['reference_time_s']:>7.2f} {x['speedup']:>7.1f} "
              f"{x['max_displacement_error_A']:>9.4f} {x['rms_displacement_error_A']:>9.4f} "
              f"{x['coupled_residual_eV_per_A']:>8.1e}  {path}")
    print("    targets: speedup ≥ 10, max error ≤ 0.02 Å (over the free atoms), with area ≥ 20×:")
    for x in rows:
        if x["area_ratio"] >= 20:
            ok = lambda good: "met" if good else "MISSED"  # noqa: E731
            print(f"      fmax {x['fmax']:.0e}, R_a {x['atomistic_radius_A']:g} Å: speedup "
                  f"{ok(x['speedup'] >= 10)}, error {ok(x['max_displacement_error_A'] <= 0.02)}")


def run_worker(script: str, ranks: int, forwarded: list[str]) -> dict:
    """Run ``script --worker *forwarded`` under ``mpiexec -n ranks``; its last line of
    output, parsed as JSON (the worker prints its results there on rank 0)."""
    mpiexec = Path(sys.executable).parent / "mpiexec"
    cmd = [str(mpiexec), "-n", str(ranks), sys.executable, script, "--worker", *forwarded]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"worker on {ranks} rank(s) failed (exit code {proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ranks", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--parts", nargs="*", default=["step", "accuracy"], choices=["step", "accuracy"])
    parser.add_argument("--repeats", type=int, default=2, help="load-step timings: keep the fastest")
    parser.add_argument("--fmax", type=float, nargs="*", help="tolerances of part 2, eV/Å")
    parser.add_argument("--radii", type=float, nargs="*", help="atomistic radii of part 2, Å")
    parser.add_argument("--potential", default=POTENTIAL, help="an fcc potential of the registry")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    forwarded = ["--parts", *args.parts, "--repeats", str(args.repeats), "--potential", args.potential]
    forwarded += ["--quick"] if args.quick else []
    forwarded += ["--fmax", *map(str, args.fmax)] if args.fmax else []
    forwarded += ["--radii", *map(str, args.radii)] if args.radii else []
    total = time.perf_counter()
    print(f"coupled statics, edge dislocation a/2[1-10](111) with {args.potential}, "
          f"{'quick' if args.quick else 'default'} sizes; {os.cpu_count()} cores")
    for n in args.ranks:
        result = run_worker(__file__, n, forwarded)
        if "step" in result:
            _print_step(result)
        if "accuracy" in result:
            _print_accuracy(result)
        print(f"    ({n} rank(s): {result['wall_s']:.0f} s)", flush=True)
    print(f"\ntotal wall time {time.perf_counter() - total:.0f} s")


if __name__ == "__main__":
    main()

"""Continuum benchmark: mesh generation, assembly, factorisation and solve times, peak memory.

Usage: ``python benchmarks/continuum.py [--quick]`` (``--quick`` skips the 5·10⁵-node mesh).
2D: graded disc with a slit and a triangular sub-lattice of nodes in the inner region,
K-field on the outer boundary, LU (MMD_AT_PLUS_A). 3D: graded box, AMG-CG (pyamg) or LU.
Peak memory is the process maximum resident set size so far (getrusage), so it only grows.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from handshake.continuum import (Constraints, Disc, KField, Material, StaticSolver, cubic_voigt, graded_box_mesh,
                                 graded_mesh_2d, stiffness_matrix)

CU = cubic_voigt(169.9, 122.6, 76.2)
CLEAVAGE = [[1, 1, -2], [1, 1, 1], [1, -1, 0]]


def peak_rss_GB() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2


def timed(fn, *args, **kwargs):
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t


def run_2d(inner_radius: float):
    mesh, t_mesh = timed(graded_mesh_2d, Disc((0, 0), 5000.0), Disc((0, 0), inner_radius), h0=2.556, growth=1.1,
                         atomistic=Disc((0, 0), 0.7 * inner_radius), slit=(0.0, 0.0))
    material = Material(CU, CLEAVAGE)
    K, t_asm = timed(stiffness_matrix, mesh, material)
    outer = mesh.node_sets["outer"]
    kf = KField(CU, CLEAVAGE, K_I=1.0)
    cons = Constraints(mesh.n_dofs, 2).prescribe(outer, kf.displacements(mesh.evaluation_points(outer)))
    solver, t_fac = timed(StaticSolver, K, cons, method="lu")
    _, t_sol = timed(solver.solve)
    u_new = np.zeros(mesh.n_dofs)
    _, t_sol2 = timed(solver.solve, None, u_new)
    return mesh.n_nodes, t_mesh, t_asm, t_fac, min(t_sol, t_sol2)


def run_3d(half: float):
    mesh, t_mesh = timed(graded_box_mesh, (-half,) * 3, (half,) * 3, (-16,) * 3, (16,) * 3, h0=2.556, growth=1.2)
    K, t_asm = timed(stiffness_matrix, mesh, Material(CU, CLEAVAGE))
    outer = mesh.node_sets["outer"]
    cons = Constraints(mesh.n_dofs, 3).prescribe(outer, 1e-3 * mesh.points[outer])
    solver, t_fac = timed(StaticSolver, K, cons, method="auto", points=mesh.points)
    _, t_sol = timed(solver.solve)
    return mesh.n_nodes, t_mesh, t_asm, t_fac, t_sol, solver.method, solver.iterations


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 5e5-node 2D mesh")
    args = parser.parse_args(argv)
    print(f"{'case':<10}{'nodes':>9}{'mesh s':>9}{'assemble s':>12}{'factor s':>10}{'solve s':>10}{'peak RSS GB':>13}")
    radii = [100.0, 400.0] + ([] if args.quick else [920.0])
    for r in radii:
        n, tm, ta, tf, ts = run_2d(r)
        print(f"{'2D':<10}{n:>9d}{tm:>9.2f}{ta:>12.2f}{tf:>10.2f}{ts:>10.3f}{peak_rss_GB():>13.2f}", flush=True)
    n, tm, ta, tf, ts, method, it = run_3d(400.0)
    print(f"{'3D ' + method:<10}{n:>9d}{tm:>9.2f}{ta:>12.2f}{tf:>10.2f}{ts:>10.3f}{peak_rss_GB():>13.2f}"
          f"  ({'setup = AMG hierarchy, ' if method == 'amg' else ''}{it} CG iterations)", flush=True)


if __name__ == "__main__":
    main()

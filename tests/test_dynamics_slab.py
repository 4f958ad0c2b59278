"""Coupled dynamics of a quasi-2D disc (CoupledModel, Cu_mishin1, R_a = 20 Å, mesh to 70 Å).

A radial Gaussian bump released from rest in the atomistic core spreads as a cylindrical
wave into the graded mesh and reflects at its clamped outer boundary. With the
energy-conserving coupling the total energy (atoms + continuum) must not drift: after
the release from rest it sits ~1e-4 below its initial value (velocity Verlet's O(Δt²)
offset for a pulse this sharp) and stays there within 1e-4.
"""

import numpy as np

from handshake.coupling import CoupledGeometry, CoupledModel
from handshake.dynamics.slab import slab_dynamics


def test_slab_energy_coupling_conserves_energy():
    geometry = CoupledGeometry(atomistic_radius_A=20.0, handshake_width_A=4.0, outer_radius_A=70.0)
    with CoupledModel("Cu_mishin1", [[1, -1, 0], [1, 1, 1], [-1, -1, 2]], geometry) as model:
        dynamics = slab_dynamics(model, method="energy")
        free = model.atomistic.group_ids("free")
        d = model.reference_positions[free - 1, :2] - model.centre
        r = np.linalg.norm(d, axis=1)
        u = np.zeros((free.size, 3))
        u[:, :2] = 0.01 * np.exp(-0.5 * (r / 6.0) ** 2)[:, None] * d / 6.0
        model.atomistic.set_displacements(free, u)
        dynamics.run(0)
        energies = [dynamics.total_energy_eV()]
        for _ in range(10):
            dynamics.run(200)
            energies.append(dynamics.total_energy_eV())
    total = np.array([e["total"] for e in energies])
    share = np.array([e["continuum_kinetic"] + e["continuum_strain"] for e in energies]) / total[0]
    drift = np.abs(total / total[0] - 1)
    print(f"\nslab, energy coupling, 2000 steps: E / E0 - 1 = " + " ".join(f"{x:.1e}" for x in total / total[0] - 1) + "; continuum share "
          + " ".join(f"{x:.2f}" for x in share))
    assert share.max() > 0.3          # the wave went into the mesh
    assert drift.max() <= 2e-4
    assert np.abs(total[1:] / total[1] - 1).max() <= 1e-4

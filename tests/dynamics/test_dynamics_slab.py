"""Coupled dynamics of a quasi-2D disc (CoupledModel, Cu_mishin1, R_a = 20 Å, mesh to 70 Å).

A radial Gaussian bump released from rest in the atomistic core spreads as a cylindrical
wave into the graded mesh and reflects at its clamped outer boundary. With the
energy-conserving coupling the total energy (atoms + continuum) must not drift: after
the release from rest it sits ~1e-4 below its initial value (velocity Verlet's O(Δt²)
offset for a pulse this sharp) and stays there within 1e-4.
"""

import numpy as np
import pytest

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


@pytest.mark.parametrize("method, handshake_width_A", [("force", 4.0), ("bdm", 8.0)])
def test_slab_wave_reflection_against_full_atomistics(method, handshake_width_A):
    """A radial Gaussian bump (σ = 8 Å) released in the core (R_a = 30 Å, mesh to 70 Å) against
    a fully atomistic disc of 70 Å held on a pad-wide shell: energy of the velocity difference
    in the core (r < R_a − w_h), per 100 steps, up to 700 steps — when the reference core is
    empty and before the wave reflected by the outer boundary is back. The bridging domain
    gets an 8 Å zone (its inner ring of atoms drives the mesh's inner edge, the rest is blended)."""
    from handshake.atomistic import AtomisticRegion
    from handshake.coupling.geometry import crystal_disc
    from handshake.dynamics import difference_energy_eV

    geometry = CoupledGeometry(atomistic_radius_A=30.0, handshake_width_A=handshake_width_A, outer_radius_A=70.0)
    with CoupledModel("Cu_mishin1", [[1, -1, 0], [1, 1, 1], [-1, -1, 2]], geometry) as model:
        dynamics = slab_dynamics(model, method=method)
        atoms, r = crystal_disc(model.crystal, model.centre, 70.0 + model.geometry.pad_width_A)
        assert np.allclose(atoms.positions[:model.n_atoms], model.reference_positions)
        inside = np.arange(1, len(atoms) + 1)[r < 70.0]

        def bump(X):
            d = X[:, :2] - model.centre
            u = np.zeros((len(X), 3))
            u[:, :2] = 0.01 * np.exp(-0.5 * (np.linalg.norm(d, axis=1) / 8.0) ** 2)[:, None] * d / 8.0
            return u

        with AtomisticRegion(atoms, model.potential, groups={"shell": np.flatnonzero(r >= 70.0) + 1}) as reference:
            reference.compute()
            perfect = reference.gather_energies()
            reference.set_displacements(inside, bump(atoms.positions[inside - 1]))
            reference.compute()
            incident = float(np.sum(reference.gather_energies() - perfect))
            free = model.atomistic.group_ids("free")
            model.atomistic.set_displacements(free, bump(model.reference_positions[free - 1]))
            core = np.flatnonzero(np.linalg.norm(model.reference_positions[:, :2] - model.centre, axis=1)
                                  < 30.0 - handshake_width_A) + 1
            masses = model.atomistic.masses_amu[core - 1]
            reflected, left = [], []
            for _ in range(7):
                dynamics.run(100)
                reference.run(100, timestep_ps=0.002, fixed=("shell",))
                v_ref = reference.gather_velocities()[core - 1]
                reflected.append(difference_energy_eV(masses, model.atomistic.gather_velocities()[core - 1], v_ref) / incident)
                left.append(difference_energy_eV(masses, v_ref, 0 * v_ref) / incident)
    print(f"\nslab, {method}, {handshake_width_A:g} Å handshake: reflected / incident " + " ".join(f"{x:.1e}" for x in reflected)
          + "\n  reference energy in the core / incident " + " ".join(f"{x:.1e}" for x in left))
    assert left[-1] < 1e-3            # the wave has left the core
    assert max(reflected) <= 0.01


@pytest.mark.parametrize("method", ["force", "bdm"])
def test_homogeneous_strain_is_an_equilibrium_of_the_dynamics(method):
    """Dynamic patch test: Cu at 1 % biaxial strain plus 0.5 % shear, applied as the model's
    far field, at rest. The elements carry û = u − u_app = 0, the pad sits on the exact
    strain, so nothing may move (force coupling and the bridging domain with forces scaled
    per particle: no ghost forces)."""
    geometry = CoupledGeometry(atomistic_radius_A=15.0, handshake_width_A=4.0, outer_radius_A=45.0)
    with CoupledModel("Cu_mishin1", [[1, -1, 0], [1, 1, 1], [-1, -1, 2]], geometry) as model:
        model.apply(model.homogeneous_strain([[0.01, 0.005, 0.0], [0.005, 0.01, 0.0], [0.0, 0.0, 0.0]]))
        dynamics = slab_dynamics(model, method=method)
        dynamics.run(300)
        v = model.atomistic.gather_velocities()
        u = model.atomistic.gather_displacements()
        applied = model.applied_displacements_atoms
    print(f"\n{method}: dynamic patch test, 300 steps: max |v| {np.abs(v).max():.1e} Å/ps, "
          f"max |u - u_app| {np.abs(u - applied).max():.1e} Å, max |û| {np.abs(dynamics.u).max():.1e} Å")
    assert np.abs(applied).max() > 0.1
    assert np.abs(v).max() < 1e-8
    assert np.abs(u - applied).max() < 1e-10

"""Langevin thermostat (γ = 5 /ps) on the free atoms of the coupled strip (Cu_mishin1, 300 K).

The temperature is measured from the atoms' kinetic energy, T = Σ m v² / (3 N k_B),
(8 atoms per (200) plane: 2 x 2 cubic cells across) every step in the callback (half-step velocities), averaged after 4 ps of equilibration
over 16 ps (8000 steps): in the core, and in the 20 free planes next to the pad where a
mismatched interface would heat up (or cool down) the atoms.
"""

import numpy as np
from handshake.continuum import EV_PER_A_AMU_TO_A_PER_PS2
from handshake.dynamics import KB_EV_PER_K, CoupledStrip
from handshake.dynamics.damping import LangevinBand

TARGET_K, N_FREE, GAMMA_PER_PS = 300.0, 60, 5.0


def test_free_atoms_reach_and_keep_the_target_temperature(method="force"):
    """The force-based coupling, which has no conserved energy, is where interface heating
    would show."""
    with CoupledStrip("Cu_mishin1", N_FREE, 4, 60, method=method, cross_cells=2) as strip:
        free = strip.region.group_ids("free")
        thermostat = LangevinBand(strip.region, free, GAMMA_PER_PS, strip.timestep_ps, temperature_K=TARGET_K, seed=7)
        strip.dynamics.add_observer(thermostat)
        interface = free[strip.plane[free - 1] >= strip.n_wall + N_FREE - 20]
        core = np.setdiff1d(free, interface)
        samples = {"core": [], "interface": []}
        masses = strip.masses_amu

        def measure(step):
            for name, ids in (("core", core), ("interface", interface)):
                mine = np.flatnonzero(np.isin(step.ids, ids))
                twice_kinetic = np.sum(masses[step.ids[mine] - 1, None] * step.v[mine] ** 2) / EV_PER_A_AMU_TO_A_PER_PS2
                total = strip.region.comm.allreduce(twice_kinetic)
                samples[name].append(total / (3 * ids.size * KB_EV_PER_K))

        strip.dynamics.add_observer(measure)
        strip.region.thermalize(2 * TARGET_K, seed=11, group="free")
        strip.run(10000)
    lines = []
    for name, series in samples.items():
        t = np.array(series[2000:])
        halves = t[: t.size // 2].mean(), t[t.size // 2:].mean()
        lines.append(f"{name}: {t.mean():.1f} K (halves {halves[0]:.1f}, {halves[1]:.1f} K)")
    print(f"\n{method}, target {TARGET_K} K: " + "; ".join(lines))
    for series in samples.values():
        t = np.array(series[2000:])
        halves = t[: t.size // 2].mean(), t[t.size // 2:].mean()
        assert abs(t.mean() / TARGET_K - 1) <= 0.02
        assert all(abs(h / TARGET_K - 1) <= 0.02 for h in halves)

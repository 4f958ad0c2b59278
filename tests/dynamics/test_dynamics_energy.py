"""NVE: total energy of the coupled strip (atoms + continuum kinetic and strain energy).

A thermal-free long-wave packet runs for 10⁴ steps of 2 fs through a short strip: it
crosses from the atoms into the continuum, reflects at the clamped end and crosses back,
several times. The run is sampled every 500 steps; a split run follows the same trajectory
as one long run (the continuum's look-ahead is rewound between runs).
"""

import numpy as np

from handshake.dynamics import CoupledStrip, WavePacket

N_FREE, N_CONTINUUM = 80, 80


def _energies(method, chunks=20, chunk=500):
    with CoupledStrip("Cu_mishin1", N_FREE, 4, N_CONTINUUM, method=method) as strip:
        h = strip.spacing_A
        packet = WavePacket(centre_A=(strip.n_wall + 0.5 * N_FREE) * h, width_A=16.0,
                            wavelength_A=10 * strip.a0_A, amplitude_A=0.002,
                            speed_A_per_ps=strip.wave_speed_A_per_ps)
        strip.impose(packet.displacement, packet.velocity)
        strip.run(0)
        energies = [strip.energy_eV()]
        for _ in range(chunks):
            strip.run(chunk)
            energies.append(strip.energy_eV())
    return energies


def test_energy_coupling_conserves_total_energy_over_1e4_steps():
    energies = _energies("energy")
    total = np.array([e["total"] for e in energies])
    drift = np.abs(total - total[0]) / total[0]
    continuum_share = np.array([e["continuum_kinetic"] + e["continuum_strain"] for e in energies]) / total[0]
    print(f"\nenergy coupling, 1e4 steps: max |E - E0| / E0 = {drift.max():.2e}; "
          f"continuum share of the energy over time: {' '.join(f'{s:.2f}' for s in continuum_share)}")
    assert continuum_share.max() > 0.9 and continuum_share.min() < 0.1   # the wave really crossed, both ways
    assert drift.max() <= 1e-4


"""Plane waves crossing from the atoms into the continuum (quasi-1D Cu strip, Cu_mishin1).

The reflected energy is measured against a fully atomistic strip of the same length run
from the same initial state: whatever the coupled run has in the core atoms and the
reference has not is the wave the interface sent back (twice its kinetic energy, as for
any travelling wave). The incident energy is the reference's total energy.
"""

import numpy as np
import pytest

from handshake.dynamics import AtomisticStrip, CoupledStrip, WavePacket, difference_energy_eV

POTENTIAL = "Cu_mishin1"
N_FREE, N_HANDSHAKE, N_CONTINUUM = 160, 4, 200
CHUNK, CHUNKS = 250, 16          # 4000 steps of 2 fs
N_PAD = 7                        # two interaction ranges (5.51 Å) of (200) planes


def _packet(strip, wavelength_a0):
    h = strip.spacing_A
    start, interface = strip.n_wall * h, (strip.n_wall + N_FREE) * h
    return WavePacket(centre_A=0.5 * (start + interface), width_A=24.0, wavelength_A=wavelength_a0 * strip.a0_A,
                      amplitude_A=0.002, speed_A_per_ps=strip.wave_speed_A_per_ps)


def _core_ids(strip):
    return np.flatnonzero((strip.plane >= strip.n_wall) & (strip.plane < strip.n_wall + N_FREE - N_HANDSHAKE)) + 1


@pytest.fixture(scope="module")
def reference_long_wave():
    """Velocities of the core atoms of the fully atomistic strip after every chunk."""
    with AtomisticStrip(POTENTIAL, N_FREE + N_PAD + N_CONTINUUM) as strip:
        packet = _packet(strip, 10)
        strip.impose(packet.displacement, packet.velocity)
        strip.run(0)
        incident = strip.energy_eV()["total"]
        ids = _core_ids(strip)
        velocities = []
        for _ in range(CHUNKS):
            strip.run(CHUNK)
            velocities.append(strip.velocities(ids))
    return incident, ids, velocities


@pytest.mark.parametrize("method", ["force", "energy"])
def test_long_wave_reflection_below_one_percent(reference_long_wave, method):
    """λ = 10 a0 (20 plane spacings), σ = 24 Å: reflected energy ≤ 1 % of the incident."""
    incident, ids, reference = reference_long_wave
    with CoupledStrip(POTENTIAL, N_FREE, N_HANDSHAKE, N_CONTINUUM, method=method) as strip:
        assert strip.n_pad == N_PAD    # same length as the reference
        packet = _packet(strip, 10)
        strip.impose(packet.displacement, packet.velocity)
        masses = strip.masses_amu[ids - 1]
        reflected = []
        for k in range(CHUNKS):
            strip.run(CHUNK)
            reflected.append(difference_energy_eV(masses, strip.velocities(ids), reference[k]) / incident)
        in_continuum = strip.dynamics.continuum_energy_eV()
    # the packet has left the core (reference) and the continuum holds the transmitted wave
    ref_left = difference_energy_eV(masses, reference[-1], 0 * reference[-1]) / incident
    print(f"\n{method}: reflected energy / incident, per {CHUNK} steps: "
          + " ".join(f"{r:.1e}" for r in reflected)
          + f"\n  reference energy left in the core: {ref_left:.1e}; continuum energy / incident "
          f"{sum(in_continuum) / incident:.4f}")
    assert ref_left < 1e-4
    assert sum(in_continuum) / incident > 0.95
    assert max(reflected) <= 0.01

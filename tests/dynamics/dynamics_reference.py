"""Shared set-up of the wave tests: a Cu strip, a wave packet in its core, and the energy the
coupled run reflects, measured against the fully atomistic strip of the same length."""

import numpy as np

from handshake.dynamics import AtomisticStrip, CoupledStrip, WavePacket, difference_energy_eV

POTENTIAL = "Cu_mishin1"
N_FREE, N_HANDSHAKE, N_CONTINUUM = 160, 4, 200
N_PAD = 7                        # two interaction ranges (5.51 Å) of (200) planes
CHUNK = 250                      # steps of 2 fs between samples


def packet(strip, wavelength_a0: float) -> WavePacket:
    """σ = 24 Å packet of carrier wavelength ``wavelength_a0`` a0, centred in the core."""
    h = strip.spacing_A
    start, interface = strip.n_wall * h, (strip.n_wall + N_FREE) * h
    return WavePacket(centre_A=0.5 * (start + interface), width_A=24.0, wavelength_A=wavelength_a0 * strip.a0_A,
                      amplitude_A=0.002, speed_A_per_ps=strip.wave_speed_A_per_ps)


def core_ids(strip) -> np.ndarray:
    """Free atoms outside the handshake zone (identical ids in both strips)."""
    return np.flatnonzero((strip.plane >= strip.n_wall) & (strip.plane < strip.n_wall + N_FREE - N_HANDSHAKE)) + 1


def reference_run(wavelength_a0: float, chunks: int):
    """Incident energy (eV), core ids and the core velocities of the fully atomistic strip
    after every chunk."""
    with AtomisticStrip(POTENTIAL, N_FREE + N_PAD + N_CONTINUUM) as strip:
        p = packet(strip, wavelength_a0)
        strip.impose(p.displacement, p.velocity)
        strip.run(0)
        incident = strip.energy_eV()["total"]
        ids = core_ids(strip)
        velocities = []
        for _ in range(chunks):
            strip.run(CHUNK)
            velocities.append(strip.velocities(ids))
    return incident, ids, velocities


def reflected_fractions(strip: CoupledStrip, wavelength_a0: float, reference) -> list[float]:
    """Reflected / incident energy after every chunk of the coupled run."""
    incident, ids, velocities = reference
    assert strip.n_pad == N_PAD    # same length as the reference
    p = packet(strip, wavelength_a0)
    strip.impose(p.displacement, p.velocity)
    masses = strip.masses_amu[ids - 1]
    out = []
    for v_ref in velocities:
        strip.run(CHUNK)
        out.append(difference_energy_eV(masses, strip.velocities(ids), v_ref) / incident)
    return out

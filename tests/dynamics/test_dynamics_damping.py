"""Stadium damping band for waves the mesh cannot carry (quasi-1D Cu strip, Cu_mishin1).

Beyond 10 fine element columns the mesh coarsens (×1.3 per element, up to 4 plane
spacings): a λ = 2 a0 packet (4 plane spacings) cannot enter it and is sent back into the
atoms. A band of 40 Å of free atoms next to the pad, with friction on the fine-scale
velocity ramping to 5 /ps (Holian & Ravelo's stadium profile), absorbs it; a λ = 10 a0
packet, which the mesh carries, passes with its reflection still ≤ 1 %.
Reflections are measured against the fully atomistic strip of the same length.
"""

import numpy as np
import pytest

from dynamics_reference import N_CONTINUUM, N_FREE, N_HANDSHAKE, POTENTIAL, reference_run, reflected_fractions
from handshake.dynamics import CoupledStrip
from handshake.dynamics.damping import LangevinBand, stadium_ramp

BAND_A, GAMMA_PER_PS, FILTER_A = 40.0, 5.0, 4.0


def graded_strip(method, band: bool):
    strip = CoupledStrip(POTENTIAL, N_FREE, N_HANDSHAKE, N_CONTINUUM, method=method, n_fine_planes=10,
                         growth=1.3, max_element_planes=4)
    if band:
        edge = (strip.n_wall + N_FREE - 0.5) * strip.spacing_A         # midway to the first pad plane
        free = strip.region.group_ids("free")
        depth = edge - strip.x_A[free - 1]
        inside = depth < BAND_A
        damping = LangevinBand(strip.region, free[inside], stadium_ramp(depth[inside], BAND_A, GAMMA_PER_PS),
                               strip.timestep_ps, filter_ids=free[depth < BAND_A + 3 * FILTER_A],
                               filter_width_A=FILTER_A, axes=(0,))
        strip.dynamics.add_observer(damping)
    return strip


@pytest.fixture(scope="module")
def reference_short_wave():
    return reference_run(2, 20)


@pytest.mark.parametrize("method", ["force", "energy"])
def test_damping_band_absorbs_short_waves(reference_short_wave, method):
    runs = {}
    for band in ((False, True) if method == "force" else (True,)):
        with graded_strip(method, band) as strip:
            runs[band] = reflected_fractions(strip, 2, reference_short_wave)
    for band, r in runs.items():
        print(f"\n{method}, λ = 2 a0, band {'on ' if band else 'off'}: reflected / incident "
              + " ".join(f"{x:.1e}" for x in r))
    if False in runs:
        assert runs[False][-1] > 0.5          # without the band the mesh sends most of it back
    assert max(runs[True]) <= 0.10


def test_damping_band_lets_long_waves_pass():
    reference = reference_run(10, 16)
    with graded_strip("force", True) as strip:
        reflected = reflected_fractions(strip, 10, reference)
    print("\nforce, λ = 10 a0, band on, graded mesh: reflected / incident " + " ".join(f"{x:.1e}" for x in reflected))
    assert max(reflected) <= 0.01

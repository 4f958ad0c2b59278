"""`handshake run` with a [dynamics] section: a small running crack in Fe (100)[011].

scenarios/dynamic_crack_Fe_100.toml shrunk to R_a = 25 Å, outer radius 150 Å (about 2000
atoms), 400 MD steps of 2 fs at K = 1.3 MPa·m^½ ≈ 1.44 K_G after the static preparation at
0.9 and 0.95. The crack must run (at least three bond rows), stay below the Rayleigh speed
of its faces (a crack cannot outrun it; c_R checked against the orthotropic secular
equation in test_md_run_rayleigh.py), and the run must write its time series, frames and
plot. Bad [dynamics] input is one line with exit code 2 and no output.
"""

import json
from pathlib import Path

import pytest
from command_line import handshake

SCENARIO = Path(__file__).parents[2] / "scenarios" / "dynamic_crack_Fe_100.toml"
SMALL = ["--set", "geometry.atomistic_radius_A=25", "--set", "geometry.outer_radius_A=150",
         "--set", "dynamics.steps=400", "--set", "dynamics.output_interval_steps=50"]


_RUNS = {}      # method -> output directory of the running crack


@pytest.fixture(scope="module", params=["force", "bdm"])
def running_crack(request, tmp_path_factory):
    out = tmp_path_factory.mktemp("md") / request.param
    result = handshake("run", SCENARIO, "--out", out, *SMALL, "--set", f"dynamics.method={request.param}")
    assert result.returncode == 0, result.stderr
    _RUNS[request.param] = out
    return out, result


def test_crack_runs_below_the_rayleigh_speed(running_crack):
    out, result = running_crack
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "completed"
    md = summary["results"]["dynamics"]
    rows = md["time_series"]
    assert [r["step"] for r in rows] == list(range(0, 401, 50))
    assert rows[-1]["time_ps"] == pytest.approx(0.8)
    row_spacing = summary["results"]["row_spacing_A"]
    advance = rows[-1]["tip_x_A"] - rows[0]["tip_x_A"]
    print(f"\n{md['method']}: Fe (100) crack at {md['K_over_K_G']:.2f} K_G: advance {advance:.2f} Å in 0.8 ps, running speed "
          f"{md['tip_speed_m_per_s']:.0f} m/s, fastest interval {md['max_interval_speed_m_per_s']:.0f} m/s, "
          f"c_R {md['rayleigh_speed_m_per_s']:.0f} m/s")
    assert advance >= 3 * row_spacing - 1e-6
    assert md["tip_advance_A"] == pytest.approx(advance)
    assert 0 < md["tip_speed_m_per_s"] < md["rayleigh_speed_m_per_s"]
    assert md["max_interval_speed_m_per_s"] < md["rayleigh_speed_m_per_s"]
    assert md["ended"]["reason"] == "all steps done"
    assert "MD step 400/400" in result.stderr


def test_force_and_bridging_domain_couplings_run_the_same_crack(tmp_path_factory):
    """Two different couplings (handshake forces; Lagrange-multiplier bridging domain) must
    not change how far the crack runs in the atoms by more than one bond row."""
    advance = {}
    for method in ("force", "bdm"):
        if method not in _RUNS:          # this test run alone
            _RUNS[method] = tmp_path_factory.mktemp("md") / method
            result = handshake("run", SCENARIO, "--out", _RUNS[method], *SMALL, "--set", f"dynamics.method={method}")
            assert result.returncode == 0, result.stderr
        out = _RUNS[method]
        rows = json.loads((out / "summary.json").read_text())["results"]["dynamics"]["time_series"]
        advance[method] = [r["tip_x_A"] - rows[0]["tip_x_A"] for r in rows]
    row_spacing = json.loads((out / "summary.json").read_text())["results"]["row_spacing_A"]
    print(f"\ntip advance (Å) force {advance['force']}\n                 bdm   {advance['bdm']}")
    assert advance["force"][-1] >= 3 * row_spacing - 1e-6
    assert max(abs(a - b) for a, b in zip(advance["force"], advance["bdm"])) <= row_spacing + 1e-6


def test_dynamics_outputs_are_written(running_crack):
    out, _ = running_crack
    summary = json.loads((out / "summary.json").read_text())
    frames = len(summary["results"]["steps"]) + len(summary["results"]["dynamics"]["time_series"])
    assert (out / "atoms.extxyz").read_text().count("Lattice=") == frames
    assert (out / "continuum.pvd").read_text().count("<DataSet") == frames
    assert (out / "crack_tip_history.png").stat().st_size > 10_000
    assert (out / "checkpoint.npz").exists()


@pytest.mark.parametrize("setting, field", [("dynamics.method=bridging", "dynamics.method"),
                                            ("dynamics.dampign.width_A=3", "dynamics.dampign"),
                                            ("dynamics.output_interval_steps=500", "dynamics"),
                                            ("dynamics.timestep_fs=-1", "dynamics.timestep_fs")])
def test_bad_dynamics_input_is_one_line_and_writes_nothing(tmp_path, setting, field):
    out = tmp_path / "bad"
    result = handshake("run", SCENARIO, "--out", out, *SMALL, "--set", setting)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert str(SCENARIO) in lines[0] and field in lines[0], lines[0]
    assert not out.exists()


def test_relaxed_crack_stays_at_rest(tmp_path):
    """Hand-over from statics to dynamics: MD at the K the crack was relaxed at (0.95,
    fmax 1e-4 eV/Å), no band, 0 K. A relaxed state is an equilibrium of the coupled
    dynamics (atoms, pad at the static continuum correction, nodes at rest), so nothing may
    move beyond what the relaxation's residual forces drive: the tip stays, the free atoms
    stay below 1e-3 K (measured 2.6e-5 K; with the static correction û, up to 0.16 Å here,
    left out of the hand-over they reach 8.5 K)."""
    out = tmp_path / "rest"
    result = handshake("run", SCENARIO, "--out", out, *SMALL, "--set", "dynamics.steps=300",
                       "--set", "dynamics.K_I_MPa_sqrt_m=0.95", "--set", "dynamics.damping.width_A=0",
                       "--set", "coupling.fmax_eV_per_A=1e-4")
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / "summary.json").read_text())
    rows = summary["results"]["dynamics"]["time_series"]
    hottest = max(r["temperature_free_K"] for r in rows)
    print(f"\nrelaxed crack in MD, 300 steps: residual {summary['results']['steps'][-1]['max_residual_eV_per_A']:.1e} "
          f"eV/Å, hottest T_free {hottest:.1e} K, continuum kinetic {rows[-1]['continuum_kinetic_eV']:.1e} eV")
    assert {r["tip_x_A"] for r in rows} == {summary["results"]["steps"][-1]["tip_x_A"]}
    assert hottest < 1e-3
    assert rows[-1]["continuum_kinetic_eV"] < 1e-4

"""`[alloy.composition_band]`: a Ni-enriched band in CuNi from a scenario file.

Checks that the atoms are drawn with the band's local composition (counted, within 4
binomial standard deviations), that the continuum's applied nodal field is the
dislocation's plus the band's laminate state (whose elasticity is checked against the
epitaxial-film result in test_alloy_composition_field.py), and that bad input is refused
with the field named.
"""


import numpy as np
import pytest
from command_line import handshake_in_process
from mpi4py import MPI  # noqa: F401  (before lammps)

from handshake.alloys import CompositionBand
from handshake.scenario import build_model, load_scenario

SCENARIO = """
name = "CuNi with a Ni-rich band"
kind = "dislocation"
[material]
potential = "CuNi_smooth"
orientation = [[1, -1, 0], [1, 1, 1], [-1, -1, 2]]
[geometry]
atomistic_radius_A = 30.0
handshake_width_A = 4.0
outer_radius_A = 80.0
[[dislocations]]
burgers = [0.5, -0.5, 0.0]
[alloy]
composition = { Cu = 0.5, Ni = 0.5 }
seed = 2
supercells = 5
supercell_repeat = 4
[alloy.composition_band]
element = "Ni"
fraction = 0.9
centre_y_A = 10.0
half_width_A = 8.0
interface_A = 1.0
"""


def test_band_sets_the_species_and_the_continuum_field(tmp_path):
    path = tmp_path / "band.toml"
    path.write_text(SCENARIO)
    scenario = load_scenario(path)
    model, fields = build_model(scenario, str(path))
    with model:
        band = fields[-1]
        assert isinstance(band, CompositionBand)
        assert band.c_reference == 0.5 and band.c_band == 0.9
        assert band.centre == pytest.approx(model.centre[1] + 10.0, abs=1e-5)
        y = model.reference_positions[:, 1] - model.centre[1]
        ni = np.array(model.symbols) == "Ni"
        inside = np.abs(y - 10.0) < 8.0 - 3.0
        outside = np.abs(y - 10.0) > 8.0 + 3.0
        for mask, p in ((inside, 0.9), (outside, 0.5)):
            n = mask.sum()
            assert abs(ni[mask].mean() - p) < 4 * np.sqrt(p * (1 - p) / n)
        model.apply(*fields)
        nodes = model.zone.mesh.points
        expected = fields[0].displacements(np.column_stack([nodes, np.zeros(len(nodes))]))[:, :3]
        expected = expected + band.displacements(np.column_stack([nodes, np.zeros(len(nodes))]))
        np.testing.assert_allclose(model.applied_displacements_nodes, expected, atol=1e-12)
        # Ni is smaller than Cu: the band contracts along y, u_y above it is negative
        above = band.displacements(np.array([[0.0, model.centre[1] + 40.0, 0.0]]))[0]
        assert above[1] < -0.01


def test_band_needs_a_binary_alloy_with_its_element(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text(SCENARIO.replace('element = "Ni"', 'element = "Fe"'))
    out = handshake_in_process("run", path, "--out", tmp_path / "o", capsys=capsys)
    assert out.returncode == 2
    assert "composition_band" in out.stderr and "Traceback" not in out.stderr

"""Physically meaningless set-ups are refused before anything runs, with one clear line."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from handshake.coupling import METHODS, CoupledGeometry, CoupledModel
from handshake.errors import InputError

FRAME = [[1, -1, 0], [1, 1, 1], [-1, -1, 2]]
HANDSHAKE = Path(sys.executable).parent / "handshake"


@pytest.mark.parametrize("geometry, field, message", [
    (CoupledGeometry(30, 4, 200, pad_width_A=3.0), "pad_width_A",
     "3 Å is narrower than the potential's interaction range 5.507 Å"),
    (CoupledGeometry(30, 1.0, 200), "handshake_width_A", "narrower than one atomic spacing (2.556 Å)"),
    (CoupledGeometry(5, 4, 200), "atomistic_radius_A", "leaves no atomistic core"),
    (CoupledGeometry(30, 4, 40), "outer_radius_A", "does not enclose the atoms and pad"),
])
def test_bad_geometry_is_refused(geometry, field, message):
    with pytest.raises(InputError) as info:
        CoupledModel("Cu_mishin1", FRAME, geometry)
    assert info.value.field == field
    assert message in info.value.one_line()


def test_element_the_potential_lacks_is_refused():
    with pytest.raises(InputError, match="Cu_mishin1 has no parameters for Ni"):
        CoupledModel("Cu_mishin1", FRAME, CoupledGeometry(30, 4, 200), element="Ni")


def test_unknown_method_is_refused():
    with pytest.raises(InputError, match=f"unknown coupling method 'magic'; known methods: {', '.join(sorted(METHODS))}"):
        CoupledModel("Cu_mishin1", FRAME, CoupledGeometry(30, 4, 200), method="magic")


GOOD = """name = "x"
kind = "dislocation"
[material]
potential = "Cu_mishin1"
orientation = [[1, -1, 0], [1, 1, 1], [-1, -1, 2]]
[geometry]
atomistic_radius_A = 20.0
handshake_width_A = 4.0
outer_radius_A = 60.0
[[dislocations]]
burgers = [0.5, -0.5, 0.0]
"""


@pytest.mark.parametrize("edit, expected", [
    (("[geometry]", "[geometry]\ncolour = 1"), "geometry.colour: Extra inputs are not permitted"),
    (("[1, -1, 0], [1, 1, 1], [-1, -1, 2]", "[1, -1, 0], [1, 1, 0], [-1, -1, 2]"),
     "material.orientation: directions are not mutually orthogonal"),
    (("Cu_mishin1", "NOPE"), "material.potential: unknown potential 'NOPE'"),
    (("handshake_width_A = 4.0", "handshake_width_A = 4.0\npad_width_A = 2.0"),
     "geometry.pad_width_A: 2 Å is narrower than the potential's interaction range"),
    (("outer_radius_A = 60.0", "outer_radius_A = 30.0"), "geometry.outer_radius_A: 30 Å does not enclose"),
    (("atomistic_radius_A = 20.0", "atomistic_radius_A = -20.0"),
     "geometry.atomistic_radius_A: Input should be greater than 0"),
    (("[[dislocations]]\nburgers = [0.5, -0.5, 0.0]\n", ""),
     "a dislocation scenario needs at least one [[dislocations]] entry"),
    (('kind = "dislocation"', 'kind = "fracture"'), "kind: Input should be 'dislocation' or 'crack'"),
    (('kind = "dislocation"', 'kind = "crack"'), "a crack scenario needs a [crack] section"),
])
def test_bad_scenario_fails_with_one_line_exit_2(tmp_path, edit, expected):
    text = GOOD.replace(*edit)
    path = tmp_path / "bad.toml"
    path.write_text(text)
    result = subprocess.run([str(HANDSHAKE), "verify", "reference", str(path)], capture_output=True, text=True,
                            timeout=300, env=os.environ.copy())
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"handshake: error: {path}: ")
    assert expected in lines[0]
    assert result.stdout == ""

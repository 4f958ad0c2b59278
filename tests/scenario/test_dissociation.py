"""Dislocations whose Shockley partials would not fit inside the atoms are refused before the run."""

from pathlib import Path

import numpy as np
import pytest

from handshake.errors import InputError
from handshake.scenario import check_scenario, load_scenario
from handshake.scenario.dissociation import shockley_partials

EDGE_AL = Path(__file__).parents[2] / "scenarios" / "edge_dislocation_Al.toml"


def test_shockley_partials_of_a_perfect_dislocation():
    """a/2[1-10] on (111) → a/6[1-21] + a/6[2-1-1] (Hirth & Lothe §10-5), in either order."""
    b1, b2 = shockley_partials([0.5, -0.5, 0.0], [1, 1, 1])
    np.testing.assert_allclose(b1 + b2, [0.5, -0.5, 0.0])
    assert {tuple(np.round(6 * b1, 12)), tuple(np.round(6 * b2, 12))} == {(1.0, -2.0, 1.0), (2.0, -1.0, -1.0)}
    assert shockley_partials([0.5, 0.5, 0.0], [0, 0, 1]) is None        # a Lomer dislocation: no Shockleys
    assert shockley_partials([0.5, 0.5, 0.5], [1, -1, 0]) is None       # a bcc a/2<111>


def test_ni_u3_edge_is_refused_with_the_radius_it_needs():
    """Ni_u3's stacking-fault energy (14 mJ/m²) spreads the partials ~160 Å: R_a = 30 Å cannot
    hold them. The radius the message names is enough."""
    overrides = ["material.potential='Ni_u3'"]
    with pytest.raises(InputError) as refused:
        check_scenario(load_scenario(EDGE_AL, overrides), "edge.toml")
    message = refused.value.one_line()
    assert message.startswith("edge.toml: dislocations[0]: dissociates into partials")
    need = int(message.split("atomistic_radius_A ≥ ")[1].split()[0])
    assert need > 80
    check_scenario(load_scenario(EDGE_AL, [*overrides, f"geometry.atomistic_radius_A={need}",
                                           f"geometry.outer_radius_A={4 * need}"]), "edge.toml")
    check_scenario(load_scenario(EDGE_AL, [*overrides, "run.dissociation_must_fit=false"]), "edge.toml")


def test_unstable_stacking_fault_is_refused():
    """Al_jnp's fcc {111} stacking fault has a negative energy: no atomistic region holds its partials."""
    with pytest.raises(InputError, match="stacking-fault energy is -.* mJ/m² ≤ 0"):
        check_scenario(load_scenario(EDGE_AL, ["material.potential='Al_jnp'"]), "edge.toml")

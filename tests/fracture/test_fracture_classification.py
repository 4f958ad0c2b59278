"""The failure classifier on crack configurations built here, independently of the code
under test: crystals from ASE, the anisotropic K-field from matscipy with published elastic
constants, a Volterra partial dislocation with its stacking fault, a randomised tip.

Each label is checked on the configuration that should produce it and on the plain crack
(a crystal split along the cleavage plane) that should not.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from ase.lattice.cubic import BodyCenteredCubic, Diamond, FaceCenteredCubic
from matscipy.fracture_mechanics.crack import CubicCrystalCrack

from handshake.fracture.classification import (classify_failure, slip_trace_angles, structure_census)
from handshake.fracture.structure import close_packed, crystalline

FCC_111 = [[1, 1, -2], [1, 1, 1], [1, -1, 0]]     # (111)[1-10], propagation along [11-2]
BCC_100 = [[0, -1, 1], [1, 0, 0], [0, 1, 1]]      # (100)[011]

#: name, lattice builder, a0 (Å), C11, C12, C44 (GPa), γ of the cleavage plane (J/m²),
#: orientation. Cu: Mishin et al., PRB 63 (2001) 224106; Si: Stillinger–Weber (Cowley, PRL
#: 60 (1988) 2379, relaxed C44), γ(111) from one broken bond per surface atom; W: realistic
#: bcc values (those of W_zhou in the README table). The constants only shape the opening
#: field of a realistic crack; none of them is under test here.
CRYSTALS = {
    "Cu": (FaceCenteredCubic, "fcc", 3.615, 169.9, 122.6, 76.2, 1.239, FCC_111),
    "Si": (Diamond, "diamond", 5.431, 151.4, 76.4, 56.4, 1.36, FCC_111),
    "W": (BodyCenteredCubic, "bcc", 3.165, 522.5, 204.4, 160.6, 2.98, BCC_100),
}
RADIUS_A = 30.0
GPA_SQRT_A_PER_MPA_SQRT_M = 100.0          # 1 MPa√m = 1e-3 GPa × 1e5 √Å
J_PER_M2_IN_GPA_A = 10.0                   # 1 J/m² = 10 GPa·Å


def cracked_disc(name, K_over_K_G=1.0):
    """A disc of perfect crystal (periodic along the front) opened by the anisotropic mode-I
    K-field of a crack along −x whose tip is at the origin, midway between two planes."""
    build, lattice, a0, C11, C12, C44, gamma, orientation = CRYSTALS[name]
    n = int(np.ceil(2.6 * RADIUS_A / a0))
    atoms = build(directions=orientation, size=(n, n, 1), symbol=name, latticeconstant=a0, pbc=(False, False, True))
    cell = np.diag(atoms.cell)
    atoms.positions[:, :2] -= 0.5 * cell[:2]
    # the crack plane: the widest gap between atomic planes normal to y near the middle
    ys = np.unique(np.round(atoms.positions[:, 1], 4))
    gaps = np.diff(ys)
    middle = np.argmin(np.abs(ys[:-1]) + np.where(gaps > gaps.max() - 1e-3, 0, 1e3))
    y_plane = 0.5 * (ys[middle] + ys[middle + 1])
    xs = np.unique(np.round(atoms.positions[:, 0], 4))
    x_tip = xs[np.argmin(np.abs(xs))] + 0.25 * np.diff(xs).min()
    atoms.positions[:, :2] -= [x_tip, y_plane]
    atoms = atoms[np.linalg.norm(atoms.positions[:, :2], axis=1) < RADIUS_A]
    crack = CubicCrystalCrack(orientation[1], orientation[2], C11=C11, C12=C12, C44=C44)
    K = K_over_K_G * crack.k1g(gamma * J_PER_M2_IN_GPA_A)
    ux, uy = crack.displacements(atoms.positions[:, 0], atoms.positions[:, 1], 0.0, 0.0, K)
    reference = atoms.positions.copy()
    atoms.positions[:, 0] += ux
    atoms.positions[:, 1] += uy
    return atoms, reference, lattice, a0, orientation


def census(atoms, reference, lattice, a0, orientation, nearest_neighbour_A):
    inner = np.linalg.norm(reference[:, :2], axis=1) < RADIUS_A - 2 * a0      # not the outer surface
    return structure_census(atoms.positions, reference, inner, lattice=lattice, a0_A=a0,
                            nearest_neighbour_A=nearest_neighbour_A, period_z_A=atoms.cell[2, 2],
                            orientation=orientation, crack_plane_y_A=0.0, tip_xy_A=(0.0, 0.0))


def labels(counts, K_plus=1.0):
    """The failure mode of a one-step loading branch with these counts."""
    return classify_failure([{"K_MPa_sqrt_m": 1.0, "branch": "loading", **counts}], K_plus)["failure_mode"]


NEAREST = {"Cu": 3.615 / np.sqrt(2), "Si": 5.431 * np.sqrt(3) / 4, "W": 3.165 * np.sqrt(3) / 2}


@pytest.mark.parametrize("lattice, build, a0", [("fcc", FaceCenteredCubic, 3.615), ("bcc", BodyCenteredCubic, 3.165),
                                                ("diamond", Diamond, 5.431)])
def test_perfect_and_strained_crystals_are_crystalline_and_noise_is_not(lattice, build, a0):
    atoms = build(directions=[[1, 0, 0], [0, 1, 0], [0, 0, 1]], size=(6, 6, 1), symbol="Cu",
                  latticeconstant=a0, pbc=(False, False, True))
    x = atoms.positions
    inner = np.all((x[:, :2] > 1.3 * a0) & (x[:, :2] < 4.7 * a0), axis=1)
    strain = np.array([[1.08, 0.03, 0.0], [0.03, 0.95, 0.0], [0.0, 0.0, 1.0]])   # large homogeneous strain
    assert crystalline(x, atoms.cell[2, 2], lattice, a0)[inner].all()
    assert crystalline(x @ strain.T, atoms.cell[2, 2], lattice, a0)[inner].all()
    rng = np.random.default_rng(1)
    melted = x + rng.normal(0.0, 0.2 * a0, x.shape) * [1, 1, 0]
    assert crystalline(melted, atoms.cell[2, 2], lattice, a0)[inner].mean() < 0.05


def test_hcp_stacking_is_not_fcc():
    from ase.build import bulk
    hcp = bulk("Cu", "hcp", a=2.556, c=2.556 * np.sqrt(8 / 3), orthorhombic=True).repeat((6, 4, 1))
    hcp.pbc = (False, False, True)
    assert not crystalline(hcp.positions, hcp.cell[2, 2], "fcc", 3.615).any()


def test_bain_strained_bcc_is_close_packed_and_bcc_is_not():
    # bcc is body-centred tetragonal with c/a = 1, fcc with c/a = √2 (Bain 1924): stretching
    # z by √2 at constant volume turns bcc into fcc
    a0 = 3.165
    bcc = BodyCenteredCubic(directions=[[1, 0, 0], [0, 1, 0], [0, 0, 1]], size=(6, 6, 1), symbol="W",
                            latticeconstant=a0, pbc=(False, False, True))
    x = bcc.positions
    inner = np.all((x[:, :2] > 1.5 * a0) & (x[:, :2] < 4.5 * a0), axis=1)
    bain = np.array([2 ** (-1 / 6), 2 ** (-1 / 6), 2 ** (1 / 3)])
    assert not close_packed(x, bcc.cell[2, 2], a0)[inner].any()
    assert close_packed(x * bain, bcc.cell[2, 2] * bain[2], a0)[inner].all()
    assert not crystalline(x * bain, bcc.cell[2, 2] * bain[2], "bcc", a0)[inner].any()


def test_slip_traces_of_the_shipped_orientations():
    # {111} planes containing [1-10]: (111) is the crack plane, (11-1) has normal
    # (√8, 1)/3 in the lab xy plane, so its trace is at 180° − arccos(1/3) = 109.47°
    assert np.degrees(slip_trace_angles("fcc", FCC_111)) == pytest.approx([109.4712206])
    # [011] front on (100): (01-1) is normal to x (trace 90°); (2,1,-1) and (2,-1,1) give
    # traces at ±arctan(1/√2) = ±35.26°
    assert np.degrees(slip_trace_angles("bcc", BCC_100)) == pytest.approx([35.2643897, 90.0, 144.7356103])


@pytest.mark.parametrize("name", ["Cu", "Si", "W"])
def test_a_crystal_split_along_the_cleavage_plane_is_cleavage(name):
    atoms, reference, lattice, a0, orientation = cracked_disc(name)
    counts = census(atoms, reference, lattice, a0, orientation, NEAREST[name])
    assert counts == {"non_crystalline_off_faces": 0, "slip_band_atoms": 0, "tip_cluster_atoms": 0,
                      "transformed_atoms": 0}
    assert labels(counts) == "cleavage"
    assert labels(counts, K_plus=None) == "trapped"


def volterra_partial(reference, core, angle, b_A, poisson=0.3):
    """Isotropic edge dislocation (Hirth & Lothe, Theory of Dislocations, ch. 3) at ``core``, Burgers vector
    b along the slip trace at ``angle`` (rad); the cut runs from the core back to the crack
    tip at the origin and then along the lower crack face, so the slip plane between tip and
    core is faulted and the crystal elsewhere is not cut."""
    d = np.array([np.cos(angle), np.sin(angle)])
    rel = reference[:, :2] - core
    x, y = rel @ d, rel @ [-d[1], d[0]]
    theta = np.arctan2(y, x)                     # cut along the ray from the core through the tip
    # move the cut beyond the tip onto the crack face: the wedge between the continuation
    # of the ray and the face takes θ continuous with its other side
    phi = np.arctan2(reference[:, 1], reference[:, 0])
    beyond = angle + np.pi
    wedge = (phi > beyond) if np.sin(beyond) > 0 else (phi < beyond)
    theta[wedge] -= 2 * np.pi * np.sign(theta[wedge])
    r2 = x ** 2 + y ** 2
    ux = b_A / (2 * np.pi) * (theta + x * y / (2 * (1 - poisson) * r2))
    uy = -b_A / (2 * np.pi) * ((1 - 2 * poisson) / (4 * (1 - poisson)) * np.log(r2)
                              + (x ** 2 - y ** 2) / (4 * (1 - poisson) * r2))
    return np.outer(ux, d) + np.outer(uy, [-d[1], d[0]])


def test_a_partial_dislocation_leaving_the_tip_is_emission():
    atoms, reference, lattice, a0, orientation = cracked_disc("Cu")
    angle = -np.arccos(1 / 3)                     # the (11-1) trace ahead of the tip, below the plane
    core = 14.0 * np.array([np.cos(angle), np.sin(angle)])
    # the Shockley partial a/6[112] (pure edge) in the sense the mode-I field shears the
    # plane: the material above the slip plane moves towards the tip
    atoms.positions[:, :2] += volterra_partial(reference, core, angle, -a0 / np.sqrt(6))
    counts = census(atoms, reference, lattice, a0, orientation, NEAREST["Cu"])
    assert counts["slip_band_atoms"] >= 6         # the fault from the tip to the core, two rows
    assert labels(counts) == "dislocation emission"
    assert labels(counts, K_plus=None) == "dislocation emission"


def test_a_disordered_tip_is_blunting_or_amorphisation():
    atoms, reference, lattice, a0, orientation = cracked_disc("Si")
    near = np.linalg.norm(reference[:, :2], axis=1) < 9.0
    rng = np.random.default_rng(3)
    atoms.positions[near] += rng.normal(0.0, 0.6, (near.sum(), 3))    # σ = 0.25 of a bond
    counts = census(atoms, reference, lattice, a0, orientation, NEAREST["Si"])
    assert counts["tip_cluster_atoms"] >= 10
    assert counts["slip_band_atoms"] == 0
    assert labels(counts, K_plus=None) == "blunting/amorphisation"


def test_the_label_is_read_up_to_k_plus():
    steps = [{"K_MPa_sqrt_m": K, "branch": "loading", "non_crystalline_off_faces": n, "slip_band_atoms": b,
              "tip_cluster_atoms": 0} for K, n, b in [(1.0, 0, 0), (1.1, 0, 0), (1.2, 8, 8)]]
    assert classify_failure(steps, 1.1)["failure_mode"] == "cleavage"
    result = classify_failure(steps, 1.2)
    assert result["failure_mode"] == "dislocation emission" and result["K_emission_MPa_sqrt_m"] == 1.2
    assert classify_failure([], None)["failure_mode"] == "not loaded"
    # a transformed zone (bcc → close-packed) does not stop the crack being a cleavage one
    zone = [{**s, "transformed_atoms": 12, "slip_band_atoms": 0} for s in steps]
    assert classify_failure(zone, 1.1)["failure_mode"] == "cleavage"
    assert classify_failure(zone, None)["failure_mode"] == "phase transformation"


def test_the_copper_scenario_emits_a_partial_dislocation(tmp_path):
    """End to end on a relaxed coupled crack: Cu (111)[1-10] (Mishin EAM) at K = 0.5 and
    0.525 MPa·m^½, below K_G = 0.63, emits a Shockley partial on the inclined (11-1) plane
    (fcc cracks on this system are ductile, Rice, JMPS 40 (1992) 239)."""
    scenario = Path(__file__).parents[2] / "scenarios" / "crack_Cu_111.toml"
    out = tmp_path / "cu"
    result = subprocess.run([str(Path(sys.executable).parent / "handshake"), "run", str(scenario), "--out", str(out),
                             "--set", "crack.loading={start=0.5, stop=0.525, step=0.025}",
                             "--set", "crack.unloading={start=0.4, stop=0.4, step=0.1}"],
                            capture_output=True, text=True, timeout=600, env=os.environ.copy())
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / "summary.json").read_text())["results"]
    assert summary["K_plus_MPa_sqrt_m"] is None
    assert summary["failure_mode"] == "dislocation emission"
    assert summary["K_emission_MPa_sqrt_m"] == 0.5
    assert summary["steps"][0]["slip_band_atoms"] >= 10

"""What a loaded crack did, read from the atomic structure.

Bonds are counted with a cutoff midway between the first and second neighbour shells.
In an ideal cleavage only atoms on the two crack faces lose neighbours. Away from the
crack plane, an atom is defective if its coordination is wrong (blunting, amorphisation,
a phase change) or, in fcc and bcc, if its centrosymmetry parameter exceeds 0.1 a0²
(Kelchner, Plimpton & Hamilton, PRB 58 (1998) 11085): stacking faults and dislocation
cores keep 12 neighbours but lose inversion symmetry, so emitted partial dislocations
are seen too. Diamond has no inversion centre at its atoms; there coordination alone
is used.
"""

from __future__ import annotations

import numpy as np
from ase import Atoms
from ase.neighborlist import neighbor_list

from ..coupling.geometry import PAD

#: (first-shell distance, second-shell distance) / a0 and bulk coordination
SHELLS = {"fcc": (np.sqrt(0.5), 1.0, 12), "bcc": (np.sqrt(3) / 2, 1.0, 8), "diamond": (np.sqrt(3) / 4, np.sqrt(0.5), 4)}

#: defective atoms off the crack plane tolerated in a cleavage
CLEAVAGE_TOLERANCE = 2


def neighbourhoods(positions: np.ndarray, period_z_A: float, cutoff_A: float):
    """Neighbour counts and, per atom, the bond vectors to its neighbours (z-periodic slab)."""
    extent = np.ptp(positions[:, :2], axis=0) + 4 * cutoff_A
    atoms = Atoms(positions=positions - positions.min(axis=0) + [2 * cutoff_A, 2 * cutoff_A, 0.0],
                  cell=[extent[0], extent[1], period_z_A], pbc=(False, False, True))
    i, D = neighbor_list("iD", atoms, cutoff_A)
    counts = np.bincount(i, minlength=len(atoms))
    return counts, np.split(D, np.cumsum(counts)[:-1])


def centrosymmetry(bonds: np.ndarray, n: int) -> float:
    """Centrosymmetry parameter of one atom, Å²: the n/2 smallest |R_i + R_j|² over disjoint
    pairs of its n bond vectors, paired greedily (Kelchner et al. 1998)."""
    sums = np.sum((bonds[:, None, :] + bonds[None, :, :]) ** 2, axis=-1)
    iu = np.triu_indices(len(bonds), 1)
    order = np.argsort(sums[iu])
    used, total, pairs = np.zeros(len(bonds), bool), 0.0, 0
    for k in order:
        a, b = iu[0][k], iu[1][k]
        if not used[a] and not used[b]:
            used[a] = used[b] = True
            total += sums[a, b]
            pairs += 1
            if pairs == n // 2:
                break
    return total


def crack_structure(model) -> dict:
    """Defective atoms of the free region on and off the crack plane at the current state
    (collective): wrong coordination, or (fcc, bcc) broken centrosymmetry."""
    lattice = model.properties.lattice
    first, second, bulk = SHELLS[lattice]
    a0 = model.properties.a0_A
    positions = model.reference_positions + model.displacements()
    counts, bonds = neighbourhoods(positions, model.crystal.period_z_A, 0.5 * (first + second) * a0)
    free = model.atom_region != PAD
    off = np.abs(model.reference_positions[:, 1] - model.centre[1]) > first * a0
    wrong = free & (counts != bulk)
    asymmetric = np.zeros_like(wrong)
    if lattice != "diamond":
        candidates = np.flatnonzero(free & off & ~wrong)
        asymmetric[candidates] = [centrosymmetry(bonds[k], bulk) > 0.1 * a0**2 for k in candidates]
    defective = wrong | asymmetric
    return {"miscoordinated_on_plane": int(np.sum(wrong & ~off)), "defective_off_plane": int(np.sum(defective & off))}


def classify_failure(steps: list[dict], K_plus: float | None) -> dict:
    """What happened on the loading branch.

    Returns
    -------
    dict
        ``failure_mode``: ``cleavage`` (the tip advanced, no defects off the crack plane up
        to K+), ``emission, then cleavage`` (defects off the plane appeared at or before
        K+), ``blunting or emission`` (no advance, defects) or ``trapped`` (neither);
        ``K_first_defect_MPa_sqrt_m``: the first K with defects off the crack plane.
    """
    loading = [s for s in steps if s["branch"] == "loading"]
    if not loading:
        return {"failure_mode": "not loaded", "K_first_defect_MPa_sqrt_m": None}
    first_defect = next((s["K_MPa_sqrt_m"] for s in loading if s["defective_off_plane"] > CLEAVAGE_TOLERANCE), None)
    if K_plus is not None:
        mode = "emission, then cleavage" if first_defect is not None and first_defect <= K_plus else "cleavage"
    else:
        mode = "blunting or emission" if first_defect is not None else "trapped"
    return {"failure_mode": mode, "K_first_defect_MPa_sqrt_m": first_defect}

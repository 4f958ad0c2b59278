"""What a loaded crack did, read from the atomic structure.

Bonds are counted with a cutoff midway between the first and second neighbour shells.
In an ideal cleavage only atoms on the two crack faces lose neighbours; atoms that are
miscoordinated away from the crack plane mean a structural change at the tip —
dislocation emission, twinning, blunting or amorphisation.
"""

from __future__ import annotations

import numpy as np
from ase import Atoms
from ase.neighborlist import neighbor_list

from ..coupling.geometry import FREE

#: (first-shell distance, second-shell distance) / a0 and bulk coordination
SHELLS = {"fcc": (np.sqrt(0.5), 1.0, 12), "bcc": (np.sqrt(3) / 2, 1.0, 8), "diamond": (np.sqrt(3) / 4, np.sqrt(0.5), 4)}

#: miscoordinated atoms off the crack plane tolerated in a cleavage
CLEAVAGE_TOLERANCE = 2


def coordination(positions: np.ndarray, period_z_A: float, cutoff_A: float) -> np.ndarray:
    """Number of neighbours within ``cutoff_A`` of every atom of a z-periodic slab."""
    extent = np.ptp(positions[:, :2], axis=0) + 4 * cutoff_A
    atoms = Atoms(positions=positions - positions.min(axis=0) + [2 * cutoff_A, 2 * cutoff_A, 0.0],
                  cell=[extent[0], extent[1], period_z_A], pbc=(False, False, True))
    i = neighbor_list("i", atoms, cutoff_A)
    return np.bincount(i, minlength=len(atoms))


def crack_structure(model) -> dict:
    """Miscoordinated core atoms on and off the crack plane at the current state (collective)."""
    first, second, bulk = SHELLS[model.properties.lattice]
    a0 = model.properties.a0_A
    positions = model.reference_positions + model.displacements()
    counts = coordination(positions, model.crystal.period_z_A, 0.5 * (first + second) * a0)
    core = model.atom_region == FREE
    off = np.abs(model.reference_positions[:, 1] - model.centre[1]) > first * a0
    wrong = core & (counts != bulk)
    return {"miscoordinated_on_plane": int(np.sum(wrong & ~off)), "miscoordinated_off_plane": int(np.sum(wrong & off))}


def classify_failure(steps: list[dict], K_plus: float | None) -> str:
    """``cleavage``, ``cleavage with plasticity``, ``blunting or emission`` or ``trapped``.

    Judged at the first loading step at which the crack advanced (K+), else at the last
    loading step.
    """
    loading = [s for s in steps if s["branch"] == "loading"]
    if not loading:
        return "not loaded"
    at = next((s for s in loading if K_plus is not None and s["K_MPa_sqrt_m"] == K_plus), loading[-1])
    plastic = at["miscoordinated_off_plane"] > CLEAVAGE_TOLERANCE
    if K_plus is not None:
        return "cleavage with plasticity" if plastic else "cleavage"
    return "blunting or emission" if plastic else "trapped"

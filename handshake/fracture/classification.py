"""What a loaded crack did, read from the atomic structure.

Every free atom is labelled crystalline or not by adaptive common-neighbour analysis for
its lattice (:mod:`handshake.fracture.structure`: fcc, bcc, cubic diamond). Atoms of the
crack faces are never crystalline and are not defects: the faces are the atoms within
``face_half_width_A`` of the crack plane (in the reference crystal) behind the current tip
or less than that width ahead of it, where the half-width is the reach of the analysed
neighbourhood plus one nearest-neighbour distance (so the relaxed surface layers are
excluded too). The non-crystalline atoms that remain are sorted by where they lie relative
to the current tip (the bond-breaking tip of :mod:`handshake.fracture.tip`):

- **slip band**: a run of them along the trace of a slip plane containing the crack front
  ({111} for fcc and diamond, {110} and {112} for bcc), within a lattice parameter of
  the trace (both rows of a stacking fault, whichever side of the tip the slip plane
  passes), starting within ``tip_radius_A`` of the tip and continuous (gaps below one
  lattice parameter) over at least two lattice parameters: a dislocation, or the stacking
  fault of a partial, that has left the tip (Rice, JMPS 40 (1992) 239);
- **transformed** (bcc only): those in a close-packed (fcc- or hcp-like) environment, a
  phase transformed under the high stress ahead of the tip; they are neither slip nor
  disorder (in fcc, hcp-like atoms are the stacking fault of a partial and count as slip);
- **tip cluster**: the other ones within ``tip_radius_A`` of the tip: disorder at a
  blunted or amorphised tip.

The failure mode at the critical load follows from the loading branch up to K+: emission
if a slip band appeared, else blunting/amorphisation if a tip cluster of at least
:data:`TIP_CLUSTER_ATOMS` atoms appeared, else cleavage if the tip advanced (bonds broken
across the cleavage plane ahead of the old tip with a crystalline environment elsewhere),
else a phase transformation if a transformed zone formed, else trapped.
"""

from __future__ import annotations

import itertools

import numpy as np
from ase import Atoms
from ase.neighborlist import neighbor_list

from ..coupling.geometry import PAD
from .structure import close_packed, crystalline

# Coordination and centrosymmetry, used by the run-time guard on defects at the handshake
# zone (handshake.studies.guards).

#: (first-shell distance, second-shell distance) / a0 and bulk coordination
SHELLS = {"fcc": (np.sqrt(0.5), 1.0, 12), "bcc": (np.sqrt(3) / 2, 1.0, 8), "diamond": (np.sqrt(3) / 4, np.sqrt(0.5), 4)}

#: slip-plane families per lattice (Miller indices of one member)
SLIP_PLANES = {"fcc": [(1, 1, 1)], "diamond": [(1, 1, 1)], "bcc": [(1, 1, 0), (1, 1, 2)]}

#: non-crystalline atoms within the tip radius that make a disordered (blunted or
#: amorphised) tip; a sharp tip under load has a few strained atoms there (at most 7 in
#: the shipped scenarios)
TIP_CLUSTER_ATOMS = 10


def neighbourhoods(positions: np.ndarray, period_z_A: float, cutoff_A: float):
    """Neighbour counts and, per atom, the bond vectors to its neighbours (z-periodic slab)."""
    extent = np.ptp(positions[:, :2], axis=0) + 4 * cutoff_A
    atoms = Atoms(positions=positions - positions.min(axis=0) + [2 * cutoff_A, 2 * cutoff_A, 0.0],
                  cell=[extent[0], extent[1], period_z_A], pbc=(False, False, True))
    i, D = neighbor_list("iD", atoms, cutoff_A)
    counts = np.bincount(i, minlength=len(atoms))
    return counts, np.split(D, np.cumsum(counts)[:-1])


def centrosymmetry(bonds: np.ndarray, n: int) -> float:
    """Centrosymmetry parameter of one atom, Å²: the n/2 smallest ``|R_i + R_j|²`` over disjoint
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


def slip_trace_angles(lattice: str, orientation) -> np.ndarray:
    """Angles (rad, in [0, π)) from the lab x axis of the traces, in the lab xy plane, of the
    slip planes containing the crack front (lab z), the crack plane itself excluded.

    Parameters
    ----------
    lattice : {"fcc", "bcc", "diamond"}
    orientation : (3, 3) ints
        Crystal directions of the lab x, y, z axes.
    """
    axes = np.asarray(orientation, dtype=float)
    axes /= np.linalg.norm(axes, axis=1)[:, None]
    angles = []
    for family in SLIP_PLANES[lattice]:
        for normal in {tuple(p) for p in itertools.permutations(family)
                       for p in itertools.product(*[(c, -c) if c else (0,) for c in p])}:
            n_lab = axes @ np.asarray(normal, dtype=float)
            if abs(n_lab[2]) > 1e-9 * np.linalg.norm(n_lab):
                continue                                    # does not contain the front
            angle = np.arctan2(n_lab[0], -n_lab[1]) % np.pi   # trace direction z × n
            if min(angle, np.pi - angle) > 1e-6:              # not the crack plane
                angles.append(angle)
    return np.unique(np.round(angles, 9))


def slip_band(relative_A: np.ndarray, angles: np.ndarray, a0_A: float, tip_radius_A: float) -> int:
    """Atoms in the longest band leaving a tip along a slip trace (0 if none qualifies).

    Parameters
    ----------
    relative_A : (m, 2) array
        Positions of the non-crystalline atoms off the faces relative to the tip, Å.
    angles : array
        Slip-trace angles, rad (:func:`slip_trace_angles`); both senses are tried.
    a0_A, tip_radius_A : float
        Lattice parameter; radius within which the band must start, Å.
    """
    best = 0
    for angle in np.concatenate([angles, angles + np.pi]):
        direction = np.array([np.cos(angle), np.sin(angle)])
        along = relative_A @ direction
        across = np.abs(relative_A @ [-direction[1], direction[0]])
        s = np.sort(along[(across < a0_A) & (along > 0)])
        if s.size == 0 or s[0] > tip_radius_A:
            continue
        breaks = np.flatnonzero(np.diff(s) > a0_A)
        run = s[: breaks[0] + 1] if breaks.size else s
        if run[-1] - run[0] >= 2 * a0_A and run.size >= 3:
            best = max(best, run.size)
    return best


def structure_census(positions_A: np.ndarray, reference_A: np.ndarray, counted: np.ndarray, *, lattice: str,
                     a0_A: float, nearest_neighbour_A: float, period_z_A: float, orientation,
                     crack_plane_y_A: float, tip_xy_A) -> dict:
    """Non-crystalline atoms off the crack faces, sorted by where they are (see the module).

    Parameters
    ----------
    positions_A, reference_A : (N, 3) arrays
        Current and perfect-crystal positions, Å (a slab periodic along z).
    counted : (N,) bool array
        Atoms that may be counted (e.g. the free atoms; the pad is not).
    lattice : {"fcc", "bcc", "diamond"}
    a0_A, nearest_neighbour_A, period_z_A : float
        Lattice parameter, nearest-neighbour distance, slab period along z, Å.
    orientation : (3, 3) ints
        Crystal directions of the lab x, y, z axes.
    crack_plane_y_A : float
        y of the crack plane, Å.
    tip_xy_A : (2,) array
        Current crack tip, Å.

    Returns
    -------
    dict
        ``non_crystalline_off_faces``, ``slip_band_atoms``, ``tip_cluster_atoms``,
        ``transformed_atoms`` (counts).
    """
    reach = {"fcc": np.sqrt(0.5), "bcc": 1.0, "diamond": np.sqrt(0.5)}[lattice] * a0_A
    face_half_width = reach + nearest_neighbour_A
    tip_radius = face_half_width + a0_A
    tip = np.asarray(tip_xy_A, dtype=float)
    crystal = crystalline(positions_A, period_z_A, lattice, a0_A)
    face = ((np.abs(reference_A[:, 1] - crack_plane_y_A) < face_half_width)
            & (reference_A[:, 0] < tip[0] + face_half_width))
    defect = counted & ~crystal & ~face
    # in bcc, close-packed atoms are a transformed phase, not slip (in fcc they are the
    # stacking fault of a partial dislocation, and count as slip)
    transformed = (close_packed(positions_A, period_z_A, a0_A, among=defect) if lattice == "bcc"
                   else np.zeros_like(defect))
    relative = positions_A[defect & ~transformed, :2] - tip
    near = np.linalg.norm(relative, axis=1) < tip_radius
    band = slip_band(relative, slip_trace_angles(lattice, orientation), a0_A, tip_radius)
    return {"non_crystalline_off_faces": int(defect.sum()), "slip_band_atoms": int(band),
            "tip_cluster_atoms": int(near.sum()), "transformed_atoms": int(transformed.sum())}


def crack_structure(model, tip_x_A: float) -> dict:
    """:func:`structure_census` of a coupled crack model's free atoms at its current state.

    Parameters
    ----------
    model : CoupledModel
        With a crack along −x from its centre on the plane y = centre y.
    tip_x_A : float
        Bond-breaking tip relative to the model's centre, Å (−inf: the crack is closed; the
        centre is used).
    """
    centre = np.asarray(model.centre, dtype=float)
    tip = centre + [tip_x_A if np.isfinite(tip_x_A) else 0.0, 0.0]
    return structure_census(model.reference_positions + model.displacements(), model.reference_positions,
                            model.atom_region != PAD, lattice=model.properties.lattice, a0_A=model.properties.a0_A,
                            nearest_neighbour_A=model.crystal.nearest_neighbour_A,
                            period_z_A=model.crystal.period_z_A, orientation=model.orientation,
                            crack_plane_y_A=centre[1], tip_xy_A=tip)


def classify_failure(steps: list[dict], K_plus: float | None) -> dict:
    """What happened on the loading branch up to the critical load.

    Parameters
    ----------
    steps : list of dict
        Load steps with ``K_MPa_sqrt_m``, ``branch`` and the counts of :func:`crack_structure`.
    K_plus : float or None
        K at which the tip advanced, MPa·m^½.

    Returns
    -------
    dict
        ``failure_mode``: ``dislocation emission``, ``blunting/amorphisation``,
        ``cleavage``, ``phase transformation`` (no advance, a transformed zone of at least
        :data:`TIP_CLUSTER_ATOMS` atoms), ``trapped`` or ``not loaded``;
        ``K_emission_MPa_sqrt_m``, ``K_tip_disorder_MPa_sqrt_m``,
        ``K_transformation_MPa_sqrt_m``: the first loading K (up to K+) with a slip band,
        a disordered tip, transformed atoms (None if none).
    """
    loading = [s for s in steps if s["branch"] == "loading"
               and (K_plus is None or s["K_MPa_sqrt_m"] <= K_plus + 1e-12)]

    def first(condition):
        return next((s["K_MPa_sqrt_m"] for s in loading if condition(s)), None)

    K_emission = first(lambda s: s.get("slip_band_atoms", 0) > 0)
    K_disorder = first(lambda s: s.get("tip_cluster_atoms", 0) >= TIP_CLUSTER_ATOMS)
    K_transformation = first(lambda s: s.get("transformed_atoms", 0) > 0)
    if not loading:
        mode = "not loaded"
    elif K_emission is not None:
        mode = "dislocation emission"
    elif K_disorder is not None:
        mode = "blunting/amorphisation"
    elif K_plus is not None:
        mode = "cleavage"
    elif any(s.get("transformed_atoms", 0) >= TIP_CLUSTER_ATOMS for s in loading):
        mode = "phase transformation"
    else:
        mode = "trapped"
    return {"failure_mode": mode, "K_emission_MPa_sqrt_m": K_emission, "K_tip_disorder_MPa_sqrt_m": K_disorder,
            "K_transformation_MPa_sqrt_m": K_transformation}

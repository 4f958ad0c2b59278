"""Random solid solutions: which species sits on which lattice site, by seed.

The species of a site is a pure function of its lattice position, the composition and
the seed: every site gets a uniform random number from a counter-based hash
(splitmix64, Steele, Lea & Flood, OOPSLA 2014) of its integer lattice coordinates and
the seed, and the species whose cumulative concentration first exceeds it. A coupled
model and its larger fully atomistic reference therefore hold the *same* realisation
on the sites they share, whatever their size or atom order.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError

_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)


def _splitmix64(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        z = (x + np.uint64(0x9E3779B97F4A7C15)) & _MASK
        z = ((z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)) & _MASK
        z = ((z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)) & _MASK
        return z ^ (z >> np.uint64(31))


def normalised_composition(composition: dict, elements, source: str = "alloy") -> dict:
    """The atomic fractions, every element known to the potential, checked to sum to one.

    Raises
    ------
    InputError
        An element the potential lacks, a negative fraction, or fractions whose sum is
        not 1 within 1e-6 (the last rounding is removed by normalising).
    """
    unknown = sorted(set(composition) - set(elements))
    if unknown:
        raise InputError(f"the potential has no parameters for {', '.join(unknown)} (it has {', '.join(elements)})",
                         source=source, field="alloy.composition")
    values = np.array(list(composition.values()), dtype=float)
    if np.any(values < 0) or values.sum() <= 0:
        raise InputError("fractions must be non-negative and not all zero", source=source,
                         field="alloy.composition")
    if abs(values.sum() - 1.0) > 1e-6:
        raise InputError(f"atomic fractions must sum to 1, got {values.sum():.6g} "
                         f"({', '.join(f'{k} = {v:g}' for k, v in composition.items())})",
                         source=source, field="alloy.composition")
    return {k: float(v) / float(values.sum()) for k, v in composition.items()}


def site_uniforms(positions_A: np.ndarray, grid_A: float, seed: int) -> np.ndarray:
    """One uniform number in [0, 1) per site, a function of (site, seed) only.

    Parameters
    ----------
    positions_A : (n, 3) array
        Reference (perfect-lattice) positions, Å.
    grid_A : float
        A length dividing every lattice vector (e.g. a0/4 for fcc in any orientation
        used here), Å; positions are rounded to multiples of it.
    seed : int
    """
    # the offset keeps lattice coordinates away from the rounding midpoints, where
    # round-off of a differently built crystal could flip them
    keys = np.round(np.asarray(positions_A, float) / grid_A + 0.3183).astype(np.int64)
    h = np.full(len(keys), np.uint64(seed) & _MASK)
    for k in range(3):
        h = _splitmix64(h ^ keys[:, k].astype(np.uint64))
    return (h >> np.uint64(11)).astype(np.float64) / float(2 ** 53)


def random_species(positions_A: np.ndarray, composition: dict, seed: int, grid_A: float) -> list[str]:
    """Species of each site of a random solid solution of ``composition`` (fractions)."""
    names = list(composition)
    cumulative = np.cumsum([composition[n] for n in names])
    cumulative[-1] = 1.0 + 1e-12
    index = np.searchsorted(cumulative, site_uniforms(positions_A, grid_A, seed), side="right")
    return [names[i] for i in index]

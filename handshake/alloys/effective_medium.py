"""The effective medium of a random alloy: lattice parameter and elastic constants
averaged over atomistic random supercells (a hierarchical step, cached like materials).

Each supercell is a cubic block of the lattice filled at random with the alloy's
composition (its own seed). Its lattice parameter is that of the relaxed, stress-free
box (ions and volume relaxed together); its relaxed-ion elastic constants come from
central differences of the virial stress under ±δ strains, ions relaxed at each strain,
as for pure materials (:mod:`handshake.materials.properties`). The medium takes the
mean a0 and the mean of the cubic averages C11, C12, C44; the scatter across
supercells is kept, so that a realisation can be judged against it.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from mpi4py import MPI

from ..atomistic.crystal import ATOMS_PER_CUBIC_CELL, cubic_cell
from ..atomistic.potentials import load_potential
from ..atomistic.region import AtomisticRegion
from ..continuum.elasticity import cubic_voigt
from ..errors import InputError
from ..materials.cache import cache_dir, write_json_atomically
from ..materials.properties import (
    STRAIN_STEP,
    FORCE_TOLERANCE_eV_per_A,
    MaterialProperties,
    _lattice_guess,
    equilibrium_lattice_parameter,
    interaction_cutoff,
    voigt_strain,
    voigt_stress,
)
from .solid_solution import normalised_composition, random_species

#: bumped when a change here changes the numbers (invalidates cached media)
MEDIUM_VERSION = 1


@dataclass
class SupercellProperties:
    """a0 (Å) and cubic-averaged relaxed-ion C11, C12, C44 (GPa) of one random supercell."""

    seed: int
    a0_A: float
    C11_GPa: float
    C12_GPa: float
    C44_GPa: float


@dataclass
class EffectiveMedium:
    """Mean properties of random supercells of one alloy, with their scatter."""

    potential: str
    potential_hash: str
    lattice: str
    composition: dict
    repeat: int
    supercells: list
    cutoff_A: float

    def _values(self, name: str) -> np.ndarray:
        return np.array([getattr(s, name) if not isinstance(s, dict) else s[name] for s in self.supercells])

    def mean(self, name: str) -> float:
        return float(self._values(name).mean())

    def std(self, name: str) -> float:
        """Sample standard deviation across supercells."""
        v = self._values(name)
        return float(v.std(ddof=1)) if v.size > 1 else 0.0

    @property
    def a0_A(self) -> float:
        return self.mean("a0_A")

    @property
    def C_voigt_GPa(self) -> np.ndarray:
        return cubic_voigt(self.mean("C11_GPa"), self.mean("C12_GPa"), self.mean("C44_GPa"))

    def summary(self) -> dict:
        """Means and standard deviations, for ``summary.json``."""
        out = {"composition": self.composition, "supercells": len(self.supercells),
               "atoms_per_supercell": ATOMS_PER_CUBIC_CELL[self.lattice] * self.repeat ** 3}
        for name in ("a0_A", "C11_GPa", "C12_GPa", "C44_GPa"):
            out[name], out[name + "_std"] = self.mean(name), self.std(name)
        return out

    def material_properties(self) -> MaterialProperties:
        """The medium as :class:`MaterialProperties` for the continuum of a coupled model
        (surface energies are not computed: None)."""
        C = self.C_voigt_GPa
        a0 = self.a0_A
        return MaterialProperties(
            potential=self.potential, potential_hash=self.potential_hash,
            element="+".join(self.composition), lattice=self.lattice, a0_A=a0, cohesive_energy_eV=float("nan"),
            isolated_atom_energy_eV=float("nan"), atomic_volume_A3=a0 ** 3 / ATOMS_PER_CUBIC_CELL[self.lattice],
            cutoff_A=self.cutoff_A, C11_GPa=float(C[0, 0]), C12_GPa=float(C[0, 1]), C44_GPa=float(C[3, 3]),
            C44_unrelaxed_GPa=float("nan"), bulk_modulus_GPa=float((C[0, 0] + 2 * C[0, 1]) / 3),
            C_GPa=C.tolist(), C_unrelaxed_GPa=C.tolist(), gamma_100_J_per_m2=None, gamma_110_J_per_m2=None,
            gamma_111_J_per_m2=None, provenance={"effective_medium": self.summary()})

    def to_dict(self) -> dict:
        d = asdict(self)
        d["supercells"] = [s if isinstance(s, dict) else asdict(s) for s in self.supercells]
        return d


def supercell_properties(potential, lattice: str, composition: dict, a_guess_A: float, repeat: int, seed: int,
                         comm=None, delta: float = STRAIN_STEP) -> SupercellProperties:
    """Relax one random supercell (ions and volume) and measure its elastic constants (collective)."""
    base = cubic_cell(lattice, next(iter(composition)), a_guess_A, repeat)
    base.set_chemical_symbols(random_species(base.positions, composition, seed, a_guess_A / 4))
    with AtomisticRegion(base, potential, comm=comm) as region:
        region.minimize(FORCE_TOLERANCE_eV_per_A * 100, 5000, box_relax="iso")
        relaxed = base.copy()
        relaxed.positions = region.gather_positions()
        # an isotropic relaxation keeps the box cubic: a0 is its edge over the repeat
        a0 = float(np.trace(region._box())) / (3 * repeat)
    relaxed.set_cell(np.eye(3) * a0 * repeat, scale_atoms=False)
    C = np.zeros((6, 6))
    for j in range(6):
        sigma = []
        for sign in (+1, -1):
            atoms = relaxed.copy()
            atoms.set_cell(relaxed.cell.array @ (np.eye(3) + voigt_strain(j, sign * delta)).T, scale_atoms=True)
            with AtomisticRegion(atoms, potential, comm=comm) as region:
                region.minimize(FORCE_TOLERANCE_eV_per_A, 2000)
                sigma.append(voigt_stress(region.stress_GPa()))
        C[:, j] = (sigma[0] - sigma[1]) / (2 * delta)
    C = 0.5 * (C + C.T)
    return SupercellProperties(seed, a0, float(np.mean(np.diag(C)[:3])),
                               float(np.mean([C[0, 1], C[0, 2], C[1, 2]])), float(np.mean(np.diag(C)[3:])))


def _starting_guess(pot, element: str, lattice: str) -> float:
    """ASE's or the registry's lattice parameter; for elements whose own structure is not
    cubic (hcp Co), the registry's reference a0."""

    try:
        return _lattice_guess(pot, element, lattice)
    except InputError:
        if pot.reference is None or not pot.reference.a0_A:
            raise
        return pot.reference.a0_A


def medium_cache_path(potential, lattice: str, composition: dict, repeat: int, seeds) -> Path:
    key = json.dumps([potential.name, potential.content_hash, lattice, sorted(composition.items()), repeat,
                      list(seeds), MEDIUM_VERSION])
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return cache_dir() / "alloys" / f"{potential.name}-{lattice}-{digest}.json"


def _read_medium(path: Path) -> EffectiveMedium | None:
    """The cached medium in ``path``, or None if it cannot be read or is not a valid entry
    (truncated, edited, of another layout): such entries are recomputed and overwritten."""
    try:
        data = json.loads(path.read_text())
        data.pop("compute_time_s", None)
        data["supercells"] = [SupercellProperties(**s) for s in data["supercells"]]
        medium = EffectiveMedium(**data)
        values = [medium.mean(k) for k in ("a0_A", "C11_GPa", "C12_GPa", "C44_GPa")]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError, KeyError, TypeError, ValueError):
        return None
    return medium if data["supercells"] and np.all(np.isfinite(values)) else None


def effective_medium(potential, composition: dict, lattice: str | None = None, n_supercells: int = 5,
                     repeat: int = 4, first_seed: int = 1000, comm=None, use_cache: bool = True) -> EffectiveMedium:
    """The effective medium of a random alloy, from ``n_supercells`` random supercells of
    ``repeat``³ cubic cells (seeds ``first_seed``, +1, ...), cached on disk (collective)."""

    comm = comm if comm is not None else MPI.COMM_WORLD
    pot = load_potential(potential)
    lattice = lattice or pot.lattice
    composition = normalised_composition(composition, pot.elements)
    seeds = list(range(first_seed, first_seed + n_supercells))
    path = medium_cache_path(pot, lattice, composition, repeat, seeds)
    cached = None
    if use_cache and comm.rank == 0 and path.is_file():
        cached = _read_medium(path)
    cached = comm.bcast(cached, root=0)
    if cached is not None:
        return cached
    start = time.perf_counter()
    # Vegard's law from the pure elements' zero-pressure lattice parameters for the
    # starting guess; the cutoff of the longest-ranged species
    cutoff = max(interaction_cutoff(pot, e, comm) for e in composition)
    cells_per_edge = max(2, int(np.ceil(2.0 * cutoff / 3.0)))
    a_guess = sum(c * equilibrium_lattice_parameter(pot, e, lattice, _starting_guess(pot, e, lattice),
                                                    cells_per_edge, comm)
                  for e, c in composition.items())
    cells = [supercell_properties(pot, lattice, composition, a_guess, repeat, s, comm) for s in seeds]
    medium = EffectiveMedium(pot.name, pot.content_hash, lattice, composition, repeat, cells, cutoff)
    if use_cache and comm.rank == 0:
        data = medium.to_dict()
        data["compute_time_s"] = time.perf_counter() - start
        write_json_atomically(path, data)
    return medium

"""Material properties computed from an interatomic potential with LAMMPS.

The continuum must carry exactly the elastic law of the atoms it is coupled to: a
mismatch between the potential's elastic constants and the finite elements' is itself
a source of ghost forces (DESIGN.md §4). Everything here is computed, not looked up:

- lattice parameter a0: root of the hydrostatic pressure P(a) = 0 (Brent's method);
- cohesive energy: isolated-atom energy minus the bulk energy per atom at a0 (the
  isolated atom's energy is not zero for every tabulated potential, e.g. Al_jnp);
- elastic constants: central finite differences of the virial stress under ±δ strain,
  relaxed-ion (internal coordinates minimised at fixed strain) and clamped-ion;
- surface energies γ(hkl) = (E_slab − N e_bulk) / (2A) of relaxed slabs, cut through
  the widest interlayer gap (the shuffle plane of diamond {111});
- interaction cutoff: range beyond which a dimer no longer interacts.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

import numpy as np
from ase import Atoms
from ase.data import atomic_numbers, reference_states
from ase.units import J, m
from scipy.optimize import brentq

from .. import __version__
from ..atomistic.crystal import ATOMS_PER_CUBIC_CELL, check_lattice, cubic_cell, oriented_crystal
from ..atomistic.lammps_instance import lammps_version
from ..atomistic.potentials import Potential, load_potential
from ..atomistic.region import AtomisticRegion
from ..errors import InputError

#: eV/Å² to J/m².
EV_PER_A2_TO_J_PER_M2 = 1.0 / (J / m**2)

#: Orientations (x, y, z) whose z is the surface normal.
SURFACE_ORIENTATIONS = {
    "100": ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
    "110": ((0, 0, 1), (1, -1, 0), (1, 1, 0)),
    "111": ((1, -1, 0), (1, 1, -2), (1, 1, 1)),
}

#: Bumped whenever a change here changes computed numbers (invalidates caches).
METHOD_VERSION = 2

STRAIN_STEP = 1.0e-3
FORCE_TOLERANCE_eV_per_A = 1.0e-8


@dataclass
class MaterialProperties:
    """Properties of one element of a potential in one lattice.

    Elastic matrices are 6×6 Voigt (xx, yy, zz, yz, xz, xy; engineering shear
    strains) in the cubic crystal frame, GPa.
    """

    potential: str
    potential_hash: str
    element: str
    lattice: str
    a0_A: float
    cohesive_energy_eV: float
    isolated_atom_energy_eV: float
    atomic_volume_A3: float
    cutoff_A: float
    C11_GPa: float
    C12_GPa: float
    C44_GPa: float
    C44_unrelaxed_GPa: float
    bulk_modulus_GPa: float
    C_GPa: list[list[float]]
    C_unrelaxed_GPa: list[list[float]]
    gamma_100_J_per_m2: float
    gamma_110_J_per_m2: float
    gamma_111_J_per_m2: float
    method_version: int = METHOD_VERSION
    compute_time_s: float = 0.0
    provenance: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """Plain-JSON representation."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "MaterialProperties":
        """The properties in ``data`` (as written by :meth:`to_dict`).

        Raises
        ------
        TypeError, ValueError
            ``data`` is not a table of these fields, or a property is not a finite number
            (6×6 matrices for the ``C`` fields).
        """
        props = cls(**data)
        numbers = [getattr(props, f) for f in ("a0_A", "cohesive_energy_eV", "atomic_volume_A3", "cutoff_A",
                                                "C11_GPa", "C12_GPa", "C44_GPa", "gamma_100_J_per_m2",
                                                "gamma_110_J_per_m2", "gamma_111_J_per_m2")]
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v) for v in numbers):
            raise ValueError("a material property is not a finite number")
        for matrix in (props.C_GPa, props.C_unrelaxed_GPa):
            if np.shape(matrix) != (6, 6) or not np.all(np.isfinite(np.asarray(matrix, float))):
                raise ValueError("an elastic matrix is not 6×6 finite numbers")
        return props

    @property
    def C_voigt_GPa(self) -> np.ndarray:
        """Relaxed-ion 6×6 elastic matrix, GPa."""
        return np.array(self.C_GPa)


# ---------------------------------------------------------------------- small computations
def _energy_and_stress(atoms: Atoms, potential: Potential, comm, relax: bool = False):
    """Energy (eV) and stress (GPa) of ``atoms``; optionally after relaxing ions at fixed cell."""
    with AtomisticRegion(atoms, potential, comm=comm) as region:
        energy = region.compute()
        stress = region.stress_GPa()
        if relax:
            region.minimize(FORCE_TOLERANCE_eV_per_A, max_iterations=2000)
            energy = region.compute()
            return energy, stress, region.stress_GPa()
        return energy, stress


def interaction_cutoff(potential: Potential, element: str, comm=None,
                       r_min_A: float = 1.0, r_max_A: float = 20.0) -> float:
    """Smallest distance beyond which two atoms of ``element`` no longer interact, Å.

    Found by bisection on whether a dimer's energy differs from that of two
    separated atoms at all; 1e-4 Å precision.
    """
    far = 2.5 * r_max_A
    with AtomisticRegion(Atoms(2 * element, positions=[[0, 0, 0], [far, 0, 0]]), potential,
                         comm=comm) as region:
        def energy_at(r: float) -> float:
            region.set_displacements(np.array([2]), np.array([[r - far, 0.0, 0.0]]))
            return region.compute()

        e_far = energy_at(far)
        if energy_at(r_max_A) != e_far:
            raise InputError(f"{potential.name}: atoms still interact at {r_max_A} Å", field="cutoff")
        lo, hi = r_min_A, r_max_A
        while hi - lo > 1e-4:
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if energy_at(mid) != e_far else (lo, mid)
        return hi


def isolated_atom_energy(potential: Potential, element: str, comm=None) -> float:
    """Energy of one atom of ``element`` in vacuum, eV (zero for most, not all, potentials)."""
    with AtomisticRegion(Atoms(element, positions=[[0, 0, 0]]), potential, comm=comm) as region:
        return region.compute()


def equilibrium_lattice_parameter(potential: Potential, element: str, lattice: str,
                                  a_guess_A: float, repeat: int, comm=None) -> float:
    """Cubic lattice parameter at zero pressure, Å: root of P(a) by Brent's method."""
    def pressure(a: float) -> float:
        _, stress = _energy_and_stress(cubic_cell(lattice, element, a, repeat), potential, comm)
        return -np.trace(stress) / 3.0

    lo, hi = 0.97 * a_guess_A, 1.03 * a_guess_A
    for _ in range(8):
        if pressure(lo) > 0.0 > pressure(hi):
            return brentq(pressure, lo, hi, xtol=1e-9, rtol=1e-12)
        lo, hi = 0.95 * lo, 1.05 * hi
    raise InputError(f"{potential.name}: no zero-pressure lattice parameter for {element} "
                     f"in {lattice} near {a_guess_A:.3f} Å", field="lattice")


def voigt_strain(j: int, delta: float) -> np.ndarray:
    """Symmetric strain tensor of Voigt component ``j`` (engineering shear) with size ``delta``."""
    pairs = [(0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1)]
    a, b = pairs[j]
    eps = np.zeros((3, 3))
    eps[a, b] = eps[b, a] = delta if a == b else delta / 2
    return eps


def voigt_stress(sigma: np.ndarray) -> np.ndarray:
    """Voigt vector (xx, yy, zz, yz, xz, xy) of a 3×3 stress."""
    return np.array([sigma[0, 0], sigma[1, 1], sigma[2, 2], sigma[1, 2], sigma[0, 2], sigma[0, 1]])


def elastic_constants(potential: Potential, element: str, lattice: str, a0_A: float,
                      repeat: int, comm=None, delta: float = STRAIN_STEP) -> tuple[np.ndarray, np.ndarray]:
    """Relaxed-ion and clamped-ion 6×6 elastic matrices (GPa) by central stress differences.

    Returns
    -------
    C_relaxed, C_clamped : (6, 6) ndarray
        Voigt matrices, symmetrised, GPa.
    """
    reference = cubic_cell(lattice, element, a0_A, repeat)
    relaxed, clamped = np.zeros((6, 6)), np.zeros((6, 6))
    for j in range(6):
        columns = []
        for sign in (+1, -1):
            atoms = reference.copy()
            strain = voigt_strain(j, sign * delta)
            atoms.set_cell(reference.cell.array @ (np.eye(3) + strain).T, scale_atoms=True)
            _, s_clamped, s_relaxed = _energy_and_stress(atoms, potential, comm, relax=True)
            columns.append((voigt_stress(s_relaxed), voigt_stress(s_clamped)))
        relaxed[:, j] = (columns[0][0] - columns[1][0]) / (2 * delta)
        clamped[:, j] = (columns[0][1] - columns[1][1]) / (2 * delta)
    return 0.5 * (relaxed + relaxed.T), 0.5 * (clamped + clamped.T)


def surface_energy(potential: Potential, element: str, lattice: str, a0_A: float, normal: str,
                   cutoff_A: float, comm=None, vacuum_A: float = 12.0) -> float:
    """Relaxed energy of the ``normal`` = '100' | '110' | '111' surface, J/m².

    The slab is periodic in-plane, at least 4 cutoffs thick, and cut through the
    widest gap between atomic layers (for diamond {111} the shuffle plane, which
    breaks one bond per surface atom instead of three).
    """
    directions = SURFACE_ORIENTATIONS[normal]
    unit = oriented_crystal(lattice, element, a0_A, directions)
    lateral = [max(1, int(np.ceil(2.0 * cutoff_A / unit.cell[k, k]))) for k in (0, 1)]
    layers = max(1, int(np.ceil(4.0 * cutoff_A / unit.cell[2, 2])))
    crystal = oriented_crystal(lattice, element, a0_A, directions, size=(*lateral, layers))
    e_bulk, _ = _energy_and_stress(crystal, potential, comm)
    area = np.linalg.norm(np.cross(crystal.cell[0], crystal.cell[1]))

    period = unit.cell[2, 2]
    z = np.unique(np.round(np.mod(unit.positions[:, 2], period), 6))
    gaps = np.diff(np.append(z, z[0] + period))
    cut = z[int(np.argmax(gaps))] + 0.5 * gaps.max()  # middle of the widest gap

    slab = crystal.copy()
    positions = slab.positions
    positions[:, 2] = np.mod(positions[:, 2] - cut, crystal.cell[2, 2]) + vacuum_A
    slab.positions = positions
    slab.cell[2] = [0, 0, crystal.cell[2, 2] + 2 * vacuum_A]
    slab.pbc = (True, True, False)
    with AtomisticRegion(slab, potential, comm=comm) as region:
        region.minimize(FORCE_TOLERANCE_eV_per_A * 100, max_iterations=5000)
        e_slab = region.compute()
    return (e_slab - e_bulk) / (2 * area) * EV_PER_A2_TO_J_PER_M2


# ---------------------------------------------------------------------- all together
def compute_material_properties(potential: str | Potential, element: str | None = None,
                                lattice: str | None = None, comm=None) -> MaterialProperties:
    """Compute all properties of ``element`` in ``lattice`` with ``potential`` (collective).

    Parameters
    ----------
    potential : str, path or Potential
    element : str, optional
        Defaults to the potential's ``default_element``.
    lattice : {'fcc', 'bcc', 'diamond'}, optional
        Defaults to the potential's ``lattice``.
    comm : mpi4py.MPI.Comm, optional

    Returns
    -------
    MaterialProperties
    """

    start = time.perf_counter()
    pot = load_potential(potential)
    element = element or pot.default_element
    lattice = lattice or pot.lattice
    check_lattice(lattice)
    pot.check_elements(element)

    cutoff = interaction_cutoff(pot, element, comm)
    a_guess = _lattice_guess(pot, element, lattice)
    repeat = max(2, int(np.ceil(2.0 * cutoff / a_guess)))
    a0 = equilibrium_lattice_parameter(pot, element, lattice, a_guess, repeat, comm)
    e_bulk, _ = _energy_and_stress(cubic_cell(lattice, element, a0, repeat), pot, comm)
    n_atoms = ATOMS_PER_CUBIC_CELL[lattice] * repeat**3
    e_atom = isolated_atom_energy(pot, element, comm)
    cohesive = e_atom - e_bulk / n_atoms
    C, C0 = elastic_constants(pot, element, lattice, a0, repeat, comm)
    gammas = {n: surface_energy(pot, element, lattice, a0, n, cutoff, comm) for n in SURFACE_ORIENTATIONS}
    return MaterialProperties(
        potential=pot.name, potential_hash=pot.content_hash, element=element, lattice=lattice,
        a0_A=a0, cohesive_energy_eV=cohesive, isolated_atom_energy_eV=e_atom,
        atomic_volume_A3=a0**3 / ATOMS_PER_CUBIC_CELL[lattice], cutoff_A=cutoff,
        C11_GPa=float(np.mean(np.diag(C)[:3])),
        C12_GPa=float(np.mean([C[0, 1], C[0, 2], C[1, 2]])),
        C44_GPa=float(np.mean(np.diag(C)[3:])),
        C44_unrelaxed_GPa=float(np.mean(np.diag(C0)[3:])),
        bulk_modulus_GPa=float(C[:3, :3].sum() / 9.0),
        C_GPa=C.tolist(), C_unrelaxed_GPa=C0.tolist(),
        gamma_100_J_per_m2=gammas["100"], gamma_110_J_per_m2=gammas["110"],
        gamma_111_J_per_m2=gammas["111"],
        compute_time_s=time.perf_counter() - start,
        provenance={"handshake": __version__, "lammps": lammps_version(),
                    "potential_files": [str(f) for f in pot.files]},
    )


def _lattice_guess(pot: Potential, element: str, lattice: str) -> float:
    """Starting lattice parameter: the registry's reference, else ASE's experimental value
    rescaled to ``lattice`` at equal atomic volume."""
    if pot.reference and pot.reference.a0_A and element == pot.default_element and lattice == pot.lattice:
        return pot.reference.a0_A
    state = reference_states[atomic_numbers[element]] or {}
    a = state.get("a")
    own = {"fcc": 4, "bcc": 2, "diamond": 8}.get(state.get("symmetry", ""), None)
    if a is None or own is None:
        raise InputError(f"no starting lattice parameter for {element}; add reference.a0_A to the "
                         f"potential entry", field="reference.a0_A")
    volume_per_atom = a**3 / own
    return float((volume_per_atom * ATOMS_PER_CUBIC_CELL[lattice]) ** (1 / 3))

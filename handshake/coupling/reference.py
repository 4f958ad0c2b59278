"""Fully atomistic reference of a coupled problem, and the comparison of the two.

The reference fills the whole continuum domain of the coupled model with atoms (same
crystal, same centre, same lattice registry), surrounds it by a shell one pad width thick
held at the applied far field — so that both models have their Dirichlet boundary at
the same radius — and relaxes everything else with LAMMPS CG on the true energy.
Atoms of the coupled model are a subset of the reference's, matched by reference site.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, replace

import numpy as np
from scipy.spatial import cKDTree

from ..atomistic import AtomisticRegion
from .geometry import FREE, PAD, crystal_disc
from .methods import RelaxationResult
from .model import CoupledModel, field_displacements


class FullyAtomisticModel:
    """Free atoms filling a disc, a shell outside it held at the far field.

    It offers the parts of :class:`CoupledModel`'s interface that studies use (``apply``,
    ``relax``, ``displacements``, ``k_field``, ``dislocation``, the crystal, centre and
    material), so that a K ramp or a relaxation runs unchanged on either.

    Parameters
    ----------
    coupled : CoupledModel
        The model whose crystal, centre, potential and far fields are reproduced.
    radius_A : float, optional
        Radius of the free atoms; default the coupled model's outer radius (the same
        domain, with the Dirichlet boundary at the same place).
    """

    def __init__(self, coupled: CoupledModel, radius_A: float | None = None):
        g = coupled.geometry
        radius = g.outer_radius_A if radius_A is None else radius_A
        if not (np.isfinite(radius) and radius >= g.atomistic_radius_A):
            raise ValueError(f"radius_A must be finite and ≥ the coupled model's atomistic radius "
                             f"{g.atomistic_radius_A:g} Å, got {radius!r}")
        atoms, r = crystal_disc(coupled.crystal, coupled.centre, radius + g.pad_width_A)
        if getattr(coupled, "species", None) is not None:  # the same random alloy, site by site
            atoms.set_chemical_symbols(coupled.species(atoms.positions))
        self.symbols = atoms.get_chemical_symbols()
        self.reference_positions = atoms.positions.copy()
        ids = np.arange(1, len(atoms) + 1)
        self.shell_ids = ids[r >= radius]
        self.atom_region = np.where(r >= radius, PAD, FREE)
        self.atomistic = AtomisticRegion(atoms, coupled.potential, comm=coupled.comm,
                                         groups={"shell": self.shell_ids})
        self.applied = np.zeros((len(atoms), 3))
        self.coupled = coupled
        # all atoms inside the shell are free: no handshake zone
        self.geometry = replace(g, atomistic_radius_A=radius, handshake_width_A=0.0)
        self.crystal, self.centre = coupled.crystal, coupled.centre
        self.properties, self.orientation = coupled.properties, coupled.orientation
        self.radius_A = radius

    def k_field(self, *args, **kwargs):
        return self.coupled.k_field(*args, **kwargs)

    def dislocation(self, *args, **kwargs):
        return self.coupled.dislocation(*args, **kwargs)

    def apply(self, *fields, moved_ids=None) -> None:
        """Impose Σ ``fields``: every atom (or those of ``moved_ids``) moves by the change of
        the applied field at its site."""
        new = field_displacements(fields, self.reference_positions)
        ids = np.arange(1, len(new) + 1) if moved_ids is None else np.asarray(moved_ids, dtype=np.int64)
        self.atomistic.displace(ids, (new - self.applied)[ids - 1])
        self.applied = new

    def relax(self, fmax_eV_per_A: float = 1e-4, max_iterations: int = 50000) -> RelaxationResult:
        """CG relaxation of all atoms but the outer shell, finished with FIRE where CG's line
        search stalls on round-off at tight tolerances (collective)."""
        result = self.atomistic.minimize(fmax_eV_per_A, max_iterations, style="cg", fixed=("shell",))
        iterations, passes = result.iterations, 1
        if not result.converged:
            result = self.atomistic.minimize(fmax_eV_per_A, max_iterations, style="fire", fixed=("shell",))
            iterations, passes = iterations + result.iterations, 2
        return RelaxationResult(result.converged, result.max_force_eV_per_A, iterations, passes, "fully atomistic")

    def displacements(self) -> np.ndarray:
        """Atom displacements by id − 1, (n, 3) Å, within half a period along the front of
        the applied field (see :meth:`CoupledModel.nearest_to_applied`; collective)."""
        return self.coupled.nearest_to_applied(self.atomistic.gather_displacements(), self.applied)

    @property
    def n_atoms(self) -> int:
        return len(self.reference_positions)

    def close(self) -> None:
        self.atomistic.close()

    def __enter__(self) -> "FullyAtomisticModel":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@dataclass
class ReferenceComparison:
    """Coupled versus fully atomistic solution of the same problem.

    Attributes
    ----------
    max_displacement_error_A, rms_displacement_error_A : float
        Over the free atoms of the coupled model, Å.
    energy_difference_eV : float
        Potential energy of the free atoms, coupled minus reference, eV.
    dof_ratio : float
        Degrees of freedom of the reference / of the coupled model (atoms + nodes).
    speedup : float
        Relaxation wall time of the reference / of the coupled model.
    """

    atomistic_radius_A: float
    max_displacement_error_A: float
    rms_displacement_error_A: float
    energy_difference_eV: float
    coupled_atoms: int
    coupled_nodes: int
    reference_atoms: int
    dof_ratio: float
    coupled_time_s: float
    reference_time_s: float
    speedup: float
    coupled_residual_eV_per_A: float
    reference_converged: bool
    method: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class ReferenceSolution:
    """A relaxed fully atomistic reference: sites, displacements, per-atom energies."""

    positions: np.ndarray
    displacements: np.ndarray
    energies: np.ndarray
    time_s: float
    converged: bool


def relaxed_state(model, fields, fmax_eV_per_A: float):
    """Apply ``fields`` to ``model`` (coupled or fully atomistic) and relax it (collective).

    Returns
    -------
    result, seconds, displacements (n, 3) Å, per-atom energies (n,) eV
    """
    model.apply(*fields)
    start = time.perf_counter()
    result = model.relax(fmax_eV_per_A)
    elapsed = time.perf_counter() - start
    return result, elapsed, model.displacements(), model.atomistic.gather_energies()


def solve_reference(coupled: CoupledModel, fields, fmax_eV_per_A: float = 1e-4, check=None) -> ReferenceSolution:
    """Relax the fully atomistic counterpart of ``coupled`` under ``fields`` (collective);
    ``check(model, label)`` is called on the relaxed reference model (a run-time guard:
    it raises to stop)."""
    with FullyAtomisticModel(coupled) as reference:
        result, elapsed, u, energies = relaxed_state(reference, fields, fmax_eV_per_A)
        if check is not None:
            check(reference, "in the fully atomistic reference")
    return ReferenceSolution(reference.reference_positions, u, energies, elapsed, result.converged)


def compare_with_reference(coupled: CoupledModel, fields, fmax_eV_per_A: float = 1e-4,
                           reference: ReferenceSolution | None = None, check=None) -> ReferenceComparison:
    """Relax ``coupled`` under ``fields`` and compare with its fully atomistic reference
    (solved here unless given; it depends on the outer radius, not the atomistic one).

    ``check(model, label)``, if given, is called on each relaxed model, the coupled one
    and the reference (run-time guards, e.g. a defect at the handshake zone or at the
    reference's fixed shell: it raises to stop the comparison)."""
    result, coupled_time, u_coupled, e_coupled = relaxed_state(coupled, fields, fmax_eV_per_A)
    if check is not None:
        check(coupled, "in the coupled relaxation")
    if reference is None:
        reference = solve_reference(coupled, fields, fmax_eV_per_A, check)

    distance, match = cKDTree(reference.positions).query(coupled.reference_positions)
    if distance.max() > 1e-6:
        raise RuntimeError("coupled atoms are not on the reference lattice")
    free = np.flatnonzero(coupled.atom_region != PAD)
    error = np.linalg.norm(u_coupled[free] - reference.displacements[match[free]], axis=1)
    coupled_dofs = 3 * coupled.n_atoms + 3 * coupled.zone.mesh.n_nodes
    n_reference = len(reference.positions)
    return ReferenceComparison(
        atomistic_radius_A=coupled.geometry.atomistic_radius_A,
        max_displacement_error_A=float(error.max()),
        rms_displacement_error_A=float(np.sqrt(np.mean(error**2))),
        energy_difference_eV=float(e_coupled[free].sum() - reference.energies[match[free]].sum()),
        coupled_atoms=coupled.n_atoms, coupled_nodes=coupled.zone.mesh.n_nodes,
        reference_atoms=n_reference, dof_ratio=3 * n_reference / coupled_dofs,
        coupled_time_s=coupled_time, reference_time_s=reference.time_s,
        speedup=reference.time_s / coupled_time,
        coupled_residual_eV_per_A=result.max_residual_force_eV_per_A,
        reference_converged=reference.converged, method=result.method)

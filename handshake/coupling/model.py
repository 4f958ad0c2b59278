"""The coupled model: atoms in LAMMPS, anisotropic finite elements, one handshake zone.

Examples
--------
>>> model = CoupledModel("Cu_mishin1", orientation=[[1, -1, 0], [1, 1, 1], [-1, -1, 2]],
...                      geometry=CoupledGeometry(atomistic_radius_A=30, handshake_width_A=4,
...                                               outer_radius_A=300))
>>> model.apply(model.dislocation(burgers=[0.5, -0.5, 0.0]))   # a/2 [1-10] edge dislocation
>>> model.relax(fmax_eV_per_A=1e-4)
>>> u = model.displacements()                                   # (n_atoms, 3), Å
"""

from __future__ import annotations

import numpy as np
from mpi4py import MPI

from ..atomistic import AtomisticRegion
from ..continuum import HomogeneousStrain, KField, Material, StrohDislocation
from ..errors import InputError
from .geometry import FREE, HANDSHAKE, PAD, CoupledGeometry, build_cluster, continuum_mesh, site_spacing
from .handshake_zone import HandshakeZone
from .internal_relaxation import InternalRelaxation, field_gradients
from .methods import RelaxationResult, coupling_method
from .methods.force import MINIMISERS
from .plan import plan_model

#: most minimiser iterations of one relaxation: LAMMPS counts iterations and force
#: evaluations (10 × iterations; 500 × for a fully atomistic reference) in 32-bit integers
MAX_ITERATIONS = 1_000_000


def field_displacements(fields, points_xy: np.ndarray) -> np.ndarray:
    """Sum of the fields' displacements at in-plane points, (n, 3) Å."""
    points = np.column_stack([points_xy[:, :2], np.zeros(len(points_xy))])
    total = np.zeros((len(points), 3))
    for field in fields:
        u = np.asarray(field.displacements(points))
        total[:, :u.shape[1]] += u
    return total


def check_relaxation_settings(fmax_eV_per_A: float, max_iterations: int) -> None:
    """Raise :class:`ValueError` unless the force tolerance (eV/Å) is finite and > 0 and
    the iteration cap an integer from 1 to :data:`MAX_ITERATIONS` (booleans are neither)."""
    if not (isinstance(fmax_eV_per_A, (int, float, np.floating)) and not isinstance(fmax_eV_per_A, bool)
            and np.isfinite(fmax_eV_per_A) and fmax_eV_per_A > 0):
        raise ValueError(f"fmax_eV_per_A must be a finite force tolerance > 0 eV/Å, got {fmax_eV_per_A!r}")
    if not (isinstance(max_iterations, (int, np.integer)) and not isinstance(max_iterations, bool)
            and 0 < max_iterations <= MAX_ITERATIONS):
        raise ValueError(f"max_iterations must be an integer from 1 to {MAX_ITERATIONS}, got {max_iterations!r}")


class CoupledModel:
    """A defect's atoms coupled to an anisotropic elastic continuum (quasi-2D, periodic in z).

    Parameters
    ----------
    potential : str, path or Potential
        Registered potential.
    orientation : (3, 3) ints
        Crystal directions along lab x, y, z; z is the line (dislocation) or front (crack).
    geometry : CoupledGeometry
        Radii of atomistic, handshake, pad and continuum regions.
    element, lattice : str, optional
        Default: the potential's ``default_element`` and ``lattice``.
    method : str
        Coupling method: ``"force"`` (default), ``"energy-gfc"`` or ``"schwarz"``.
    minimiser : str, optional
        The force method's relaxation: ``"fire"`` (default) or ``"precon-fire"``
        (:mod:`handshake.coupling.methods.force`).
    comm : mpi4py.MPI.Comm, optional
    source : str
        Name used in error messages for the origin of the set-up (a scenario file).
    properties : MaterialProperties, optional
        Lattice parameter, elastic constants and interaction range of the continuum and
        the lattice; default those of ``element`` with the potential (cached). A random
        alloy passes its effective medium (:mod:`handshake.alloys`).
    species : callable, optional
        ``species(positions_A) -> list of symbols`` for the atoms' reference sites (a
        random solid solution); default every atom is ``element``.

    Attributes
    ----------
    atomistic : AtomisticRegion
        The atoms; groups ``free``, ``handshake``, ``pad`` and ``boundary`` (handshake + pad).
    zone : HandshakeZone
        The finite elements and their correspondence with the atoms.
    properties : MaterialProperties
        a0, elastic constants and interaction range of the potential.
    """

    def __init__(self, potential, orientation, geometry: CoupledGeometry, element: str | None = None,
                 lattice: str | None = None, method: str = "force", comm=None, source: str = "model",
                 properties=None, species=None, minimiser: str | None = None):
        if not isinstance(geometry, CoupledGeometry):
            raise TypeError(f"geometry must be a CoupledGeometry, got {type(geometry).__name__}")
        self.comm = comm if comm is not None else MPI.COMM_WORLD
        method_class = coupling_method(method)
        if minimiser is not None and method != "force":
            raise InputError(f"a minimiser is chosen for the force method only, not {method!r}", source=source,
                             field="minimiser")
        if minimiser is not None and minimiser not in MINIMISERS:
            raise InputError(f"unknown minimiser {minimiser!r}; expected one of {', '.join(MINIMISERS)}",
                             source=source, field="minimiser")
        plan = plan_model(potential, orientation, geometry, element, lattice, properties, self.comm, source)
        self.potential, self.properties, self.crystal, self.geometry = (plan.potential, plan.properties,
                                                                        plan.crystal, plan.geometry)
        self.orientation = plan.orientation
        self.species = species

        atoms, self.atom_region, self.centre = build_cluster(self.crystal, self.geometry)
        if species is not None:
            atoms.set_chemical_symbols(species(atoms.positions))
        self.symbols = atoms.get_chemical_symbols()
        self.reference_positions = atoms.positions.copy()
        self.basis = atoms.arrays["basis"].copy()
        self.internal = (InternalRelaxation(self.potential, self.crystal, self.comm)
                         if self.properties.lattice == "diamond" else None)
        ids = np.arange(1, len(atoms) + 1)
        groups = {"free": ids[self.atom_region != PAD], "handshake": ids[self.atom_region == HANDSHAKE],
                  "pad": ids[self.atom_region == PAD], "boundary": ids[self.atom_region != FREE]}
        self.atomistic = AtomisticRegion(atoms, self.potential, comm=self.comm, groups=groups)

        g = self.geometry
        spacing = site_spacing(atoms.positions[:, :2])
        mesh = continuum_mesh(g, self.centre, atoms.positions[:, :2], spacing)
        # where the far fields are evaluated for the nodes: the lower copies of nodes on a
        # crack face sit just below it, on their side of the fields' branch cut
        self.field_points = mesh.points.copy()
        if g.crack:
            self.field_points[mesh.node_sets["slit_lower"], 1] -= 1e-6 * spacing
        self.material = Material(self.properties.C_voigt_GPa, self.orientation)
        self.zone = HandshakeZone(mesh, self.material, self.crystal.period_z_A, self.atom_region)
        self.fields: list = []
        #: u_app(X) plus sublattice shifts, by atom id − 1, Å
        self.applied_displacements_atoms = np.zeros((len(atoms), 3))
        self.applied_displacements_nodes = np.zeros((mesh.n_nodes, 3))
        self.applied_on_boundary = np.zeros((self.zone.boundary_ids.size, 3))
        #: fixed displacements added to every applied field, by atom id − 1, Å: the local
        #: relaxation of a random alloy about its effective medium's lattice
        #: (:func:`handshake.alloys.misfit.local_relaxation`); zero otherwise
        self.local_relaxation_atoms = np.zeros((len(atoms), 3))
        self.method = method_class(self) if minimiser is None else method_class(self, minimiser=minimiser)

    # ------------------------------------------------------------------ far fields
    def dislocation(self, burgers, line=None, slip_plane=None, core=None) -> StrohDislocation:
        """Anisotropic (Stroh) field of a straight dislocation along lab z in this crystal.

        Parameters
        ----------
        burgers : (3,) array
            Burgers vector in crystal coordinates, units of a0 (e.g. ``[0.5, -0.5, 0]``).
        line, slip_plane : (3,) arrays, optional
            Crystal directions; default the lab z and y axes of ``orientation``.
        core : (x, y), optional
            Core position, Å; default the model's centre.
        """
        return StrohDislocation(self.properties.C_voigt_GPa, self.orientation,
                                np.asarray(burgers, float) * self.properties.a0_A,
                                self.orientation[2] if line is None else line,
                                self.orientation[1] if slip_plane is None else slip_plane,
                                core=tuple(self.centre) if core is None else core)

    def k_field(self, K_I_MPa_sqrt_m: float, K_II_MPa_sqrt_m: float = 0.0, K_III_MPa_sqrt_m: float = 0.0,
                tip=None) -> KField:
        """Anisotropic crack-tip field in this crystal: modes I and II in plane strain (Sih,
        Paris & Irwin), mode III anti-plane (see :class:`~handshake.continuum.KField`).

        The crack faces are ``y = tip_y, x < tip_x``; build the model with
        ``CoupledGeometry(crack=True)`` so that the continuum has the matching slit.

        Parameters
        ----------
        K_I_MPa_sqrt_m, K_II_MPa_sqrt_m, K_III_MPa_sqrt_m : float
            Mode I, II and III stress intensity factors, MPa·m^½.
        tip : (x, y), optional
            Tip position, Å; default the model's centre.
        """
        for name, K in (("K_I_MPa_sqrt_m", K_I_MPa_sqrt_m), ("K_II_MPa_sqrt_m", K_II_MPa_sqrt_m),
                        ("K_III_MPa_sqrt_m", K_III_MPa_sqrt_m)):
            if not np.isfinite(K):
                raise ValueError(f"{name} must be a finite number, got {K!r}")
        return KField(self.properties.C_voigt_GPa, self.orientation, K_I_MPa_sqrt_m, K_II_MPa_sqrt_m,
                      tip=tuple(self.centre) if tip is None else tip, K_III=K_III_MPa_sqrt_m)

    def homogeneous_strain(self, gradient) -> HomogeneousStrain:
        """Affine field u = G (x − centre) for a displacement gradient G (3×3, lab frame;
        the z column must vanish in this quasi-2D model)."""
        G = np.asarray(gradient, dtype=float)
        if G.shape != (3, 3) or not np.all(np.isfinite(G)):
            raise InputError(f"expected a finite 3×3 displacement gradient, got {gradient!r}", field="gradient")
        if np.any(G[:, 2] != 0):
            raise InputError("a quasi-2D model cannot carry ∂u/∂z; the third column must be zero",
                             field="gradient")
        return HomogeneousStrain(G, origin=np.array([*self.centre, 0.0]))

    def apply(self, *fields, moved_ids=None) -> None:
        """Impose the far field Σ ``fields`` (replacing the previous one) on the model.

        Every atom is moved by the change of the applied field at its reference site,
        so a relaxed core is kept across load steps; the continuum carries the applied
        field exactly and solves for a correction that vanishes on the outer boundary.
        In lattices with a basis the atoms also carry the sublattice shifts of the
        local strain (exact for one homogeneous field, first order otherwise).

        With ``moved_ids`` (atom ids) only those atoms are moved by the change, the
        others keep their positions: used when a dislocation's far field follows its
        core, whose atoms must not be dragged across the field's branch cut.
        """
        new_atoms = field_displacements(fields, self.reference_positions) + self.local_relaxation_atoms
        if self.internal is not None:
            if fields and all(isinstance(f, HomogeneousStrain) for f in fields):
                new_atoms += self.internal.exact(sum(f.gradient for f in fields))[self.basis]
            elif fields:
                gradients = field_gradients(lambda p: field_displacements(fields, p), self.reference_positions)
                new_atoms += self.internal.linear(gradients, self.basis)
        ids = np.arange(1, len(new_atoms) + 1) if moved_ids is None else np.asarray(moved_ids, dtype=np.int64)
        self.atomistic.displace(ids, (new_atoms - self.applied_displacements_atoms)[ids - 1])
        self.fields = list(fields)
        self.applied_displacements_atoms = new_atoms
        self.applied_displacements_nodes = field_displacements(fields, self.field_points)
        self.applied_on_boundary = new_atoms[self.zone.boundary_ids - 1]

    def place_on_applied_field(self) -> None:
        """Put every atom exactly at X + u_app(X), discarding any relaxation (collective)."""
        ids = np.arange(1, self.n_atoms + 1)
        self.atomistic.set_displacements(ids, self.applied_displacements_atoms)

    # ------------------------------------------------------------------ solving
    def relax(self, fmax_eV_per_A: float = 1e-4, max_iterations: int = 20000) -> RelaxationResult:
        """Relax atoms and continuum together at the current far field (collective)."""
        check_relaxation_settings(fmax_eV_per_A, max_iterations)
        return self.method.relax(fmax_eV_per_A, max_iterations)

    # ------------------------------------------------------------------ state (collective)
    def boundary_displacements(self, step) -> np.ndarray:
        """Displacements of the handshake and pad atoms, in the zone's node order, gathered
        from all ranks inside an exchange step; (n_boundary, 3) Å."""
        local = step.local_indices("boundary")
        slots = self.zone.boundary_slot[step.ids[local]]
        u = self.nearest_to_applied(step.displacements(local), self.applied_on_boundary[slots])
        out = np.empty((self.zone.boundary_ids.size, 3))
        if self.comm.size == 1:
            out[slots] = u
            return out
        # one buffer collective: rows (slot, u_x, u_y, u_z) from every rank
        counts = 4 * np.array(self.comm.allgather(slots.size))
        rows = np.empty(counts.sum())
        self.comm.Allgatherv(np.column_stack([slots, u]).ravel(), [rows, counts])
        rows = rows.reshape(-1, 4)
        out[rows[:, 0].astype(np.int64)] = rows[:, 1:]
        return out

    def atomistic_displacements(self) -> np.ndarray:
        """Displacements of all atoms by id − 1, (n, 3) Å."""
        return self.nearest_to_applied(self.atomistic.gather_displacements(), self.applied_displacements_atoms)

    def nearest_to_applied(self, u: np.ndarray, applied: np.ndarray) -> np.ndarray:
        """Atom displacements ``u`` (minimum image along the periodic line, ``|u_z|`` ≤ half the
        slab period) shifted by whole periods to lie within half a period of the applied
        field ``applied``, Å.

        LAMMPS positions along the periodic z axis are known only modulo the slab
        period. For a screw dislocation whose Burgers vector is that period (bcc ½⟨111⟩)
        the applied u_z reaches ±b/2 next to the field's cut, and a minimum-image u_z
        would jump by b there; the continuum must see the atoms' small departure from
        the applied field instead.
        """
        period = self.crystal.period_z_A
        u = np.array(u, dtype=float, copy=True)
        u[:, 2] -= period * np.round((u[:, 2] - applied[:, 2]) / period)
        return u

    def atomistic_forces(self) -> np.ndarray:
        """Forces of the potential alone on all atoms at the current positions, (n, 3) eV/Å."""
        self.atomistic.compute()
        return self.atomistic.gather_forces()

    def continuum_correction(self) -> np.ndarray:
        """Continuum correction û at the nodes for the atoms' current state, (n_nodes, 3) Å."""
        u = self.atomistic_displacements()[self.zone.boundary_ids - 1]
        return self.zone.driven_by_atoms.solve(u - self.applied_on_boundary)

    def continuum_displacements(self) -> np.ndarray:
        """Total continuum displacement u_app + û at the nodes, (n_nodes, 3) Å."""
        return self.applied_displacements_nodes + self.continuum_correction()

    def continuum_residual(self) -> np.ndarray:
        """Nodal forces K û at the current state, (n_nodes, 3) eV/Å."""
        return self.zone.driven_by_atoms.residual(self.continuum_correction())

    def displacements(self) -> np.ndarray:
        """Atom displacements from the perfect crystal, by id − 1, (n, 3) Å."""
        return self.atomistic_displacements()

    def residual_forces(self) -> tuple[np.ndarray, np.ndarray]:
        """Force-based residual of the coupled equilibrium (collective).

        Returns
        -------
        atoms : (n_atoms, 3) ndarray
            Potential forces on free atoms, the continuum's forces on pad atoms (−K û at
            their nodes), eV/Å.
        nodes : (n_nodes, 3) ndarray
            Continuum residual at the nodes not driven by atoms or the far field
            (zero there up to round-off by construction), eV/Å.
        """
        forces = self.atomistic_forces()
        residual = self.continuum_residual()
        forces[self.zone.pad_ids - 1] = -residual[self.zone.pad_nodes]    # the force on a pad atom: −K û
        free_nodes = np.ones(self.zone.mesh.n_nodes, dtype=bool)
        free_nodes[self.zone.boundary_nodes] = False
        free_nodes[self.zone.outer_nodes] = False
        nodes = np.where(free_nodes[:, None], residual, 0.0)
        return forces, nodes

    def max_residual_force(self) -> float:
        """Largest force-based residual on an atom or node, eV/Å (collective)."""
        atoms, nodes = self.residual_forces()
        return float(max(np.linalg.norm(atoms, axis=1).max(), np.linalg.norm(nodes, axis=1).max()))

    @property
    def n_atoms(self) -> int:
        return len(self.reference_positions)

    def close(self) -> None:
        """Release LAMMPS (collective)."""
        self.atomistic.close()

    def __enter__(self) -> "CoupledModel":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

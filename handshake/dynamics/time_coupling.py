"""Coupled dynamics: velocity Verlet for the atoms, central differences for the continuum,
exchanged every MD step inside one LAMMPS ``run``.

The atoms are integrated by LAMMPS (velocity Verlet, ``fix nve``); the finite elements by the
central-difference scheme with a lumped mass, in leapfrog form. The two meet in a handshake
zone:

- finite-element DOFs on the handshake zone may be *driven* by the free atoms there;
- pad atoms follow the finite elements (interpolated at their reference sites) and are not
  integrated by LAMMPS;
- every other node is integrated by the continuum with the force −K u plus what the
  coupling method adds.

How the loop is closed is a *dynamics method*, chosen by name from the registry
:data:`handshake.dynamics.DYNAMICS_METHODS` (package :mod:`handshake.dynamics.methods`):
``"force"`` (CADD / FEAt kinematics, the default), ``"energy"`` (pad forces on the nodes,
one Hamiltonian) and ``"bdm"`` (the bridging domain method: blended Hamiltonians tied by
Lagrange multipliers). See their modules.

Both integrators evaluate forces at the same instants t_n. LAMMPS calls ``fix external``
after it has computed the pair forces at x(t_n), so the callback at step n sees the free
atoms at t_n, sets the driven DOFs from them, computes the continuum acceleration a_n, and
advances the continuum to u_{n+1} = u_n + Δt v_{n+½}, v_{n+½} = v_{n−½} + Δt a_n. The pad
atoms are then moved to u_{n+1}; LAMMPS does not integrate them, so they sit there when the
pair forces of step n+1 are computed. The scheme is therefore the synchronous
velocity-Verlet / leapfrog pair, second order in Δt, with one exchange per step and no
extra LAMMPS call (DESIGN.md §6).

Units: Å, eV, ps, amu.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp
from mpi4py import MPI

from ..continuum import EV_PER_A_AMU_TO_A_PER_PS2
from .methods import dynamics_method
from .methods.base import DynamicsMethod

#: Boltzmann constant, eV/K (CODATA 2018)
KB_EV_PER_K = 8.617333262e-5


def gather_rows(comm, slots: np.ndarray, values: np.ndarray, n_rows: int) -> np.ndarray:
    """Rows of ``values`` that each rank holds at positions ``slots``, assembled on every rank.

    Parameters
    ----------
    comm : mpi4py.MPI.Comm
    slots : (k,) int
        Row of the result each local row belongs to; every row is held by one rank.
    values : (k, w) float
    n_rows : int

    Returns
    -------
    (n_rows, w) ndarray
        Identical on every rank whatever the number of ranks: the ranks' zero-filled
        arrays are summed, and x + 0 = x exactly.
    """
    values = np.asarray(values, dtype=float)
    values = values.reshape(len(slots), -1) if values.ndim != 2 else values
    out = np.zeros((n_rows, values.shape[1]))
    out[slots] = values
    if comm.size > 1:

        comm.Allreduce(MPI.IN_PLACE, out, op=MPI.SUM)
    return out


def slot_map(ids: np.ndarray, natoms: int) -> np.ndarray:
    """Array s with s[id] = position of ``id`` in ``ids`` (−1 for ids not listed)."""
    slots = np.full(natoms + 1, -1, dtype=np.int64)
    slots[np.asarray(ids, dtype=np.int64)] = np.arange(len(ids))
    return slots


class LocalRows:
    """The handshake and pad atoms one rank owns, in LAMMPS's local order at one instant.

    Built inside the exchange and kept by :class:`CoupledDynamics` until
    ``AtomisticRegion.local_order_version`` changes (LAMMPS migrated or sorted atoms), so
    that the per-step exchange does no id look-ups.

    Attributes
    ----------
    version : int
        The region's local-order version these rows belong to.
    handshake, pad : int arrays
        Local indices of the rank's handshake and pad atoms.
    handshake_slots, pad_slots : int arrays
        Position of each in ``dynamics.handshake_ids`` and ``dynamics.pad_ids``.
    handshake_reference, pad_reference : (k, 3) arrays
        Their reference positions, LAMMPS frame, Å.
    interpolation : sparse (3 k_pad, n_dofs)
        The rows of ``dynamics.P`` of the rank's pad atoms, in local order.
    handshake_applied, pad_applied : (k, 3) arrays
        Their applied displacements, Å.
    """

    def __init__(self, dynamics: "CoupledDynamics", step):
        region = dynamics.region
        self.version = region.local_order_version
        ids = step.ids
        self.handshake = step.local_indices("handshake")
        self.pad = step.local_indices("pad")
        self.handshake_slots = dynamics._hs_slot[ids[self.handshake]]
        self.pad_slots = pad_slots = dynamics._pad_slot[ids[self.pad]]
        self.handshake_reference = region.reference_positions[ids[self.handshake] - 1]
        self.pad_reference = region.reference_positions[ids[self.pad] - 1]
        self.interpolation = dynamics.P[(3 * pad_slots[:, None] + np.arange(3)).ravel()]
        self.pad_applied = dynamics.pad_applied[pad_slots]
        self.handshake_applied = dynamics.handshake_applied[self.handshake_slots]


class CoupledDynamics:
    """Atoms (LAMMPS, velocity Verlet) and a linear continuum (central differences) in lockstep.

    Parameters
    ----------
    region : AtomisticRegion
        The atoms, with groups ``handshake`` (free atoms that drive finite-element DOFs) and
        ``pad`` (atoms that follow the finite elements). Its cell must not be rotated with
        respect to the LAMMPS frame (orthogonal cells and the quasi-2D slabs are not).
    stiffness : sparse (n_dofs, n_dofs)
        Continuum stiffness K, eV/Å².
    mass_amu : (n_dofs,) array
        Lumped mass per DOF, amu.
    driven : sparse (n_dofs, 3 n_h)
        Driven DOF values from the handshake atoms' displacements: u[d] = (driven @ u_h)[d] for
        every DOF d with a non-empty row; u_h is (n_h, 3) flattened in the order of
        ``region.group_ids("handshake")``.
    pad_interpolation : sparse (3 n_p, n_dofs)
        Pad displacements (n_p, 3) flattened, in the order of ``region.group_ids("pad")``, from u.
    clamped_dofs : int array
        DOFs held at zero (outer boundary, out-of-model components).
    timestep_ps : float
        Δt, shared by atoms and continuum; below the continuum's critical step.
    energy_stiffness : sparse (n_dofs, n_dofs), optional
        The continuum's share of the strain energy, ½ uᵀ K_E u (elements weighted by the part
        of them outside the free atoms). Default: ``stiffness``.
    fixed_groups : tuple of str
        Further atom groups LAMMPS does not integrate (rigid walls).
    subcycles : int
        The continuum steps every ``subcycles`` MD steps with Δt_c = subcycles Δt (where
        that is below its critical step); between its steps the pad atoms move linearly from
        u_k to u_{k+n} and the handshake is not read. The energy coupling is then no longer
        one leapfrog (the pad forces are sampled every n-th step only).
    energy_mass_amu : (n_dofs,) array, optional
        The continuum's share of the kinetic energy, ½ Σ M_E v². Default: ``mass_amu``.
    method : str
        A name in :data:`~handshake.dynamics.DYNAMICS_METHODS` ("force", "energy", "bdm");
        see the method's module for what it expects of the matrices above.
    **method_options
        Passed to the method class (e.g. the bridging domain method's constraint).

    Notes
    -----
    The continuum state is replicated on every MPI rank: the handshake displacements are
    gathered by slot (not by rank order), so every rank advances identical numbers and the
    trajectory does not depend on the number of ranks beyond the round-off of LAMMPS's own
    force summation.
    """

    def __init__(self, region, stiffness, mass_amu, driven, pad_interpolation, clamped_dofs,
                 timestep_ps: float, energy_stiffness=None, fixed_groups: tuple[str, ...] = (),
                 method: str = "force", subcycles: int = 1, energy_mass_amu=None, **method_options):

        method_class = dynamics_method(method)
        if int(subcycles) < 1:
            raise ValueError("subcycles must be ≥ 1")
        self.subcycles = int(subcycles)
        self._run_start = 0
        self._u_from = None
        if subcycles > 1 and not method_class.allows_subcycles:
            raise ValueError(f"the {method!r} dynamics method steps atoms and continuum together (subcycles = 1)")
        self.method = method
        if region._rotation is not None:
            raise ValueError("coupled dynamics needs a cell aligned with the LAMMPS frame")
        self.region = region
        self.comm = region.comm
        self.K = sp.csr_matrix(stiffness)
        self.K_energy = self.K if energy_stiffness is None else sp.csr_matrix(energy_stiffness)
        self.mass_amu = np.asarray(mass_amu, dtype=float)
        self.energy_mass_amu = self.mass_amu if energy_mass_amu is None else np.asarray(energy_mass_amu, dtype=float)
        n = self.mass_amu.size
        driven = sp.csr_matrix(driven)
        self.driven_dofs = np.flatnonzero(np.diff(driven.indptr) > 0)
        self._driven = driven[self.driven_dofs]
        self.P = sp.csr_matrix(pad_interpolation)
        self.clamped_dofs = np.asarray(clamped_dofs, dtype=np.int64)
        integrated = np.ones(n, dtype=bool)
        integrated[self.driven_dofs] = False
        integrated[self.clamped_dofs] = False
        self.integrated = integrated
        self._inv_m = np.where(integrated, EV_PER_A_AMU_TO_A_PER_PS2 / self.mass_amu, 0.0)
        self._split_stiffness()
        self.dt = float(timestep_ps) * int(subcycles)      # continuum step Δt_c, ps
        self.md_timestep_ps = float(timestep_ps)
        self.fixed_groups = tuple(fixed_groups)
        self.handshake_ids = region.group_ids("handshake")
        self.pad_ids = region.group_ids("pad")
        self._hs_slot = slot_map(self.handshake_ids, region.natoms)
        self._pad_slot = slot_map(self.pad_ids, region.natoms)
        self._local: LocalRows | None = None
        #: applied (analytic) displacements of the handshake and pad atoms, Å: the continuum
        #: carries the correction û = u − u_app (see :meth:`set_applied_displacements`)
        self.handshake_applied = np.zeros((self.handshake_ids.size, 3))
        self.pad_applied = np.zeros((self.pad_ids.size, 3))
        self.u = np.zeros(n)
        self.v = np.zeros(n)          # v_{n-1/2} once started; v_0 before the first step
        self.a = np.zeros(n)
        self._started = False
        self._saved = None
        self.steps = 0
        #: wall time spent in the exchange and the continuum step (observers excluded), s
        self.exchange_seconds = 0.0
        self._observers: list = []
        region.compute()
        #: per-atom potential energies at construction (the reference crystal), by id − 1, eV
        self.baseline_eV = region.gather_energies()
        #: the dynamics method's per-step coupling terms (a DynamicsMethod)
        self.coupling = method_class(self, **method_options)

        self._constrains = method_class.constrain is not DynamicsMethod.constrain
        self.dead_load = np.zeros(n) + self.coupling.dead_load()

    # ------------------------------------------------------------------ initial state
    def set_applied_displacements(self, handshake_A: np.ndarray, pad_A: np.ndarray) -> None:
        """Applied far-field displacements u_app at the handshake and pad atoms (Å, in the
        order of their groups). The finite elements then carry the correction û = u − u_app,
        which vanishes on the clamped outer boundary (the CADD superposition), and the pad
        atoms are placed at u_app + P û (collective)."""
        self.handshake_applied = np.asarray(handshake_A, dtype=float).reshape(-1, 3)
        self.pad_applied = np.asarray(pad_A, dtype=float).reshape(-1, 3)
        self._local = None
        self.region.set_displacements(self.pad_ids, self._pad_displacements(self.u))

    def _pad_displacements(self, u: np.ndarray) -> np.ndarray:
        return (self.P @ u).reshape(-1, 3) + self.pad_applied

    def set_continuum_state(self, u_A=None, v_A_per_ps=None) -> None:
        """Initial continuum displacements (Å) and velocities (Å/ps) per DOF; the pad atoms are
        placed accordingly (collective). Driven DOFs are overwritten by the atoms."""
        if u_A is not None:
            self.u = np.where(self.integrated, np.asarray(u_A, dtype=float), 0.0)
        if v_A_per_ps is not None:
            self.v = np.where(self.integrated, np.asarray(v_A_per_ps, dtype=float), 0.0)
        self._started = False
        self.region.set_displacements(self.pad_ids, self._pad_displacements(self.u))

    # ------------------------------------------------------------------ the exchange
    def local_rows(self, step) -> "LocalRows":
        """This rank's handshake and pad atoms in LAMMPS's local order, kept until LAMMPS
        reorders its atoms."""
        if self._local is None or self._local.version != self.region.local_order_version:
            self._local = LocalRows(self, step)
        return self._local

    def handshake_displacements(self, step) -> np.ndarray:
        """Displacements of the handshake atoms, (n_h, 3) Å, gathered from all ranks."""
        rows = self.local_rows(step)
        return gather_rows(self.comm, rows.handshake_slots, self.local_handshake_displacements(step, rows),
                           self.handshake_ids.size)

    def local_handshake_displacements(self, step, rows: "LocalRows") -> np.ndarray:
        """Displacements of this rank's handshake atoms (order of ``rows.handshake``), Å.

        Taken as the applied field plus the minimum image of the atom's departure from it:
        positions along a periodic axis are known only modulo the period, and a plain
        minimum image of u would jump by a period where u_app itself reaches half of it
        (u_z beside the cut of a screw dislocation whose Burgers vector is the slab period),
        as in :meth:`handshake.coupling.CoupledModel.nearest_to_applied` for statics.
        """
        d = step.x[rows.handshake] - rows.handshake_reference
        d -= rows.handshake_applied
        return self.region.minimum_image(d) + rows.handshake_applied

    def __call__(self, step) -> None:
        # observers first: the forces they add (damping bands, thermostats) are then part of
        # what a constraining method (bdm) sees on the atoms at this step
        for observer in self._observers:
            observer(step)
        start = time.perf_counter()
        j = (int(step.step) - self._run_start) % self.subcycles
        if j:
            self._place_pad(step, self._u_from + (j + 1) / self.subcycles * (self.u - self._u_from))
        else:
            self._advance(step)
        self.steps += 1
        self.exchange_seconds += time.perf_counter() - start

    def _split_stiffness(self) -> None:
        """K u is needed on the integrated DOFs only: the other rows are dropped, and each rank
        multiplies one contiguous block of rows holding about 1/n_ranks of the entries."""
        K = self.K.copy()
        K.data[~np.repeat(self.integrated, np.diff(K.indptr))] = 0.0
        K.eliminate_zeros()
        n_ranks = self.comm.size
        bounds = np.searchsorted(K.indptr, np.linspace(0, K.nnz, n_ranks + 1), side="left")
        bounds[0], bounds[-1] = 0, K.shape[0]
        bounds = np.maximum.accumulate(bounds)
        lo, hi = bounds[self.comm.rank], bounds[self.comm.rank + 1]
        self._K_block = K[lo:hi]
        self._block_counts = np.diff(bounds)
        self._block_starts = bounds[:-1]

    def _stiffness_times(self, u: np.ndarray) -> np.ndarray:
        """K u on the integrated DOFs, zero on the others (collective): each rank multiplies
        its block of rows, one ``Allgatherv`` assembles them. Each row sum is formed on one
        rank in the same order whatever the number of ranks."""
        mine = self._K_block @ u
        if self.comm.size == 1:
            return mine

        out = np.empty_like(u)
        self.comm.Allgatherv(mine, [out, self._block_counts, self._block_starts, MPI.DOUBLE])
        return out

    def _place_pad(self, step, u: np.ndarray) -> None:
        rows = self.local_rows(step)
        x = step.x[rows.pad]
        u_current = self.region.minimum_image(x - rows.pad_reference)
        # x ← x + u − u_current, so that no atom jumps across a periodic boundary
        x -= u_current
        x += (rows.interpolation @ u).reshape(-1, 3)
        x += rows.pad_applied
        step.x[rows.pad] = x

    def _advance(self, step) -> None:
        """One continuum step from t_k (atoms now) to t_k + Δt_c; pad to the next MD instant."""
        u = self.u
        if self.driven_dofs.size:
            u_h = self.handshake_displacements(step)
            u[self.driven_dofs] = self._driven @ (u_h - self.handshake_applied).ravel()
        a = self._stiffness_times(u)
        np.subtract(self.dead_load, a, out=a)
        a += self.coupling.continuum_force(step)
        a *= self._inv_m
        u_now, v_before, was_started = u, self.v, self._started
        # v_{n+1/2} = v_{n-1/2} + Δt a_n, or v_{1/2} = v_0 + Δt/2 a_0 at the start
        kick = self.dt if self._started else 0.5 * self.dt
        self.v = v_before + kick * a
        if self._constrains:
            self.coupling.constrain(step, kick)
            a = (self.v - v_before) / kick         # the acceleration actually applied
        self._started = True
        self._saved = (u_now, v_before, a, was_started)
        u = self.u = u_now + self.dt * self.v      # u_{n+1}; driven DOFs are reset next call
        self.a = a
        if self.subcycles == 1:
            self._place_pad(step, u)
        else:
            self._u_from = self._saved[0]
            self._place_pad(step, self._u_from + (u - self._u_from) / self.subcycles)

    # ------------------------------------------------------------------ running
    def add_observer(self, observer) -> None:
        """Call ``observer(step)`` at every step, before the exchange (damping bands, thermostats:
        the forces they add are then seen by a constraining method such as ``"bdm"``)."""
        self._observers.append(observer)

    def run(self, nsteps: int) -> None:
        """``nsteps`` coupled MD steps in one LAMMPS ``run`` (collective).

        Afterwards the atoms and the continuum are at the same instant t_N: the pad atoms are
        put back from the continuum's look-ahead u_{N+1} to u_N, so that energies, output and
        a following run (which re-evaluates forces at t_N) see a consistent state; splitting
        a run in several therefore gives the same trajectory as one long run.
        """
        if int(nsteps) % self.subcycles:
            raise ValueError(f"{nsteps} steps is not a multiple of the {self.subcycles} sub-cycles")
        region = self.region
        self._run_start = int(region.lmp.extract_global("ntimestep"))
        region.attach(self)
        try:
            region.run(int(nsteps), timestep_ps=self.md_timestep_ps, fixed=("pad",) + self.fixed_groups)
        finally:
            region.detach(self)
            self._rewind()

    def _rewind(self) -> None:
        if self._saved is None:
            return
        u_now, v_before, a_now, was_started = self._saved
        self.u, self.v, self.a, self._started = u_now, v_before, a_now, was_started
        self._saved = None
        self.region.set_displacements(self.pad_ids, self._pad_displacements(self.u))

    # ------------------------------------------------------------------ energy
    def total_energy_eV(self) -> dict:
        """Energies above the state at construction, eV, between runs (collective).

        Atoms: Σ w_i (½ m_i v_i² + e_i − e_i⁰) with the method's weights w_i
        (:meth:`DynamicsMethod.atom_weights`: 1 except 0 on the pad for the force coupling,
        1 everywhere for the energy coupling, the blending α for the bridging domain);
        kinetic energy of the integrated atoms only. Continuum: see :meth:`continuum_energy_eV`.
        """
        region = self.region
        moving = np.ones(region.natoms, dtype=bool)
        for group in ("pad",) + self.fixed_groups:
            moving[region.group_ids(group) - 1] = False
        weight = self.coupling.atom_weights()
        v = region.gather_velocities()
        kinetic = 0.5 * float(np.sum((weight * region.masses_amu)[moving, None] * v[moving] ** 2)) / EV_PER_A_AMU_TO_A_PER_PS2
        potential = float(np.sum(weight * (region.gather_energies() - self.baseline_eV)))
        c_kin, c_strain = self.continuum_energy_eV()
        return {"atoms_kinetic": kinetic, "atoms_potential": potential, "continuum_kinetic": c_kin,
                "continuum_strain": c_strain, "total": kinetic + potential + c_kin + c_strain}

    def continuum_velocities(self) -> np.ndarray:
        """Velocities at the current instant t_N (between runs), Å/ps per DOF."""
        if not self._started:
            return self.v.copy()
        return self.v + 0.5 * self.dt * self.a

    def continuum_energy_eV(self) -> tuple[float, float]:
        """(kinetic, strain) energy of the continuum at t_N, eV: ½ Σ M_E v² over integrated DOFs
        and ½ uᵀ K_E u, with the driven DOFs at the atoms' current displacements."""
        v = np.where(self.integrated, self.continuum_velocities(), 0.0)
        kinetic = 0.5 * float(np.sum(self.energy_mass_amu * v ** 2)) / EV_PER_A_AMU_TO_A_PER_PS2
        u = self.u.copy()
        departure = self.region.gather_displacements()[self.handshake_ids - 1] - self.handshake_applied
        u[self.driven_dofs] = self._driven @ self.region.minimum_image(departure).ravel()
        strain = 0.5 * float(u @ (self.K_energy @ u)) - float(self.dead_load @ u)
        return kinetic, strain

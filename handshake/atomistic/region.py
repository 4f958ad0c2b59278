"""The atomistic region: one LAMMPS instance holding the atoms, addressed by atom id.

LAMMPS reorders atoms whenever it re-neighbours, sorts or migrates them between MPI
ranks, so local indices are never cached across steps. Every per-atom quantity the
coupling needs (reference positions, group membership, prescribed external forces)
is stored here *by atom id*, and the id → local-index maps are rebuilt only when the
local ``tag`` array has changed (DESIGN.md §6). Atom ids are ``1 + index`` of the
``ase.Atoms`` the region was built from.

Exchange with the outside world happens inside one long LAMMPS ``run`` or
``minimize`` through ``fix external pf/callback``: observers attached with
:meth:`AtomisticRegion.attach` receive an :class:`ExchangeStep` every MD step or
minimiser iteration, read positions and write pad-atom positions and external
forces in place.

A run is ended early from Python (an observer's exception, :meth:`ExchangeStep.stop`,
the force guard of :meth:`AtomisticRegion.watch_forces`) through LAMMPS's own soft
stop, ``lammps_force_timeout`` (what ``fix halt ... error continue`` calls), so that
nothing is evaluated in LAMMPS at every step to decide it: a ``fix halt`` on a
variable schedules every compute at every step, and with the per-atom energy and
stress computes defined that made each step 38–45 % dearer than plain LAMMPS
(``benchmarks/engine_overhead.py``).

Longer than 500 lines: one class, the only owner of its LAMMPS instance; its methods
are that instance's protocol (set-up, exchange, gathers and scatters by id,
minimisation, capture and restore), and split up they would share its state through
private attributes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from ase import Atoms
from ase.calculators.lammps import Prism
from ase.data import atomic_masses, atomic_numbers
from mpi4py import MPI

from ..errors import InputError
from .lammps_instance import LMP_STYLE_ATOM, LMP_STYLE_GLOBAL, LMP_TYPE_ARRAY, LMP_TYPE_VECTOR, open_lammps
from .potentials import Potential, load_potential

BAR_TO_GPA = 1.0e-4

_FIX_EXTERNAL = "hs_external"
_FIX_GUARD = "hs_guard"


def lammps_frame(atoms: Atoms) -> tuple[np.ndarray, np.ndarray]:
    """Lower-triangular LAMMPS cell and the rotation into it.

    Parameters
    ----------
    atoms : ase.Atoms
        A cell vector along a non-periodic axis may be zero; it is replaced by a unit
        vector along that axis (the LAMMPS box is shrink-wrapped there anyway).

    Returns
    -------
    cell : (3, 3) ndarray
        Rows are the LAMMPS box vectors a = (lx, 0, 0), b = (xy, ly, 0), c = (xz, yz, lz), Å.
    rotation : (3, 3) ndarray
        Orthogonal matrix R with ``x_lammps = x_ase @ R`` for row vectors.
    """
    cell = atoms.cell.array.copy()
    for d in range(3):
        if not atoms.pbc[d] and np.linalg.norm(cell[d]) < 1e-12:
            cell[d] = np.eye(3)[d]
    if abs(np.linalg.det(cell)) < 1e-9:
        raise InputError("the atoms' cell is degenerate (zero volume)", field="cell")
    prism = Prism(cell, pbc=atoms.pbc)
    return prism.lammps_tilt.copy(), prism.rot_mat.copy()


def id_ranges(ids: np.ndarray) -> str:
    """Compress sorted atom ids into LAMMPS ``group id`` ranges, e.g. ``'1:4 7 9:12'``."""
    ids = np.unique(np.asarray(ids, dtype=np.int64))
    if ids.size == 0:
        return ""
    breaks = np.flatnonzero(np.diff(ids) != 1)
    starts = np.concatenate(([ids[0]], ids[breaks + 1]))
    ends = np.concatenate((ids[breaks], [ids[-1]]))
    return " ".join(f"{s}" if s == e else f"{s}:{e}" for s, e in zip(starts, ends))


@dataclass
class MinimizationResult:
    """Outcome of :meth:`AtomisticRegion.minimize`.

    Attributes
    ----------
    converged : bool
        True if the largest force on a mobile atom is at most the requested tolerance.
    max_force_eV_per_A : float
        Largest force magnitude on any mobile atom after minimisation, eV/Å.
    energy_eV : float
        Potential energy including external contributions, eV.
    iterations : int
        Minimiser iterations used.
    """

    converged: bool
    max_force_eV_per_A: float
    energy_eV: float
    iterations: int


class ExchangeStep:
    """What an observer sees at one MD step or minimiser iteration, on one rank.

    Arrays are views into LAMMPS memory for the atoms this rank owns, in LAMMPS
    local order; they are valid only during the call.

    Attributes
    ----------
    step : int
        LAMMPS time step (or minimiser iteration) number.
    ids : (nlocal,) ndarray of int
        Atom ids of the local atoms.
    x : (nlocal, 3) ndarray
        Positions, LAMMPS frame, Å. Writing moves the atoms (use it for pad atoms only).
    energy_eV : float
        This rank's contribution to the external energy; observers add to it. The
        region sums it over ranks and hands it to LAMMPS when energy is enabled.
    """

    __slots__ = ("step", "ids", "x", "energy_eV", "_f_external", "_region")

    def __init__(self, region: "AtomisticRegion", step: int, ids, x, f_external):
        self._region = region
        self.step = step
        self.ids = ids
        self.x = x
        self._f_external = f_external
        self.energy_eV = 0.0

    def add_forces(self, local: np.ndarray, forces_eV_per_A: np.ndarray) -> None:
        """Add external forces (eV/Å, LAMMPS frame) on local atoms ``local`` for this step."""
        self._f_external[local] += forces_eV_per_A
        self._region._touched_rows.append(local)

    @property
    def v(self) -> np.ndarray:
        """Velocities of the local atoms, (nlocal, 3), LAMMPS frame, Å/ps (a view).

        In an MD step the callback runs after the first half kick of velocity Verlet,
        so these are the half-step velocities v(t + Δt/2) while ``x`` is x(t + Δt).
        """
        return self._region.lmp.numpy.extract_atom("v")[: len(self.ids)]

    @property
    def pair_forces(self) -> np.ndarray:
        """Forces from the potential at this evaluation, (nlocal, 3), eV/Å (read only)."""
        return self._region.lmp.numpy.extract_atom("f")[: len(self.ids)]

    @property
    def f_external(self) -> np.ndarray:
        """All external forces of this step, (nlocal, 3), eV/Å, writable.

        Prefer :meth:`add_forces`: after direct access the whole array must be
        zeroed before the next step.
        """
        self._region._forces_dirty = True
        return self._f_external

    def stop(self) -> None:
        """End the run after this step; every rank must call it at the same step."""
        self._region._stop_requested = True

    def local_indices(self, group: str) -> np.ndarray:
        """Local indices of this rank's atoms in ``group``."""
        return self._region._local_group(group)

    def displacements(self, local: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Displacements u = x − X of local atoms (minimum image), Å."""
        return self._region._displacement(self.x[local], self.ids[local])

    def set_displacements(self, local: np.ndarray, u: np.ndarray) -> None:
        """Move local atoms so that their displacement becomes ``u`` (Å).

        Positions are changed relative to the current, possibly wrapped, position
        (x ← x + u − u_current) so that no atom jumps across a periodic boundary.
        """
        self.x[local] += u - self.displacements(local)


Observer = Callable[[ExchangeStep], None]


class AtomisticRegion:
    """Atoms in one LAMMPS instance, with per-atom data keyed by atom id.

    Parameters
    ----------
    atoms : ase.Atoms
        The atoms (any orthogonal or triclinic cell; periodic or not along each cell
        vector; several species). Atom ``i`` gets LAMMPS id ``i + 1``; its position
        is the reference position X used for displacements.
    potential : str, path or Potential
        Registry name, TOML path or :class:`~handshake.atomistic.potentials.Potential`.
    comm : mpi4py.MPI.Comm, optional
        Communicator for LAMMPS; every rank must construct the region. Default
        ``MPI.COMM_WORLD``.
    groups : dict of str to array of int, optional
        Named groups of atom ids, e.g. ``{"pad": ids}``.
    log_file : path, optional
        LAMMPS log file.
    screen : bool
        Echo LAMMPS output.

    Notes
    -----
    Every method that talks to LAMMPS is collective: call it on all ranks of
    ``comm``. The ``local_*`` accessors return this rank's atoms only; the
    ``gather_*`` ones return all atoms in id order on every rank.
    """

    def __init__(self, atoms: Atoms, potential: str | Potential, comm=None,
                 groups: dict[str, np.ndarray] | None = None, log_file=None, screen: bool = False):
        self.potential = load_potential(potential)
        self.comm = comm if comm is not None else MPI.COMM_WORLD
        symbols = atoms.get_chemical_symbols()
        self.potential.check_elements(symbols, "elements")
        self.type_elements = tuple(e for e in self.potential.elements if e in set(symbols))
        self.natoms = len(atoms)
        self.pbc = np.array(atoms.pbc, dtype=bool)
        cell, rotation = lammps_frame(atoms)
        self._rotation = None if np.allclose(rotation, np.eye(3), atol=1e-14) else rotation
        self.reference_positions = atoms.positions @ rotation  # LAMMPS frame, by id - 1
        #: mass of each atom, by id − 1, amu
        self.masses_amu = np.array([atomic_masses[atomic_numbers[s]] for s in symbols])

        self.lmp = open_lammps(self.comm, log_file=log_file, screen=screen)
        self._observers: list[tuple[Observer, int]] = []
        self._energy_enabled = False
        self._groups: dict[str, np.ndarray] = {}
        self._external_force_by_id = np.zeros((self.natoms, 3))
        self._external_ids = np.zeros(0, dtype=np.int64)
        self._tags: np.ndarray | None = None
        self._local_maps: dict[str, np.ndarray] = {}
        #: incremented whenever LAMMPS's local order of the atoms changed (re-neighbouring
        #: with migration or sorting): observers may cache local rows until it changes
        self.local_order_version = 0
        self._touched_rows: list[np.ndarray] = []
        self._failure: BaseException | None = None
        self._failed = self._stop_requested = self._timed_out = False
        self._force_limit_eV_per_A: float | None = None
        self._forces_dirty = True
        self._closed = False
        try:
            self._create(atoms, cell)
        except Exception:
            self.close()
            raise
        for name, ids in (groups or {}).items():
            self.define_group(name, ids)

    # ------------------------------------------------------------------ set-up
    def _create(self, atoms: Atoms, cell: np.ndarray) -> None:
        lmp = self.lmp
        # Non-periodic axes are shrink-wrapped with a minimum extent ('m'): the atoms
        # plus a margin, so that the neighbour bins never collapse.
        boundary = " ".join("p" if p else "m" for p in self.pbc)
        lo, hi = np.zeros(3), np.diag(cell).copy()
        x = self.reference_positions
        margin = 10.0
        for d in np.flatnonzero(~self.pbc):
            lo[d], hi[d] = x[:, d].min() - margin, x[:, d].max() + margin
        (_, _, _), (xy, _, _), (xz, yz, _) = cell
        bounds = " ".join(f"{float(a)!r} {float(b)!r}" for a, b in zip(lo, hi))
        lmp.commands_list([
            f"boundary {boundary}",
            f"region hs_box prism {bounds} {float(xy)!r} {float(xz)!r} {float(yz)!r} units box",
            f"create_box {len(self.type_elements)} hs_box",
        ])
        for t, element in enumerate(self.type_elements, start=1):
            lmp.command(f"mass {t} {float(atomic_masses[atomic_numbers[element]])!r}")
        type_of = {e: t for t, e in enumerate(self.type_elements, start=1)}
        types = [type_of[s] for s in atoms.get_chemical_symbols()]
        ids = list(range(1, self.natoms + 1))
        created = lmp.create_atoms(self.natoms, ids, types, self.reference_positions.ravel().tolist(),
                                   shrinkexceed=True)
        if lmp.get_natoms() != self.natoms:
            raise InputError(f"LAMMPS created {lmp.get_natoms()} of {self.natoms} atoms "
                             f"(atoms outside a periodic cell?)", field="positions")
        del created
        pair = self.potential.pair_commands(self.type_elements)
        try:
            lmp.commands_list(pair)
        except Exception as exc:  # LAMMPS could not read the parameter files
            reason = str(exc).splitlines()[0].removeprefix("ERROR on proc 0: ").removeprefix("ERROR: ")
            raise InputError(f"LAMMPS refused the potential ({reason})",
                             source=str(self.potential.source or self.potential.name), field="files") from None
        lmp.commands_list([
            "neigh_modify every 1 delay 0 check yes",
            f"fix {_FIX_EXTERNAL} all external pf/callback 1 1",
            f"fix_modify {_FIX_EXTERNAL} energy yes",
            "compute hs_pressure all pressure NULL virial",
            # per-atom energies are tallied whenever thermo output is (start and end of runs)
            "compute hs_pe_atom all pe/atom",
            "compute hs_pe_sum all reduce sum c_hs_pe_atom",
            "compute hs_stress_atom all stress/atom NULL virial",
            "compute hs_stress_sum all reduce sum c_hs_stress_atom[1]",
            "thermo_style custom step pe fmax c_hs_pressure[*] c_hs_pe_sum c_hs_stress_sum",
            "thermo_modify norm no",
            "thermo 0",
        ])
        lmp.set_fix_external_callback(_FIX_EXTERNAL, self._post_force)

    def define_group(self, name: str, ids: np.ndarray) -> None:
        """Create or replace the group ``name`` of atom ids (collective)."""
        ids = np.unique(np.asarray(ids, dtype=np.int64))
        if ids.size and (ids[0] < 1 or ids[-1] > self.natoms):
            raise InputError(f"group {name!r} has atom ids outside 1..{self.natoms}", field="groups")
        if name in self._groups:
            self.lmp.command(f"group {name} delete")
        self.lmp.command(f"group {name} id {id_ranges(ids)}" if ids.size else f"group {name} empty")
        self._groups[name] = ids
        self._tags = None

    def group_ids(self, name: str) -> np.ndarray:
        """Atom ids of group ``name``."""
        return self._groups[name]

    def attach(self, observer: Observer, interval: int = 1, energy: bool = False) -> None:
        """Call ``observer(step)`` every ``interval`` MD steps / minimiser iterations.

        Parameters
        ----------
        observer : callable
            Receives an :class:`ExchangeStep`; may write pad positions, external forces
            and add to the external energy.
        interval : int
            Call every this many steps.
        energy : bool
            The observer contributes energy; the sum over ranks of
            ``ExchangeStep.energy_eV`` becomes the global energy of ``fix external``
            (needed for CG minimisation with external forces).
        """
        self._observers.append((observer, int(interval)))
        self._energy_enabled |= energy

    def detach(self, observer: Observer) -> None:
        """Remove ``observer`` (every attachment of it)."""
        self._observers = [(o, i) for o, i in self._observers if o is not observer]

    def detach_all(self) -> None:
        """Remove all observers."""
        self._observers.clear()
        self._energy_enabled = False

    def set_external_forces(self, ids: np.ndarray, forces_eV_per_A: np.ndarray) -> None:
        """Constant external forces on atoms ``ids`` (eV/Å), applied every step until changed.

        Calling again replaces all previously set external forces.
        """
        ids = np.asarray(ids, dtype=np.int64)
        self._external_force_by_id[:] = 0.0
        self._external_force_by_id[ids - 1] = forces_eV_per_A
        self._external_ids = np.unique(ids)
        self._tags = None

    # ------------------------------------------------------------------ id bookkeeping
    def _refresh_maps(self, tags: np.ndarray) -> None:
        self._tags = tags.copy()
        self.local_order_version += 1
        self._local_maps = {name: np.flatnonzero(np.isin(tags, ids, assume_unique=False))
                            for name, ids in self._groups.items()}
        self._local_maps["__external__"] = np.flatnonzero(np.isin(tags, self._external_ids))

    def _local_group(self, name: str) -> np.ndarray:
        return self._local_maps[name]

    def _box(self) -> np.ndarray:
        boxlo, boxhi, xy, yz, xz, _, _ = self.lmp.extract_box()
        lo, hi = np.array(boxlo), np.array(boxhi)
        return np.array([[hi[0] - lo[0], 0, 0], [xy, hi[1] - lo[1], 0], [xz, yz, hi[2] - lo[2]]])

    def _displacement(self, x: np.ndarray, ids: np.ndarray) -> np.ndarray:
        return self.minimum_image(x - self.reference_positions[ids - 1])

    def minimum_image(self, d: np.ndarray) -> np.ndarray:
        """Separations ``d`` (LAMMPS frame, Å) reduced to their minimum image along the
        periodic axes of the current box (modified in place where it can be; returned)."""
        if not self.pbc.any():
            return d
        h = self._h
        if not (h[1, 0] or h[2, 0] or h[2, 1]):  # orthogonal box: per-axis minimum image
            for axis in np.flatnonzero(self.pbc):
                length = h[axis, axis]
                d[:, axis] -= length * np.round(d[:, axis] / length)
            return d
        frac = np.linalg.solve(h.T, d.T).T
        frac[:, self.pbc] -= np.round(frac[:, self.pbc])
        return frac @ h

    # ------------------------------------------------------------------ the exchange
    def _post_force(self, _caller, step, nlocal, tags, x, f_external) -> None:
        # An exception in an observer cannot cross the C callback; it is stored, the run
        # stops after this step and _lammps re-raises it.
        try:
            self._exchange(int(step), tags, x, f_external)
            failed = 0
        except BaseException as exc:  # noqa: BLE001 - re-raised by _lammps
            self._failure = exc
            failed = 1
        if self.comm.size > 1:
            flag = np.array([failed], dtype=np.int32)
            self.comm.Allreduce(MPI.IN_PLACE, flag, op=MPI.MAX)
            failed = int(flag[0])
        if failed:
            self._failed = True
        if failed or self._stop_requested:
            self._stop_requested = False
            self._end_run()

    def _guard(self, _caller, step, nlocal, tags, x, f_external) -> None:
        # The last fix: ``f`` holds the forces of the potential and of every other fix.
        f_external.fill(0.0)
        f = self.lmp.numpy.extract_atom("f")[:nlocal]
        with np.errstate(invalid="ignore"):
            bad = not (np.isfinite(x[:nlocal]).all() and np.isfinite(f).all()
                       and (nlocal == 0 or np.abs(f).max() <= self._force_limit_eV_per_A))
        if self.comm.size > 1:
            bad = bool(self.comm.allreduce(bad, op=MPI.LOR))
        if bad:
            self._end_run()

    def _end_run(self) -> None:
        """End the current run or minimisation after this step (LAMMPS's soft stop)."""
        self.lmp.force_timeout()
        self._timed_out = True

    def watch_forces(self, force_limit_eV_per_A: float) -> None:
        """Stop any run or minimisation within one force evaluation of a non-finite
        position or force or a force component beyond ``force_limit_eV_per_A`` (eV/Å)
        on any atom (collective).

        The watch is the last fix (LAMMPS applies fixes in the order they were
        defined); calling this again re-defines it last, so it sees the forces of the
        potential, of the coupling and of any fix added before. NaN positions give zero
        pair forces (every distance test fails), hence positions are watched as well.
        The run stops quietly: the caller inspects the state it stopped in.
        """
        self._force_limit_eV_per_A = float(force_limit_eV_per_A)
        if _FIX_GUARD in self.lmp.available_ids("fix"):
            self.lmp.command(f"unfix {_FIX_GUARD}")
        self.lmp.command(f"fix {_FIX_GUARD} all external pf/callback 1 1")
        self.lmp.set_fix_external_callback(_FIX_GUARD, self._guard)

    def _exchange(self, step: int, tags, x, f_external) -> None:
        # Reset external forces. Zeroing only the rows written last call (through
        # ExchangeStep.add_forces) costs far less than the whole array at 10⁵ atoms;
        # the whole array is zeroed when the local order changed or an observer
        # touched ExchangeStep.f_external directly.
        if self._tags is None or self._tags.shape != tags.shape or not np.array_equal(self._tags, tags):
            self._refresh_maps(tags)  # local order changed: last call's rows mean nothing now
            self._forces_dirty = True
        if self._forces_dirty:
            f_external.fill(0.0)
            self._forces_dirty = False
        else:
            for rows in self._touched_rows:
                f_external[rows] = 0.0
        ext = self._local_maps["__external__"]
        self._touched_rows = [ext]
        if ext.size:
            f_external[ext] = self._external_force_by_id[tags[ext] - 1]
        if not self._observers:
            return
        exchange = ExchangeStep(self, step, tags, x, f_external)
        for observer, interval in self._observers:
            if step % interval == 0:
                observer(exchange)
        if self._energy_enabled:
            energy = self.comm.allreduce(exchange.energy_eV, op=MPI.SUM)
            self.lmp.fix_external_set_energy_global(_FIX_EXTERNAL, energy)

    def _lammps(self, commands: list[str]) -> None:
        """Run LAMMPS commands that may call observers; re-raise an observer's exception."""
        try:
            self.lmp.commands_list(commands)
        finally:
            if self._timed_out:  # a soft stop lasts until reset: later runs must run
                self._timed_out = False
                self.lmp.command("timer timeout off")
        if self._failed:
            self._failed = False
            failure, self._failure = self._failure, None
            self._forces_dirty = True
            if failure is None:
                raise RuntimeError("an observer failed on another MPI rank")
            raise failure

    # ------------------------------------------------------------------ local accessors
    def _to_ase(self, v: np.ndarray) -> np.ndarray:
        return v if self._rotation is None else v @ self._rotation.T

    def local_ids(self) -> np.ndarray:
        """Atom ids of the atoms this rank owns (copy)."""
        nlocal = self.lmp.extract_global("nlocal")
        return np.array(self.lmp.numpy.extract_atom("id")[:nlocal], dtype=np.int64)

    def _local(self, name: str) -> np.ndarray:
        nlocal = self.lmp.extract_global("nlocal")
        return np.array(self.lmp.numpy.extract_atom(name)[:nlocal], dtype=float)

    def local_positions(self) -> np.ndarray:
        """Positions of this rank's atoms, ASE frame, Å (order of :meth:`local_ids`)."""
        return self._to_ase(self._local("x"))

    def local_forces(self) -> np.ndarray:
        """Forces on this rank's atoms from the last evaluation, ASE frame, eV/Å."""
        return self._to_ase(self._local("f"))

    def local_velocities(self) -> np.ndarray:
        """Velocities of this rank's atoms, ASE frame, Å/ps."""
        return self._to_ase(self._local("v"))

    def local_displacements(self) -> np.ndarray:
        """Displacements u = x − X of this rank's atoms (minimum image), ASE frame, Å."""
        self._h = self._box()
        return self._to_ase(self._displacement(self._local("x"), self.local_ids()))

    # ------------------------------------------------------------------ gathered (collective)
    def _gather(self, local: np.ndarray) -> np.ndarray:
        ids = self.local_ids()
        parts = self.comm.allgather((ids, local))
        out = np.empty((self.natoms,) + local.shape[1:])
        for part_ids, values in parts:
            out[part_ids - 1] = values
        return out

    def gather_positions(self) -> np.ndarray:
        """All positions in id order on every rank, ASE frame, Å (collective)."""
        return self._gather(self.local_positions())

    def gather_forces(self) -> np.ndarray:
        """All forces in id order on every rank, ASE frame, eV/Å (collective)."""
        return self._gather(self.local_forces())

    def gather_displacements(self) -> np.ndarray:
        """All displacements in id order on every rank, ASE frame, Å (collective)."""
        return self._gather(self.local_displacements())

    def gather_energies(self) -> np.ndarray:
        """Per-atom potential energies from the last evaluation, id order, eV (collective)."""
        nlocal = self.lmp.extract_global("nlocal")
        energies = self.lmp.numpy.extract_compute("hs_pe_atom", LMP_STYLE_ATOM, LMP_TYPE_VECTOR)
        return self._gather(np.array(energies[:nlocal], dtype=float))

    def gather_stresses_GPa(self, atomic_volume_A3: float) -> np.ndarray:
        """Per-atom virial stresses from the last evaluation, Voigt (xx, yy, zz, yz, xz, xy),
        tension positive, GPa, for atoms of volume ``atomic_volume_A3`` (collective).

        LAMMPS ``stress/atom`` is a stress × volume (bar·Å³); dividing by the volume of an
        atom of the perfect crystal gives a local stress that is exact for homogeneous
        states and indicative near defects and surfaces. Only for untilted, unrotated cells.
        """
        nlocal = self.lmp.extract_global("nlocal")
        s = np.array(self.lmp.numpy.extract_compute("hs_stress_atom", LMP_STYLE_ATOM, LMP_TYPE_ARRAY)[:nlocal])
        voigt = s[:, [0, 1, 2, 5, 4, 3]] * BAR_TO_GPA / atomic_volume_A3  # LAMMPS order xx yy zz xy xz yz
        return self._gather(voigt)

    def gather_velocities(self) -> np.ndarray:
        """All velocities in id order on every rank, ASE frame, Å/ps (collective)."""
        return self._gather(self.local_velocities())

    # ------------------------------------------------------------------ setting state
    def _owned(self, ids: np.ndarray, values: np.ndarray):
        """Local indices of this rank's atoms among ``ids``, their ids, and their rows of
        ``values`` (broadcast to (len(ids), 3), rotated into the LAMMPS frame)."""
        ids = np.asarray(ids, dtype=np.int64)
        rows = np.broadcast_to(np.asarray(values, dtype=float), (ids.size, 3))
        if self._rotation is not None:
            rows = rows @ self._rotation
        slot = np.full(self.natoms, -1)
        slot[ids - 1] = np.arange(ids.size)
        local_ids = self.local_ids()
        slots = slot[local_ids - 1]
        mine = np.flatnonzero(slots >= 0)
        return mine, local_ids[mine], rows[slots[mine]]

    def _local_view(self, name: str) -> np.ndarray:
        nlocal = self.lmp.extract_global("nlocal")
        return self.lmp.numpy.extract_atom(name)[:nlocal]

    def set_displacements(self, ids: np.ndarray, u_A: np.ndarray) -> None:
        """Place atoms ``ids`` at X + u (ASE frame, Å), whichever rank owns them.

        Positions change relative to the current position, so atoms never jump
        across a periodic boundary. Call between runs; inside a run use
        :meth:`ExchangeStep.set_displacements`.
        """
        self._h = self._box()
        mine, mine_ids, u = self._owned(ids, u_A)
        x = self._local_view("x")
        x[mine] += u - self._displacement(x[mine], mine_ids)

    def displace(self, ids: np.ndarray, du_A: np.ndarray) -> None:
        """Move atoms ``ids`` by ``du_A`` (ASE frame, Å), whichever rank owns them."""
        mine, _, du = self._owned(ids, du_A)
        self._local_view("x")[mine] += du

    def set_velocities(self, ids: np.ndarray, v_A_per_ps: np.ndarray) -> None:
        """Set velocities of atoms ``ids`` (ASE frame, Å/ps), whichever rank owns them."""
        mine, _, v = self._owned(ids, v_A_per_ps)
        self._local_view("v")[mine] = v

    def thermalize(self, temperature_K: float, seed: int, group: str = "all") -> None:
        """Maxwell–Boltzmann velocities at ``temperature_K`` (zero net momentum), reproducible
        for a given seed independently of the number of ranks (collective)."""
        self.lmp.command(f"velocity {group} create {float(temperature_K)!r} {int(seed)} mom yes rot no dist gaussian loop geom")

    def capture(self) -> dict[str, np.ndarray]:
        """Positions, image flags, velocities and types of all atoms by id, from LAMMPS's
        own arrays (no rounding, no change of frame); every rank gets them (collective)."""
        n = self.natoms

        def gathered(name, kind, count):
            data = np.ctypeslib.as_array(self.lmp.gather_atoms(name, kind, count))
            return np.array(data).reshape(n, count) if count > 1 else np.array(data)

        return {"x": gathered("x", 1, 3), "image": gathered("image", 0, 3).astype(np.int32),
                "v": gathered("v", 1, 3), "type": gathered("type", 0, 1).astype(np.int32)}

    def restore(self, atoms: dict[str, np.ndarray]) -> None:
        """Put positions, image flags and velocities of :meth:`capture` back exactly
        (collective; any rank count)."""
        for name, kind in (("x", 1), ("v", 1), ("image", 0)):
            values = np.ascontiguousarray(atoms[name], dtype=np.float64 if kind else np.int32).ravel()
            self.lmp.scatter_atoms(name, kind, 3, np.ctypeslib.as_ctypes(values))

    # ------------------------------------------------------------------ evaluation (collective)
    def compute(self) -> float:
        """Evaluate energy and forces at the current positions (``run 0``).

        Returns
        -------
        float
            Potential energy including external energy, eV.
        """
        self._h = self._box()
        self._lammps(["run 0"])
        return self.potential_energy_eV()

    def potential_energy_eV(self) -> float:
        """Potential energy from the last evaluation, including external energy, eV."""
        return float(self.lmp.get_thermo("pe"))

    def stress_GPa(self) -> np.ndarray:
        """Virial (Cauchy) stress of the box from the last evaluation, tension positive, GPa.

        Returns
        -------
        (3, 3) ndarray
            σ in the ASE frame. Uses the box volume, so it is meaningful for periodic
            cells only. Kinetic contributions are excluded.
        """
        p = np.array(self.lmp.numpy.extract_compute("hs_pressure", LMP_STYLE_GLOBAL, LMP_TYPE_VECTOR))
        pxx, pyy, pzz, pxy, pxz, pyz = p[:6]
        sigma = -BAR_TO_GPA * np.array([[pxx, pxy, pxz], [pxy, pyy, pyz], [pxz, pyz, pzz]])
        if self._rotation is not None:
            sigma = self._rotation @ sigma @ self._rotation.T
        return sigma

    # ------------------------------------------------------------------ dynamics and statics
    def _check_groups(self, names: tuple[str, ...]) -> None:
        for name in names:
            if name not in self._groups:
                raise InputError(f"no group named {name!r} (groups: {', '.join(self._groups) or 'none'})",
                                 field="fixed")

    def _mobile_group(self, fixed: tuple[str, ...]) -> str:
        self._check_groups(fixed)
        if "hs_mobile" in self.lmp.available_ids("group"):
            self.lmp.command("group hs_mobile delete")
        if fixed:
            self.lmp.command(f"group hs_mobile subtract all {' '.join(fixed)}")
        else:
            self.lmp.command("group hs_mobile union all")
        return "hs_mobile"

    def run(self, nsteps: int, timestep_ps: float = 0.001, fixed: tuple[str, ...] = ()) -> None:
        """Velocity-Verlet MD (NVE) of all atoms but those in ``fixed`` groups (collective).

        Attached observers are called every step inside the single LAMMPS ``run``.

        Parameters
        ----------
        nsteps : int
            Number of MD steps.
        timestep_ps : float
            Time step, ps.
        fixed : tuple of str
            Groups that are not integrated (e.g. pad atoms driven by observers).
        """
        mobile = self._mobile_group(tuple(fixed))
        self._h = self._box()
        self.lmp.commands_list([f"timestep {float(timestep_ps)!r}", f"fix hs_nve {mobile} nve"])
        try:
            self._lammps([f"run {int(nsteps)}"])
        finally:
            self.lmp.command("unfix hs_nve")

    def iterate(self, max_steps: int) -> int:
        """Evaluate forces up to ``max_steps`` times in one LAMMPS ``run`` without time
        integration: attached observers move the atoms between evaluations (an
        iterative solver driven from the force callback) and end the run with
        :meth:`ExchangeStep.stop` (collective).

        Observers see the run's set-up evaluation as step 0, then steps 1, 2, …; the
        step counter is reset to 0 afterwards, as after :meth:`minimize`.

        Returns
        -------
        int
            Steps done (evaluations after the set-up).
        """
        self._h = self._box()
        self.lmp.command("reset_timestep 0")
        try:
            self._lammps([f"run {int(max_steps)}"])
            return int(self.lmp.extract_global("ntimestep"))
        finally:
            self._stop_requested = False
            self.lmp.command("reset_timestep 0")

    def minimize(self, fmax_eV_per_A: float = 1e-6, max_iterations: int = 10000,
                 style: str = "cg", fixed: tuple[str, ...] = (), box_relax: str | None = None,
                 pressure_bar: float = 0.0) -> MinimizationResult:
        """Relax the mobile atoms (and optionally the box) in one LAMMPS ``minimize``.

        Convergence is judged on the largest force on any mobile atom, computed here,
        not on the minimiser's exit status.

        Parameters
        ----------
        fmax_eV_per_A : float
            Force tolerance: largest force magnitude on a mobile atom, eV/Å.
        max_iterations : int
            Minimiser iterations (force evaluations are capped at 10× this).
        style : {'cg', 'fire', 'sd', 'hftn'}
            LAMMPS ``min_style``. CG needs a consistent external energy; FIRE does not.
        fixed : tuple of str
            Groups held in place (``fix setforce 0 0 0``).
        box_relax : {'iso', 'aniso', 'tri'}, optional
            Relax the periodic box to ``pressure_bar`` as well.
        pressure_bar : float
            Target pressure for ``box_relax``, bar.
        """
        if not 0 < int(max_iterations) < 2**31:
            raise InputError(f"max_iterations = {max_iterations} does not fit LAMMPS's 32-bit iteration counter",
                             field="max_iterations")
        if style not in ("cg", "fire", "sd", "hftn"):
            raise InputError(f"unknown minimiser {style!r}; expected cg, fire, sd or hftn", field="style")
        fixed = tuple(fixed)
        self._check_groups(fixed)  # the fixed groups are held by fix setforce below
        cmds = [f"min_style {style}", "min_modify norm max"]
        cmds += [f"fix hs_freeze_{g} {g} setforce 0.0 0.0 0.0" for g in fixed]
        if box_relax:
            cmds.append(f"fix hs_box all box/relax {box_relax} {float(pressure_bar)!r} vmax 0.001")
        self._h = self._box()
        self.lmp.commands_list(cmds)
        try:
            self._lammps([f"minimize 0.0 {float(fmax_eV_per_A)!r} {int(max_iterations)} "
                          f"{min(10 * int(max_iterations), 2**31 - 1)}"])
            iterations = int(self.lmp.extract_global("ntimestep"))
            energy = self.potential_energy_eV()
            fmax = self._max_force(fixed)
        finally:
            self.lmp.commands_list([f"unfix hs_freeze_{g}" for g in fixed] +
                                   (["unfix hs_box"] if box_relax else []) + ["reset_timestep 0"])
        # one evaluation at the final state, so forces and per-atom energies and
        # stresses are current (LAMMPS tallies per-atom values only on output steps)
        self._lammps(["run 0"])
        return MinimizationResult(converged=fmax <= fmax_eV_per_A, max_force_eV_per_A=fmax,
                                  energy_eV=energy, iterations=iterations)

    def _max_force(self, fixed: tuple[str, ...]) -> float:
        """Largest force magnitude on any atom outside the ``fixed`` groups, eV/Å (collective)."""
        mobile = np.ones(self.natoms, dtype=bool)
        for g in fixed:
            mobile[self._groups[g] - 1] = False
        forces = self._local("f")[mobile[self.local_ids() - 1]]
        local = float(np.sqrt((forces ** 2).sum(axis=1)).max()) if len(forces) else 0.0
        return self.comm.allreduce(local, op=MPI.MAX)

    def command(self, text: str) -> None:
        """Pass raw LAMMPS commands (collective), e.g. for thermostats or dumps."""
        self.lmp.commands_string(text)

    # ------------------------------------------------------------------ lifetime
    def close(self) -> None:
        """Release the LAMMPS instance (collective). Safe to call twice."""
        if not self._closed:
            self._closed = True
            self.lmp.close()

    def __enter__(self) -> "AtomisticRegion":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

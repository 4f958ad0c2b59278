"""Run-time guards: a coupled run that goes wrong stops with a diagnosis and keeps its results.

A coupled simulation fails in ways a single code does not. After every load step (and,
for forces, at every minimiser iteration inside LAMMPS) these checks run; the first that
trips ends the run. The runner then writes a checkpoint of the last good state (the
last completed load step), a ``diagnostic.json`` naming the atoms or elements at fault
and where they are, keeps every completed step in ``summary.json`` and exits with the
guard's code:

====  ==============================================================================
code  reason
====  ==============================================================================
2     bad input, or a corrupt or incompatible checkpoint (nothing runs)
3     stopped on request: SIGTERM, SIGUSR1 (what Slurm sends before the time limit) or
      Ctrl-C (SIGINT)
4     non-finite or exploding forces, energies or positions
5     lost atoms: LAMMPS lost atoms, or atoms beyond the continuum's outer radius
6     a load step did not converge to the force tolerance
7     a crack tip or defect reached the handshake zone
8     inverted continuum elements
10    an output file could not be written (disk full, quota, permissions)
====  ==============================================================================

Forces are watched inside the minimisation by
:meth:`~handshake.atomistic.region.AtomisticRegion.watch_forces`, which ends the LAMMPS run
as soon as a position or force is NaN/inf or a force component exceeds the limit, so a
blow-up stops within one force evaluation and every MPI rank agrees (the test is a global
reduction). The other checks cost one gather per load step.

Inverted elements: the continuum is linear (small strain), so nothing in it prevents a
triangle from turning inside out when its displacement is huge; the signed area of every
deformed triangle is checked (one vectorised pass over the elements).
"""

from __future__ import annotations

import os
import signal
import threading
from dataclasses import dataclass, field

import numpy as np
from mpi4py import MPI

from ..coupling.geometry import FREE, HANDSHAKE, PAD
from ..coupling.model import field_displacements
from ..errors import DefectAtHandshake, SetUpInterrupted
from ..fracture.classification import SHELLS, centrosymmetry, neighbourhoods

EXIT_INTERRUPTED = 3
EXIT_NUMERICAL = 4
EXIT_LOST_ATOMS = 5
EXIT_UNCONVERGED = 6
EXIT_DEFECT_AT_HANDSHAKE = 7
EXIT_INVERTED_ELEMENTS = 8
EXIT_OUTPUT = 10

#: atoms or elements listed in a diagnostic, worst first
LISTED = 20



def region_name(code: int) -> str:
    """Name of an atom region label of :mod:`handshake.coupling.geometry`."""

    return {FREE: "free", HANDSHAKE: "handshake", PAD: "pad"}[int(code)]


@dataclass
class Fault:
    """What a guard found.

    Attributes
    ----------
    reason : str
        Short name, e.g. ``"non-finite forces"``.
    exit_code : int
    message : str
        One line for the user: what, where, and what to do.
    details : dict
        The diagnostic: atoms (id, region, positions in Å, forces in eV/Å) or elements.
    """

    reason: str
    exit_code: int
    message: str
    details: dict = field(default_factory=dict)


# ---------------------------------------------------------------------- output and stop requests
def output_fault(error: OSError) -> Fault:
    """The fault of an output file that could not be written (a full disk, a quota, a
    directory made read-only). The checkpoint on disk is that of the last load step whose
    output was written whole (it is written through a temporary file and a rename)."""
    where = f" {error.filename}" if error.filename else ""
    return Fault("output not written", EXIT_OUTPUT,
                 f"cannot write{where}: {error.strerror or error}; make room, then continue from the last whole "
                 "load step", {})


class StopSignals:
    """SIGTERM, SIGUSR1 and SIGINT (Ctrl-C) stop a run at a safe point.

    While the run is being set up (:attr:`deferred` False) a signal ends the set-up at its
    next phase with :class:`SetUpInterrupted` (:meth:`raise_if_received`): nothing is
    written yet. Once the run writes output
    (:attr:`deferred` True) a signal sets a flag that the run polls between load steps,
    where it writes its checkpoint and stops (exit code 3). A second Ctrl-C while waiting
    for that ends the process at once (exit code 130); the checkpoint of the last
    completed load step stays on disk, whole.

    Slurm sends SIGTERM at the time limit (then SIGKILL after ``KillWait``, 30 s by
    default) and a chosen signal earlier with ``--signal=USR1@SECONDS``; choose SECONDS
    longer than one load step. Used as a context manager, which restores the previous
    handlers on exit. Outside the main thread it does nothing.
    """

    SIGNALS = (signal.SIGTERM, signal.SIGUSR1, signal.SIGINT)

    def __init__(self, deferred: bool = True):
        self.received: int | None = None
        self.deferred = deferred
        self._previous: dict = {}

    def _handle(self, signum, _frame) -> None:
        if not self.deferred:       # checked by the set-up between its phases (raise_if_received):
            self.received = signum  # an exception raised here could be swallowed where it lands
            return
        if signum == signal.SIGINT and self.received == signal.SIGINT:
            os.write(2, b"handshake: interrupted again: stopped at once; the checkpoint of the last completed "
                        b"load step is whole\n")
            os._exit(130)
        self.received = signum

    def __enter__(self) -> "StopSignals":
        if threading.current_thread() is threading.main_thread():
            for s in self.SIGNALS:
                self._previous[s] = signal.signal(s, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for s, handler in self._previous.items():
            signal.signal(s, handler)
        self._previous.clear()

    def raise_if_received(self, comm, model=None) -> None:
        """During the set-up: end it with :class:`SetUpInterrupted` if a stop signal came on
        any rank, closing ``model`` if one is built (collective)."""
        name = self.requested(comm)
        if name:
            if model is not None:
                model.close()
            raise SetUpInterrupted(name)

    def requested(self, comm) -> str | None:
        """Name of a stop signal received on any rank, or None (collective)."""

        received = comm.allreduce(self.received or 0, op=MPI.MAX)
        return signal.Signals(received).name if received else None


# ---------------------------------------------------------------------- after a load step
def _atom_rows(model, ids0: np.ndarray, positions: np.ndarray, forces: np.ndarray | None = None) -> list[dict]:
    rows = []
    for i in ids0[:LISTED]:
        row = {"id": int(i + 1), "region": region_name(model.atom_region[i]),
               "reference_position_A": (model.reference_positions[i]).round(4).tolist(),
               "position_A": [None if not np.isfinite(v) else round(float(v), 4) for v in positions[i]],
               "distance_from_centre_A": round(float(np.linalg.norm(model.reference_positions[i, :2] - model.centre)), 3)}
        if forces is not None:
            row["force_eV_per_A"] = [None if not np.isfinite(v) else float(v) for v in forces[i]]
        rows.append(row)
    return rows


def numerical_fault(model, force_limit_eV_per_A: float, where: str) -> Fault | None:
    """Non-finite positions, forces or per-atom energies, or forces beyond the limit (collective)."""
    region = model.atomistic
    positions = model.reference_positions + region.gather_displacements()
    forces = region.gather_forces()
    try:
        energies = region.gather_energies()
    except Exception:  # not tallied: LAMMPS stopped with an error before the energy step
        energies = np.zeros(model.n_atoms)
    bad_x = ~np.isfinite(positions).all(axis=1)
    bad_f = ~np.isfinite(forces).all(axis=1)
    bad_e = ~np.isfinite(energies)
    with np.errstate(invalid="ignore"):
        big = np.abs(np.nan_to_num(forces, nan=0.0, posinf=np.inf, neginf=np.inf)).max(axis=1) > force_limit_eV_per_A
    bad = bad_x | bad_f | bad_e | big
    if not bad.any():
        return None
    order = np.flatnonzero(bad)
    order = order[np.argsort(-np.nan_to_num(np.abs(forces[order]).max(axis=1), nan=np.inf))]
    kind = "non-finite" if (bad_x | bad_f | bad_e).any() else "exploding"
    first = order[0]
    r = float(np.linalg.norm(model.reference_positions[first, :2] - model.centre))
    message = (f"{kind} forces {where}: {int(bad.sum())} atom(s), first atom {first + 1} "
               f"({region_name(model.atom_region[first])}, {r:.1f} Å from the centre)"
               f"{'' if kind == 'non-finite' else f' beyond {force_limit_eV_per_A:g} eV/Å'}; see diagnostic.json")
    details = {"non_finite_positions": int(bad_x.sum()), "non_finite_forces": int(bad_f.sum()),
               "non_finite_energies": int(bad_e.sum()), "forces_beyond_limit": int(big.sum()),
               "force_limit_eV_per_A": force_limit_eV_per_A, "atoms": _atom_rows(model, order, positions, forces)}
    return Fault(f"{kind} forces", EXIT_NUMERICAL, message, details)


def lost_atoms(model, where: str) -> Fault | None:
    """Atoms LAMMPS lost, or atoms that flew beyond the continuum's outer boundary (collective).

    LAMMPS stops by itself when it loses atoms (``thermo_modify lost error``, its
    default) at the next thermo output; this check compares the atom count after every
    load step. Atoms far from the model (beyond the outer radius) are as good as lost:
    no part of the model describes them.
    """
    region = model.atomistic
    natoms = int(region.lmp.get_natoms())
    if natoms != model.n_atoms:
        return Fault("lost atoms", EXIT_LOST_ATOMS,
                     f"LAMMPS lost {model.n_atoms - natoms} of {model.n_atoms} atoms {where}", {"natoms": natoms})
    positions = model.reference_positions + region.gather_displacements()
    limit = model.geometry.outer_radius_A
    r = np.linalg.norm(positions[:, :2] - model.centre, axis=1)
    out = r > limit
    if not out.any():
        return None
    order = np.flatnonzero(out)[np.argsort(-r[out])]
    return Fault("atoms left the model", EXIT_LOST_ATOMS,
                 f"{int(out.sum())} atom(s) left the model {where} (atom {order[0] + 1} at {r[order[0]]:.1f} Å "
                 f"from the centre, beyond the outer radius {limit:.1f} Å); see diagnostic.json",
                 {"limit_A": limit, "atoms": _atom_rows(model, order, positions)})


def unconverged(model, residual_eV_per_A: float, fmax_eV_per_A: float, iterations: int, where: str) -> Fault:
    """Diagnostic of a load step that missed the force tolerance: where the largest
    residual forces are (collective)."""
    atoms, nodes = model.residual_forces()
    magnitude = np.linalg.norm(atoms, axis=1)
    order = np.argsort(-magnitude)
    node_magnitude = np.linalg.norm(nodes, axis=1)
    worst_nodes = np.argsort(-node_magnitude)[:LISTED]
    positions = model.reference_positions + model.displacements()
    first = order[0]
    r = float(np.linalg.norm(model.reference_positions[first, :2] - model.centre))
    message = (f"relaxation did not converge {where}: residual {residual_eV_per_A:.2e} eV/Å > fmax "
               f"{fmax_eV_per_A:.1e} after {iterations} iterations, largest on atom {first + 1} "
               f"({region_name(model.atom_region[first])}, {r:.1f} Å from the centre); raise "
               f"coupling.max_iterations or make the load step smaller")
    details = {"residual_eV_per_A": residual_eV_per_A, "fmax_eV_per_A": fmax_eV_per_A, "iterations": iterations,
               "atoms": _atom_rows(model, order, positions, atoms),
               "nodes": [{"node": int(n), "position_A": model.zone.mesh.points[n].round(4).tolist(),
                          "residual_eV_per_A": nodes[n].tolist()} for n in worst_nodes if node_magnitude[n] > 0]}
    return Fault("load step not converged", EXIT_UNCONVERGED, message, details)


def displacement_gradients(model) -> np.ndarray:
    """In-plane displacement gradient ∂u_i/∂x_j of every continuum element, (n_elements, 2, 2).

    The continuum carries a correction û to the analytic far field (which holds the
    branch cuts of dislocations, where the field jumps by b), so the gradient is that of
    the far field near the element's centroid plus the constant gradient of the P1
    correction û on the element (collective). The far field is differentiated by central
    differences (h = 1e-4 Å) at three non-collinear points 0.01 Å around the centroid; a
    straight branch cut can spoil at most two of them, and there the estimate is huge,
    so the smallest of the three is kept.
    """

    mesh = model.zone.mesh
    p = mesh.points[mesh.cells]                       # (n, 3, 2)
    u_hat = model.continuum_correction()[:, :2][mesh.cells]
    edges = np.stack([p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]], axis=2)        # columns: edge vectors
    du = np.stack([u_hat[:, 1] - u_hat[:, 0], u_hat[:, 2] - u_hat[:, 0]], axis=2)
    gradients = du @ np.linalg.inv(edges)
    centroids = p.mean(axis=1)
    h = 1e-4
    best = None
    for offset in ([0.0, 0.0], [0.01, 0.005], [-0.005, 0.01]):
        at = centroids + offset
        estimate = np.zeros_like(gradients)
        for j in range(2):
            step = np.zeros(2)
            step[j] = h
            plus = field_displacements(model.fields, at + step)[:, :2]
            minus = field_displacements(model.fields, at - step)[:, :2]
            estimate[:, :, j] = (plus - minus) / (2 * h)
        if best is None:
            best = estimate
        else:
            smaller = np.linalg.norm(estimate, axis=(1, 2)) < np.linalg.norm(best, axis=(1, 2))
            best[smaller] = estimate[smaller]
    return gradients + best


def inverted_elements(mesh, gradients: np.ndarray, where: str) -> Fault | None:
    """Triangles whose deformation x = X + u(X) turns them inside out: J = det(I + ∂u/∂X) ≤ 0.

    Parameters
    ----------
    mesh : TriangleMesh
    gradients : (n_elements, 2, 2) array
        In-plane displacement gradient of each element (:func:`displacement_gradients`).
    """
    J = np.linalg.det(np.eye(2) + np.asarray(gradients))
    bad = ~(J > 0)
    if not bad.any():
        return None
    order = np.flatnonzero(bad)[np.argsort(np.nan_to_num(J[bad], nan=-np.inf))]
    centroids = mesh.points[mesh.cells].mean(axis=1)
    return Fault("inverted elements", EXIT_INVERTED_ELEMENTS,
                 f"{int(bad.sum())} continuum element(s) inverted {where} (element {order[0]} at "
                 f"({centroids[order[0], 0]:.1f}, {centroids[order[0], 1]:.1f}) Å, Jacobian "
                 f"{J[order[0]]:.3g}); the continuum displacement is too large for small strain",
                 {"elements": [{"element": int(e), "centroid_A": centroids[e].round(3).tolist(),
                                "jacobian": float(J[e])} for e in order[:LISTED]]})


def crack_tip_near_handshake(ramp, tip_x_A: float, margin_A: float | None, where: str) -> Fault | None:
    """A crack tip (``tip_x_A`` relative to the K-field's tip) within ``margin_A`` of the
    handshake zone of ``ramp``'s model: its field would be carried by the continuum."""
    if not ramp.near_handshake(tip_x_A, margin_A):
        return None
    margin_A = ramp.tip.row_spacing_A if margin_A is None else margin_A
    centre = ramp.model.centre
    position = [float(centre[0] + tip_x_A), float(centre[1])]
    return Fault("crack tip at the handshake zone", EXIT_DEFECT_AT_HANDSHAKE,
                 f"crack tip reached the handshake zone {where}: tip at x = {tip_x_A:+.2f} Å from the "
                 f"K-field's tip ({position[0]:.2f}, {position[1]:.2f}) Å, handshake zone from "
                 f"{ramp.handshake_edge_A:.2f} Å, margin {margin_A:.2f} Å; enlarge geometry.atomistic_radius_A",
                 {"tip_x_A": tip_x_A, "tip_position_A": position, "handshake_edge_A": ramp.handshake_edge_A,
                  "margin_A": margin_A})


#: what to change when a defect reaches the handshake zone of a coupled model or the fixed
#: shell of its fully atomistic reference (``--reference``, ``verify reference``)
REFERENCE_REMEDY = ("enlarge geometry.atomistic_radius_A (coupled model) or the reference's radius "
                    "(reference.area_ratio; geometry.outer_radius_A for verify reference)")


def defect_guard(margin_A: float, remedy: str = "enlarge geometry.atomistic_radius_A"):
    """A ``check(model, label)`` for :func:`~handshake.coupling.reference.compare_with_reference`:
    raises :class:`~handshake.errors.DefectAtHandshake` when :func:`defects_near_handshake`
    finds defective atoms within ``margin_A`` (Å) of the model's handshake zone, or of a fully
    atomistic reference's fixed shell (collective)."""

    def check(model, label: str) -> None:
        fault = defects_near_handshake(model, margin_A, label, remedy)
        if fault is not None:
            raise DefectAtHandshake(fault.message)

    return check


def defects_near_handshake(model, margin_A: float, where: str,
                           remedy: str = "enlarge geometry.atomistic_radius_A") -> Fault | None:
    """Defective atoms (a dislocation core, a stacking fault, disorder) among the free
    atoms within ``margin_A`` of the handshake zone or inside it (collective).

    Defective: wrong coordination, or in fcc and bcc a centrosymmetry parameter above
    0.1 a0² (Kelchner, Plimpton & Hamilton, PRB 58 (1998) 11085), as in
    :mod:`handshake.fracture.classification`.
    """

    lattice = model.properties.lattice
    first, second, bulk = SHELLS[lattice]
    a0 = model.properties.a0_A
    positions = model.reference_positions + model.displacements()
    g = model.geometry
    edge = g.atomistic_radius_A - g.handshake_width_A
    r = np.linalg.norm(model.reference_positions[:, :2] - model.centre, axis=1)
    watched = (model.atom_region != PAD) & (r >= edge - margin_A)
    counts, bonds = neighbourhoods(positions, model.crystal.period_z_A, 0.5 * (first + second) * a0)
    defective = watched & (counts != bulk)
    if lattice != "diamond":
        for k in np.flatnonzero(watched & ~defective):
            defective[k] = centrosymmetry(bonds[k], bulk) > 0.1 * a0**2
    if not defective.any():
        return None
    order = np.flatnonzero(defective)[np.argsort(r[defective])]
    first_atom = order[0]
    return Fault("defect at the handshake zone", EXIT_DEFECT_AT_HANDSHAKE,
                 f"{int(defective.sum())} defective atom(s) within {margin_A:.2f} Å of the handshake zone {where} "
                 f"(atom {first_atom + 1} at {r[first_atom]:.1f} Å from the centre, zone from {edge:.1f} Å); "
                 f"{remedy}",
                 {"handshake_edge_A": edge, "margin_A": margin_A, "atoms": _atom_rows(model, order, positions)})

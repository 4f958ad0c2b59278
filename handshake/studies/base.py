"""The shared base of every study kind: one coupled run in progress.

A study kind (crack, glide, relaxation, and the ones to come) is one module of this
package with a :class:`Study` subclass registered in :data:`STUDIES` under its name. The
base owns what every kind needs: the output directory and summary
(:mod:`handshake.studies.output`), checkpoints (:mod:`.checkpoint`), the run-time guards and stop signals
(:mod:`.guards`), and the molecular dynamics that may follow the statics
(:mod:`handshake.studies.dynamics`). A kind supplies its statics, its fully atomistic reference and,
if its far field is not the scenario's fixed one, how a restart re-applies it.
"""

from __future__ import annotations

import time

import numpy as np
from ase.io import write

from ..errors import DefectAtHandshake, RunStopped
from ..progress import ProgressBar, log
from ..registry import Registry
from ..scenario import Scenario
from .dynamics import ScenarioDynamics
from .guards import (
    EXIT_DEFECT_AT_HANDSHAKE,
    EXIT_INTERRUPTED,
    EXIT_NUMERICAL,
    EXIT_UNCONVERGED,
    Fault,
    displacement_gradients,
    inverted_elements,
    lost_atoms,
    numerical_fault,
    unconverged,
)
from .output import RunDirectory, atoms_frame

#: the study kinds by name
STUDIES = Registry("study")


def study_kind(scenario: Scenario) -> str:
    """Name of the study a scenario asks for: ``"crack"``, ``"glide"`` (a ``[glide]``
    section) or ``"relaxation"`` (a dislocation relaxed at a fixed far field)."""
    if scenario.kind == "crack":
        return "crack"
    return "glide" if scenario.glide is not None else "relaxation"


class Study:
    """One coupled study in progress: load steps, their output, checkpoints and guards.

    Every completed load step is written (summary, frames) and captured for the next
    checkpoint before the next one starts; every guard of :mod:`handshake.studies.guards` runs
    after each relaxation, and a tripped guard or a stop signal ends the run through
    :meth:`stop`.

    Parameters
    ----------
    scenario : Scenario
    model : CoupledModel
    fields : list
        The scenario's fixed far fields (dislocations, homogeneous load, composition band).
    summary : dict
        Results and provenance so far, written as ``summary.json``.
    directory : RunDirectory
    write_frame : callable
        ``write_frame(index, info, time, always=False)``: the frames of atoms and continuum
        of load step ``index`` at pvd ``time`` (:meth:`frame_time`), written on the
        ``[run] frame_interval`` or if ``always`` (collective).
    checkpoints : RunCheckpoints
    signals : StopSignals
    comm : mpi4py.MPI.Comm
    start : float
        ``time.perf_counter()`` at the start of the run (less the time of earlier runs
        of a restarted one), s.
    on_step : callable, optional
        ``on_step(model, record)`` after every completed load step (collective).
    """

    #: registry name, set by :meth:`Registry.register`
    name = "study"

    @classmethod
    def check(cls, scenario: Scenario, source: str) -> None:
        """Refuse a scenario this study cannot run, before anything is built or written
        (:class:`~handshake.errors.InputError`)."""

    def statics(self, run_doc: dict | None) -> None:
        """The quasi-static part of the study; ``run_doc``: the checkpoint's ``run``
        section to continue from, or None."""
        raise NotImplementedError

    def reference(self, coupled_wall_s: float) -> None:
        """Repeat the study fully atomistically and put the comparison into the summary."""
        raise NotImplementedError

    def reference_radius_A(self) -> float:
        """Radius of the fully atomistic reference disc, Å: ``[reference] area_ratio`` × the
        area of the coupled model's atoms."""
        return float(np.sqrt(self.scenario.reference.area_ratio) * self.model.geometry.cluster_radius_A)

    def restore_far_field(self, run_doc: dict) -> None:
        """Apply the far field of a checkpoint's last load step (before its atoms are
        restored): its K if it has one, else the scenario's fixed fields."""
        far_field = run_doc.get("far_field") or {}
        if far_field.get("K_I_MPa_sqrt_m") is not None:
            K = far_field["K_I_MPa_sqrt_m"]
            crack = self.scenario.crack
            self.model.apply(self.model.k_field(*(crack.stress_intensities(K) if crack is not None else (K,))))
        else:
            self.model.apply(*self.fields)

    def first_far_field(self) -> list:
        """The far field of the first load step: the scenario's fixed fields (a kind whose
        load steps impose their own far field says which)."""
        return list(self.fields)

    def start_from(self, displacements_A: np.ndarray) -> None:
        """Place the atoms at ``displacements_A`` ((n_atoms, 3) Å, ``[initial_state]``) under
        the far field of the first load step, which then relaxes from there (collective).
        The pad atoms are placed too: in a state written by a coupled run they carry the
        continuum's correction, and the relaxation starts from that state itself."""
        model = self.model
        model.apply(*self.first_far_field())
        u = model.nearest_to_applied(displacements_A, model.applied_displacements_atoms)
        model.atomistic.set_displacements(np.arange(1, model.n_atoms + 1), u)

    def frame_time(self, index: int, load: float) -> float:
        """The pvd time of the frame of load step ``index`` under ``load``: the load itself
        (K in MPa·m^½ along the load path, τ in MPa), or, when MD follows, ``index`` minus
        the number of load steps (negative: the MD frames' times are in ps from 0)."""
        return float(index - self.total) if self.scenario.dynamics is not None else float(load)

    def write_summary(self) -> None:
        """Rewrite ``summary.json`` with the wall time so far."""
        self.summary["wall_time_s"] = time.perf_counter() - self.start
        self.directory.write_json("summary.json", self.summary)

    def __init__(self, scenario: Scenario, model, fields, summary: dict, directory: RunDirectory, write_frame,
                 checkpoints, signals, comm, start: float, on_step=None):
        self.scenario, self.model, self.fields = scenario, model, fields
        self.summary, self.directory, self.write_frame = summary, directory, write_frame
        self.checkpoints, self.signals, self.comm, self.start = checkpoints, signals, comm, start
        self.on_step = on_step
        self.settings = scenario.run
        self.total = 1
        self.bar = None

    def show_progress(self, done: int) -> None:
        """The progress bar at ``done`` of :attr:`total` load steps (made on the first call)."""
        if self.bar is None:
            self.bar = ProgressBar(self.comm, self.total, done)
        self.bar.reach(done)

    def close_progress(self) -> None:
        """Take the progress bar off the terminal (the end of the statics, or of the run)."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    # ------------------------------------------------------------------ stopping
    def stop(self, fault, load_step: int, details: dict | None = None) -> None:
        """Write the last good checkpoint, the diagnostic and the summary; raise RunStopped."""
        record = {"reason": fault.reason, "exit_code": fault.exit_code, "message": fault.message,
                  "load_step": load_step, "completed_load_steps": load_step - 1, **(details or {})}
        path = self.checkpoints.write(stopped=record)
        if fault.exit_code != EXIT_INTERRUPTED:
            self.directory.write_json("diagnostic.json", {**record, **fault.details})
            record["diagnostic"] = "diagnostic.json"
        if fault.exit_code not in (EXIT_INTERRUPTED, EXIT_NUMERICAL):
            # the state at the fault, for OVITO (LAMMPS cannot evaluate NaN positions)
            frame = atoms_frame(self.model, {"reason": fault.reason, "load_step": load_step})
            if self.directory.writer:
                write(self.directory.path / "fault.extxyz", frame, format="extxyz", parallel=False)
            record["fault_frame"] = "fault.extxyz"
        record["checkpoint"] = None if path is None else path.name
        self.summary["status"] = "interrupted" if fault.exit_code == EXIT_INTERRUPTED else "stopped"
        self.summary["stop"] = record
        self.write_summary()
        log(self.comm, f"stopped: {fault.message}")
        raise RunStopped(fault, self.directory.path if path is not None else None)

    def stop_if_requested(self, done: int) -> None:
        """Stop after ``done`` load steps if SIGTERM or SIGUSR1 arrived (collective)."""
        name = self.signals.requested(self.comm)
        if name:
            self.stop(Fault(f"stopped by {name}", EXIT_INTERRUPTED,
                            f"{name} received: stopped after load step {done} of {self.total}"), done + 1)

    def stop_reference_if_requested(self, *_) -> None:
        """End the fully atomistic reference at a stop signal, between its load steps: the
        coupled results in the summary are whole, the reference is not kept (collective)."""
        name = self.signals.requested(self.comm)
        if name:
            self.stop_reference(Fault(f"stopped by {name}", EXIT_INTERRUPTED,
                                      f"{name} received during the fully atomistic reference: the coupled results "
                                      "in summary.json are complete, the reference is not kept"))

    def stop_reference(self, fault: Fault) -> None:
        """End the fully atomistic reference (a stop signal, or a guard tripped in it): the
        coupled results in the summary are whole, the reference is not kept; raise RunStopped."""
        self.summary["status"] = "interrupted" if fault.exit_code == EXIT_INTERRUPTED else "stopped"
        self.summary["stop"] = {"reason": fault.reason, "exit_code": fault.exit_code, "message": fault.message,
                                "during": "reference"}
        self.write_summary()
        log(self.comm, f"stopped: {fault.message}")
        raise RunStopped(fault)

    def reference_guard_tripped(self, error: Exception) -> None:
        """Stop the run at a guard of its fully atomistic reference: a defect at the
        reference's fixed boundary (exit code 7) or a step that missed its force tolerance
        (exit code 6)."""
        if isinstance(error, DefectAtHandshake):
            fault = Fault("defect at the reference's boundary", EXIT_DEFECT_AT_HANDSHAKE,
                          f"fully atomistic reference: {error}; the coupled results in summary.json are complete, "
                          "the reference is not kept (enlarge reference.area_ratio)")
        else:
            fault = Fault("reference step not converged", EXIT_UNCONVERGED,
                          f"fully atomistic reference: {error}; the coupled results in summary.json are complete, "
                          "the reference is not kept")
        self.stop_reference(fault)

    def check_relaxation(self, where: str, error: BaseException | None, converged: bool = True,
                         residual: float = 0.0, iterations: int = 0, defect=None) -> object:
        """The guards, in order of precedence: numerical faults, lost atoms, a defect at
        the handshake zone (``defect()``, the cause of most other faults), convergence,
        inverted elements; the first fault found, or None (collective)."""
        model = self.model
        fault = numerical_fault(model, self.settings.force_limit_eV_per_A, where) or lost_atoms(model, where)
        if fault is not None or error is not None:
            return fault
        at_handshake = defect() if defect is not None else None
        if at_handshake is not None and self.settings.defect_near_handshake == "stop":
            return at_handshake
        if not converged and self.settings.stop_when_unconverged:
            return unconverged(model, residual, self.scenario.coupling.fmax_eV_per_A, iterations, where)
        fault = inverted_elements(model.zone.mesh, displacement_gradients(model), where)
        if fault is not None and at_handshake is not None:
            # defect_near_handshake = "continue": the user accepted a defect in the handshake
            # zone, and elements torn by it are its consequence, not a new fault
            self.warn(f"{at_handshake.message}; {fault.message}")
            return None
        return fault

    def warn(self, message: str) -> None:
        """Record a warning in the summary and print it."""
        self.summary.setdefault("warnings", []).append(message)
        log(self.comm, f"warning: {message}")

    # ------------------------------------------------------------------ dynamics after the statics
    def dynamics(self, checkpoint=None) -> None:
        """The ``[dynamics]`` phase (:mod:`handshake.studies.dynamics`), from the state the static
        preparation left, or from ``checkpoint`` of this phase."""
        n_frames = (int(checkpoint.documents["run"]["frames"]) if checkpoint is not None
                    else len(self.summary.get("results", {}).get("steps", ())) or 1)
        ScenarioDynamics(self, n_frames, checkpoint)()


def record_speedup(reference: dict, coupled_wall_s: float | None) -> None:
    """Add the coupled study's wall time (s) and ``speedup_vs_reference`` (the reference's wall
    time over it, both whole studies in the same run) to a reference summary."""
    if coupled_wall_s:
        reference["coupled_wall_time_s"] = coupled_wall_s
        reference["speedup_vs_reference"] = reference["wall_time_s"] / coupled_wall_s

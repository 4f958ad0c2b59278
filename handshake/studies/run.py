"""Running a scenario file: set-up, the study its kind asks for, results written as they come.

Everything a scenario needs is validated and built before the output directory is
created, so a bad file leaves nothing behind. Then the study (:data:`~.base.STUDIES`:
crack, glide or relaxation, optionally followed by molecular dynamics) writes every
completed load step at once (:mod:`handshake.studies.output`), so an interrupted run keeps what it did.

``handshake run --restart DIR`` continues a run from ``DIR/checkpoint.npz`` in ``DIR``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import platform
import sys
import time
import tomllib
from pathlib import Path

from mpi4py import MPI
from pydantic import ValidationError

from ..continuum import VTUSeries, frame_data
from ..coupling.geometry import region_labels
from ..dynamics import dynamics_method
from ..errors import InputError, RunStopped
from ..progress import log
from ..scenario import Scenario, build_model, load_scenario, with_paths_beside
from ..toml_input import apply_overrides
from .base import STUDIES, study_kind
from .checkpoint import Checkpoint, RunCheckpoints, restore
from .guards import StopSignals, output_fault
from .initial_state import scenario_initial_displacements
from .output import RunDirectory, atoms_frame, default_output, output_origin_A, overrides_comment, provenance


def _check_dynamics_layout(scenario, model, source: str) -> None:
    """The ``[dynamics]`` method's own geometric checks on the built model (InputError)."""
    try:
        dynamics_method(scenario.dynamics.method).check_slab(model)
    except InputError as exc:
        raise InputError(exc.message, source=source, field=exc.field) from None


def run_scenario(path, out=None, overrides: list[str] | None = None, overwrite: bool = False,
                 reference: bool = False, comm=None, restart=None, on_step=None, lammps_log: bool = False) -> dict:
    """Run the scenario in ``path``; write into ``out`` (default ``out/<stem>``); return the summary.

    With ``reference``, the same study is repeated fully atomistically on a disc of
    ``[reference] area_ratio`` (default 10) times the area of the coupled model's atoms, the far field
    held on a shell around it; its results go to ``summary["reference"]``.

    With ``restart`` (an output directory), the run saved in its ``checkpoint.npz``
    continues there (``path`` and ``out`` are then not used); ``overrides`` are applied on
    top of the saved ones, e.g. a smaller load step. A checkpoint of another potential or
    geometry is refused.

    ``on_step(model, record)`` is called after every completed load step (collective).
    With ``lammps_log``, LAMMPS's own log of the coupled run goes to ``log.lammps`` in the
    output directory (appended to on a restart).

    Raises
    ------
    InputError
        Bad scenario, options or checkpoint (nothing is written).
    RunStopped
        A run-time guard or SIGTERM/SIGUSR1 stopped the run; checkpoint and diagnostic
        are written (:mod:`handshake.studies.guards`).
    """
    comm = comm if comm is not None else MPI.COMM_WORLD
    with StopSignals(deferred=False) as signals:     # during set-up a signal stops at once
        return _run(path, out, list(overrides or []), overwrite, reference, comm, restart, on_step, lammps_log,
                    signals)


def _run(path, out, overrides, overwrite, reference, comm, restart, on_step, lammps_log, signals) -> dict:
    """:func:`run_scenario` with its stop signals installed."""
    log(comm, f"set-up of {path if restart is None else restart}", logging.DEBUG)
    initial = None
    if restart is not None:
        checkpoint, scenario, model, fields, text, all_overrides, source = restart_set_up(restart, overrides, comm)
        signals.raise_if_received(comm, model)
        directory = RunDirectory(restart, comm, resume=True)
        run_doc = checkpoint.documents["run"]
        completed = int(run_doc["completed_steps"])
        summary = run_doc["summary"]
        summary["status"] = "running"
        summary["process"] = {"host": platform.node(), "pid": os.getpid()}
        summary["provenance"].setdefault("restarts", []).append(
            {"command": " ".join(sys.argv), "from_load_step": completed, "overrides": overrides,
             "mpi_ranks": comm.size, "host": platform.node(), "after": run_doc.get("stopped")})
        summary.pop("stop", None)
        start = time.perf_counter() - float(summary.get("wall_time_s", 0.0))
        series = None  # the frames are cut back once the checkpoint is restored
    else:
        checkpoint, completed, run_doc = None, 0, None
        path = Path(path)
        source = str(path)
        scenario = load_scenario(path, overrides)
        STUDIES[study_kind(scenario)].check(scenario, source)
        signals.raise_if_received(comm)
        model, fields = build_model(scenario, source=source, comm=comm)
        try:                                    # refused before anything is written
            if scenario.dynamics is not None:
                _check_dynamics_layout(scenario, model, source)
            initial = scenario_initial_displacements(scenario, model, source)
        except InputError:
            model.close()
            raise
        signals.raise_if_received(comm, model)
        start = time.perf_counter()
        directory = RunDirectory(out if out is not None else default_output(path, comm), comm, overwrite)
        text = path.read_text()
        all_overrides = overrides
        summary = {"scenario": scenario.name, "kind": scenario.kind, "status": "running",
                   "process": {"host": platform.node(), "pid": os.getpid()},
                   "provenance": provenance(path, text + overrides_comment(overrides), model.potential, comm),
                   "model": {"atoms": model.n_atoms, "nodes": model.zone.mesh.n_nodes,
                             "method": scenario.coupling.method,
                             "atomistic_radius_A": model.geometry.atomistic_radius_A,
                             "pad_width_A": model.geometry.pad_width_A,
                             "outer_radius_A": model.geometry.outer_radius_A, "centre_A": model.centre.tolist()},
                   "material": {k: getattr(model.properties, k) for k in
                                ("a0_A", "C11_GPa", "C12_GPa", "C44_GPa", "cutoff_A", "gamma_100_J_per_m2",
                                 "gamma_110_J_per_m2", "gamma_111_J_per_m2")}}
        if scenario.initial_state is not None:
            atoms_file = Path(scenario.initial_state.atoms_file).resolve()
            summary["provenance"]["initial_state"] = {
                "atoms_file": str(atoms_file), "frame": scenario.initial_state.frame,
                "sha256": hashlib.sha256(atoms_file.read_bytes()).hexdigest()}
        series = VTUSeries(directory.path, "continuum") if directory.writer else None
    study_class = STUDIES[study_kind(scenario)]
    checkpoints = RunCheckpoints(directory.path, model, {"scenario_text": text, "overrides": all_overrides,
                                                         "scenario_file": source, "kind": scenario.kind,
                                                         "scenario_folder": str(Path(source).resolve().parent)
                                                         if restart is None else run_doc.get("scenario_folder")},
                                 scenario.run.checkpoint_interval, comm)

    mesh = model.zone.mesh
    origin = output_origin_A(model)
    labels = [region_labels(model.geometry, model.centre, xy) for xy in (mesh.points, mesh.centroids())]

    def write_frame(index: int, info: dict, time: float, always: bool = False) -> None:
        """Frames of load step (or MD output) ``index`` at pvd ``time``, if ``always`` or
        on the ``[run] frame_interval`` (collective)."""
        if not (always or index % scenario.run.frame_interval == 0):
            return
        directory.append_atoms(atoms_frame(model, {**info, "load_step": index}))
        u_nodes = model.continuum_displacements()
        if series is not None:
            point_data, cell_data = frame_data(mesh, model.material, u_nodes, *labels)
            series.write(time, mesh, point_data, cell_data, origin)

    signals.deferred = True     # output exists from here on: a signal stops at the next load step
    log(comm, f"output: {directory.path} ({model.n_atoms} atoms, {model.zone.mesh.n_nodes} continuum nodes)")
    if lammps_log:
        model.atomistic.lmp.command(f'log "{directory.path / "log.lammps"}" append')
    with model:
        study = study_class(scenario, model, fields, summary, directory, write_frame, checkpoints, signals, comm,
                            start, on_step)
        if initial is not None:
            study.start_from(initial)
            log(comm, f"atoms start from {scenario.initial_state.atoms_file}")
        if checkpoint is not None:
            study.restore_far_field(run_doc)
            restore(checkpoint, model)
            series = directory.keep_frames(completed)
            if run_doc.get("phase") == "dynamics":
                log(comm, f"restart from {checkpoint.source}: MD step {run_doc['md']['steps_done']} done")
            else:
                log(comm, f"restart from {checkpoint.source}: {completed} load steps done")
        directory.write_text("scenario.toml", text + overrides_comment(all_overrides))
        directory.write_json("summary.json", summary)     # "running", with this process: see studies.status
        # stop signals are honoured between load steps (checkpointed) and between the steps of
        # the fully atomistic reference (not checkpointed: the coupled results are whole)
        in_dynamics = (run_doc or {}).get("phase") == "dynamics"
        try:
            if not in_dynamics:
                study.statics(run_doc)
            if scenario.dynamics is not None:
                study.dynamics(checkpoint if in_dynamics else None)
            if reference:
                study.reference(coupled_wall_s=time.perf_counter() - start)
        except OSError as exc:   # a full disk, a quota, a directory made read-only
            raise RunStopped(output_fault(exc), directory.path) from None
        finally:
            study.close_progress()
    summary["status"] = "completed"
    summary["wall_time_s"] = time.perf_counter() - start
    directory.write_json("summary.json", summary)
    log(comm, f"done in {summary['wall_time_s']:.1f} s: results in {directory.path}")
    return summary


def restart_set_up(directory, overrides: list[str], comm):
    """Read the checkpoint in ``directory`` (rank 0, broadcast), rebuild the scenario with the
    saved and the new overrides and its model, and check that they match (collective)."""
    checkpoint, error = None, None
    if comm.rank == 0:
        try:
            checkpoint = Checkpoint.read(directory)
        except InputError as exc:
            error = exc
    checkpoint, error = comm.bcast((checkpoint, error), root=0)
    if error is not None:
        raise error
    run_doc = checkpoint.documents.get("run")
    if not run_doc or "scenario_text" not in run_doc:
        raise InputError("checkpoint has no run section", source=checkpoint.source, field="run")
    text = run_doc["scenario_text"]
    all_overrides = list(run_doc.get("overrides", [])) + overrides
    source = f"{checkpoint.source} (scenario of {run_doc.get('scenario_file', '?')})"
    try:
        data = apply_overrides(tomllib.loads(text), all_overrides)
        scenario = with_paths_beside(Scenario.model_validate(data),
                                         run_doc.get("scenario_folder") or Path(run_doc.get("scenario_file", ".")).parent,
                                         all_overrides)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"saved scenario is not valid TOML ({exc})", source=source) from None
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"]) or None
        raise InputError(err["msg"].removeprefix("Value error, "), source=source, field=loc) from None
    if scenario.kind != run_doc.get("kind", scenario.kind):
        raise InputError(f"the checkpoint is of a {run_doc.get('kind')} run", source=source, field="kind")
    if run_doc.get("phase") == "dynamics":
        if checkpoint.version < 2:
            raise InputError(f"checkpoint version {checkpoint.version} has no molecular-dynamics state",
                             source=source, field="version")
        md = run_doc.get("md", {})
        for key in ("timestep_fs", "method"):
            if scenario.dynamics is None or (key in md and md[key] != getattr(scenario.dynamics, key)):
                now = None if scenario.dynamics is None else getattr(scenario.dynamics, key)
                raise InputError(f"the MD in the checkpoint ran with {key} = {md.get(key)!r}; a restart must "
                                 f"keep it (got {now!r})", source=source, field=f"dynamics.{key}")
    model, fields = build_model(scenario, source=source, comm=comm)
    try:
        checkpoint.check_compatible(model)
    except InputError:
        model.close()
        raise
    return checkpoint, scenario, model, fields, text, all_overrides, source

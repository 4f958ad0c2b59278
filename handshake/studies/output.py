"""The output of a study: its directory, provenance and frames.

Everything is written so that an interrupted run keeps what it did: ``summary.json``
rewritten atomically after every load step (every step's results are in it), and frames
of the atoms (extended XYZ) and of the continuum (VTU) every ``[run] frame_interval``
load steps, at the first and last steps, at every step where the crack tip moved or the
core glided, and at every MD output interval. Rank 0 writes; every rank may call.

Output directory::

    summary.json        scalar results and provenance, updated after every load step
                        (and every MD output interval: results.dynamics.time_series)
    scenario.toml       the scenario as run (with --set overrides applied)
    atoms.extxyz        the frames of the atoms: region, displacement (Å), stress (GPa);
                        info: the load step and its load
    continuum.pvd       ParaView index of continuum_NNNNN.vtu (displacement, strain, stress,
                        region); its time is the load (see Study.frame_time)
    *.png               plots of the main curves (crack_tip_history.png: a running crack)
    log.lammps          LAMMPS's own log, with ``handshake run --lammps-log``
    checkpoint.npz      the state after the last completed load step or MD output interval
                        (:mod:`handshake.studies.checkpoint`)
    diagnostic.json     only when a run-time guard stopped the run (:mod:`handshake.studies.guards`),
    fault.extxyz        with the atoms at the fault (not for NaN positions)

Both kinds of frame share one frame of reference and one region numbering, so that
OVITO, ASE (and its LAMMPS data writer) and matscipy read them as they are: the atoms sit
in an orthogonal box of side :func:`output_box_A` in x and y and one lattice period
along the front (periodic along z only), the model's origin at ``model_origin_A`` (the
frame's info; the VTU points are shifted by the same vector); region 0 is the atomistic
core (free atoms), 1 the handshake zone, 2 the pad, 3 the continuum beyond the atoms
(:func:`handshake.coupling.geometry.region_labels`). Positions in ``summary.json`` (tip,
core) are in the model's frame: subtract ``model_origin_A`` from a file's coordinates.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import numpy as np
from ase import Atoms
from ase.io import read, write

from .. import __version__
from ..atomic_write import atomic_write
from ..continuum import VTUSeries
from ..errors import InputError


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
        """Cut the frames of atoms and continuum back to those of the first ``n`` load
        steps (a restart from a checkpoint older than the last frame); return the
        continuum series (rank 0) or None."""
        if not self.writer:
            return None
        atoms_file = self.path / "atoms.extxyz"
        kept = 0
        if atoms_file.exists():
            frames = read(atoms_file, index=":", format="extxyz", parallel=False)
            frames = [f for i, f in enumerate(frames) if f.info.get("load_step", i) < n]
            kept = len(frames)
            if frames:
                with atomic_write(atoms_file) as tmp:
                    write(tmp, frames, format="extxyz", parallel=False)
            else:
                atoms_file.unlink()
        return VTUSeries.first_frames(self.path, "continuum", kept)

    def write_text(self, name: str, text: str) -> None:
        """Write a file atomically (temporary file, then rename; on a full disk the old file stays)."""
        if self.writer:
            with atomic_write(self.path / name) as tmp:
                tmp.write_text(text)

    def write_json(self, name: str, data: dict) -> None:
        self.write_text(name, json.dumps(data, indent=1, default=jsonable))

    def append_atoms(self, atoms) -> None:
        """Append a frame to ``atoms.extxyz``; a frame cut short (a full disk) is removed again."""
        if self.writer:
            path = self.path / "atoms.extxyz"
            size = path.stat().st_size if path.exists() else 0
            try:
                write(path, atoms, format="extxyz", append=True, parallel=False)
            except BaseException as exc:
                with open(path, "r+b") as handle:
                    handle.truncate(size)
                if isinstance(exc, OSError) and not exc.filename:
                    raise OSError(exc.errno, exc.strerror, str(path)) from exc
                raise


def jsonable(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


#: room around the atoms in the output box, Å: displacements of the outermost atoms
#: (crack opening, glide) stay far below it
BOX_MARGIN_A = 20.0

#: what the region numbers of the output files mean
REGION_LABELS = "0 atomistic core, 1 handshake, 2 pad, 3 continuum only"


def output_origin_A(model) -> np.ndarray:
    """Where the model's origin lies in the frame of the output files, Å: at the middle
    of the box (:func:`output_box_A`) in x and y, so that every atom is inside it."""
    half = float(np.ceil(np.abs(model.centre[:2]).max() + model.geometry.cluster_radius_A + BOX_MARGIN_A))
    return np.array([half, half, 0.0])


def output_box_A(model) -> np.ndarray:
    """The orthogonal box of the atoms' output frames: (L, L, the period along the front), Å."""
    return np.array([2.0 * output_origin_A(model)[0]] * 2 + [model.crystal.period_z_A])


def atoms_frame(model, info: dict):
    """ASE Atoms of the coupled model's current state with per-atom output arrays, in the
    output frame (module docstring; collective)."""
    region = model.atomistic
    u = model.displacements()           # u_z continuous with the applied field, not a minimum image
    region.compute()
    stress = region.gather_stresses_GPa(model.properties.atomic_volume_A3)
    origin = output_origin_A(model)
    atoms = Atoms(getattr(model, "symbols", [model.crystal.element] * model.n_atoms),
                  positions=model.reference_positions + u + origin,
                  cell=np.diag(output_box_A(model)), pbc=(False, False, True))
    atoms.new_array("region", model.atom_region.astype(np.int32))
    atoms.new_array("displacement", u)
    atoms.new_array("stress_GPa", stress)
    atoms.info.update({k: v for k, v in info.items() if isinstance(v, (int, float, str, bool))})
    atoms.info["region_labels"] = REGION_LABELS
    atoms.info["model_origin_A"] = origin
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


def overrides_comment(overrides: list[str]) -> str:
    """The ``--set`` overrides as a TOML comment line appended to the scenario text."""
    return "\n# --set " + " --set ".join(overrides) + "\n" if overrides else ""

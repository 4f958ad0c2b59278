"""Checkpoints: the full coupled state of a run, written atomically, read back exactly.

A checkpoint is one file, ``checkpoint.npz`` in the run's output directory (a NumPy
``.npz``: an uncompressed zip archive of named arrays, each with its CRC-32). It holds

- ``manifest``: JSON with the format name and version, the list of sections, what the
  state is compatible with (potential hash, a fingerprint of the geometry: atoms,
  regions, mesh) and a SHA-256 of every array;
- named sections, arrays ``<section>/<name>`` and JSON documents ``<section>.json``:

  ``atoms``      LAMMPS positions ``x`` (LAMMPS frame, Å), image flags ``image``,
                 velocities ``v`` (Å/ps) and types, by atom id (``id − 1``), so a
                 checkpoint does not depend on the number of MPI ranks;
  ``continuum``  nodal displacements ``u`` (Å); on restart they are recomputed from the
                 atoms and must agree, which also catches a different mesh;
  ``run``        scenario text, ``--set`` overrides, completed load steps, the far field
                 of the last one, the summary so far.

Statics need nothing more. Between load steps the coupling methods keep no state: the
force method is one minimisation, and the Anderson mixers of ``energy-gfc`` and
``schwarz`` start afresh in every load step (their dead loads and interface data are
functions of the atoms), so restarting from the atoms reproduces the next step.

Version 2 adds the state of coupled molecular dynamics (:mod:`handshake.studies.dynamics`), written
between two output intervals:

  ``dynamics``   the continuum integrator (:class:`handshake.dynamics.CoupledDynamics`):
                 correction displacements ``u`` (Å) at t_N, the leapfrog half-step
                 velocities ``v_half`` = v_{N−½} (Å/ps), accelerations ``a`` = a_N
                 (Å/ps²), the per-atom baseline energies ``baseline_eV`` and the
                 ``dead_load`` (eV/Å) fixed when the integrator was made;
  ``run``        (JSON) adds ``phase = "dynamics"`` and ``md``: MD steps done, the LAMMPS
                 step counter, time step, seeds.

The Langevin noise of :class:`handshake.dynamics.damping.LangevinBand` is drawn from a
generator seeded with (seed, LAMMPS step) at every step, so its random state *is* the
step counter: restoring ``md.lammps_step`` continues the same random sequence.
Version 1 files (statics) are read; a dynamics restart refuses them. A reader refuses
versions newer than it knows.

Rank 0 writes to a temporary file in the same directory, flushes it to disk and renames
it over the previous checkpoint (``os.replace``), so a checkpoint is never half-written.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import zipfile
from pathlib import Path

import numpy as np

from ..atomic_write import atomic_write
from ..errors import InputError

FORMAT = "handshake-checkpoint"
VERSION = 2
FILENAME = "checkpoint.npz"


def _sha256(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def geometry_fingerprint(model) -> str:
    """SHA-256 of what a state belongs to: reference positions (rounded to 1e-6 Å), atom
    regions, mesh nodes and elements, crystal and coupling method."""
    h = hashlib.sha256()
    for array in (np.round(model.reference_positions, 6), model.atom_region.astype(np.int64),
                  np.round(model.zone.mesh.points, 6), model.zone.mesh.cells.astype(np.int64),
                  np.asarray(model.orientation, dtype=np.int64)):
        h.update(np.ascontiguousarray(array).tobytes())
    h.update(f"{model.crystal.element} {model.properties.lattice} {model.method.name}".encode())
    return h.hexdigest()


def compatibility(model) -> dict:
    """What a checkpoint of ``model`` can be restored into."""
    return {"potential": model.potential.name, "potential_hash": model.potential.content_hash,
            "atoms": int(model.n_atoms), "nodes": int(model.zone.mesh.n_nodes), "method": model.method.name,
            "geometry": geometry_fingerprint(model)}


# ---------------------------------------------------------------------- the file
class Checkpoint:
    """The state of a run: named sections of arrays and JSON documents.

    Parameters
    ----------
    arrays : dict
        ``"section/name"`` → ndarray.
    documents : dict
        section → JSON-serialisable dict.
    compatible_with : dict
        From :func:`compatibility`.
    """

    def __init__(self, arrays: dict, documents: dict, compatible_with: dict, version: int = VERSION,
                 source: str = "checkpoint"):
        self.arrays = arrays
        self.documents = documents
        self.compatible_with = compatible_with
        self.version = version
        self.source = source

    def section(self, name: str) -> dict[str, np.ndarray]:
        """Arrays of one section by their short names."""
        prefix = name + "/"
        return {k[len(prefix):]: v for k, v in self.arrays.items() if k.startswith(prefix)}

    def write(self, directory) -> Path:
        """Write ``directory/checkpoint.npz`` atomically (call on one rank only)."""
        directory = Path(directory)
        manifest = {"format": FORMAT, "version": self.version, "created": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                                       time.gmtime()),
                    "sections": sorted({k.split("/")[0] for k in self.arrays} | set(self.documents)),
                    "compatible_with": self.compatible_with,
                    "sha256": {k: _sha256(v) for k, v in self.arrays.items()}}
        payload = {"manifest": _encode(manifest), **self.arrays,
                   **{f"{k}.json": _encode(v) for k, v in self.documents.items()}}
        path = directory / FILENAME
        # a full disk: the previous checkpoint stays, no partial file
        with atomic_write(path) as tmp, open(tmp, "wb") as f:
            np.savez(f, **payload)
            f.flush()
            os.fsync(f.fileno())
        try:  # make the rename itself durable
            fd = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError:
            pass
        return path

    @classmethod
    def read(cls, directory) -> "Checkpoint":
        """Read and verify ``directory/checkpoint.npz`` (or a path to the file itself).

        Raises
        ------
        InputError
            Missing, truncated or corrupt file, another format, or a newer version.
        """
        path = Path(directory)
        path = path / FILENAME if path.is_dir() else path
        source = str(path)
        if not path.exists():
            raise InputError("no checkpoint here (was the run started with this output directory?)",
                             source=source)
        try:
            with np.load(path, allow_pickle=False) as data:
                contents = {k: data[k] for k in data.files}
        except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError) as exc:
            raise InputError(f"corrupt or truncated checkpoint ({type(exc).__name__}: {exc})", source=source) from None
        if "manifest" not in contents:
            raise InputError("not a handshake checkpoint (no manifest)", source=source)
        try:
            manifest = _decode(contents.pop("manifest"))
        except ValueError:
            raise InputError("corrupt checkpoint manifest", source=source, field="manifest") from None
        if manifest.get("format") != FORMAT:
            raise InputError(f"not a handshake checkpoint (format {manifest.get('format')!r})", source=source)
        version = manifest.get("version")
        if not isinstance(version, int) or not 1 <= version <= VERSION:
            raise InputError(f"checkpoint version {version!r} is not one this handshake reads (1 to {VERSION}); "
                             f"use the handshake version that wrote it", source=source, field="version")
        documents, arrays = {}, {}
        for key, value in contents.items():
            if key.endswith(".json"):
                try:
                    documents[key[:-5]] = _decode(value)
                except ValueError:
                    raise InputError("corrupt checkpoint section", source=source, field=key) from None
            else:
                arrays[key] = value
        expected = manifest.get("sha256", {})
        if set(expected) != set(arrays):
            raise InputError("checkpoint sections missing or unexpected", source=source, field="manifest")
        for key, value in arrays.items():
            if _sha256(value) != expected[key]:
                raise InputError("checkpoint data do not match their checksum (corrupt file)", source=source,
                                 field=key)
        return cls(arrays, documents, manifest.get("compatible_with", {}), version, source)

    def check_compatible(self, model) -> None:
        """Refuse (one line) to restore into a model of another potential or geometry."""
        mine = compatibility(model)
        for key, what in (("potential", "potential"), ("potential_hash", "potential files (hash)"),
                          ("method", "coupling method"), ("atoms", "number of atoms"),
                          ("nodes", "number of continuum nodes"), ("geometry", "geometry")):
            if self.compatible_with.get(key) != mine[key]:
                raise InputError(f"written for another {what}: {_short(self.compatible_with.get(key))} in the "
                                 f"checkpoint, {_short(mine[key])} now; restart only with the same potential "
                                 f"and geometry", source=self.source, field=key)


def _short(value) -> str:
    text = str(value)
    return text[:12] + "…" if len(text) > 16 else text


def _encode(document: dict) -> np.ndarray:
    return np.frombuffer(json.dumps(document).encode(), dtype=np.uint8)


def _decode(array: np.ndarray) -> dict:
    value = json.loads(np.asarray(array, dtype=np.uint8).tobytes().decode())
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


# ---------------------------------------------------------------------- a run's checkpoints
class RunCheckpoints:
    """The checkpoints of one run: the last completed state in memory, on disk at an interval.

    After every completed load step :meth:`capture` takes the state (a gather of the
    atoms, collective); :meth:`write` puts the last captured state on disk (rank 0).
    When a guard trips, LAMMPS may already hold NaN positions; the state written is then
    still the last good one.

    Parameters
    ----------
    directory : path
        The run's output directory.
    model : CoupledModel
    run : dict
        Scenario text, overrides and anything else the restart needs (JSON).
    interval : int
        Write after every this many completed load steps (and the start); 0: only when
        asked (:meth:`write`).
    comm : mpi4py.MPI.Comm
    """

    def __init__(self, directory, model, run: dict, interval: int, comm):
        self.directory = Path(directory)
        self.model = model
        self.run = dict(run)
        self.interval = int(interval)
        self.writer = comm.rank == 0
        self.compatible_with = compatibility(model)
        self.last: Checkpoint | None = None

    def capture(self, completed: int, state: dict, arrays: dict | None = None) -> None:
        """Take the current state after ``completed`` load steps (collective); write it if
        the interval says so.

        Parameters
        ----------
        completed : int
            Load steps done.
        state : dict
            JSON of the run's progress (steps, far field, summary).
        arrays : dict, optional
            Further ``"section/name"`` arrays (the MD integrator: :func:`capture_dynamics`).
        """
        atoms = self.model.atomistic.capture()
        u_nodes = self.model.continuum_displacements()
        arrays = {**{f"atoms/{k}": v for k, v in atoms.items()}, "continuum/u": u_nodes, **(arrays or {})}
        run = json.loads(json.dumps({**self.run, **state, "completed_steps": int(completed)}))  # a copy, as of now
        self.last = Checkpoint(arrays, {"run": run}, self.compatible_with)
        if self.interval and completed % self.interval == 0:
            self.write()

    def write(self, stopped: dict | None = None) -> Path | None:
        """Write the last captured state (rank 0); None if nothing was captured.

        ``stopped`` records why the run stopped (kept in the ``run`` section)."""
        if self.last is None:
            return None
        if stopped is not None:
            self.last.documents["run"]["stopped"] = json.loads(json.dumps(stopped))
        if self.writer:
            self.last.write(self.directory)
        return self.directory / FILENAME


def restore(checkpoint: Checkpoint, model, tolerance_A: float = 1e-9) -> None:
    """Put the atoms of ``checkpoint`` into ``model`` (whose far field must already be the
    checkpoint's) and check that the continuum they imply is the one saved (collective).

    Raises
    ------
    InputError
        The continuum differs: the checkpoint belongs to another model.
    """
    atoms = checkpoint.section("atoms")
    if atoms["x"].shape != (model.n_atoms, 3):
        raise InputError(f"{atoms['x'].shape[0]} atoms in the checkpoint, {model.n_atoms} in the model",
                         source=checkpoint.source, field="atoms/x")
    model.atomistic.restore(atoms)
    saved = checkpoint.section("continuum")["u"]
    now = model.continuum_displacements()
    error = float(np.abs(now - saved).max()) if now.shape == saved.shape else np.inf
    if not error <= tolerance_A:
        raise InputError(f"the continuum implied by the checkpoint's atoms differs from the saved one by "
                         f"{error:.3g} Å (another geometry or far field?)", source=checkpoint.source,
                         field="continuum/u")


# ---------------------------------------------------------------------- molecular dynamics
def capture_dynamics(dynamics) -> dict[str, np.ndarray]:
    """The continuum integrator's state between two runs, as ``dynamics/*`` arrays (copies)."""
    return {"dynamics/u": dynamics.u.copy(), "dynamics/v_half": dynamics.v.copy(), "dynamics/a": dynamics.a.copy(),
            "dynamics/baseline_eV": np.asarray(dynamics.baseline_eV, dtype=float).copy(),
            "dynamics/dead_load": np.asarray(dynamics.dead_load, dtype=float).copy()}


def restore_dynamics(checkpoint: Checkpoint, dynamics, region) -> None:
    """Put the integrator state of ``checkpoint`` into a freshly made ``dynamics`` whose
    atoms are already restored (collective).

    The integrator is restarted from (u_N, v_N = v_{N−½} + ½ Δt a_N): its first step gives
    v_{N+½} = v_N + ½ Δt a_N, the value the uninterrupted leapfrog computes as
    v_{N−½} + Δt a_N, equal to round-off. The atoms are then put back once more, since
    placing the continuum moves the pad atoms.

    Raises
    ------
    InputError
        The checkpoint has no (or mis-sized) dynamics state.
    """
    saved = checkpoint.section("dynamics")
    if checkpoint.version < 2 or not saved:
        raise InputError(f"checkpoint version {checkpoint.version} has no molecular-dynamics state; restart "
                         "the run from the start", source=checkpoint.source, field="dynamics")
    if saved["u"].shape != dynamics.u.shape:
        raise InputError(f"{saved['u'].size} continuum DOFs in the checkpoint, {dynamics.u.size} in the model",
                         source=checkpoint.source, field="dynamics/u")
    dynamics.set_continuum_state(u_A=saved["u"], v_A_per_ps=saved["v_half"] + 0.5 * dynamics.dt * saved["a"])
    dynamics.baseline_eV = saved["baseline_eV"].copy()
    dynamics.dead_load = saved["dead_load"].copy()
    region.restore(checkpoint.section("atoms"))

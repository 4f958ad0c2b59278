"""On-disk cache of computed material properties.

Entries are JSON files keyed by potential name, element, lattice, the SHA-256 of the
potential's files and :data:`~handshake.materials.properties.METHOD_VERSION`, so a
changed parameter file or a changed method is never served stale. The folder is
``$HANDSHAKE_CACHE_DIR``, else ``$XDG_CACHE_HOME/handshake``, else
``~/.cache/handshake``. Files are written to a temporary name and renamed, so a
cache entry is never half-written.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from mpi4py import MPI

from ..atomistic.potentials import Potential, load_potential
from .properties import METHOD_VERSION, MaterialProperties, compute_material_properties


def cache_dir() -> Path:
    """Folder holding cached material properties."""
    if os.environ.get("HANDSHAKE_CACHE_DIR"):
        return Path(os.environ["HANDSHAKE_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "handshake"


def cache_path(potential: Potential, element: str, lattice: str) -> Path:
    """Cache file of one (potential, element, lattice)."""
    key = f"{potential.name}-{element}-{lattice}-{potential.content_hash}-m{METHOD_VERSION}.json"
    return cache_dir() / "materials" / key


def write_json_atomically(path: Path, data: dict) -> None:
    """Write ``data`` as JSON to ``path`` through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(data, handle, indent=1)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_entry(path: Path) -> dict | None:
    """The cache entry in ``path``, or None if it cannot be read or is not a valid entry
    (truncated, edited, of another layout): such entries are recomputed and overwritten."""
    try:
        data = json.loads(path.read_text())
        MaterialProperties.from_dict(data)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, TypeError, ValueError):
        return None
    return data


def material_properties(potential, element: str | None = None, lattice: str | None = None,
                        comm=None, use_cache: bool = True) -> MaterialProperties:
    """Material properties of ``element`` in ``lattice`` with ``potential``, cached on disk.

    Parameters
    ----------
    potential : str, path or Potential
        Registry name, TOML path or loaded potential.
    element, lattice : str, optional
        Default to the potential's ``default_element`` and ``lattice``.
    comm : mpi4py.MPI.Comm, optional
        All ranks must call; rank 0 reads and writes the cache.
    use_cache : bool
        Read and write the cache; ``False`` always recomputes (and does not write).

    Returns
    -------
    MaterialProperties
    """

    comm = comm if comm is not None else MPI.COMM_WORLD
    pot = load_potential(potential)
    element = element or pot.default_element
    lattice = lattice or pot.lattice
    path = cache_path(pot, element, lattice)
    cached = None
    if use_cache and comm.rank == 0 and path.is_file():
        cached = _read_entry(path)
    cached = comm.bcast(cached, root=0)
    if cached is not None:
        return MaterialProperties.from_dict(cached)
    props = compute_material_properties(pot, element, lattice, comm=comm)
    if use_cache and comm.rank == 0:
        write_json_atomically(path, props.to_dict())
    return props

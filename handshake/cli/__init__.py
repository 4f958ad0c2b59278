"""The ``handshake`` command line: the parser (:mod:`.parser`) and one module per command
family (:mod:`.lookup`: materials, potentials; :mod:`.runs`: run, sweep; :mod:`.verify`:
patch-test, reference; :mod:`.cluster`: submit, collect, estimate).

A command's module is imported when the command runs (``importlib``, as the registries
load their methods), so ``handshake --help`` and a usage error answer in a quarter of a
second instead of the two seconds that importing LAMMPS and the physics takes.

Every error a user can fix (unknown potential, bad file, bad option) is printed as one
line on standard error and the command exits with code 2, without a traceback unless
``--debug`` is given. A run that a guard or a stop signal ended early prints one line
and exits with the code listed in :mod:`handshake.studies.guards` (3 to 8).
"""

from __future__ import annotations

import importlib
import logging
import signal
import sys
import threading

from ..errors import InputError, RunStopped, SetUpInterrupted
from ..progress import configure_logging
from .parser import build_parser

__all__ = ["build_parser", "main"]


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
    previous = _stop_on_signals()
    try:
        args = build_parser().parse_args(argv)
        configure_logging(logging.WARNING if args.quiet else logging.DEBUG if args.verbose else logging.INFO)
        module, function = args.command
        return getattr(importlib.import_module(f"{__name__}.{module}"), function)(args)
    except InputError as exc:
        if debug:
            raise
        if _rank() == 0:
            print(f"handshake: error: {exc.one_line()}", file=sys.stderr)
        return 2
    except RunStopped as exc:
        if _rank() == 0:
            print(f"handshake: stopped: {exc.one_line()}", file=sys.stderr)
        return exc.exit_code
    except SetUpInterrupted as exc:
        if debug:
            raise
        if _rank() == 0:
            print(f"handshake: stopped: {exc}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        if debug:
            raise
        if _rank() == 0:
            print("handshake: stopped: interrupted (Ctrl-C)", file=sys.stderr)
        return 130
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _stop_on_signals() -> dict:
    """Until a run installs its own (:class:`~handshake.studies.guards.StopSignals`), SIGTERM
    and SIGUSR1 end the command with one line and exit code 3, as Ctrl-C does with 130:
    nothing is written before a run's set-up is done. Returns the handlers replaced."""
    if threading.current_thread() is not threading.main_thread():
        return {}

    def interrupted(signum, _frame):
        raise SetUpInterrupted(signal.Signals(signum).name)

    return {s: signal.signal(s, interrupted) for s in (signal.SIGTERM, signal.SIGUSR1)}


if __name__ == "__main__":
    sys.exit(main())

"""What a run tells its user while it runs: log lines and progress bars on standard error.

Log lines go through the ``handshake`` :mod:`logging` logger, so their level is the
user's choice (``handshake --quiet``: warnings and errors only; ``--verbose``: set-up
details too) and a script using the Python API can redirect them like any library's.
When standard error is a terminal, a :mod:`tqdm` bar follows the load steps of a ramp
or the steps of an MD run (elapsed time, rate, time left); log lines are written
above it. Nothing of this reaches files: results are in the output directory.
Only rank 0 speaks under MPI.
"""

from __future__ import annotations

import logging
import sys

from tqdm import tqdm

#: the logger of every progress line of a run
LOGGER = logging.getLogger("handshake")


class _AboveTheBar(logging.Handler):
    """Write records to standard error through :func:`tqdm.write`, so that a progress bar
    is cleared before the line and redrawn after it."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            tqdm.write(self.format(record), file=sys.stderr)
        except Exception:  # noqa: BLE001 - logging's contract: never raise from emit
            self.handleError(record)


def configure_logging(level: int = logging.INFO) -> None:
    """Print the ``handshake`` logger's records of ``level`` and above on standard error.

    Called by the command line with the level of ``--quiet``/``--verbose``, and on the
    first line of a run made through the Python API without logging configured, so that
    a script shows progress as the command line does.
    """
    for handler in [h for h in LOGGER.handlers if isinstance(h, _AboveTheBar)]:
        LOGGER.removeHandler(handler)
    handler = _AboveTheBar()
    handler.setFormatter(logging.Formatter("%(message)s"))
    LOGGER.addHandler(handler)
    LOGGER.setLevel(level)
    LOGGER.propagate = False


def log(comm, message: str, level: int = logging.INFO) -> None:
    """One progress line (rank 0 of ``comm``)."""
    if comm.rank != 0:
        return
    if not LOGGER.handlers:
        configure_logging()
    LOGGER.log(level, message)


class ProgressBar:
    """A bar over ``total`` units of work, on rank 0, when standard error is a terminal
    and progress lines are shown (not ``--quiet``).

    Parameters
    ----------
    comm : mpi4py.MPI.Comm
    total : int
        Units in all (load steps, MD steps).
    done : int
        Units already done (a restarted run).
    unit : str
        What a unit is, shown in the rate.
    """

    def __init__(self, comm, total: int, done: int = 0, unit: str = "load step"):
        if not LOGGER.handlers:
            configure_logging()
        shown = comm.rank == 0 and LOGGER.isEnabledFor(logging.INFO) and sys.stderr.isatty()
        self.bar = tqdm(total=total, initial=done, unit=f" {unit}", disable=not shown, file=sys.stderr,
                        leave=False, dynamic_ncols=True, smoothing=0.1)

    def reach(self, done: int) -> None:
        """Move the bar to ``done`` units."""
        if done > self.bar.n:
            self.bar.update(done - self.bar.n)

    def close(self) -> None:
        """Remove the bar from the terminal."""
        self.bar.close()

"""Errors that end a command with one line and an exit code, without a traceback.

An :class:`InputError` is bad input a user can fix: the command line prints it as one
line and exits with code 2. Its message names where the bad value came from (file and
field, or command-line option) and what was expected. A :class:`RunStopped` is a run
that a run-time guard or a stop request ended early, with its checkpoint on disk
(exit codes 3 to 10, :mod:`handshake.studies.guards`); a :class:`SetUpInterrupted` is a
stop signal that came before anything was written (exit code 3).
"""

from __future__ import annotations


class InputError(ValueError):
    """Bad user input: a file, a field of it, or an option, and what was expected.

    Parameters
    ----------
    message : str
        What is wrong and what was expected, one sentence.
    source : str, optional
        Where the value came from: a file path, ``"command line"``, ...
    field : str, optional
        The key or option inside ``source``.
    """

    def __init__(self, message: str, source: str | None = None, field: str | None = None):
        self.message = message
        self.source = source
        self.field = field
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """The error as a single line: ``source: field: message``."""
        where = ": ".join(part for part in (self.source, self.field) if part)
        text = f"{where}: {self.message}" if where else self.message
        return " ".join(text.split())


class RunStopped(Exception):
    """A run ended early on purpose: a guard tripped or a stop was requested.

    The checkpoint and the diagnostic are on disk when this is raised; the command line
    prints :meth:`one_line` and exits with :attr:`exit_code`.

    Parameters
    ----------
    fault : handshake.studies.guards.Fault
        What stopped the run (its ``message`` and ``exit_code``).
    directory : path, optional
        The run's output directory, where its checkpoint is.
    """

    def __init__(self, fault, directory=None):
        self.fault = fault
        self.exit_code = fault.exit_code
        self.directory = directory
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """The fault's message and, with a checkpoint, how to continue."""
        text = self.fault.message
        if self.directory is not None:
            text += f"; checkpoint in {self.directory}, continue with: handshake run --restart {self.directory}"
        return " ".join(text.split())


class SetUpInterrupted(BaseException):
    """A stop signal (SIGTERM, SIGUSR1, Ctrl-C) arrived while a run was being set up,
    before anything was written; the command line prints one line and exits with code 3.

    A ``BaseException``, as ``KeyboardInterrupt`` is, so that no ``except Exception`` of
    the set-up takes it for a failure of its own.
    """

    def __init__(self, name: str):
        self.name = name
        super().__init__(f"{name} received during set-up: stopped before anything was written")


class DefectAtHandshake(RuntimeError):
    """A crack tip or a dislocation reached the handshake zone in a study run through the
    Python API: its field would be carried by the continuum, so the results past this
    point would be wrong. The command line's studies stop there too (exit code 7)."""


class NotConverged(RuntimeError):
    """A load step of a ramp run through the Python API missed its force tolerance: the
    state recorded would not be an equilibrium. The command line's studies stop there too
    (exit code 6); pass your own ``check`` to a ramp's ``run`` to accept such steps."""

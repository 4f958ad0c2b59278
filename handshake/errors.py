"""Errors that a user can fix by changing their input.

An :class:`InputError` is printed by the command line as one line, without a
traceback, and the process exits with code 2. Its message names where the bad value
came from (file and field, or command-line option) and what was expected.
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

"""Methods chosen by name: a registry that classes join with a decorator.

Adding a coupling or dynamics method is adding one module whose class is decorated with its
registry's :meth:`Registry.register`; scenario files and the Python API then find it by name.
"""

from __future__ import annotations

from .errors import InputError


class Registry(dict):
    """Name → class, filled by the :meth:`register` decorator.

    Parameters
    ----------
    kind : str
        What the entries are, for error messages (``"coupling method"``).
    """

    def __init__(self, kind: str):
        super().__init__()
        self.kind = kind

    def register(self, name: str):
        """Class decorator: make the class available as ``name`` (and set its ``name``)."""
        def decorate(cls):
            cls.name = name
            self[name] = cls
            return cls
        return decorate

    def lookup(self, name: str):
        """The class registered as ``name``; :class:`~handshake.errors.InputError` (a
        ValueError, field ``method``) naming the known ones otherwise."""
        try:
            return self[name]
        except (KeyError, TypeError):
            raise InputError(f"unknown {self.kind} {name!r}; known methods: {', '.join(sorted(self))}",
                             field="method") from None

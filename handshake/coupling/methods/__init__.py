"""Coupling methods, chosen by name.

Every module of this package that defines a :class:`~.base.CouplingMethod` subclass
decorated with :func:`~.base.register` is imported here, so adding a method is adding
one file.
"""

import importlib
import pkgutil

from .base import METHODS, CouplingMethod, RelaxationResult, coupling_method, register

for _module in pkgutil.iter_modules(__path__):
    if _module.name != "base":
        importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["METHODS", "CouplingMethod", "RelaxationResult", "coupling_method", "register"]

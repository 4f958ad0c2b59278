"""Coupled-dynamics methods, chosen by name.

Every module of this package that defines a :class:`~.base.DynamicsMethod` subclass
decorated with :func:`~.base.register` is imported here, so adding a dynamics method is
adding one file: the class builds :class:`~handshake.dynamics.CoupledDynamics` for a strip
(:meth:`~.base.DynamicsMethod.strip`) and a slab (:meth:`~.base.DynamicsMethod.slab`) and
supplies the per-step coupling terms.
"""

import importlib
import pkgutil

from .base import DYNAMICS_METHODS, DynamicsMethod, SlabLayout, StripLayout, dynamics_method, register

for _module in pkgutil.iter_modules(__path__):
    if _module.name != "base":
        importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["DYNAMICS_METHODS", "DynamicsMethod", "SlabLayout", "StripLayout", "dynamics_method", "register"]

"""What a coupled model resolves to before any LAMMPS instance of it exists.

One chain, used by :class:`~handshake.coupling.CoupledModel`, by the scenario checks
(:func:`handshake.scenario.check_scenario`) and by ``handshake estimate``: the potential,
the element it must describe, the material properties (LAMMPS once, then the cache),
the oriented crystal with one atom per column along z, and the geometry validated
against the potential's interaction range and the crystal's atomic spacing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..atomistic.crystal import Crystal, check_atom_columns, crystal_directions
from ..atomistic.potentials import Potential, load_potential
from ..errors import InputError
from ..materials import MaterialProperties, material_properties
from .geometry import CoupledGeometry


@dataclass(frozen=True)
class ModelPlan:
    """The resolved set-up of a coupled model.

    Attributes
    ----------
    potential : Potential
    properties : MaterialProperties
        a0 (Å), elastic constants (GPa), interaction range (Å) of the continuum and lattice.
    crystal : Crystal
        The oriented crystal in the lab frame.
    geometry : CoupledGeometry
        Validated; the pad width filled in.
    """

    potential: Potential
    properties: MaterialProperties
    crystal: Crystal
    geometry: CoupledGeometry

    @property
    def orientation(self) -> np.ndarray:
        """Crystal directions along lab x, y, z, (3, 3) ints."""
        return np.asarray(self.crystal.orientation, dtype=int)


def plan_model(potential, orientation, geometry: CoupledGeometry, element: str | None = None,
               lattice: str | None = None, properties: MaterialProperties | None = None, comm=None,
               source: str | None = None) -> ModelPlan:
    """Resolve and check a coupled model's set-up (collective on ``comm`` when the material
    properties are computed; a cached potential needs no LAMMPS).

    Parameters
    ----------
    potential : str, path or Potential
    orientation : (3, 3) ints
        Crystal directions along lab x, y, z.
    geometry : CoupledGeometry
    element, lattice : str, optional
        Default the potential's ``default_element`` and ``lattice``.
    properties : MaterialProperties, optional
        Given (an alloy's effective medium) instead of computed for ``element``.
    comm : mpi4py.MPI.Comm, optional
    source : str, optional
        Named in error messages (a scenario file).

    Raises
    ------
    InputError
        Field ``potential``, ``element``, ``orientation`` or a geometry key.
    """
    try:
        directions = crystal_directions(orientation)
    except InputError as exc:
        raise InputError(exc.message, source=source, field="orientation") from None
    potential = load_potential(potential)
    element = element or potential.default_element
    potential.check_elements(element, source=source)
    if properties is None:
        properties = material_properties(potential, element, lattice, comm=comm)
    crystal = Crystal(properties.lattice, element, properties.a0_A, tuple(map(tuple, directions.tolist())))
    try:
        check_atom_columns(crystal)
    except InputError as exc:
        raise InputError(exc.message, source=source, field="orientation") from None
    unit = crystal.unit()
    geometry = geometry.validated(properties.cutoff_A, crystal.nearest_neighbour_A, source,
                                  atoms_per_area_A2=len(unit) / abs(np.linalg.det(unit.cell[:2, :2])))
    return ModelPlan(potential, properties, crystal, geometry)

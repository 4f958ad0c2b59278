"""From a validated scenario to its coupled model: every check that needs the potential
(but no LAMMPS instance of the model), then the model and its fixed far fields.

Errors raised while building are re-addressed to the scenario key that caused them, so a
problem is reported as one line naming the file, the key and what was expected.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..alloys import CompositionBand, OrderedTile, effective_medium, random_species
from ..atomistic.crystal import Crystal, default_centre
from ..atomistic.potentials import Potential
from ..coupling import CoupledGeometry, CoupledModel, coupling_method
from ..coupling.plan import plan_model
from ..errors import InputError
from ..fracture.griffith import cleavage_surface_energy
from ..materials import MaterialProperties, material_properties
from .dissociation import check_dissociation
from .schema import Scenario

#: where a field named by the library lives in a scenario file
SCENARIO_KEYS = {
    "potential": "material.potential", "element": "material.element", "elements": "material.element",
    "orientation": "material.orientation", "method": "coupling.method",
    **{f"{k}": f"geometry.{k}" for k in ("atomistic_radius_A", "handshake_width_A", "outer_radius_A",
                                          "pad_width_A", "mesh_growth")},
}


def _in_scenario(exc: InputError, source: str) -> InputError:
    """``exc`` raised while building a scenario's model, re-addressed to the scenario key.

    An error inside another file (the potential's TOML entry) keeps that file's name in
    the message, so the line names both."""
    if exc.source and exc.source != source:
        return InputError(exc.one_line(), source=source, field="material.potential")
    return InputError(exc.message, source=source, field=SCENARIO_KEYS.get(exc.field, exc.field))


class ScenarioPlan(NamedTuple):
    """What a scenario resolves to before any LAMMPS instance exists."""

    potential: Potential            #: the potential entry
    properties: MaterialProperties  #: of the element with the potential (computed once, then cached)
    crystal: Crystal                #: oriented in the lab frame
    geometry: CoupledGeometry       #: validated (pad width filled in)
    centre_A: np.ndarray    #: centre of the regions, Å


def check_scenario(scenario: Scenario, source: str, comm=None) -> ScenarioPlan:
    """Every check of a scenario against its potential that needs no LAMMPS instance.

    The potential entry and its parameter files, the element, the coupling method, the
    crystal directions, the geometry against the potential's interaction range and
    atomic spacing, the crack plane's surface energy, the dislocation cores and whether
    their partials fit (:mod:`.dissociation`). Material properties and stacking-fault
    energies are computed with LAMMPS on the first use of a potential, then read from the
    cache (collective on ``comm``, default ``MPI.COMM_WORLD``).

    Raises
    ------
    InputError
        One line naming ``source``, the scenario key and the problem.
    """
    g, m = scenario.geometry, scenario.material
    try:
        geometry = CoupledGeometry(g.atomistic_radius_A, g.handshake_width_A, g.outer_radius_A,
                                   g.pad_width_A, g.centre_A, g.mesh_growth, crack=scenario.kind == "crack")
        coupling_method(scenario.coupling.method)
        plan = plan_model(m.potential, m.orientation, geometry, m.element, comm=comm)
    except InputError as exc:
        raise _in_scenario(exc, source) from None
    potential, properties, crystal, geometry = plan.potential, plan.properties, plan.crystal, plan.geometry
    unit = crystal.unit()
    if scenario.kind == "crack" and scenario.crack.surface_energy_J_per_m2 is None:
        try:
            cleavage_surface_energy(properties, m.orientation[1])
        except InputError as exc:
            raise InputError(exc.message + "; give crack.surface_energy_J_per_m2", source=source,
                             field="material.orientation") from None
    centre = np.asarray(geometry.centre_A if geometry.centre_A is not None
                        else default_centre(unit, widest_gap=geometry.crack), dtype=float)
    periods = np.diag(unit.cell)[:2]
    offsets = []
    for i, d in enumerate(scenario.dislocations):
        offset = np.asarray(d.core_A) + periods * d.core_periods
        if np.linalg.norm(offset) >= geometry.core_radius_A:
            raise InputError(f"{list(d.core_periods)} lattice periods put the core {np.linalg.norm(offset):.3g} Å "
                             f"from the centre, outside the atomistic core (radius {geometry.core_radius_A:g} Å)",
                             source=source, field=f"dislocations[{i}].core_periods")
        offsets.append(offset)
    plan = ScenarioPlan(potential, properties, crystal, geometry, centre)
    check_dissociation(scenario, plan, offsets, source, comm)
    return plan


def composition_band(scenario: Scenario, plan, composition: dict, a0_A: float):
    """The :class:`~handshake.alloys.CompositionBand` of ``[alloy.composition_band]``: pure
    end members of the potential (cached material properties), the alloy's fraction
    outside the band, centred ``centre_y_A`` above the model's centre."""
    b = scenario.alloy.composition_band
    element_A = next(e for e in composition if e != b.element)
    A, B = (material_properties(plan.potential, e, plan.properties.lattice) for e in (element_A, b.element))
    # the model's centre is a fixed fraction of the unit cell: scale the plan's (pure
    # element) centre to the effective medium's lattice parameter ``a0_A``
    centre_y = float(plan.centre_A[1]) * a0_A / plan.properties.a0_A
    band = CompositionBand(A.a0_A, B.a0_A, A.C_voigt_GPa, B.C_voigt_GPa, scenario.material.orientation,
                           c_reference=composition[b.element], c_band=b.fraction,
                           centre_y_A=centre_y + b.centre_y_A, half_width_A=b.half_width_A,
                           interface_A=b.interface_A)
    band.end_members = (element_A, b.element)
    return band


def build_model(scenario: Scenario, source: str, comm=None):
    """The :class:`~handshake.coupling.CoupledModel` and the fixed far fields of a scenario
    (the dislocations and the homogeneous load; a crack's K-field is applied by its ramp).

    Everything that can be wrong with the scenario is checked first
    (:func:`check_scenario`), before any LAMMPS instance or output exists.
    """
    plan = check_scenario(scenario, source, comm)
    properties = species = tile = None
    if scenario.alloy is not None:
        try:
            medium = effective_medium(scenario.material.potential, scenario.alloy.composition,
                                      n_supercells=scenario.alloy.supercells,
                                      repeat=scenario.alloy.supercell_repeat, comm=comm)
        except InputError as exc:
            raise InputError(exc.message, source=source, field=exc.field) from None
        properties = medium.material_properties()
        composition, seed, grid = medium.composition, scenario.alloy.seed, properties.a0_A / 4

        def species(positions):
            return random_species(positions, composition, seed, grid)

        sro = scenario.alloy.short_range_order
        if sro is not None:
            crystal = Crystal(properties.lattice, plan.crystal.element, properties.a0_A,
                              tuple(map(tuple, scenario.material.orientation)))
            tile = OrderedTile(crystal, composition, {tuple(k.split("-")): v for k, v in sro.alpha.items()}, seed,
                               tile_A=sro.tile_A, sweeps=sro.sweeps)
            species = tile.species  # noqa: F811

        if scenario.alloy.composition_band is not None:
            band = composition_band(scenario, plan, medium.composition, properties.a0_A)

            def species(positions):  # noqa: F811  (the band's local composition)
                return band.species(positions, *band.end_members, seed, grid)
    try:
        model = CoupledModel(plan.potential, scenario.material.orientation, plan.geometry,
                             element=plan.crystal.element, method=scenario.coupling.method,
                             comm=comm, source=source, properties=properties, species=species,
                             minimiser=scenario.coupling.minimiser)
    except InputError as exc:
        raise _in_scenario(exc, source) from None
    model.ordered_tile = tile   # the short-range-ordered tile the species come from, or None
    try:
        periods = np.diag(model.crystal.unit().cell)[:2]
        fields = [model.dislocation(d.burgers, slip_plane=d.slip_plane,
                                    core=tuple(model.centre + np.asarray(d.core_A) + periods * d.core_periods))
                  for d in scenario.dislocations]
        if scenario.load is not None:
            fields.append(model.homogeneous_strain(scenario.load.gradient))
        if scenario.alloy is not None and scenario.alloy.composition_band is not None:
            fields.append(band)
    except BaseException:
        model.close()
        raise
    return model, fields

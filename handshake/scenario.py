"""Scenario files: one TOML file describes a coupled problem completely.

Every field is validated before anything runs; unknown keys are errors. A problem in a
file is reported as one line naming the file, the key and what was expected.

Example (``scenarios/edge_dislocation_Cu.toml``)::

    name = "Edge dislocation in Cu"
    kind = "dislocation"

    [material]
    potential = "Cu_mishin1"
    orientation = [[1, -1, 0], [1, 1, 1], [-1, -1, 2]]   # lab x, y, z; z = line

    [geometry]
    atomistic_radius_A = 40.0
    handshake_width_A = 4.0
    outer_radius_A = 100.0

    [[dislocations]]
    burgers = [0.5, -0.5, 0.0]                            # crystal coords, units of a0
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .errors import InputError
from .toml_input import load_toml


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MaterialSection(_Strict):
    """The crystal and its potential."""

    potential: str = Field(description="registered potential name or path of its TOML entry")
    element: str | None = Field(None, description="element; default the potential's default_element")
    orientation: list[list[int]] = Field(description="crystal directions along lab x, y, z (z = line/front)")

    @field_validator("orientation")
    @classmethod
    def _three_by_three(cls, value):
        d = np.asarray(value)
        if d.shape != (3, 3):
            raise ValueError("expected three crystal directions of three integers each")
        if abs(d[0] @ d[1]) + abs(d[1] @ d[2]) + abs(d[0] @ d[2]) != 0:
            raise ValueError("directions are not mutually orthogonal")
        if np.cross(d[0], d[1]) @ d[2] <= 0:
            raise ValueError("directions are not right-handed")
        return value


class GeometrySection(_Strict):
    """Radii of the regions, Å (see :class:`handshake.coupling.CoupledGeometry`)."""

    atomistic_radius_A: float = Field(gt=0)
    handshake_width_A: float = Field(gt=0)
    outer_radius_A: float = Field(gt=0)
    pad_width_A: float | None = Field(None, gt=0, description="default: twice the interaction range")
    centre_A: tuple[float, float] | None = None
    mesh_growth: float = Field(1.1, ge=1.0)


class CouplingSection(_Strict):
    """How atoms and continuum are relaxed together."""

    method: str = "force"
    fmax_eV_per_A: float = Field(1e-4, gt=0, description="force tolerance on every atom and node, eV/Å")
    max_iterations: int = Field(20000, gt=0)


class DislocationSection(_Strict):
    """One straight dislocation along lab z, inserted with its anisotropic (Stroh) field."""

    burgers: tuple[float, float, float] = Field(description="crystal coordinates, units of a0")
    core_A: tuple[float, float] = Field((0.0, 0.0), description="core offset from the centre, Å")
    core_periods: tuple[int, int] = Field((0, 0), description="further offset in lattice periods along x, y "
                                                              "(keeps the core at an equivalent interstice)")
    slip_plane: tuple[int, int, int] | None = Field(None, description="default: lab y direction")


class LoadSection(_Strict):
    """A homogeneous displacement gradient added to the far field."""

    gradient: list[list[float]] = Field(description="∂u_i/∂x_j, lab frame, third column zero")

    @field_validator("gradient")
    @classmethod
    def _quasi_2d(cls, value):
        G = np.asarray(value, dtype=float)
        if G.shape != (3, 3):
            raise ValueError("expected a 3×3 displacement gradient")
        if np.any(G[:, 2] != 0):
            raise ValueError("the third column (∂u/∂z) must be zero in a quasi-2D model")
        return value


class KRange(_Strict):
    """K values from ``start`` to ``stop`` (inclusive) in steps of ``step``, MPa·m^½."""

    start: float
    stop: float
    step: float = Field(gt=0)

    def values(self) -> list[float]:
        direction = 1.0 if self.stop >= self.start else -1.0
        n = int(np.floor(abs(self.stop - self.start) / self.step + 1e-9))
        return [round(self.start + direction * k * self.step, 10) for k in range(n + 1)]


class CrackSection(_Strict):
    """A straight crack along −x from the centre, faces normal to lab y, loaded in mode I."""

    loading: KRange | list[float] = Field(description="K_I ramp up, MPa·m^½: a range or increasing values")
    unloading: KRange | list[float] | None = Field(None, description="K_I ramp down after loading: a range "
                                                                     "or decreasing values")
    tip_threshold: float = Field(1.5, gt=1.0, description="bond broken above this × its length")
    surface_energy_J_per_m2: float | None = Field(None, gt=0, description="default: the potential's")

    def loading_values(self) -> list[float]:
        """K of the loading steps, MPa·m^½."""
        return self.loading.values() if isinstance(self.loading, KRange) else list(self.loading)

    def unloading_values(self) -> list[float]:
        """K of the unloading steps, MPa·m^½ (empty without unloading)."""
        if self.unloading is None:
            return []
        return self.unloading.values() if isinstance(self.unloading, KRange) else list(self.unloading)

    @model_validator(mode="after")
    def _ramps_load_and_unload(self):
        up, down = self.loading_values(), self.unloading_values()
        if len(up) < 2 or max(up) <= 0 or np.any(np.diff(up) <= 0):
            raise ValueError("loading never loads: needs at least two increasing K values, the last > 0")
        if self.unloading is not None and (not down or np.any(np.diff(down) >= 0)):
            raise ValueError("unloading needs decreasing K values")
        return self


class StressRange(_Strict):
    """Stresses from ``start`` to ``stop`` (inclusive) in steps of ``step``, MPa."""

    start: float = 0.0
    stop: float
    step: float = Field(gt=0)

    def values(self) -> list[float]:
        n = int(np.floor((self.stop - self.start) / self.step + 1e-9))
        return [round(self.start + k * self.step, 10) for k in range(n + 1)]


class GlideSection(_Strict):
    """Resolved shear stress on the glide plane ramped through the far field until the
    dislocation (the first ``[[dislocations]]`` entry) glides."""

    shear_stress_MPa: StressRange | list[float] = Field(description="increasing τ values, MPa: a range or a list")
    screw: bool = Field(False, description="Burgers vector along the line: drive with σ_yz, locate with δ_z")
    partials: int = Field(2, ge=1, le=4, description="steps fitted to the disregistry (2: dissociated fcc)")
    glide_distance_A: float | None = Field(None, gt=0, description="core displacement that counts as glide; "
                                                                    "default |b|")
    follow_core: bool = Field(True, description="re-centre the far field on the located core")

    def values(self) -> list[float]:
        v = self.shear_stress_MPa.values() if isinstance(self.shear_stress_MPa, StressRange) \
            else list(self.shear_stress_MPa)
        return v

    @model_validator(mode="after")
    def _increasing(self):
        v = self.values()
        if len(v) < 1 or np.any(np.diff(v) <= 0) or max(v) <= 0:
            raise ValueError("shear_stress_MPa needs increasing values, the last > 0")
        return self


class AlloySection(_Strict):
    """A random solid solution in the atoms; the continuum is its effective medium."""

    composition: dict[str, float] = Field(description="atomic fractions by element (normalised)")
    seed: int = Field(1, ge=0, description="realisation of the random alloy")
    supercells: int = Field(5, ge=1, description="random supercells averaged for the effective medium")
    supercell_repeat: int = Field(4, ge=2, description="cubic cells per edge of each supercell")


class ReferenceSection(_Strict):
    """Settings of the fully atomistic reference run (``handshake verify reference``)."""

    fmax_eV_per_A: float | None = Field(None, gt=0, description="default: coupling.fmax_eV_per_A")


class RunSection(_Strict):
    """Checkpoints and run-time guards of ``handshake run`` (see :mod:`handshake.guards`)."""

    checkpoint_interval: int = Field(1, ge=0, description="write a checkpoint every this many load steps "
                                                           "(0: only when the run stops early)")
    force_limit_eV_per_A: float = Field(100.0, gt=0, description="stop when a force component exceeds this, eV/Å")
    handshake_margin_A: float | None = Field(None, ge=0, description="stop when a crack tip or defect comes this "
                                                                     "close to the handshake zone, Å; default "
                                                                     "one bond row")
    defect_near_handshake: Literal["stop", "continue"] = Field(
        "stop", description="'continue' only flags a crack tip or defect near the handshake zone, and the "
                            "elements it inverts there (results then unreliable)")
    stop_when_unconverged: bool = Field(True, description="stop when a load step misses fmax_eV_per_A")


class Scenario(_Strict):
    """A complete coupled problem."""

    name: str
    kind: Literal["dislocation", "crack"]
    description: str = ""
    material: MaterialSection
    geometry: GeometrySection
    coupling: CouplingSection = CouplingSection()
    dislocations: list[DislocationSection] = Field(default_factory=list)
    load: LoadSection | None = None
    crack: CrackSection | None = None
    reference: ReferenceSection = ReferenceSection()
    glide: GlideSection | None = None
    alloy: AlloySection | None = None
    run: RunSection = RunSection()

    @model_validator(mode="after")
    def _has_a_defect(self):
        if self.kind == "dislocation" and not self.dislocations:
            raise ValueError("a dislocation scenario needs at least one [[dislocations]] entry")
        if self.kind == "crack" and self.crack is None:
            raise ValueError("a crack scenario needs a [crack] section")
        if self.kind == "crack" and self.dislocations:
            raise ValueError("a crack scenario takes no [[dislocations]]")
        if self.kind == "crack" and self.glide is not None:
            raise ValueError("a crack scenario takes no [glide] ramp")
        return self


def load_scenario(path: str | Path, overrides: list[str] | None = None) -> Scenario:
    """Read and validate a scenario file, with optional ``KEY=VALUE`` overrides.

    Raises
    ------
    InputError
        One line naming the file, the key and the problem.
    """
    return load_toml(path, Scenario, "scenario file", overrides)


#: where a field named by the library lives in a scenario file
_SCENARIO_KEYS = {
    "potential": "material.potential", "element": "material.element", "elements": "material.element",
    "orientation": "material.orientation", "method": "coupling.method",
    **{f"{k}": f"geometry.{k}" for k in ("atomistic_radius_A", "handshake_width_A", "outer_radius_A",
                                          "pad_width_A", "mesh_growth")},
}


def build_model(scenario: Scenario, source: str, comm=None):
    """The :class:`~handshake.coupling.CoupledModel` and the fixed far fields of a scenario
    (the dislocations and the homogeneous load; a crack's K-field is applied by its ramp)."""
    from .coupling import CoupledGeometry, CoupledModel

    g = scenario.geometry
    geometry = CoupledGeometry(g.atomistic_radius_A, g.handshake_width_A, g.outer_radius_A,
                               g.pad_width_A, g.centre_A, g.mesh_growth, crack=scenario.kind == "crack")
    properties = species = None
    if scenario.alloy is not None:
        from .alloys import effective_medium, random_species

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
    try:
        model = CoupledModel(scenario.material.potential, scenario.material.orientation, geometry,
                             element=scenario.material.element, method=scenario.coupling.method,
                             comm=comm, source=source, properties=properties, species=species)
    except InputError as exc:
        raise InputError(exc.message, source=source, field=_SCENARIO_KEYS.get(exc.field, exc.field)) from None
    periods = np.diag(model.crystal.unit().cell)[:2]
    fields = [model.dislocation(d.burgers, slip_plane=d.slip_plane,
                                core=tuple(model.centre + np.asarray(d.core_A) + periods * d.core_periods))
              for d in scenario.dislocations]
    if scenario.load is not None:
        fields.append(model.homogeneous_strain(scenario.load.gradient))
    return model, fields

"""The scenario-file schema: one TOML file describes a coupled problem completely.

Every field is validated before anything runs; unknown keys are errors. A problem in a
file is reported as one line naming the file, the key and what was expected.

Longer than 500 lines: one pydantic model per section of the file and the checks across
sections, the one place where a user's keys, their units, defaults and bounds are defined
(the reference documentation is generated from it).

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

import inspect
from typing import Literal, get_args

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..continuum import cubic_voigt, plane_and_anti_plane_decouple, rotate_stiffness
from ..coupling import METHODS, CoupledGeometry, CoupledModel
from ..coupling.model import MAX_ITERATIONS
from ..dislocations import ShearRamp
from ..dynamics import DYNAMICS_METHODS
from ..errors import InputError
from ..fracture import QuasiStaticKRamp


def api_default(function, parameter: str):
    """The default of ``parameter`` of ``function`` (a class: its constructor): a key of
    the scenario file and the Python API share one default."""
    return inspect.signature(function).parameters[parameter].default


#: most K values one ramp may have (a step of 1e-9 would otherwise build a list of 1e9)
MAX_K_STEPS = 10000

#: largest component of an applied displacement gradient; beyond it the linear continuum
#: and the perfect-crystal start are meaningless (atoms would overlap at ~ -0.3)
MAX_GRADIENT = 0.25


def _leaf_types(annotation) -> set:
    """The plain types an annotation is made of (``list[float] | None`` → float, NoneType)."""
    args = get_args(annotation)
    if not args:
        return {annotation}
    return set().union(*(_leaf_types(a) for a in args if a is not Ellipsis))


def _holds_boolean(value) -> bool:
    return isinstance(value, bool) or (isinstance(value, (list, tuple)) and any(map(_holds_boolean, value)))


class _Strict(BaseModel):
    """Unknown keys, NaN and infinity are errors, and so are booleans where numbers are
    expected (pydantic would read ``true`` as 1)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_booleans_for_numbers(cls, value, info):
        leaves = _leaf_types(cls.model_fields[info.field_name].annotation)
        if bool not in leaves and leaves & {int, float} and _holds_boolean(value):
            raise ValueError(f"expected a number, not a boolean: got {str(value).lower()}")
        return value


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
        if np.any(np.all(d == 0, axis=1)):
            raise ValueError("a direction is the zero vector")
        if abs(d[0] @ d[1]) + abs(d[1] @ d[2]) + abs(d[0] @ d[2]) != 0:
            raise ValueError("directions are not mutually orthogonal")
        if np.cross(d[0], d[1]) @ d[2] <= 0:
            raise ValueError("directions are not right-handed")
        return value


class GeometrySection(_Strict):
    """Radii of the regions, Å (see :class:`handshake.coupling.CoupledGeometry`)."""

    atomistic_radius_A: float = Field(gt=0, description="outer radius of the free atoms (core and handshake "
                                                        "zone), Å")
    handshake_width_A: float = Field(gt=0, description="width of the handshake zone, the outer ring of the free "
                                                       "atoms that the continuum overlaps, Å")
    outer_radius_A: float = Field(gt=0, description="radius of the continuum's outer boundary, where the far "
                                                    "field is imposed, Å")
    pad_width_A: float | None = Field(None, gt=0, description="width of the pad atoms the continuum drives outside "
                                                              "the free atoms, Å; default twice the interaction range")
    centre_A: tuple[float, float] | None = Field(None, description="centre of the regions (defect line or crack "
                                                                   "tip) in the lattice's frame, Å; default an "
                                                                   "interstice next to the origin")
    mesh_growth: float = Field(CoupledGeometry.mesh_growth, ge=1.0, description="element size ratio of one ring of the graded mesh to "
                                                         "the next")


class CouplingSection(_Strict):
    """How atoms and continuum are relaxed together."""

    method: str = Field("force", description="coupling method, a name registered in handshake.coupling.METHODS: "
                                             + ", ".join(sorted(METHODS)))
    minimiser: Literal["precon-fire", "fire"] | None = Field(
        None, description="relaxation of the force method: LAMMPS's own FIRE (default), or FIRE preconditioned by "
                          "the atoms' Exp matrix and the condensed continuum (fewer force evaluations)")
    fmax_eV_per_A: float = Field(api_default(CoupledModel.relax, "fmax_eV_per_A"), gt=0,
                                 description="force tolerance on every atom and node, eV/Å")
    max_iterations: int = Field(api_default(CoupledModel.relax, "max_iterations"), gt=0, le=MAX_ITERATIONS,
                                description="most minimiser iterations (force evaluations) per load step")


class DislocationSection(_Strict):
    """One straight dislocation along lab z, inserted with its anisotropic (Stroh) field."""

    burgers: tuple[float, float, float] = Field(description="crystal coordinates, units of a0")
    core_A: tuple[float, float] = Field((0.0, 0.0), description="core offset from the centre, Å")
    core_periods: tuple[int, int] = Field((0, 0), description="further offset in lattice periods along x, y "
                                                              "(keeps the core at an equivalent interstice)")
    slip_plane: tuple[int, int, int] | None = Field(None, description="default: lab y direction")

    @field_validator("burgers")
    @classmethod
    def _nonzero(cls, value):
        if not any(value):
            raise ValueError("the Burgers vector is zero")
        return value

    @field_validator("slip_plane")
    @classmethod
    def _plane(cls, value):
        if value is not None and not any(value):
            raise ValueError("the slip-plane normal is the zero vector")
        return value


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
        if np.abs(G).max() > MAX_GRADIENT:
            raise ValueError(f"components up to {np.abs(G).max():g}; expected |∂u_i/∂x_j| ≤ {MAX_GRADIENT} "
                             "(a small strain for a linear continuum)")
        return value


class KRange(_Strict):
    """K values from ``start`` to ``stop`` (inclusive) in steps of ``step``, MPa·m^½."""

    start: float = Field(description="first K, MPa·m^½")
    stop: float = Field(description="last K (included when the steps reach it), MPa·m^½")
    step: float = Field(gt=0, description="K increment, MPa·m^½")

    @model_validator(mode="after")
    def _few_steps(self):
        n = abs(self.stop - self.start) / self.step
        if n > MAX_K_STEPS:
            raise ValueError(f"{n:.3g} steps from {self.start:g} to {self.stop:g}; expected at most {MAX_K_STEPS} "
                             "(a larger step)")
        return self

    def values(self) -> list[float]:
        direction = 1.0 if self.stop >= self.start else -1.0
        n = int(np.floor(abs(self.stop - self.start) / self.step + 1e-9))
        return [round(self.start + direction * k * self.step, 10) for k in range(n + 1)]


def front_on_mirror_normal(orientation) -> bool:
    """Whether lab z of ``orientation`` is normal to a mirror plane of a cubic crystal, i.e.
    in-plane and anti-plane deformation decouple whatever the elastic constants: tested
    with a strongly anisotropic cubic tensor (Zener ratio 3), so only symmetry can make the
    coupling vanish."""
    generic = cubic_voigt(1.0, 0.5, 0.75)
    return plane_and_anti_plane_decouple(rotate_stiffness(generic, np.asarray(orientation, dtype=float)))


class CrackSection(_Strict):
    """A straight crack along −x from the centre, faces normal to lab y, loaded by the
    anisotropic K-field: mode I, or mixed modes I, II and III in proportion (``K_II_over_K_I``,
    ``K_III_over_K_I``)."""

    loading: KRange | list[float] = Field(description="K_I ramp up, MPa·m^½: a range or increasing values")
    unloading: KRange | list[float] | None = Field(None, description="K_I ramp down after loading: a range "
                                                                     "or decreasing values")
    K_II_over_K_I: float = Field(api_default(QuasiStaticKRamp, "K_II_over_K_I"), ge=-10, le=10,
                                 description="mode mixity of the proportional ramp: K_II = this × K_I at every step "
                                             "(phase angle atan of it); 0: mode I")
    K_III_over_K_I: float = Field(api_default(QuasiStaticKRamp, "K_III_over_K_I"), ge=-10, le=10,
                                  description="anti-plane (tearing) mode: K_III = this × K_I at every step; the "
                                              "front must be normal to a mirror plane ({100} or {110} of a cubic "
                                              "crystal); 0: none")
    tip_threshold: float = Field(api_default(QuasiStaticKRamp, "threshold"), gt=1.0,
                                 description="bond broken above this × its length")
    surface_energy_J_per_m2: float | None = Field(None, gt=0, description="default: the potential's")

    def loading_values(self) -> list[float]:
        """K of the loading steps, MPa·m^½."""
        return self.loading.values() if isinstance(self.loading, KRange) else list(self.loading)

    def unloading_values(self) -> list[float]:
        """K of the unloading steps, MPa·m^½ (empty without unloading)."""
        if self.unloading is None:
            return []
        return self.unloading.values() if isinstance(self.unloading, KRange) else list(self.unloading)

    def stress_intensities(self, K_I_MPa_sqrt_m: float) -> tuple[float, float, float]:
        """(K_I, K_II, K_III) in MPa·m^½ of the proportional ramp at mode-I load ``K_I_MPa_sqrt_m``."""
        K = K_I_MPa_sqrt_m
        return K, self.K_II_over_K_I * K, self.K_III_over_K_I * K

    @model_validator(mode="after")
    def _ramps_load_and_unload(self):
        up, down = self.loading_values(), self.unloading_values()
        for name, values in (("loading", up), ("unloading", down)):
            if len(values) > MAX_K_STEPS:
                raise ValueError(f"{name} has {len(values)} K values; expected at most {MAX_K_STEPS}")
            if values and min(values) < 0:
                raise ValueError(f"{name} has K_I = {min(values):g} < 0; mode-I K values are ≥ 0 MPa·m^½")
        if len(up) < 2 or max(up) <= 0 or np.any(np.diff(up) <= 0):
            raise ValueError("loading never loads: needs at least two increasing K values, the last > 0")
        if self.unloading is not None and (not down or np.any(np.diff(down) >= 0)):
            raise ValueError("unloading needs decreasing K values")
        return self


class StressRange(_Strict):
    """Stresses from ``start`` to ``stop`` (inclusive) in steps of ``step``, MPa."""

    start: float = Field(0.0, description="first stress, MPa")
    stop: float = Field(description="last stress (included when the steps reach it), MPa")
    step: float = Field(gt=0, description="stress increment, MPa")

    def values(self) -> list[float]:
        n = int(np.floor((self.stop - self.start) / self.step + 1e-9))
        return [round(self.start + k * self.step, 10) for k in range(n + 1)]


class GlideSection(_Strict):
    """Resolved shear stress on the glide plane ramped through the far field until the
    dislocation (the first ``[[dislocations]]`` entry) glides."""

    shear_stress_MPa: StressRange | list[float] = Field(description="increasing τ values, MPa: a range or a list")
    screw: bool = Field(api_default(ShearRamp, "screw"), description="Burgers vector along the line: drive with σ_yz, locate with δ_z")
    partials: int = Field(api_default(ShearRamp, "n_partials"), ge=1, le=4, description="steps fitted to the disregistry (2: dissociated fcc)")
    glide_distance_A: float | None = Field(None, gt=0, description="core displacement that counts as glide; "
                                                                    "default |b|")
    follow_core: bool = Field(api_default(ShearRamp, "follow_core"), description="re-centre the far field on the located core")
    follow_tolerance_A: float = Field(api_default(ShearRamp, "follow_tolerance_A"), gt=0, description="re-centre until the far field's dislocation is this "
                                                              "close to the located core, Å")
    max_follow: int = Field(api_default(ShearRamp, "max_follow"), ge=1, description="largest number of re-centring relaxations per stress")
    core_locator: Literal["disregistry", "burgers_circuit"] = Field(
        api_default(ShearRamp, "core_locator"), description="Peierls-Nabarro fit of the disregistry, or Burgers circuits around triangles "
                                   "of atomic columns (a compact screw core)")
    check_iterations: int | None = Field(None, gt=0, description="relax in chunks of this many minimiser "
                                                                  "iterations and stop once the core has glided")
    resolution_MPa: float | None = Field(None, gt=0, description="refine the critical stress by bisection until "
                                                                  "it is bracketed this closely, MPa")

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


class CompositionBandSection(_Strict):
    """A band parallel to the glide plane enriched in one element of a binary alloy
    (:class:`handshake.alloys.CompositionBand`): Vegard eigenstrain and interpolated C
    between the pure end members, applied as the laminate's exact elastic state, and the
    atoms drawn with the local composition."""

    element: str = Field(description="the element whose fraction changes in the band")
    fraction: float = Field(ge=0.0, le=1.0, description="its atomic fraction in the middle of the band")
    centre_y_A: float = Field(0.0, description="band centre above the model's centre (lab y), Å")
    half_width_A: float = Field(gt=0, description="half width of the band, Å")
    interface_A: float = Field(2.0, gt=0, description="width of the tanh interfaces, Å")


class ShortRangeOrderSection(_Strict):
    """Prescribed chemical short-range order of the first neighbour shell
    (:class:`handshake.alloys.OrderedTile`): Warren–Cowley α of element pairs, reached by
    swaps on a periodic tile of the model's lattice that then repeats over the model."""

    alpha: dict[str, float] = Field(description="target Warren-Cowley alpha by element pair, e.g. "
                                                "{\"Cu-Ni\" = -0.1} (< 0 ordering, > 0 clustering)")
    tile_A: float = Field(40.0, ge=10.0, description="side of the periodic tile in x and y, Å")
    sweeps: int = Field(200, ge=1, description="attempted swaps per tile site")


class AlloySection(_Strict):
    """A random solid solution in the atoms; the continuum is its effective medium."""

    composition: dict[str, float] = Field(description="atomic fractions by element (normalised)")
    seed: int = Field(1, ge=0, description="realisation of the random alloy")
    supercells: int = Field(5, ge=1, description="random supercells averaged for the effective medium")
    supercell_repeat: int = Field(4, ge=2, description="cubic cells per edge of each supercell")
    local_relaxation: bool = Field(False, description="add the realisation's own relaxation without a defect "
                                                      "(fully atomistic, on a larger disc) to the applied field, "
                                                      "so that the pad holds no misfit")
    composition_band: CompositionBandSection | None = None
    short_range_order: ShortRangeOrderSection | None = None

    @model_validator(mode="after")
    def _order_of_known_pairs(self):
        sro = self.short_range_order
        if sro is None:
            return self
        if self.composition_band is not None:
            raise InputError("short_range_order and composition_band cannot be combined", field="short_range_order")
        total = sum(self.composition.values())
        for pair, alpha in sro.alpha.items():
            names = pair.split("-")
            if len(names) != 2 or names[0] == names[1] or not set(names) <= set(self.composition):
                raise InputError(f"{pair!r} is not a pair 'A-B' of two elements of the composition "
                                 f"({', '.join(self.composition)})", field="short_range_order.alpha")
            lowest = max(1.0 - total / self.composition[n] if self.composition[n] > 0 else -np.inf for n in names)
            if not lowest <= alpha <= 1.0:
                raise InputError(f"alpha of {pair} must lie in [{lowest:.3g}, 1] (1 - 1/c: every neighbour "
                                 f"unlike), got {alpha}", field="short_range_order.alpha")
        return self

    @model_validator(mode="after")
    def _band_in_a_binary(self):
        band = self.composition_band
        if band is not None and (len(self.composition) != 2 or band.element not in self.composition):
            raise InputError(f"a composition band needs a binary alloy containing {band.element!r} "
                             f"(composition has {', '.join(self.composition)})", field="composition_band.element")
        return self


class ReferenceSection(_Strict):
    """Settings of the fully atomistic references: ``handshake verify reference`` (the
    same domain filled with atoms) and ``handshake run --reference`` (the study repeated
    on a disc of atoms)."""

    fmax_eV_per_A: float | None = Field(None, gt=0, description="force tolerance of ``verify reference``, eV/Å; "
                                                                "default: coupling.fmax_eV_per_A")
    area_ratio: float = Field(10.0, gt=1, description="``run --reference``: area of the fully atomistic disc over "
                                                      "that of the coupled model's atoms (pad included); the far "
                                                      "field is held on its outer shell")


class InitialStateSection(_Strict):
    """Start from one's own configuration of the model's atoms instead of the perfect crystal
    under the applied field (a frame of an earlier run's ``atoms.extxyz``, or a file made
    from one with OVITO or ASE): the atoms start at its positions, under the far field of the
    first load step, and relax from there (the continuum follows from the atoms)."""

    atoms_file: str = Field(min_length=1, description="extxyz (.extxyz, .xyz) or LAMMPS data file (.data, .lmp) "
                                                      "with the model's atoms in id order, relative to the "
                                                      "scenario's folder; positions in the model's frame or in "
                                                      "that of atoms.extxyz")
    frame: int = Field(-1, description="frame of an extxyz file with several (from 0; negative from the end)")


class RunSection(_Strict):
    """Checkpoints and run-time guards of ``handshake run`` (see :mod:`handshake.studies.guards`)."""

    checkpoint_interval: int = Field(1, ge=0, description="write a checkpoint every this many load steps "
                                                           "and MD output intervals (0: only when the run "
                                                           "stops early)")
    force_limit_eV_per_A: float = Field(100.0, gt=0, description="stop when a force component exceeds this, eV/Å")
    handshake_margin_A: float | None = Field(None, ge=0, description="stop when a crack tip or defect comes this "
                                                                     "close to the handshake zone, Å; default "
                                                                     "one bond row")
    defect_near_handshake: Literal["stop", "continue"] = Field(
        "stop", description="'continue' only flags a crack tip or defect near the handshake zone, and the "
                            "elements it inverts there (results then unreliable)")
    stop_when_unconverged: bool = Field(True, description="stop when a load step misses fmax_eV_per_A")
    dissociation_must_fit: bool = Field(True, description="refuse an fcc dislocation whose Shockley partials "
                                                           "(elastic width from the potential's stacking-fault "
                                                           "energy) would reach beyond the atomistic core")
    frame_interval: int = Field(10, ge=1, description="write atoms and continuum frames every this many load steps; "
                                                      "the first and last steps, and steps where the crack tip "
                                                      "moved or the core glided, always (1: every step)")


def dynamics_methods() -> tuple[str, ...]:
    """Names a ``[dynamics]`` section may give as ``method``: the registry of coupled-dynamics
    methods, :data:`handshake.dynamics.DYNAMICS_METHODS`."""
    return tuple(sorted(DYNAMICS_METHODS))


class DampingBandSection(_Strict):
    """Stadium damping band: Langevin friction on the fine-scale velocities of the free atoms
    next to the pad (Holian & Ravelo, PRB 51 (1995) 11275; :mod:`handshake.dynamics.damping`)."""

    width_A: float = Field(10.0, ge=0, description="band width inwards from the pad, Å; 0: no band")
    gamma_per_ps: float = Field(5.0, gt=0, description="friction at the pad edge, 1/ps, ramping to 0 "
                                                       "across the band as (1 − d/W)²")
    filter_width_A: float = Field(4.0, gt=0, description="σ of the moving-least-squares filter that keeps the "
                                                         "long waves the mesh carries out of the friction, Å")


class ThermostatSection(_Strict):
    """Langevin thermostat on the free atoms outside the damping band (used when
    ``dynamics.temperature_K`` > 0)."""

    gamma_per_ps: float = Field(1.0, gt=0, description="friction coefficient, 1/ps")


class DynamicsSection(_Strict):
    """Coupled molecular dynamics after the static preparation (``handshake.studies.dynamics``).

    A crack scenario first runs its ``[crack]`` loading ramp (statics), then the far field
    is raised to ``K_I_MPa_sqrt_m`` and the atoms and the continuum are integrated in time
    together; a dislocation scenario relaxes at its far field, then runs MD there.
    """

    timestep_fs: float = Field(2.0, gt=0, le=10, description="MD time step, fs (atoms and continuum)")
    steps: int = Field(gt=0, le=10**8, description="MD steps")
    method: str = Field("force", description="coupled-dynamics method, a name registered in "
                                             "handshake.dynamics.DYNAMICS_METHODS: "
                                             + ", ".join(sorted(DYNAMICS_METHODS)))
    temperature_K: float = Field(0.0, ge=0, description="temperature of the thermostat and damping band, K "
                                                        "(free atoms start at 2 T); 0: no thermostat, atoms "
                                                        "at rest (NVE apart from the band)")
    seed: int = Field(1, ge=0, description="seed of the initial velocities and of the Langevin noise")
    output_interval_steps: int = Field(100, gt=0, description="a frame, a summary row and a log line every "
                                                              "this many steps")
    K_I_MPa_sqrt_m: float | None = Field(None, gt=0, description="crack only: the dynamic load, MPa·m^½, "
                                                                 "raised to from the last K of the static "
                                                                 "ramp at t = 0 (required for a crack)")
    end_at_handshake: bool = Field(True, description="a crack tip reaching the handshake zone ends the MD as "
                                                     "completed (the crack ran through the atoms); false, and "
                                                     "for defects of a dislocation run: handled as "
                                                     "run.defect_near_handshake says")
    damping: DampingBandSection = DampingBandSection()
    thermostat: ThermostatSection = ThermostatSection()

    @field_validator("method")
    @classmethod
    def _known_method(cls, value):
        if value not in dynamics_methods():
            raise ValueError(f"unknown dynamics method {value!r}; expected one of {', '.join(dynamics_methods())}")
        return value

    @model_validator(mode="after")
    def _interval_fits(self):
        if self.output_interval_steps > self.steps:
            raise ValueError(f"output_interval_steps = {self.output_interval_steps} exceeds steps = {self.steps}")
        return self


class Scenario(_Strict):
    """A complete coupled problem."""

    name: str = Field(min_length=1, description="name of the study, in the summary and the plots")
    kind: Literal["dislocation", "crack"] = Field(description="the defect: a crack (K ramp, [crack]) or "
                                                              "dislocations ([[dislocations]]; relaxed, or a "
                                                              "[glide] ramp)")
    description: str = Field("", description="free text, kept in the summary's provenance")
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
    dynamics: DynamicsSection | None = None
    initial_state: InitialStateSection | None = None

    @model_validator(mode="after")
    def _has_a_defect(self):
        # InputError's field is appended to the location by handshake.toml_input
        if self.kind == "dislocation" and not self.dislocations:
            raise InputError("a dislocation scenario needs at least one [[dislocations]] entry", field="dislocations")
        if self.kind == "crack" and self.crack is None:
            raise InputError("a crack scenario needs a [crack] section", field="crack")
        if self.kind == "crack" and self.dislocations:
            raise InputError("a crack scenario takes no [[dislocations]]", field="dislocations")
        if self.kind == "crack" and self.load is not None:
            raise InputError("a crack scenario takes no [load]: its K ramp sets the far field", field="load")
        if self.kind == "dislocation" and self.crack is not None:
            raise InputError('a dislocation scenario takes no [crack] section (kind = "crack" for a crack)',
                             field="crack")
        if self.kind == "crack" and self.crack.K_III_over_K_I != 0 and not front_on_mirror_normal(
                self.material.orientation):
            raise InputError(f"mode III needs a crack front normal to a mirror plane ({{100}} or {{110}}); "
                             f"{list(self.material.orientation[2])} couples anti-plane and in-plane deformation",
                             field="crack.K_III_over_K_I")
        line = np.asarray(self.material.orientation[2])
        core = self.geometry.atomistic_radius_A - self.geometry.handshake_width_A
        for i, d in enumerate(self.dislocations):
            if d.slip_plane is not None and np.dot(d.slip_plane, line) != 0:
                raise InputError(f"{list(d.slip_plane)} does not contain the dislocation line "
                                 f"{line.tolist()} (material.orientation[2])", field=f"dislocations[{i}].slip_plane")
            if np.hypot(*d.core_A) >= core:
                raise InputError(f"{list(d.core_A)} lies outside the atomistic core of radius {core:g} Å "
                                 "(atomistic_radius_A − handshake_width_A)", field=f"dislocations[{i}].core_A")
        if self.kind == "crack" and self.glide is not None:
            raise InputError("a crack scenario takes no [glide] ramp", field="glide")
        if self.dynamics is not None:
            if self.glide is not None:
                raise InputError("[dynamics] runs after a relaxation, not after a [glide] ramp", field="dynamics")
            if self.kind == "crack" and self.dynamics.K_I_MPa_sqrt_m is None:
                raise InputError("a dynamic crack needs the dynamic load K_I_MPa_sqrt_m", field="dynamics")
            for mode in ("K_II_over_K_I", "K_III_over_K_I"):
                if self.kind == "crack" and getattr(self.crack, mode) != 0:
                    raise InputError(f"a dynamic crack is loaded in mode I: {mode} must be 0", field=f"crack.{mode}")
            if self.kind == "crack" and self.crack.unloading is not None:
                raise InputError("a dynamic crack takes no unloading ramp: its MD starts at the top of the "
                                 "loading ramp", field="crack.unloading")
            if self.kind == "dislocation" and self.dynamics.K_I_MPa_sqrt_m is not None:
                raise InputError("K_I_MPa_sqrt_m is for a crack", field="dynamics.K_I_MPa_sqrt_m")
        return self


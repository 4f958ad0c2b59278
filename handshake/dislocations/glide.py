"""Quasi-static glide of a dislocation under a resolved shear stress ramped through the far field.

At each stress τ the far field is the dislocation's anisotropic (Stroh) field plus the
homogeneous strain of τ (:func:`~handshake.dislocations.loading.glide_shear_gradient`),
imposed on the continuum's outer boundary (coupled model) or on the shell of a fully
atomistic one; atoms and continuum are relaxed together and the core is located from
the disregistry across the glide plane (:mod:`~handshake.dislocations.core`).

With ``follow_core`` the far field's dislocation is re-centred on the located core and
the relaxation repeated until the two agree (to ``follow_tolerance_A``): only the outer
atoms (pad or shell) are moved with the field, so the core is never dragged. This is the
flexible boundary of CADD-type methods (Shilkrot, Miller & Curtin, JMPS 52 (2004) 755)
and removes most of the image force of a fixed outer boundary, which otherwise pulls
a displaced dislocation back with a stress ∝ displacement / R_outer².

The critical stress (Peierls stress of a pure metal, CRSS of an alloy) is the first τ of
the ramp at which the core has moved more than ``glide_distance_A`` from where it sat at
the start: below it the core stays in (or near) its Peierls valley. A partial that has
left the sampled window (``CoreStructure.resolved`` false: it ran into the handshake
zone or the shell) counts as glide only if the fitted core has also moved by more than
``glide_distance_A``; the window's edge then bounds how far it went.

In a random alloy the core hops between nearby solute traps well below the stress at
which it runs away, so there ``glide_distance_A`` is set to several Burgers vectors.

A compact core (bcc ½⟨111⟩ screw) is located instead by Burgers circuits around the
triangles of atomic columns (``core_locator = "burgers_circuit"``,
:func:`~handshake.dislocations.core.locate_screw_core`). Above the Peierls stress such a
core runs until the boundary stops it, and the relaxation may then take long or not
converge at all; with ``check_iterations`` the relaxation is done in chunks of that many
minimiser iterations and stops as soon as the core has moved more than
``glide_distance_A``: the located core, not the convergence, decides. With
``resolution_MPa`` the critical stress is then refined by bisection between the last
stress without glide and the first with glide, each trial restarting from the relaxed
state at the last stress without glide, until the bracket is narrower than that.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

import numpy as np

from ..continuum import HomogeneousStrain
from ..errors import NotConverged
from .core import CoreStructure, disregistry, fit_partials, locate_screw_core
from .loading import glide_shear_gradient


@dataclass
class GlideStep:
    """The relaxed state at one applied resolved shear stress."""

    shear_stress_MPa: float
    core: CoreStructure
    core_displacement_A: float
    field_core_x_A: float
    relaxations: int
    iterations: int
    converged: bool
    max_residual_force_eV_per_A: float
    glided: bool
    wall_time_s: float
    refinement: bool = False

    def to_dict(self) -> dict:
        d = asdict(self)
        d["core"] = self.core.to_dict()
        if not np.isfinite(self.core_displacement_A):   # the core left the sampled window
            d["core_displacement_A"] = None
        return d


@dataclass
class GlideResult:
    """A shear-stress ramp: steps and the critical stress (None if the core never glided)."""

    critical_stress_MPa: float | None
    last_stress_without_glide_MPa: float | None
    initial_core: CoreStructure
    steps: list = field(default_factory=list)

    @property
    def bracket_midpoint_MPa(self) -> float | None:
        """Middle of [last stress without glide, critical stress], MPa: the estimate of
        the critical stress to within half the bracket."""
        if self.critical_stress_MPa is None or self.last_stress_without_glide_MPa is None:
            return None
        return 0.5 * (self.critical_stress_MPa + self.last_stress_without_glide_MPa)

    def to_dict(self) -> dict:
        return {"critical_stress_MPa": self.critical_stress_MPa,
                "last_stress_without_glide_MPa": self.last_stress_without_glide_MPa,
                "critical_stress_bracket_midpoint_MPa": self.bracket_midpoint_MPa,
                "initial_core": self.initial_core.to_dict(),
                "initial_stacking_fault_width_A": self.initial_core.stacking_fault_width_A,
                "steps": [s.to_dict() for s in self.steps]}


def outer_atom_ids(model) -> np.ndarray:
    """Ids of the atoms held by the far field: the pad (coupled) or the shell (fully atomistic)."""
    shell = getattr(model, "shell_ids", None)
    return shell if shell is not None else model.atomistic.group_ids("pad")


def interplanar_spacing_A(model) -> float:
    """Spacing of the atomic planes normal to lab y next to the model's centre, Å."""
    y = np.unique(np.round(model.reference_positions[:, 1] - model.centre[1], 4))
    return float(y[y > 0].min() - y[y < 0].max())


class ShearRamp:
    """Ramp a resolved shear stress on a dislocation's glide plane and watch the core.

    Parameters
    ----------
    model : CoupledModel or FullyAtomisticModel
    burgers : (3,) array
        Burgers vector, crystal coordinates, units of a0.
    screw : bool
        The Burgers vector lies along the line (lab z): drive with σ_yz and locate the
        core from the screw disregistry δ_z; otherwise σ_xy and δ_x.
    n_partials : int
        Steps fitted to the disregistry: 2 for a dissociated fcc dislocation, 1 for a
        compact core.
    fmax_eV_per_A : float
    max_iterations : int
    glide_distance_A : float
        Core displacement from its start that counts as glide, Å.
    window_A : float
        Half width of the disregistry sample around the centre, Å; default the
        atomistic core radius minus 2 Å.
    follow_core : bool
        Re-centre the far field on the located core (flexible boundary).
    follow_tolerance_A : float
    max_follow : int
        Largest number of re-centring relaxations per stress.
    extra_fields : list
        Further fixed far fields (e.g. a composition eigenstrain), added at every step.
    core_locator : {"disregistry", "burgers_circuit"}
        Peierls–Nabarro fit of the disregistry (:func:`fit_partials`), or Burgers circuits
        around triangles of atomic columns for a compact screw core
        (:func:`locate_screw_core`).
    check_iterations : int, optional
        Relax in chunks of this many minimiser iterations (up to ``max_iterations`` in
        all) and stop once the core has moved more than ``glide_distance_A``.
    resolution_MPa : float, optional
        Refine the critical stress by bisection until the bracket [last stress without
        glide, first with glide] is at most this wide, MPa.
    core : (x, y), optional
        Where the far field's dislocation is inserted, Å; default the model's centre.
    """

    def __init__(self, model, burgers, screw: bool = False, n_partials: int = 2, fmax_eV_per_A: float = 1e-4,
                 max_iterations: int = 20000, glide_distance_A: float | None = None, window_A: float | None = None,
                 follow_core: bool = True, follow_tolerance_A: float = 0.3, max_follow: int = 6,
                 slip_plane=None, extra_fields=(), core_locator: str = "disregistry",
                 check_iterations: int | None = None, resolution_MPa: float | None = None, core=None):
        if core_locator not in ("disregistry", "burgers_circuit"):
            raise ValueError(f"core_locator must be 'disregistry' or 'burgers_circuit', got {core_locator!r}")
        self.core_locator = core_locator
        self.check_iterations = check_iterations
        self.resolution_MPa = resolution_MPa
        self.model = model
        self.burgers = np.asarray(burgers, dtype=float)
        self.screw = screw
        self.n_partials = n_partials
        self.fmax = fmax_eV_per_A
        self.max_iterations = max_iterations
        self.slip_plane = slip_plane
        b = float(np.linalg.norm(self.burgers) * model.properties.a0_A)
        self.burgers_length_A = b
        self.glide_distance_A = b if glide_distance_A is None else glide_distance_A
        core_radius = model.geometry.atomistic_radius_A - model.geometry.handshake_width_A
        self.window_A = core_radius - 2.0 if window_A is None else window_A
        self.follow_core = follow_core
        self.follow_tolerance_A = follow_tolerance_A
        self.max_follow = max_follow
        self.extra_fields = list(extra_fields)
        self.interplanar_A = interplanar_spacing_A(model)
        core = model.centre if core is None else core
        self.field_core_x, self.field_core_y = float(core[0]), float(core[1])
        self.start_x: float | None = None
        self.start_y: float | None = None

    # -------------------------------------------------------------- pieces
    def far_fields(self, shear_stress_MPa: float) -> list:
        """Dislocation at the current field core plus the homogeneous strain of τ."""
        m = self.model
        G = glide_shear_gradient(m.properties.C_voigt_GPa, m.orientation, shear_stress_MPa, screw=self.screw)
        return [m.dislocation(self.burgers, slip_plane=self.slip_plane, core=(self.field_core_x, self.field_core_y)),
                HomogeneousStrain(G, origin=np.array([*m.centre, 0.0])), *self.extra_fields]

    def locate_core(self) -> CoreStructure:
        """Locate the core in the current state: fit the partials to the disregistry, or
        Burgers circuits for a compact screw core (collective)."""
        m = self.model
        if self.core_locator == "burgers_circuit":
            return locate_screw_core(m.reference_positions, m.displacements(), self.burgers_length_A, m.centre,
                                     self.window_A)
        x, delta = disregistry(m.reference_positions, m.displacements(), m.centre[1], self.interplanar_A,
                               (m.centre[0] - self.window_A, m.centre[0] + self.window_A))
        return fit_partials(x, delta[:, 2 if self.screw else 0], self.n_partials)

    def relax_at(self, shear_stress_MPa: float) -> GlideStep:
        """Apply τ, relax, locate the core; re-centre the far field on it if following.

        The change of τ moves every atom (a smooth homogeneous field); a re-centring of
        the dislocation's field moves only the outer atoms (pad or shell).
        """
        start = time.perf_counter()
        iterations, relaxations = 0, 0
        self.model.apply(*self.far_fields(shear_stress_MPa))
        while True:
            result, core, used = self._relax_watching_core()
            iterations += used
            relaxations += 1
            if self.start_x is None:
                self.start_x, self.start_y = core.centre_x_A, core.centre_y_A
            moved_far = self._moved_far(core)
            if (not self.follow_core or moved_far or relaxations >= self.max_follow
                    or abs(core.centre_x_A - self.field_core_x) <= self.follow_tolerance_A):
                break
            self.field_core_x = core.centre_x_A
            self.model.apply(*self.far_fields(shear_stress_MPa), moved_ids=outer_atom_ids(self.model))
        displacement = core.centre_x_A - self.start_x
        return GlideStep(shear_stress_MPa, core, float(displacement), self.field_core_x - float(self.model.centre[0]),
                         relaxations, iterations, result.converged, result.max_residual_force_eV_per_A,
                         self._moved_far(core), time.perf_counter() - start)

    def _moved_far(self, core: CoreStructure) -> bool:
        """The core has moved more than ``glide_distance_A`` from its start, or left the
        region searched (no core found after one was found at the start). Where the
        locator gives the core's height too (Burgers circuits), the distance is taken in
        the (x, y) plane: a screw core may leave its glide plane (e.g. a zig-zag of {110}
        hops, i.e. glide on {112})."""
        if self.start_x is None:
            return False
        if not np.isfinite(core.centre_x_A):
            return np.isfinite(self.start_x)
        dy = 0.0 if core.centre_y_A is None or self.start_y is None else core.centre_y_A - self.start_y
        return bool(np.hypot(core.centre_x_A - self.start_x, dy) > self.glide_distance_A)

    def _relax_watching_core(self):
        """One relaxation, in chunks of ``check_iterations`` if set, stopped early once the
        core has glided. Returns the last relaxation result, the core and the iterations."""
        if self.check_iterations is None:
            result = self.model.relax(self.fmax, self.max_iterations)
            return result, self.locate_core(), result.iterations
        used = 0
        while True:
            result = self.model.relax(self.fmax, min(self.check_iterations, self.max_iterations - used))
            used += result.iterations
            core = self.locate_core()
            if (result.converged or result.iterations == 0 or used >= self.max_iterations
                    or self._moved_far(core)):
                return result, core, used

    # -------------------------------------------------------------- the ramp
    def state(self) -> dict:
        """What continuing the ramp needs besides the atoms (JSON): where the far field's
        dislocation sits and where the core started, Å."""
        return {"field_core_x_A": self.field_core_x, "field_core_y_A": self.field_core_y,
                "start_x_A": self.start_x, "start_y_A": self.start_y}

    def resume(self, state: dict) -> None:
        """Take back a :meth:`state` (then apply :meth:`far_fields` and restore the atoms)."""
        self.field_core_x, self.field_core_y = state["field_core_x_A"], state["field_core_y_A"]
        self.start_x, self.start_y = state["start_x_A"], state["start_y_A"]

    def run(self, stresses_MPa, callback=None, check=None, before_step=None,
            resumed: GlideResult | None = None, completed: int = 0) -> GlideResult:
        """Relax at τ = 0 and then at each stress of ``stresses_MPa`` until the core glides;
        then refine the critical stress by bisection if ``resolution_MPa`` is set.

        Parameters
        ----------
        stresses_MPa : iterable of float
            Resolved shear stresses, MPa, increasing (τ = 0 is the first step anyway).
        callback : callable, optional
            ``callback(step)`` after each relaxation (:class:`GlideStep`).
        check : callable, optional
            ``check(step, error)`` after each relaxation, ``step`` None and ``error`` the
            exception if the relaxation raised (which is then re-raised): the run-time guards.
            Default (:meth:`convergence_guard`), as ``handshake run``: a step that missed
            ``fmax_eV_per_A`` without its core gliding away raises
            :class:`~handshake.errors.NotConverged`.
        before_step : callable, optional
            ``before_step()`` before each relaxation: where a stop request is honoured.
        resumed : GlideResult, optional
            Continue a ramp whose first ``completed`` non-zero stresses are done without
            glide (:meth:`resume` taken, far field applied and atoms restored before).
        completed : int
        """
        check = self.convergence_guard if check is None else check
        stresses = [tau for tau in stresses_MPa if tau != 0.0]
        if resumed is None:
            initial = self._checked_relax_at(0.0, check, before_step)
            result = GlideResult(None, None, initial.core, [initial])
            if callback:
                callback(initial)
            last = 0.0
        else:
            result, last = resumed, resumed.last_stress_without_glide_MPa or 0.0
        refine = self.resolution_MPa is not None     # keep the last static state for the bisection
        static = self._snapshot(last) if refine else None
        for tau in stresses[completed:]:
            step = self._checked_relax_at(tau, check, before_step)
            result.steps.append(step)
            if callback:
                callback(step)
            if step.glided:
                result.critical_stress_MPa = tau
                break
            result.last_stress_without_glide_MPa = tau
            if refine:
                static = self._snapshot(tau)
        if refine and result.critical_stress_MPa is not None:
            self._bisect(result, static, callback, check, before_step)
        return result

    def convergence_guard(self, step, error) -> None:
        """The default ``check`` of :meth:`run`: a relaxation that missed the force tolerance
        ends the ramp (:class:`~handshake.errors.NotConverged`), unless its core glided
        away (which stops a relaxation early on purpose)."""
        if step is not None and not (step.converged or step.glided):
            raise NotConverged(f"relaxation did not converge at τ = {step.shear_stress_MPa:.2f} MPa: residual "
                               f"{step.max_residual_force_eV_per_A:.2e} eV/Å > fmax {self.fmax:.1e} after "
                               f"{step.iterations} iterations; raise max_iterations or make the stress step smaller")

    def _checked_relax_at(self, shear_stress_MPa: float, check=None, before_step=None) -> GlideStep:
        if before_step is not None:
            before_step()
        try:
            step = self.relax_at(shear_stress_MPa)
        except Exception as exc:
            if check is not None:
                check(None, exc)
            raise
        if check is not None:
            check(step, None)
        return step

    def _snapshot(self, shear_stress_MPa: float) -> dict:
        """The relaxed state at ``shear_stress_MPa``: atoms by id and the far field's core."""
        return {"tau": shear_stress_MPa, "atoms": self.model.atomistic.capture(),
                "field_core_x": self.field_core_x}

    def _restore(self, snapshot: dict) -> None:
        """Back to a snapshot: its far field applied, then its atoms put back exactly
        (the coupled model's continuum follows from its atoms)."""
        self.field_core_x = snapshot["field_core_x"]
        self.model.apply(*self.far_fields(snapshot["tau"]))
        self.model.atomistic.restore(snapshot["atoms"])

    def _bisect(self, result: GlideResult, static: dict, callback=None, check=None, before_step=None) -> None:
        """Halve [last stress without glide, critical stress] until it is at most
        ``resolution_MPa`` wide; every trial starts from the last state without glide."""
        low = result.last_stress_without_glide_MPa or 0.0
        high = result.critical_stress_MPa
        while high - low > self.resolution_MPa:
            self._restore(static)
            tau = round(0.5 * (low + high), 6)
            step = self._checked_relax_at(tau, check, before_step)
            step.refinement = True
            result.steps.append(step)
            if callback:
                callback(step)
            if step.glided:
                high = tau
            else:
                low = tau
                static = self._snapshot(tau)
        result.critical_stress_MPa = high
        result.last_stress_without_glide_MPa = low


"""The glide study: a resolved shear stress ramped on one dislocation until its core glides.

At every stress the coupled model is relaxed under the dislocation's anisotropic field
plus the homogeneous strain of τ, the core located and, with ``follow_core``, the far
field re-centred on it (:class:`~handshake.dislocations.ShearRamp`). The first stress at
which the core has moved more than ``glide_distance_A`` is the critical stress (Peierls
stress of a pure metal, CRSS of a random alloy), refined by bisection with
``resolution_MPa``. A random alloy (``[alloy]``) adds the effective medium's provenance,
the misfit forces, an optional local relaxation and, for an ordered alloy, the
short-range order achieved.

Every step is written (summary, frames). After every step without glide the state is
captured for the checkpoint: a restart continues the ramp from the last stress without
glide (a stop during the bisection repeats it from there). The guards (numerical
faults, lost atoms, a relaxation that missed ``coupling.fmax_eV_per_A`` although the
core did not glide, inverted elements) run after every relaxation; a gliding core is
expected to run towards the handshake zone, so the defect guard is not used here.
"""

from __future__ import annotations

import time

import numpy as np

from ..alloys import disc_warren_cowley
from ..alloys.misfit import handshake_mismatch, local_relaxation, misfit_forces
from ..coupling.reference import FullyAtomisticModel
from ..dislocations import ShearRamp
from ..dislocations.core import CoreStructure
from ..dislocations.glide import GlideResult
from ..errors import InputError
from ..progress import log
from ..scenario import Scenario
from .base import STUDIES, Study, record_speedup
from .plots import plot_glide


def glide_ramp(scenario: Scenario, model, extra_fields=()):
    """The :class:`~handshake.dislocations.ShearRamp` of a scenario's ``[glide]`` section on
    ``model``; ``extra_fields`` are fixed far fields added at every stress (a composition band)."""
    glide, d = scenario.glide, scenario.dislocations[0]
    periods = np.diag(model.crystal.unit().cell)[:2]
    core = model.centre + np.asarray(d.core_A) + periods * d.core_periods
    return ShearRamp(model, d.burgers, screw=glide.screw, n_partials=glide.partials,
                     fmax_eV_per_A=scenario.coupling.fmax_eV_per_A, max_iterations=scenario.coupling.max_iterations,
                     glide_distance_A=glide.glide_distance_A, follow_core=glide.follow_core,
                     follow_tolerance_A=glide.follow_tolerance_A, max_follow=glide.max_follow, slip_plane=d.slip_plane,
                     extra_fields=extra_fields, core_locator=glide.core_locator,
                     check_iterations=glide.check_iterations, resolution_MPa=glide.resolution_MPa, core=core)


def short_range_order_report(scenario: Scenario, model) -> dict:
    """Target and achieved Warren–Cowley α (first shell) of an ordered alloy: on the
    periodic tile, and counted afresh on the coupled model's free atoms."""
    tile = model.ordered_tile
    elements = tile.elements
    achieved = tile.alpha()
    held = disc_warren_cowley(model.reference_positions, model.symbols, elements, model.crystal, model.centre,
                              model.geometry.atomistic_radius_A)
    pairs = {}
    for name, target in scenario.alloy.short_range_order.alpha.items():
        i, j = (elements.index(e) for e in name.split("-"))
        pairs[name] = {"target": target, "tile": float(achieved[i, j]), "coupled_atoms": float(held[i, j])}
    return {"alpha_first_shell": pairs, "tile_sites": int(len(tile.types)), "tile_A": tile.cell_A[:2].tolist(),
            "swaps_accepted": tile.swaps_accepted}


def glide_line(step, centre_x_A: float) -> str:
    """The progress line of one glide step."""
    return (f"τ = {step.shear_stress_MPa:8.2f} MPa  core {step.core_displacement_A:+7.3f} Å  "
            f"partials {', '.join(f'{x - centre_x_A:+.2f}' for x in step.core.partials_x_A)} Å  "
            f"SF width {step.core.stacking_fault_width_A:6.2f} Å{'' if step.core.resolved else ' (unresolved)'}  "
            f"{'' if step.core.polarity is None else f'polarity {step.core.polarity:+.2f}  '}"
            f"{step.relaxations} relaxations{' (bisection)' if step.refinement else ''}  "
            f"residual {step.max_residual_force_eV_per_A:.1e} eV/Å  {step.wall_time_s:.1f} s")


@STUDIES.register("glide")
class GlideStudy(Study):
    """Shear-stress ramp of a ``kind = "dislocation"`` scenario with a ``[glide]`` section."""

    @classmethod
    def check(cls, scenario: Scenario, source: str) -> None:
        if len(scenario.dislocations) != 1 or scenario.load is not None:
            raise InputError("a [glide] ramp takes exactly one [[dislocations]] entry and no [load]",
                             source=source, field="glide")

    def _ramp(self) -> ShearRamp:
        if getattr(self, "ramp", None) is None:
            self.ramp = glide_ramp(self.scenario, self.model, extra_fields=self.fields[len(self.scenario.dislocations):])
        return self.ramp

    def first_far_field(self) -> list:
        """The ramp's far field at zero stress, its first relaxation."""
        return self._ramp().far_fields(0.0)

    def restore_far_field(self, run_doc: dict) -> None:
        """The ramp's far field at the checkpoint's last stress, its dislocation where the
        ramp had re-centred it."""
        ramp = self._ramp()
        glide = run_doc["glide"]
        ramp.resume(glide["ramp"])
        self.model.apply(*ramp.far_fields(glide["shear_stress_MPa"]))

    def statics(self, run_doc: dict | None) -> None:
        """The shear-stress ramp, written and checkpointed step by step."""
        scenario, model, summary = self.scenario, self.model, self.summary
        ramp = self._ramp()
        model.atomistic.watch_forces(self.settings.force_limit_eV_per_A)
        resumed, completed = None, 0
        if run_doc is None:
            results: dict = {"steps": []}
            summary["results"] = results
            if scenario.alloy is not None:
                self.alloy_report()
        else:
            results = summary["results"]
            glide = run_doc["glide"]
            resumed = GlideResult(None, glide["last_stress_without_glide_MPa"],
                                  CoreStructure.from_dict(glide["initial_core"]))
            completed = int(glide["completed_stresses"])
        stresses = scenario.glide.values()
        self.total = 1 + sum(tau != 0.0 for tau in stresses)
        records: list = results["steps"]
        # what a restart needs besides the atoms, as of the last stress without glide
        glide_state: dict = dict(run_doc["glide"]) if run_doc is not None else {"completed_stresses": 0}

        def check(step, error) -> None:
            where = (f"at load step {len(records) + 1} (τ = {step.shear_stress_MPa:.2f} MPa)" if step is not None
                     else f"at load step {len(records) + 1}")
            if step is None:
                fault = self.check_relaxation(where, error)
            else:  # a core that glided away stops its relaxation early on purpose: not a convergence failure
                fault = self.check_relaxation(where, None, step.converged or step.glided,
                                              step.max_residual_force_eV_per_A, step.iterations)
            if fault is not None:
                self.stop(fault, len(records) + 1, {} if step is None else {"shear_stress_MPa": step.shear_stress_MPa})

        def after_step(step) -> None:
            records.append(step.to_dict())
            index = len(records) - 1
            self.write_frame(index, {"shear_stress_MPa": step.shear_stress_MPa},
                             self.frame_time(index, step.shear_stress_MPa),
                             always=step.glided or step.refinement or index + 1 >= self.total)
            self.write_summary()
            log(self.comm, glide_line(step, model.centre[0]))
            self.show_progress(min(len(records), self.total))
            if self.on_step is not None:
                self.on_step(model, records[-1])
            if step.glided or step.refinement:
                return      # the restart point stays the last stress without glide
            if step.shear_stress_MPa != 0.0:
                glide_state["completed_stresses"] += 1
            if len(records) == 1:
                glide_state["initial_core"] = step.core.to_dict()
            glide_state.update({"ramp": ramp.state(), "shear_stress_MPa": step.shear_stress_MPa,
                                "last_stress_without_glide_MPa": step.shear_stress_MPa or None})
            self.checkpoints.capture(len(records), {"summary": summary, "far_field": {}, "glide": dict(glide_state)})

        self.show_progress(min(len(records), self.total))
        result = ramp.run(stresses, callback=after_step, check=check,
                          before_step=lambda: self.stop_if_requested(len(records)), resumed=resumed,
                          completed=completed)
        self.close_progress()
        results.update({k: v for k, v in result.to_dict().items() if k != "steps"})
        if scenario.alloy is not None:
            summary["alloy"]["after_relaxation"] = handshake_mismatch(model)
        if self.directory.writer:
            plot_glide(records, self.directory.path / "glide.png", scenario.name)

    def alloy_report(self) -> None:
        """The random alloy's effective medium, misfit forces, short-range order and local
        relaxation, into ``summary["alloy"]``."""
        scenario, model = self.scenario, self.model
        alloy = {"seed": scenario.alloy.seed, "effective_medium": model.properties.provenance,
                 "misfit_forces_on_medium_lattice": misfit_forces(model)}
        self.summary["alloy"] = alloy
        if getattr(model, "ordered_tile", None) is not None:
            alloy["short_range_order"] = short_range_order_report(scenario, model)
        if scenario.alloy.local_relaxation:
            alloy["local_relaxation"] = local_relaxation(model, fmax_eV_per_A=scenario.coupling.fmax_eV_per_A)

    def reference(self, coupled_wall_s: float) -> None:
        """The same shear ramp, fully atomistic, on a disc of ``[reference] area_ratio`` × the atoms' area."""
        scenario, model, summary, comm = self.scenario, self.model, self.summary, self.comm
        extra_fields = self.fields[len(scenario.dislocations):]
        radius = self.reference_radius_A()
        start = time.perf_counter()
        with FullyAtomisticModel(model, radius_A=radius) as atomistic:
            log(comm, f"fully atomistic reference: {atomistic.n_atoms} atoms within {radius:.0f} Å")
            ramp = glide_ramp(scenario, atomistic, extra_fields=extra_fields)
            ramp.window_A = model.geometry.atomistic_radius_A - model.geometry.handshake_width_A - 2.0
            # a reference step that misses fmax is recorded as such (its ``converged``), not
            # stopped on: the reference's glide is what is compared, and its core may run to the shell
            result = ramp.run(scenario.glide.values(), before_step=self.stop_reference_if_requested,
                              check=lambda step, error: None,
                              callback=lambda s: log(comm, f"reference τ = {s.shear_stress_MPa:8.2f} MPa  "
                                                           f"core {s.core_displacement_A:+7.3f} Å  "
                                                           f"{'' if s.core.polarity is None else f'polarity {s.core.polarity:+.2f}  '}"
                                                           f"SF width {s.core.stacking_fault_width_A:6.2f} Å"))
        reference = result.to_dict()
        reference.update({"atoms": atomistic.n_atoms, "radius_A": radius, "wall_time_s": time.perf_counter() - start})
        record_speedup(reference, coupled_wall_s)
        coupled = summary["results"]
        for key in ("critical_stress_MPa", "critical_stress_bracket_midpoint_MPa", "initial_stacking_fault_width_A"):
            if coupled.get(key) and reference.get(key):
                reference[key.replace("_MPa", "").replace("_A", "") + "_relative_difference"] = \
                    coupled[key] / reference[key] - 1
        summary["reference"] = reference
        self.directory.write_json("summary.json", summary)

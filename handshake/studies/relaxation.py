"""The relaxation study: a dislocation (or any defect) relaxed at the scenario's fixed
far field, one load step; optionally followed by coupled molecular dynamics.

With ``--reference`` the same relaxation is repeated fully atomistically and compared
atom by atom near the core (:func:`~handshake.coupling.reference.compare_with_reference`).
"""

from __future__ import annotations

from ..coupling.reference import compare_with_reference
from ..errors import DefectAtHandshake
from ..progress import log
from .base import STUDIES, Study
from .guards import REFERENCE_REMEDY, defect_guard, defects_near_handshake


@STUDIES.register("relaxation")
class RelaxationStudy(Study):
    """One relaxation of a ``kind = "dislocation"`` scenario without ``[glide]``."""

    def statics(self, run_doc: dict | None) -> None:
        """Relax the coupled model at the scenario's fixed far field (one load step)."""
        model, summary, scenario = self.model, self.summary, self.scenario
        if run_doc is not None and int(run_doc.get("completed_steps", 0)):
            return
        model.apply(*self.fields)
        model.atomistic.watch_forces(self.settings.force_limit_eV_per_A)
        self.checkpoints.capture(0, {"summary": summary, "far_field": {}})
        self.stop_if_requested(0)
        where = "at load step 1 (relaxation)"
        try:
            result = model.relax(scenario.coupling.fmax_eV_per_A, scenario.coupling.max_iterations)
        except Exception as exc:
            fault = self.check_relaxation(where, exc)
            if fault is not None:
                self.stop(fault, 1)
            raise
        margin = (self.settings.handshake_margin_A if self.settings.handshake_margin_A is not None
                  else model.crystal.nearest_neighbour_A)
        fault = self.check_relaxation(where, None, result.converged, result.max_residual_force_eV_per_A,
                                      result.iterations, defect=lambda: defects_near_handshake(model, margin, where))
        if fault is not None:
            self.stop(fault, 1)
        self.write_frame(0, {"converged": result.converged}, self.frame_time(0, 0.0), always=True)
        summary["results"] = {"converged": result.converged,
                              "max_residual_force_eV_per_A": result.max_residual_force_eV_per_A,
                              "iterations": result.iterations}
        log(self.comm, f"relaxed: residual {result.max_residual_force_eV_per_A:.2e} eV/Å, "
                       f"{result.iterations} iterations")
        if self.on_step is not None:
            self.on_step(model, summary["results"])
        self.checkpoints.capture(1, {"summary": summary, "far_field": {}})

    def reference(self, coupled_wall_s: float) -> None:
        """Coupled against fully atomistic displacements of the same relaxation."""
        margin = (self.settings.handshake_margin_A if self.settings.handshake_margin_A is not None
                  else self.model.crystal.nearest_neighbour_A)
        try:    # a defect at the coupled model's handshake zone or at the reference's fixed shell
            comparison = compare_with_reference(self.model, self.fields, self.scenario.coupling.fmax_eV_per_A,
                                                check=defect_guard(margin, REFERENCE_REMEDY))
        except DefectAtHandshake as error:
            self.reference_guard_tripped(error)
        self.summary["reference"] = comparison.to_dict()

"""The crack study: a quasi-static K ramp, loading then unloading, step by step.

At every K the coupled model is relaxed under the anisotropic mode-I K-field on the
continuum's outer boundary (:class:`~handshake.fracture.QuasiStaticKRamp`); the crack tip
is located from the broken bonds, and the ramp gives Griffith's K_G, the lattice-trapping
bounds K+ and K− and the failure mode read from the atomic structure
(:mod:`handshake.fracture.classification`). Every step is written (summary, frames) and
checkpointed; the guards stop the ramp at a fault, and a crack tip at the handshake zone
stops it with exit code 7.
"""

from __future__ import annotations

import time
from dataclasses import asdict

import numpy as np

from ..coupling.reference import FullyAtomisticModel
from ..errors import DefectAtHandshake, NotConverged
from ..fracture import QuasiStaticKRamp
from ..fracture.classification import classify_failure, crack_structure
from ..fracture.ramp import KStep, RampResult, remaining_values
from ..progress import log
from .base import STUDIES, Study, record_speedup
from .guards import crack_tip_near_handshake
from .plots import plot_crack_tip, plot_k_ramp


@STUDIES.register("crack")
class CrackStudy(Study):
    """K ramp of a ``kind = "crack"`` scenario (``[crack]`` section)."""

    def first_far_field(self) -> list:
        """The K-field of the ramp's first load step."""
        crack = self.scenario.crack
        return [self.model.k_field(*crack.stress_intensities(crack.loading_values()[0]))]

    def statics(self, run_doc: dict | None) -> None:
        """The quasi-static K ramp of a crack scenario, written step by step."""
        scenario, model, summary, directory, comm = self.scenario, self.model, self.summary, self.directory, self.comm
        crack = scenario.crack
        if run_doc is None and self.fields:
            model.apply(*self.fields)
        ramp = QuasiStaticKRamp(model, scenario.coupling.fmax_eV_per_A, scenario.coupling.max_iterations,
                                threshold=crack.tip_threshold, surface_energy_J_per_m2=crack.surface_energy_J_per_m2,
                                K_II_over_K_I=crack.K_II_over_K_I, K_III_over_K_I=crack.K_III_over_K_I)
        model.atomistic.watch_forces(self.settings.force_limit_eV_per_A)
        loading = crack.loading_values()
        unloading = crack.unloading_values()
        K_top = max(loading)    # the pvd time of an unloading step is the load path's length, 2 K_top - K
        done = [KStep(**s) for s in (run_doc or {}).get("ramp_steps", [])]
        left = remaining_values(loading, unloading, done)
        self.total = len(done) + len(left[0]) + len(left[1])
        summary.setdefault("results", {})
        summary["results"]["K_G_MPa_sqrt_m"] = ramp.K_G_MPa_sqrt_m
        summary["results"]["K_II_over_K_I"] = crack.K_II_over_K_I
        summary["results"]["K_III_over_K_I"] = crack.K_III_over_K_I
        records: list = summary["results"].setdefault("steps", [])
        # picture of the tip at the top of the loading branch (unless a restart is past it)
        n_loading = (sum(s.branch == "loading" for s in done) + len(left[0])
                     if not done or done[-1].branch == "loading" else None)

        def state(K=None) -> dict:
            return {"ramp_steps": [asdict(s) for s in done], "summary": summary,
                    "far_field": {"K_I_MPa_sqrt_m": K if K is not None else (done[-1].K_MPa_sqrt_m if done else None)}}

        if run_doc is None:
            self.checkpoints.capture(0, state())
        elif done:
            ramp.resume()       # the tip's bonds of the restored state: the next step's switches count from them
        self.show_progress(len(done))

        def check(K, branch, step, error) -> None:
            n = len(done) + 1
            where = f"at load step {n} (K = {K:.3f} MPa·m^½, {branch})"
            details = {"K_MPa_sqrt_m": K, "branch": branch}
            if step is None:
                fault = self.check_relaxation(where, error)
            else:
                fault = self.check_relaxation(
                    where, None, step.converged, step.max_residual_eV_per_A, step.iterations,
                    defect=lambda: crack_tip_near_handshake(ramp, step.tip_x_A, self.settings.handshake_margin_A, where))
            if fault is not None:
                self.stop(fault, n, details)

        def after_step(step) -> None:
            done.append(step)
            record = {k: (None if isinstance(v, float) and not np.isfinite(v) else v)  # no tip: None
                      for k, v in step.__dict__.items()}
            record.update(crack_structure(model, step.tip_x_A))
            records.append(record)
            index = len(records) - 1
            before = done[-2].tip_x_A if len(done) > 1 else step.tip_x_A
            tip_moved = (np.isfinite(step.tip_x_A) != np.isfinite(before)          # the tip appeared or went
                         or abs(step.tip_x_A - before) >= 0.5 * ramp.tip.row_spacing_A)
            path_K = step.K_MPa_sqrt_m if step.branch == "loading" else 2.0 * K_top - step.K_MPa_sqrt_m
            self.write_frame(index, step.__dict__, self.frame_time(index, path_K),
                             always=tip_moved or len(records) == self.total)
            partial = ramp.critical_values(RampResult(ramp.K_G_MPa_sqrt_m, ramp.tip.row_spacing_A, steps=list(done)))
            summary["results"].update({k: v for k, v in partial.to_dict().items() if k != "steps"})
            self.write_summary()
            if n_loading is not None and len(records) == n_loading:
                u_atoms, u_nodes = model.displacements(), model.continuum_displacements()
                if directory.writer:
                    plot_crack_tip(model.reference_positions + u_atoms, model.atom_region, model.zone.mesh, u_nodes,
                                   model.centre, directory.path / "crack_tip.png",
                                   f"{scenario.name}: K = {step.K_MPa_sqrt_m:.3f} MPa m^1/2 (deformed mesh in grey)")
            log(comm, f"step {len(records)}/{self.total} {step.branch:9s} K = {step.K_MPa_sqrt_m:.3f} MPa·m^½  "
                      f"tip {step.tip_x_A:+7.2f} Å  broken bonds {step.broken_bonds:4d}  "
                      f"residual {step.max_residual_eV_per_A:.1e} eV/Å  {step.wall_time_s:.1f} s"
                      f"{f'  tip rearranged: {step.tip_bonds_switched} bonds switched' if step.tip_bonds_switched else ''}")
            self.show_progress(len(records))
            if self.on_step is not None:
                self.on_step(model, record)
            self.checkpoints.capture(len(done), state())

        result = ramp.run(loading, unloading, callback=after_step, completed=list(done), check=check,
                          before_step=self.stop_if_requested)
        self.close_progress()
        summary["results"].update({k: v for k, v in result.to_dict().items() if k != "steps"})
        summary["results"].update(classify_failure(records, result.K_plus_MPa_sqrt_m))
        if directory.writer:
            plot_k_ramp(records, result, directory.path / "k_ramp.png", scenario.name)

    def reference(self, coupled_wall_s: float) -> None:
        """The same K ramp, fully atomistic, on a disc of ``[reference] area_ratio`` × the atoms' area."""
        scenario, model, fields, summary, comm = self.scenario, self.model, self.fields, self.summary, self.comm
        crack = scenario.crack
        radius = self.reference_radius_A()
        start = time.perf_counter()
        with FullyAtomisticModel(model, radius_A=radius) as atomistic:
            log(comm, f"fully atomistic reference: {atomistic.n_atoms} atoms within {radius:.0f} Å")
            if fields:
                atomistic.apply(*fields)
            ramp = QuasiStaticKRamp(atomistic, scenario.coupling.fmax_eV_per_A, 50 * scenario.coupling.max_iterations,
                                    threshold=crack.tip_threshold, surface_energy_J_per_m2=crack.surface_energy_J_per_m2,
                                    K_II_over_K_I=crack.K_II_over_K_I, K_III_over_K_I=crack.K_III_over_K_I)
            try:    # the ramp's own guards: the tip at the disc's fixed shell, a step not converged
                result = ramp.run(crack.loading_values(), crack.unloading_values(),
                                  before_step=self.stop_reference_if_requested,
                                  callback=lambda s: log(comm, f"reference {s.branch:9s} K = {s.K_MPa_sqrt_m:.3f}  "
                                                               f"tip {s.tip_x_A:+7.2f} Å  {s.wall_time_s:.1f} s"))
            except (DefectAtHandshake, NotConverged) as error:
                self.reference_guard_tripped(error)
        coupled = summary["results"]
        reference = {k: v for k, v in result.to_dict().items() if k != "steps"}
        reference.update({"atoms": atomistic.n_atoms, "radius_A": radius, "wall_time_s": time.perf_counter() - start})
        record_speedup(reference, coupled_wall_s)
        if coupled.get("K_plus_MPa_sqrt_m") and reference["K_plus_MPa_sqrt_m"]:
            reference["K_plus_relative_difference"] = coupled["K_plus_MPa_sqrt_m"] / reference["K_plus_MPa_sqrt_m"] - 1
        summary["reference"] = reference
        self.directory.write_json("summary.json", summary)

"""Coupled molecular dynamics of a scenario (``[dynamics]``), written interval by interval.

After the static preparation (a crack's loading ramp, or a dislocation's relaxation) the
atoms (LAMMPS velocity Verlet) and the continuum (central differences) are integrated
together by :func:`handshake.dynamics.slab.slab_dynamics`, starting from the relaxed state:
the continuum correction û of the statics, at rest. A crack's far field is raised at
t = 0 to the dynamic load K_I (the atoms move by the change of the K-field, a sudden
load). With ``method = "energy"`` the integrator's dead load (the pad forces it cancels)
is taken in this loaded state, not in the perfect crystal. Optional: a stadium damping band of free atoms next to the pad
(:class:`~handshake.dynamics.damping.LangevinBand` on the fine-scale velocities) and, at
T > 0, a Langevin thermostat on the other free atoms (Maxwell–Boltzmann velocities at
2 T on the free atoms at t = 0: equipartition with the potential energy of the relaxed
state brings them to T).

Every ``output_interval_steps`` MD steps: one row of the time series in
``summary.json`` (rewritten atomically), one extended-XYZ frame and one VTU frame, a log
line, a checkpoint capture (written every ``run.checkpoint_interval`` intervals and on
SIGTERM/SIGUSR1) and, for a crack, the plot ``crack_tip_history.png``. The run-time
guards (numerical faults, lost atoms, a crack tip at the handshake zone; for a
dislocation at 0 K defective atoms there) run every ``GUARD_INTERVAL_PS`` of MD time or
output interval, whichever is shorter; a crack tip at the handshake zone ends the MD
there with a last row (``dynamics.end_at_handshake``). At T > 0 the defect guard of a
dislocation is off: single thermal snapshots trip its coordination/centrosymmetry test.

Units: time ps (the scenario's step in fs), positions Å, speeds Å/ps and m/s, energies eV.
"""

from __future__ import annotations

import time

import numpy as np

from ..continuum import EV_PER_A_AMU_TO_A_PER_PS2
from ..dynamics import KB_EV_PER_K
from ..dynamics.damping import LangevinBand, stadium_ramp
from ..dynamics.slab import slab_dynamics
from ..fracture import QuasiStaticKRamp
from ..fracture.dynamic import (
    A_PER_PS_TO_M_PER_S,
    interval_speeds_A_per_ps,
    running_speed_A_per_ps,
)
from ..fracture.rayleigh import crack_rayleigh_speed_m_per_s
from ..progress import ProgressBar, log
from .checkpoint import capture_dynamics, restore_dynamics
from .guards import (
    EXIT_INTERRUPTED,
    Fault,
    crack_tip_near_handshake,
    defects_near_handshake,
    lost_atoms,
    numerical_fault,
)
from .plots import plot_tip_history

#: MD time between two checks of the guards, ps: a crack at the Rayleigh speed
#: (≈ 30 Å/ps) moves about 3 Å, two or three rows of bonds, in that time
GUARD_INTERVAL_PS = 0.1


def damping_band(model, settings, timestep_ps: float, temperature_K: float, seed: int):
    """The stadium band of ``settings`` (DampingBandSection) on ``model``'s free atoms, or None.

    Band: free atoms within ``width_A`` of the pad edge (the atomistic radius), friction
    γ(d) = γ_max (1 − d/W)², d the depth inwards from the edge; the filter samples the
    free atoms up to 3 σ further in.
    """

    if settings.width_A <= 0:
        return None
    free = model.atomistic.group_ids("free")
    r = np.linalg.norm(model.reference_positions[free - 1, :2] - model.centre, axis=1)
    depth = model.geometry.atomistic_radius_A - r
    inside = depth < settings.width_A
    if not inside.any():
        return None
    return LangevinBand(model.atomistic, free[inside], stadium_ramp(depth[inside], settings.width_A,
                                                                    settings.gamma_per_ps),
                        timestep_ps, temperature_K=temperature_K, seed=seed,
                        filter_ids=free[depth < settings.width_A + 3 * settings.filter_width_A],
                        filter_width_A=settings.filter_width_A, axes=(0, 1))


def maxwell_boltzmann_A_per_ps(masses_amu: np.ndarray, temperature_K: float, seed: int) -> np.ndarray:
    """Maxwell–Boltzmann velocities (n, 3), Å/ps, without net momentum, scaled so that
    Σ m v² / (3 n k_B) is exactly ``temperature_K``.

    Drawn from ``seed`` by position in ``masses_amu`` (atom order), so the same on any
    number of MPI ranks and for any atom positions (LAMMPS's ``velocity ... loop geom``
    seeds from the coordinates, which differ at round-off between rank counts).
    """
    m = np.asarray(masses_amu, dtype=float)[:, None]
    v = np.random.default_rng(seed).standard_normal((m.shape[0], 3)) * np.sqrt(
        KB_EV_PER_K * temperature_K * EV_PER_A_AMU_TO_A_PER_PS2 / m)
    v -= (m * v).sum(axis=0) / m.sum()
    twice_kinetic = float(np.sum(m * v**2)) / EV_PER_A_AMU_TO_A_PER_PS2
    return v * np.sqrt(3 * m.shape[0] * KB_EV_PER_K * temperature_K / twice_kinetic)


def free_temperature_K(model, velocities: np.ndarray, ids: np.ndarray) -> float:
    """Kinetic temperature of atoms ``ids``, T = Σ m v² / (3 N k_B), K."""
    m = model.atomistic.masses_amu[ids - 1]
    twice_kinetic = float(np.sum(m[:, None] * velocities[ids - 1] ** 2)) / EV_PER_A_AMU_TO_A_PER_PS2
    return twice_kinetic / (3 * ids.size * KB_EV_PER_K)


class ScenarioDynamics:
    """The MD phase of one run: integrator, bands, tip tracker, time series, output.

    Parameters
    ----------
    run : handshake.studies.base.Study
        The run in progress (model, summary, output directory, checkpoints, guards).
    n_frames : int
        Frames already written (the static preparation's load steps).
    checkpoint : handshake.studies.checkpoint.Checkpoint, optional
        A checkpoint of this phase to continue from (the atoms are already restored).
    """

    def __init__(self, run, n_frames: int, checkpoint=None):

        self.run, self.model = run, run.model
        scenario = run.scenario
        self.settings = settings = scenario.dynamics
        self.crack = scenario.kind == "crack"
        self.n_frames = n_frames
        self.dt_ps = settings.timestep_fs * 1e-3
        #: MD steps between two checks of the guards (numerical faults, lost atoms, the
        #: crack tip): at most an output interval and GUARD_INTERVAL_PS
        self.guard_steps = max(1, min(settings.output_interval_steps, int(round(GUARD_INTERVAL_PS / self.dt_ps))))
        model = self.model
        summary = run.summary.setdefault("results", {})
        self.results = summary.setdefault("dynamics", {})
        self.rows: list = self.results.setdefault("time_series", [])
        self.ramp = None
        if self.crack:

            crack = scenario.crack
            self.ramp = QuasiStaticKRamp(model, scenario.coupling.fmax_eV_per_A, scenario.coupling.max_iterations,
                                         threshold=crack.tip_threshold,
                                         surface_energy_J_per_m2=crack.surface_energy_J_per_m2)
            self.c_R_m_per_s = crack_rayleigh_speed_m_per_s(model.properties.C_voigt_GPa, model.orientation,
                                                            float(model.atomistic.masses_amu.mean()),
                                                            model.properties.atomic_volume_A3)
        if checkpoint is None:
            self.md = {"steps_done": 0, "seed": settings.seed, "timestep_fs": settings.timestep_fs,
                       "method": settings.method}
            if self.crack:
                model.apply(model.k_field(settings.K_I_MPa_sqrt_m))
            u_hat = model.continuum_correction().ravel()
            self.dynamics = slab_dynamics(model, self.dt_ps, settings.method)
            self.dynamics.set_continuum_state(u_A=u_hat)
            # the pad exactly where the statics left it (set_continuum_state leaves out the
            # handshake nodes, which the atoms drive)
            d = self.dynamics
            model.atomistic.set_displacements(d.pad_ids, (d.P @ u_hat).reshape(-1, 3) + d.pad_applied)
            if settings.temperature_K > 0:
                # equipartition: from a relaxed state half the kinetic energy goes into the
                # potential energy, so the velocities are drawn at 2 T
                free = model.atomistic.group_ids("free")
                model.atomistic.set_velocities(free, maxwell_boltzmann_A_per_ps(
                    model.atomistic.masses_amu[free - 1], 2 * settings.temperature_K, settings.seed))
            self.md["lammps_step"] = int(model.atomistic.lmp.extract_global("ntimestep"))
            self.md["lammps_step_start"] = self.md["lammps_step"]
            self.results.update({"timestep_fs": settings.timestep_fs, "method": settings.method,
                                 "temperature_K": settings.temperature_K, "steps": settings.steps})
            if self.crack:
                self.results.update({"K_I_MPa_sqrt_m": settings.K_I_MPa_sqrt_m,
                                     "K_G_MPa_sqrt_m": self.ramp.K_G_MPa_sqrt_m,
                                     "K_over_K_G": settings.K_I_MPa_sqrt_m / self.ramp.K_G_MPa_sqrt_m,
                                     "rayleigh_speed_m_per_s": self.c_R_m_per_s,
                                     "rayleigh_speed_source": "Stroh sextic, surface normal lab y, wave along "
                                                              "lab x, C and density of the potential "
                                                              "(handshake.fracture.rayleigh)"})
        else:

            self.md = dict(checkpoint.documents["run"]["md"])
            self.dynamics = slab_dynamics(model, self.dt_ps, settings.method)
            restore_dynamics(checkpoint, self.dynamics, model.atomistic)
            model.atomistic.command(f"reset_timestep {int(self.md['lammps_step'])}")
            self.dynamics.steps = int(self.md["steps_done"])
        model.atomistic.watch_forces(run.settings.force_limit_eV_per_A)
        self.free = model.atomistic.group_ids("free")
        band = damping_band(model, settings.damping, self.dt_ps, settings.temperature_K, settings.seed)
        self.band_ids = np.array([], dtype=np.int64) if band is None else band.ids
        if band is not None:
            self.dynamics.add_observer(band)
        if settings.temperature_K > 0:

            bath = np.setdiff1d(self.free, self.band_ids)
            self.dynamics.add_observer(LangevinBand(model.atomistic, bath, settings.thermostat.gamma_per_ps,
                                                    self.dt_ps, temperature_K=settings.temperature_K,
                                                    seed=settings.seed + 1, filter_ids=None))
        self.results["damping_band_atoms"] = int(self.band_ids.size)
        self.results["steps"] = settings.steps          # a restart may extend the run (--set)

    # ------------------------------------------------------------------ one interval
    def state(self) -> dict:
        """JSON of the run's progress for the checkpoint."""
        far_field = {"K_I_MPa_sqrt_m": self.settings.K_I_MPa_sqrt_m} if self.crack else {}
        return {"phase": "dynamics", "md": dict(self.md), "summary": self.run.summary, "far_field": far_field,
                "frames": self.n_frames}

    def measure(self, wall_s: float) -> dict:
        """One row of the time series at the current instant (collective)."""
        model = self.model
        u = model.displacements()
        v = model.atomistic.gather_velocities()
        # kinetic energies only: with a K-field the continuum carries the correction û alone,
        # so CoupledDynamics' total energy leaves out the far field's strain energy
        energy = self.dynamics.total_energy_eV()
        steps = int(self.md["steps_done"])
        row = {"step": steps, "time_ps": steps * self.dt_ps,
               "temperature_free_K": free_temperature_K(model, v, self.free),
               "atoms_kinetic_eV": energy["atoms_kinetic"], "continuum_kinetic_eV": energy["continuum_kinetic"],
               "wall_time_s": wall_s}
        if self.crack:
            tip = self.ramp.tip.position(u) - float(model.centre[0])
            row.update({"tip_x_A": tip if np.isfinite(tip) else None,
                        "broken_bonds": int(self.ramp.tip.broken(u).sum())})
        return row

    def guards(self, where: str, error: BaseException | None):
        """Numerical faults and lost atoms (collective); the fault or None."""

        model = self.model
        fault = numerical_fault(model, self.run.settings.force_limit_eV_per_A, where) or lost_atoms(model, where)
        if fault is None and error is not None:
            raise error
        return fault

    def tip_at_handshake(self, step: int):
        """The crack-tip-at-the-handshake fault at MD step ``step`` (a dislocation scenario:
        defective atoms at the handshake zone), or None (collective)."""

        if not self.crack:
            if self.settings.temperature_K > 0:
                # coordination and centrosymmetry of single snapshots flag thermal
                # displacements as defects (measured: Cu edge dislocation at 100 K)
                return None
            margin = (self.run.settings.handshake_margin_A if self.run.settings.handshake_margin_A is not None
                      else self.model.crystal.nearest_neighbour_A)
            return defects_near_handshake(self.model, margin, f"at MD step {step} (t = {step * self.dt_ps:.3f} ps)")
        tip = self.ramp.tip.position(self.model.displacements()) - float(self.model.centre[0])
        if not np.isfinite(tip):
            return None
        return crack_tip_near_handshake(self.ramp, tip, self.run.settings.handshake_margin_A,
                                        f"at MD step {step} (t = {step * self.dt_ps:.3f} ps)")

    def __call__(self) -> None:
        """Run the remaining MD steps interval by interval (collective); raises RunStopped."""

        run, settings = self.run, self.settings
        total = settings.steps
        log(run.comm, f"dynamics: {total} steps of {settings.timestep_fs:g} fs, method {settings.method}, "
                      f"T = {settings.temperature_K:g} K, damping band {self.band_ids.size} atoms"
                      + (f", K = {settings.K_I_MPa_sqrt_m:g} MPa·m^½ ({self.results['K_over_K_G']:.2f} K_G), "
                         f"c_R = {self.c_R_m_per_s:.0f} m/s" if self.crack else ""))
        if not self.rows:
            self.rows.append(self.measure(time.perf_counter() - run.start))
            self.output()
        if self.md.get("ended_at_handshake"):       # a restart of a run that ended there
            if settings.end_at_handshake:
                log(run.comm, "dynamics ended at the handshake zone before the restart: nothing to continue "
                              "(--set dynamics.end_at_handshake=false to go on)")
                return
            self.md["ended_at_handshake"] = False
            self.results.pop("ended", None)
        bar = ProgressBar(run.comm, total, int(self.md["steps_done"]), unit="MD step")
        try:
            self._run_intervals(bar)
        finally:
            bar.close()

    def _run_intervals(self, bar: ProgressBar) -> None:
        """The MD intervals left, each ended by its output (collective)."""
        run, model, settings = self.run, self.model, self.settings
        total = settings.steps
        while self.md["steps_done"] < total:
            start = int(self.md["steps_done"])
            end = min(start + settings.output_interval_steps, total)
            tip_fault = None
            while self.md["steps_done"] < end and tip_fault is None:
                done = int(self.md["steps_done"])
                name = run.signals.requested(run.comm)
                if name:
                    run.stop(Fault(f"stopped by {name}", EXIT_INTERRUPTED,
                                   f"{name} received: stopped after MD step {start} of {total}"),
                             self.n_frames + 1, {"md_step": start})
                n = min(self.guard_steps, end - done)
                where = f"in MD steps {done + 1}–{done + n}"
                error = None
                try:
                    self.dynamics.run(n)
                except Exception as exc:  # LAMMPS errors: the guards name the cause
                    error = exc
                fault = self.guards(where, error)
                if fault is not None:
                    run.stop(fault, self.n_frames + 1, {"md_step": done})
                self.md["steps_done"] = done + n
                bar.reach(done + n)
                self.md["lammps_step"] = int(model.atomistic.lmp.extract_global("ntimestep"))
                tip_fault = self.tip_at_handshake(done + n)
                ends = (self.crack and settings.end_at_handshake) or run.settings.defect_near_handshake == "stop"
                if tip_fault is not None and not ends:
                    if not self.md.get("warned_at_handshake"):
                        run.warn(tip_fault.message)
                        self.md["warned_at_handshake"] = True
                    tip_fault = None
            self.rows.append(self.measure(time.perf_counter() - run.start))
            self.output()
            if tip_fault is not None:
                if settings.end_at_handshake and self.crack:
                    self.md["ended_at_handshake"] = True
                    self.results["ended"] = {"reason": "crack tip reached the handshake zone",
                                             "message": tip_fault.message, "md_step": int(self.md["steps_done"])}
                    self.summarise()
                    run.checkpoints.capture(self.n_frames, self.state(), capture_dynamics(self.dynamics))
                    log(run.comm, f"dynamics ended: {tip_fault.message}")
                    return
                run.stop(tip_fault, self.n_frames, {"md_step": int(self.md["steps_done"])})
        self.results["ended"] = {"reason": "all steps done", "md_step": int(self.md["steps_done"])}
        self.summarise()

    def output(self) -> None:
        """Frame, summary, log line, plot and checkpoint capture for the last row (collective)."""

        run, row = self.run, self.rows[-1]
        run.write_frame(self.n_frames, {k: v for k, v in row.items() if v is not None}, row["time_ps"], always=True)
        self.n_frames += 1
        self.summarise()
        tip = "" if not self.crack else (f"  tip {row['tip_x_A']:+7.2f} Å" if row["tip_x_A"] is not None
                                         else "  tip  none")
        log(run.comm, f"MD step {row['step']}/{self.settings.steps}  t = {row['time_ps']:.3f} ps{tip}  "
                      f"T_free {row['temperature_free_K']:7.1f} K  kinetic {row['atoms_kinetic_eV']:.3f} eV  "
                      f"{row['wall_time_s']:.1f} s")
        run.checkpoints.capture(self.n_frames, self.state(), capture_dynamics(self.dynamics))

    def summarise(self) -> None:
        """Tip speeds (crack), summary.json and the plot from the rows so far."""

        run = self.run
        if self.crack:
            t = [r["time_ps"] for r in self.rows]
            x = [np.nan if r["tip_x_A"] is None else r["tip_x_A"] for r in self.rows]
            speeds = interval_speeds_A_per_ps(t, x)
            for r, s in zip(self.rows, speeds):
                r["tip_speed_A_per_ps"] = None if not np.isfinite(s) else float(s)
            v = running_speed_A_per_ps(t, x)
            finite = speeds[np.isfinite(speeds)]
            self.results.update({
                "tip_advance_A": float(np.nanmax(x) - x[0]) if np.isfinite(x[0]) else None,
                "tip_speed_A_per_ps": v, "tip_speed_m_per_s": None if v is None else v * A_PER_PS_TO_M_PER_S,
                "max_interval_speed_m_per_s": float(finite.max()) * A_PER_PS_TO_M_PER_S if finite.size else None,
                "tip_speed_over_rayleigh": None if v is None else v * A_PER_PS_TO_M_PER_S / self.c_R_m_per_s})
            if run.directory.writer:

                plot_tip_history(t, x, speeds, self.c_R_m_per_s, run.directory.path / "crack_tip_history.png",
                                 f"{run.scenario.name}: K = {self.settings.K_I_MPa_sqrt_m:g} MPa m^1/2",
                                 None if v is None else v * A_PER_PS_TO_M_PER_S)
        run.write_summary()

"""Quasi-static K ramp of a coupled crack model: loading, unloading, K+ and K−.

At each step the anisotropic K-field of the current K is imposed on the coupled model
(atoms move by the change of the field, so the relaxed crack of the previous step is the
starting point) and atoms and continuum are relaxed together. The tip is tracked by bond
breaking across the crack plane (:class:`~handshake.fracture.tip.BondBreakingTip`).

Lattice trapping (Thomson, Hsieh & Rana, J. Appl. Phys. 42 (1971) 3154): a crack in a
lattice stays put for K− < K < K+, with K− ≤ K_G ≤ K+. K+ is the first K of the loading
branch at which the tip has advanced by at least one row of bonds from where it started;
K− the first K of the unloading branch at which it has receded by at least one row from
where unloading started.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

import numpy as np
from ase import Atoms

from ..coupling.geometry import PAD
from ..coupling.model import check_relaxation_settings
from ..errors import DefectAtHandshake, NotConverged
from .griffith import cleavage_surface_energy, griffith_k
from .tip import BondBreakingTip, TipNeighbourhood


@dataclass
class KStep:
    """State after one relaxed load step."""

    K_MPa_sqrt_m: float
    branch: str                 #: "loading" or "unloading"
    tip_x_A: float              #: bond-breaking tip, relative to the K-field's tip, Å
    broken_bonds: int           #: watched bonds across the crack plane that are broken
    max_residual_eV_per_A: float
    converged: bool
    iterations: int
    energy_eV: float            #: potential energy of the free atoms (core + handshake), eV
    wall_time_s: float
    #: bonds formed or broken near the tip in this step, other than across the crack plane
    #: (:class:`~handshake.fracture.tip.TipNeighbourhood`): a rearrangement of the tip
    tip_bonds_switched: int = 0


@dataclass
class RampResult:
    """Steps of a K ramp and the critical values found on them (None if not reached)."""

    K_G_MPa_sqrt_m: float
    row_spacing_A: float
    steps: list[KStep] = field(default_factory=list)
    K_plus_MPa_sqrt_m: float | None = None
    K_minus_MPa_sqrt_m: float | None = None
    #: the tip came within a bond row of the handshake zone: the crack was stopped by the
    #: continuum rather than by the lattice, and K− (measured from there) is not reliable
    tip_reached_handshake: bool = False
    #: first loading K (before K+, or without one) at which the tip's bond network changed
    #: other than by cleavage, MPa·m^½: K+ and K− after it belong to the rearranged tip
    tip_rearranged_at_K_MPa_sqrt_m: float | None = None

    @property
    def K_plus_over_K_G(self) -> float | None:
        return None if self.K_plus_MPa_sqrt_m is None else self.K_plus_MPa_sqrt_m / self.K_G_MPa_sqrt_m

    @property
    def K_minus_over_K_G(self) -> float | None:
        return None if self.K_minus_MPa_sqrt_m is None else self.K_minus_MPa_sqrt_m / self.K_G_MPa_sqrt_m

    def column(self, name: str) -> np.ndarray:
        """One field of every step as an array, e.g. ``column("tip_x_A")``."""
        return np.array([getattr(s, name) for s in self.steps])

    def to_dict(self) -> dict:
        return {"K_G_MPa_sqrt_m": self.K_G_MPa_sqrt_m, "row_spacing_A": self.row_spacing_A,
                "K_plus_MPa_sqrt_m": self.K_plus_MPa_sqrt_m, "K_minus_MPa_sqrt_m": self.K_minus_MPa_sqrt_m,
                "K_plus_over_K_G": self.K_plus_over_K_G, "K_minus_over_K_G": self.K_minus_over_K_G,
                "tip_reached_handshake": self.tip_reached_handshake,
                "tip_rearranged_at_K_MPa_sqrt_m": self.tip_rearranged_at_K_MPa_sqrt_m,
                "steps": [asdict(s) for s in self.steps]}


class QuasiStaticKRamp:
    """Load a coupled crack model by K steps and find where the crack advances and heals.

    Parameters
    ----------
    model : CoupledModel
        Built with ``CoupledGeometry(crack=True)``: the crack runs along −x from the
        model's centre, faces normal to lab y.
    fmax_eV_per_A : float
        Force tolerance of each relaxation, eV/Å.
    max_iterations : int
        Iteration cap of each relaxation.
    threshold : float
        Bond-breaking criterion, current / reference bond length.
    surface_energy_J_per_m2 : float, optional
        γ of the cleavage surface for K_G; default the potential's relaxed γ of the
        crack plane's family.
    K_II_over_K_I, K_III_over_K_I : float
        Mode mixity of a proportional ramp: every step imposes K_II = ``K_II_over_K_I`` × K_I
        (the in-plane phase angle ψ = atan of it) and K_III = ``K_III_over_K_I`` × K_I
        (anti-plane; the front must be normal to a mirror plane of the crystal). K values,
        K+, K− and K_G are those of mode I; at a mixity other than 0 the Griffith load
        falls below K_G (the energy release rate has mode II and III parts).

    Examples
    --------
    >>> ramp = QuasiStaticKRamp(model)
    >>> result = ramp.run(loading=np.arange(0.5, 1.6, 0.05), unloading=np.arange(1.5, 0.0, -0.1))
    >>> result.K_plus_MPa_sqrt_m, result.K_plus_over_K_G
    """

    def __init__(self, model, fmax_eV_per_A: float = 1e-4, max_iterations: int = 20000,
                 threshold: float = 1.5, surface_energy_J_per_m2: float | None = None, K_II_over_K_I: float = 0.0,
                 K_III_over_K_I: float = 0.0):

        if not model.geometry.crack:
            raise ValueError("the model has no crack: build it with CoupledGeometry(crack=True)")
        check_relaxation_settings(fmax_eV_per_A, max_iterations)
        if not (np.isfinite(threshold) and threshold > 1.0):
            raise ValueError(f"threshold must be a bond stretch ratio > 1, got {threshold!r}")
        if surface_energy_J_per_m2 is not None and not (np.isfinite(surface_energy_J_per_m2)
                                                        and surface_energy_J_per_m2 > 0):
            raise ValueError(f"surface_energy_J_per_m2 must be > 0 J/m², got {surface_energy_J_per_m2!r}")
        for name, mixity in (("K_II_over_K_I", K_II_over_K_I), ("K_III_over_K_I", K_III_over_K_I)):
            if not np.isfinite(mixity):
                raise ValueError(f"{name} must be a finite number, got {mixity!r}")
        self.model = model
        self.fmax_eV_per_A = fmax_eV_per_A
        self.max_iterations = max_iterations
        self.K_II_over_K_I = float(K_II_over_K_I)
        self.K_III_over_K_I = float(K_III_over_K_I)
        self.field(1.0)             # refuses mode III in an orientation that couples it to the plane
        reference = Atoms(positions=model.reference_positions, cell=[1.0, 1.0, model.crystal.period_z_A],
                          pbc=(False, False, True))
        self.free = model.atom_region != PAD
        self.tip = BondBreakingTip(reference, model.centre[1], model.crystal.nearest_neighbour_A,
                                   watched=self.free, threshold=threshold)
        self.neighbourhood = TipNeighbourhood(model.reference_positions, model.crystal.period_z_A, model.centre[1],
                                              self.free, model.crystal.first_shell_cutoff_A)
        gamma = (cleavage_surface_energy(model.properties, model.orientation[1])
                 if surface_energy_J_per_m2 is None else surface_energy_J_per_m2)
        self.K_G_MPa_sqrt_m = griffith_k(model.properties.C_voigt_GPa, model.orientation, gamma)
        #: where the handshake zone begins along the crack line, relative to the tip, Å
        self.handshake_edge_A = model.geometry.atomistic_radius_A - model.geometry.handshake_width_A

    def field(self, K_MPa_sqrt_m: float):
        """The K-field of the ramp at mode-I load K (MPa·m^½), with its mode II and III parts."""
        return self.model.k_field(K_MPa_sqrt_m, self.K_II_over_K_I * K_MPa_sqrt_m,
                                  self.K_III_over_K_I * K_MPa_sqrt_m)

    def step(self, K_MPa_sqrt_m: float, branch: str = "loading") -> KStep:
        """Impose K (from the current state), relax, and measure (collective)."""
        model = self.model
        start = time.perf_counter()
        model.apply(self.field(K_MPa_sqrt_m))
        result = model.relax(self.fmax_eV_per_A, self.max_iterations)
        u = model.displacements()
        energy = float(model.atomistic.gather_energies()[self.free].sum())
        tip = self.tip.position(u)
        return KStep(float(K_MPa_sqrt_m), branch, tip - float(model.centre[0]),
                     int(self.tip.broken(u).sum()), float(result.max_residual_force_eV_per_A),
                     bool(result.converged), int(result.iterations), energy, time.perf_counter() - start,
                     self.neighbourhood.switched(u, tip))

    def resume(self) -> None:
        """Take the model's current state as that of the last completed step (a restart
        from a checkpoint): the tip's neighbourhood is read from it, so that the next step
        counts the bonds switched since then as an uninterrupted ramp does (collective)."""
        u = self.model.displacements()
        self.neighbourhood.switched(u, self.tip.position(u))

    def run(self, loading, unloading=(), callback=None, completed=(), check=None, before_step=None) -> RampResult:
        """Step K through ``loading`` then ``unloading`` (each in the order given).

        Parameters
        ----------
        loading, unloading : sequences of float
            K values, MPa·m^½; steps should be small enough to follow the crack.
        callback : callable, optional
            Called with each :class:`KStep` as soon as it is done (logging, output).
        completed : sequence of KStep, optional
            Steps already done by an earlier run whose state the model holds now (a
            restart): they count for K+ and K−, and only the K values beyond the last of
            them are run (see :func:`remaining_values`).
        check : callable, optional
            ``check(K, branch, step, error)`` after each relaxation, with the new
            :class:`KStep` (``error`` None) or the exception that ended the relaxation
            (``step`` None); it raises to end the ramp before the step is recorded
            (run-time guards, :mod:`handshake.studies.guards`). Default
            (:meth:`tip_guard`): the ramp stops with :class:`~handshake.errors.NotConverged`
            at a step that missed ``fmax_eV_per_A`` and with
            :class:`~handshake.errors.DefectAtHandshake` when the tip comes within one bond
            row of the handshake zone, as ``handshake run`` does.
        before_step : callable, optional
            Called with the number of steps done before each new step; it raises to
            end the ramp there (a requested stop).

        Returns
        -------
        RampResult
        """
        for name, values in (("loading", loading), ("unloading", unloading)):
            values = np.asarray(values, dtype=float)
            if values.ndim != 1 or not np.all(np.isfinite(values)) or np.any(values < 0):
                raise ValueError(f"{name} must be a sequence of finite K_I ≥ 0 MPa·m^½, got {values!r}")
        if len(loading) == 0:
            raise ValueError("loading has no K values")
        check = self.tip_guard if check is None else check
        out = RampResult(self.K_G_MPa_sqrt_m, self.tip.row_spacing_A)
        out.steps.extend(completed)
        loading, unloading = remaining_values(loading, unloading, out.steps)
        for branch, values in (("loading", loading), ("unloading", unloading)):
            for K in values:
                if before_step is not None:
                    before_step(len(out.steps))
                try:
                    s = self.step(K, branch)
                except Exception as exc:
                    if check is not None:
                        check(K, branch, None, exc)
                    raise
                if check is not None:
                    check(K, branch, s, None)
                out.steps.append(s)
                if callback is not None:
                    callback(s)
        self.critical_values(out)
        return out

    def critical_values(self, out: RampResult) -> RampResult:
        """Fill K+, K− and ``tip_reached_handshake`` of ``out`` from its steps."""
        # a bond row is "passed" when the tip moved by at least one spacing (less a margin
        # for the round-off of the tabulated row positions)
        step_A = 0.99 * self.tip.row_spacing_A
        out.K_plus_MPa_sqrt_m = out.K_minus_MPa_sqrt_m = None
        out.tip_reached_handshake = False
        for branch in ("loading", "unloading"):
            first_tip = None
            for s in (s for s in out.steps if s.branch == branch):
                first_tip = s.tip_x_A if first_tip is None else first_tip
                advance = s.tip_x_A - first_tip
                if branch == "loading":
                    if out.K_plus_MPa_sqrt_m is None and advance >= step_A:
                        out.K_plus_MPa_sqrt_m = s.K_MPa_sqrt_m
                    out.tip_reached_handshake |= self.near_handshake(s.tip_x_A)
                elif out.K_minus_MPa_sqrt_m is None and -advance >= step_A:
                    out.K_minus_MPa_sqrt_m = s.K_MPa_sqrt_m
        out.tip_rearranged_at_K_MPa_sqrt_m = None
        for s in (s for s in out.steps if s.branch == "loading"):
            if out.K_plus_MPa_sqrt_m is not None and s.K_MPa_sqrt_m >= out.K_plus_MPa_sqrt_m:
                break
            if s.tip_bonds_switched:
                out.tip_rearranged_at_K_MPa_sqrt_m = s.K_MPa_sqrt_m
                break
        return out

    def tip_guard(self, K: float, branch: str, step, error) -> None:
        """The default ``check`` of :meth:`run`, the command line's guards: a step that missed
        the force tolerance (:class:`~handshake.errors.NotConverged`) or a tip within one
        bond row of the handshake zone (:class:`~handshake.errors.DefectAtHandshake`) ends
        the ramp before the step is recorded."""
        if step is not None and not step.converged:
            raise NotConverged(f"relaxation did not converge at K = {K:.3f} MPa·m^½ ({branch}): residual "
                               f"{step.max_residual_eV_per_A:.2e} eV/Å > fmax {self.fmax_eV_per_A:.1e} after "
                               f"{step.iterations} iterations; raise max_iterations or make the K step smaller")
        if step is not None and self.near_handshake(step.tip_x_A):
            raise DefectAtHandshake(f"crack tip reached the handshake zone at K = {K:.3f} MPa·m^½ ({branch}): "
                                    f"tip at x = {step.tip_x_A:+.2f} Å, handshake zone from "
                                    f"{self.handshake_edge_A:.2f} Å; enlarge the atomistic radius")

    def near_handshake(self, tip_x_A: float, margin_A: float | None = None) -> bool:
        """Whether a tip at ``tip_x_A`` (relative to the K-field's tip, Å) is within
        ``margin_A`` (default one bond row) of the handshake zone."""
        margin_A = self.tip.row_spacing_A if margin_A is None else margin_A
        return bool(tip_x_A >= self.handshake_edge_A - margin_A)


def remaining_values(loading, unloading, completed) -> tuple[list[float], list[float]]:
    """K values of a ramp still to run after the steps ``completed`` (a restart).

    On the branch the completed steps ended on, only values beyond the last completed K
    in the branch's direction remain, so a restart may use a different step size: a
    loading ramp stopped after 0.6 and restarted with ``step = 0.02`` continues at 0.62.

    Returns
    -------
    loading, unloading : lists of float, MPa·m^½
    """
    loading, unloading = list(loading), list(unloading)
    if not completed:
        return loading, unloading
    last = completed[-1]
    if last.branch == "loading":
        return [K for K in loading if K > last.K_MPa_sqrt_m + 1e-12], unloading
    return [], [K for K in unloading if K < last.K_MPa_sqrt_m - 1e-12]

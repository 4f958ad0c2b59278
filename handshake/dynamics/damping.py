"""Langevin bands: stadium damping of the fine-scale motion near the interface, thermostats.

A wave shorter than the mesh can carry is reflected at the handshake; the stadium
damping of Holian & Ravelo (PRB 51 (1995) 11275) absorbs it in a band of atoms where a
friction coefficient γ(x) ramps up towards the pad. To let the long waves the continuum
does carry pass unharmed, the friction acts only on the *fine-scale* velocity

    v′_i = v_i − v̄(X_i),

where v̄ is a local quadratic least-squares fit of the velocities of the surrounding atoms
with Gaussian weights (a moving-least-squares filter of width σ): a smooth field is
reproduced to O((kσ)⁶), a wave of a few atomic spacings is almost entirely fine scale.
At temperature T the band is a Langevin bath (fluctuation–dissipation, Schneider &
Stoll, PRB 17 (1978) 1302): F_i = −m_i γ_i v′_i + √(2 m_i γ_i k_B T / Δt) ξ_i.

With no filter the same class is a Langevin thermostat on the full velocities.

The random numbers are drawn for the whole band on every rank from (seed, step), so a run
is identical on any number of MPI ranks.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.spatial import cKDTree

from ..continuum import EV_PER_A_AMU_TO_A_PER_PS2
from .time_coupling import KB_EV_PER_K, gather_rows, slot_map


def moving_least_squares_filter(points_A: np.ndarray, sources_A: np.ndarray, width_A: float,
                                degree: int = 2, reach: float = 3.0) -> sp.csr_matrix:
    """Matrix S with (S v)_i = value at ``points_A[i]`` of the local weighted polynomial fit to v.

    Parameters
    ----------
    points_A : (n, d) array
        Where the smooth field is wanted, Å.
    sources_A : (m, d) array
        Where the field is sampled, Å.
    width_A : float
        σ of the Gaussian weights, Å.
    degree : {1, 2}
        Polynomial degree of the local fit.
    reach : float
        Sources beyond ``reach`` σ are ignored.

    Returns
    -------
    sparse (n, m)
        Rows sum to one; polynomials up to ``degree`` are reproduced exactly.
    """
    points_A = np.asarray(points_A, dtype=float).reshape(len(points_A), -1)
    sources_A = np.asarray(sources_A, dtype=float).reshape(len(sources_A), -1)
    tree = cKDTree(sources_A)
    rows, cols, vals = [], [], []
    for i, p in enumerate(points_A):
        near = np.asarray(tree.query_ball_point(p, reach * width_A), dtype=int)
        d = (sources_A[near] - p) / width_A
        w = np.exp(-0.5 * np.sum(d ** 2, axis=1))
        basis = [np.ones(len(near))] + [d[:, k] for k in range(d.shape[1])]
        if degree >= 2:
            basis += [d[:, k] * d[:, l] for k in range(d.shape[1]) for l in range(k, d.shape[1])]
        Phi = np.column_stack(basis)
        A = Phi.T @ (w[:, None] * Phi)
        coeff = np.linalg.lstsq(A, Phi.T * w, rcond=None)[0]
        rows.append(np.full(len(near), i))
        cols.append(near)
        vals.append(coeff[0])
    return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                         shape=(len(points_A), len(sources_A)))


class LangevinBand:
    """Friction (and, at T > 0, noise) on a set of atoms, applied every MD step.

    Parameters
    ----------
    region : AtomisticRegion
    ids : (n,) int
        Atoms of the band.
    gamma_per_ps : float or (n,) array
        Friction coefficient γ of each band atom, 1/ps.
    timestep_ps : float
        MD time step Δt, ps (sets the noise amplitude).
    temperature_K : float
        Bath temperature; 0 for pure damping.
    seed : int
    filter_ids : (m,) int, optional
        Atoms whose velocities define the smooth field v̄ (a superset of the band reaching
        ``reach`` σ inwards). None: the friction acts on the full velocity.
    filter_width_A : float
        σ of the filter, Å.
    axes : tuple of int
        Coordinates the filter uses: (0,) for a quasi-1D strip, (0, 1) for a quasi-2D slab.

    Notes
    -----
    Call it from inside an exchange step (``region.attach(band)`` or
    ``CoupledDynamics.add_observer(band)``); the velocities seen there are the half-step
    velocities of velocity Verlet, as in LAMMPS's own ``fix langevin``.
    """

    def __init__(self, region, ids, gamma_per_ps, timestep_ps: float, temperature_K: float = 0.0, seed: int = 1,
                 filter_ids=None, filter_width_A: float = 4.0, axes: tuple[int, ...] = (0, 1)):
        self.region = region
        self.comm = region.comm
        self.ids = np.asarray(ids, dtype=np.int64)
        self.gamma = np.broadcast_to(np.asarray(gamma_per_ps, dtype=float), self.ids.shape).copy()
        self.dt = float(timestep_ps)
        self.temperature_K = float(temperature_K)
        self.seed = int(seed)
        masses = region.masses_amu[self.ids - 1]
        # m γ in eV·ps/Å² (force = −m γ v in eV/Å with v in Å/ps)
        self._friction = (masses * self.gamma / EV_PER_A_AMU_TO_A_PER_PS2)[:, None]
        self._noise = np.sqrt(2.0 * self._friction * KB_EV_PER_K * self.temperature_K / self.dt)
        self._slot = slot_map(self.ids, region.natoms)
        self.filter_ids = None if filter_ids is None else np.asarray(filter_ids, dtype=np.int64)
        if self.filter_ids is not None:
            X = region.reference_positions
            self._filter_slot = slot_map(self.filter_ids, region.natoms)
            self.S = moving_least_squares_filter(X[self.ids - 1][:, list(axes)], X[self.filter_ids - 1][:, list(axes)],
                                                 filter_width_A)
        self.group = f"hs_band_{id(self) % 10**8}"
        region.define_group(self.group, self.ids)
        if self.filter_ids is not None:
            region.define_group(self.group + "_filter", self.filter_ids)

    def fine_velocities(self, step) -> tuple[np.ndarray, np.ndarray]:
        """Local rows of the band and their fine-scale velocities v − v̄, Å/ps."""
        local = step.local_indices(self.group)
        v = step.v[local]
        if self.filter_ids is None:
            return local, v
        mine = step.local_indices(self.group + "_filter")
        v_all = gather_rows(self.comm, self._filter_slot[step.ids[mine]], step.v[mine], self.filter_ids.size)
        smooth = self.S @ v_all
        return local, v - smooth[self._slot[step.ids[local]]]

    def __call__(self, step) -> None:
        local, v = self.fine_velocities(step)
        slots = self._slot[step.ids[local]]
        force = -self._friction[slots] * v
        if self.temperature_K > 0.0:
            xi = np.random.default_rng([self.seed, int(step.step)]).standard_normal((self.ids.size, 3))
            force += self._noise[slots] * xi[slots]
        step.add_forces(local, force)


def stadium_ramp(distance_A: np.ndarray, width_A: float, gamma_max_per_ps: float) -> np.ndarray:
    """γ(d) = γ_max (1 − d/W)² for 0 ≤ d < W, zero beyond: ``distance_A`` is measured from the
    outer edge of the band inwards (Holian & Ravelo's smooth stadium profile), 1/ps."""
    s = np.clip(1.0 - np.asarray(distance_A, dtype=float) / width_A, 0.0, 1.0)
    return gamma_max_per_ps * s ** 2

"""Intrinsic stacking-fault energy of an fcc crystal and the elastic dissociation width.

γ_isf is computed with the potential: a periodic stack of {111} planes whose cell
vector normal to the planes is tilted by one Shockley partial a/6⟨112⟩, so the stack
holds exactly one intrinsic fault; atoms relax normal to the fault only (the standard
generalised-stacking-fault constraint, Vitek, Phil. Mag. 18 (1968) 773).

The equilibrium width of a dissociated dislocation in linear anisotropic elasticity
balances the partials' repulsion against the fault's tension, d = (b₁·K·b₂) / (2π γ)
(Hirth & Lothe 2nd ed. §10-5, §13-5), with b₁·K·b₂ / (2π d) read here as the
Peach–Koehler glide force that partial 1's Stroh field exerts on partial 2 at distance d.
"""

from __future__ import annotations

import numpy as np
from ase.units import GPa, J, m

from ..atomistic.crystal import oriented_crystal
from ..atomistic.region import AtomisticRegion
from ..continuum.elasticity import rotate_stiffness
from ..continuum.fields import StrohDislocation

EV_PER_A2_TO_MJ_PER_M2 = 1e3 / (J / m**2)


def intrinsic_stacking_fault_energy(potential, element: str, a0_A: float, layers: int = 12, comm=None) -> float:
    """Relaxed intrinsic stacking-fault energy of fcc ``element``, mJ/m²."""
    directions = [[1, -1, 0], [1, 1, -2], [1, 1, 1]]
    perfect = oriented_crystal("fcc", element, a0_A, directions, size=(2, 1, layers))
    faulted = perfect.copy()
    cell = faulted.cell.array.copy()
    cell[2, 1] += a0_A / np.sqrt(6.0)  # one a/6[11-2] partial across the periodic boundary
    faulted.set_cell(cell, scale_atoms=False)
    energies = []
    for atoms in (perfect, faulted):
        with AtomisticRegion(atoms, potential, comm=comm) as region:
            region.command("fix hs_sf_normal all setforce 0.0 0.0 NULL")
            region.minimize(1e-8, max_iterations=2000)
            energies.append(region.compute())
    area = np.linalg.norm(np.cross(perfect.cell[0], perfect.cell[1]))
    return (energies[1] - energies[0]) / area * EV_PER_A2_TO_MJ_PER_M2


def partial_interaction_eV_per_A(C_voigt_GPa, orientation, b1_A, b2_A, line, slip_plane,
                                 distance_A: float = 10.0) -> float:
    """Glide force per length of partial 1 on partial 2 at ``distance_A`` ahead, times
    the distance: b₁·K·b₂ / (2π), eV/Å (independent of the distance)."""
    field = StrohDislocation(C_voigt_GPa, orientation, b1_A, line, slip_plane)
    C = rotate_stiffness(C_voigt_GPa, orientation) * GPa
    # displacement gradient by central differences of the Stroh field just above the plane
    h = 1e-4
    point = np.array([[distance_A, 1e-6]])
    grad = np.zeros((3, 3))
    for j in range(2):
        dp = np.zeros((1, 2))
        dp[0, j] = h
        grad[:, j] = (field.displacements(point + dp)[0] - field.displacements(point - dp)[0]) / (2 * h)
    e = 0.5 * (grad + grad.T)
    ev = np.array([e[0, 0], e[1, 1], e[2, 2], 2 * e[1, 2], 2 * e[0, 2], 2 * e[0, 1]])
    s = C @ ev
    sigma = np.array([[s[0], s[5], s[4]], [s[5], s[1], s[3]], [s[4], s[3], s[2]]])
    b2_lab = np.asarray(orientation, float) / np.linalg.norm(orientation, axis=1)[:, None] @ np.asarray(b2_A, float)
    # Peach–Koehler: f = (σ·b) × ξ; with ξ = z and n = y the glide component is (σ·b)_y
    return float((sigma @ b2_lab)[1] * distance_A)


def elastic_dissociation_width_A(C_voigt_GPa, orientation, a0_A: float, gamma_mJ_per_m2: float,
                                 b1=(1 / 6, -2 / 6, 1 / 6), b2=(2 / 6, -1 / 6, -1 / 6)) -> float:
    """Equilibrium partial spacing of a dissociated fcc dislocation, Å.

    Default partials: a/6[1-21] + a/6[2-1-1] = a/2[1-10] on (111), line [-1-12]
    (the edge dislocation of ``scenarios/edge_dislocation_Cu.toml``).
    """
    orientation = np.asarray(orientation)
    force_times_d = partial_interaction_eV_per_A(C_voigt_GPa, orientation, np.asarray(b1) * a0_A,
                                                 np.asarray(b2) * a0_A, orientation[2], orientation[1])
    return force_times_d / (gamma_mJ_per_m2 / EV_PER_A2_TO_MJ_PER_M2)

"""A composition field c(y) in the continuum: Vegard eigenstrain and interpolated stiffness.

The seed model of DESIGN.md §4: F(c, ε) = f(c) + ½ (ε − ε⁰(c)) : C(c) : (ε − ε⁰(c)), with
the isotropic Vegard eigenstrain ε⁰(c) = (a(c) − a_ref)/a_ref · I, a(c) linear between
the end members, and C(c) interpolated linearly between them.

Here the composition varies along lab y only (a solute-enriched band parallel to the
glide plane, or a gradient across it), embedded in material of the reference
composition. For such a laminate the exact elastic state is known: the in-plane strains
ε_xx, ε_zz, ε_xz are those of the surroundings (zero), the normal tractions σ_yy, σ_xy,
σ_yz vanish, so at each y the strains ε_yy, ε_xy, ε_yz solve a 3×3 system with the local
C(c(y)). The displacement u(y) = ∫ ε dy is applied as an analytic far field, like the
dislocation's Stroh field; atoms on each site are drawn with the local composition.

Limitations: the finite-element correction uses the homogeneous effective-medium
stiffness, so inside the band the continuum's response to *further* loads is that of
the reference composition (first order in the composition contrast).
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import cumulative_trapezoid

from ..continuum.elasticity import rotate_stiffness
from .solid_solution import site_uniforms

#: Voigt rows of the free strains (yy, yz, xy) — engineering shears — and of the
#: constrained ones (xx, zz, xz)
_FREE, _FIXED = [1, 3, 5], [0, 2, 4]


class CompositionBand:
    """Composition c(y) = c_ref + Δc · profile(y) between two end members A (c = 0) and B (c = 1).

    Parameters
    ----------
    a_A, a_B : float
        Lattice parameters of the end members (or of effective media), Å.
    C_A_GPa, C_B_GPa : (6, 6) arrays
        Their elastic constants in the crystal frame, GPa.
    orientation : (3, 3) ints
        Crystal directions along lab x, y, z.
    c_reference : float
        Composition (fraction of B) of the surrounding material.
    c_band : float
        Composition in the middle of the band.
    centre_y_A, half_width_A, interface_A : float
        Band centre, half width and interface width (tanh profile), Å.
    """

    def __init__(self, a_A, a_B, C_A_GPa, C_B_GPa, orientation, c_reference, c_band, centre_y_A, half_width_A,
                 interface_A=2.0, samples=801):
        self.a = (float(a_A), float(a_B))
        self.C_lab = (rotate_stiffness(C_A_GPa, orientation), rotate_stiffness(C_B_GPa, orientation))
        self.c_reference, self.c_band = float(c_reference), float(c_band)
        self.centre, self.half_width, self.interface = float(centre_y_A), float(half_width_A), float(interface_A)
        reach = self.half_width + 10 * self.interface
        self._y = np.linspace(self.centre - reach, self.centre + reach, samples)
        self._u = cumulative_trapezoid(self._strain_gradients(self._y), self._y, axis=0, initial=0.0)

    def composition(self, y) -> np.ndarray:
        """c(y): fraction of end member B."""
        y = np.asarray(y, dtype=float)
        profile = 0.5 * (np.tanh((y - self.centre + self.half_width) / self.interface)
                         - np.tanh((y - self.centre - self.half_width) / self.interface))
        return self.c_reference + (self.c_band - self.c_reference) * profile

    def lattice_parameter_A(self, c) -> np.ndarray:
        """Vegard's law a(c), Å."""
        return (1 - np.asarray(c)) * self.a[0] + np.asarray(c) * self.a[1]

    def eigenstrain(self, c) -> np.ndarray:
        """ε⁰(c) relative to the surrounding material (isotropic)."""
        a_ref = self.lattice_parameter_A(self.c_reference)
        return (self.lattice_parameter_A(c) - a_ref) / a_ref

    def stiffness_GPa(self, c) -> np.ndarray:
        """C(c) in the lab frame, linear interpolation, GPa."""
        return (1 - c) * self.C_lab[0] + c * self.C_lab[1]

    def _strain_gradients(self, y) -> np.ndarray:
        """(n, 3) ∂u/∂y at heights y: u_x,y = γ_xy, u_y,y = ε_yy, u_z,y = γ_yz."""
        out = np.zeros((len(y), 3))
        for k, c in enumerate(self.composition(y)):
            C = self.stiffness_GPa(c)
            e0 = self.eigenstrain(c) * np.array([1, 1, 1, 0, 0, 0], dtype=float)
            # σ = C (ε − ε⁰); free rows must give zero traction; fixed strains are zero
            rhs = C[np.ix_(_FREE, range(6))] @ e0
            free = np.linalg.solve(C[np.ix_(_FREE, _FREE)], rhs)  # ε_yy, γ_yz, γ_xy
            out[k] = [free[2], free[0], free[1]]
        return out

    def displacements(self, points) -> np.ndarray:
        """(n, 3) displacement of the laminate's exact elastic state, Å (u = 0 below the band)."""
        y = np.asarray(points, dtype=float)[:, 1]
        u = np.column_stack([np.interp(y, self._y, self._u[:, k]) for k in range(3)])
        above = y > self._y[-1]
        if np.any(above):  # outside the band the strain is zero: u stays at its last value
            u[above] = self._u[-1]
        return u

    def stress_GPa(self, y) -> np.ndarray:
        """(n, 6) Voigt stress at heights y, GPa (σ_yy, σ_yz, σ_xy vanish by construction)."""
        grads = self._strain_gradients(np.atleast_1d(y))
        out = []
        for c, g in zip(self.composition(np.atleast_1d(y)), grads):
            eps = np.array([0.0, g[1], 0.0, g[2], 0.0, g[0]])
            e0 = self.eigenstrain(c) * np.array([1, 1, 1, 0, 0, 0], dtype=float)
            out.append(self.stiffness_GPa(c) @ (eps - e0))
        return np.array(out)

    def species(self, positions_A: np.ndarray, element_A: str, element_B: str, seed: int, grid_A: float) -> list:
        """A random solid solution with the local composition c(y) of each site."""
        u = site_uniforms(positions_A, grid_A, seed)
        c = self.composition(np.asarray(positions_A)[:, 1])
        return [element_B if ui < ci else element_A for ui, ci in zip(u, c)]

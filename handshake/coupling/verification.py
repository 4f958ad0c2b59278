"""Verification of a coupling method: the patch test.

A homogeneous deformation of the whole coupled model must be an equilibrium: every free
atom sees a perfect, homogeneously strained crystal (pad wide enough), and the continuum
carries the same affine field exactly. Spurious ("ghost") forces then measure the
coupling's consistency (Miller & Tadmor, MSMSE 17 (2009) 053001 §3; Luskin & Ortner,
Acta Numerica 22 (2013) 397 §7). The relaxation part starts from randomly perturbed free
atoms and checks that the method returns to the homogeneous state.
"""

from __future__ import annotations

import numpy as np

from .geometry import CoupledGeometry
from .model import CoupledModel

#: Orientations (lab x, y, z) used per lattice: z is a close-packed line direction.
PATCH_ORIENTATIONS = {
    "fcc": [[1, -1, 0], [1, 1, 1], [-1, -1, 2]],
    "bcc": [[1, 1, -2], [-1, 1, 0], [1, 1, 1]],
    "diamond": [[1, 1, -2], [1, 1, 1], [1, -1, 0]],
}

#: Named displacement gradients of 1 % (third column zero: quasi-2D).
PATCH_STRAINS = {
    "uniaxial": [[0.01, 0, 0], [0, 0, 0], [0, 0, 0]],
    "biaxial": [[0.01, 0, 0], [0, 0.01, 0], [0, 0, 0]],
    "shear": [[0, 0.005, 0], [0.005, 0, 0], [0, 0, 0]],
    "antiplane": [[0, 0, 0], [0, 0, 0], [0.01, 0.005, 0]],
}


def patch_geometry(cutoff_A: float, spacing_A: float) -> CoupledGeometry:
    """A small model: atomistic radius of two ranges plus the handshake."""
    handshake = 2.0 * spacing_A
    return CoupledGeometry(atomistic_radius_A=2.0 * cutoff_A + handshake, handshake_width_A=handshake,
                           outer_radius_A=150.0)


def patch_test(model: CoupledModel, gradient, fmax_eV_per_A: float = 1e-6, rattle_A: float = 0.02,
               seed: int = 0) -> dict:
    """Apply the affine field of ``gradient`` to ``model``; measure ghost forces and the
    return to the homogeneous state after relaxing from perturbed free atoms (collective).

    Returns
    -------
    dict
        ``max_ghost_force_eV_per_A`` (largest force on any free atom, pad atom or
        continuum node in the exact homogeneous state), ``max_displacement_error_A`` (largest
        distance from the homogeneous state after relaxation), ``converged``.
    """
    model.apply(model.homogeneous_strain(gradient))
    model.place_on_applied_field()
    exact = model.applied_displacements_atoms.copy()
    atoms, nodes = model.residual_forces()
    ghost = float(max(np.linalg.norm(atoms, axis=1).max(), np.linalg.norm(nodes, axis=1).max()))
    free = model.atomistic.group_ids("free")
    rng = np.random.default_rng(seed)
    model.atomistic.displace(free, rng.normal(scale=rattle_A, size=(free.size, 3)))
    result = model.relax(fmax_eV_per_A)
    error = float(np.linalg.norm(model.displacements() - exact, axis=1).max())
    return {"max_ghost_force_eV_per_A": ghost, "max_displacement_error_A": error,
            "converged": result.converged, "iterations": result.iterations,
            "max_residual_force_eV_per_A": result.max_residual_force_eV_per_A}

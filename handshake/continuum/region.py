"""The continuum region: mesh, material, constraints and solver state across load steps."""

from __future__ import annotations

import numpy as np
from ase.units import GPa

from .boundary import Constraints
from .elasticity import Material, element_stresses, lumped_mass, nodal_average, stiffness_matrix
from .output import frame_data
from .solvers import StaticSolver


class ContinuumRegion:
    """A linear elastic finite-element region that lives across load steps.

    The stiffness is assembled once; :meth:`factorise` caches the reduced factorisation
    for the current set of constrained DOFs, and :meth:`solve` answers new prescribed
    values and forces by back-substitution.

    Parameters
    ----------
    mesh : TriangleMesh or TetMesh
    material : Material
    thickness : float
        Out-of-plane thickness of a 2D (plane strain) mesh, Å.
    """

    def __init__(self, mesh, material: Material, thickness: float = 1.0):
        self.mesh, self.material, self.thickness = mesh, material, thickness
        self.K = stiffness_matrix(mesh, material, thickness)
        self.constraints = Constraints(mesh.n_dofs, mesh.dim)
        self.u = np.zeros(mesh.n_dofs)
        self._solver = None

    def mass(self) -> np.ndarray:
        """Lumped mass per DOF, amu (needs ``material.density``)."""
        if self.material.density is None:
            raise ValueError("the material has no density")
        return lumped_mass(self.mesh, self.material.density, self.thickness)

    def prescribe_field(self, field, nodes, components=None):
        """Prescribe the displacements of a far field (``field.displacements``) at ``nodes``."""
        u = field.displacements(self.mesh.evaluation_points(nodes))[:, :self.mesh.dim]
        comps = slice(None) if components is None else components
        self.constraints.prescribe(nodes, u[:, comps], components)
        self._solver = None

    def factorise(self, method: str = "auto") -> StaticSolver:
        """(Re)build the solver for the current constraints."""
        self._solver = StaticSolver(self.K, self.constraints, method=method, points=self.mesh.points)
        return self._solver

    def solve(self, forces=None, prescribed=None, tie_offsets=None) -> np.ndarray:
        """Solve, factorising on first use; store and return the displacements (n_dofs,), Å."""
        if self._solver is None:
            self.factorise()
        self.u = self._solver.solve(forces, prescribed, tie_offsets)
        return self.u

    def stresses_GPa(self, at: str = "cells") -> np.ndarray:
        """Voigt stresses, GPa, per cell or area-averaged at ``"nodes"``."""
        s = element_stresses(self.mesh, self.material, self.u) / GPa
        return nodal_average(self.mesh, s) if at == "nodes" else s

    def frame(self):
        """(point_data, cell_data) of the current state for :class:`~handshake.continuum.output.VTUSeries`."""
        return frame_data(self.mesh, self.material, self.u)

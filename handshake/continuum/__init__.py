"""Continuum region: graded P1 meshes, anisotropic linear elasticity, solvers, far fields.

Units are LAMMPS ``metal`` (Å, eV, ps, amu; stresses eV/Å³ inside, GPa to the user).
DOFs are node major: ``dof = dim * node + component``.
"""

from .boundary import Constraints, boundary_facets_on, node_dofs, stress_traction, traction_forces
from .elasticity import (EV_PER_A_AMU_TO_A_PER_PS2, Material, cubic_voigt, element_strains, element_stresses,
                         lumped_mass, mass_density, nodal_average, rotate_stiffness, stiffness_matrix)
from .fields import (HomogeneousStrain, KField, StrohDislocation, anti_plane_displacements, anti_plane_root,
                     plane_and_anti_plane_decouple, stress_intensity_from_metal, stress_intensity_to_metal)
from .interpolation import LeastSquaresTransfer, interpolation_matrix, locate, site_selection_matrix
from .mesh import (ATOMISTIC, CONTINUUM, HANDSHAKE, Disc, Rectangle, TetMesh, TriangleMesh, extrude,
                   graded_box_mesh, graded_mesh_2d, structured_rectangle_mesh, triangular_lattice)
from .output import VTUSeries, frame_data, write_vtu
from .region import ContinuumRegion
from .solvers import CentralDifference, StaticSolver, stable_time_step

import types as _types

__all__ = [_n for _n, _v in list(globals().items()) if not _n.startswith("_") and not isinstance(_v, _types.ModuleType)]

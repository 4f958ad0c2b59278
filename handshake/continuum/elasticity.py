"""P1 anisotropic linear elasticity: elastic constants, stiffness and mass, strains, stresses.

Units are LAMMPS ``metal``: lengths Å, energies eV, stresses eV/Å³ (1 GPa =
``ase.units.GPa`` eV/Å³ = 1/160.21766208 eV/Å³), masses amu, times ps. Voigt order is
xx, yy, zz, yz, xz, xy with engineering shear strains (γ = 2ε), as in
:mod:`matscipy.elasticity`. A 2D mesh is in plane strain and its matrices are per
``thickness`` (default 1 Å) along z.

Degrees of freedom are node major: ``dof = dim * node + component``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from ase.units import GPa, fs
from matscipy.elasticity import rotate_elastic_constants

#: acceleration of 1 eV/Å acting on 1 amu, in Å/ps² (≈ 9648.53, LAMMPS metal 1/ftm2v);
#: ase's time unit is Å·(amu/eV)^½, so 1 ps = 1000 fs ase units
EV_PER_A_AMU_TO_A_PER_PS2 = (1000.0 * fs) ** 2

#: Voigt rows of the in-plane strain components (xx, yy, xy)
PLANE = [0, 1, 5]


def rotate_stiffness(C_voigt, orientation) -> np.ndarray:
    """Elastic constants in the lab frame.

    Parameters
    ----------
    C_voigt : (6, 6) array
        Elastic constants in the crystal frame (any stress unit).
    orientation : (3, 3) array
        Rows are the crystal directions along lab x, y, z (e.g. ``[[1,1,-2],[1,1,1],[1,-1,0]]``);
        rows are normalised; they must be orthogonal and right handed.

    Returns
    -------
    (6, 6) array
        C'_ijkl = A_ia A_jb A_kc A_ld C_abcd with A the normalised orientation, in Voigt form.
    """
    A = np.asarray(orientation, dtype=float)
    A = A / np.linalg.norm(A, axis=1)[:, None]
    if not np.allclose(A @ A.T, np.eye(3), atol=1e-8):
        raise ValueError(f"orientation rows are not orthogonal: {orientation}")
    if np.linalg.det(A) < 0:
        raise ValueError(f"orientation is left handed: {orientation}")
    return rotate_elastic_constants(np.asarray(C_voigt, dtype=float), A)


def cubic_voigt(C11: float, C12: float, C44: float) -> np.ndarray:
    """6×6 Voigt matrix of a cubic crystal."""
    C = np.zeros((6, 6))
    C[:3, :3] = C12
    C[np.arange(3), np.arange(3)] = C11
    C[np.arange(3, 6), np.arange(3, 6)] = C44
    return C


@dataclass
class Material:
    """Anisotropic linear elastic material.

    Parameters
    ----------
    C_voigt_GPa : (6, 6) array
        Elastic constants in the crystal frame, GPa.
    orientation : (3, 3) array
        Crystal directions along lab x, y, z (rows).
    density : float, optional
        Mass density, amu/Å³ (see :func:`mass_density`). Needed for dynamics only.
    """

    C_voigt_GPa: np.ndarray
    orientation: np.ndarray = None
    density: float | None = None

    def __post_init__(self):
        self.C_voigt_GPa = np.asarray(self.C_voigt_GPa, dtype=float)
        self.orientation = np.eye(3) if self.orientation is None else np.asarray(self.orientation, float)
        self.C_lab_GPa = rotate_stiffness(self.C_voigt_GPa, self.orientation)
        self.C_lab = self.C_lab_GPa * GPa  # eV/Å³

    def elasticity_matrix(self, dim: int) -> np.ndarray:
        """D with σ = D ε in eV/Å³: the in-plane 3×3 block (plane strain) or the full 6×6."""
        return self.C_lab[np.ix_(PLANE, PLANE)] if dim == 2 else self.C_lab


def mass_density(atomic_mass_amu: float, atomic_volume_A3: float) -> float:
    """Mass density in amu/Å³ from the mass per atom and the volume per atom."""
    return atomic_mass_amu / atomic_volume_A3


# --------------------------------------------------------------------------- kinematics


def shape_gradients(points: np.ndarray, cells: np.ndarray):
    """Gradients of the P1 shape functions and element measures.

    Returns
    -------
    grads : (m, dim + 1, dim)
        ∂N_a/∂x_i of node a of each element (1/Å), constant per element.
    measure : (m,)
        Area (Å²) or volume (Å³).
    """
    dim = points.shape[1]
    x = points[cells]
    J = np.swapaxes(x[:, 1:] - x[:, :1], 1, 2)  # J_ij = ∂x_i/∂ξ_j
    detJ = np.linalg.det(J)
    ref = np.vstack([-np.ones(dim), np.eye(dim)])  # ∂N_a/∂ξ_j on the reference simplex
    grads = ref[None] @ np.linalg.inv(J)
    measure = detJ / (2.0 if dim == 2 else 6.0)
    if np.any(measure <= 0):
        raise ValueError(f"{np.sum(measure <= 0)} elements with non-positive measure")
    return grads, measure


def strain_displacement(grads: np.ndarray) -> np.ndarray:
    """B matrices (m, 3 | 6, dim*(dim+1)): engineering Voigt strain = B u_e.

    2D rows are (xx, yy, xy), 3D rows (xx, yy, zz, yz, xz, xy); element DOFs node major.
    """
    m, nv, dim = grads.shape
    if dim == 2:
        B = np.zeros((m, 3, 2 * nv))
        B[:, 0, 0::2] = grads[:, :, 0]
        B[:, 1, 1::2] = grads[:, :, 1]
        B[:, 2, 0::2] = grads[:, :, 1]
        B[:, 2, 1::2] = grads[:, :, 0]
        return B
    B = np.zeros((m, 6, 3 * nv))
    for i in range(3):
        B[:, i, i::3] = grads[:, :, i]
    for row, (i, j) in zip((3, 4, 5), ((1, 2), (0, 2), (0, 1))):
        B[:, row, i::3] = grads[:, :, j]
        B[:, row, j::3] = grads[:, :, i]
    return B


def generalized_plane_strain_displacement(grads: np.ndarray) -> np.ndarray:
    """B matrices (m, 6, 9) of a triangle carrying u_x, u_y, u_z, all functions of (x, y).

    Generalised plane strain (anti-plane included): ∂/∂z = 0, so ε_zz = 0, γ_yz = ∂u_z/∂y,
    γ_xz = ∂u_z/∂x. This is the kinematics of a straight dislocation or crack front along
    z with any Burgers vector or mode (Hirth & Lothe, Theory of Dislocations, ch. 13).
    Rows (xx, yy, zz, yz, xz, xy); element DOFs node major with 3 components per node.
    """
    m, nv, _ = grads.shape
    gx, gy = grads[:, :, 0], grads[:, :, 1]
    B = np.zeros((m, 6, 3 * nv))
    B[:, 0, 0::3] = gx
    B[:, 1, 1::3] = gy
    B[:, 3, 2::3] = gy
    B[:, 4, 2::3] = gx
    B[:, 5, 0::3] = gy
    B[:, 5, 1::3] = gx
    return B


def element_dofs(cells: np.ndarray, dim: int) -> np.ndarray:
    """(m, dim*(dim+1)) global DOFs of each element, node major."""
    return (dim * cells[:, :, None] + np.arange(dim)).reshape(len(cells), -1)


# --------------------------------------------------------------------------- matrices


def stiffness_matrix(mesh, material: Material, thickness: float = 1.0, chunk: int = 200_000,
                     components: int | None = None) -> sp.csr_matrix:
    """Global stiffness matrix K (eV/Å²), sparse CSR, (n_dofs, n_dofs).

    ``K = Σ_e |e| B_eᵀ D B_e``, assembled without a loop over elements (COO → CSR, duplicates
    summed); the elements are processed in chunks to bound the memory of the triplets.
    In 2D K is multiplied by ``thickness`` (Å).

    Parameters
    ----------
    components : int, optional
        Displacement components per node. Default ``mesh.dim``; ``3`` on a 2D mesh gives
        generalised plane strain (u_z carried too, DOF = 3 node + c) with the full 6×6 C.
    """
    components = mesh.dim if components is None else components
    gps = mesh.dim == 2 and components == 3
    if components != mesh.dim and not gps:
        raise ValueError(f"{components} components on a {mesh.dim}D mesh")
    D = material.C_lab if gps else material.elasticity_matrix(mesh.dim)
    n = components * mesh.n_nodes
    K = sp.csr_matrix((n, n))
    for start in range(0, len(mesh.cells), chunk):
        cells = mesh.cells[start:start + chunk]
        grads, measure = shape_gradients(mesh.points, cells)
        B = generalized_plane_strain_displacement(grads) if gps else strain_displacement(grads)
        w = measure * (thickness if mesh.dim == 2 else 1.0)
        Ke = np.swapaxes(B, 1, 2) @ (D @ B) * w[:, None, None]
        dofs = element_dofs(cells, components).astype(np.int32)
        nd = dofs.shape[1]
        rows = np.repeat(dofs, nd, axis=1).ravel()
        cols = np.tile(dofs, (1, nd)).ravel()
        K = K + sp.coo_matrix((Ke.ravel(), (rows, cols)), shape=(n, n)).tocsr()
    K.sum_duplicates()
    return K


def lumped_mass(mesh, density: float, thickness: float = 1.0) -> np.ndarray:
    """Row-sum lumped mass per DOF (amu), (n_dofs,): each node gets ``|e| ρ / (dim+1)`` of each element."""
    measure = mesh.measures() * (thickness if mesh.dim == 2 else 1.0)
    nv = mesh.dim + 1
    m_node = np.bincount(mesh.cells.ravel(), weights=np.repeat(density * measure / nv, nv),
                         minlength=mesh.n_nodes)
    return np.repeat(m_node, mesh.dim)


def rigid_body_modes(points: np.ndarray) -> np.ndarray:
    """(n_dofs, 3 | 6) translations and infinitesimal rotations (near null space for AMG)."""
    n, dim = points.shape
    if dim == 2:
        R = np.zeros((n, 2, 3))
        R[:, 0, 0] = R[:, 1, 1] = 1.0
        R[:, 0, 2], R[:, 1, 2] = -points[:, 1], points[:, 0]
        return R.reshape(2 * n, 3)
    R = np.zeros((n, 3, 6))
    R[:, [0, 1, 2], [0, 1, 2]] = 1.0
    x, y, z = points.T
    R[:, 0, 3], R[:, 1, 3] = -y, x
    R[:, 1, 4], R[:, 2, 4] = -z, y
    R[:, 0, 5], R[:, 2, 5] = z, -x
    return R.reshape(3 * n, 6)


# --------------------------------------------------------------------------- post-processing


def element_strains(mesh, u: np.ndarray) -> np.ndarray:
    """(m, 6) engineering Voigt strains per element.

    On a 2D mesh, ``u`` with 2 components per node is plane strain (zz, yz, xz zero); with
    3 components it is generalised plane strain (only zz zero).
    """
    grads, _ = shape_gradients(mesh.points, mesh.cells)
    u = np.asarray(u).ravel()
    if mesh.dim == 2 and u.size == 3 * mesh.n_nodes:
        B = generalized_plane_strain_displacement(grads)
        return np.einsum("mij,mj->mi", B, u[element_dofs(mesh.cells, 3)])
    B = strain_displacement(grads)
    ue = u[element_dofs(mesh.cells, mesh.dim)]
    e = np.einsum("mij,mj->mi", B, ue)
    if mesh.dim == 3:
        return e
    out = np.zeros((len(e), 6))
    out[:, PLANE] = e
    return out


def element_stresses(mesh, material: Material, u: np.ndarray) -> np.ndarray:
    """(m, 6) Voigt stresses per element, eV/Å³ (plane strain: σ_zz etc. from the 3D C)."""
    return element_strains(mesh, u) @ material.C_lab.T


def nodal_average(mesh, cell_values: np.ndarray) -> np.ndarray:
    """Area (volume) weighted average at the nodes of per-element values (m, ...)."""
    measure = mesh.measures()
    nv = mesh.cells.shape[1]
    values = np.asarray(cell_values).reshape(len(measure), -1)
    idx = mesh.cells.ravel()
    weighted = np.repeat(values * measure[:, None], nv, axis=0)
    total = np.column_stack([np.bincount(idx, weights=weighted[:, k], minlength=mesh.n_nodes)
                             for k in range(values.shape[1])])
    weight = np.bincount(idx, weights=np.repeat(measure, nv), minlength=mesh.n_nodes)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (total / weight[:, None]).reshape((mesh.n_nodes,) + np.shape(cell_values)[1:])


def strain_energy(K: sp.spmatrix, u: np.ndarray) -> float:
    """½ uᵀ K u, eV."""
    return 0.5 * float(u @ (K @ u))

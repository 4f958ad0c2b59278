"""Reference data and helpers for the continuum tests (published Cu constants, GPa)."""

import numpy as np

CU_C11, CU_C12, CU_C44 = 169.9, 122.6, 76.2
CU_A0 = 3.615            # Å
CU_MASS = 63.546         # amu
# Si (111) cleavage frame: crack along [11-2], plane normal [111], front [1-10];
# z is normal to the (1-10) mirror plane, so in-plane and anti-plane decouple, and the
# in-plane C is monoclinic (C16 != 0): a real test of the anisotropy.
CLEAVAGE = np.array([[1, 1, -2], [1, 1, 1], [1, -1, 0]], float)
# Lomer dislocation frame: glide [110] along x, slip-plane normal [001] along y, line [1-10]
LOMER = np.array([[1, 1, 0], [0, 0, 1], [1, -1, 0]], float)


def observed_orders(h, err):
    h, err = np.asarray(h), np.asarray(err)
    return np.diff(np.log(err)) / np.diff(np.log(h))


def l2_relative(mesh, u, u_ref):
    """Relative L2 norm of u - u_ref with the nodal (vertex) quadrature of P1."""
    w = np.bincount(mesh.cells.ravel(), np.repeat(mesh.measures() / (mesh.dim + 1), mesh.dim + 1),
                    minlength=mesh.n_nodes)[:, None]
    return np.sqrt(np.sum(w * (u - u_ref) ** 2) / np.sum(w * u_ref ** 2))

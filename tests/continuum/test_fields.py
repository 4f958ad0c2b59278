"""Far fields: unit conversions, and FE convergence to the anisotropic K-field and Stroh field."""

import numpy as np
import pytest
from continuum_reference import CLEAVAGE, CU_A0, LOMER, l2_relative, observed_orders

from handshake.continuum import (
    ContinuumRegion,
    Disc,
    KField,
    Material,
    StrohDislocation,
    graded_mesh_2d,
    stress_intensity_from_metal,
    stress_intensity_to_metal,
)

EV = 1.602176634e-19


def test_stress_intensity_conversion():
    # 1 MPa m^1/2 = 1e6 Pa * (1e10 Å)^1/2 = 1e11 Pa Å^1/2; 1 Pa = 1e-30 / EV eV/Å³
    assert stress_intensity_to_metal(1.0) == pytest.approx(1e11 * 1e-30 / EV, rel=1e-7)
    assert stress_intensity_from_metal(stress_intensity_to_metal(2.5)) == pytest.approx(2.5, rel=1e-14)


def test_kfield_opening_stress_ahead_of_tip(cu_voigt):
    """σ_yy(r, θ=0) = K_I / sqrt(2πr) for any anisotropy with a symmetric mode I field."""
    r = np.array([50.0, 200.0, 1000.0])
    kf = KField(cu_voigt, [[1, 0, 0], [0, 1, 0], [0, 0, 1]], K_I=0.8, tip=(10.0, -3.0))
    s = kf.stresses_GPa(np.column_stack([10.0 + r, np.full(3, -3.0)]))
    expected_Pa = 0.8e6 / np.sqrt(2 * np.pi * r * 1e-10)
    np.testing.assert_allclose(s[:, 1] * 1e9, expected_Pa, rtol=1e-10)


def _annulus_solution(field, h, r_in=20.0, r_out=200.0, tie_jump=None, material=None):
    """Dirichlet data of ``field`` on both circles of a slit annulus; FE solution and field."""
    # refining h0 and (growth - 1) together scales the element size everywhere by the same factor
    mesh = graded_mesh_2d(
        Disc((0.0, 0.0), r_out), Disc((0.0, 0.0), r_in), h0=h, growth=1.0 + 0.0125 * h,
        atomistic=Disc((0.0, 0.0), r_in), hole=True, slit=(0.0, 0.0))
    region = ContinuumRegion(mesh, material)
    region.prescribe_field(field, np.concatenate([mesh.node_sets["outer"], mesh.node_sets["hole"]]))
    if tie_jump is not None:
        pairs = mesh.slit_pairs
        region.constraints.tie(pairs[:, 1], pairs[:, 0], tie_jump)
    u = region.solve().reshape(-1, 2)
    return mesh, u, field.displacements(mesh.evaluation_points())[:, :2]


def test_kfield_convergence_on_slit_annulus(cu_voigt):
    """Traction-free slit faces, K-field on both circles: P1 converges at O(h²) in L2.

    The annulus excludes the tip, so the exact solution is smooth in the domain and
    the a priori estimate ||u - u_h||_L2 ≤ C h² applies.
    """
    kf = KField(cu_voigt, CLEAVAGE, K_I=1.0, K_II=0.3)
    material = Material(cu_voigt, CLEAVAGE)
    hs, errs = [8.0, 4.0, 2.0, 1.0], []
    for h in hs:
        mesh, u, ua = _annulus_solution(kf, h, material=material)
        errs.append(l2_relative(mesh, u, ua))
    orders = observed_orders(hs, errs)
    print(f"\nK-field relative L2 errors {errs}\n  observed orders {orders}")
    assert errs[-1] < 2e-5
    assert 1.7 <= orders[-1] <= 2.3


def test_stroh_jump_is_burgers_vector(cu_voigt):
    b = CU_A0 / 2 * np.array([1.0, 1.0, 0.0])
    d = StrohDislocation(cu_voigt, LOMER, burgers=b, line=[1, -1, 0], slip_plane=[0, 0, 1])
    x = np.array([[-30.0, 1e-9], [-30.0, -1e-9], [-300.0, 1e-9], [-300.0, -1e-9]])
    u = d.displacements(x)
    jump = u[0] - u[1]
    np.testing.assert_allclose(np.abs(jump), [CU_A0 / np.sqrt(2), 0, 0], atol=1e-8)
    np.testing.assert_allclose(u[2] - u[3], jump, atol=1e-8)
    assert np.abs(u[:, 2]).max() < 1e-12  # Lomer frame: in-plane and anti-plane decouple


def test_stroh_dislocation_convergence_on_annulus(cu_voigt):
    """Lomer edge dislocation in Cu: the cut carries the jump b as a tie constraint."""
    b = CU_A0 / 2 * np.array([1.0, 1.0, 0.0])
    d = StrohDislocation(cu_voigt, LOMER, burgers=b, line=[1, -1, 0], slip_plane=[0, 0, 1])
    jump = d.displacements([[-1.0, -1e-9]])[0, :2] - d.displacements([[-1.0, 1e-9]])[0, :2]  # lower - upper
    material = Material(cu_voigt, LOMER)
    hs, errs = [8.0, 4.0, 2.0, 1.0], []
    for h in hs:
        mesh, u, ua = _annulus_solution(d, h, tie_jump=jump, material=material)
        errs.append(l2_relative(mesh, u, ua))
    orders = observed_orders(hs, errs)
    print(f"\nStroh dislocation relative L2 errors {errs}\n  observed orders {orders}")
    assert errs[-1] < 1e-4
    assert 1.7 <= orders[-1] <= 2.3


def test_kfield_mode_ii_is_williams_in_an_isotropic_crystal():
    """Mode II in an isotropic medium (C11 = C12 + 2 C44), plane strain: the Williams field
    u_x = K_II/(2μ) √(r/2π) sin(θ/2) [κ + 1 + 2 cos²(θ/2)],
    u_y = −K_II/(2μ) √(r/2π) cos(θ/2) [κ − 1 − 2 sin²(θ/2)], κ = 3 − 4ν
    (Anderson, Fracture Mechanics, 3rd ed., Table 2.2). To 1e-5: for an isotropic medium
    the anisotropic solution's complex roots coincide, where it is least accurate."""
    mu, lam = 50.0, 80.0                                             # GPa
    C = np.zeros((6, 6))
    C[:3, :3] = lam
    C[[0, 1, 2], [0, 1, 2]] = lam + 2 * mu
    C[[3, 4, 5], [3, 4, 5]] = mu
    nu = lam / (2 * (lam + mu))
    kappa = 3 - 4 * nu
    K_II = 0.7                                                       # MPa m^1/2
    r = np.array([5.0, 20.0, 80.0, 300.0])
    theta = np.array([-2.5, -0.7, 0.4, 2.9])
    points = np.column_stack([r * np.cos(theta), r * np.sin(theta)])
    u = KField(C, [[1, 0, 0], [0, 1, 0], [0, 0, 1]], K_II=K_II).displacements(points)
    scale = stress_intensity_to_metal(K_II) / (2 * mu * 1e9 * 1e-30 / EV) * np.sqrt(r / (2 * np.pi))
    ux = scale * np.sin(theta / 2) * (kappa + 1 + 2 * np.cos(theta / 2) ** 2)
    uy = -scale * np.cos(theta / 2) * (kappa - 1 - 2 * np.sin(theta / 2) ** 2)
    np.testing.assert_allclose(u, np.column_stack([ux, uy]), rtol=1e-5)

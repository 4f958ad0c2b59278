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
    rotate_stiffness,
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
    np.testing.assert_allclose(u[:, :2], np.column_stack([ux, uy]), rtol=1e-5)


def test_kfield_mode_iii_is_the_isotropic_anti_plane_field():
    """Mode III in an isotropic medium: u_z = (2 K_III/μ) √(r/2π) sin(θ/2) (Anderson,
    Fracture Mechanics, 3rd ed., Table 2.2); modes I and II untouched, no u_z from them."""
    mu, lam = 50.0, 80.0                                             # GPa
    C = np.zeros((6, 6))
    C[:3, :3] = lam
    C[[0, 1, 2], [0, 1, 2]] = lam + 2 * mu
    C[[3, 4, 5], [3, 4, 5]] = mu
    K_III = 0.6                                                      # MPa m^1/2
    r = np.array([5.0, 20.0, 80.0, 300.0])
    theta = np.array([-2.5, -0.7, 0.4, 2.9])
    points = np.column_stack([r * np.cos(theta), r * np.sin(theta)])
    u = KField(C, [[1, 0, 0], [0, 1, 0], [0, 0, 1]], K_III=K_III).displacements(points)
    mu_metal = mu * 1e9 * 1e-30 / EV                                 # eV/Å³
    expected = 2 * stress_intensity_to_metal(K_III) / mu_metal * np.sqrt(r / (2 * np.pi)) * np.sin(theta / 2)
    np.testing.assert_allclose(u[:, 2], expected, rtol=1e-7)         # ASE's eV vs CODATA 2018's
    np.testing.assert_allclose(u[:, :2], 0.0, atol=1e-15)
    u_I = KField(C, [[1, 0, 0], [0, 1, 0], [0, 0, 1]], K_I=0.6).displacements(points)
    np.testing.assert_array_equal(u_I[:, 2], 0.0)


#: the flagship's Si (111)[1-10] orientation: z = [1-10] is normal to a mirror plane, but
#: lab x and y are not cubic axes
SI_FLAGSHIP = [[1, 1, -2], [1, 1, 1], [1, -1, 0]]
#: front along [110] (normal to a mirror plane), x turned by 0.5 rad from [001] towards
#: [1-10]: a general anti-plane tensor (C45 ≠ 0 in the lab frame)
TILTED = np.array([np.cos(0.5) * np.array([0.0, 0.0, 1.0]) + np.sin(0.5) * np.array([1.0, -1.0, 0.0]) / np.sqrt(2),
                   np.cross([1.0, 1.0, 0.0], np.cos(0.5) * np.array([0.0, 0.0, 1.0])
                            + np.sin(0.5) * np.array([1.0, -1.0, 0.0]) / np.sqrt(2)) / np.sqrt(2),
                   np.array([1.0, 1.0, 0.0]) / np.sqrt(2)])


@pytest.mark.parametrize("orientation", [SI_FLAGSHIP, TILTED], ids=["Si-111", "tilted-100"])
def test_kfield_mode_iii_is_an_anisotropic_crack_field(orientation):
    """The anisotropic mode III field, checked by finite differences of u_z with the lab
    constants (independent of the closed form): anti-plane equilibrium, traction-free crack
    faces σ_yz(θ = ±π) = 0, σ_yz = K_III/√(2πr) ahead of the tip, and the field's own
    stresses agree. Si (C11, C12, C44 = 151, 76, 56 GPa): strongly anisotropic."""
    C = np.zeros((6, 6))
    C[:3, :3] = 76.0
    C[[0, 1, 2], [0, 1, 2]] = 151.0
    C[[3, 4, 5], [3, 4, 5]] = 56.0
    C_lab = rotate_stiffness(C, np.asarray(orientation, dtype=float))
    K_III = 0.5
    kf = KField(C, orientation, K_III=K_III, tip=(3.0, -2.0))
    if orientation is TILTED:
        assert abs(C_lab[3, 4]) > 5.0                                 # GPa: a general anti-plane tensor

    def uz(x, y):
        return kf.displacements(np.column_stack([x, y]))[:, 2]

    def stresses(x, y, h=1e-3):                                       # σ_xz, σ_yz, GPa (u in Å)
        ux = (uz(x + h, y) - uz(x - h, y)) / (2 * h)
        uy = (uz(x, y + h) - uz(x, y - h)) / (2 * h)
        return C_lab[4, 4] * ux + C_lab[3, 4] * uy, C_lab[3, 4] * ux + C_lab[3, 3] * uy

    r = np.array([10.0, 40.0, 160.0])
    theta = np.array([0.3, 1.9, -2.4])
    x, y = 3.0 + r * np.cos(theta), -2.0 + r * np.sin(theta)
    h = 1e-2
    div = ((stresses(x + h, y)[0] - stresses(x - h, y)[0]) + (stresses(x, y + h)[1] - stresses(x, y - h)[1])) / (2 * h)
    assert np.abs(div).max() < 1e-6 * np.abs(stresses(x, y)[1]).max()
    fd = np.column_stack(stresses(x, y))
    np.testing.assert_allclose(kf.anti_plane_stresses_GPa(np.column_stack([x, y])), fd, rtol=1e-6)
    # faces, just above and below the slit behind the tip (the field's stresses, checked above)
    for side in (1e-12, -1e-12):
        faces = kf.anti_plane_stresses_GPa(np.column_stack([3.0 - r, np.full(3, -2.0 + side)]))
        assert np.abs(faces[:, 1]).max() < 1e-9 * np.abs(fd).max()
        assert np.abs(faces[:, 0]).min() > 0.1                        # σ_xz does not vanish there
    _, ahead = stresses(3.0 + r, np.full(3, -2.0))
    expected_Pa = K_III * 1e6 / np.sqrt(2 * np.pi * r * 1e-10)
    np.testing.assert_allclose(ahead * 1e9, expected_Pa, rtol=1e-6)


def test_mode_iii_is_refused_where_it_couples_to_the_plane():
    """A front along [111]... not normal to a mirror plane: a K_III there would also open the crack."""
    C = np.zeros((6, 6))
    C[:3, :3] = 76.0
    C[[0, 1, 2], [0, 1, 2]] = 151.0
    C[[3, 4, 5], [3, 4, 5]] = 56.0
    with pytest.raises(ValueError, match="mirror plane"):
        KField(C, [[1, -1, 0], [1, 1, 1], [-1, -1, 2]], K_III=0.5)

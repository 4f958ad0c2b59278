"""Where the error next to the handshake zone comes from (issue 22, step 1).

The problem of ``handshake_accuracy.py``: the Cu_mishin1 a/2[1-10](111) edge dislocation
(partials ≈ 35 Å apart), R_a = 30 Å, zone from 26 Å, continuum to 100 Å, its far field
inserted x0 Å right of the centre so that the leading partial nears the zone. For each x0
the fully atomistic disc of the same domain is relaxed once (fmax 1e-6 eV/Å) and the free
atoms of five coupled variants are compared with it (max error over the atoms within the
zone's inner radius, Å):

``linear pad``        the shipped force-based coupling: pad atoms where the linear finite
                      elements, driven by the zone and pad atoms, put them;
``Cauchy–Born pad``   the elements touching a pad atom carry the crystal's Cauchy–Born
                      stress (first Piola, from LAMMPS on the deformed unit cell) instead
                      of C:ε, linearised about the reference solution's strains (its
                      stress and exact tangent there): what a non-linear continuum at the
                      zone can do at best, the constitutive error (a) removed;
``harmonic pad``      the pad atoms feel the lattice itself, linearised about the applied
                      field (force constants of the potential; pairs across the
                      dislocation's cut as neighbours of the slipped lattice), with an
                      outer pad 11 Å wide placed by the finite elements: the continuum's
                      locality removed next to the zone, its linearity kept;
``atoms along the glide plane``  the pad atoms within 8 Å of the glide plane (two bands
                      through the pad, behind and ahead of the core) made free atoms, with
                      an outer pad 11 Å wide placed by the finite elements around them (a
                      pad 22 Å wide all round in this emulation);
``atoms to 41 Å``     free atoms out to 41 Å (zone 26–41 Å): what an exact pad gives.

It also prints the positions of the partials (where the disregistry across the glide plane
crosses b/4 and 3b/4) and their glide compliance under a resolved shear stress of ±2 MPa,
coupled against fully atomistic (x0 = 0), and, with ``--plot``, draws the errors against
the distance between the leading partial and the zone.

    python benchmarks/handshake_error_sources.py [--offsets 0 4 8] [--fmax 1e-6] [--plot errors.png]
"""

import argparse
import time

import numpy as np
import scipy.sparse as sp
from ase.units import GPa
from mpi4py import MPI  # before lammps
from scipy.spatial import cKDTree

from handshake.atomistic import AtomisticRegion
from handshake.continuum.elasticity import shape_gradients
from handshake.coupling import CoupledGeometry, CoupledModel
from handshake.coupling.geometry import PAD
from handshake.coupling.internal_relaxation import field_gradients
from handshake.coupling.model import field_displacements
from handshake.coupling.reference import FullyAtomisticModel, solve_reference
from handshake.dislocations.core import disregistry
from handshake.dislocations.glide import interplanar_spacing_A

ORIENTATION = [[1, -1, 0], [1, 1, 1], [-1, -1, 2]]
BURGERS = [0.5, -0.5, 0.0]
ATOMISTIC_RADIUS, ZONE_WIDTH, OUTER_RADIUS = 30.0, 4.0, 100.0
#: half-width of the band of pad atoms along the glide plane made free in the last variant, Å
SLOT_HALF_WIDTH = 8.0


# ---------------------------------------------------------------- Cauchy–Born stress
class CauchyBorn:
    """First Piola stress of the crystal under a deformation gradient F, GPa: its unit cell
    (periodic, triclinic) re-shaped to F with ``change_box`` and evaluated by LAMMPS."""

    def __init__(self, model):
        unit = model.crystal.unit().repeat((2, 2, 2))
        self.h0 = unit.cell.array.copy()
        self.region = AtomisticRegion(unit, model.potential, comm=MPI.COMM_SELF)
        self.zero = self._piola(np.eye(3))

    def _piola(self, F):
        h = self.h0 @ F.T  # deformed cell vectors as rows
        q, r = np.linalg.qr(h.T)  # h = rᵀqᵀ: LAMMPS's lower-triangular box rᵀ, rotated by qᵀ
        signs = np.sign(np.diag(r))
        q, r = q * signs, (r.T * signs).T
        L = r.T.tolist()
        self.region.command(f"change_box all x final 0 {L[0][0]!r} y final 0 {L[1][1]!r} z final 0 {L[2][2]!r} "
                            f"xy final {L[1][0]!r} xz final {L[2][0]!r} yz final {L[2][1]!r} remap units box")
        self.region.compute()
        sigma = q @ self.region.stress_GPa() @ q.T
        return np.linalg.det(F) * sigma @ np.linalg.inv(F).T

    def piola_GPa(self, F):
        """P(F) − P(I) (the relaxed lattice is stress-free up to round-off)."""
        return self._piola(F) - self.zero

    def tangent(self, F, h=1e-5):
        """∂P_iJ/∂F_kL for in-plane L (generalised plane strain), (3, 3, 3, 2) GPa."""
        A = np.zeros((3, 3, 3, 2))
        for k in range(3):
            for L in range(2):
                d = np.zeros((3, 3))
                d[k, L] = h
                A[:, :, k, L] = (self._piola(F + d) - self._piola(F - d)) / (2 * h)
        return A

    def close(self):
        self.region.close()


def linear_piola_GPa(model, G):
    """C : sym(G) as a (m, 3, 3) stress, GPa."""
    eps = np.stack([G[:, 0, 0], G[:, 1, 1], G[:, 2, 2], G[:, 1, 2] + G[:, 2, 1], G[:, 0, 2] + G[:, 2, 0],
                    G[:, 0, 1] + G[:, 1, 0]], axis=1)
    s = eps @ model.material.C_lab_GPa.T
    return np.stack([s[:, [0, 5, 4]], s[:, [5, 1, 3]], s[:, [4, 3, 2]]], axis=1)


class CauchyBornPad:
    """Nodal-force correction f_CB − f_lin of the elements touching a pad node, with the
    Cauchy–Born stress linearised about the displacement gradients of ``u_ref``."""

    def __init__(self, model, u_ref):
        zone, mesh = model.zone, model.zone.mesh
        touches = np.isin(mesh.cells, zone.pad_nodes).any(axis=1) & (mesh.site_index[mesh.cells] >= 0).all(axis=1)
        self.cells = mesh.cells[touches]
        self.grads, self.area = shape_gradients(mesh.points, self.cells)
        centroids = mesh.points[self.cells].mean(axis=1)
        core_y = model.fields[0].core[1]
        centroids[np.abs(centroids[:, 1] - core_y) < 1e-2, 1] += 2e-2  # not on the field's cut
        # ∇u = ∇û (P1) + ∇u_app (analytic): û is smooth, u_app's gradient is continuous across its cut
        self.G_app = field_gradients(lambda p: field_displacements(model.fields, p), centroids)
        self.model = model
        self.G0 = self.gradients((u_ref - model.applied_displacements_atoms)[zone.boundary_ids - 1])
        cb = CauchyBorn(model)
        try:
            self.P0 = np.array([cb.piola_GPa(np.eye(3) + g) for g in self.G0])
            self.A = np.array([cb.tangent(np.eye(3) + g) for g in self.G0])
        finally:
            cb.close()

    def gradients(self, u_hat_boundary):
        zone = self.model.zone
        u = np.zeros((zone.mesh.n_nodes, 3))
        u[zone.boundary_nodes] = u_hat_boundary
        G = np.zeros((len(self.cells), 3, 3))
        G[:, :, :2] = np.einsum("mai,maJ->miJ", u[self.cells], self.grads)
        return G + self.G_app

    def correction(self, u_hat_boundary):
        """(n_boundary, 3) eV/Å in the zone's node order."""
        model, zone = self.model, self.model.zone
        G = self.gradients(u_hat_boundary)
        P = self.P0 + np.einsum("miJkL,mkL->miJ", self.A, (G - self.G0)[:, :, :2])
        stress = (P - linear_piola_GPa(model, G)) * GPa
        fe = np.einsum("miJ,maJ->mai", stress[:, :, :2], self.grads) * (self.area * model.crystal.period_z_A)[:, None, None]
        out = np.zeros((zone.mesh.n_nodes, 3))
        np.add.at(out, self.cells, fe)
        return out[zone.boundary_nodes]


# ---------------------------------------------------------------- harmonic lattice
def force_constants(model, h_A=1e-4):
    """Force constants Φ(ΔR) of the slab's lattice (one period along z, so each entry sums
    the periodic images): one atom of a periodic supercell displaced by ±h.

    Returns in-plane offsets (k, 2) Å and Φ (k, 3, 3) eV/Å², f_j = −Φ(R_j − R_0) u_0."""
    unit = model.crystal.unit()
    reach = 2.0 * model.properties.cutoff_A + 1.0
    reps = [int(np.ceil(2 * reach / unit.cell[k, k])) + 1 for k in (0, 1)]
    cell = unit.repeat((reps[0], reps[1], 1))
    ids = np.arange(1, len(cell) + 1)
    columns = []
    with AtomisticRegion(cell, model.potential, comm=MPI.COMM_SELF) as region:
        for k in range(3):
            forces = []
            for sign in (1.0, -1.0):
                u = np.zeros((len(cell), 3))
                u[0, k] = sign * h_A
                region.set_displacements(ids, u)
                region.compute()
                forces.append(region.gather_forces())
            columns.append(-(forces[0] - forces[1]) / (2 * h_A))
    Phi = np.stack(columns, axis=2)
    d = cell.positions[:, :2] - cell.positions[0, :2]
    for k in (0, 1):
        d[:, k] -= cell.cell[k, k] * np.round(d[:, k] / cell.cell[k, k])
    keep = (np.abs(Phi).max(axis=(1, 2)) > 1e-9) & (np.linalg.norm(d, axis=1) < reach)
    return d[keep], Phi[keep]


def harmonic_rows(model, rows, offsets, Phi, dislocation):
    """Sparse H (3|rows|, 3N) with f_rows = −H û: the lattice linearised about the applied
    field. A pair across the dislocation's cut (behind its core) is a pair of the slipped
    lattice: its offset is R_j − R_i ∓ b."""
    X = model.reference_positions[:, :2]
    table = {tuple(np.round(o, 3)): P for o, P in zip(offsets, Phi)}
    reach = np.linalg.norm(offsets, axis=1).max() + np.linalg.norm(dislocation.burgers_lab[:2]) + 1e-6
    (xc, yc), b = dislocation.core[:2], dislocation.burgers_lab[:2]
    tree = cKDTree(X)
    I, J, V = [], [], []
    for row, i in enumerate(rows):
        for j in tree.query_ball_point(X[i], reach):
            offset = X[j] - X[i]
            if 0.5 * (X[i, 0] + X[j, 0]) < xc and (X[i, 1] > yc) != (X[j, 1] > yc):
                offset = offset - b if X[i, 1] > yc else offset + b
            P = table.get(tuple(np.round(offset, 3)))
            if P is not None:
                I.extend(np.repeat(3 * row + np.arange(3), 3))
                J.extend(np.tile(3 * j + np.arange(3), 3))
                V.extend(P.ravel())
    return sp.csr_matrix((V, (I, J)), shape=(3 * len(rows), 3 * model.n_atoms))


# ---------------------------------------------------------------- relaxations
def relax_force_based(model, fmax, pad_forces=None, free_pad=()):
    """FIRE on the force-based coupled model; ``pad_forces(u_all, u_hat_boundary, reactions)``
    may replace the forces on some pad atoms: it returns (ids, forces); the pad atoms of
    ``free_pad`` (indices) feel the potential alone, as free atoms."""
    is_free = np.zeros(model.n_atoms + 1, dtype=bool)
    is_free[np.asarray(free_pad, dtype=int) + 1] = True
    zone, continuum = model.zone, model.zone.driven_by_atoms
    region = model.atomistic

    def exchange(step):
        u_b = model.boundary_displacements(step) - model.applied_on_boundary
        reactions = continuum.reactions(u_b)
        forces = np.zeros((model.n_atoms + 1, 3))
        forces[zone.boundary_ids] = -reactions
        if pad_forces is not None:
            u = np.zeros((model.n_atoms, 3))
            u[step.ids - 1] = step.displacements()
            u = model.nearest_to_applied(u, model.applied_displacements_atoms)
            ids, f = pad_forces(u, u_b, reactions)
            forces[ids] = f
        pad = step.local_indices("pad")
        external = forces[step.ids[pad]] - step.pair_forces[pad]
        external[is_free[step.ids[pad]]] = 0.0
        step.add_forces(pad, external)

    region.set_displacements(np.arange(1, model.n_atoms + 1), model.applied_displacements_atoms)
    region.attach(exchange)
    try:
        result = region.minimize(fmax, 100000, style="fire")
    finally:
        region.detach_all()
    if not result.converged:
        print(f"  (not converged: {result.max_force_eV_per_A:.1e} eV/A)")
    return model.displacements()


def partial_positions(model, positions, u, b_A):
    """x of the trailing and leading partials, Å from the centre: where the disregistry u_x
    across the glide plane (:func:`~handshake.dislocations.core.disregistry`) crosses 3b/4
    and b/4."""
    reach = ATOMISTIC_RADIUS - 1.0
    x, delta = disregistry(positions, u, model.centre[1], interplanar_spacing_A(model),
                           (model.centre[0] - reach, model.centre[0] + reach))
    x = x - model.centre[0]
    return (float(np.interp(-0.75 * b_A, -delta[:, 0], x)), float(np.interp(-0.25 * b_A, -delta[:, 0], x)))


def model_at(geometry, x0):
    model = CoupledModel("Cu_mishin1", ORIENTATION, geometry)
    field = model.dislocation(BURGERS, core=(model.centre[0] + x0, model.centre[1]))
    return model, field


def burgers_A(model):
    return float(np.linalg.norm(BURGERS) * model.properties.a0_A)


def errors_at(x0, fmax):
    """Max error of each variant, and the leading partial's distance to the zone (reference)."""
    shipped = CoupledGeometry(ATOMISTIC_RADIUS, ZONE_WIDTH, OUTER_RADIUS)
    out = {}
    model, field = model_at(shipped, x0)
    with model:
        pad = model.geometry.pad_width_A
        reference = solve_reference(model, [field], fmax)
        inner = ATOMISTIC_RADIUS - ZONE_WIDTH
        _, lead = partial_positions(model, reference.positions, reference.displacements, burgers_A(model))
        distance = inner - lead

        def error(m):
            _, match = cKDTree(reference.positions).query(m.reference_positions)
            core = np.flatnonzero(np.linalg.norm(m.reference_positions[:, :2] - m.centre, axis=1) < inner)
            return float(np.linalg.norm(m.displacements()[core] - reference.displacements[match[core]], axis=1).max())

        model.apply(field)
        model.relax(fmax)
        out["linear pad"] = error(model)
        _, match = cKDTree(reference.positions).query(model.reference_positions)
        cb = CauchyBornPad(model, reference.displacements[match])
        slot = model.zone.boundary_slot

        def cauchy_born(u, u_b, reactions):
            ids = model.zone.pad_ids
            return ids, -(reactions + cb.correction(u_b))[slot[ids]]

        relax_force_based(model, fmax, cauchy_born)
        out["Cauchy–Born pad"] = error(model)

    model, field = model_at(CoupledGeometry(ATOMISTIC_RADIUS, ZONE_WIDTH, OUTER_RADIUS, pad_width_A=2 * pad), x0)
    with model:
        model.apply(field)
        r = np.linalg.norm(model.reference_positions[:, :2] - model.centre, axis=1)
        inner_pad = np.flatnonzero((model.atom_region == PAD) & (r < ATOMISTIC_RADIUS + pad))
        offsets, Phi = force_constants(model)
        H = harmonic_rows(model, inner_pad, offsets, Phi, field)
        model.place_on_applied_field()
        lattice_residual = model.atomistic_forces()[inner_pad]  # forces of the lattice on the applied field

        def harmonic(u, u_b, reactions):
            f = lattice_residual - (H @ (u - model.applied_displacements_atoms).ravel()).reshape(-1, 3)
            return inner_pad + 1, f

        relax_force_based(model, fmax, harmonic)
        out["harmonic pad"] = error(model)

        # the pad atoms within SLOT_HALF_WIDTH of the glide plane become free atoms
        band = np.flatnonzero((model.atom_region == PAD) & (r < ATOMISTIC_RADIUS + pad)
                              & (np.abs(model.reference_positions[:, 1] - model.centre[1]) < SLOT_HALF_WIDTH))
        relax_force_based(model, fmax, free_pad=band)
        out["atoms along the glide plane"] = error(model)
        X = model.reference_positions
        outer_ring = (model.atom_region == PAD) & (r >= ATOMISTIC_RADIUS + pad)
        distance_to_band, _ = cKDTree(X[band, :2]).query(X[:, :2])
        print(f"  glide-plane bands: {band.size} pad atoms made free, {np.sum(outer_ring & (distance_to_band < pad))} "
              f"outer-pad atoms needed around them; the full ring: {inner_pad.size} made free, "
              f"{np.sum(outer_ring)} added")

    model, field = model_at(CoupledGeometry(ATOMISTIC_RADIUS + pad, ZONE_WIDTH + pad, OUTER_RADIUS), x0)
    with model:
        model.apply(field)
        model.relax(fmax)
        out["atoms to 41 A"] = error(model)
    return distance, out


def glide_compliance(fmax, tau_MPa=2.0):
    """Partials' positions at 0 and ±τ (resolved shear stress on the glide plane), coupled
    and fully atomistic, and the compliance Δx/Δτ in Å/MPa."""
    model, field = model_at(CoupledGeometry(ATOMISTIC_RADIUS, ZONE_WIDTH, OUTER_RADIUS), 0.0)
    rows = {}
    with model:
        for tau in (0.0, tau_MPa, -tau_MPa):
            fields = [field]
            if tau:
                G = np.zeros((3, 3))
                G[0, 1] = G[1, 0] = 0.5 * tau * 1e-3 / model.material.C_lab_GPa[5, 5]
                fields.append(model.homogeneous_strain(G))
            reference = solve_reference(model, fields, fmax)
            model.apply(*fields)
            model.relax(fmax)
            b = burgers_A(model)
            rows[tau] = (partial_positions(model, reference.positions, reference.displacements, b),
                         partial_positions(model, model.reference_positions, model.displacements(), b))
    return rows


def applied_field_forces():
    """Largest force of the lattice on the applied Stroh field at 30–35 Å from the core, on
    the two planes bordering the glide plane behind the core and elsewhere, eV/Å: with the
    field evaluated at the reference sites, u(X), and self-consistently, u(X + u), where
    the slipped bonds across the cut carry the field's gradient (as in matscipy's
    ``self_consistent`` dislocations)."""
    model, field = model_at(CoupledGeometry(ATOMISTIC_RADIUS, ZONE_WIDTH, OUTER_RADIUS), 0.0)
    with model, FullyAtomisticModel(model) as disc:
        X = disc.reference_positions
        r = np.linalg.norm(X[:, :2] - model.centre, axis=1)
        ring = (r >= 30.0) & (r < 35.0)
        band = np.abs(X[:, 1] - model.centre[1]) < 2.0
        ids = np.arange(1, len(X) + 1)
        out = {}
        u = field.displacements(X)
        for label in ("u(X)", "u(X + u)"):
            disc.atomistic.set_displacements(ids, u)
            disc.atomistic.compute()
            f = np.linalg.norm(disc.atomistic.gather_forces(), axis=1)
            out[label] = (float(f[ring & band].max()), float(f[ring & ~band].max()))
            for _ in range(50):
                u = field.displacements(X + u)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--fmax", type=float, default=1e-6)
    parser.add_argument("--offsets", type=float, nargs="+", default=[0.0, 4.0, 8.0])
    parser.add_argument("--plot", default=None, help="PNG of the errors against the partial's distance")
    args = parser.parse_args()
    print(f"Cu_mishin1 edge, R_a = {ATOMISTIC_RADIUS:g} A, zone from {ATOMISTIC_RADIUS - ZONE_WIDTH:g} A, "
          f"continuum to {OUTER_RADIUS:g} A, fmax {args.fmax:g}; max error over r < 26 A, A")
    table = []
    for x0 in args.offsets:
        start = time.perf_counter()
        distance, errors = errors_at(x0, args.fmax)
        table.append((x0, distance, errors))
        print(f"x0 {x0:4.1f} A, leading partial {distance:5.1f} A from the zone: "
              + ", ".join(f"{k} {v:.4f}" for k, v in errors.items()) + f"  ({time.perf_counter() - start:.0f} s)",
              flush=True)

    rows = glide_compliance(args.fmax)
    (ref0, cpl0) = rows[0.0]
    print(f"partials at x0 = 0 (trailing, leading), A: fully atomistic ({ref0[0]:.2f}, {ref0[1]:.2f}), "
          f"coupled ({cpl0[0]:.2f}, {cpl0[1]:.2f})")
    tau = max(rows)
    for k, name in enumerate(("trailing", "leading")):
        ref = (rows[tau][0][k] - rows[-tau][0][k]) / (2 * tau)
        cpl = (rows[tau][1][k] - rows[-tau][1][k]) / (2 * tau)
        print(f"glide compliance of the {name} partial: fully atomistic {ref:.3f} A/MPa, coupled {cpl:.3f} A/MPa "
              f"(ratio {cpl / ref:.2f})")

    for label, (band, rest) in applied_field_forces().items():
        print(f"lattice forces on the applied field evaluated at {label}, 30-35 A from the core: "
              f"{band:.4f} eV/A on the planes bordering the glide plane, {rest:.4f} eV/A elsewhere")

    if args.plot:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(5.5, 3.8))
        distance = [row[1] for row in table]
        for name in table[0][2]:
            ax.plot(distance, [row[2][name] for row in table], "o-", label=name)
        ax.axhline(0.02, color="grey", lw=0.8, ls="--", label="target (issue 22)")
        ax.set_xlabel("leading partial → zone (Å)")
        ax.set_ylabel("max displacement error (Å)")
        ax.set_yscale("log")
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(args.plot, dpi=120)
        print(f"wrote {args.plot}")


if __name__ == "__main__":
    main()

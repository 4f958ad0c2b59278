"""Quasi-one-dimensional strips for plane-wave tests of the coupled dynamics.

An fcc crystal with x along [100], one cubic cell in cross-section (y, z periodic), so that a
longitudinal wave along x is a plane wave: every (200) plane (two atoms, spacing a0/2) moves
rigidly, and the lattice is a chain of planes with the potential's interplanar forces.

:class:`CoupledStrip`::

    | wall | free atoms ........ | handshake | pad |
                                 | finite elements ........................ | clamped
                                 x_h                                         x_end

- wall: atoms at their lattice sites, not integrated (two interaction ranges wide, so the
  free atoms next to it feel bulk surroundings and a perfect crystal is in equilibrium);
- handshake: the last planes of free atoms; their plane displacement drives the nodes there;
- pad: two interaction ranges of atoms following the nodes;
- the mesh: one element per plane spacing (plane strain, one cubic cell high and thick,
  u_y = 0: uniaxial strain with modulus C11 and the lumped mass of one plane per node
  column), from the first handshake plane to the clamped far end.

:class:`AtomisticStrip` is the fully atomistic reference: the same wall and free atoms,
continued by atoms up to the same far end and a second wall there.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from ase.build import bulk
from ase.units import GPa

from ..atomistic import AtomisticRegion
from ..atomistic.potentials import load_potential
from ..continuum import EV_PER_A_AMU_TO_A_PER_PS2, Material, mass_density
from ..continuum.mesh import TriangleMesh
from ..materials import material_properties
from .methods import StripLayout, dynamics_method
from .time_coupling import CoupledDynamics


def fcc_strip(element: str, a0_A: float, n_planes: int, cross_cells: int = 1):
    """fcc atoms along [100] with ``n_planes`` (200) planes (even), periodic along y and z
    over ``cross_cells`` cubic cells each.

    Returns
    -------
    atoms : ase.Atoms
        2 ``cross_cells**2`` atoms per plane, planes at x = k a0/2, atoms ordered by cell along x.
    plane : (n,) int
        Plane index k of each atom.
    """
    if n_planes % 2:
        raise ValueError("an fcc [100] strip has an even number of (200) planes")
    atoms = bulk(element, "fcc", a=a0_A, cubic=True).repeat((1, cross_cells, cross_cells)).repeat((n_planes // 2, 1, 1))
    atoms.pbc = (False, True, True)
    plane = np.rint(atoms.positions[:, 0] / (0.5 * a0_A)).astype(int)
    return atoms, plane


def chain_mesh(x_A: np.ndarray, height_A: float) -> TriangleMesh:
    """Triangles between two rows of nodes at ``x_A`` (increasing), y = 0 and ``height_A``."""
    n = len(x_A)
    points = np.column_stack([np.concatenate([x_A, x_A]), np.repeat([0.0, height_A], n)])
    i = np.arange(n - 1)
    cells = np.concatenate([np.column_stack([i, i + 1, n + i + 1]), np.column_stack([i, n + i + 1, n + i])])
    return TriangleMesh(points, cells, np.zeros(2 * n, np.int8), np.zeros(len(cells), np.int8))


def graded_columns(first: int, fine_end: int, last: int, growth: float, max_step: int = 1 << 30) -> np.ndarray:
    """Node positions in units of the plane spacing: every plane from ``first`` to ``fine_end``,
    then steps growing by ``growth`` (rounded to whole planes, at most ``max_step``), ending
    exactly at ``last``."""
    columns = list(range(first, fine_end + 1))
    step = 1.0
    while columns[-1] < last:
        step = min(step * growth, max_step)
        columns.append(min(last, columns[-1] + max(1, int(round(step)))))
    return np.array(columns)


def _wall_planes(cutoff_A: float, spacing_A: float) -> int:
    return int(np.ceil(2.0 * cutoff_A / spacing_A))


class _Strip:
    """What both strips share: atoms, planes, per-atom energy baseline, pulses, energies."""

    def _open(self, potential, element, comm, n_planes: int, groups_of_plane: dict, cross_cells: int = 1):
        self.potential = load_potential(potential)
        self.element = element or self.potential.default_element
        self.properties = material_properties(self.potential, self.element, comm=comm)
        self.a0_A = self.properties.a0_A
        self.spacing_A = 0.5 * self.a0_A
        self.atoms, self.plane = fcc_strip(self.element, self.a0_A, n_planes, cross_cells)
        self.cross_cells = cross_cells
        self.x_A = self.atoms.positions[:, 0].copy()
        ids = np.arange(1, len(self.atoms) + 1)
        groups = {name: ids[mask(self.plane)] for name, mask in groups_of_plane.items()}
        self.region = AtomisticRegion(self.atoms, self.potential, comm=comm, groups=groups)
        self.region.compute()
        #: per-atom potential energies of the perfect strip, by id − 1, eV
        self.baseline_eV = self.region.gather_energies()
        self.masses_amu = self.region.masses_amu

    @property
    def wave_speed_A_per_ps(self) -> float:
        """Long-wavelength longitudinal speed along [100], sqrt(C11/ρ), Å/ps."""

        rho = mass_density(self.masses_amu[0], self.a0_A ** 3 / 4)
        return float(np.sqrt(self.properties.C11_GPa * GPa / rho * EV_PER_A_AMU_TO_A_PER_PS2))

    def impose(self, u_of_x, v_of_x) -> None:
        """Longitudinal displacement u(X) (Å) and velocity v(X) (Å/ps) on the free atoms
        (collective). Call before the first step."""
        ids = self.region.group_ids("free")
        x = self.x_A[ids - 1]
        zeros = np.zeros_like(x)
        self.region.set_displacements(ids, np.column_stack([u_of_x(x), zeros, zeros]))
        self.region.set_velocities(ids, np.column_stack([v_of_x(x), zeros, zeros]))

    def atomistic_energy_eV(self, energy_ids: np.ndarray) -> tuple[float, float]:
        """(kinetic, potential) energy of the atoms above the perfect strip, eV (collective).

        Kinetic: the free atoms. Potential: Σ (e_i − e_i⁰) over ``energy_ids`` with LAMMPS's
        per-atom energies from the last evaluation (the end of the last run).
        """
        free = self.region.group_ids("free")
        v = self.region.gather_velocities()[free - 1]

        kinetic = 0.5 * float(np.sum(self.masses_amu[free - 1, None] * v ** 2)) / EV_PER_A_AMU_TO_A_PER_PS2
        e = self.region.gather_energies()
        return kinetic, float(np.sum(e[energy_ids - 1] - self.baseline_eV[energy_ids - 1]))

    def velocities(self, ids) -> np.ndarray:
        """Velocities of atoms ``ids`` (Å/ps), collective."""
        return self.region.gather_velocities()[np.asarray(ids) - 1]

    def close(self) -> None:
        self.region.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class AtomisticStrip(_Strip):
    """Fully atomistic reference strip: wall, ``n_free_planes`` free planes, wall.

    Parameters
    ----------
    potential : str or Potential
    n_free_planes : int
    timestep_ps : float
    element : str, optional
    comm : mpi4py.MPI.Comm, optional
    """

    def __init__(self, potential, n_free_planes: int, timestep_ps: float = 0.002, element=None, comm=None):
        props = material_properties(load_potential(potential), element, comm=comm)
        n_wall = _wall_planes(props.cutoff_A, 0.5 * props.a0_A)
        n_right = n_wall + (n_wall + n_free_planes + n_wall) % 2
        n_planes = n_wall + n_free_planes + n_right
        self.n_wall = n_wall
        self.timestep_ps = timestep_ps
        lo, hi = n_wall, n_wall + n_free_planes
        self._open(potential, element, comm, n_planes, {
            "free": lambda p: (p >= lo) & (p < hi),
            "wall": lambda p: (p < lo) | (p >= hi)})
        self.energy_ids = np.arange(1, len(self.atoms) + 1)

    def run(self, nsteps: int) -> None:
        """NVE steps of the free atoms, walls fixed (collective)."""
        self.region.run(nsteps, timestep_ps=self.timestep_ps, fixed=("wall",))

    def energy_eV(self) -> dict:
        """Kinetic and potential energy of the atoms above the perfect strip, eV."""
        kinetic, potential = self.atomistic_energy_eV(self.energy_ids)
        return {"atoms_kinetic": kinetic, "atoms_potential": potential, "total": kinetic + potential}


class CoupledStrip(_Strip):
    """Wall, free atoms, handshake, pad, and a finite-element chain to the far end.

    Parameters
    ----------
    potential : str or Potential
    n_free_planes : int
        Free atomic planes, the handshake planes included.
    n_handshake_planes : int
        The last free planes, which drive the finite elements.
    n_continuum_planes : int
        Element columns beyond the pad (plane spacing each), up to the clamped end.
    timestep_ps : float
    element : str, optional
    comm : mpi4py.MPI.Comm, optional
    n_fine_planes : int, optional
        Beyond the pad, this many element columns of one plane spacing; then the elements
        grow by ``growth`` per column up to ``max_element_planes`` spacings (a graded mesh
        that cannot carry short waves). Default: uniform to the end.
    growth : float
    max_element_planes : int
    cross_cells : int
        Cubic cells across the strip along y and z (more atoms per plane, same waves).
    subcycles : int
        MD steps per continuum step (see :class:`CoupledDynamics`).
    method : str
        Dynamics method (:data:`~handshake.dynamics.DYNAMICS_METHODS`). ``"energy"``: the
        mesh starts at the first pad plane, the pad columns carry the pad atoms' mass, and
        only the elements beyond the pad count. ``"bdm"``: α falls linearly from 1 on the
        first handshake plane (whose atoms drive the mesh's first node column) to 0 on the
        first pad plane; the other handshake planes are the bridging zone.

    Attributes
    ----------
    dynamics : CoupledDynamics
    mesh : TriangleMesh
    """

    def __init__(self, potential, n_free_planes: int, n_handshake_planes: int = 4, n_continuum_planes: int = 200,
                 timestep_ps: float = 0.002, element=None, comm=None, method: str = "force",
                 n_fine_planes: int | None = None, growth: float = 1.0, max_element_planes: int = 1 << 30,
                 cross_cells: int = 1, subcycles: int = 1):
        props = material_properties(load_potential(potential), element, comm=comm)
        h = 0.5 * props.a0_A
        n_wall = _wall_planes(props.cutoff_A, h)
        n_pad = _wall_planes(props.cutoff_A, h)
        n_wall += (n_wall + n_free_planes + n_pad) % 2
        self.n_wall, self.n_pad = n_wall, n_pad
        first_pad = n_wall + n_free_planes
        first_hs = first_pad - n_handshake_planes
        self._open(potential, element, comm, first_pad + n_pad, cross_cells=cross_cells, groups_of_plane={
            "wall": lambda p: p < n_wall,
            "free": lambda p: (p >= n_wall) & (p < first_pad),
            "handshake": lambda p: (p >= first_hs) & (p < first_pad),
            "pad": lambda p: p >= first_pad})
        method_class = dynamics_method(method)
        a0 = self.a0_A
        side = cross_cells * a0                                       # cross-section side, Å
        per_plane = 2 * cross_cells ** 2

        # one element column per plane spacing, nodes on the planes
        last = first_pad + n_pad + n_continuum_planes
        first_node = first_pad if method_class.strip_mesh_from_pad else first_hs
        fine_end = last if n_fine_planes is None else min(last, first_pad + n_pad + n_fine_planes)
        mesh = chain_mesh(h * graded_columns(first_node, fine_end, last, growth, max_element_planes), side)
        self.mesh = mesh
        column = np.rint(mesh.points[:, 0] / h).astype(int)          # plane index of each node
        rho = mass_density(self.masses_amu[0], a0 ** 3 / 4)
        material = Material(np.asarray(props.C_GPa), np.eye(3), density=rho)
        n_dofs = mesh.n_dofs

        hs_ids = self.region.group_ids("handshake")
        slots, nodes = self._same_plane(hs_ids, column)                 # node u_x = mean plane u_x
        driven = sp.csr_matrix((np.full(slots.size, 1.0 / per_plane), (2 * nodes, 3 * slots)),
                               shape=(n_dofs, 3 * hs_ids.size))
        pad_ids = self.region.group_ids("pad")
        slots, nodes = self._same_plane(pad_ids, column)                # pad u_x = mean column u_x
        pad = sp.csr_matrix((np.full(slots.size, 0.5), (3 * slots, 2 * nodes)), shape=(3 * pad_ids.size, n_dofs))

        clamped = np.concatenate([np.arange(1, n_dofs, 2), 2 * np.flatnonzero(column == last)])
        self.node_plane = column
        self.timestep_ps = timestep_ps
        layout = StripLayout(mesh=mesh, node_plane=column, material=material, density=rho, side_A=side,
                             atoms_per_plane=per_plane, first_handshake_plane=first_hs, first_pad_plane=first_pad,
                             n_pad_planes=n_pad, last_plane=last, driven=driven, pad_interpolation=pad,
                             clamped_dofs=clamped, timestep_ps=timestep_ps, subcycles=subcycles,
                             integrator=CoupledDynamics)
        self.dynamics = method_class.strip(self, layout)
        weights = self.dynamics.coupling.atom_weights()
        #: atoms whose potential energy counts (with weight :attr:`atom_weights`)
        self.energy_ids = np.flatnonzero(weights > 0) + 1
        self.atom_weights = weights

    def _same_plane(self, ids: np.ndarray, column: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pairs (slot of the atom in ``ids``, mesh node) lying in the same (200) plane."""
        pairs = [(slot, node) for slot, atom in enumerate(ids)
                 for node in np.flatnonzero(column == self.plane[atom - 1])]
        slots, nodes = np.array(pairs, dtype=np.int64).reshape(-1, 2).T
        return slots, nodes

    def run(self, nsteps: int) -> None:
        """Coupled NVE steps in one LAMMPS run (collective)."""
        self.dynamics.run(nsteps)

    def energy_eV(self) -> dict:
        """Energies above the perfect strip, eV: atoms (free kinetic; wall and free potential,
        each atom with the method's weight), continuum (kinetic of the integrated nodes, its
        share of the strain energy), total. See :meth:`CoupledDynamics.total_energy_eV`."""
        return self.dynamics.total_energy_eV()

"""What every coupled-dynamics method provides, and the registry that names them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ...registry import Registry

#: the coupled-dynamics methods by name
DYNAMICS_METHODS = Registry("dynamics method")
#: class decorator: ``@register("name")`` adds a :class:`DynamicsMethod` to :data:`DYNAMICS_METHODS`
register = DYNAMICS_METHODS.register


def dynamics_method(name: str) -> type["DynamicsMethod"]:
    """The method class registered as ``name``; :class:`~handshake.errors.InputError` (a
    ValueError) naming the known methods otherwise."""
    return DYNAMICS_METHODS.lookup(name)


@dataclass
class StripLayout:
    """The pieces of a quasi-1D :class:`~handshake.dynamics.CoupledStrip` every method builds on.

    Attributes
    ----------
    mesh : TriangleMesh
        Element chain, one cubic cell high, from ``first_node_plane`` to the clamped end.
    node_plane : (n_nodes,) int
        (200) plane index of each node column.
    material : Material
    density : float
        ρ, amu/Å³.
    side_A : float
        Cross-section side (mesh height and thickness), Å.
    atoms_per_plane : int
    first_handshake_plane, first_pad_plane, n_pad_planes, last_plane : int
    driven : sparse (n_dofs, 3 n_h)
        Node u_x = mean u_x of the handshake atoms of its plane.
    pad_interpolation : sparse (3 n_p, n_dofs)
        Pad atom u_x = mean u_x of its node column.
    clamped_dofs : int array
        All u_y and the far end's u_x.
    timestep_ps : float
    subcycles : int
    """

    mesh: object
    node_plane: np.ndarray
    material: object
    density: float
    side_A: float
    atoms_per_plane: int
    first_handshake_plane: int
    first_pad_plane: int
    n_pad_planes: int
    last_plane: int
    driven: sp.csr_matrix
    pad_interpolation: sp.csr_matrix
    clamped_dofs: np.ndarray
    timestep_ps: float
    subcycles: int
    #: the integrator class a method builds (:class:`~handshake.dynamics.CoupledDynamics`),
    #: given by the caller so that the methods do not import it (no import cycle)
    integrator: type = None


@dataclass
class SlabLayout:
    """The pieces of a quasi-2D :class:`~handshake.coupling.CoupledModel` every method builds on.

    Attributes
    ----------
    model : CoupledModel
    density : float
        ρ, amu/Å³.
    thickness_A : float
        Period along z, Å.
    node_of_id : (n_atoms + 1,) int
        Mesh node of each handshake and pad atom id (−1 otherwise).
    driven : sparse (n_dofs, 3 n_h)
        Handshake node DOFs = their atom's displacement.
    pad_interpolation : sparse (3 n_p, n_dofs)
        Pad atom displacement = its node's.
    clamped_dofs : int array
        The outer boundary.
    timestep_ps : float
    """

    model: object
    density: float
    thickness_A: float
    node_of_id: np.ndarray
    driven: sp.csr_matrix
    pad_interpolation: sp.csr_matrix
    clamped_dofs: np.ndarray
    timestep_ps: float
    #: the integrator class a method builds (:class:`~handshake.dynamics.CoupledDynamics`)
    integrator: type = None


class DynamicsMethod:
    """How atoms and continuum are tied together at every MD step.

    A :class:`~handshake.dynamics.CoupledDynamics` holds one instance (``dynamics.coupling``)
    and calls its hooks from inside the ``fix external`` callback; the class methods
    :meth:`strip` and :meth:`slab` build the coupled model for the two geometries.

    Parameters
    ----------
    dynamics : CoupledDynamics
    """

    name = "abstract"
    #: the strip's mesh starts at the first pad plane (True) or the first handshake plane
    strip_mesh_from_pad = False
    #: the continuum may step every n-th MD step
    allows_subcycles = True

    def __init__(self, dynamics):
        self.dynamics = dynamics

    # ------------------------------------------------------------------ per-step hooks
    def dead_load(self) -> np.ndarray | float:
        """Constant force on the DOFs (eV/Å), set once at construction."""
        return 0.0

    def continuum_force(self, step) -> np.ndarray | float:
        """Force on the DOFs from the atoms at this step (eV/Å), besides −K u."""
        return 0.0

    def constrain(self, step, kick_ps: float) -> None:
        """Correct the continuum's new half-step velocities (``dynamics.v``, after the kick of
        ``kick_ps``) and add forces on the atoms; nothing by default."""

    def atom_weights(self) -> np.ndarray:
        """Weight of each atom (by id − 1) in the total energy: 1, except 0 for the pad."""
        region = self.dynamics.region
        w = np.ones(region.natoms)
        w[self.dynamics.pad_ids - 1] = 0.0
        return w

    # ------------------------------------------------------------------ builders
    @classmethod
    def strip(cls, strip, layout: StripLayout):
        """:class:`CoupledDynamics` of a :class:`CoupledStrip` (its atoms are open)."""
        raise NotImplementedError

    @classmethod
    def slab(cls, layout: SlabLayout):
        """:class:`CoupledDynamics` of a quasi-2D coupled model."""
        raise NotImplementedError

    @classmethod
    def check_slab(cls, model) -> None:
        """Refuse, with an :class:`~handshake.errors.InputError`, a quasi-2D ``model`` this
        method cannot couple; called before a run starts. Accepts everything by default."""

"""Whether the dislocations of a scenario fit inside its atomistic core once dissociated.

A perfect a/2⟨110⟩ dislocation of an fcc crystal gliding on {111} splits into two
Shockley partials b₁ = b/2 + t and b₂ = b/2 − t, with t = (n̂ × b)/(2√3) in the plane
held apart by the intrinsic stacking fault between them: in linear anisotropic
elasticity at the width d = b₁·K·b₂ / (2π γ_isf)
(:func:`~handshake.dislocations.elastic_dissociation_width_A`). The coupled model
represents the partials and the fault only inside the atoms; if they reach the handshake
zone, the continuum (which knows no stacking fault) squeezes them and the answer is
wrong without any warning. A scenario whose partials would reach beyond the atomistic
core is therefore refused before anything runs, with the radius it needs, unless
``[run] dissociation_must_fit = false``.

γ_isf is computed with the potential (:func:`~handshake.dislocations.intrinsic_stacking_fault_energy`)
on first use and cached beside the material properties. Pure fcc elements only: a random
alloy's fault energy varies along the line and needs its own study (issue 23).
"""

from __future__ import annotations

import json

import numpy as np
from mpi4py import MPI

from ..dislocations import elastic_dissociation_width_A, intrinsic_stacking_fault_energy
from ..errors import InputError
from ..materials.cache import cache_dir, write_json_atomically

#: room kept between a partial and the handshake zone, in nearest-neighbour distances
#: (a partial's core is spread over about two of them)
PARTIAL_MARGIN_NN = 2.0


def stacking_fault_energy_mJ_per_m2(potential, element: str, a0_A: float, comm=None) -> float:
    """Relaxed intrinsic stacking-fault energy of fcc ``element``, mJ/m², cached on disk
    (keyed by the potential's content hash; collective)."""
    comm = comm if comm is not None else MPI.COMM_WORLD
    path = cache_dir() / "stacking_faults" / f"{potential.name}-{element}-{potential.content_hash}.json"
    value = None
    if comm.rank == 0 and path.is_file():
        try:
            value = float(json.loads(path.read_text())["gamma_isf_mJ_per_m2"])
        except (OSError, ValueError, KeyError, TypeError):
            value = None
    value = comm.bcast(value, root=0)
    if value is None or not np.isfinite(value):
        value = intrinsic_stacking_fault_energy(potential, element, a0_A, comm=comm)
        if comm.rank == 0:
            write_json_atomically(path, {"gamma_isf_mJ_per_m2": value, "a0_A": a0_A})
    return value


def shockley_partials(burgers, plane_normal):
    """The two Shockley partials (crystal coordinates, units of a0) of an a/2⟨110⟩
    Burgers vector on a {111} plane, or None if ``burgers`` is not one."""
    b = np.asarray(burgers, dtype=float)
    n = np.asarray(plane_normal, dtype=float)
    n = n / np.linalg.norm(n)
    is_110 = np.isclose(b @ b, 0.5) and np.allclose(np.sort(np.abs(b)), [0.0, 0.5, 0.5])
    is_111 = np.allclose(np.abs(n), 1.0 / np.sqrt(3.0))
    if not (is_110 and is_111 and abs(b @ n) < 1e-9):
        return None
    t = np.cross(n, b) / (2.0 * np.sqrt(3.0))
    return b / 2 + t, b / 2 - t


def check_dissociation(scenario, plan, centre_offsets_A, source: str, comm=None) -> None:
    """Refuse dislocations whose elastic dissociation reaches beyond the atomistic core.

    Parameters
    ----------
    scenario : Scenario
    plan : ScenarioPlan
    centre_offsets_A : list of (2,) arrays
        Each dislocation's core offset from the model's centre, Å.

    Raises
    ------
    InputError
        Naming the dislocation, its width, γ_isf and the atomistic radius it needs.
    """
    props, crystal, geometry = plan.properties, plan.crystal, plan.geometry
    if (not scenario.run.dissociation_must_fit or scenario.alloy is not None or props.lattice != "fcc"
            or not scenario.dislocations):
        return
    orientation = np.asarray(scenario.material.orientation, dtype=float)
    margin = PARTIAL_MARGIN_NN * crystal.nearest_neighbour_A
    gamma = None
    for i, (d, offset) in enumerate(zip(scenario.dislocations, centre_offsets_A)):
        normal = orientation[1] if d.slip_plane is None else np.asarray(d.slip_plane, dtype=float)
        partials = shockley_partials(d.burgers, normal)
        if partials is None or np.linalg.norm(np.cross(normal, orientation[1])) > 1e-9:
            continue  # not a Shockley-dissociating dislocation gliding along lab x
        if gamma is None:
            gamma = stacking_fault_energy_mJ_per_m2(plan.potential, crystal.element, props.a0_A, comm)
        opt_out = "or set run.dissociation_must_fit = false to run it anyway"
        if gamma <= 0:
            raise InputError(f"the potential's intrinsic stacking-fault energy is {gamma:.3g} mJ/m² ≤ 0: the Shockley "
                             f"partials repel without bound and cannot fit in any atomistic region; {opt_out}",
                             source=source, field=f"dislocations[{i}]")
        width = elastic_dissociation_width_A(props.C_voigt_GPa, orientation, props.a0_A, gamma, *partials)
        reach = abs(float(offset[0])) + abs(width) / 2 + margin
        if reach > geometry.core_radius_A:
            need = reach + geometry.handshake_width_A
            raise InputError(f"dissociates into partials {abs(width):.0f} Å apart (elastic width with the potential's "
                             f"γ_isf = {gamma:.3g} mJ/m²), reaching {reach:.0f} Å from the centre (with "
                             f"{margin:.1f} Å for the partial cores) beyond the atomistic core's "
                             f"{geometry.core_radius_A:g} Å: use geometry.atomistic_radius_A ≥ {np.ceil(need):.0f} Å, "
                             f"{opt_out}", source=source, field=f"dislocations[{i}]")

"""Misfit between a random-alloy realisation and its effective medium, at the handshake.

The continuum is homogeneous (the effective medium); the atoms of one realisation are
not. On the medium's perfect lattice every atom of the alloy feels a random misfit force
from its chemically different neighbourhood; the continuum cannot represent it, so the
handshake and pad atoms — where the two meet — carry it as a residual. Reported before
relaxation (forces on the perfect medium lattice) and after (how far the relaxed
handshake atoms sit from the continuum's displacement field).

:func:`local_relaxation` removes most of that misfit: the same realisation is relaxed
fully atomistically, without any defect, on a disc larger than the coupled model's
atoms (pad included), and each atom's displacement from the medium's lattice is added
to every applied field (``CoupledModel.local_relaxation_atoms``). The pad atoms then sit
where the alloy's own atoms would, and the continuum carries only the smooth part of
the deformation, as in the "ghost-force" free treatment of a known eigen-displacement.
Without it, the unrelaxed random pad (misfit forces ~0.2 eV/Å rms in CuNi) acts on the
core as a random, boundary-made stress field.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from ..coupling.reference import FullyAtomisticModel


def misfit_forces(model) -> dict:
    """Forces of the potential on the handshake and free atoms of ``model`` placed on the
    effective medium's perfect lattice (call before applying any field; collective), eV/Å."""
    model.place_on_applied_field()
    forces = np.linalg.norm(model.atomistic_forces(), axis=1)
    handshake = model.atomistic.group_ids("handshake") - 1
    free = model.atomistic.group_ids("free") - 1
    net = model.atomistic_forces()[free].sum(axis=0)
    return {"handshake_max_eV_per_A": float(forces[handshake].max()),
            "handshake_rms_eV_per_A": float(np.sqrt(np.mean(forces[handshake] ** 2))),
            "free_rms_eV_per_A": float(np.sqrt(np.mean(forces[free] ** 2))),
            "free_net_force_eV_per_A": np.asarray(net).tolist()}


def handshake_mismatch(model) -> dict:
    """After relaxation: distance of the handshake atoms from the continuum's
    displacement at their nodes is zero by construction; what is left is the spread of
    their displacements about the smooth applied field, Å (collective)."""
    u = model.displacements()
    handshake = model.atomistic.group_ids("handshake") - 1
    deviation = np.linalg.norm(u[handshake] - model.applied_displacements_atoms[handshake], axis=1)
    return {"handshake_max_deviation_A": float(deviation.max()),
            "handshake_rms_deviation_A": float(np.sqrt(np.mean(deviation ** 2)))}


def local_relaxation(model, margin_A: float = 10.0, fmax_eV_per_A: float = 1e-4) -> dict:
    """Relax ``model``'s random alloy realisation without a defect and keep the result as
    its ``local_relaxation_atoms`` (collective; call before applying any field).

    The disc has radius cluster radius + ``margin_A`` (Å) and a fixed shell at the
    effective medium's lattice; every atom of the coupled model (free, handshake, pad) is
    at least ``margin_A`` inside it.

    Returns
    -------
    dict
        Largest and rms local displacement of the model's atoms (Å), and the largest
        force on a handshake atom before and after (eV/Å), the model placed on the
        medium's lattice plus the local relaxation.
    """


    with FullyAtomisticModel(model, radius_A=model.geometry.cluster_radius_A + margin_A) as disc:
        result = disc.relax(fmax_eV_per_A)
        u = disc.displacements()
        distance, match = cKDTree(disc.reference_positions).query(model.reference_positions)
    if distance.max() > 1e-6:
        raise RuntimeError("coupled atoms are not on the relaxed disc's lattice")
    handshake = model.atomistic.group_ids("handshake") - 1
    model.place_on_applied_field()
    before = float(np.linalg.norm(model.atomistic_forces()[handshake], axis=1).max())
    model.local_relaxation_atoms = u[match]
    model.atomistic.set_displacements(np.arange(1, model.n_atoms + 1),
                                      model.applied_displacements_atoms + model.local_relaxation_atoms)
    after = float(np.linalg.norm(model.atomistic_forces()[handshake], axis=1).max())
    model.place_on_applied_field()
    norms = np.linalg.norm(u[match], axis=1)
    return {"max_displacement_A": float(norms.max()), "rms_displacement_A": float(np.sqrt(np.mean(norms ** 2))),
            "handshake_max_force_before_eV_per_A": before, "handshake_max_force_after_eV_per_A": after,
            "disc_converged": bool(result.converged)}

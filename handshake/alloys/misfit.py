"""Misfit between a random-alloy realisation and its effective medium, at the handshake.

The continuum is homogeneous (the effective medium); the atoms of one realisation are
not. On the medium's perfect lattice every atom of the alloy feels a random misfit force
from its chemically different neighbourhood; the continuum cannot represent it, so the
handshake and pad atoms — where the two meet — carry it as a residual. Reported before
relaxation (forces on the perfect medium lattice) and after (how far the relaxed
handshake atoms sit from the continuum's displacement field).
"""

from __future__ import annotations

import numpy as np


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

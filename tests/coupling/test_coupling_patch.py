"""Patch test of every coupling method on fcc (EAM), bcc (EAM/FS) and diamond (SW) crystals.

Independent reference: a homogeneous deformation of a perfect crystal is an equilibrium
(every atom is a centre of symmetry of its relaxed, homogeneously strained environment,
and a uniform stress is in equilibrium in the continuum), so any force in that state is
spurious (Miller & Tadmor, MSMSE 17 (2009) 053001 §3).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from handshake.coupling import METHODS, CoupledModel
from handshake.coupling.verification import PATCH_ORIENTATIONS, PATCH_STRAINS, patch_geometry, patch_test
from handshake.materials import material_properties

POTENTIALS = {"fcc": "Cu_mishin1", "bcc": "Fe_mm", "diamond": "Si_sw"}


@pytest.fixture(scope="module", params=sorted(POTENTIALS))
def lattice(request):
    return request.param


@pytest.mark.parametrize("method", sorted(METHODS))
def test_patch_test_every_method(lattice, method):
    potential = POTENTIALS[lattice]
    props = material_properties(potential)
    with CoupledModel(potential, PATCH_ORIENTATIONS[lattice], patch_geometry(props.cutoff_A, 3.0),
                      method=method) as model:
        for label, gradient in PATCH_STRAINS.items():
            report = patch_test(model, gradient)
            print(f"{lattice:8s} {method:11s} {label:10s} ghost {report['max_ghost_force_eV_per_A']:.1e} eV/Å "
                  f"error {report['max_displacement_error_A']:.1e} Å")
            assert report["max_ghost_force_eV_per_A"] <= 1e-6, label
            assert report["converged"], label
            assert report["max_displacement_error_A"] <= 1e-4, label


def test_diamond_needs_the_sublattice_shifts():
    """Without the internal relaxation of diamond, the affine state is not an equilibrium:
    the shifts are physical (Kleinman), and the check above would fail without them."""
    props = material_properties("Si_sw")
    with CoupledModel("Si_sw", PATCH_ORIENTATIONS["diamond"], patch_geometry(props.cutoff_A, 3.0)) as model:
        model.internal = None
        model.apply(model.homogeneous_strain(PATCH_STRAINS["uniaxial"]))
        atoms, _ = model.residual_forces()
        assert np.linalg.norm(atoms, axis=1).max() > 1e-2


@pytest.mark.mpi
def test_patch_test_on_two_ranks_matches():
    """The command-line patch test under mpiexec -n 2 (diamond, all methods)."""
    exe = Path(sys.executable).parent
    result = subprocess.run([str(exe / "mpiexec"), "-n", "2", str(exe / "handshake"), "verify", "patch-test",
                             "--potential", "Si_sw", "--json"], capture_output=True, text=True, timeout=600,
                            env=os.environ.copy())
    assert result.returncode == 0, result.stderr
    reports = json.loads(result.stdout)
    assert {r["method"] for r in reports} == set(METHODS)
    for r in reports:
        assert r["mpi_ranks"] == 2
        assert r["max_ghost_force_eV_per_A"] <= 1e-6
        assert r["max_displacement_error_A"] <= 1e-4
        assert r["converged"]

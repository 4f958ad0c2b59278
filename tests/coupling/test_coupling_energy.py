"""The energy-gfc method minimises a true energy: its forces are minus the energy's gradient.

Independent check: central finite differences of the total energy LAMMPS reports
(potential energy of all atoms plus the continuum strain energy minus the dead-load
work, through fix external) against the forces on atoms of every kind.
"""

import numpy as np
import pytest

from handshake.coupling import CoupledGeometry, CoupledModel
from handshake.coupling.geometry import FREE, HANDSHAKE, PAD


def test_energy_gfc_forces_are_energy_gradient():
    with CoupledModel("Cu_mishin1", [[1, -1, 0], [1, 1, 1], [-1, -1, 2]],
                      CoupledGeometry(atomistic_radius_A=16.0, handshake_width_A=4.0, outer_radius_A=80.0),
                      method="energy-gfc") as model:
        model.apply(model.dislocation([0.5, -0.5, 0.0]))
        rng = np.random.default_rng(1)
        ids = np.arange(1, model.n_atoms + 1)
        model.atomistic.displace(ids, rng.normal(scale=0.03, size=(model.n_atoms, 3)))
        dead_load = rng.normal(scale=0.05, size=(model.n_atoms, 3))
        region = model.atomistic
        region.attach(model.method.observer(dead_load), energy=True)
        region.compute()
        forces = region.gather_forces()
        h = 1e-5
        for kind in (FREE, HANDSHAKE, PAD):
            atom = int(np.flatnonzero(model.atom_region == kind)[0]) + 1
            for axis in range(3):
                energies = []
                for sign in (+1, -1):
                    step = np.zeros((1, 3))
                    step[0, axis] = sign * h
                    region.displace([atom], step)
                    energies.append(region.compute())
                    region.displace([atom], -step)
                numeric = -(energies[0] - energies[1]) / (2 * h)
                assert forces[atom - 1, axis] == pytest.approx(numeric, abs=1e-5), (kind, axis)

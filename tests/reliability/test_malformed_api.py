"""Impossible arguments of the Python API are refused with a clear message, not a crash later."""

import math

import pytest

from handshake.coupling import CoupledGeometry, CoupledModel
from handshake.coupling.reference import FullyAtomisticModel
from handshake.errors import InputError
from handshake.fracture import QuasiStaticKRamp

FRAME = [[1, -1, 0], [1, 1, 1], [-1, -1, 2]]


@pytest.mark.parametrize("kwargs, field, message", [
    ({"atomistic_radius_A": math.nan}, "atomistic_radius_A", "expected a finite number > 0, got nan"),
    ({"outer_radius_A": math.inf}, "outer_radius_A", "expected a finite number > 0, got inf"),
    ({"handshake_width_A": -1.0}, "handshake_width_A", "expected a finite number ≥ 0, got -1.0"),
    ({"pad_width_A": "wide"}, "pad_width_A", "expected a finite number > 0, got 'wide'"),
    ({"centre_A": (1.0,)}, "centre_A", "expected (x, y) in Å, got (1.0,)"),
    ({"mesh_growth": 0.5}, "mesh_growth", "expected a finite number ≥ 1, got 0.5"),
])
def test_impossible_geometry_is_refused_at_construction(kwargs, field, message):
    args = {"atomistic_radius_A": 20.0, "handshake_width_A": 4.0, "outer_radius_A": 60.0, **kwargs}
    with pytest.raises(InputError) as info:
        CoupledGeometry(**args)
    assert info.value.field == field
    assert info.value.one_line() == f"{field}: {message}"


@pytest.mark.parametrize("orientation, message", [
    ([[1.5, -1, 0], [1, 1, 1], [-1, -1, 2]], "expected three crystal directions of three integers each"),
    ([[1, -1, 0], [1, 1, 1]], "expected three crystal directions of three integers each"),
    ([[0, 0, 0], [1, 1, 1], [-1, -1, 2]], "is the zero vector"),
])
def test_bad_orientation_is_refused_before_lammps(orientation, message):
    with pytest.raises(InputError, match=message) as info:
        CoupledModel("Cu_mishin1", orientation, CoupledGeometry(20.0, 4.0, 60.0))
    assert info.value.field == "orientation"


def test_line_along_diamond_bonds_is_refused():
    with pytest.raises(InputError, match="one atom per column along z") as info:
        CoupledModel("Si_sw", [[-2, 1, 1], [0, -1, 1], [1, 1, 1]], CoupledGeometry(20.0, 5.0, 80.0))
    assert info.value.field == "orientation"


def test_geometry_of_the_wrong_type_is_refused():
    with pytest.raises(TypeError, match="geometry must be a CoupledGeometry, got dict"):
        CoupledModel("Cu_mishin1", FRAME, {"atomistic_radius_A": 20.0})


@pytest.fixture(scope="module")
def crack_model():
    with CoupledModel("Cu_mishin1", FRAME, CoupledGeometry(12.0, 4.0, 40.0, crack=True)) as model:
        yield model


@pytest.mark.parametrize("call, message", [
    (lambda m: m.relax(fmax_eV_per_A=-1e-4), "fmax_eV_per_A must be a finite force tolerance > 0 eV/Å, got -0.0001"),
    (lambda m: m.relax(fmax_eV_per_A=math.nan), "fmax_eV_per_A must be a finite force tolerance > 0 eV/Å, got nan"),
    (lambda m: m.relax(max_iterations=0), "max_iterations must be an integer from 1 to 1000000, got 0"),
    (lambda m: m.relax(max_iterations=214748365), "max_iterations must be an integer from 1 to 1000000, got 214748365"),
    (lambda m: m.relax(max_iterations=True), "max_iterations must be an integer from 1 to 1000000, got True"),
    (lambda m: m.relax(fmax_eV_per_A=True), "fmax_eV_per_A must be a finite force tolerance > 0 eV/Å, got True"),
    (lambda m: m.k_field(math.inf), "K_I_MPa_sqrt_m must be a finite number, got inf"),
    (lambda m: m.homogeneous_strain([[0.01, 0], [0, 0]]), "expected a finite 3×3 displacement gradient"),
    (lambda m: QuasiStaticKRamp(m, threshold=0.9), "threshold must be a bond stretch ratio > 1, got 0.9"),
    (lambda m: QuasiStaticKRamp(m, surface_energy_J_per_m2=-1.0), "surface_energy_J_per_m2 must be > 0 J/m²"),
    (lambda m: QuasiStaticKRamp(m).run([]), "loading has no K values"),
    (lambda m: QuasiStaticKRamp(m).run([0.1, math.nan]), "loading must be a sequence of finite K_I ≥ 0"),
    (lambda m: FullyAtomisticModel(m, radius_A=5.0), "radius_A must be finite and ≥ the coupled model's atomistic "
                                                     "radius 12 Å, got 5.0"),
])
def test_impossible_arguments_of_a_built_model(crack_model, call, message):
    with pytest.raises(ValueError) as info:
        call(crack_model)
    assert message in str(info.value)

"""The potentials registry: every shipped entry works in LAMMPS; bad entries fail clearly."""

import numpy as np
import pytest
from ase.data import atomic_numbers, reference_states

from handshake.atomistic import AtomisticRegion
from handshake.atomistic.crystal import cubic_cell
from handshake.errors import InputError
from handshake.atomistic.potentials import known_potentials, load_potential, read_potential_file

REQUIRED = {"Cu_mishin1", "Ni_u3", "Fe_mm", "W_zhou", "Si_sw", "CuNi", "MoCoNiVFeAlCr_2nn"}


def test_required_potentials_are_registered():
    names = set(known_potentials())
    assert REQUIRED <= names
    assert {"Al_jnp", "Al_zhou"} & names


@pytest.mark.parametrize("name", known_potentials())
def test_entry_runs_in_lammps_at_its_published_lattice_parameter(name):
    """LAMMPS accepts the entry's lines; at the published a0 (else ASE's experimental one)
    forces on the perfect crystal vanish by symmetry, and the energy per atom is the
    published −E_coh (to 2 %, the references being the fitting targets)."""
    pot = load_potential(name)
    ref = pot.reference
    a0 = ref.a0_A if ref and ref.a0_A else reference_states[atomic_numbers[pot.default_element]]["a"]
    atoms = cubic_cell(pot.lattice, pot.default_element, a0, repeat=3)
    with AtomisticRegion(atoms, pot) as region:
        energy = region.compute() / len(atoms)
        assert np.abs(region.gather_forces()).max() < 1e-8
    if ref and ref.cohesive_energy_eV is not None:
        assert -energy == pytest.approx(ref.cohesive_energy_eV, rel=0.02)


def test_user_potential_by_path(tmp_path):
    entry = tmp_path / "mine.toml"
    entry.write_text('name = "mine"\npair_style = "eam/alloy"\npair_coeff = "* * {files[0]} {elements}"\n'
                     'files = ["Cu_mishin1.eam.alloy"]\nelements = ["Cu"]\nlattice = "fcc"\n')
    pot = load_potential(str(entry))
    assert pot.name == "mine" and pot.files[0].name == "Cu_mishin1.eam.alloy"


def test_registry_path_variable_adds_folders(tmp_path, monkeypatch):
    (tmp_path / "extra.toml").write_text(
        'name = "extra"\npair_style = "eam/alloy"\npair_coeff = "* * {files[0]} {elements}"\n'
        'files = ["Cu_mishin1.eam.alloy"]\nelements = ["Cu"]\nlattice = "fcc"\n')
    monkeypatch.setenv("HANDSHAKE_POTENTIALS_PATH", str(tmp_path))
    assert "extra" in known_potentials()
    assert load_potential("extra").elements == ("Cu",)


@pytest.mark.parametrize("text, field, message", [
    ('name = "x"\npair_style = "eam"\npair_coeff = "* *"\nfiles = []\nelements = ["Cu"]\n'
     'lattice = "hcp"\n', "lattice", "Input should be 'fcc', 'bcc' or 'diamond'"),
    ('name = "x"\npair_style = "eam"\npair_coeff = "* *"\nfiles = ["nowhere.eam"]\nelements = ["Cu"]\n'
     'lattice = "fcc"\n', "files[0]", "parameter file 'nowhere.eam' not found"),
    ('name = "x"\npair_style = "eam"\npair_coeff = "* *"\nfiles = []\nelements = ["Qq"]\n'
     'lattice = "fcc"\n', "elements", "not chemical symbols: Qq"),
    ('name = "x"\npair_style = "eam"\npair_coeff = "* *"\nfiles = []\nelements = ["Cu"]\n'
     'lattice = "fcc"\ncolour = "red"\n', "colour", "Extra inputs are not permitted"),
    ('name = "x"\npair_style = "eam"\npair_coeff = "{files[3]}"\nfiles = []\nelements = ["Cu"]\n'
     'lattice = "fcc"\n', "pair_coeff", "template refers to"),
    ('name = \n', None, "not valid TOML"),
])
def test_bad_entry_names_file_and_field(tmp_path, text, field, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        read_potential_file(path)
    line = info.value.one_line()
    assert line.startswith(f"{path}: {field + ': ' if field else ''}")
    assert message in line
    assert "\n" not in line


def test_unknown_name_lists_known_potentials():
    with pytest.raises(InputError, match="unknown potential 'NOPE'; known potentials: .*Cu_mishin1"):
        load_potential("NOPE")

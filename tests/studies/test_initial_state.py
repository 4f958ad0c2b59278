"""``[initial_state]``: a run that starts from one's own configuration of the atoms.

Independent reference: the uninterrupted run. A K ramp 0.5 → 0.8 → 0.85 MPa·m^½ of the
flagship Si crack writes its relaxed atoms at 0.8; a second run whose ramp starts at 0.8
from that frame (extxyz as written, or a LAMMPS data file in the model's frame written by
ASE) must find that state already relaxed (energy equal, a few iterations) and reach the
same state at 0.85 as the uninterrupted ramp. Configurations that are not the model's
atoms in id order are refused before anything is written.
"""

import shutil
from pathlib import Path

import numpy as np
import pytest
from ase.io import read, write
from command_line import handshake, handshake_in_process, summary

SCENARIO = Path(__file__).parents[2] / "scenarios" / "crack_Si_111.toml"
RAMP = ["--set", "crack.unloading=[0.8]", "--set", "run.frame_interval=1"]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    out = tmp_path_factory.mktemp("initial") / "whole"
    result = handshake("--quiet", "run", SCENARIO, "--out", out, "--set", "crack.loading=[0.5, 0.8, 0.85]", *RAMP)
    assert result.returncode == 0, result.stderr
    frame = next(f for f in read(out / "atoms.extxyz", index=":") if f.info["K_MPa_sqrt_m"] == 0.8)
    write(out / "k08.extxyz", frame)
    in_model_frame = frame.copy()
    in_model_frame.positions -= frame.info["model_origin_A"]
    write(out / "k08.data", in_model_frame, format="lammps-data", atom_style="atomic", specorder=["Si"])
    return out


@pytest.mark.parametrize("name", ["k08.extxyz", "k08.data"])
def test_ramp_continues_from_a_written_frame(tmp_path, uninterrupted, name):
    # a scenario beside the atoms file names it by a relative path
    scenario = tmp_path / "from_frame.toml"
    shutil.copy(uninterrupted / name, tmp_path / name)
    scenario.write_text(SCENARIO.read_text() + f'\n[initial_state]\natoms_file = "{name}"\n')
    out = tmp_path / "continued"
    result = handshake("--quiet", "run", scenario, "--out", out, "--set", "crack.loading=[0.8, 0.85]", *RAMP)
    assert result.returncode == 0, result.stderr
    whole = summary(uninterrupted)["results"]["steps"]
    continued = summary(out)
    steps = continued["results"]["steps"]
    assert [s["K_MPa_sqrt_m"] for s in steps] == [0.8, 0.85, 0.8]
    assert steps[0]["iterations"] <= 5                                # already relaxed
    assert steps[0]["energy_eV"] == pytest.approx(whole[1]["energy_eV"], abs=1e-3)
    assert steps[1]["energy_eV"] == pytest.approx(whole[2]["energy_eV"], abs=1e-3)
    assert steps[1]["tip_x_A"] == whole[2]["tip_x_A"]
    last = read(out / "atoms.extxyz", index=-1)
    reference = read(uninterrupted / "atoms.extxyz", index=-1)
    assert np.abs(last.arrays["displacement"] - reference.arrays["displacement"]).max() < 1e-3
    provenance = continued["provenance"]["initial_state"]
    assert Path(provenance["atoms_file"]) == (tmp_path / name).resolve() and len(provenance["sha256"]) == 64


def _refused(tmp_path, capsys, atoms_file, *extra):
    out = tmp_path / "refused"
    result = handshake_in_process("run", SCENARIO, "--out", out, "--set", f"initial_state={{atoms_file='{atoms_file}'}}",
                                  *extra, capsys=capsys)
    assert result.returncode == 2, result.stderr
    assert not out.exists()
    return result.stderr.strip()


def test_configurations_that_are_not_the_models_atoms_are_refused(tmp_path, uninterrupted, capsys):
    frame = read(uninterrupted / "k08.extxyz")
    E = f"handshake: error: {SCENARIO}: initial_state."
    assert _refused(tmp_path, capsys, tmp_path / "nope.extxyz") == E + f"atoms_file: {tmp_path / 'nope.extxyz'}: no such atoms file"
    fewer = frame[:-1]
    write(tmp_path / "fewer.extxyz", fewer)
    assert _refused(tmp_path, capsys, tmp_path / "fewer.extxyz") == (
        E + f"atoms_file: {len(frame) - 1} atoms; the model has {len(frame)} (expected its atoms in id order, "
        "as in atoms.extxyz)")
    other = frame.copy()
    other.symbols[7] = "Ge"
    write(tmp_path / "other.extxyz", other)
    assert _refused(tmp_path, capsys, tmp_path / "other.extxyz") == (
        E + "atoms_file: atom 8 is Ge, the model's is Si (1 atoms differ)")
    shuffled = frame[np.random.default_rng(0).permutation(len(frame))]
    write(tmp_path / "shuffled.extxyz", shuffled)
    line = _refused(tmp_path, capsys, tmp_path / "shuffled.extxyz")
    assert line.startswith(E + "atoms_file: only ") and "not the model's atoms in id order" in line
    assert _refused(tmp_path, capsys, uninterrupted / "k08.extxyz", "--set", "initial_state.frame=3") == (
        E + f"frame: {uninterrupted / 'k08.extxyz'} has no frame 3")
    (tmp_path / "text.extxyz").write_text("not atoms\n")
    line = _refused(tmp_path, capsys, tmp_path / "text.extxyz")
    assert line.startswith(E + f"atoms_file: {tmp_path / 'text.extxyz'}: not a readable extxyz or LAMMPS data")

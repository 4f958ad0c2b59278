"""Scenario files on disk: byte-order marks, potential paths relative to the scenario's
folder, and the potentials search path."""

import os
from pathlib import Path

import pytest

from handshake.atomistic.potentials import registry_dirs
from handshake.cli import main
from handshake.errors import InputError
from handshake.scenario import load_scenario

DATA = Path(__file__).parents[1] / "malformed"


def test_byte_order_mark_is_accepted(tmp_path):
    """Editors on Windows write a UTF-8 byte-order mark; the file reads as without it."""
    plain = (DATA / "dislocation.toml").read_text()
    (tmp_path / "bom.toml").write_bytes(b"\xef\xbb\xbf" + plain.encode())
    (tmp_path / "plain.toml").write_text(plain)
    assert load_scenario(tmp_path / "bom.toml") == load_scenario(tmp_path / "plain.toml")


def test_potential_path_is_relative_to_the_scenario_folder(tmp_path, monkeypatch):
    """A scenario and its own potential entry in one folder run from any working directory."""
    folder = tmp_path / "study"
    (folder / "potentials").mkdir(parents=True)
    (folder / "potentials" / "pot.toml").write_text((DATA / "potential.toml").read_text())
    (folder / "edge.toml").write_text((DATA / "dislocation.toml").read_text()
                                      .replace('"Cu_mishin1"', '"potentials/pot.toml"'))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    scenario = load_scenario(Path("..") / "study" / "edge.toml")
    assert Path(scenario.material.potential).resolve() == (folder / "potentials" / "pot.toml").resolve()
    # a path given on the command line is the command line's: relative to the working directory
    (elsewhere / "mine.toml").write_text((DATA / "potential.toml").read_text())
    scenario = load_scenario(folder / "edge.toml", ["material.potential='mine.toml'"])
    assert scenario.material.potential == "mine.toml"
    # a registry name and an absolute path are left alone
    assert load_scenario(DATA / "dislocation.toml").material.potential == "Cu_mishin1"


def test_potentials_path_naming_a_file_is_refused(tmp_path, monkeypatch, capsys):
    entry = tmp_path / "pot.toml"
    entry.write_text((DATA / "potential.toml").read_text())
    monkeypatch.setenv("HANDSHAKE_POTENTIALS_PATH", str(entry))
    assert main(["potentials"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (f"handshake: error: environment: HANDSHAKE_POTENTIALS_PATH: {str(entry)!r} is a file, expected "
                   f"folders of potential TOML entries separated by {os.pathsep!r}\n")
    monkeypatch.setenv("HANDSHAKE_POTENTIALS_PATH", str(tmp_path / "nowhere"))
    with pytest.raises(InputError, match="is not there"):
        registry_dirs()
    monkeypatch.setenv("HANDSHAKE_POTENTIALS_PATH", str(tmp_path))
    assert registry_dirs()[0] == tmp_path

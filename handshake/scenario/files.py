"""Scenario files on disk: read, validated against the schema, paths in them made whole.

A potential given by the path of its TOML entry (``potential = "my_potentials/Si.toml"``)
and an initial state's atoms file are taken relative to the folder of the scenario file
that names them, as the entry's own
parameter files are taken relative to the entry's folder: a scenario and its potential
can be moved or run from anywhere together. A path given on the command line
(``--set material.potential=...``) is taken relative to the working directory, like every
other path on a command line.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..toml_input import load_toml
from .schema import Scenario


def is_potential_path(potential: str) -> bool:
    """Whether a ``material.potential`` value names a TOML file rather than a registry entry."""
    return potential.endswith(".toml") or os.sep in potential or "/" in potential


def with_paths_beside(scenario: Scenario, folder: str | Path, overrides: list[str] | None = None) -> Scenario:
    """``scenario`` with its relative file paths (a potential's TOML entry, the initial
    state's atoms file) taken relative to ``folder``.

    A path is unchanged when absolute, when set by one of ``overrides`` (the command line's
    paths are relative to the working directory), and a potential when it is a registry
    name.
    """
    overridden = {o.partition("=")[0].strip() for o in overrides or []}
    potential = scenario.material.potential
    if not ("material.potential" in overridden or not is_potential_path(potential) or Path(potential).is_absolute()):
        material = scenario.material.model_copy(update={"potential": str(Path(folder) / potential)})
        scenario = scenario.model_copy(update={"material": material})
    initial = scenario.initial_state
    if initial is not None and not ({"initial_state", "initial_state.atoms_file"} & overridden
                                    or Path(initial.atoms_file).is_absolute()):
        initial = initial.model_copy(update={"atoms_file": str(Path(folder) / initial.atoms_file)})
        scenario = scenario.model_copy(update={"initial_state": initial})
    return scenario


def load_scenario(path: str | Path, overrides: list[str] | None = None) -> Scenario:
    """Read and validate a scenario file, with optional ``KEY=VALUE`` overrides.

    Relative paths in the file are taken relative to the file's folder
    (:func:`with_paths_beside`).

    Raises
    ------
    InputError
        One line naming the file, the key and the problem.
    """
    scenario = load_toml(path, Scenario, "scenario file", overrides)
    return with_paths_beside(scenario, Path(path).parent, overrides)

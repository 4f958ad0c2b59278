"""Scenario files on disk: read, validated against the schema, paths in them made whole.

A potential given by the path of its TOML entry (``potential = "my_potentials/Si.toml"``)
is taken relative to the folder of the scenario file that names it, as the entry's own
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


def with_potential_beside(scenario: Scenario, folder: str | Path, overrides: list[str] | None = None) -> Scenario:
    """``scenario`` with a relative potential path taken relative to ``folder``.

    Unchanged when the potential is a registry name, an absolute path, or set by one of
    ``overrides`` (the command line's paths are relative to the working directory).
    """
    potential = scenario.material.potential
    overridden = any(o.partition("=")[0].strip() == "material.potential" for o in overrides or [])
    if overridden or not is_potential_path(potential) or Path(potential).is_absolute():
        return scenario
    material = scenario.material.model_copy(update={"potential": str(Path(folder) / potential)})
    return scenario.model_copy(update={"material": material})


def load_scenario(path: str | Path, overrides: list[str] | None = None) -> Scenario:
    """Read and validate a scenario file, with optional ``KEY=VALUE`` overrides.

    A relative potential path in the file is taken relative to the file's folder
    (:func:`with_potential_beside`).

    Raises
    ------
    InputError
        One line naming the file, the key and the problem.
    """
    scenario = load_toml(path, Scenario, "scenario file", overrides)
    return with_potential_beside(scenario, Path(path).parent, overrides)

"""The cases of a parameter sweep: every combination of swept values, times the seeds.

A sweep is given on the command line as ``--sweep KEY=V1,V2,...`` (repeatable; values in
TOML syntax, commas inside brackets or braces do not separate values) and ``--seeds N``.
Each case is one ``handshake run`` with ``--set KEY=VALUE`` for every swept key and the
seed key, written to its own output directory named after its values.
"""

from __future__ import annotations

import itertools
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..atomistic.potentials import load_potential
from ..errors import InputError
from ..scenario import load_scenario


@dataclass(frozen=True)
class Case:
    """One run of a sweep.

    Attributes
    ----------
    index : int
        Array task id, 0-based.
    name : str
        Output sub-directory, e.g. ``"003_atomistic_radius_A-40_seed-2"``.
    settings : dict of str to str
        Scenario key → value (TOML text) set for this case, swept keys and seed key.
    seed : int or None
    """

    index: int
    name: str
    settings: dict[str, str] = field(default_factory=dict)
    seed: int | None = None

    def overrides(self) -> list[str]:
        """``KEY=VALUE`` strings for ``handshake run --set``."""
        return [f"{k}={v}" for k, v in self.settings.items()]

    def to_dict(self) -> dict:
        return {"index": self.index, "name": self.name, "settings": dict(self.settings), "seed": self.seed}


def toml_value(text: str):
    """A value in TOML syntax (``40``, ``1e-4``, ``"W_zhou"``, ``[1, 2]``), else the text."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def split_values(text: str) -> list[str]:
    """Split ``"1, [2, 3], {a=4, b=5}"`` at the commas outside brackets, braces and quotes."""
    values, depth, quote, current = [], 0, None, []
    for char in text:
        if quote:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        elif char == "," and depth == 0:
            values.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    values.append("".join(current).strip())
    return values


def parse_sweep(spec: str) -> tuple[str, list[str]]:
    """``"KEY=V1,V2,..."`` → (key, [value texts]).

    Raises
    ------
    InputError
        Not ``KEY=V1,...``, or an empty or repeated value.
    """
    key, sep, text = spec.partition("=")
    key = key.strip()
    if not sep or not key or not re.fullmatch(r"[A-Za-z_][\w.]*", key):
        raise InputError(f"{spec!r} is not KEY=V1,V2,... (a dotted scenario key, then values)",
                         source="command line", field="--sweep")
    values = split_values(text)
    if any(not v for v in values):
        raise InputError(f"{spec!r} has an empty value", source="command line", field="--sweep")
    if len(set(values)) != len(values):
        raise InputError(f"{spec!r} repeats a value", source="command line", field="--sweep")
    return key, values


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.+-]+", "_", text).strip("_")[:40] or "x"


def sweep_cases(sweeps: list[tuple[str, list[str]]], seeds: list[int] | None = None,
                seed_key: str | None = None) -> list[Case]:
    """Every combination of the swept values, for every seed (seeds vary fastest).

    Parameters
    ----------
    sweeps : list of (key, values)
        From :func:`parse_sweep`; an empty list gives one case (or one per seed).
    seeds : list of int, optional
    seed_key : str, optional
        Scenario key that takes the seed; required with ``seeds``.
    """
    keys = [key for key, _ in sweeps]
    if len(set(keys)) != len(keys):
        raise InputError("the same key is swept twice", source="command line", field="--sweep")
    if seeds and seed_key in keys:
        raise InputError(f"{seed_key} is both swept and the seed key", source="command line", field="--seed-key")
    cases = []
    for combination in itertools.product(*(values for _, values in sweeps)):
        for seed in (seeds or [None]):
            settings = dict(zip(keys, combination))
            label = [f"{key.rsplit('.', 1)[-1]}-{_slug(value)}" for key, value in settings.items()]
            if seed is not None:
                settings[seed_key] = str(seed)
                label.append(f"seed-{seed}")
            index = len(cases)
            cases.append(Case(index, "_".join([f"{index:03d}", *label]) if label else "run", settings, seed))
    return cases


def validate_cases(scenario: str | Path, cases: list[Case], overrides: list[str] | None = None,
                   seed_key: str | None = None) -> None:
    """Check that the scenario file accepts every case's settings and that every case's
    potential is known (no LAMMPS is started; the geometry is checked when a case runs).

    Raises
    ------
    InputError
        The first case the scenario refuses, naming the file and the key; a seed key the
        scenario does not have is reported with a hint about ``--seed-key``.
    """

    seeded = [c for c in cases if c.seed is not None]
    if seeded:
        try:
            load_scenario(scenario, [*(overrides or []), f"{seed_key}={seeded[0].seed}"])
        except InputError as exc:
            raise InputError(f"{exc.message} (the scenario takes no seed at {seed_key!r}; name the key "
                             "that takes the seed with --seed-key)", source=exc.source, field=exc.field) from None
    for case in cases:
        try:
            loaded = load_scenario(scenario, [*(overrides or []), *case.overrides()])
            try:
                load_potential(loaded.material.potential)
            except InputError as exc:
                raise InputError(exc.message, source=str(scenario), field="material.potential") from None
        except InputError as exc:
            raise InputError(f"{exc.message} (case {case.name})", source=exc.source, field=exc.field) from None

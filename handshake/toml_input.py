"""Reading user-written TOML files against a pydantic schema, with one-line errors."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ValidationError

from .errors import InputError


def apply_overrides(data: dict, overrides: list[str]) -> dict:
    """Set dotted keys from ``KEY=VALUE`` strings (VALUE in TOML syntax, else a string).

    Raises
    ------
    InputError
        For an override that is not ``KEY=VALUE``.
    """
    for item in overrides:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"{item!r} is not KEY=VALUE", source="command line", field="--set")
        try:
            value = tomllib.loads(f"v = {text}")["v"]
        except tomllib.TOMLDecodeError:
            value = text
        target = data
        *parents, last = key.strip().split(".")
        for name in parents:
            target = target.setdefault(name, {})
            if not isinstance(target, dict):
                raise InputError(f"{key!r} goes inside a value that is not a table", source="command line",
                                 field="--set")
        target[last] = value
    return data


def load_toml(path: str | Path, schema: type[BaseModel], what: str,
              overrides: list[str] | None = None) -> BaseModel:
    """Parse ``path``, apply ``overrides`` and validate the result as ``schema``.

    Parameters
    ----------
    path : path
        The TOML file.
    schema : pydantic model class
    what : str
        What the file is, for the missing-file message ("potential file", ...).
    overrides : list of str, optional
        ``KEY=VALUE`` settings applied on top of the file (see :func:`apply_overrides`).

    Raises
    ------
    InputError
        Missing file, invalid TOML, or the first schema violation, as one line naming
        the file and the dotted key.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise InputError(f"no such {what}", source=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML ({exc})", source=str(path)) from None
    data = apply_overrides(data, overrides or [])
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"]) or None
        raise InputError(err["msg"].removeprefix("Value error, "), source=str(path), field=loc) from None

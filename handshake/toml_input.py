"""Reading user-written TOML files against a pydantic schema, with one-line errors."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ValidationError

from .errors import InputError


def load_toml(path: str | Path, schema: type[BaseModel], what: str) -> BaseModel:
    """Parse ``path`` and validate it as ``schema``.

    Parameters
    ----------
    path : path
        The TOML file.
    schema : pydantic model class
    what : str
        What the file is, for the missing-file message ("potential file", ...).

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
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"]) or None
        raise InputError(err["msg"].removeprefix("Value error, "), source=str(path), field=loc) from None

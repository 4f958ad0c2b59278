"""Property-based tests of scenario files (hypothesis).

- Random valid scenarios (dislocation and crack, three lattices, random orientations,
  radii, ramps, coupling settings) written as TOML parse back to the values written and
  build their model — atoms, regions, graded mesh, the condensed continuum — without a
  crash. Only the geometry is built for many examples; a few build the whole coupled
  model with its LAMMPS instance.
- Random invalid scenarios — one value replaced by a wrong type, a unit string, NaN, ±inf,
  a huge or a negative number, an unknown key added, a required key removed — always
  give an :class:`InputError` naming the file and the key, on one line; never another
  exception.
"""

import json
import math

import numpy as np
import pytest
from crystal_frames import FRAMES, columns_ok, crystal_of
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from handshake.continuum import Material
from handshake.coupling import METHODS
from handshake.coupling.geometry import build_cluster, continuum_mesh
from handshake.coupling.handshake_zone import HandshakeZone
from handshake.errors import InputError
from handshake.materials import material_properties
from handshake.scenario import build_model, check_scenario, load_scenario

PRINTABLE = st.characters(blacklist_categories=("Cs", "Cc"))  # TOML strings take no raw control characters
POTENTIALS = {"Cu_mishin1": "fcc", "Fe_mm": "bcc", "Si_sw": "diamond"}
SETTINGS = settings(max_examples=int(__import__("os").environ.get("FUZZ_EXAMPLES", 30)), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                           HealthCheck.filter_too_much])


def properties(name):
    """Material properties of a registered potential (computed once, then cached)."""
    return material_properties(name)


# ------------------------------------------------------------------ writing TOML

def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value == math.inf else
                                                "-inf" if value == -math.inf else repr(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a TOML basic string
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(type(value))


def to_toml(data: dict) -> str:
    """Tables as [sections], arrays of tables as [[sections]], the rest inline."""
    lines = [f"{json.dumps(k)} = {toml_value(v)}" for k, v in data.items() if not isinstance(v, (dict, list))
             or (isinstance(v, list) and not (v and all(isinstance(x, dict) for x in v)))]
    for k, v in data.items():
        if isinstance(v, dict):
            lines += [f"[{json.dumps(k)}]", *(f"{json.dumps(a)} = {toml_value(b)}" for a, b in v.items())]
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            for item in v:
                lines += [f"[[{json.dumps(k)}]]", *(f"{json.dumps(a)} = {toml_value(b)}" for a, b in item.items())]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ valid scenarios

def family(plane) -> str:
    v = np.abs(np.asarray(plane))
    return "".join(map(str, sorted(v // np.gcd.reduce(v), reverse=True)))


@st.composite
def valid_scenarios(draw):
    name = draw(st.sampled_from(sorted(POTENTIALS)))
    props = properties(name)
    frame = draw(st.sampled_from(FRAMES))
    assume(columns_ok(crystal_of(props.lattice, props.a0_A, frame)))
    nn = crystal_of(props.lattice, props.a0_A, frame).nearest_neighbour_A
    kind = draw(st.sampled_from(["dislocation", "crack"]))
    w_h = draw(st.floats(nn, 2.0 * nn))
    r_a = draw(st.floats(w_h + nn + 0.5, w_h + nn + 10.0))
    pad = draw(st.one_of(st.none(), st.floats(props.cutoff_A, 2.0 * props.cutoff_A)))
    needed = r_a + (2 * props.cutoff_A if pad is None else pad) + 4 * nn
    geometry = {"atomistic_radius_A": r_a, "handshake_width_A": w_h,
                "outer_radius_A": draw(st.floats(needed, needed + 150.0))}
    if pad is not None:
        geometry["pad_width_A"] = pad
    if draw(st.booleans()):
        geometry["mesh_growth"] = draw(st.floats(1.1, 2.0))
    if kind == "dislocation" and draw(st.booleans()):
        geometry["centre_A"] = [draw(st.floats(-1.0, 1.0)), draw(st.floats(-1.0, 1.0))]
    data = {"name": draw(st.text(PRINTABLE, min_size=1, max_size=20)), "kind": kind,
            "material": {"potential": name, "orientation": [list(v) for v in frame]}, "geometry": geometry}
    if draw(st.booleans()):
        data["description"] = draw(st.text(PRINTABLE, max_size=30))
    if draw(st.booleans()):
        data["coupling"] = {"method": draw(st.sampled_from(sorted(METHODS))),
                            "fmax_eV_per_A": draw(st.floats(1e-8, 1.0)),
                            "max_iterations": draw(st.integers(1, 100000))}
    core = r_a - w_h
    if kind == "dislocation":
        data["dislocations"] = [
            {"burgers": draw(st.lists(st.floats(-1, 1), min_size=3, max_size=3).filter(lambda b: any(b))),
             "core_A": [draw(st.floats(-0.4 * core, 0.4 * core)), draw(st.floats(-0.4 * core, 0.4 * core))]}
            for _ in range(draw(st.integers(1, 2)))]
        if draw(st.booleans()):
            data["load"] = {"gradient": [[draw(st.floats(-0.01, 0.01)), draw(st.floats(-0.01, 0.01)), 0.0]
                                         for _ in range(3)]}
    else:
        start = draw(st.floats(0.0, 0.5))
        if draw(st.booleans()):
            loading = {"start": start, "stop": start + draw(st.floats(0.1, 1.0)), "step": draw(st.floats(0.05, 0.5))}
            assume(loading["stop"] - loading["start"] >= loading["step"])
        else:
            loading = sorted(set(draw(st.lists(st.floats(0.0, 2.0), min_size=2, max_size=8))))
            assume(len(loading) >= 2 and loading[-1] > 0)
        crack = {"loading": loading}
        if draw(st.booleans()):
            crack["unloading"] = sorted(set(draw(st.lists(st.floats(0.0, 2.0), min_size=1, max_size=5))),
                                        reverse=True)
        if draw(st.booleans()):
            crack["tip_threshold"] = draw(st.floats(1.1, 3.0))
        if family(frame[1]) not in ("100", "110", "111") or draw(st.booleans()):
            crack["surface_energy_J_per_m2"] = draw(st.floats(0.1, 5.0))
        data["crack"] = crack
    if draw(st.booleans()):
        data["reference"] = {"fmax_eV_per_A": draw(st.floats(1e-8, 1.0))}
    return data


def write(tmp_path_factory, data) -> str:
    path = tmp_path_factory.mktemp("scenario") / "scenario.toml"
    path.write_text(to_toml(data), encoding="utf-8")
    return str(path)


def build_geometry(path: str):
    """Parse and check a scenario, then build its atoms, regions, mesh and condensed
    continuum — everything :class:`CoupledModel` builds before its LAMMPS instance."""
    scenario = load_scenario(path)
    plan = check_scenario(scenario, path)
    atoms, region, centre = build_cluster(plan.crystal, plan.geometry)
    mesh = continuum_mesh(plan.geometry, centre, atoms.positions[:, :2])
    material = Material(plan.properties.C_voigt_GPa, np.asarray(scenario.material.orientation))
    zone = HandshakeZone(mesh, material, plan.crystal.period_z_A, region)
    zone.driven_by_atoms.solve(np.zeros((zone.boundary_ids.size, 3)))
    return scenario, atoms, region, mesh


@SETTINGS
@given(data=valid_scenarios())
def test_valid_scenarios_parse_and_build(tmp_path_factory, data):
    path = write(tmp_path_factory, data)
    scenario, atoms, region, mesh = build_geometry(path)
    assert scenario.name == data["name"] and scenario.kind == data["kind"]
    for key, value in data["geometry"].items():
        assert np.allclose(getattr(scenario.geometry, key), value, rtol=0, atol=0)
    assert len(atoms) == len(region) and np.all(mesh.measures() > 0)
    if scenario.kind == "crack":
        assert scenario.crack.loading_values()[-1] > 0


@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=valid_scenarios())
def test_valid_scenarios_build_the_coupled_model(tmp_path_factory, data):
    path = write(tmp_path_factory, data)
    model, fields = build_model(load_scenario(path), path)
    with model:
        assert model.n_atoms == model.atomistic.natoms
        assert len(fields) == len(data.get("dislocations", [])) + ("load" in data)


# ------------------------------------------------------------------ invalid scenarios

#: keys whose values must be > 0 (a negative or zero value is invalid)
POSITIVE = {"atomistic_radius_A", "handshake_width_A", "outer_radius_A", "pad_width_A", "fmax_eV_per_A",
            "max_iterations", "step", "surface_energy_J_per_m2"}
#: keys for which a huge value is invalid (the model would not fit in memory, or its regions collide)
HUGE = {"atomistic_radius_A", "handshake_width_A", "outer_radius_A", "pad_width_A", "max_iterations"} - {
    "max_iterations"}
BAD_ANY = ["abc", "30 nm", "5 Å", [1, 2, 3, 4], {"value": 1}, math.nan, math.inf, -math.inf]


def leaves(data, prefix=()):
    """(path, value) of every scalar in a nested dict/list."""
    if isinstance(data, dict):
        for k, v in data.items():
            yield from leaves(v, prefix + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from leaves(v, prefix + (i,))
    else:
        yield prefix, data


def tables(data, prefix=()):
    if isinstance(data, dict):
        yield prefix
        for k, v in data.items():
            if isinstance(v, (dict, list)):
                yield from tables(v, prefix + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            if isinstance(v, dict):
                yield from tables(v, prefix + (i,))


def dotted(path) -> str:
    text = ""
    for k in path:
        text += f"[{k}]" if isinstance(k, int) else (f".{k}" if text else k)
    return text


def set_in(data, path, value):
    node = data
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value


def bad_value_for(draw, path, value):
    key = next((k for k in reversed(path) if isinstance(k, str)), "")
    choices = list(BAD_ANY)
    if key in POSITIVE:
        choices += [0.0, -abs(float(value)) - 1.0]
    if key in HUGE:
        choices += [1e300]
    if isinstance(value, str):  # strings: a number or a list is the wrong type
        choices = [5, [1, 2], {"value": 1}] + (["no-such-thing"] if key in ("potential", "method", "element",
                                                                           "kind") else [])
    if key in ("name", "description"):
        choices = [5, [1, 2], {"value": 1}, True]
    return draw(st.sampled_from(choices))


@st.composite
def invalid_scenarios(draw):
    data = draw(valid_scenarios())
    kind = draw(st.sampled_from(["value", "unknown key", "missing key"]))
    if kind == "value":
        path, value = draw(st.sampled_from(list(leaves(data))))
        set_in(data, path, bad_value_for(draw, path, value))
        where = path
    elif kind == "unknown key":
        table = draw(st.sampled_from(list(tables(data))))
        key = draw(st.from_regex(r"[a-z][a-z_]{0,12}", fullmatch=True))
        node = data
        for k in table:
            node = node[k]
        assume(key not in node and key not in _fields_at(table))
        node[key] = draw(st.sampled_from([1, "x", 2.5]))
        where = table + (key,)
    else:
        required = [("name",), ("kind",), ("material",), ("geometry",), ("material", "potential"),
                    ("material", "orientation"), ("geometry", "atomistic_radius_A"),
                    ("geometry", "handshake_width_A"), ("geometry", "outer_radius_A")]
        where = draw(st.sampled_from(required))
        node = data
        for k in where[:-1]:
            node = node[k]
        del node[where[-1]]
    return data, kind, where


def _fields_at(table):
    """Field names of the scenario section at ``table`` (so an added key is really unknown)."""
    from handshake.scenario.schema import (
        CouplingSection,
        CrackSection,
        DislocationSection,
        GeometrySection,
        KRange,
        LoadSection,
        MaterialSection,
        ReferenceSection,
        Scenario,
    )

    sections = {(): Scenario, ("material",): MaterialSection, ("geometry",): GeometrySection,
                ("coupling",): CouplingSection, ("load",): LoadSection, ("crack",): CrackSection,
                ("crack", "loading"): KRange, ("reference",): ReferenceSection}
    if table and table[0] == "dislocations":
        return set(DislocationSection.model_fields)
    return set(sections.get(tuple(table), Scenario).model_fields)


@SETTINGS
@given(case=invalid_scenarios())
def test_invalid_scenarios_give_one_clean_line(tmp_path_factory, case):
    data, kind, where = case
    path = write(tmp_path_factory, data)
    with pytest.raises(InputError) as info:
        build_geometry(path)
    error = info.value
    line = error.one_line()
    assert error.source == path
    assert "\n" not in line and line.startswith(f"{path}: ")
    assert error.field, line
    # the error is about the key changed, or (for values that clash with another key
    # of the same section, e.g. a huge handshake width) about that section
    section = where[0]
    assert error.field.startswith(dotted(where)) or error.field.startswith(str(section)), \
        (line, kind, where)

"""``handshake verify``: the patch test of every coupling method, and a coupled run against
a fully atomistic one."""

from __future__ import annotations

import json
import sys

from mpi4py import MPI

from ..atomistic.potentials import load_potential
from ..coupling import METHODS, CoupledModel, coupling_method
from ..coupling.reference import compare_with_reference
from ..coupling.verification import PATCH_ORIENTATIONS, PATCH_STRAINS, patch_geometry, patch_test
from ..errors import DefectAtHandshake
from ..materials import material_properties
from ..scenario import build_model, load_scenario
from ..studies.guards import EXIT_DEFECT_AT_HANDSHAKE, REFERENCE_REMEDY, defect_guard


def cmd_verify_patch_test(args) -> int:
    """Patch test of one or every coupling method: ghost forces and return to equilibrium."""
    pot = load_potential(args.potential)
    methods = [args.method] if args.method else sorted(METHODS)
    for name in methods:
        coupling_method(name)
    props = material_properties(pot, element=args.element, lattice=args.lattice)
    reports = []
    for name in methods:
        probe = CoupledModel(pot, PATCH_ORIENTATIONS[props.lattice], patch_geometry(props.cutoff_A, 3.0),
                             element=props.element, lattice=props.lattice, method=name)
        strains = {}
        with probe as model:
            for label, gradient in PATCH_STRAINS.items():
                strains[label] = patch_test(model, gradient)
        reports.append({
            "method": name, "potential": pot.name, "element": props.element, "lattice": props.lattice,
            "mpi_ranks": MPI.COMM_WORLD.size, "atoms": probe.n_atoms, "nodes": probe.zone.mesh.n_nodes,
            "max_ghost_force_eV_per_A": max(r["max_ghost_force_eV_per_A"] for r in strains.values()),
            "max_displacement_error_A": max(r["max_displacement_error_A"] for r in strains.values()),
            "converged": all(r["converged"] for r in strains.values()),
            "strains": strains})
    if MPI.COMM_WORLD.rank != 0:
        return 0
    if args.json:
        print(json.dumps(reports[0] if args.method else reports, indent=1))
        return 0
    print(f"patch test: {pot.name}, {props.element} {props.lattice}, 1 % strains, "
          f"{MPI.COMM_WORLD.size} MPI rank(s)")
    print(f"{'method':<12}{'strain':<11}{'ghost force (eV/Å)':>20}{'disp. error (Å)':>17}{'converged':>11}")
    for report in reports:
        for label, r in report["strains"].items():
            print(f"{report['method']:<12}{label:<11}{r['max_ghost_force_eV_per_A']:>20.2e}"
                  f"{r['max_displacement_error_A']:>17.2e}{str(r['converged']):>11}")
    return 0


def cmd_verify_reference(args) -> int:
    """Compare the coupled relaxation of a scenario with a fully atomistic one."""
    scenario = load_scenario(args.scenario, args.set)
    model, fields = build_model(scenario, source=args.scenario)
    fmax = scenario.reference.fmax_eV_per_A or scenario.coupling.fmax_eV_per_A
    margin = (scenario.run.handshake_margin_A if scenario.run.handshake_margin_A is not None
              else model.crystal.nearest_neighbour_A)
    try:
        with model:
            comparison = compare_with_reference(model, fields, fmax, check=defect_guard(margin, REFERENCE_REMEDY))
    except DefectAtHandshake as error:
        if MPI.COMM_WORLD.rank == 0:
            print(f"handshake: stopped: {error}", file=sys.stderr)
        return EXIT_DEFECT_AT_HANDSHAKE
    if MPI.COMM_WORLD.rank != 0:
        return 0
    data = {"scenario": scenario.name, **comparison.to_dict()}
    if args.json:
        print(json.dumps(data, indent=1))
        return 0
    for key, value in data.items():
        print(f"{key:<30}{value:.6g}" if isinstance(value, float) else f"{key:<30}{value}")
    return 0

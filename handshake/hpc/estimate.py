"""``handshake estimate``: size, memory and wall time of a scenario before running it.

The sizes are exact: the atoms and the mesh are built as :class:`~handshake.coupling.
CoupledModel` builds them (no LAMMPS instance, no stiffness matrix). The costs come from
measurements:

- **atoms**: a short LAMMPS MD run of a periodic perfect crystal of the scenario's
  potential, element and lattice, made at estimate time on this machine, at two sizes
  (≈ 2 000 and ≈ 16 000 atoms): seconds per atom-step from the larger, LAMMPS's own
  per-rank memory from both (the slope is the bytes per atom). A minimiser iteration
  (FIRE or CG) costs one force evaluation, like an MD step.
- **continuum**: every rank holds the condensed continuum (factorised once) and solves
  it at every force evaluation (one back-substitution); constants
  :data:`CONTINUUM_BYTES_PER_NODE` and :data:`CONTINUUM_SOLVE_S_PER_NODE` were measured
  by ``benchmarks/continuum.py`` (2D graded meshes of 1·10⁵–5·10⁵ nodes, this 2-core
  machine, README "Benchmarks").
- **analysis and output**: :data:`ANALYSIS_BYTES_PER_ATOM` and :data:`ANALYSIS_BASE_BYTES`,
  fitted to the peak memory of runs of a small Si crack scenario (see their comments).
- **iterations per load step**: not known before a run (FIRE needs more for larger
  models and tighter tolerances); the default :data:`ITERATIONS_PER_LOAD_STEP` is the
  count of ``benchmarks/statics.py`` (408 for the Cu edge dislocation at fmax 1e-4 eV/Å);
  a run's ``summary.json`` gives the real count of every load step afterwards, to pass
  as ``iterations``.

Checked on this machine for a Si crack of 5 728 and 14 948 atoms: 10.1 and 32 ms per
evaluation estimated, 9.2 and 27 ms measured (the run's wall time per iteration).

On ``R`` ranks the atoms' cost and memory are divided among the ranks (LAMMPS domain
decomposition, ideal scaling: measured 1.76–1.95× on 2 ranks, see DESIGN); the continuum
solve, the Python process and the continuum memory are repeated on every rank.
"""

from __future__ import annotations

import re
import resource
import tempfile
import time
import tracemalloc
from dataclasses import asdict, dataclass, field
from pathlib import Path

import ase.io  # noqa: F401  (loaded by a run: counted in the baseline memory)
import matplotlib.pyplot  # noqa: F401
import matscipy.fracture_mechanics.crack  # noqa: F401
import meshio  # noqa: F401
import numpy as np
import scipy.sparse.linalg  # noqa: F401
from mpi4py import MPI
from scipy.spatial import cKDTree

from .. import studies  # noqa: F401  (loaded by a run: counted in the baseline memory)
from ..atomistic import AtomisticRegion
from ..atomistic.crystal import ATOMS_PER_CUBIC_CELL, cubic_cell
from ..continuum import Disc, graded_mesh_2d
from ..coupling.geometry import FREE, HANDSHAKE, PAD, build_cluster
from ..errors import InputError
from ..scenario import check_scenario, load_scenario

#: fewest atoms per rank at which the estimate's ideal division of the atoms' cost among
#: ranks is taken as meaningful (a rule of thumb, not a measurement: below it LAMMPS's
#: communication of ghost atoms rivals the force work, and every rank repeats the
#: continuum solve and the Python exchange); the estimate then says its times are lower bounds
MIN_ATOMS_PER_RANK = 500

#: peak resident memory per continuum node (mesh, stiffness, LU factors), bytes:
#: (3.42 − 0.73) GB / (496 679 − 102 267) nodes, benchmarks/continuum.py
CONTINUUM_BYTES_PER_NODE = 6.8e3
#: one back-substitution per node, s: 0.394 s at 496 679 nodes, benchmarks/continuum.py
CONTINUUM_SOLVE_S_PER_NODE = 0.79e-6
#: FIRE iterations of one coupled load step at fmax 1e-4 eV/Å, benchmarks/statics.py
ITERATIONS_PER_LOAD_STEP = 408
#: peak resident memory per atom of the analysis and output of a run on every rank (gathered
#: arrays, crack-tip and defect analysis, frames), bytes, and its fixed part: fitted to the
#: peak RSS of ``handshake run tests/data/tiny_crack_Si.toml`` at R_a = 15 and 150 Å (304 and
#: 14 948 atoms: 196 and 362 MiB); at R_a = 90 Å (5 728 atoms) the estimate is 3 % above
#: the measured 258 MiB
ANALYSIS_BYTES_PER_ATOM = 8.5e3
ANALYSIS_BASE_BYTES = 23e6
#: atoms of the two calibration crystals, about
CALIBRATION_ATOMS = (2000, 16000)


@dataclass
class Calibration:
    """Cost of the potential measured by a short LAMMPS run on this machine.

    Attributes
    ----------
    seconds_per_atom_step : float
        Wall time of one MD step per atom on the ranks of the measurement, s.
    lammps_bytes_per_atom : float
        Growth of LAMMPS's reported per-rank memory per atom, bytes.
    lammps_base_bytes : float
        LAMMPS's per-rank memory extrapolated to no atoms, bytes.
    atoms, steps, ranks : int
        Size of the larger crystal, MD steps timed, MPI ranks used.
    """

    seconds_per_atom_step: float
    lammps_bytes_per_atom: float
    lammps_base_bytes: float
    atoms: int
    steps: int
    ranks: int


def _lammps_memory_bytes(log: Path) -> float:
    """Last "Per MPI rank memory allocation (min/avg/max) = a | b | c Mbytes" of a LAMMPS log."""
    found = re.findall(r"Per MPI rank memory allocation \(min/avg/max\) = \S+ \| (\S+) \| \S+ Mbytes", log.read_text())
    return float(found[-1]) * 2**20 if found else float("nan")


def measure_potential_cost(potential, element: str, lattice: str, a0_A: float, comm) -> Calibration:
    """Time MD steps of a perfect crystal and read LAMMPS's memory at two sizes (collective)."""
    measurements = []
    with tempfile.TemporaryDirectory() as tmp:
        for target in CALIBRATION_ATOMS:
            repeat = max(2, round((target / ATOMS_PER_CUBIC_CELL[lattice]) ** (1 / 3)))
            atoms = cubic_cell(lattice, element, a0_A, repeat)
            atoms.rattle(0.02, seed=1)
            log = Path(comm.bcast(tmp, root=0)) / f"calibration_{target}.log"
            with AtomisticRegion(atoms, potential, comm=comm, log_file=log) as region:
                region.run(2)  # set-up: neighbour lists, memory
                steps, elapsed = 5, 0.0
                while True:  # double the steps until the timing lasts 0.3 s
                    comm.Barrier()
                    start = time.perf_counter()
                    region.run(steps)
                    elapsed = comm.allreduce(time.perf_counter() - start, op=MPI.MAX)
                    if elapsed > 0.3 or steps >= 400:
                        break
                    steps *= 2
            memory = comm.bcast(_lammps_memory_bytes(log) if comm.rank == 0 else None, root=0)
            measurements.append((len(atoms), steps, elapsed, memory))
    (n1, _, _, m1), (n2, steps, elapsed, m2) = measurements
    per_atom = (m2 - m1) / (n2 - n1)
    return Calibration(elapsed / (steps * n2), per_atom, m1 - per_atom * n1, n2, steps, comm.size)


def resident_bytes() -> float:
    """Resident memory of this process now (Linux /proc), else its peak so far, bytes."""
    try:
        text = Path("/proc/self/status").read_text()
        return float(re.search(r"VmRSS:\s+(\d+) kB", text).group(1)) * 1024
    except (OSError, AttributeError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024.0


def _libraries_resident_bytes() -> float:
    """Resident memory once the libraries a run loads are imported (this module imports
    them all, through the studies), bytes."""
    return resident_bytes()


@dataclass
class ModelSize:
    """Exact size of a scenario's coupled model."""

    atoms: int
    free_atoms: int
    handshake_atoms: int
    pad_atoms: int
    nodes: int
    elements: int
    build_peak_bytes: float  # Python arrays while building atoms and mesh (tracemalloc)


def model_size(scenario, source: str, comm) -> tuple[ModelSize, object]:
    """Atoms by region and mesh nodes/elements of ``scenario``, built as CoupledModel builds
    them; returns the size and the material properties (collective: the properties may be
    computed with LAMMPS if not cached)."""
    plan = check_scenario(scenario, source, comm)
    crystal, geometry, props = plan.crystal, plan.geometry, plan.properties
    tracemalloc.start()
    atoms, region, centre = build_cluster(crystal, geometry)
    sites = atoms.positions[:, :2]
    spacing = float(np.median(cKDTree(sites).query(sites, k=2)[0][:, 1]))
    mesh = graded_mesh_2d(Disc(tuple(centre), geometry.outer_radius_A),
                          Disc(tuple(centre), geometry.cluster_radius_A + 1e-6), h0=spacing,
                          growth=geometry.mesh_growth, sites=sites,
                          atomistic=Disc(tuple(centre), geometry.core_radius_A), hole=True,
                          slit=tuple(centre) if geometry.crack else None)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    size = ModelSize(len(atoms), int(np.sum(region == FREE)), int(np.sum(region == HANDSHAKE)),
                     int(np.sum(region == PAD)), mesh.n_nodes, len(mesh.cells), float(peak))
    return size, props


@dataclass
class ResourceEstimate:
    """What a scenario will need (see the module docstring for where each number comes from)."""

    scenario: str
    potential: str
    size: ModelSize
    calibration: Calibration
    ranks: int
    load_steps: int
    baseline_bytes_per_rank: float
    memory_bytes_per_rank: float
    memory_bytes_total: float
    seconds_per_evaluation: float
    seconds_per_load_step: float
    seconds_total: float
    seconds_per_1000_md_steps: float
    iterations_per_load_step: int
    md_steps: int = 0
    notes: list = field(default_factory=list)  #: warnings about the estimate's validity

    def to_dict(self) -> dict:
        return asdict(self)

    def report_lines(self) -> list[str]:
        s, c = self.size, self.calibration
        gb = 1024.0**3
        return [
            f"{self.scenario} ({self.potential}) on {self.ranks} MPI rank(s)",
            f"atoms          {s.atoms} ({s.free_atoms} free core, {s.handshake_atoms} handshake, {s.pad_atoms} pad)",
            f"mesh           {s.nodes} nodes, {s.elements} triangles",
            f"measured       {c.seconds_per_atom_step * 1e6:.3g} µs per atom-step, LAMMPS "
            f"{c.lammps_bytes_per_atom:.0f} B per atom ({c.atoms} atoms, {c.steps} MD steps, {c.ranks} rank(s), "
            "this machine, now)",
            f"memory         {self.memory_bytes_per_rank / gb:.2f} GiB per rank, {self.memory_bytes_total / gb:.2f} GiB "
            f"in all (Python and libraries {self.baseline_bytes_per_rank / gb:.2f} GiB per rank)",
            f"per evaluation {self.seconds_per_evaluation * 1e3:.3g} ms (one force evaluation: atoms + "
            "continuum back-substitution)",
            f"per load step  {self.seconds_per_load_step:.3g} s at {self.iterations_per_load_step} iterations "
            "(--iterations; a run's summary.json has the real count per step)",
            f"whole run      {self.seconds_total:.3g} s for {self.load_steps} load step(s)"
            + (f" and {self.md_steps} MD steps" if self.md_steps else ""),
            f"MD             {self.seconds_per_1000_md_steps:.3g} s per 1000 steps",
            *(f"note           {note}" for note in self.notes)]


def estimate_resources(path, overrides: list[str] | None = None, ranks: int = 1,
                       iterations: int = ITERATIONS_PER_LOAD_STEP, comm=None) -> ResourceEstimate:
    """Size, memory and wall time of the scenario in ``path`` on ``ranks`` MPI ranks.

    The calibration runs on ``comm`` (default ``MPI.COMM_WORLD``, usually one rank);
    its per-atom cost is scaled ideally to ``ranks``. ``iterations``: minimiser
    iterations (force evaluations) per load step.
    """
    comm = comm if comm is not None else MPI.COMM_WORLD
    scenario = load_scenario(path, overrides)
    baseline = comm.allreduce(_libraries_resident_bytes(), op=MPI.MAX)
    size, props = model_size(scenario, str(path), comm)
    if ranks > size.atoms:
        raise InputError(f"{ranks} ranks for {size.atoms} atoms: most ranks would hold no atoms (at most "
                         f"{max(1, size.atoms // MIN_ATOMS_PER_RANK)} for {MIN_ATOMS_PER_RANK} atoms per rank)",
                         source="command line", field="--ranks")
    calibration = measure_potential_cost(scenario.material.potential, props.element, props.lattice, props.a0_A,
                                         comm)
    # one rank's share of the atoms on ``ranks`` ranks, from a cost measured on ``comm.size``
    atom_step_s = calibration.seconds_per_atom_step * calibration.ranks / ranks
    per_evaluation = size.atoms * atom_step_s + size.nodes * CONTINUUM_SOLVE_S_PER_NODE
    load_steps = 1
    if scenario.kind == "crack":
        load_steps = len(scenario.crack.loading_values()) + len(scenario.crack.unloading_values())
    per_rank = (baseline + size.build_peak_bytes + size.nodes * CONTINUUM_BYTES_PER_NODE
                + ANALYSIS_BASE_BYTES + ANALYSIS_BYTES_PER_ATOM * size.atoms
                + calibration.lammps_base_bytes + calibration.lammps_bytes_per_atom * size.atoms / ranks)
    per_step = iterations * per_evaluation
    md_steps = scenario.dynamics.steps if scenario.dynamics is not None else 0
    per_1000_md = 1000 * size.atoms * atom_step_s
    notes = []
    if size.atoms / ranks < MIN_ATOMS_PER_RANK:
        notes.append(f"{size.atoms / ranks:.0f} atoms per rank: below ~{MIN_ATOMS_PER_RANK} LAMMPS's cost no longer "
                     "divides among ranks and every rank repeats the continuum and Python; the times are lower "
                     f"bounds, the memory grows with ranks; at most {max(1, size.atoms // MIN_ATOMS_PER_RANK)} "
                     "rank(s) make sense")
    return ResourceEstimate(scenario.name, scenario.material.potential, size, calibration, ranks, load_steps,
                            baseline, per_rank, ranks * per_rank, per_evaluation, per_step,
                            load_steps * per_step + md_steps / 1000 * per_1000_md, per_1000_md, iterations, md_steps,
                            notes)

"""The ``handshake`` command line's parser: every command, option and help text.

Only argparse here: the parser answers ``--help`` and usage errors without importing
LAMMPS or the physics. Each command names the module of this package and the function
that implement it (``set_defaults(command=(module, function))``); :func:`handshake.cli.main`
imports that module when the command runs.
"""

from __future__ import annotations

import argparse
import importlib.metadata

from ..errors import InputError


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line with exit code 2."""

    def error(self, message):  # noqa: D401 - argparse API
        raise InputError(message, source="command line")


def _version() -> str:
    """The installed package's version (from its metadata: no import of the physics)."""
    try:
        return importlib.metadata.version("handshake")
    except importlib.metadata.PackageNotFoundError:
        return "(not installed)"


def _whole_number(text: str, least: int, too_small: str) -> int:
    """``text`` as a whole number ≥ ``least``; ``too_small``: the message's start below it."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"{too_small}, got {value}")
    return value


def _count(text: str) -> int:
    """A whole number ≥ 1 (ranks, seeds, nodes, iterations, ...)."""
    return _whole_number(text, 1, "expected a whole number of at least 1")


def _seed(text: str) -> int:
    """A random seed: a whole number ≥ 0."""
    return _whole_number(text, 0, "a seed is a whole number ≥ 0")


def _directory(text: str) -> str:
    """An output directory: a path that is not empty (``--out ''`` would mean the working directory)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty path; give a directory (use --out . for the working directory)")
    return text


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command; each sets ``command = (module, function)`` of its implementation."""
    parser = _Parser(prog="handshake", description="Concurrent atomistic-continuum coupling: LAMMPS atoms around "
                                                          "a defect, finite elements for the far field.")
    parser.add_argument("--version", action="version", version=f"handshake {_version()}")
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error")
    loudness = parser.add_mutually_exclusive_group()
    loudness.add_argument("-q", "--quiet", action="store_true",
                          help="print only warnings and errors on standard error (results still on standard output)")
    loudness.add_argument("-v", "--verbose", action="store_true", help="print set-up details too")
    # --debug is accepted after the command too (handshake run x.toml --debug)
    debug = _Parser(add_help=False)
    debug.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command_name", metavar="COMMAND", parser_class=_Parser)
    _with_debug(commands, debug)
    commands.required = True

    add_materials(commands)
    add_run(commands)
    add_status(commands)
    add_sweep(commands)
    add_verify(commands, with_debug=lambda checks: _with_debug(checks, debug))
    add_submit(commands)
    add_collect(commands)
    add_estimate(commands)
    add_potentials(commands)
    return parser


def _with_debug(subparsers, debug) -> None:
    """Make every parser added to ``subparsers`` accept ``--debug`` after its command."""
    add = subparsers.add_parser
    subparsers.add_parser = lambda *a, **k: add(*a, parents=[debug], **k)


def add_materials(commands) -> None:
    """The ``materials`` command."""
    materials = commands.add_parser("materials", help="material properties computed from a potential")
    materials.add_argument("potential", help="registry name or path of a potential TOML file")
    materials.add_argument("--element", help="element (default: the potential's default_element)")
    materials.add_argument("--lattice", choices=["fcc", "bcc", "diamond"],
                           help="lattice (default: the potential's lattice)")
    materials.add_argument("--json", action="store_true", help="print JSON")
    materials.add_argument("--no-cache", action="store_true", help="recompute, ignore the cache")
    materials.set_defaults(command=("lookup", "cmd_materials"))


def add_run(commands) -> None:
    """The ``run`` command."""
    run = commands.add_parser("run", help="run a scenario file")
    run.add_argument("scenario", nargs="?", help="scenario TOML file (not with --restart)")
    run.add_argument("--restart", metavar="DIR",
                     help="continue the run whose output directory (with checkpoint.npz) is DIR; --set still applies")
    run.add_argument("--out", type=_directory, help="output directory (default: out/<scenario name>, -2, -3, ... if taken)")
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                     help="override a scenario value, e.g. --set geometry.atomistic_radius_A=40")
    run.add_argument("--overwrite", action="store_true", help="write into a non-empty output directory")
    run.add_argument("--reference", action="store_true",
                     help="repeat the study fully atomistically on a domain 10× larger in area and compare")
    run.add_argument("--lammps-log", action="store_true", help="write LAMMPS's own log to log.lammps in the "
                                                                   "output directory")
    run.set_defaults(command=("runs", "cmd_run"))


def add_status(commands) -> None:
    """The ``status`` command."""
    status = commands.add_parser("status", help="state of run directories: completed, interrupted, stopped, "
                                                "running or killed")
    status.add_argument("directory", nargs="+", help="output directory of a handshake run")
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(command=("runs", "cmd_status"))


def add_sweep(commands) -> None:
    """The ``sweep`` command."""
    sweep = commands.add_parser("sweep", help="a random-alloy scenario over many seeds: CRSS statistics")
    sweep.add_argument("scenario", help="scenario TOML file with [alloy] and [glide] sections")
    sweep.add_argument("--seeds", type=_count, required=True, help="number of realisations")
    sweep.add_argument("--first-seed", type=_seed, default=1, help="seed of the first realisation (default 1)")
    sweep.add_argument("--jobs", type=_count, default=2, help="realisations run at the same time (default 2)")
    sweep.add_argument("--out", type=_directory, help="output directory (default: out/<scenario name>-sweep)")
    sweep.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a scenario value")
    sweep.add_argument("--reference", action="store_true", help="each realisation also fully atomistic")
    sweep.set_defaults(command=("runs", "cmd_sweep"))


def add_verify(commands, with_debug) -> None:
    """The ``verify`` command and its checks; ``with_debug`` adds ``--debug`` to a sub-parser."""
    verify = commands.add_parser("verify", help="verification of the coupling")
    checks = verify.add_subparsers(dest="check", metavar="CHECK", parser_class=type(verify))
    checks.required = True
    with_debug(checks)
    patch = checks.add_parser("patch-test", help="homogeneous strains: ghost forces and return to equilibrium")
    patch.add_argument("--potential", required=True, help="registry name or TOML path")
    patch.add_argument("--lattice", choices=["fcc", "bcc", "diamond"], help="default: the potential's")
    patch.add_argument("--element", help="default: the potential's default_element")
    patch.add_argument("--method", help="coupling method (default: every registered method)")
    patch.add_argument("--json", action="store_true", help="print JSON")
    patch.set_defaults(command=("verify", "cmd_verify_patch_test"))
    reference = checks.add_parser("reference", help="coupled versus fully atomistic run of a scenario")
    reference.add_argument("scenario", help="scenario TOML file")
    reference.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a scenario value")
    reference.add_argument("--json", action="store_true", help="print JSON")
    reference.set_defaults(command=("verify", "cmd_verify_reference"))


def add_submit(commands) -> None:
    """The ``submit`` command."""
    submit = commands.add_parser("submit", help="write (and submit) a Slurm/PBS job array running a scenario or a sweep")
    submit.add_argument("scenario", help="scenario TOML file")
    submit.add_argument("--scheduler", required=True, choices=["slurm", "pbs"], help="batch system")
    submit.add_argument("--nodes", type=_count, default=1, help="nodes per case (default 1)")
    submit.add_argument("--ntasks", type=_count, default=1, help="MPI ranks per case (default 1)")
    submit.add_argument("--time", default="01:00:00", help="wall-time limit per case: MINUTES, HH:MM:SS or "
                                                           "D-HH:MM:SS (default 01:00:00)")
    submit.add_argument("--partition", help="Slurm partition or PBS queue")
    submit.add_argument("--account", help="account charged")
    submit.add_argument("--job-name", default="handshake", help="job name (default handshake)")
    submit.add_argument("--sweep", action="append", default=[], metavar="KEY=V1,V2,...",
                        help="sweep a scenario key over values (TOML syntax); repeat for a grid")
    submit.add_argument("--seeds", help="N (seeds 1..N) or a list S1,S2,...: one case per seed and sweep point")
    submit.add_argument("--seed-key", default="alloy.seed", help="scenario key that takes the seed "
                                                                 "(default alloy.seed)")
    submit.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a scenario value in every case")
    submit.add_argument("--out", type=_directory, help="sweep directory (default out/<scenario name>-sweep)")
    submit.add_argument("--dry-run", action="store_true", help="write and print the job script, submit nothing")
    submit.set_defaults(command=("cluster", "cmd_submit"))


def add_collect(commands) -> None:
    """The ``collect`` command."""
    collect = commands.add_parser("collect", help="gather the summaries of a sweep into a table and a plot")
    collect.add_argument("directory", help="sweep directory written by handshake submit")
    collect.add_argument("--quantity", help="result plotted against the swept key (default K_plus_over_K_G "
                                            "for cracks)")
    collect.set_defaults(command=("cluster", "cmd_collect"))


def add_estimate(commands) -> None:
    """The ``estimate`` command."""
    estimate = commands.add_parser("estimate", help="atoms, mesh, memory and wall time of a scenario")
    estimate.add_argument("scenario", help="scenario TOML file")
    estimate.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                          help="override a scenario value")
    estimate.add_argument("--ranks", type=_count, default=1, help="MPI ranks the run will use (default 1)")
    estimate.add_argument("--iterations", type=_count,
                          help="minimiser iterations per load step (default 408, from benchmarks/statics.py)")
    estimate.add_argument("--json", action="store_true", help="print JSON")
    estimate.set_defaults(command=("cluster", "cmd_estimate"))


def add_potentials(commands) -> None:
    """The ``potentials`` command."""
    potentials = commands.add_parser("potentials", help="list the registered potentials")
    potentials.add_argument("--json", action="store_true", help="print JSON")
    potentials.set_defaults(command=("lookup", "cmd_potentials"))

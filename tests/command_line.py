"""Command lines the tests run: ``handshake`` (this environment's entry point) and scripts
under ``mpiexec``, each in a subprocess."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from handshake.cli import main

#: the console script installed next to the interpreter running the tests
HANDSHAKE = Path(sys.executable).parent / "handshake"
#: the mpiexec of the mpich wheel in this environment
MPIEXEC = Path(sys.executable).parent / "mpiexec"


def handshake(*args, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run ``handshake ARGS`` (paths allowed) with the test environment plus ``env``; capture
    its output as text."""
    return subprocess.run([str(HANDSHAKE), *map(str, args)], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def summary(out) -> dict:
    """``summary.json`` of the run directory ``out``."""
    return json.loads((Path(out) / "summary.json").read_text())


def script_on_ranks(script, args, directory, ranks=(1, 2)) -> dict:
    """Run ``mpiexec -n N python SCRIPT ARGS OUT.npz`` for each N in ``ranks``; the arrays each
    run saved, by N."""
    import numpy as np

    runs = {}
    for n in ranks:
        out = Path(directory) / f"{n}.npz"
        subprocess.run([str(MPIEXEC), "-n", str(n), sys.executable, str(script), *map(str, args), str(out)],
                       check=True, timeout=600, env=os.environ.copy())
        runs[n] = np.load(out)
    return runs


def handshake_in_process(*args, capsys) -> subprocess.CompletedProcess:
    """``handshake ARGS`` run in this process (:func:`handshake.cli.main`), its output taken
    with pytest's ``capsys``: for the many refused-input checks, which need no second
    interpreter (the console script itself is run by the tests of tests/cli and
    tests/reliability)."""
    code = main([str(a) for a in args])
    printed = capsys.readouterr()
    return subprocess.CompletedProcess(["handshake", *map(str, args)], code, printed.out, printed.err)


def signalled_when(command, line_start: str, signum=signal.SIGTERM, timeout: float = 600) -> tuple[int, list[str]]:
    """Run ``command`` (paths allowed); send it ``signum`` as soon as a line of its standard
    error starts with ``line_start``; return its exit code and the lines it printed there."""
    proc = subprocess.Popen([*map(str, command)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=os.environ.copy())
    lines = []
    for line in proc.stderr:
        lines.append(line)
        if line.startswith(line_start):
            proc.send_signal(signum)
    return proc.wait(timeout=timeout), lines

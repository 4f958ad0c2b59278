"""The ``handshake`` command as the tests run it: this environment's entry point in a subprocess."""

import json
import os
import subprocess
import sys
from pathlib import Path

#: the console script installed next to the interpreter running the tests
HANDSHAKE = Path(sys.executable).parent / "handshake"


def handshake(*args, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run ``handshake ARGS`` (paths allowed) with the test environment plus ``env``; capture
    its output as text."""
    return subprocess.run([str(HANDSHAKE), *map(str, args)], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def summary(out) -> dict:
    """``summary.json`` of the run directory ``out``."""
    return json.loads((Path(out) / "summary.json").read_text())

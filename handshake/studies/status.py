"""The state of a run directory, read from its files: ``handshake status DIR``.

A run writes ``summary.json`` with ``status = "running"`` and the host and process id of
its rank 0 (``process``) when it starts, and the final status when it ends:
``completed``, ``interrupted`` (a stop signal; exit code 3), ``stopped`` (a run-time
guard; exit codes 4–10). A run killed without warning (SIGKILL, a node failure, the
wall-time limit's kill) cannot say so itself: its summary still says ``running``.
:func:`run_status` tells the two apart on the run's own host (the process is gone, or is
another program), and elsewhere says how long ago the run last wrote.
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path

from ..errors import InputError
from .checkpoint import FILENAME as CHECKPOINT


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this host and is a Python process (a reused id
    of another program does not count)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return "python" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return True


def run_status(directory) -> dict:
    """The state of the run in ``directory``.

    Returns
    -------
    dict
        ``state``: ``completed``, ``interrupted``, ``stopped``, ``running``, ``killed`` or
        ``unknown`` (running on another host, as far as this host can tell);
        ``load_steps``: load steps in the summary; ``checkpoint``: whether one is on
        disk; ``last_written_s``: seconds since ``summary.json`` was written;
        ``message``: one line for the user.

    Raises
    ------
    InputError
        ``directory`` has no readable ``summary.json``.
    """
    directory = Path(directory)
    path = directory / "summary.json"
    try:
        summary = json.loads(path.read_text())
        state = summary["status"]
    except (OSError, ValueError, KeyError, TypeError):
        raise InputError("no readable summary.json: not a run directory, or a run that has not started",
                         source=str(directory)) from None
    steps = len((summary.get("results") or {}).get("steps", []))
    age = time.time() - path.stat().st_mtime
    checkpoint = (directory / CHECKPOINT).exists()
    resume = f"; continue with: handshake run --restart {directory}" if checkpoint else ""
    process = summary.get("process") or {}
    host, pid = process.get("host", summary.get("provenance", {}).get("host")), process.get("pid")
    if state == "completed":
        message = f"completed: {steps} load steps in {summary.get('wall_time_s', 0.0):.1f} s"
    elif state in ("interrupted", "stopped"):
        stop = summary.get("stop") or {}
        message = f"{state} (exit code {stop.get('exit_code', '?')}): {stop.get('message', '')}{resume}"
    elif host == platform.node() and pid is not None and not _alive(int(pid)):
        state = "killed"
        message = (f"killed: the summary says running but process {pid} is gone (SIGKILL, out of memory, the "
                   f"wall-time limit?); {steps} load steps written{resume}")
    elif host == platform.node() and pid is not None:
        message = f"running: process {pid}, {steps} load steps so far, last written {age:.0f} s ago"
    else:
        state = "unknown"
        message = (f"running on {host} or killed there (this host cannot tell): {steps} load steps, last written "
                   f"{age:.0f} s ago{resume}")
    return {"directory": str(directory), "state": state, "load_steps": steps, "checkpoint": checkpoint,
            "last_written_s": age, "message": message}

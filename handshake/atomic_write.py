"""Files written whole or not at all: through a temporary file beside them and a rename.

A run's outputs (summary, frames, checkpoint, ParaView index) are rewritten while the run
goes on and read by people and programs at any moment; a full disk, a quota or a kill
must never leave one of them cut short. :func:`atomic_write` gives a temporary path to
write to and renames it over the target when the writing succeeded (``os.replace``: a
reader sees the old file or the new one), or removes it when it failed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_write(path) -> Iterator[Path]:
    """The temporary path ``.NAME.tmp`` beside ``path`` to write to in the ``with`` block.

    One writer per file at a time (the name is fixed). An ``OSError`` of the writing
    without a file name (ENOSPC from a ``write``) is raised again naming ``path``.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        yield tmp
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError) and not exc.filename:
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise
    os.replace(tmp, path)

"""The Python examples of the documentation run.

Every ```` ```python ```` block in ``docs/**/*.md`` that is preceded by the line
``<!-- test: run -->`` is executed as a script in a fresh interpreter (``sys.executable``),
in a temporary working directory with a temporary materials cache, and must exit with
code 0. Only short examples (seconds) are marked; the long studies are run by their own
tests and benchmarks.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
MARK = "<!-- test: run -->"
BLOCK = re.compile(r"^" + re.escape(MARK) + r"[ \t]*\n```python[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)


def marked_examples() -> list[tuple[str, str]]:
    """(``page:line``, code) of every marked block, in page order."""
    examples = []
    for page in sorted(DOCS.rglob("*.md")):
        if "_build" in page.parts:
            continue
        text = page.read_text(encoding="utf-8")
        for match in BLOCK.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            examples.append((f"{page.relative_to(DOCS)}:{line}", match.group(1)))
    return examples


EXAMPLES = marked_examples()


def test_marked_examples_exist():
    # a mark that is not directly followed by a python block would silently test nothing
    alone = re.compile(r"^" + re.escape(MARK) + r"[ \t]*$", re.M)
    marks = sum(len(alone.findall(page.read_text(encoding="utf-8"))) for page in DOCS.rglob("*.md")
                if "_build" not in page.parts)
    assert EXAMPLES and len(EXAMPLES) == marks


@pytest.mark.parametrize("where, code", EXAMPLES, ids=[where for where, _ in EXAMPLES])
def test_doc_example_runs(where, code, tmp_path):
    script = tmp_path / "example.py"
    script.write_text(code, encoding="utf-8")
    env = os.environ.copy()
    env["HANDSHAKE_CACHE_DIR"] = str(tmp_path / "cache")
    result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"{where}\n{result.stdout}\n{result.stderr}"

"""Sphinx configuration of the handshake documentation.

Build with ``sphinx-build -W --keep-going -b html docs docs/_build/html`` (warnings are
errors, as in CI). The dependencies are the ``docs`` extra of ``pyproject.toml``; why each
is there is written in ``explanation/dependencies.md``.
"""

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))           # the local extensions below
sys.path.insert(0, str(DOCS.parent))             # the package of this checkout, not an installed one

import handshake  # noqa: E402

project = "handshake"
author = "the handshake developers"
copyright = "the handshake developers, MIT licence"
release = version = handshake.__version__

extensions = [
    "myst_parser",               # Markdown pages
    "sphinx.ext.autodoc",        # API reference from docstrings
    "sphinx.ext.autosummary",    # ... one page per module, generated recursively
    "numpydoc",                  # numpydoc docstring sections
    "sphinx.ext.mathjax",        # equations in the explanation pages
    "sphinx.ext.viewcode",       # source links from the API reference
    "scenario_reference",        # docs/_ext: scenario-file reference from the pydantic schema
    "cli_reference",             # docs/_ext: command-line reference from argparse
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "reference/_generated"]  # _generated: included pages
templates_path = ["_templates"]

myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

autosummary_generate = True
autosummary_imported_members = False
# ignore-module-all: a package's __all__ re-exports objects its modules document already
autodoc_default_options = {"members": True, "show-inheritance": True, "ignore-module-all": True}
autodoc_member_order = "bysource"
autodoc_typehints = "none"       # the numpydoc Parameters sections carry the types and units

numpydoc_show_class_members = False   # autosummary lists members; avoids duplicate objects
numpydoc_class_members_toctree = False
numpydoc_validation_checks = set()    # formatting only; the content rules are the code review's

nitpicky = False

html_theme = "furo"
html_title = f"handshake {release}"
html_static_path = []


def _skip_foreign(app, what, name, obj, skip, options):
    """Document only objects defined in handshake (not scipy's cKDTree imported by a module)."""
    module = getattr(obj, "__module__", None)
    if what == "module" and isinstance(module, str) and not module.startswith("handshake"):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_foreign)

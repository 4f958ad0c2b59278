"""The scientific studies: long runs against fully atomistic references and published
values; every test here is marked ``slow`` (``pytest -m "not slow"`` leaves them out)."""

from pathlib import Path

import pytest


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.slow)

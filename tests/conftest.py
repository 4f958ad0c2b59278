"""Shared test set-up: a private material-properties cache for the whole session."""

import os
from pathlib import Path

import pytest
from hypothesis import settings

# Property-based tests draw the same examples on every run, so CI is reproducible; a
# random search for new failures is `pytest --hypothesis-profile=explore`.
settings.register_profile("deterministic", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile("deterministic")


@pytest.fixture(autouse=True, scope="session")
def private_cache(tmp_path_factory):
    """Point HANDSHAKE_CACHE_DIR at a fresh folder so tests never read a user's cache.

    Under pytest-xdist the workers share one folder (the cache writes atomically), so each
    potential's properties are computed once per test run, not once per worker."""
    mp = pytest.MonkeyPatch()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        path = tmp_path_factory.getbasetemp().parent / "handshake-cache"
        path.mkdir(exist_ok=True)
    else:
        path = tmp_path_factory.mktemp("handshake-cache")
    mp.setenv("HANDSHAKE_CACHE_DIR", str(path))
    yield path
    mp.undo()


def pytest_collection_modifyitems(config, items):
    """The long scientific studies (tests/science) first: the pytest-xdist workers of the
    README's test command then start on them and finish together."""
    items.sort(key=lambda item: "science" not in Path(str(item.fspath)).parts)

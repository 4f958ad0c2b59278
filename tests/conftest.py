"""Shared test set-up: a private material-properties cache for the whole session."""

import pytest
from hypothesis import settings

# Property-based tests draw the same examples on every run, so CI is reproducible; a
# random search for new failures is `pytest --hypothesis-profile=explore`.
settings.register_profile("deterministic", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile("deterministic")


@pytest.fixture(autouse=True, scope="session")
def private_cache(tmp_path_factory):
    """Point HANDSHAKE_CACHE_DIR at a fresh folder so tests never read a user's cache."""
    mp = pytest.MonkeyPatch()
    path = tmp_path_factory.mktemp("handshake-cache")
    mp.setenv("HANDSHAKE_CACHE_DIR", str(path))
    yield path
    mp.undo()

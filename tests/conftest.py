"""Shared test set-up: a private material-properties cache for the whole session."""

import pytest


@pytest.fixture(autouse=True, scope="session")
def private_cache(tmp_path_factory):
    """Point HANDSHAKE_CACHE_DIR at a fresh folder so tests never read a user's cache."""
    mp = pytest.MonkeyPatch()
    path = tmp_path_factory.mktemp("handshake-cache")
    mp.setenv("HANDSHAKE_CACHE_DIR", str(path))
    yield path
    mp.undo()

"""Fixtures of the continuum tests."""

import pytest

from continuum_reference import CU_C11, CU_C12, CU_C44
from handshake.continuum import cubic_voigt


@pytest.fixture
def cu_voigt():
    return cubic_voigt(CU_C11, CU_C12, CU_C44)

"""This domain's HTTP tests run on the service seeded with the real Hwaseong layers."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def client(hwaseong_client: Any) -> Any:
    return hwaseong_client

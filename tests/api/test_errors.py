"""One error tree, one status table: a domain's own error answers with its nearest named ancestor's code."""

from __future__ import annotations

import pytest

from api.errors import (
    InvalidInputError,
    LayerTooLargeError,
    LayerValidationError,
    NotFoundError,
    PayloadTooLargeError,
    PolicyError,
    PotholeWatchError,
    status_for,
)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (NotFoundError("pothole_id=9 does not exist"), 404),
        (InvalidInputError("bbox: 'x'"), 422),
        (PayloadTooLargeError("image: 9 bytes"), 413),
        (LayerValidationError("features[0]: geometry is null"), 422),
        (LayerTooLargeError("body: 9 bytes exceeds the layer cap of 1 bytes"), 413),
        (PolicyError("policy.categories: at least one category is required"), 422),
        (PotholeWatchError("unnamed"), 400),
    ],
    ids=["not-found", "invalid", "too-large", "layer-invalid", "layer-too-large", "policy", "base"],
)
def test_status_for_walks_the_error_ancestry(error: PotholeWatchError, code: int) -> None:
    assert status_for(error) == code

"""The layers part's domain errors; HTTP status codes are assigned where the routes are registered."""

from __future__ import annotations


class LayerError(Exception):
    """Base for failures a client can act on when it sends or asks for a layer."""


class LayerValidationError(LayerError):
    """The GeoJSON is not an acceptable RFC 7946 layer; the message names the feature and the problem."""


class LayerTooLargeError(LayerError):
    """The layer exceeds the size cap (bytes or features)."""


class LayerNotFoundError(LayerError):
    """No layer with that name is loaded."""


class PolicyError(LayerError):
    """A priority policy document is malformed; the message names the key and the value."""

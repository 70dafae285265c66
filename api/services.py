"""The service's running parts, built once by the lifespan in `api.main` and read through one accessor.

Routes take `ServicesDep`; code that holds only the app or the request calls `services_of`. The types of
the parts are imported for annotations only, so every domain may read its parts here without depending
on the modules that build them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from sqlalchemy.engine import Engine
from starlette.applications import Starlette

from api.config import Settings

if TYPE_CHECKING:
    from api.auth.ratelimit import RateLimiter
    from api.layers.runtime import LayersRuntime
    from detector import Detector

__all__ = ["Services", "ServicesDep", "get_services", "services_of"]


@dataclass(frozen=True, slots=True)
class Services:
    """`detector` is None when the model is off or failed to load; `model_error` says why (for /readyz).

    `ingest_slots` bounds the ingest batches one worker runs at once: more threads only fight over the
    GIL and the database write lock. `decode_slots` bounds the uploaded images being decoded at once
    (`api.images`): each may be tens of megabytes of pixels. `rate_limiter` holds the per-key token
    buckets (None: limits off).
    """

    settings: Settings
    engine: Engine
    layers: LayersRuntime
    detector: Detector | None
    model_error: str | None
    ingest_slots: threading.BoundedSemaphore
    decode_slots: threading.BoundedSemaphore
    rate_limiter: RateLimiter | None = None


def services_of(app: Starlette) -> Services:
    services = getattr(app.state, "services", None)
    if not isinstance(services, Services):
        raise RuntimeError(
            "app.state.services: not built; the app's lifespan builds it (enter TestClient with `with`)"
        )
    return services


def get_services(request: Request) -> Services:
    return services_of(request.app)


ServicesDep = Annotated[Services, Depends(get_services)]

"""Per-request layer freshness: at most one cheap revision query per `refresh_s` per worker."""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger(__name__)


class LayersRefresh:
    """Before a request runs, reload layers/policy if another worker changed them in the database.

    It runs before the route opens its own transaction, so the check never nests inside a write.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            services = getattr(scope["app"].state, "services", None)
            runtime = None if services is None else services.layers
            if runtime is not None and runtime.is_due():
                try:
                    await run_in_threadpool(runtime.refresh)
                except Exception:  # a failed refresh keeps the last good layers serving
                    log.exception("layers refresh failed; serving the previous revision")
        await self.app(scope, receive, send)

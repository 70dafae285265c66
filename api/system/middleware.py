"""ASGI middleware: upload size cap (413 before the body is parsed) and request metrics + logs."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.system.metrics import get_metrics

log = logging.getLogger("api.http")


BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class BodySizeLimit:
    """Refuse bodies above a cap with 413 naming it, before the route has parsed them.

    `limits` caps exact paths (frames, sightings, passes); every other POST/PUT/PATCH meets
    `default_limit` (layers, policies, work orders, cameras, Open311 reports). A declared Content-Length
    over the cap is refused at once. A chunked body is counted while the route reads it: at the cap the
    413 is sent, the route is told the client left (`http.disconnect`), and whatever it answers after
    that is dropped, so the client sees the 413 and never the route's "error parsing the body".
    """

    def __init__(self, app: ASGIApp, limits: dict[str, int], default_limit: int | None = None) -> None:
        self.app = app
        self.limits = limits
        self.default_limit = default_limit

    def _limit_for(self, scope: Scope) -> int | None:
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
            return None
        return self.limits.get(scope.get("path", ""), self.default_limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self._limit_for(scope)
        if limit is None:
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(send, limit)
            return
        seen = 0
        started = refused = False

        async def counting_receive() -> Message:
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                refused = True
                if not started:
                    await self._refuse(send, limit)
                return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the 413 went out; the route's own answer to the cut body is not sent
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not refused:
                raise

    async def _refuse(self, send: Send, limit: int) -> None:
        body = json.dumps(
            {"detail": f"body: larger than the {limit} byte upload limit ({limit / 1048576:g} MiB)"}
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class RequestMetrics:
    """Counts requests by route template (not raw path: ids would explode the label space) and logs them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            elapsed_s = time.perf_counter() - start
            route: Any = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            metrics = get_metrics()
            metrics.requests.labels(scope["method"], template, str(status)).inc()
            metrics.request_seconds.labels(template).observe(elapsed_s)
            log.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "route": template,
                    "status": status,
                    "duration_ms": round(elapsed_s * 1000, 2),
                },
            )

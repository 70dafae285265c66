"""GET /metrics (Prometheus text) for a `metrics` key (a scraper's, good for nothing else) or an admin key.

Route templates, counts and latencies tell an outsider which endpoints exist and how busy the city is, so
they are not public; Prometheus sends the key with `http_headers: {X-API-Key: {files: [...]}}`.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.auth.deps import MetricsReader
from api.system.metrics import render_latest

router = APIRouter(tags=["operations"])


@router.get(
    "/metrics",
    response_class=Response,
    responses={401: {"description": "no or bad key"}, 403: {"description": "not a metrics or admin key"}},
)
def get_metrics_text(_: MetricsReader) -> Response:
    payload, content_type = render_latest()
    return Response(payload, media_type=content_type)

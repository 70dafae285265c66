"""Prometheus metrics. Created once per process on first use (never at import); with
PROMETHEUS_MULTIPROC_DIR set, /metrics aggregates every uvicorn worker's files."""

from __future__ import annotations

import os
from dataclasses import dataclass

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)


@dataclass(frozen=True)
class Metrics:
    requests: Counter
    request_seconds: Histogram
    sightings: Counter
    detector_seconds: Histogram


_metrics: Metrics | None = None


def get_metrics() -> Metrics:
    global _metrics
    if _metrics is None:
        _metrics = Metrics(
            requests=Counter("pothole_http_requests_total", "HTTP requests", ["method", "route", "status"]),
            request_seconds=Histogram("pothole_http_request_seconds", "HTTP request latency", ["route"]),
            sightings=Counter("pothole_sightings_ingested_total", "Sightings by outcome", ["status"]),
            detector_seconds=Histogram(
                "pothole_detector_seconds",
                "Detector latency per frame",
                buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            ),
        )
    return _metrics


def render_latest() -> tuple[bytes, str]:
    get_metrics()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # unannotated upstream
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST

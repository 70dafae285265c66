"""Ingest: the orchestrator on top, the only place that calls every domain."""

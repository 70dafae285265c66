"""pothole-watch HTTP service: ingest from patrol vehicles, potholes, work orders, the crews' queue."""

"""Potholes: the de-duplicated map records, their sightings, and the read API."""

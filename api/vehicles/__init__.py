"""Vehicles: camera profiles, GPS fixes and patrol passes."""

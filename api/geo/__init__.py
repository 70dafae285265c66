"""Pure geometry: camera profiles, ground projection, WGS84 offsets, headings, grid cells.

No FastAPI or SQL in here: every function takes values and returns values, so the geometry is
tested against a reference (pyproj) without a server.
"""

from api.geo.camera import DEFAULT_CAMERA, CameraProfile
from api.geo.distance import LatLon, bearing_deg, distance_m, offset_latlon, to_local_m
from api.geo.geolocate import GeoDetection, GeolocationError, GpsFix, geolocate_box
from api.geo.grid import GridCell, cell_of, cells_covering
from api.geo.heading import TimedFix, heading_from_fixes

__all__ = [
    "DEFAULT_CAMERA",
    "CameraProfile",
    "GeoDetection",
    "GeolocationError",
    "GpsFix",
    "GridCell",
    "LatLon",
    "TimedFix",
    "bearing_deg",
    "cell_of",
    "cells_covering",
    "distance_m",
    "geolocate_box",
    "heading_from_fixes",
    "offset_latlon",
    "to_local_m",
]

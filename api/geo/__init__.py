"""Pure camera geometry: camera profiles, ground projection of a box, grid cells for the nearby search.

No FastAPI or SQL in here: every function takes values and returns values, so the geometry is tested
against a reference without a server. Positions, distances and headings are `common.geodesy` and
`common.gps`, shared with the vehicle agent and the simulator.
"""

from api.geo.camera import DEFAULT_CAMERA, CameraProfile
from api.geo.geolocate import GeoDetection, GeolocationError, geolocate_box
from api.geo.grid import GridCell, cell_of, cells_covering

__all__ = [
    "DEFAULT_CAMERA",
    "CameraProfile",
    "GeoDetection",
    "GeolocationError",
    "GridCell",
    "cell_of",
    "cells_covering",
    "geolocate_box",
]

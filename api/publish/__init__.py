"""Publishing potholes to the city's other systems: exports, OGC API - Features, Open311 GeoReport v2."""

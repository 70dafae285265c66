"""City analytic layers: validated GeoJSON, a versioned in-memory registry, and pothole enrichment."""

"""A district choropleth of open potholes as PNG (matplotlib Agg; no font or tile download).

Labels are the counts and the districts' 8-digit codes: the bundled DejaVu font has no Hangul, and
fetching a CJK font at run time is not allowed.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display, no GUI toolkit
import matplotlib.pyplot as plt  # noqa: E402
import shapely  # noqa: E402
from matplotlib.collections import PatchCollection  # noqa: E402
from matplotlib.patches import Polygon as PolygonPatch  # noqa: E402

from api.layers.registry import Layer  # noqa: E402

__all__ = ["choropleth_png"]


def choropleth_png(
    districts: Layer, open_by_code: Mapping[str, int], *, title: str, width_px: int = 1000
) -> bytes:
    """Each district filled by its number of open potholes (white = none)."""
    patches, values, labels = [], [], []
    for feature in districts.features:
        code = str(feature.properties.get("code", feature.feature_id))
        count = open_by_code.get(code, 0)
        for polygon in shapely.get_parts(feature.geometry_lonlat):
            if polygon.geom_type != "Polygon":
                continue
            patches.append(PolygonPatch(list(polygon.exterior.coords), closed=True))
            values.append(count)
        spot = feature.geometry_lonlat.representative_point()
        labels.append((spot.x, spot.y, f"{count}" if count else ""))
    minx, miny, maxx, maxy = districts.bbox_lonlat
    aspect = 1.0 / math.cos(math.radians((miny + maxy) / 2))  # degrees of lon are shorter than of lat
    fig_w = width_px / 100
    fig_h = max(fig_w * (maxy - miny) * aspect / max(maxx - minx, 1e-9), 2.0)
    fig, ax = plt.subplots(figsize=(fig_w, fig_h), dpi=100)
    try:
        collection = PatchCollection(patches, cmap="OrRd", edgecolor="#555555", linewidth=0.6)
        collection.set_array(values)
        collection.set_clim(0, max(max(values, default=0), 1))
        ax.add_collection(collection)
        for x, y, text in labels:
            if text:
                ax.text(x, y, text, ha="center", va="center", fontsize=9, weight="bold")
        ax.set_xlim(minx, maxx)
        ax.set_ylim(miny, maxy)
        ax.set_aspect(aspect)
        ax.set_xlabel("longitude (°E)")
        ax.set_ylabel("latitude (°N)")
        ax.set_title(title)
        fig.colorbar(collection, ax=ax, label="open potholes", shrink=0.7)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()
    finally:
        plt.close(fig)

"""Draws docs/architecture.svg, the picture in the README: `python docs/architecture.py`.

Plain Python and string formatting (no plotting library, no network), so the picture is reviewed as a
diff of this file and regenerated anywhere; tests/test_docs.py checks that the committed SVG is what this
script writes. Coordinates are pixels on a 1200 x 660 canvas, origin top left.
"""

from __future__ import annotations

import sys
from pathlib import Path
from xml.sax.saxutils import escape

__all__ = ["OUT", "render"]

OUT = Path(__file__).resolve().parent / "architecture.svg"
WIDTH, HEIGHT = 1200, 660
FONT = "DejaVu Sans, Noto Sans CJK KR, NanumGothic, Arial, sans-serif"

# fill, stroke per kind of box
STYLE = {
    "frame": ("#f7f7f7", "#9a9a9a"),
    "edge": ("#e8f1fb", "#2f6fb3"),
    "api": ("#fdf3e1", "#b7791f"),
    "writer": ("#fde8e8", "#c53030"),
    "store": ("#eef7ee", "#2f855a"),
    "side": ("#f0ecf9", "#6b46c1"),
    "rank": ("#ffffff", "#b7791f"),
}


def text(
    x: float, y: float, s: str, *, size: int = 12, weight: str = "normal", anchor: str = "middle"
) -> str:
    return (
        f'<text x="{x:g}" y="{y:g}" font-size="{size}" font-weight="{weight}" '
        f'text-anchor="{anchor}">{escape(s)}</text>'
    )


def box(x: float, y: float, w: float, h: float, title: str, *lines: str, kind: str = "api") -> str:
    """A rounded box with a bold title and up to three smaller lines, centred."""
    fill, stroke = STYLE[kind]
    parts = [
        f'<rect x="{x:g}" y="{y:g}" width="{w:g}" height="{h:g}" rx="6" fill="{fill}" stroke="{stroke}"/>'
    ]
    top = y + h / 2 - 7 * len(lines) + 4
    parts.append(text(x + w / 2, top, title, size=13, weight="bold"))
    parts += [text(x + w / 2, top + 15 * (i + 1), line, size=11) for i, line in enumerate(lines)]
    return "\n".join(parts)


def frame(x: float, y: float, w: float, h: float, title: str) -> str:
    fill, stroke = STYLE["frame"]
    return "\n".join(
        [
            f'<rect x="{x:g}" y="{y:g}" width="{w:g}" height="{h:g}" rx="10" fill="{fill}" '
            f'stroke="{stroke}" stroke-dasharray="6 4"/>',
            text(x + 12, y + 20, title, size=14, weight="bold", anchor="start"),
        ]
    )


def arrow(*points: tuple[float, float], dashed: bool = False) -> str:
    """A polyline through the points with an arrow head at the last one."""
    coords = " ".join(f"{x:g},{y:g}" for x, y in points)
    dash = ' stroke-dasharray="5 4"' if dashed else ""
    return (
        f'<polyline points="{coords}" fill="none" stroke="#333" stroke-width="1.6"{dash} '
        'marker-end="url(#head)"/>'
    )


def row(x0: float, y: float, step: float, w: float, h: float, boxes: list[tuple[str, ...]], kind: str) -> str:
    """Boxes left to right, each joined to the next by an arrow (the direction data flows)."""
    parts = []
    for i, (title, *lines) in enumerate(boxes):
        x = x0 + i * step
        parts.append(box(x, y, w, h, title, *lines, kind=kind))
        if i + 1 < len(boxes):
            parts.append(arrow((x + w, y + h / 2), (x + step, y + h / 2)))
    return "\n".join(parts)


EDGE_ROW = [
    ("sources", "video · folder", "camera · RTSP"),
    ("detector/", "ONNX Runtime", "frame → boxes"),
    ("GPS + time", "GPX · NMEA · CSV", "serial · sync"),
    ("tracker", "one sighting", "per pass"),
    ("privacy", "crop · blurred", "frame · none"),
    ("outbox", "SQLite, fsync'd", "bounded disk"),
    ("uploader", "batches · retry", "idempotent keys"),
]

API_ROW = [
    ("ingest", "validate · lock", "frames: detector/"),
    ("geo", "box + GPS + camera", "→ lat/lon, size"),
    ("potholes", "de-duplicate", "one per hole"),
    ("layers + policy", "district · road", "explainable score"),
    ("workorders", "file · re-score", "state machine"),
    ("crews · publish", "queue · GeoJSON · CSV", "OGC API · Open311"),
]

RANKS = [
    ("rank 0", "geo · policy · auth · system"),
    ("rank 1", "layers · vehicles"),
    ("rank 2", "potholes"),
    ("rank 3", "workorders"),
    ("rank 4", "ingest · crews · publish", "stats · admin · static"),
]


def render() -> str:
    """The whole SVG document as text (deterministic: the same string on every run)."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="{FONT}" fill="#1a1a1a">',
        "<title>pothole-watch architecture · 구조</title>",
        '<defs><marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        # the vehicle
        frame(200, 20, 980, 130, "edge/ — the agent on a patrol vehicle · 순찰 차량 에이전트"),
        row(214, 50, 138, 120, 82, EDGE_ROW, "edge"),
        # beside it: the simulator, the model and where it comes from
        box(20, 50, 160, 82, "sim/", "patrol simulator", "with ground truth", kind="side"),
        arrow((180, 91), (214, 91)),
        box(20, 160, 160, 70, "weights/", "ONNX + model card", "current.json", kind="side"),
        arrow((180, 180), (412, 132)),
        box(20, 300, 160, 82, "training/", "the only torch code", "train · export · promote", kind="side"),
        arrow((100, 300), (100, 230)),
        # the wire between them
        arrow((1102, 132), (1102, 195), (288, 195), (288, 265)),
        text(
            700,
            188,
            "HTTPS · X-API-Key · common/contract.py: POST /v1/sightings, /v1/frames, /v1/passes",
            size=12,
        ),
        # the service
        frame(200, 230, 980, 330, "api/ — one FastAPI service (api/main.py) · 하나의 서비스"),
        row(215, 265, 160, 146, 64, API_ROW, "api"),
        arrow((140, 230), (215, 292), dashed=True),
        box(535, 340, 146, 34, "only writer", kind="writer"),
        text(608, 388, "repository.py: Pothole,", size=11),
        text(608, 401, "Sighting, ServiceRequest", size=11),
        box(855, 340, 146, 34, "only writer", kind="writer"),
        text(928, 388, "service.py: WorkOrder,", size=11),
        text(928, 401, "WorkOrderEvent; due time", size=11),
        box(
            535, 415, 466, 34, "SQLite (demo, tests) · PostgreSQL (a city) — alembic migrations", kind="store"
        ),
        box(1015, 350, 146, 60, "web app at /", "crews · managers", "웹 앱 (ko · en)", kind="api"),
        arrow((1088, 329), (1088, 350)),
        text(
            215,
            478,
            "Domain order: a domain imports only lower ranks (tests/test_boundaries.py)",
            size=12,
            weight="bold",
            anchor="start",
        ),
    ]
    for i, (title, *lines) in enumerate(RANKS):
        x = 215 + i * 190
        parts.append(box(x, 488, 176, 60, title, *lines, kind="rank"))
        if i:
            parts.append(arrow((x, 518), (x - 14, 518)))
    parts += [
        box(
            20,
            580,
            1160,
            60,
            "common/ — WGS84 geodesy · GpsFix and the heading rule · the wire contract (pydantic)"
            " · image sniffing and size caps",
            "used by edge/, api/ and sim/; imports nothing of the project · 공통 패키지",
            kind="store",
        ),
        "</svg>",
    ]
    return "\n".join(parts) + "\n"


def main() -> int:
    OUT.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {OUT}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

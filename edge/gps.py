"""The readers that turn GPX, NMEA (file or serial port) and CSV logs into `common.gps.GpsFix`.

Every reader yields fixes in UTC epoch seconds, sorted by time, so the time matcher never has to know
where a fix came from. Missing fields stay `None` (a GPX point has no heading): nothing is guessed.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from common.gps import KNOT_MPS, R95_PER_SIGMA, GpsFix
from edge.errors import GpsSourceError

__all__ = [
    "parse_time_utc_s",
    "read_csv",
    "read_gps",
    "read_gpx",
    "read_nmea_lines",
]


def parse_time_utc_s(text: str) -> float:
    """ISO-8601 (a trailing Z or an offset; naive means UTC) or plain epoch seconds -> epoch seconds."""
    value = text.strip()
    try:
        return float(value)
    except ValueError:
        pass
    try:
        stamp = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise GpsSourceError(f"time: cannot parse {text!r} as ISO-8601 or epoch seconds") from exc
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.UTC)
    return stamp.timestamp()


def _first(row: dict[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        value = row.get(name)
        if value not in (None, ""):
            return value
    return None


def _optional_float(text: str | None) -> float | None:
    if text is None:
        return None
    number = float(text)
    return number if math.isfinite(number) else None


def read_csv(path: Path) -> list[GpsFix]:
    """CSV with a header; accepts the comma2k19 columns (utc_time, lat_deg, lon_deg, speed_mps, bearing_deg)
    and the plain ones (time, lat, lon, accuracy_m, heading_deg, speed_mps)."""
    fixes: list[GpsFix] = []
    with path.open(newline="") as handle:
        for line_no, row in enumerate(csv.DictReader(handle), start=2):
            try:
                time_text = _first(row, ("utc_time", "time", "timestamp", "t_utc_s", "captured_at"))
                lat_text = _first(row, ("lat", "lat_deg", "latitude"))
                lon_text = _first(row, ("lon", "lon_deg", "longitude", "lng"))
                if time_text is None or lat_text is None or lon_text is None:
                    raise GpsSourceError(
                        f"{path}:{line_no}: needs time, lat and lon columns, got {list(row)}"
                    )
                heading = _optional_float(
                    _first(row, ("heading_deg", "bearing_deg", "course_deg", "heading"))
                )
                fixes.append(
                    GpsFix(
                        t_utc_s=parse_time_utc_s(time_text),
                        lat=float(lat_text),
                        lon=float(lon_text),
                        accuracy_m=_optional_float(_first(row, ("accuracy_m", "hacc_m", "accuracy"))),
                        heading_deg=None if heading is None else heading % 360.0,
                        speed_mps=_optional_float(_first(row, ("speed_mps", "speed"))),
                    )
                )
            except ValueError as exc:
                raise GpsSourceError(f"{path}:{line_no}: {exc}") from exc
    return sorted(fixes, key=lambda fix: fix.t_utc_s)


def read_gpx(path: Path) -> list[GpsFix]:
    """GPX 1.0/1.1 track points (`trkpt`) and route points; time is required, heading is not in GPX."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise GpsSourceError(f"{path}: not valid GPX XML ({exc})") from exc
    fixes: list[GpsFix] = []
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag not in ("trkpt", "rtept"):
            continue
        time_el = next((c for c in element if c.tag.rsplit("}", 1)[-1] == "time"), None)
        if time_el is None or not (time_el.text or "").strip():
            continue  # a point without time cannot be matched to a frame
        try:
            fixes.append(
                GpsFix(
                    t_utc_s=parse_time_utc_s(time_el.text or ""),
                    lat=float(element.attrib["lat"]),
                    lon=float(element.attrib["lon"]),
                )
            )
        except (KeyError, ValueError) as exc:
            raise GpsSourceError(f"{path}: bad {tag} {element.attrib} ({exc})") from exc
    return sorted(fixes, key=lambda fix: fix.t_utc_s)


def read_nmea_lines(lines: Iterable[str]) -> Iterator[GpsFix]:
    """RMC gives time, date, position, speed and course; GST (or GGA's HDOP) of the same epoch the accuracy.

    Receivers order an epoch's sentences differently, so each RMC fix is held until the next RMC (or the
    end) and takes the accuracy from a GST with its timestamp (sigma lat/lon -> 95 % radius), else from
    GGA's HDOP x 5 m as a coarse stand-in. A void RMC (status V) is skipped, never used.
    """
    import pynmea2  # edge extra; imported here so the CSV/GPX paths need nothing beyond the stdlib

    pending: GpsFix | None = None
    pending_time: object = None
    gst_m: dict[object, float] = {}
    gga_m: dict[object, float] = {}

    def finish(fix: GpsFix, stamp: object) -> GpsFix:
        accuracy = gst_m.get(stamp, gga_m.get(stamp))
        return fix if accuracy is None else replace(fix, accuracy_m=accuracy)

    for raw in lines:
        line = raw.strip()
        if not line.startswith("$"):
            continue
        try:
            message = pynmea2.parse(line)
        except (pynmea2.ParseError, ValueError, AttributeError):
            continue  # a torn or corrupt sentence from a serial port: skip it
        kind = message.sentence_type
        if kind == "GST":
            try:
                lat_sd, lon_sd = float(message.std_dev_latitude), float(message.std_dev_longitude)
                gst_m[message.timestamp] = math.hypot(lat_sd, lon_sd) / math.sqrt(2) * R95_PER_SIGMA
            except (TypeError, ValueError):
                pass
        elif kind == "GGA":
            try:
                gga_m[message.timestamp] = float(message.horizontal_dil) * 5.0
            except (TypeError, ValueError):
                pass
        elif kind == "RMC":
            if message.status != "A" or message.datestamp is None or message.timestamp is None:
                continue
            if pending is not None:
                yield finish(pending, pending_time)
                gst_m.clear()
                gga_m.clear()
            stamp = dt.datetime.combine(message.datestamp, message.timestamp)
            if stamp.tzinfo is None:
                stamp = stamp.replace(tzinfo=dt.UTC)
            course, speed = message.true_course, message.spd_over_grnd
            pending_time = message.timestamp
            pending = GpsFix(
                t_utc_s=stamp.timestamp(),
                lat=float(message.latitude),
                lon=float(message.longitude),
                heading_deg=None if course is None else float(course) % 360.0,
                speed_mps=None if speed is None else float(speed) * KNOT_MPS,
            )
    if pending is not None:
        yield finish(pending, pending_time)


def read_gps(spec: str, *, baud: int = 9600) -> list[GpsFix]:
    """Load a whole GPS log by extension: .gpx, .csv, .nmea/.log/.txt (file replay, not a live port)."""
    path = Path(spec)
    if not path.is_file():
        raise GpsSourceError(f"--gps: {spec} is not a file (a serial port is read live, see SerialGps)")
    suffix = path.suffix.lower()
    if suffix == ".gpx":
        fixes = read_gpx(path)
    elif suffix == ".csv":
        fixes = read_csv(path)
    elif suffix in (".nmea", ".log", ".txt"):
        with path.open(errors="replace") as handle:
            fixes = sorted(read_nmea_lines(handle), key=lambda fix: fix.t_utc_s)
    else:
        raise GpsSourceError(f"--gps: {spec} has an unknown extension (want .gpx, .csv, .nmea, .log, .txt)")
    if not fixes:
        raise GpsSourceError(f"--gps: {spec} holds no usable fix")
    return fixes

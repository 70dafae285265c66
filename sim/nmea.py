"""Write fixes as NMEA 0183 sentences (RMC + GGA + GST), what a receiver on a serial port emits."""

from __future__ import annotations

import datetime as dt
import math
from functools import reduce

from common.gps import KNOT_MPS

__all__ = ["nmea_sentences"]


def _checksum(body: str) -> str:
    return f"{reduce(lambda acc, ch: acc ^ ord(ch), body, 0):02X}"


def _sentence(body: str) -> str:
    return f"${body}*{_checksum(body)}"


def _dm(value_deg: float, positive: str, negative: str, deg_digits: int) -> tuple[str, str]:
    hemisphere = positive if value_deg >= 0 else negative
    value = abs(value_deg)
    degrees = int(value)
    minutes = (value - degrees) * 60.0
    return f"{degrees:0{deg_digits}d}{minutes:09.6f}", hemisphere


def nmea_sentences(
    t_utc_s: float, lat: float, lon: float, *, speed_mps: float, course_deg: float, sigma_m: float
) -> list[str]:
    """Three sentences for one fix; GST carries the 1-sigma lat/lon error the receiver claims."""
    stamp = dt.datetime.fromtimestamp(t_utc_s, tz=dt.UTC)
    hhmmss = stamp.strftime("%H%M%S") + f".{stamp.microsecond // 10000:02d}"
    date = stamp.strftime("%d%m%y")
    lat_text, ns = _dm(lat, "N", "S", 2)
    lon_text, ew = _dm(lon, "E", "W", 3)
    speed_kn = speed_mps / KNOT_MPS
    hdop = max(0.5, sigma_m * math.sqrt(2) / 5.0)
    return [
        _sentence(
            f"GPRMC,{hhmmss},A,{lat_text},{ns},{lon_text},{ew},{speed_kn:.2f},"
            f"{course_deg % 360:.1f},{date},,,A"
        ),
        _sentence(f"GPGGA,{hhmmss},{lat_text},{ns},{lon_text},{ew},1,09,{hdop:.1f},30.0,M,0.0,M,,"),
        _sentence(
            f"GPGST,{hhmmss},{sigma_m:.2f},{sigma_m:.2f},{sigma_m:.2f},0.0,{sigma_m:.2f},{sigma_m:.2f},3.0"
        ),
    ]

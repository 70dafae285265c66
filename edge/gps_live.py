"""A live NMEA receiver on a serial port, feeding a `Timeline` from a background thread."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator

from edge.errors import GpsSourceError
from edge.gps import read_nmea_lines
from edge.timesync import Timeline

__all__ = ["SerialGps", "parse_serial_spec"]

log = logging.getLogger("pothole.edge.gps")


def parse_serial_spec(spec: str) -> tuple[str, int] | None:
    """'serial:/dev/ttyUSB0@9600' or '/dev/ttyACM0' -> (port, baud); anything else -> None (a file)."""
    if spec.startswith("serial:"):
        spec = spec[len("serial:") :]
    elif not spec.startswith("/dev/"):
        return None
    port, _, baud = spec.partition("@")
    try:
        return port, int(baud) if baud else 9600
    except ValueError as exc:
        raise GpsSourceError(f"--gps: baud rate {baud!r} is not an integer") from exc


class SerialGps:
    """Reads NMEA lines from a port (pyserial) until stopped; reopens the port when it goes away."""

    def __init__(self, port: str, baud: int, timeline: Timeline) -> None:
        self.port, self.baud, self.timeline = port, baud, timeline
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="serial-gps", daemon=True)

    def start(self) -> SerialGps:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _lines(self) -> Iterator[str]:
        import serial  # edge extra

        with serial.Serial(self.port, self.baud, timeout=1.0) as handle:
            while not self._stop.is_set():
                raw = handle.readline()
                if raw:
                    yield raw.decode("ascii", errors="replace")

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                for fix in read_nmea_lines(self._lines()):
                    self.timeline.append(fix)
            except Exception as exc:  # unplugged receiver, permission: keep trying, say so
                log.warning("GPS port %s: %s; reopening in 2 s", self.port, exc)
                time.sleep(2.0)

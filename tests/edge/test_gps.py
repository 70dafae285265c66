"""GPS readers on the real comma2k19 logs and on NMEA written by the simulator."""

from __future__ import annotations

from pathlib import Path

import pytest
from edge_factories import T0

from edge.errors import GpsSourceError
from edge.gps import parse_time_utc_s, read_csv, read_gps, read_gpx, read_nmea_lines
from sim.nmea import nmea_sentences


def test_comma2k19_csv_and_gpx_agree(shared_dir: Path) -> None:
    from_csv = read_csv(shared_dir / "dashcam" / "comma2k19_ex1_gnss_ublox.csv")
    from_gpx = read_gpx(shared_dir / "dashcam" / "comma2k19_ex1_gnss_ublox.gpx")
    assert len(from_csv) == len(from_gpx) == 579
    assert from_csv[0].heading_deg is not None and from_gpx[0].heading_deg is None  # GPX has no course
    assert abs(from_csv[0].lat - from_gpx[0].lat) < 1e-7
    assert abs(from_csv[0].t_utc_s - from_gpx[0].t_utc_s) < 1e-3
    assert all(b.t_utc_s > a.t_utc_s for a, b in zip(from_csv, from_csv[1:], strict=False))


def test_nmea_round_trip_keeps_position_time_and_accuracy() -> None:
    lines = []
    for i in range(5):
        lines += nmea_sentences(
            T0 + i * 0.1, 37.2 + i * 1e-5, -122.47, speed_mps=10.0, course_deg=359.5, sigma_m=2.0
        )
    fixes = list(read_nmea_lines(lines))
    assert len(fixes) == 5
    assert fixes[2].lat == pytest.approx(37.20002, abs=1e-8)
    assert fixes[2].lon == pytest.approx(-122.47, abs=1e-8)
    assert fixes[2].t_utc_s == pytest.approx(T0 + 0.2, abs=0.011)
    assert fixes[2].heading_deg == pytest.approx(359.5)
    assert fixes[2].speed_mps == pytest.approx(10.0, rel=1e-3)
    assert fixes[2].accuracy_m == pytest.approx(2.0 * 2.4477, rel=1e-3)  # GST sigma -> 95 % radius


def test_nmea_skips_void_and_corrupt_sentences() -> None:
    good = nmea_sentences(T0, 37.2, 126.8, speed_mps=5.0, course_deg=10.0, sigma_m=1.0)
    void = good[0].replace(",A,", ",V,", 1)
    lines = [void.split("*")[0] + "*00", "$GPRMC,garbage*11", "not nmea", *good]
    assert len(list(read_nmea_lines(lines))) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-25T10:00:00.120Z", 1795600800.12),
        ("2026-11-25T19:00:00+09:00", 1795600800.0),
        ("2026-11-25T10:00:00", 1795600800.0),
        ("1795600800.5", 1795600800.5),
    ],
    ids=["zulu", "offset", "naive-is-utc", "epoch"],
)
def test_parse_time(text: str, expected: float) -> None:
    assert parse_time_utc_s(text) == pytest.approx(expected)


def test_bad_files_name_the_problem(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("foo,bar\n1,2\n")
    with pytest.raises(GpsSourceError, match="needs time, lat and lon"):
        read_gps(str(tmp_path / "a.csv"))
    (tmp_path / "b.kml").write_text("<kml/>")
    with pytest.raises(GpsSourceError, match="unknown extension"):
        read_gps(str(tmp_path / "b.kml"))
    with pytest.raises(GpsSourceError, match="is not a file"):
        read_gps(str(tmp_path / "missing.gpx"))
    (tmp_path / "c.nmea").write_text("nothing here\n")
    with pytest.raises(GpsSourceError, match="no usable fix"):
        read_gps(str(tmp_path / "c.nmea"))


def test_serial_port_feeds_the_timeline_live() -> None:
    """A pseudo-terminal stands in for the receiver's serial port."""
    import os
    import time

    from edge.gps_live import SerialGps, parse_serial_spec
    from edge.timesync import Timeline

    master, slave = os.openpty()
    port, baud = parse_serial_spec(f"serial:{os.ttyname(slave)}@4800") or ("", 0)
    assert baud == 4800
    timeline = Timeline()
    reader = SerialGps(port, baud, timeline).start()
    try:
        deadline = time.monotonic() + 20
        i = 0
        while len(timeline) < 3 and time.monotonic() < deadline:  # a receiver streams 10 epochs a second
            epoch = nmea_sentences(
                T0 + i * 0.1, 37.2 + i * 1e-5, 126.8, speed_mps=8.0, course_deg=45.0, sigma_m=1.5
            )
            os.write(master, ("\r\n".join(epoch) + "\r\n").encode())
            i += 1
            time.sleep(0.1)
    finally:
        reader.stop()
        os.close(master)
        os.close(slave)
    assert len(timeline) >= 3  # the port drops what arrived before it opened, as a real one does
    first = timeline.fixes_between(0, 2e9)[0]
    assert first.accuracy_m == pytest.approx(1.5 * 2.4477, rel=1e-3) and first.heading_deg == 45.0


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("serial:/dev/ttyUSB0", ("/dev/ttyUSB0", 9600)),
        ("/dev/ttyACM0@115200", ("/dev/ttyACM0", 115200)),
        ("track.gpx", None),
    ],
    ids=["serial", "dev", "file"],
)
def test_serial_specs(spec: str, expected: tuple[str, int] | None) -> None:
    from edge.gps_live import parse_serial_spec

    assert parse_serial_spec(spec) == expected

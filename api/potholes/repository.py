"""Pothole and sighting queries, and the only writes to `pothole`, `sighting` and `service_request`.

Every other module asks these functions to create, move or change a pothole or its evidence
(`tests/test_boundaries.py` checks it), so the rules a record keeps (a sighting never lost, a fold keeping
every sighting, the citizen count beside the reports it counts) hold in one place. The nearby search reads
only the grid cells around a point. Callers hold the neighbourhood's write lock and own the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, bindparam, delete, func, insert, update
from sqlmodel import Session, col, select

from api.errors import NotFoundError
from api.geo.grid import GridCell, cell_ranges
from api.potholes.dedup import Estimate, NearbyPothole, Observation, PassSighting
from api.potholes.schemas import CitizenReport
from api.potholes.tables import Pothole, PotholeStatus, ServiceRequest, Sighting
from common.geodesy import LatLon, distance_m


def nearby_potholes(session: Session, point: LatLon, radius_m: float, cell_m: float) -> Sequence[Pothole]:
    """Open potholes whose grid cell can hold a point within radius_m (closed = verified repairs)."""
    y0, y1, x0, x1 = cell_ranges(point, radius_m, cell_m)
    query = select(Pothole).where(
        col(Pothole.cell_y).between(y0, y1),
        col(Pothole.cell_x).between(x0, x1),
        col(Pothole.verified_at).is_(None),
    )
    return session.exec(query).all()


# The pothole columns the ingest hot path reads from `nearby_rows`, by name.
NEARBY_COLUMNS = (
    "id",
    "lat",
    "lon",
    "status",
    "uncertainty_m",
    "weight_sum",
    "min_uncertainty_m",
    "width_m",
    "length_m",
    "pass_count",
    "sighting_count",
    "max_confidence",
    "first_seen",
    "last_seen",
)


def nearby_rows(session: Session, point: LatLon, radius_m: float, cell_m: float) -> Sequence[Row[Any]]:
    """`nearby_potholes` as plain rows: the ingest hot path needs no ORM identity map."""
    y0, y1, x0, x1 = cell_ranges(point, radius_m, cell_m)
    return session.execute(_NEARBY, {"y0": y0, "y1": y1, "x0": x0, "x1": x1}).all()


# Built once on the tables (Core, not the ORM entities): parameters travel separately, so the compiled
# statement is reused for every sighting, and an insert on a Table skips the ORM's bulk-insert layer, which
# took a quarter of the ingest time for these one-row inserts.
_POTHOLES = Pothole.__table__  # type: ignore[attr-defined]
_SIGHTINGS = Sighting.__table__  # type: ignore[attr-defined]
_INSERT_POTHOLE = insert(_POTHOLES).returning(_POTHOLES.c.id)
_INSERT_SIGHTING = insert(_SIGHTINGS).returning(_SIGHTINGS.c.id)
_NEARBY = select(*(_POTHOLES.c[name] for name in NEARBY_COLUMNS)).where(
    _POTHOLES.c.cell_y.between(bindparam("y0"), bindparam("y1")),
    _POTHOLES.c.cell_x.between(bindparam("x0"), bindparam("x1")),
    _POTHOLES.c.verified_at.is_(None),
)
# no .values(): the SET clause comes from the keys of the parameters given to execute()
_UPDATE_POTHOLE = update(_POTHOLES).where(_POTHOLES.c.id == bindparam("target_pothole_id"))


def insert_pothole(
    session: Session,
    est: Estimate,
    cell: GridCell,
    *,
    status: str,
    seen: datetime,
    confidence: float,
    context: dict[str, Any],
    now: datetime,
) -> int:
    values = {
        "lat": est.lat,
        "lon": est.lon,
        "cell_y": cell.y,
        "cell_x": cell.x,
        "status": status,
        "uncertainty_m": est.uncertainty_m,
        "min_uncertainty_m": est.min_uncertainty_m,
        "weight_sum": est.weight_sum,
        "width_m": est.width_m,
        "length_m": est.length_m,
        "sighting_count": 1,
        "pass_count": est.passes,
        "first_seen": seen,
        "last_seen": seen,
        "max_confidence": confidence,
        "context": context,
        "created_at": now,
        "updated_at": now,
    }
    return int(session.execute(_INSERT_POTHOLE, values).scalar_one())


def update_pothole(
    session: Session,
    pothole_id: int,
    est: Estimate,
    cell: GridCell,
    *,
    sightings: int,
    max_confidence: float,
    first_seen: datetime,
    last_seen: datetime,
    now: datetime,
) -> None:
    session.execute(
        _UPDATE_POTHOLE,
        {
            "target_pothole_id": pothole_id,
            "lat": est.lat,
            "lon": est.lon,
            "cell_y": cell.y,
            "cell_x": cell.x,
            "uncertainty_m": est.uncertainty_m,
            "min_uncertainty_m": est.min_uncertainty_m,
            "weight_sum": est.weight_sum,
            "width_m": est.width_m,
            "length_m": est.length_m,
            "pass_count": est.passes,
            "sighting_count": sightings,
            "max_confidence": max_confidence,
            "first_seen": first_seen,
            "last_seen": last_seen,
            "updated_at": now,
        },
    )


def insert_reported_pothole(
    session: Session,
    point: LatLon,
    cell: GridCell,
    *,
    uncertainty_m: float,
    context: dict[str, Any],
    now: datetime,
) -> Pothole:
    """A candidate started by a citizen report alone: no size and almost no weight in the position mean.

    A phone's position is poor (7-13 m in cities), so the first patrol sighting sets the position and size.
    """
    pothole = Pothole(
        lat=point.lat,
        lon=point.lon,
        cell_y=cell.y,
        cell_x=cell.x,
        status=PotholeStatus.CANDIDATE,
        uncertainty_m=uncertainty_m,
        min_uncertainty_m=uncertainty_m,
        weight_sum=CITIZEN_WEIGHT,
        width_m=0.0,
        length_m=0.0,
        sighting_count=0,
        pass_count=0,
        first_seen=now,
        last_seen=now,
        max_confidence=0.0,
        context=context,
        created_at=now,
        updated_at=now,
    )
    session.add(pothole)
    session.flush()
    return pothole


CITIZEN_WEIGHT = (
    1e-6  # weight_sum of a citizen-only candidate: the first patrol sighting decides its position
)


def add_citizen_report(
    session: Session, pothole: Pothole, report: CitizenReport, *, joined: bool, now: datetime
) -> ServiceRequest:
    """Store the report and count it on its pothole in one step (`joined`: the pothole was known before)."""
    assert pothole.id is not None
    row = ServiceRequest(
        pothole_id=pothole.id,
        joined_existing=joined,
        service_code="POTHOLE",
        description=report.description,
        lat=report.lat,
        lon=report.lon,
        address_string=report.address_string,
        media_url=report.media_url,
        email=report.email,
        device_id=report.device_id,
        account_id=report.account_id,
        submitted_by=report.submitted_by,
        requested_at=now,
    )
    session.add(row)
    pothole.citizen_report_count += 1
    pothole.updated_at = now
    session.add(pothole)
    session.flush()
    return row


def nearest_open(session: Session, point: LatLon, radius_m: float, cell_m: float) -> Pothole | None:
    """The nearest pothole within radius_m that is neither rejected nor verified-repaired."""
    best: tuple[float, Pothole] | None = None
    for pothole in nearby_potholes(session, point, radius_m, cell_m):
        if pothole.status == PotholeStatus.REJECTED:
            continue
        d = distance_m(point, LatLon(pothole.lat, pothole.lon))
        if d <= radius_m and (best is None or d < best[0]):
            best = (d, pothole)
    return None if best is None else best[1]


def confirm(session: Session, pothole: Pothole, context: dict[str, Any], now: datetime) -> None:
    """A candidate becomes a confirmed pothole, enriched again at its refined position."""
    pothole.status = PotholeStatus.CONFIRMED
    pothole.context = context
    pothole.updated_at = now
    session.add(pothole)


def follow_order(
    session: Session,
    pothole: Pothole,
    now: datetime,
    *,
    status: str | None = None,
    negative: bool | None = None,
    verified: bool = False,
) -> None:
    """The pothole follows a step of its work order: a new status, its sightings marked as negative
    examples for retraining (a rejection) or no longer (a reopen), closed as a verified repair."""
    assert pothole.id is not None
    if status is not None:
        pothole.status = status
    if negative is not None:
        mark_negative(session, pothole.id, negative)
    if verified:
        pothole.verified_at = now
    pothole.updated_at = now
    session.add(pothole)


def set_contexts(session: Session, contexts: list[dict[str, Any]]) -> None:
    """Bulk UPDATE of `context` by primary key ([{"id", "context"}]): only that column is written, so a
    concurrent ingest that moves a pothole is never overwritten."""
    if contexts:
        session.execute(update(Pothole), contexts)


def fold_into(session: Session, source: Pothole, target_id: int, *, negative: bool) -> None:
    """The source record was the target seen through a pass's GPS bias: its sightings (all of them kept)
    now belong to the target, and the empty source record goes. The caller updates the target's estimate
    with `update_pothole` and hands the source's work order over first (`api.workorders.service`)."""
    assert source.id is not None
    session.execute(
        update(Sighting)
        .where(col(Sighting.pothole_id) == source.id)
        .values(pothole_id=target_id, negative=negative)
    )
    source_id = source.id
    session.expunge(source)
    session.execute(delete(Pothole).where(col(Pothole.id) == source_id))


def insert_sighting(session: Session, values: dict[str, Any]) -> int:
    """Raises IntegrityError when the client_id exists (the caller answers `duplicate`)."""
    return int(session.execute(_INSERT_SIGHTING, values).scalar_one())


def get_pothole(session: Session, pothole_id: int) -> Pothole | None:
    return session.get(Pothole, pothole_id)


def get_pothole_or_raise(session: Session, pothole_id: int) -> Pothole:
    pothole = session.get(Pothole, pothole_id)
    if pothole is None:
        raise NotFoundError(f"pothole_id={pothole_id} does not exist")
    return pothole


def find_sighting(session: Session, vehicle_id: str, client_id: str) -> Sighting | None:
    """The vehicle's own sighting with this idempotency key (another vehicle's is never returned)."""
    query = select(Sighting).where(Sighting.vehicle_id == vehicle_id, Sighting.client_id == client_id)
    return session.exec(query).first()


def pass_seen(session: Session, pothole_id: int, pass_key: str) -> bool:
    query = (
        select(Sighting.id).where(Sighting.pothole_id == pothole_id, Sighting.pass_key == pass_key).limit(1)
    )
    return session.exec(query).first() is not None


def pass_sightings(session: Session, pothole_id: int, pass_key: str) -> list[Observation]:
    """This pass's earlier sightings of the pothole (index `ix_sighting_pothole_pass`)."""
    query = select(  # type: ignore[call-overload]  # sqlmodel types select() up to 4 columns
        Sighting.lat, Sighting.lon, Sighting.uncertainty_m, Sighting.width_m, Sighting.length_m
    ).where(Sighting.pothole_id == pothole_id, Sighting.pass_key == pass_key)
    return [Observation(*row) for row in session.exec(query).all()]


def pass_neighbours(
    session: Session, pass_key: str, captured_at: datetime | None = None, window_s: float = 0.0
) -> list[PassSighting]:
    """The pass's sightings (within +-window_s of captured_at, or all), with their records' estimates."""
    query = (
        select(  # type: ignore[call-overload]  # sqlmodel types select() up to 4 columns
            Sighting.pothole_id,
            Sighting.lat,
            Sighting.lon,
            Sighting.uncertainty_m,
            Sighting.width_m,
            Sighting.length_m,
            Pothole.lat,
            Pothole.lon,
            Pothole.weight_sum,
            Sighting.captured_at,
        )
        .join(Pothole, col(Pothole.id) == col(Sighting.pothole_id))
        .where(Sighting.pass_key == pass_key)
    )
    if captured_at is not None:
        window = timedelta(seconds=window_s)
        query = query.where(col(Sighting.captured_at).between(captured_at - window, captured_at + window))
    return [
        PassSighting(int(r[0]), Observation(r[1], r[2], r[3], r[4], r[5]), r[6], r[7], r[8], r[9].timestamp())
        for r in session.exec(query).all()
    ]


def pass_keys_between(session: Session, vehicle_id: str, start: datetime, end: datetime) -> list[str]:
    """The pass keys of a vehicle's sightings in a time window (a pass posted under another id)."""
    query = (
        select(Sighting.pass_key)
        .where(Sighting.vehicle_id == vehicle_id, col(Sighting.captured_at).between(start, end))
        .distinct()
    )
    return sorted(session.exec(query).all())


def records_around(
    session: Session, points: Sequence[LatLon], radius_m: float, cell_m: float
) -> list[NearbyPothole]:
    """The open records within radius_m of the points' bounding box (grid cells, one query)."""
    if not points:
        return []
    ranges = [cell_ranges(p, radius_m, cell_m) for p in points]
    query = select(Pothole.id, Pothole.lat, Pothole.lon, Pothole.uncertainty_m).where(
        col(Pothole.cell_y).between(min(r[0] for r in ranges), max(r[1] for r in ranges)),
        col(Pothole.cell_x).between(min(r[2] for r in ranges), max(r[3] for r in ranges)),
        col(Pothole.verified_at).is_(None),
    )
    found = []
    for pothole_id, lat, lon, uncertainty_m in session.exec(query).all():
        assert pothole_id is not None  # a primary key read back
        found.append(NearbyPothole(pothole_id, LatLon(lat, lon), uncertainty_m))
    return found


def sightings_of(session: Session, pothole_id: int, limit: int = 200) -> Sequence[Sighting]:
    query = (
        select(Sighting)
        .where(Sighting.pothole_id == pothole_id)
        .order_by(col(Sighting.captured_at).desc())
        .limit(limit)
    )
    return session.exec(query).all()


def seen_between(
    session: Session, pothole_id: int, vehicle_id: str, start: datetime, end: datetime, pass_key: str
) -> bool:
    """Did this pass (by id, or by its vehicle and time window) detect the pothole?"""
    query = (
        select(Sighting.id)
        .where(
            Sighting.pothole_id == pothole_id,
            (col(Sighting.pass_key) == pass_key)
            | ((col(Sighting.vehicle_id) == vehicle_id) & col(Sighting.captured_at).between(start, end)),
        )
        .limit(1)
    )
    return session.exec(query).first() is not None


def mark_negative(session: Session, pothole_id: int, negative: bool) -> None:
    """A rejected pothole's sightings become negative examples for retraining (and back on a reopen)."""
    session.execute(update(Sighting).where(col(Sighting.pothole_id) == pothole_id).values(negative=negative))


def list_potholes(
    session: Session,
    *,
    bbox: tuple[float, float, float, float] | None,
    status: str | None,
    since: datetime | None,
    limit: int,
    offset: int,
) -> tuple[int, Sequence[Pothole]]:
    query = select(Pothole)
    if bbox is not None:
        min_lon, min_lat, max_lon, max_lat = bbox
        query = query.where(
            col(Pothole.lat).between(min_lat, max_lat), col(Pothole.lon).between(min_lon, max_lon)
        )
    if status is not None:
        query = query.where(Pothole.status == status)
    if since is not None:
        query = query.where(Pothole.last_seen >= since)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(col(Pothole.id)).offset(offset).limit(limit)).all()
    return int(total), rows

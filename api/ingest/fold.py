"""The end of a pass: records that its first, biased sightings started alone are folded into the known
records they are, once the whole pass shows its GPS bias (see `api.potholes.dedup.plan_folds`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.config import Settings
from api.db import begin_write
from api.geo import cell_of, cells_covering
from api.ingest.placement import Hooks
from api.ingest.service import keep_order_in_step
from api.potholes.dedup import (
    Estimate,
    Fold,
    is_confirmed,
    merge_pass,
    own_pass_records,
    pass_observation,
    plan_folds,
)
from api.potholes.pass_keys import given_pass_key, shown_pass_id
from api.potholes.repository import (
    fold_into,
    pass_keys_between,
    pass_neighbours,
    pass_sightings,
    records_around,
    update_pothole,
)
from api.potholes.tables import Pothole, PotholeStatus
from api.workorders.service import current_order, hand_over
from api.workorders.tables import WorkOrderStatus
from common.contract import PassIn
from common.geodesy import LatLon


def fold_pass(engine: Engine, pass_in: PassIn, settings: Settings, hooks: Hooks, now: datetime) -> list[int]:
    """The pass's sightings are its vehicle's with its client_id as pass_id, or else its vehicle's in its
    time window (whatever pass ids they carry); the ids of the records folded away."""
    with Session(engine) as session:
        keys = {given_pass_key(pass_in.vehicle_id, pass_in.client_id)} | set(
            pass_keys_between(session, pass_in.vehicle_id, pass_in.started_at, pass_in.ended_at)
        )
        session.commit()
    return [
        pothole_id
        for key in sorted(keys)
        for pothole_id in _fold_key(engine, key, shown_pass_id(pass_in.vehicle_id, key), settings, hooks, now)
    ]


def _fold_key(
    engine: Engine, pass_key: str, shown: str, settings: Settings, hooks: Hooks, now: datetime
) -> list[int]:
    """Plan on a read, then apply under the write locks of every record involved (re-checked there);
    `shown` names the pass in the orders' history (the pass id as the vehicle sent it)."""
    with Session(engine, expire_on_commit=False) as session:
        rows = pass_neighbours(session, pass_key)
        sources = own_pass_records(rows)
        places = [LatLon(o.lat, o.lon) for o in sources.values()]
        records = records_around(session, places, settings.max_join_radius_m, settings.grid_cell_m)
        folds = plan_folds(
            rows,
            records,
            min_radius_m=settings.dedup_radius_m,
            max_radius_m=settings.max_join_radius_m,
            window_s=settings.pass_bias_window_s,
        )
        session.commit()
        if not folds:
            return []
        where = {r.id: r.position for r in records}
        keys = [
            c.lock_key()
            for f in folds
            for pothole_id in (f.source_id, f.target_id)
            for c in cells_covering(where[pothole_id], settings.max_join_radius_m, settings.grid_cell_m)
        ]
        try:
            begin_write(session, keys)
            folded = [f.source_id for f in folds if _apply(session, f, pass_key, shown, settings, hooks, now)]
            session.commit()
        except BaseException:
            session.rollback()
            raise
    return folded


def _apply(
    session: Session, fold: Fold, pass_key: str, shown: str, settings: Settings, hooks: Hooks, now: datetime
) -> bool:
    """Move the source's sightings to the target as one more pass; False (nothing done) when the source
    is no longer a fresh candidate of this pass alone, or the target has been seen by this pass since."""
    source = session.get(Pothole, fold.source_id, populate_existing=True)
    target = session.get(Pothole, fold.target_id, populate_existing=True)
    if source is None or target is None or target.verified_at is not None:
        return False
    moved = pass_sightings(session, fold.source_id, pass_key)
    order = current_order(session, fold.source_id, for_update=True)
    if (
        source.status not in (PotholeStatus.CANDIDATE, PotholeStatus.CONFIRMED)
        or source.pass_count != 1
        or len(moved) != source.sighting_count
        or source.citizen_report_count
        or (order is not None and (order.status != WorkOrderStatus.OPEN or order.assignee is not None))
        or (order is not None and target.status == PotholeStatus.REJECTED)
        or pass_sightings(session, fold.target_id, pass_key)
    ):
        return False  # no longer this pass's alone, or a person has acted on its order
    current = Estimate(
        target.lat,
        target.lon,
        target.weight_sum,
        target.min_uncertainty_m,
        target.width_m,
        target.length_m,
        target.pass_count,
    )
    est = merge_pass(current, None, pass_observation(moved))
    max_confidence = max(target.max_confidence, source.max_confidence)
    sightings = target.sighting_count + source.sighting_count
    first_seen, last_seen = min(target.first_seen, source.first_seen), max(target.last_seen, source.last_seen)
    if order is not None:
        why = f"pothole {fold.source_id} is pothole {fold.target_id} seen through pass {shown}'s GPS bias"
        hand_over(
            session,
            order,
            target_pothole_id=fold.target_id,
            actor=f"system:pass/{shown}",
            now=now,
            why=why,
        )
    fold_into(session, source, fold.target_id, negative=target.status == PotholeStatus.REJECTED)
    update_pothole(
        session,
        fold.target_id,
        est,
        cell_of(LatLon(est.lat, est.lon), settings.grid_cell_m),
        sightings=sightings,
        max_confidence=max_confidence,
        first_seen=first_seen,
        last_seen=last_seen,
        now=now,
    )
    pothole = session.get(Pothole, fold.target_id, populate_existing=True)
    assert pothole is not None
    stays_candidate = pothole.status == PotholeStatus.CANDIDATE and not is_confirmed(
        est.passes,
        max_confidence,
        confirm_passes=settings.confirm_passes,
        confirm_confidence=settings.confirm_confidence,
    )
    if pothole.status != PotholeStatus.REJECTED and not stays_candidate:
        keep_order_in_step(
            session,
            pothole,
            hooks,
            now,
            actor=f"system:pass/{shown}",
            evidence_note=f"detected again by pass {shown} (its GPS bias taken out)",
        )
    session.flush()
    return True

"""GET/PATCH /v1/work-orders/{id} and its history (the audit log); a crew reads and moves only its own
orders unless a manager granted it every crew's (`api.auth.scope`)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.auth.deps import Staff
from api.auth.scope import check_moves_order, check_sees_order
from api.auth.tables import Role
from api.db import SessionDep, begin_write
from api.errors import ForbiddenError, plain_list
from api.images import reencode
from api.params import RowId
from api.potholes.tables import Pothole
from api.services import Services, ServicesDep
from api.types import utc_now
from api.workorders.schemas import EventPublic, WorkOrderPatch, WorkOrderPublic, event_public, order_public
from api.workorders.service import event_photo, get_order_or_raise, history, transition
from api.workorders.tables import WorkOrderStatus

router = APIRouter(prefix="/v1/work-orders", tags=["work orders"])

CREW_MAY_SET = frozenset(
    {
        WorkOrderStatus.IN_PROGRESS,
        WorkOrderStatus.REPAIRED,
        WorkOrderStatus.REJECTED,
        WorkOrderStatus.ASSIGNED,
    }
)


@router.get("/{work_order_id}", response_model=WorkOrderPublic)
def get_work_order(work_order_id: RowId, session: SessionDep, principal: Staff) -> WorkOrderPublic:
    order = get_order_or_raise(session, work_order_id)
    check_sees_order(principal, order.assignee, work_order_id)
    pothole = session.get(Pothole, order.pothole_id)
    return order_public(order, pothole.lat if pothole else None, pothole.lon if pothole else None)


@router.patch(
    "/{work_order_id}",
    response_model=WorkOrderPublic,
    responses={
        403: {"description": "a crew changing an order not its own, or to a status it may not set"},
        409: {"description": "illegal transition"},
    },
)
def patch_work_order(
    work_order_id: RowId, change: WorkOrderPatch, session: SessionDep, services: ServicesDep, principal: Staff
) -> WorkOrderPublic:
    """Crews move their own orders (in_progress, repaired, rejected = not a pothole); managers any.
    `repaired` waits for a later patrol pass to verify it. A `photo_jpeg_b64` (the repair) is kept with
    the change's history event, as our own encoding of its pixels, and served at its `photo_url`."""
    photo = _reencoded_photo(change, services)  # before the write lock: decoding takes a while
    begin_write(session)
    order = get_order_or_raise(session, work_order_id, for_update=True)
    if principal.role == Role.CREW:
        check_moves_order(principal, order.assignee, work_order_id)
        if change.status not in CREW_MAY_SET or (change.assignee not in (None, principal.name)):
            raise ForbiddenError(
                f"status: a crew may set {plain_list(CREW_MAY_SET)} on its own orders, "
                f"not '{change.status}' or another assignee"
            )
    actor = f"{principal.role}:{principal.name}"
    transition(
        session,
        order,
        change.status,
        actor=actor,
        now=utc_now(),
        note=change.note,
        assignee=change.assignee,
        photo=photo,
    )
    session.commit()
    pothole = session.get(Pothole, order.pothole_id)
    return order_public(order, pothole.lat if pothole else None, pothole.lon if pothole else None)


def _reencoded_photo(change: WorkOrderPatch, services: Services) -> tuple[bytes, str] | None:
    sent = change.photo()
    if sent is None:
        return None
    settings = services.settings
    return reencode(
        sent[0],
        "photo_jpeg_b64",
        max_bytes=settings.max_crop_bytes,
        max_pixels=settings.max_image_pixels,
        slots=services.decode_slots,
        json_field=True,
    )


@router.get("/{work_order_id}/history", response_model=list[EventPublic])
def get_work_order_history(work_order_id: RowId, session: SessionDep, principal: Staff) -> list[EventPublic]:
    order = get_order_or_raise(session, work_order_id)
    check_sees_order(principal, order.assignee, work_order_id)
    return [event_public(e) for e in history(session, work_order_id)]


@router.get(
    "/{work_order_id}/history/{event_id}/photo",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}}}, 404: {}},
)
def get_event_photo(work_order_id: RowId, event_id: RowId, session: SessionDep, principal: Staff) -> Response:
    """The photo sent with one change (staff keys only, like the sighting crops; a crew's own orders')."""
    order = get_order_or_raise(session, work_order_id)
    check_sees_order(principal, order.assignee, work_order_id)
    data, media_type = event_photo(session, work_order_id, event_id)
    return Response(data, media_type=media_type, headers={"Cache-Control": "private, max-age=3600"})

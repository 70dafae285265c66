"""POST /open311/v2/requests.json: a citizen's report, filed as evidence through `api.ingest.citizen`.

The write side of Open311 (the read side is `api/publish/open311.py`): a report is evidence like a
sighting, so it enters where every other piece of evidence does, and publishing only reads.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request

from api.ingest.citizen import file_citizen_report
from api.potholes.open311 import PREFIX, SERVICE_CODE, TAGS, Open311Error, check_jurisdiction, principal_of
from api.potholes.schemas import CitizenReport
from api.services import services_of

router = APIRouter(prefix=PREFIX, tags=[*TAGS])


def is_web_url(text: str) -> bool:
    """http(s) with a host and no whitespace or control characters: staff browsers open this link, so a
    `javascript:` or `data:` URL would run or render in their session."""
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in text):
        return False
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


@router.post(
    "/requests.json",
    status_code=201,
    summary="Create a citizen report (form-encoded, api_key required); near a known pothole it joins it",
)
def create_request(
    request: Request,
    service_code: Annotated[str, Form()],
    api_key: Annotated[str | None, Form()] = None,
    jurisdiction_id: Annotated[str | None, Form()] = None,
    lat: Annotated[float | None, Form()] = None,
    long: Annotated[float | None, Form()] = None,
    address_string: Annotated[str | None, Form(max_length=500)] = None,
    description: Annotated[str | None, Form(max_length=4000)] = None,
    media_url: Annotated[str | None, Form(max_length=1000)] = None,
    email: Annotated[str | None, Form(max_length=200)] = None,
    device_id: Annotated[str | None, Form(max_length=200)] = None,
    account_id: Annotated[str | None, Form(max_length=200)] = None,
) -> list[dict[str, Any]]:
    principal = principal_of(request, api_key)
    check_jurisdiction(request, jurisdiction_id)
    if service_code != SERVICE_CODE:
        raise Open311Error(400, f"service_code: {service_code!r} is not offered (only {SERVICE_CODE!r})")
    if lat is None or long is None:
        raise Open311Error(400, "lat/long: required (this server does not geocode address_string)")
    if not (-90 <= lat <= 90 and -180 <= long <= 180):
        raise Open311Error(400, f"lat/long: ({lat}, {long}) is outside WGS84 ranges")
    if media_url is not None and not is_web_url(media_url):
        raise Open311Error(400, "media_url: must be an http:// or https:// URL with a host")
    report = CitizenReport(
        lat=lat,
        lon=long,
        description=description,
        address_string=address_string,
        media_url=media_url,
        email=email,
        device_id=device_id,
        account_id=account_id,
        submitted_by=principal.name,
    )
    filed = file_citizen_report(services_of(request.app), report, datetime.now(UTC))
    notice = (
        f"Joined an existing report: {filed.citizen_reports} citizen report(s) and "
        f"{filed.patrol_sightings} patrol sighting(s) of this pothole."
        if filed.joined
        else "Received: a patrol vehicle will confirm this pothole."
    )
    return [{"service_request_id": str(filed.pothole_id), "service_notice": notice, "account_id": account_id}]

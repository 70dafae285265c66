"""/healthz (the process answers) and /readyz (database and model); /metrics needs a key (api/admin)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlmodel import Session

from api.services import ServicesDep

router = APIRouter(tags=["operations"])


@router.get("/healthz")
def get_healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "database unreachable or model not loaded"}})
def get_readyz(services: ServicesDep) -> JSONResponse:
    body: dict[str, Any] = {}
    try:
        with Session(services.engine) as session:
            session.exec(text("SELECT 1"))  # type: ignore[call-overload]
        body["database"] = "ok"
    except Exception as exc:  # any driver failure means "not ready", with the reason
        body["database"] = f"error: {exc.__class__.__name__}: {exc}"[:300]
    detector = services.detector
    body["model"] = "ok" if detector is not None else f"not loaded: {services.model_error}"
    body["model_id"] = None if detector is None else detector.info.model_id
    ready = body["database"] == "ok" and (detector is not None or not services.settings.require_model)
    body["status"] = "ready" if ready else "not ready"
    return JSONResponse(body, status_code=200 if ready else 503)


"""GET /v1/policy (staff) and PUT /v1/policy (admin, YAML or JSON): a new policy re-scores open orders."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.auth.deps import Admin, Staff
from api.errors import InvalidInputError
from api.layers.store import save_policy
from api.layers.tables import PriorityPolicy
from api.services import Services, ServicesDep
from api.workorders.rescore import rescore_all

router = APIRouter(prefix="/v1/policy", tags=["policy"])


@router.get("", summary="The priority policy in force (score terms and SLA categories)")
def get_policy(services: ServicesDep, _: Staff) -> dict[str, Any]:
    """`document` is the YAML as stored (edit it and PUT it back); `policy` is the parsed form."""
    snapshot = services.layers.snapshot
    with Session(services.engine) as session:
        row = session.get(PriorityPolicy, snapshot.policy_id) if snapshot.policy_id else None
    return {
        "id": snapshot.policy_id,
        "origin": row.origin if row else "built-in default",
        "document": row.document if row else None,
        "policy": snapshot.policy.model_dump(mode="json"),
    }


@router.put(
    "",
    summary="Replace the priority policy (admin); every open work order is re-scored",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/yaml": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object"}},
            },
        }
    },
)
async def put_policy(request: Request, services: ServicesDep, principal: Admin) -> dict[str, Any]:
    raw = await request.body()
    try:
        document = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInputError("body: the policy must be UTF-8 YAML or JSON") from exc
    return await run_in_threadpool(_apply, services, document, principal.name)


def _apply(services: Services, document: str, actor: str) -> dict[str, Any]:
    runtime, engine = services.layers, services.engine
    with Session(engine) as session:
        policy_id, policy = save_policy(session, document=document, origin=f"api:{actor}")
    runtime.refresh(force=True)
    report = rescore_all(engine, runtime, actor=actor)
    return {"id": policy_id, "policy": policy.model_dump(mode="json"), "rescored": report.as_json()}


@router.post(
    "/rescore", summary="Re-enrich potholes and re-score open orders now (admin; e.g. daily, for age terms)"
)
def rescore_now(services: ServicesDep, principal: Admin) -> dict[str, Any]:
    """Age terms ("open for 14 days") change with time alone: a daily call keeps the queue honest."""
    runtime = services.layers
    runtime.refresh(force=True)
    report = rescore_all(services.engine, runtime, actor=principal.name)
    return {"rescored": report.as_json()}

"""One worker's view of the layers and the policy, kept in step with the database.

Each worker checks the database revision at most every `refresh_s` seconds (one cheap query, at the start
of a request) and rebuilds only the layers whose version changed. `enricher` and `score` read the current
snapshot, so a layer or policy change takes effect on every worker without a restart.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.layers.enrich import enrich, enrich_many
from api.layers.geojson import parse_layer
from api.layers.registry import Layer, LayerSet, build_layer
from api.layers.store import Revision, current_revision, latest_policy, layer_versions
from api.layers.tables import CityLayer
from api.policy.model import Policy, load_policy
from api.policy.score import PotholeRecord, Prioritised, facts_of, prioritise

__all__ = ["Enricher", "LayersRuntime"]

log = logging.getLogger(__name__)

Enricher = Callable[[float, float], dict[str, Any]]  # (lat, lon) -> the pothole's context (JSON values)


@dataclass(frozen=True, slots=True)
class Snapshot:
    layers: LayerSet
    policy: Policy
    policy_id: int
    revision: Revision


class LayersRuntime:
    """Holds the current Snapshot; `refresh()` swaps in a new one when the database moved on."""

    def __init__(
        self, engine: Engine, *, refresh_s: float = 2.0, fallback_policy: Policy | None = None
    ) -> None:
        self._engine = engine
        self._refresh_s = refresh_s
        self._lock = threading.Lock()
        self._checked_at = 0.0
        policy = fallback_policy or load_policy()
        self._snapshot = Snapshot(LayerSet(), policy, 0, Revision(0, 0, 0))

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    @property
    def layers(self) -> LayerSet:
        return self._snapshot.layers

    @property
    def policy(self) -> Policy:
        return self._snapshot.policy

    def is_due(self) -> bool:
        return time.monotonic() - self._checked_at >= self._refresh_s

    def refresh(self, *, force: bool = False) -> bool:
        """Reload what changed in the database; True when the snapshot changed."""
        now = time.monotonic()
        if not force and now - self._checked_at < self._refresh_s:
            return False
        with self._lock:
            if not force and now - self._checked_at < self._refresh_s:
                return False
            with Session(self._engine) as session:
                revision = current_revision(session)
                if revision == self._snapshot.revision:
                    self._checked_at = time.monotonic()
                    return False
                snapshot = self._rebuild(session, revision)
            self._snapshot = snapshot
            self._checked_at = time.monotonic()
            log.info(
                "layers reloaded: revision %s, %d layers, policy %d",
                revision,
                len(snapshot.layers.layers),
                snapshot.policy_id,
            )
            return True

    def _rebuild(self, session: Session, revision: Revision) -> Snapshot:
        old = self._snapshot
        versions = layer_versions(session)
        layers: dict[str, Layer] = {}
        for name, version in versions.items():
            kept = old.layers.get(name)
            if kept is not None and kept.version == version:
                layers[name] = kept
                continue
            row = session.get(CityLayer, name)
            if row is None:
                continue
            parsed = parse_layer(row.geojson.encode(), max_bytes=len(row.geojson.encode()) + 1)
            layers[name] = build_layer(
                name, parsed, version=row.version, sha256=row.sha256, updated_at=row.updated_at
            )
        policy, policy_id = old.policy, old.policy_id
        if revision.policy_id != old.policy_id:
            latest = latest_policy(session)
            if latest is not None:
                policy_id, policy = latest
        return Snapshot(LayerSet(layers=layers, revision=revision.layers), policy, policy_id, revision)

    # --- what ingest, rescoring and citizen reports call: both read the current snapshot ------------
    def enricher(self, lat: float, lon: float) -> dict[str, Any]:
        snapshot = self._snapshot
        return enrich(lat, lon, snapshot.layers, snapshot.policy.enrichment_config)

    def enrich_many(self, points: list[tuple[float, float]]) -> list[dict[str, Any]]:
        snapshot = self._snapshot
        return enrich_many(points, snapshot.layers, snapshot.policy.enrichment_config)

    def score(
        self,
        pothole: PotholeRecord,
        context: Mapping[str, Any] | None,
        now: datetime,
        *,
        sla_start: datetime | None = None,
    ) -> Prioritised:
        """The policy in force applied to the pothole (a `Prioritiser`)."""
        policy = self._snapshot.policy
        return prioritise(facts_of(pothole), context, policy, now, sla_start=sla_start)

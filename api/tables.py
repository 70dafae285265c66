"""Imports every table so SQLModel.metadata is complete (alembic and create_all read it from here)."""

from api.auth.tables import ApiKey, Crew, RateBucket
from api.layers.tables import CityLayer, PriorityPolicy
from api.potholes.tables import Frame, Pothole, ServiceRequest, Sighting
from api.vehicles.tables import PatrolPass, VehicleCamera, VehicleFix
from api.workorders.tables import WorkOrder, WorkOrderEvent

__all__ = [
    "ApiKey",
    "CityLayer",
    "Crew",
    "Frame",
    "PatrolPass",
    "Pothole",
    "PriorityPolicy",
    "RateBucket",
    "ServiceRequest",
    "Sighting",
    "VehicleCamera",
    "VehicleFix",
    "WorkOrder",
    "WorkOrderEvent",
]

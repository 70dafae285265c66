"""The patrol vehicle's agent: frames + GPS -> tracked pothole sightings -> a durable outbox -> the API.

Only the detector's dependencies plus httpx and pydantic (and pynmea2/pyserial for NMEA): never fastapi,
sqlmodel, torch or ultralytics, so a vehicle box installs `pothole-watch[edge]` and nothing else. Fixes,
geometry and the wire contract are `common`'s, shared with the API.
"""

from edge.agent import Agent, AgentConfig, Mode
from edge.gps import read_gps
from edge.outbox import Outbox
from edge.privacy import UploadPolicy
from edge.sources import FrameSample, open_source
from edge.timesync import FixMatch, Timeline
from edge.tracker import Tracker
from edge.uploader import Uploader

__all__ = [
    "Agent",
    "AgentConfig",
    "FixMatch",
    "FrameSample",
    "Mode",
    "Outbox",
    "Timeline",
    "Tracker",
    "UploadPolicy",
    "Uploader",
    "open_source",
    "read_gps",
]

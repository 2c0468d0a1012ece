"""What the mission domain hands out: positions, passes, tracks and telemetry."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# OMM field names as CelesTrak's GP JSON spells them.
OMM_FIELDS = (
    "OBJECT_NAME",
    "OBJECT_ID",
    "EPOCH",
    "MEAN_MOTION",
    "ECCENTRICITY",
    "INCLINATION",
    "RA_OF_ASC_NODE",
    "ARG_OF_PERICENTER",
    "MEAN_ANOMALY",
    "EPHEMERIS_TYPE",
    "CLASSIFICATION_TYPE",
    "NORAD_CAT_ID",
    "ELEMENT_SET_NO",
    "REV_AT_EPOCH",
    "BSTAR",
    "MEAN_MOTION_DOT",
    "MEAN_MOTION_DDOT",
)


class OmmRecord(BaseModel):
    """One CelesTrak GP record (OMM mean elements); anything malformed is refused."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    OBJECT_NAME: str = Field(max_length=80)
    OBJECT_ID: str = Field(max_length=20)
    EPOCH: datetime
    MEAN_MOTION: float = Field(gt=0, lt=20)
    ECCENTRICITY: float = Field(ge=0, lt=1)
    INCLINATION: float = Field(ge=0, le=180)
    RA_OF_ASC_NODE: float = Field(ge=0, le=360)
    ARG_OF_PERICENTER: float = Field(ge=0, le=360)
    MEAN_ANOMALY: float = Field(ge=0, le=360)
    EPHEMERIS_TYPE: int = 0
    CLASSIFICATION_TYPE: str = Field("U", max_length=1)
    NORAD_CAT_ID: int = Field(gt=0)
    ELEMENT_SET_NO: int = 999
    REV_AT_EPOCH: int = 0
    BSTAR: float
    MEAN_MOTION_DOT: float
    MEAN_MOTION_DDOT: float = 0.0

    def omm_fields(self) -> dict[str, str]:
        """The record as the strings `sgp4.omm.initialize` expects."""
        data = self.model_dump()
        epoch: datetime = data["EPOCH"]
        data["EPOCH"] = epoch.replace(tzinfo=None).isoformat(timespec="microseconds")
        return {k: str(v) for k, v in data.items()}


@dataclass(frozen=True)
class MissionInfo:
    """A mission as the pages and the ticker need it (detached from the session)."""

    slug: str
    name: str
    agency: str
    status: str
    kind: str
    launch_date: date | None
    summary: str
    description: str
    norad_id: int | None
    horizons_id: str | None
    video_tag: str | None


@dataclass(frozen=True)
class ElementsInfo:
    norad_id: int
    name: str
    epoch: datetime
    source: str
    age_days: float
    stale: bool


@dataclass(frozen=True)
class SatellitePosition:
    at: datetime
    latitude: float
    longitude: float
    altitude_km: float
    speed_km_s: float
    sunlit: bool
    footprint_radius_km: float


@dataclass(frozen=True)
class LatLon:
    latitude: float
    longitude: float


@dataclass(frozen=True)
class GroundTrack:
    at: datetime
    period_minutes: float
    past: list[LatLon]
    next: list[LatLon]
    subsolar: LatLon


@dataclass(frozen=True)
class PassEvent:
    at: datetime
    altitude: float
    azimuth: float
    direction: str
    sunlit: bool


@dataclass(frozen=True)
class Pass:
    rise: PassEvent
    culmination: PassEvent
    set: PassEvent
    max_elevation: float
    sunlit: bool
    # Sun's altitude for the observer at culmination (degrees).
    sun_altitude: float
    brightness: str  # "bright" / "visible" / "not visible"

    @property
    def good(self) -> bool:
        return self.max_elevation >= 40.0


@dataclass(frozen=True)
class SkyPoint:
    at: datetime
    altitude: float
    azimuth: float
    sunlit: bool


@dataclass
class Telemetry:
    """One tick of a mission's telemetry, as sent in `mission.telemetry`."""

    mission_id: str
    at: datetime
    values: dict[str, Any] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        return {
            "missionId": self.mission_id,
            "at": self.at.isoformat().replace("+00:00", "Z"),
            **self.values,
        }

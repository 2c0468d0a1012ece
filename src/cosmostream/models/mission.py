"""Missions, the orbital elements of Earth orbiters, cached Horizons vector tables,
and the bookkeeping of the fetchers that keep them fresh."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Float, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from cosmostream.kit.time import utcnow
from cosmostream.models.base import Base, IdMixin


class Mission(IdMixin, Base):
    __tablename__ = "missions"

    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    agency: Mapped[str] = mapped_column(String(120))
    # active / planned / completed / lost
    status: Mapped[str] = mapped_column(String(20))
    # satellite / station / telescope / deep_space / crewed / rover / probe
    kind: Mapped[str] = mapped_column(String(20))
    launch_date: Mapped[date | None]
    summary: Mapped[str] = mapped_column(String(300), default="", server_default="")
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Earth orbiters: the NORAD catalogue number of their element sets.
    norad_id: Mapped[int | None] = mapped_column(Integer)
    # Deep-space missions: the JPL Horizons target (e.g. "-170" for JWST).
    horizons_id: Mapped[str | None] = mapped_column(String(20))
    # Videos carrying this tag are the mission's related videos.
    video_tag: Mapped[str | None] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SatelliteElements(Base):
    """The latest OMM mean elements of one object (CelesTrak GP data), by NORAD id."""

    __tablename__ = "satellite_elements"

    norad_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    object_name: Mapped[str] = mapped_column(String(80))
    object_id: Mapped[str] = mapped_column(String(20))
    epoch: Mapped[datetime]
    mean_motion: Mapped[float] = mapped_column(Float)
    eccentricity: Mapped[float] = mapped_column(Float)
    inclination: Mapped[float] = mapped_column(Float)
    ra_of_asc_node: Mapped[float] = mapped_column(Float)
    arg_of_pericenter: Mapped[float] = mapped_column(Float)
    mean_anomaly: Mapped[float] = mapped_column(Float)
    ephemeris_type: Mapped[int] = mapped_column(Integer)
    classification_type: Mapped[str] = mapped_column(String(1))
    element_set_no: Mapped[int] = mapped_column(Integer)
    rev_at_epoch: Mapped[int] = mapped_column(Integer)
    bstar: Mapped[float] = mapped_column(Float)
    mean_motion_dot: Mapped[float] = mapped_column(Float)
    mean_motion_ddot: Mapped[float] = mapped_column(Float)
    # "celestrak" or "snapshot" (the shipped fallback).
    source: Mapped[str] = mapped_column(String(20))
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)


class HorizonsTable(Base):
    """A cached JPL Horizons vector table of one target, centred on the Earth."""

    __tablename__ = "horizons_tables"

    target: Mapped[str] = mapped_column(String(20), primary_key=True)
    center: Mapped[str] = mapped_column(String(20))
    start_jd: Mapped[float] = mapped_column(Float)
    stop_jd: Mapped[float] = mapped_column(Float)
    # [[jd_tdb, x, y, z, vx, vy, vz], ...] in km and km/s, ICRF axes.
    rows: Mapped[list[list[float]]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(20))
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)

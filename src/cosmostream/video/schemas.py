from __future__ import annotations

import re
import uuid

from pydantic import BaseModel, Field, field_validator

from cosmostream.models import Visibility

_TAG = re.compile(r"[^\w\- ]+", re.UNICODE)


def clean_tags(values: list[str]) -> list[str]:
    """Lower-case, trimmed, de-duplicated tags of at most 40 characters (at most 15)."""
    seen: list[str] = []
    for value in values:
        tag = " ".join(_TAG.sub("", value).lower().split())[:40]
        if tag and tag not in seen:
            seen.append(tag)
    return seen[:15]


class VideoCreate(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=10_000)
    category_slug: str | None = None
    tags: list[str] = Field(default_factory=list, max_length=50)
    visibility: Visibility = Visibility.PUBLIC
    filename: str = Field(default="", max_length=255)
    size: int = Field(ge=0)  # 0 is refused by the service with its own code

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("Enter a title.")
        return value

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        return clean_tags(value)


class VideoUpdate(BaseModel):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)
    category_slug: str | None = None
    tags: list[str] | None = None
    visibility: Visibility | None = None
    premium: bool | None = None
    # 0: back to the site's default (the `premium_preview_seconds` setting).
    preview_seconds: int | None = Field(default=None, ge=0, le=3600)

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str] | None) -> list[str] | None:
        return clean_tags(value) if value is not None else None


class UploadTarget(BaseModel):
    """Where the client sends the bytes of a new video."""

    video_id: uuid.UUID
    protocol: str  # "tus" or "s3-multipart"
    url: str
    max_chunk_size: int | None = None

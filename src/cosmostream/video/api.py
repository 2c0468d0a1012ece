"""The tus 1.0.0 endpoint at /uploads/ (core, creation, termination, checksum, expiration).

Clients authenticate like any API call (Bearer, or the page's cookies plus the
CSRF header). The upload is bound to a draft video made by `createVideo`; its
id travels in the `videoId` metadata entry.
"""

from __future__ import annotations

import base64
from email.utils import format_datetime

from fastapi import APIRouter, Request
from starlette.responses import Response

from cosmostream.account.schemas import Actor
from cosmostream.config import get_settings
from cosmostream.errors import (
    AppError,
    BadRequest,
    Conflict,
    NotAuthenticated,
    UnsupportedMediaType,
)
from cosmostream.kit.ids import parse_uuid, require_uuid
from cosmostream.kit.text import refuse_bad_text
from cosmostream.models import Upload
from cosmostream.video.errors import EmptyUpload, UploadNotFound, UploadTooLarge
from cosmostream.video.s3_uploads import s3_mode
from cosmostream.video.uploads import SUPPORTED_CHECKSUMS, Checksum, upload_service
from cosmostream.web import security
from cosmostream.web.deps import database

router = APIRouter(prefix="/uploads")

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,termination,checksum,expiration"
METADATA_KEYS = {"videoId", "filename", "filetype"}
# Upload-Length and Upload-Offset: 20 digits hold any 64-bit size.
MAX_NUMBER_DIGITS = 20


def _tus_headers(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {"Tus-Resumable": TUS_VERSION, **(extra or {})}


def _check_version(request: Request) -> None:
    if request.headers.get("tus-resumable") != TUS_VERSION:
        raise AppError(
            "Tus-Resumable 1.0.0 is required.",
            status=412,
            code="tus_version",
            headers={"Tus-Version": TUS_VERSION},
        )


def _check_backend() -> None:
    """With S3 storage, files go straight to the bucket: there is no tus upload."""
    if s3_mode():
        raise Conflict(
            "This server uses S3 uploads: see upload.protocol in createVideo's answer "
            "(presignVideoUploadParts, completeVideoUpload).",
            code="s3_uploads",
            headers={"Tus-Resumable": TUS_VERSION},
        )


def _actor(request: Request) -> Actor:
    actor = security.current_actor(request)
    if actor is None:
        raise NotAuthenticated()
    # Browsers authenticate with cookies, so they must prove the page is ours.
    if request.state.auth_via_cookie:
        security.check_csrf(request, request.headers.get(security.CSRF_HEADER))
    return actor


def _number(request: Request, header: str, code: str) -> int:
    """A tus number header: ASCII digits only, since `str.isdigit` and `int()`
    also take "²" and other scripts' digits, and few of them, since `int()`
    refuses (or slowly parses) thousands."""
    raw = request.headers.get(header)
    if raw is None or not (raw.isascii() and raw.isdigit() and len(raw) <= MAX_NUMBER_DIGITS):
        raise BadRequest(
            f"{header} is required: a decimal number of at most {MAX_NUMBER_DIGITS} digits.",
            code=code,
            headers=_tus_headers(),
        )
    return int(raw)


def _expires(upload: Upload) -> str:
    return format_datetime(upload.expires_at, usegmt=True)


def parse_metadata(header: str | None) -> dict[str, str]:
    """Parse `Upload-Metadata` (comma-separated `key base64value`), allow-listed keys only."""
    result: dict[str, str] = {}
    if not header:
        return result
    for pair in header.split(","):
        key, _, encoded = pair.strip().partition(" ")
        if key not in METADATA_KEYS:
            continue
        try:
            result[key] = base64.b64decode(encoded.strip(), validate=True).decode()[:255]
        except (ValueError, UnicodeDecodeError):
            raise BadRequest("Malformed Upload-Metadata.", code="bad_metadata") from None
        refuse_bad_text(result[key], field=key)
    return result


@router.options("/")
@router.options("/{upload_id}")
async def options(request: Request) -> Response:
    settings = get_settings()
    return Response(
        status_code=204,
        headers={
            "Tus-Resumable": TUS_VERSION,
            "Tus-Version": TUS_VERSION,
            "Tus-Extension": EXTENSIONS,
            "Tus-Max-Size": str(settings.max_upload_bytes),
            "Tus-Checksum-Algorithm": ",".join(SUPPORTED_CHECKSUMS),
        },
    )


@router.post("/")
async def create(request: Request) -> Response:
    _check_version(request)
    _check_backend()
    actor = _actor(request)
    length = _number(request, "Upload-Length", "upload_length")
    if length > get_settings().max_upload_bytes:
        raise UploadTooLarge()
    if length == 0:
        raise EmptyUpload()
    metadata = parse_metadata(request.headers.get("upload-metadata"))
    video_id = parse_uuid(metadata.get("videoId", ""))
    if video_id is None:
        raise BadRequest("Upload-Metadata must name the draft video (videoId).", code="no_video")
    async with database(request).unit_of_work() as session:
        upload = await upload_service.create(
            session, actor, video_id, length, metadata.get("filename", "")
        )
    # Built from our configured base URL, never from Host / X-Forwarded-Host.
    location = f"{get_settings().base_url.rstrip('/')}/uploads/{upload.id}"
    return Response(
        status_code=201,
        headers=_tus_headers({"Location": location, "Upload-Expires": _expires(upload)}),
    )


@router.head("/{upload_id}")
async def head(request: Request, upload_id: str) -> Response:
    _check_version(request)
    _check_backend()
    actor = security.current_actor(request)
    async with database(request).read() as session:
        upload = await upload_service.get(session, actor, require_uuid(upload_id, UploadNotFound))
    headers = {
        "Upload-Offset": str(upload.offset),
        "Upload-Length": str(upload.length),
        "Cache-Control": "no-store",
    }
    if upload.completed_at is None:
        headers["Upload-Expires"] = _expires(upload)
    return Response(status_code=200, headers=_tus_headers(headers))


@router.patch("/{upload_id}")
async def patch(request: Request, upload_id: str) -> Response:
    _check_version(request)
    _check_backend()
    actor = _actor(request)
    if request.headers.get("content-type", "").split(";")[0].strip() != (
        "application/offset+octet-stream"
    ):
        raise UnsupportedMediaType("PATCH bodies must be application/offset+octet-stream.")
    offset = _number(request, "Upload-Offset", "upload_offset")
    checksum = Checksum.parse(request.headers.get("upload-checksum"))
    upload = await upload_service.append(
        database(request),
        actor,
        require_uuid(upload_id, UploadNotFound),
        offset,
        request.stream(),
        checksum,
    )
    headers = {"Upload-Offset": str(upload.offset)}
    if upload.completed_at is None:
        headers["Upload-Expires"] = _expires(upload)
    return Response(status_code=204, headers=_tus_headers(headers))


@router.delete("/{upload_id}")
async def terminate(request: Request, upload_id: str) -> Response:
    _check_version(request)
    _check_backend()
    actor = _actor(request)
    async with database(request).unit_of_work() as session:
        await upload_service.terminate(session, actor, require_uuid(upload_id, UploadNotFound))
    return Response(status_code=204, headers=_tus_headers())

"""GraphQL for videos: drafts and their upload target, status, metadata, management.

The `Video` type is a hub, in graphql/hubs.py.
"""

from __future__ import annotations

from datetime import datetime

import strawberry
from pydantic import ValidationError

from cosmostream.errors import ValidationFailed
from cosmostream.graphql.context import Info
from cosmostream.graphql.hubs import Video, Visibility
from cosmostream.kit.ids import parse_uuid, require_uuid
from cosmostream.models import Visibility as VisibilityModel
from cosmostream.video.errors import VideoNotFound
from cosmostream.video.s3_uploads import PROTOCOL as S3_PROTOCOL
from cosmostream.video.s3_uploads import s3_mode, s3_upload_service
from cosmostream.video.schemas import VideoCreate, VideoUpdate
from cosmostream.video.service import video_service


@strawberry.type
class UploadTarget:
    protocol: str
    url: str
    video_id: strawberry.ID
    max_chunk_size: int | None


@strawberry.type(description="A presigned URL to PUT one part of an S3 multipart upload to.")
class UploadPart:
    part_number: int
    url: str
    expires_at: datetime


@strawberry.type
class CreateVideoPayload:
    video: Video
    upload: UploadTarget


@strawberry.input
class CreateVideoInput:
    title: str
    size: int = strawberry.field(
        description="File size in bytes: reserved against your quota; the upload must be "
        "exactly this long."
    )
    filename: str = ""
    description: str = ""
    category: str | None = strawberry.field(default=None, description="Category slug.")
    tags: list[str] = strawberry.field(default_factory=list)
    visibility: Visibility = Visibility.PUBLIC


@strawberry.input
class UpdateVideoInput:
    title: str | None = None
    description: str | None = None
    category: str | None = None
    tags: list[str] | None = None
    visibility: Visibility | None = None
    premium: bool | None = strawberry.field(
        default=None, description="Premium: watching it all needs the `video.premium` entitlement."
    )
    preview_seconds: int | None = strawberry.field(
        default=None,
        description="Seconds of preview for viewers without it (0 to 3600; 0: the default).",
    )


def _validated(model: type, **fields: object) -> object:
    try:
        return model(**fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first.get("loc") else None
        raise ValidationFailed(first["msg"].removeprefix("Value error, "), field=field) from None


@strawberry.type
class VideoQuery:
    @strawberry.field
    async def video(self, info: Info, id: strawberry.ID) -> Video | None:
        video_id = parse_uuid(str(id))
        if video_id is None:
            return None
        async with info.context.db.read() as session:
            try:
                video = await video_service.get(session, info.context.actor, video_id)
            except VideoNotFound:
                return None
        return Video(model=video)

    @strawberry.field(description="The signed-in creator's videos, newest first.")
    async def my_videos(self, info: Info) -> list[Video]:
        actor = info.context.require_actor()
        async with info.context.db.read() as session:
            return [Video(model=v) for v in await video_service.list_mine(session, actor)]


@strawberry.type
class VideoMutation:
    @strawberry.mutation(description="Create a draft video and get where to upload its file.")
    async def create_video(self, info: Info, input: CreateVideoInput) -> CreateVideoPayload:
        actor = info.context.require_actor()
        data = _validated(
            VideoCreate,
            title=input.title,
            size=input.size,
            filename=input.filename,
            description=input.description,
            category_slug=input.category,
            tags=input.tags,
            visibility=VisibilityModel(input.visibility.value),
        )
        assert isinstance(data, VideoCreate)
        s3 = s3_mode()
        async with info.context.unit_of_work() as session:
            video = await video_service.create(session, actor, data)
            if s3:
                # The bytes go straight to the bucket, part by part.
                _, part_size = await s3_upload_service.start(session, actor, video, data.size)
            full = await video_service.get(session, actor, video.id)
        if s3:
            return CreateVideoPayload(
                video=Video(model=full),
                upload=UploadTarget(
                    protocol=S3_PROTOCOL,
                    url="",
                    video_id=strawberry.ID(str(video.id)),
                    max_chunk_size=part_size,
                ),
            )
        # Relative, so the page's own origin (and its cookies) is used.
        return CreateVideoPayload(
            video=Video(model=full),
            upload=UploadTarget(
                protocol="tus",
                url="/uploads/",
                video_id=strawberry.ID(str(video.id)),
                max_chunk_size=None,
            ),
        )

    @strawberry.mutation(
        description="S3 uploads: presigned PUT URLs for parts (1-10000, at most 100 per call)."
    )
    async def presign_video_upload_parts(
        self, info: Info, video_id: strawberry.ID, part_numbers: list[int]
    ) -> list[UploadPart]:
        actor = info.context.require_actor()
        async with info.context.unit_of_work() as session:
            parts = await s3_upload_service.presign(
                session, actor, require_uuid(video_id, VideoNotFound), part_numbers
            )
        return [
            UploadPart(part_number=p.part_number, url=p.url, expires_at=p.expires_at) for p in parts
        ]

    @strawberry.mutation(
        description="S3 uploads: check the uploaded parts, assemble the file, start processing."
    )
    async def complete_video_upload(self, info: Info, video_id: strawberry.ID) -> Video:
        actor = info.context.require_actor()
        await s3_upload_service.complete(
            info.context.db, actor, require_uuid(video_id, VideoNotFound)
        )
        async with info.context.db.read() as session:
            video = await video_service.get_managed(
                session, actor, require_uuid(video_id, VideoNotFound)
            )
        return Video(model=video)

    @strawberry.mutation(
        description="S3 uploads: give up the upload and free its parts (the draft stays)."
    )
    async def abort_video_upload(self, info: Info, video_id: strawberry.ID) -> bool:
        actor = info.context.require_actor()
        async with info.context.unit_of_work() as session:
            await s3_upload_service.abort(session, actor, require_uuid(video_id, VideoNotFound))
        return True

    @strawberry.mutation
    async def update_video(self, info: Info, id: strawberry.ID, input: UpdateVideoInput) -> Video:
        actor = info.context.require_actor()
        data = _validated(
            VideoUpdate,
            title=input.title,
            description=input.description,
            category_slug=input.category,
            tags=input.tags,
            visibility=VisibilityModel(input.visibility.value) if input.visibility else None,
            premium=input.premium,
            preview_seconds=input.preview_seconds,
        )
        assert isinstance(data, VideoUpdate)
        async with info.context.unit_of_work() as session:
            video = await video_service.update(
                session, actor, require_uuid(id, VideoNotFound), data
            )
        return Video(model=video)

    @strawberry.mutation(description="Delete a video and every file stored for it.")
    async def delete_video(self, info: Info, id: strawberry.ID) -> bool:
        actor = info.context.require_actor()
        async with info.context.unit_of_work() as session:
            await video_service.delete(session, actor, require_uuid(id, VideoNotFound))
        return True

    @strawberry.mutation(description="Process a FAILED video again.")
    async def retry_video(self, info: Info, id: strawberry.ID) -> Video:
        actor = info.context.require_actor()
        async with info.context.unit_of_work() as session:
            await video_service.retry(session, actor, require_uuid(id, VideoNotFound))
            video = await video_service.get_managed(session, actor, require_uuid(id, VideoNotFound))
        return Video(model=video)

    @strawberry.mutation(description="Use one of the generated candidates as the poster.")
    async def set_video_thumbnail(self, info: Info, id: strawberry.ID, index: int) -> Video:
        actor = info.context.require_actor()
        async with info.context.unit_of_work() as session:
            video = await video_service.choose_thumbnail(
                session, actor, require_uuid(id, VideoNotFound), index
            )
        return Video(model=video)

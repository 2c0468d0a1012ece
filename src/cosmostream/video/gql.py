"""GraphQL for videos: drafts and their upload target, status, metadata, management."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from cosmostream.account.gql import Category, User, _category
from cosmostream.graphql.context import Info
from cosmostream.kit.ids import parse_uuid
from cosmostream.models import Video as VideoModel
from cosmostream.models import VideoStatus as VideoStatusModel
from cosmostream.models import Visibility as VisibilityModel
from cosmostream.video.errors import VideoNotFound
from cosmostream.video.s3_uploads import PROTOCOL as S3_PROTOCOL
from cosmostream.video.s3_uploads import s3_mode, s3_upload_service
from cosmostream.video.schemas import VideoCreate, VideoUpdate
from cosmostream.video.service import can_manage, video_service
from cosmostream.video.urls import media_url

if TYPE_CHECKING:
    from cosmostream.engagement.gql import CommentConnection, CommentSort


@strawberry.enum
class VideoStatus(Enum):
    UPLOADING = "uploading"
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"
    REJECTED = "rejected"


@strawberry.enum
class Visibility(Enum):
    PUBLIC = "public"
    UNLISTED = "unlisted"
    PRIVATE = "private"


@strawberry.type
class Rendition:
    height: int
    width: int
    bandwidth: int


@strawberry.type
class Video:
    model: strawberry.Private[VideoModel]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.id))

    @strawberry.field
    def title(self) -> str:
        return self.model.title

    @strawberry.field
    def description(self) -> str:
        return self.model.description

    @strawberry.field
    def visibility(self) -> Visibility:
        return Visibility(self.model.visibility.value)

    @strawberry.field
    def status(self) -> VideoStatus:
        return VideoStatus(self.model.status.value)

    @strawberry.field
    def processing_progress(self) -> float:
        return round(self.model.processing_progress, 4)

    @strawberry.field
    def status_message(self) -> str:
        return self.model.status_message

    @strawberry.field(description="Machine-readable reason when REJECTED or FAILED.")
    def status_code(self) -> str | None:
        return self.model.status_code

    @strawberry.field
    def playable(self) -> bool:
        return self.model.playable

    @strawberry.field(description="The HLS master playlist, once the video is playable.")
    def hls_url(self) -> str | None:
        if not self.model.playable:
            return None
        return media_url(self.model, f"hls/{self.model.id}/master.m3u8", "hls")

    @strawberry.field
    def poster_url(self, size: str = "player") -> str | None:
        posters = self.model.images.get("poster") or {}
        return media_url(self.model, posters.get(size) or posters.get("player"))

    @strawberry.field
    def thumbnail_candidates(self) -> list[str]:
        return [
            u
            for u in (media_url(self.model, k) for k in self.model.images.get("candidates", []))
            if u
        ]

    @strawberry.field
    def storyboard_vtt_url(self) -> str | None:
        return media_url(self.model, self.model.images.get("storyboard_vtt"))

    @strawberry.field
    def duration_seconds(self) -> float | None:
        return self.model.duration_seconds

    @strawberry.field
    def renditions(self) -> list[Rendition]:
        return [
            Rendition(
                height=int(r["height"]), width=int(r["width"]), bandwidth=int(r.get("bandwidth", 0))
            )
            for r in self.model.renditions
        ]

    @strawberry.field
    def tags(self) -> list[str]:
        return [t.tag for t in self.model.tags]

    @strawberry.field
    def category(self) -> Category | None:
        return _category(self.model.category) if self.model.category else None

    @strawberry.field
    async def owner(self, info: Info) -> User | None:
        user = await info.context.loaders.users.load(self.model.owner_id)
        return User(model=user) if user else None

    @strawberry.field
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field(description="When the video was first public and ready.")
    def published_at(self) -> datetime | None:
        return self.model.published_at

    @strawberry.field(description="Related public videos: shared tags first, then its category.")
    async def up_next(self, info: Info, first: int = 8) -> list[Video]:
        from cosmostream.catalog.gql import up_next

        return await up_next(info, self.model, first)

    @strawberry.field
    def view_count(self) -> int:
        return self.model.view_count

    @strawberry.field
    def like_count(self) -> int:
        return self.model.like_count

    @strawberry.field
    def comment_count(self) -> int:
        return self.model.comment_count

    @strawberry.field(description="Whether you like it (false when signed out).")
    async def viewer_has_liked(self, info: Info) -> bool:
        from cosmostream.engagement.gql import viewer_state_of

        return (await viewer_state_of(info, self.model))[0]

    @strawberry.field(description="Whether it is in your saved videos (false when signed out).")
    async def viewer_has_saved(self, info: Info) -> bool:
        from cosmostream.engagement.gql import viewer_state_of

        return (await viewer_state_of(info, self.model))[1]

    @strawberry.field(description="Where you stopped watching it, in seconds (null if never).")
    async def viewer_position(self, info: Info) -> float | None:
        from cosmostream.engagement.gql import viewer_state_of

        return (await viewer_state_of(info, self.model))[2]

    @strawberry.field(description="Top-level comments with their first replies (newest first).")
    async def comments(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        sort: Annotated[CommentSort, strawberry.lazy("cosmostream.engagement.gql")] | None = None,
    ) -> Annotated[CommentConnection, strawberry.lazy("cosmostream.engagement.gql")]:
        from cosmostream.engagement.gql import comments_of

        return await comments_of(info, self.model, first, after, sort)

    @strawberry.field
    def can_manage(self, info: Info) -> bool:
        return can_manage(info.context.actor, self.model)


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
    size: int = strawberry.field(description="File size in bytes.")
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


def _video_id(value: strawberry.ID) -> uuid.UUID:
    video_id = parse_uuid(str(value))
    if video_id is None:
        raise VideoNotFound()
    return video_id


def _validated(model: type, **fields: object) -> object:
    from pydantic import ValidationError

    from cosmostream.errors import ValidationFailed

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
                session, actor, _video_id(video_id), part_numbers
            )
        return [
            UploadPart(part_number=p.part_number, url=p.url, expires_at=p.expires_at) for p in parts
        ]

    @strawberry.mutation(
        description="S3 uploads: check the uploaded parts, assemble the file, start processing."
    )
    async def complete_video_upload(self, info: Info, video_id: strawberry.ID) -> Video:
        actor = info.context.require_actor()
        await s3_upload_service.complete(info.context.db, actor, _video_id(video_id))
        async with info.context.db.read() as session:
            video = await video_service.get_managed(session, actor, _video_id(video_id))
        return Video(model=video)

    @strawberry.mutation(
        description="S3 uploads: give up the upload and free its parts (the draft stays)."
    )
    async def abort_video_upload(self, info: Info, video_id: strawberry.ID) -> bool:
        actor = info.context.require_actor()
        async with info.context.unit_of_work() as session:
            await s3_upload_service.abort(session, actor, _video_id(video_id))
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
        )
        assert isinstance(data, VideoUpdate)
        async with info.context.unit_of_work() as session:
            video = await video_service.update(session, actor, _video_id(id), data)
        return Video(model=video)

    @strawberry.mutation(description="Delete a video and every file stored for it.")
    async def delete_video(self, info: Info, id: strawberry.ID) -> bool:
        actor = info.context.require_actor()
        async with info.context.unit_of_work() as session:
            await video_service.delete(session, actor, _video_id(id))
        return True

    @strawberry.mutation(description="Process a FAILED video again.")
    async def retry_video(self, info: Info, id: strawberry.ID) -> Video:
        actor = info.context.require_actor()
        async with info.context.unit_of_work() as session:
            await video_service.retry(session, actor, _video_id(id))
            video = await video_service.get_managed(session, actor, _video_id(id))
        return Video(model=video)

    @strawberry.mutation(description="Use one of the generated candidates as the poster.")
    async def set_video_thumbnail(self, info: Info, id: strawberry.ID, index: int) -> Video:
        actor = info.context.require_actor()
        async with info.context.unit_of_work() as session:
            video = await video_service.choose_thumbnail(session, actor, _video_id(id), index)
        return Video(model=video)


__all__ = ["VideoMutation", "VideoQuery", "VideoStatusModel"]

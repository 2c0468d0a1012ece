"""GraphQL for launches: `upcomingLaunches`, `launch`, `followLaunch`, `unfollowLaunch`."""

from __future__ import annotations

from datetime import datetime

import strawberry

from cosmostream.graphql.context import Info
from cosmostream.kit.ids import parse_uuid, require_uuid
from cosmostream.launch.errors import LaunchNotFound
from cosmostream.launch.schemas import LaunchView
from cosmostream.launch.service import launch_service


@strawberry.type(description="Where a launch lifts off from.")
class LaunchPad:
    name: str
    location: str
    latitude: float | None
    longitude: float | None


@strawberry.type(description="An upcoming launch, as Launch Library 2 last described it.")
class Launch:
    view: strawberry.Private[LaunchView]

    @strawberry.field(description="The Launch Library 2 id (also used by the news).")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.view.launch.id))

    @strawberry.field
    def name(self) -> str:
        return self.view.launch.name

    @strawberry.field
    def provider(self) -> str:
        return self.view.launch.provider

    @strawberry.field
    def vehicle(self) -> str:
        return self.view.launch.vehicle

    @strawberry.field
    def mission_name(self) -> str | None:
        return self.view.launch.mission_name

    @strawberry.field
    def mission_description(self) -> str | None:
        return self.view.launch.mission_description

    @strawberry.field
    def orbit(self) -> str | None:
        return self.view.launch.mission_orbit

    @strawberry.field
    def pad(self) -> LaunchPad:
        launch = self.view.launch
        return LaunchPad(
            name=launch.pad_name,
            location=launch.pad_location,
            latitude=launch.pad_latitude,
            longitude=launch.pad_longitude,
        )

    @strawberry.field(description="No earlier than: the current target lift-off time.")
    def net(self) -> datetime:
        return self.view.launch.net

    @strawberry.field
    def window_start(self) -> datetime | None:
        return self.view.launch.window_start

    @strawberry.field
    def window_end(self) -> datetime | None:
        return self.view.launch.window_end

    @strawberry.field(description="Short status, e.g. Go, TBD, TBC, Hold, Success.")
    def status(self) -> str:
        return self.view.launch.status_abbrev

    @strawberry.field
    def status_name(self) -> str:
        return self.view.launch.status_name

    @strawberry.field
    def webcast_url(self) -> str | None:
        return self.view.launch.webcast_url

    @strawberry.field
    def webcast_live(self) -> bool:
        return self.view.launch.webcast_live

    @strawberry.field
    def image_url(self) -> str | None:
        return self.view.launch.image_url

    @strawberry.field(description="When Launch Library 2 last changed it.")
    def last_updated(self) -> datetime | None:
        return self.view.launch.source_updated_at

    @strawberry.field(description="Whether you follow it (false when signed out).")
    def followed(self) -> bool:
        return self.view.followed


@strawberry.type
class FollowLaunchPayload:
    launch: Launch


@strawberry.type
class LaunchQuery:
    @strawberry.field(description="The next launches by NET, soonest first.")
    async def upcoming_launches(self, info: Info, first: int = 10) -> list[Launch]:
        async with info.context.db.read() as session:
            views = await launch_service.upcoming(session, first, info.context.actor)
        return [Launch(view=v) for v in views]

    @strawberry.field
    async def launch(self, info: Info, id: strawberry.ID) -> Launch | None:
        launch_id = parse_uuid(str(id))
        if launch_id is None:
            return None
        async with info.context.db.read() as session:
            try:
                view = await launch_service.launch(session, launch_id, info.context.actor)
            except LaunchNotFound:
                return None
        return Launch(view=view)


@strawberry.type
class LaunchMutation:
    @strawberry.mutation(description="Follow a launch: you are notified before lift-off.")
    async def follow_launch(self, info: Info, id: strawberry.ID) -> FollowLaunchPayload:
        actor = info.context.require_actor()
        launch_id = require_uuid(id, LaunchNotFound)
        async with info.context.unit_of_work() as session:
            launch = await launch_service.follow(session, actor, launch_id)
        return FollowLaunchPayload(launch=Launch(view=LaunchView(launch=launch, followed=True)))

    @strawberry.mutation
    async def unfollow_launch(self, info: Info, id: strawberry.ID) -> FollowLaunchPayload:
        actor = info.context.require_actor()
        launch_id = require_uuid(id, LaunchNotFound)
        async with info.context.unit_of_work() as session:
            launch = await launch_service.unfollow(session, actor, launch_id)
        return FollowLaunchPayload(launch=Launch(view=LaunchView(launch=launch, followed=False)))

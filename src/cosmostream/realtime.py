"""Socket.IO: connection auth, rooms authorized by their domains, and the event bus.

Clients authenticate at connect with the access token in the `auth` payload
(API clients) or the page's HttpOnly access cookie (browsers). They then ask to
`join` rooms named `<kind>:<id>`; each kind has one authorization hook owned by
its domain. Every incoming event is size-capped, rate-limited per user (throttle,
then disconnect), re-checks the account, and runs in one unit of work.

With `REDIS_URL`, the Redis manager lets several web processes share rooms.
Domains never touch the server: they publish through the effects buffer, which
calls `cosmostream.bus` after commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any, Generic, TypeVar

import redis.asyncio as aioredis
import socketio
from engineio import packet as eio_packet
from pydantic import BaseModel, ConfigDict, ValidationError
from socketio import packet
from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.account.schemas import Actor
from cosmostream.bus import KICK_EVENT, LEAVE_EVENT, bus
from cosmostream.config import Settings
from cosmostream.db import Database
from cosmostream.errors import AppError, BadText, NotAuthenticated, NotFound, PermissionDenied
from cosmostream.kit.text import refuse_bad_text

log = logging.getLogger(__name__)

ACCESS_COOKIE = "cs_access"
MAX_EVENT_BYTES = 16 * 1024

RoomAuthorizer = Callable[[AsyncSession, Actor | None, str], Awaitable[None]]
RoomWelcome = Callable[[AsyncSession, Actor | None, str], Awaitable[dict[str, Any]]]
# Who an access token belongs to (the account domain's rule), raising `AppError`.
Authenticate = Callable[[AsyncSession, str], Awaitable[Actor]]
PresenceHook = Callable[["Realtime", str, list["PresenceChange"]], Awaitable[None]]
# Presence changes in a room are gathered this long and announced together, so
# a thousand people arriving cost a few broadcasts, not a thousand.
PRESENCE_BATCH_SECONDS = 0.25


@dataclass(frozen=True)
class PresenceChange:
    """Where one user now stands in a room: here or gone, and buffering."""

    user_id: str
    present: bool
    buffering: bool = False


@dataclass(frozen=True)
class RoomKind:
    """What a domain says about one kind of room.

    `authorize` raises when the actor may not join; `welcome` returns what the
    join acknowledgement carries (history, current state); rooms with an
    `on_presence` hook track who is in them; the hook gets the changes (users
    who arrived, left or changed their buffering flag), gathered over
    `PRESENCE_BATCH_SECONDS`.
    """

    authorize: RoomAuthorizer
    welcome: RoomWelcome | None = None
    on_presence: PresenceHook | None = None


_room_kinds: dict[str, RoomKind] = {}


def register_room(
    kind: str,
    authorize: RoomAuthorizer,
    *,
    welcome: RoomWelcome | None = None,
    on_presence: PresenceHook | None = None,
) -> None:
    """Let a domain own a room kind (see `RoomKind`)."""
    _room_kinds[kind] = RoomKind(authorize, welcome, on_presence)


async def _authorize_user_room(session: AsyncSession, actor: Actor | None, ident: str) -> None:
    if actor is None:
        raise NotAuthenticated()
    if str(actor.id) != ident:
        raise PermissionDenied()


register_room("user", _authorize_user_room)


class _KickMixin:
    """Intercept the internal kick event and disconnect local members of its room.

    Riding on `emit` lets a kick cross processes through the Redis channel like
    any other event, without ever being delivered to a client.
    """

    server: Any
    # Set by `Realtime`: called for each local socket taken out of a room.
    on_removed: Callable[[str, str], Awaitable[None]] | None = None

    async def _kick_local(self, message: dict[str, Any]) -> bool:
        event = message.get("event")
        if event not in (KICK_EVENT, LEAVE_EVENT) or self.server is None:
            return False
        namespace = message.get("namespace") or "/"
        room = message.get("room")
        participants = list(self.get_participants(namespace, room))  # type: ignore[attr-defined]
        if event == KICK_EVENT:
            for sid, _ in participants:
                await self.server.disconnect(sid, namespace, ignore_queue=True)
            return True
        data = message.get("data")
        if isinstance(data, list) and len(data) == 1:
            data = data[0]  # the pub/sub manager sends arguments as a list
        target = data.get("room") if isinstance(data, dict) else None
        if isinstance(target, str):
            for sid, _ in participants:
                await self.server.leave_room(sid, target, namespace)
                if self.on_removed is not None:
                    await self.on_removed(sid, target)
        return True


async def fan_out(
    manager: Any, event: str, args: list[Any], namespace: str, room: Any, skip_sid: Any
) -> None:
    """Deliver one event to every local member of `room`, encoded once.

    python-socketio's own emit starts one task per recipient; for a room of a
    thousand that is a thousand tasks per event, and the garbage they leave
    behind brings full collections that stall every room. Queueing the packet
    on each socket in turn does the same work without them (the sockets'
    queues are unbounded, so no send waits on a slow client).
    """
    skip = skip_sid if isinstance(skip_sid, list) else [skip_sid]
    encoded = manager.server.packet_class(
        packet.EVENT, namespace=namespace, data=[event, *args]
    ).encode()
    frames = [
        eio_packet.Packet(eio_packet.MESSAGE, part)
        for part in (encoded if isinstance(encoded, list) else [encoded])
    ]
    for sid, eio_sid in list(manager.get_participants(namespace, room)):
        if sid in skip:
            continue
        for frame in frames:
            await manager.server.eio.send_packet(eio_sid, frame)


def _as_args(data: Any) -> list[Any]:
    if isinstance(data, tuple):
        return list(data)
    return [] if data is None else [data]


class LocalManager(_KickMixin, socketio.AsyncManager):  # type: ignore[misc]
    async def emit(
        self, event: str, data: Any, namespace: Any = None, room: Any = None, **kwargs: Any
    ) -> Any:
        if event in (KICK_EVENT, LEAVE_EVENT):
            await self._kick_local(
                {"event": event, "data": data, "namespace": namespace, "room": room}
            )
            return None
        room = kwargs.pop("to", None) or room
        namespace = namespace or "/"
        if kwargs.get("callback") is None and namespace in self.rooms:
            await fan_out(self, event, _as_args(data), namespace, room, kwargs.get("skip_sid"))
            return None
        return await super().emit(event, data, namespace=namespace, room=room, **kwargs)


class RedisManager(_KickMixin, socketio.AsyncRedisManager):  # type: ignore[misc]
    async def _handle_emit(self, message: dict[str, Any]) -> None:
        if await self._kick_local(message):
            return
        namespace = message.get("namespace") or "/"
        if message.get("callback") is None and not message.get("binary"):
            if namespace in self.rooms:
                await fan_out(
                    self,
                    message["event"],
                    list(message["data"]),
                    namespace,
                    message.get("room"),
                    message.get("skip_sid"),
                )
            return
        await super()._handle_emit(message)


@dataclass
class _Bucket:
    tokens: float
    stamp: float
    strikes: int = 0


@dataclass
class RateLimiter:
    """Token bucket per user (or per socket when anonymous)."""

    rate: float = 10.0
    burst: float = 30.0
    max_strikes: int = 20
    buckets: dict[str, _Bucket] = field(default_factory=dict)

    def allow(self, key: str) -> tuple[bool, bool]:
        """Return (allowed, disconnect)."""
        now = time.monotonic()
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = self.buckets[key] = _Bucket(tokens=self.burst, stamp=now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.rate)
        bucket.stamp = now
        if bucket.tokens >= self.burst:
            bucket.strikes = 0  # quiet long enough to refill: past strikes are forgiven
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return True, False
        bucket.strikes += 1
        return False, bucket.strikes >= self.max_strikes

    def forget(self, key: str) -> None:
        self.buckets.pop(key, None)


@dataclass
class SocketCounts:
    """Sockets per rate-limit key, so a user's bucket is dropped with their last socket."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, key: str) -> None:
        self.counts[key] = self.counts.get(key, 0) + 1

    def remove(self, key: str) -> bool:
        """Return True when that was the key's last socket."""
        left = self.counts.get(key, 0) - 1
        if left <= 0:
            self.counts.pop(key, None)
            return True
        self.counts[key] = left
        return False


@dataclass
class Member:
    """One socket of a signed-in user in a presence-tracked room."""

    sid: str
    user_id: str
    joined: float
    buffering: bool = False


class Presence:
    """Who is in each presence-tracked room, per socket.

    Every process keeps its own sockets in memory. With Redis the entries are
    also written to one hash per room (`cs:presence:<room>`, socket id → entry)
    so any process can list a room's members; each process refreshes its own
    entries, and entries not refreshed within `ttl` (a crashed process) are
    dropped when read.
    """

    PREFIX = "cs:presence:"

    def __init__(self, redis_url: str | None = None, ttl: int = 90) -> None:
        self.redis_url = redis_url
        self.ttl = ttl
        self.local: dict[str, dict[str, Member]] = {}
        self.rooms_by_sid: dict[str, set[str]] = {}  # so a disconnect need not scan every room
        self._redis: Any = None
        self._refresher: asyncio.Task[None] | None = None

    def _client(self) -> Any:
        if self._redis is None:
            assert self.redis_url is not None
            self._redis = aioredis.from_url(self.redis_url)
        if self._refresher is None or self._refresher.done():
            self._refresher = asyncio.create_task(self._refresh_forever())
        return self._redis

    @staticmethod
    def _encode(member: Member) -> str:
        return json.dumps(
            {"u": member.user_id, "j": member.joined, "b": member.buffering, "t": time.time()}
        )

    async def add(self, room: str, sid: str, user_id: str) -> None:
        members = self.local.setdefault(room, {})
        member = members.get(sid)
        if member is None or member.user_id != user_id:
            member = members[sid] = Member(sid, user_id, time.time())
        self.rooms_by_sid.setdefault(sid, set()).add(room)
        if self.redis_url:
            await self._client().hset(self.PREFIX + room, sid, self._encode(member))

    async def remove(self, room: str, sid: str) -> Member | None:
        """Forget one socket; the entry it had, if any."""
        members = self.local.get(room, {})
        found = members.pop(sid, None)
        if not members:
            self.local.pop(room, None)
        rooms = self.rooms_by_sid.get(sid)
        if rooms is not None:
            rooms.discard(room)
            if not rooms:
                del self.rooms_by_sid[sid]
        if self.redis_url and found is not None:
            await self._client().hdel(self.PREFIX + room, sid)
        return found

    def rooms_of(self, sid: str) -> list[str]:
        return sorted(self.rooms_by_sid.get(sid, ()))

    async def set_buffering(self, room: str, sid: str, buffering: bool) -> bool:
        member = self.local.get(room, {}).get(sid)
        if member is None:
            return False
        member.buffering = buffering
        if self.redis_url:
            await self._client().hset(self.PREFIX + room, sid, self._encode(member))
        return True

    async def members(self, room: str) -> list[Member]:
        """Every socket in the room on every process, earliest arrival first."""
        if not self.redis_url:
            found = list(self.local.get(room, {}).values())
        else:
            client = self._client()
            raw = await client.hgetall(self.PREFIX + room)
            found, stale = [], []
            cutoff = time.time() - self.ttl
            for key, value in raw.items():
                entry = json.loads(value)
                if entry["t"] < cutoff:
                    stale.append(key)
                    continue
                found.append(Member(key.decode(), entry["u"], entry["j"], entry["b"]))
            if stale:
                await client.hdel(self.PREFIX + room, *stale)
        return sorted(found, key=lambda m: (m.joined, m.sid))

    async def users(self, room: str) -> dict[str, bool]:
        """User id → buffering (on any of their sockets), in order of arrival."""
        users: dict[str, bool] = {}
        for member in await self.members(room):
            users[member.user_id] = users.get(member.user_id, False) or member.buffering
        return users

    async def _refresh_forever(self) -> None:
        while True:
            await asyncio.sleep(self.ttl / 3)
            try:
                pipe = self._redis.pipeline(transaction=False)
                for room, members in list(self.local.items()):
                    for member in list(members.values()):
                        pipe.hset(self.PREFIX + room, member.sid, self._encode(member))
                await pipe.execute()
            except Exception:
                log.warning("presence refresh failed", exc_info=True)

    async def close(self) -> None:
        if self._refresher is not None:
            self._refresher.cancel()
        if self._redis is not None:
            with contextlib.suppress(Exception):
                await self._redis.aclose()
            self._redis = None


def error_payload(error: AppError) -> dict[str, Any]:
    return {"ok": False, "error": error.to_dict()}


P = TypeVar("P", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class SocketEvent(Generic[P]):
    """One incoming event, checked and validated: the socket it came from and its payload."""

    sid: str
    payload: P


# What `Realtime.on` calls; the dict it returns is merged into the acknowledgement.
EventHandler = Callable[[AsyncSession, Actor | None, SocketEvent[P]], Awaitable[dict[str, Any]]]


class JoinRoom(BaseModel):
    model_config = ConfigDict(extra="forbid")

    room: str


class _SocketApp(socketio.ASGIApp):  # type: ignore[misc]
    """Socket.IO's ASGI app, refusing browsers from other origins with 403.

    Engine.IO refuses them too, but answers a long-polling handshake with 400;
    checking first gives both transports the 403 the docs promise (a WebSocket
    closed before it is accepted is a 403).
    """

    def __init__(self, sio: socketio.AsyncServer, other: Any, allowed_origins: list[str]) -> None:
        super().__init__(sio, other_asgi_app=other, socketio_path="socket.io")
        self.allowed = {origin.encode() for origin in allowed_origins}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket") and scope["path"].startswith("/socket.io"):
            origin = dict(scope["headers"]).get(b"origin")
            if origin is not None and origin not in self.allowed:
                await self._refuse(scope, send)
                return
        await super().__call__(scope, receive, send)

    @staticmethod
    async def _refuse(scope: Any, send: Any) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        body = json.dumps(
            {"error": {"code": "forbidden", "message": "This origin may not connect."}}
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 403,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class Realtime:
    """The Socket.IO server and the plumbing every event handler goes through."""

    def __init__(self, settings: Settings, db: Database, *, authenticate: Authenticate) -> None:
        self.settings = settings
        self.db = db
        self.authenticate = authenticate
        manager = RedisManager(settings.redis_url) if settings.redis_url else LocalManager()
        self.sio = socketio.AsyncServer(
            async_mode="asgi",
            client_manager=manager,
            cors_allowed_origins=settings.allowed_origins,
            max_http_buffer_size=64 * 1024,
            ping_interval=20,
            ping_timeout=20,
            logger=False,
            engineio_logger=False,
        )
        self.limiter = RateLimiter()
        self.sockets = SocketCounts()
        self.presence = Presence(settings.redis_url, settings.presence_ttl_seconds)
        manager.on_removed = self._removed
        self._tasks: set[asyncio.Task[None]] = set()
        self._changed: dict[str, set[str]] = {}  # room → users whose presence changed
        self.events: dict[str, type[BaseModel]] = {}  # every event's payload schema
        self.sio.on("connect", self._on_connect)
        self.sio.on("disconnect", self._on_disconnect)
        self.on("join", JoinRoom, self._join, writes=False)
        self.on("leave", JoinRoom, self._leave, writes=False)
        # Events nobody registered still get an answer, so clients need not time out.
        self.sio.on("*", self._on_unknown)

    # -- connection ----------------------------------------------------------

    async def _on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        try:
            refuse_bad_text(auth)
        except BadText as exc:
            raise socketio.exceptions.ConnectionRefusedError(exc.message, exc.to_dict()) from None
        token = None
        if isinstance(auth, dict) and isinstance(auth.get("token"), str):
            token = auth["token"]
        if token is None:
            cookie = SimpleCookie(environ.get("HTTP_COOKIE", ""))
            if ACCESS_COOKIE in cookie:
                token = cookie[ACCESS_COOKIE].value
        actor = None
        if token:
            try:
                async with self.db.read() as session:
                    actor = await self.authenticate(session, token)
            except AppError as exc:
                raise socketio.exceptions.ConnectionRefusedError(
                    exc.message, exc.to_dict()
                ) from None
        await self.sio.save_session(
            sid,
            {
                "user_id": str(actor.id) if actor else None,
                "session_id": str(actor.session_id) if actor else None,
                "token": token,
            },
        )
        self.sockets.add(str(actor.id) if actor else sid)
        if actor is not None:
            await self.sio.enter_room(sid, f"user:{actor.id}")
            await self.sio.enter_room(sid, f"session:{actor.session_id}")

    async def _on_disconnect(self, sid: str, reason: Any = None) -> None:
        try:
            data = await self.sio.get_session(sid)
        except KeyError:
            data = {}
        key = data.get("user_id") or sid
        if self.sockets.remove(key):
            self.limiter.forget(key)
        for room in self.presence.rooms_of(sid):
            await self._removed(sid, room)

    def asgi(self, other: Any) -> Any:
        """The ASGI app serving Socket.IO at `/socket.io` and `other` everywhere else."""
        return _SocketApp(self.sio, other, self.settings.allowed_origins)

    async def _actor(self, session: AsyncSession, data: dict[str, Any]) -> Actor | None:
        token = data.get("token")
        if not token:
            return None
        return await self.authenticate(session, token)

    # -- events --------------------------------------------------------------

    def on(
        self, event: str, schema: type[P], handler: EventHandler[P], *, writes: bool = True
    ) -> None:
        """Register an event handler behind the shared checks.

        The handler gets (session, actor, SocketEvent(sid, payload)) in one unit of work
        (a read session when `writes` is false); what it returns is the
        acknowledgement. Errors become `{"ok": false, "error": {...}}`.
        """

        async def wrapped(sid: str, data: Any = None) -> Any:
            try:
                session_data = await self.sio.get_session(sid)
            except KeyError:
                return None  # the socket was closed while this event waited
            refused = await self._throttle(sid, session_data)
            if refused is not None:
                return refused
            try:
                # NaN and Infinity parse but are not JSON: an echo would break clients.
                size = len(json.dumps(data, separators=(",", ":"), allow_nan=False))
            except (TypeError, ValueError):
                return error_payload(AppError("Malformed payload.", code="bad_payload"))
            if size > MAX_EVENT_BYTES:
                return error_payload(AppError("Message too large.", code="payload_too_large"))
            try:
                refuse_bad_text(data)
            except BadText as exc:
                return error_payload(exc)
            try:
                payload = schema.model_validate(data)
            except ValidationError:
                return error_payload(AppError("Malformed payload.", code="bad_payload"))
            try:
                scope = self.db.unit_of_work() if writes else self.db.read()
                async with scope as session:
                    actor = await self._actor(session, session_data)
                    result = await handler(session, actor, SocketEvent(sid, payload))
            except AppError as exc:
                if exc.status == 401 and session_data.get("token"):
                    # The socket's own sign-in has ended (logout, disable, expiry).
                    await self.sio.disconnect(sid)
                return error_payload(exc)
            except Exception:
                log.exception("socket event %s failed", event)
                return error_payload(AppError("Something went wrong.", code="internal_error"))
            return {"ok": True, **result}

        self.events[event] = schema
        self.sio.on(event, wrapped)

    async def _throttle(self, sid: str, session_data: dict[str, Any]) -> dict[str, Any] | None:
        """Count one event against the sender's bucket; the refusal when over the limit."""
        allowed, kick = self.limiter.allow(session_data.get("user_id") or sid)
        if kick:
            log.warning("socket %s flooded; disconnecting", sid)
            await self.sio.disconnect(sid)
            return error_payload(AppError("Too many messages.", code="rate_limited"))
        if not allowed:
            return error_payload(AppError("Slow down.", code="rate_limited", status=429))
        return None

    async def _on_unknown(self, event: str, sid: str, *args: Any) -> Any:
        """Answer an event nobody registered (python-socketio's catch-all handler)."""
        try:
            session_data = await self.sio.get_session(sid)
        except KeyError:
            return None
        refused = await self._throttle(sid, session_data)
        return refused or error_payload(AppError("Unknown event.", code="unknown_event"))

    async def _join(
        self, session: AsyncSession, actor: Actor | None, event: SocketEvent[JoinRoom]
    ) -> dict[str, Any]:
        sid, payload = event.sid, event.payload
        name, _, ident = payload.room.partition(":")
        kind = _room_kinds.get(name)
        if kind is None or not ident or len(payload.room) > 120:
            raise NotFound("No such room.")
        await kind.authorize(session, actor, ident)
        await self.sio.enter_room(sid, payload.room)
        if kind.on_presence is not None and actor is not None:
            await self.presence.add(payload.room, sid, str(actor.id))
            self.presence_changed(payload.room, str(actor.id))
        welcome = await kind.welcome(session, actor, ident) if kind.welcome else {}
        return {"room": payload.room, **welcome}

    async def _leave(
        self, session: AsyncSession, actor: Actor | None, event: SocketEvent[JoinRoom]
    ) -> dict[str, Any]:
        sid, payload = event.sid, event.payload
        if payload.room.startswith(("user:", "session:")):
            raise PermissionDenied("That room cannot be left.")
        await self.sio.leave_room(sid, payload.room)
        await self._removed(sid, payload.room)
        return {"room": payload.room}

    async def _removed(self, sid: str, room: str) -> None:
        """A socket has left a room (by asking, disconnecting or being removed)."""
        member = await self.presence.remove(room, sid)
        if member is not None:
            self.presence_changed(room, member.user_id)

    def presence_changed(self, room: str, user_id: str) -> None:
        """Note that a user's presence in `room` may have changed; announce it soon."""
        pending = self._changed.get(room)
        if pending is not None:
            pending.add(user_id)
            return
        self._changed[room] = {user_id}
        self.after_event(self._announce_presence(room))

    async def _announce_presence(self, room: str) -> None:
        await asyncio.sleep(PRESENCE_BATCH_SECONDS)
        users = self._changed.pop(room, set())
        name, _, ident = room.partition(":")
        kind = _room_kinds.get(name)
        if not users or kind is None or kind.on_presence is None:
            return
        here = await self.presence.users(room)
        changes = [PresenceChange(u, u in here, here.get(u, False)) for u in sorted(users)]
        await kind.on_presence(self, ident, changes)

    def after_event(self, work: Awaitable[None]) -> None:
        """Run `work` once the current event has been answered (presence broadcasts)."""

        async def run() -> None:
            try:
                await work
            except Exception:
                log.exception("realtime background work failed")

        task = asyncio.ensure_future(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await self.presence.close()

    async def emit(self, event: str, data: Any, *, room: str, skip_sid: str | None = None) -> None:
        await self.sio.emit(event, data, room=room, skip_sid=skip_sid)

    async def remove_from_room(self, user_id: str, room: str) -> None:
        """Take every socket of a user out of `room` now, on whichever process holds it
        (handlers that commit nothing; a service does this through `effects`)."""
        await bus.remove_from_room(user_id, room)

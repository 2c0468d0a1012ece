"""Where stored files live: local disk under `<data_dir>/media` (served at `/media/`),
or an S3-compatible bucket (`STORAGE_BACKEND=s3`).

Keys are server-generated relative paths (`avatars/<user>/<random>.webp`);
nothing a user typed ever becomes part of a path. Local writes go to a
temporary name first and are renamed into place, so a crash never leaves half
a file under a real key; S3 writes are atomic by nature.

boto3 is synchronous: async code calls every `S3Storage` method through
`asyncio.to_thread`. One boto3 client per configuration is shared by all
threads (clients are thread-safe; the session that makes one is not, so it is
made under a lock).
"""

from __future__ import annotations

import fnmatch
import mimetypes
import os
import shutil
import tempfile
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

from cosmostream.config import Settings


class Storage(Protocol):
    """What every backend offers (blocking calls: use `asyncio.to_thread` in async code).

    Where the backends differ, they answer here rather than callers asking
    which backend they hold: whether a key is a file the app can send itself
    (`local_path`), how a program gets a local copy (`fetch`), how files
    written on this machine are stored (`sync_dir`), and whether there is a
    bucket for what only S3 does (`s3_bucket`: presigned uploads and downloads).
    """

    is_local: bool

    def put_bytes(self, key: str, data: bytes) -> None: ...

    def put_file(self, key: str, source: Path) -> None: ...

    def delete(self, key: str) -> None: ...

    def delete_prefix(self, prefix: str) -> None: ...

    def exists(self, key: str) -> bool: ...

    def url(self, key: str) -> str: ...

    def local_path(self, key: str) -> Path | None:
        """Where `key` is on this machine's disk; None when it is not (a bucket)."""
        ...

    def fetch(self, key: str, dest: Path) -> None:
        """Put a copy of `key` at `dest` for a program to read (`FileNotFoundError` if missing)."""
        ...

    def sync_dir(
        self,
        local_dir: Path,
        prefix: str,
        *,
        skip: Iterable[str] = (),
        state: SyncState | None = None,
    ) -> list[str]:
        """Store the new or changed files of `local_dir` under `<prefix>/…`; returns their keys."""
        ...

    def s3_bucket(self) -> S3Storage | None:
        """The S3 bucket, for presigned multipart uploads straight from clients and
        presigned downloads; None on local disk, where uploads come through the app
        (tus) and the app serves the files."""
        ...


def check_key(key: str) -> str:
    """A relative, normalised key without `..`; anything else is a bug or an attack."""
    pure = PurePosixPath(key)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts or "\\" in key:
        raise ValueError(f"bad storage key {key!r}")
    return pure.as_posix()


class LocalStorage:
    is_local = True

    def __init__(self, root: Path, base_url: str = "/media") -> None:
        self.root = root
        self.base_url = base_url.rstrip("/")

    def path(self, key: str) -> Path:
        pure = PurePosixPath(key)
        if pure.is_absolute() or ".." in pure.parts or not pure.parts:
            raise ValueError(f"bad storage key {key!r}")
        return self.root.joinpath(*pure.parts)

    def put_bytes(self, key: str, data: bytes) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def put_file(self, key: str, source: Path) -> None:
        """Move a finished local file under `key` (a rename when on the same disk)."""
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(source), target)

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> None:
        """Remove everything stored under a directory-like prefix (`hls/<video>`)."""
        path = self.path(prefix)
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def url(self, key: str) -> str:
        return f"{self.base_url}/{key}"

    def local_path(self, key: str) -> Path:
        return self.path(key)

    def fetch(self, key: str, dest: Path) -> None:
        """A hard link to the stored file (a copy across disks): no bytes are moved."""
        original = self.path(key)
        try:
            os.link(original, dest)
        except OSError:
            shutil.copyfile(original, dest)

    def sync_dir(
        self,
        local_dir: Path,
        prefix: str,
        *,
        skip: Iterable[str] = (),
        state: SyncState | None = None,
    ) -> list[str]:
        """Copy the files of `local_dir` under `<prefix>/…`; nothing when `local_dir` is
        that directory already (files written in place, as the pipeline does)."""
        target = self.path(prefix)
        if local_dir.resolve() == target.resolve():
            return []
        patterns = list(skip)
        copied: list[str] = []
        for path in sorted(local_dir.rglob("*")):
            if not path.is_file() or any(fnmatch.fnmatch(path.name, p) for p in patterns):
                continue
            rel = path.relative_to(local_dir).as_posix()
            self.put_bytes(f"{prefix}/{rel}", path.read_bytes())
            copied.append(f"{prefix}/{rel}")
        return copied

    def s3_bucket(self) -> None:
        return None


CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".ts": "video/mp2t",
    ".vtt": "text/vtt; charset=utf-8",
    ".webp": "image/webp",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
}
IMMUTABLE = "public, max-age=31536000, immutable"
# Playlists change while a video is processed (EVENT → VOD); caches must revalidate.
PLAYLIST_CACHE = "no-cache"
DELETE_BATCH = 1000  # the most DeleteObjects takes at once
SYNC_THREADS = 8


def guess_content_type(key: str) -> str:
    suffix = PurePosixPath(key).suffix.lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(key)[0] or "application/octet-stream"


def cache_control(key: str) -> str:
    return PLAYLIST_CACHE if key.lower().endswith(".m3u8") else IMMUTABLE


def s3_error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


_MISSING = frozenset({"NoSuchKey", "404", "NotFound"})

SyncState = dict[str, tuple[int, int]]


def _s3_bucket_url(settings: Settings) -> str:
    """Where the bucket answers: presigned uploads and downloads go here."""
    bucket = settings.s3_bucket_name
    if settings.s3_endpoint_url:
        return f"{settings.s3_endpoint_url.rstrip('/')}/{bucket}"
    return f"https://{bucket}.s3.{settings.aws_region}.amazonaws.com"


def s3_public_base_url(settings: Settings) -> str:
    """The public address of stored objects: the CDN when configured, else the bucket."""
    if settings.cloudfront_domain:
        domain = settings.cloudfront_domain.strip().rstrip("/")
        return domain if "://" in domain else f"https://{domain}"
    return _s3_bucket_url(settings)


def browser_origins(settings: Settings) -> list[str]:
    """The origins other than the site's own that browsers load media from or
    upload parts to (for the Content-Security-Policy); none with local storage."""
    if settings.storage_backend != "s3" or not settings.s3_bucket_name:
        return []
    origins: list[str] = []
    for url in (s3_public_base_url(settings), _s3_bucket_url(settings)):
        scheme, _, rest = url.partition("://")
        origin = f"{scheme}://{rest.split('/', 1)[0]}"
        if origin not in origins:
            origins.append(origin)
    return origins


class S3Storage:
    """An S3-compatible bucket (AWS, MinIO, moto) holding the same keys as local storage."""

    is_local = False

    def __init__(self, client: Any, bucket: str, *, public_base_url: str) -> None:
        self.client = client
        self.bucket = bucket
        self.public_base_url = public_base_url.rstrip("/")

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Storage:
        # boto3 and botocore take about a third of a second to import: only
        # S3 deployments pay for them.
        import boto3.session
        from botocore.config import Config

        bucket = settings.s3_bucket_name
        if not bucket:
            raise ValueError("S3_BUCKET_NAME is not set")
        endpoint = settings.s3_endpoint_url.rstrip("/") if settings.s3_endpoint_url else None
        session = boto3.session.Session(
            aws_access_key_id=settings.aws_access_key_id,
            aws_secret_access_key=settings.aws_secret_access_key,
            region_name=settings.aws_region,
        )
        client = session.client(
            "s3",
            endpoint_url=endpoint,
            config=Config(
                signature_version="s3v4",
                # Custom endpoints (MinIO, moto) rarely have per-bucket host names.
                s3={"addressing_style": "path" if endpoint else "virtual"},
                retries={"max_attempts": 5, "mode": "standard"},
                connect_timeout=10,
                read_timeout=60,
                max_pool_connections=max(10, SYNC_THREADS * 2),
            ),
        )
        return cls(client, bucket, public_base_url=s3_public_base_url(settings))

    # -- the common interface ------------------------------------------------

    def put_bytes(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str | None = None,
        cache_control: str | None = None,
    ) -> None:
        key = check_key(key)
        extra = {"CacheControl": cache_control} if cache_control else {}
        self.client.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=data,
            ContentType=content_type or guess_content_type(key),
            **extra,
        )

    def put_file(self, key: str, source: Path) -> None:
        """Upload a finished local file under `key`, then remove it (like a move)."""
        key = check_key(key)
        self.client.upload_file(
            str(source), self.bucket, key, ExtraArgs={"ContentType": guess_content_type(key)}
        )
        source.unlink(missing_ok=True)

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=check_key(key))

    def delete_prefix(self, prefix: str) -> None:
        """Remove every object under a directory-like prefix (`hls/<video>`)."""
        prefix = check_key(prefix)
        keys = [prefix, *self.list_keys(prefix + "/")]
        for start in range(0, len(keys), DELETE_BATCH):
            batch = keys[start : start + DELETE_BATCH]
            response = self.client.delete_objects(
                Bucket=self.bucket,
                Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True},
            )
            errors = response.get("Errors") or []
            if errors:
                raise RuntimeError(f"could not delete {len(errors)} objects: {errors[:3]}")

    def exists(self, key: str) -> bool:
        return self.size(key) is not None

    def url(self, key: str) -> str:
        """The object's public address: the CDN when configured, else the bucket."""
        return f"{self.public_base_url}/{quote(check_key(key), safe='/')}"

    def local_path(self, key: str) -> None:
        return None

    def fetch(self, key: str, dest: Path) -> None:
        self.download(key, dest)

    def s3_bucket(self) -> S3Storage:
        return self

    # -- S3 only -------------------------------------------------------------

    def list_keys(self, prefix: str) -> list[str]:
        keys: list[str] = []
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            keys.extend(item["Key"] for item in page.get("Contents") or [])
        return keys

    def size(self, key: str) -> int | None:
        """The object's size, or None when there is no such object."""
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=check_key(key))
        except Exception as exc:
            if s3_error_code(exc) in _MISSING:
                return None
            raise
        return int(head["ContentLength"])

    def download(self, key: str, dest: Path) -> None:
        """Copy an object to a local file (FileNotFoundError when it does not exist)."""
        try:
            self.client.download_file(self.bucket, check_key(key), str(dest))
        except Exception as exc:
            if s3_error_code(exc) in _MISSING:
                raise FileNotFoundError(key) from exc
            raise

    def read_bytes(self, key: str) -> bytes:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=check_key(key))
        except Exception as exc:
            if s3_error_code(exc) in _MISSING:
                raise FileNotFoundError(key) from exc
            raise
        body = response["Body"]
        try:
            data: bytes = body.read()
        finally:
            body.close()
        return data

    def read_text(self, key: str) -> str:
        return self.read_bytes(key).decode("utf-8")

    def presigned_get(self, key: str, ttl: int) -> str:
        url: str = self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": check_key(key)}, ExpiresIn=ttl
        )
        return url

    # -- multipart uploads (the client PUTs parts to presigned URLs) ---------

    def create_multipart(self, key: str, content_type: str) -> str:
        response = self.client.create_multipart_upload(
            Bucket=self.bucket, Key=check_key(key), ContentType=content_type
        )
        return str(response["UploadId"])

    def presign_part(self, key: str, upload_id: str, part_number: int, ttl: int) -> str:
        url: str = self.client.generate_presigned_url(
            "upload_part",
            Params={
                "Bucket": self.bucket,
                "Key": check_key(key),
                "UploadId": upload_id,
                "PartNumber": part_number,
            },
            ExpiresIn=ttl,
        )
        return url

    def list_parts(self, key: str, upload_id: str) -> list[dict[str, Any]]:
        """Every uploaded part as `{PartNumber, ETag, Size}`, in part-number order.

        Raises `FileNotFoundError` when the upload does not exist (any more).
        """
        parts: list[dict[str, Any]] = []
        paginator = self.client.get_paginator("list_parts")
        try:
            for page in paginator.paginate(
                Bucket=self.bucket, Key=check_key(key), UploadId=upload_id
            ):
                parts.extend(
                    {"PartNumber": int(p["PartNumber"]), "ETag": p["ETag"], "Size": int(p["Size"])}
                    for p in page.get("Parts") or []
                )
        except Exception as exc:
            if s3_error_code(exc) == "NoSuchUpload":
                raise FileNotFoundError(key) from exc
            raise
        parts.sort(key=lambda p: p["PartNumber"])
        return parts

    def complete_multipart(self, key: str, upload_id: str, parts: list[dict[str, Any]]) -> None:
        """Assemble the object from `parts` (`PartNumber` and `ETag` of each, in order)."""
        try:
            self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=check_key(key),
                UploadId=upload_id,
                MultipartUpload={
                    "Parts": [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]} for p in parts]
                },
            )
        except Exception as exc:
            if s3_error_code(exc) == "NoSuchUpload":
                raise FileNotFoundError(key) from exc
            raise

    def abort_multipart(self, key: str, upload_id: str) -> None:
        """Abort an upload and free its parts; an upload that is already gone is fine."""
        try:
            self.client.abort_multipart_upload(
                Bucket=self.bucket, Key=check_key(key), UploadId=upload_id
            )
        except Exception as exc:
            if s3_error_code(exc) != "NoSuchUpload":
                raise

    def list_multipart_uploads(self, prefix: str) -> list[tuple[str, str, datetime]]:
        """Unfinished uploads under `prefix`: `(key, upload_id, initiated)`, oldest first."""
        found: list[tuple[str, str, datetime]] = []
        paginator = self.client.get_paginator("list_multipart_uploads")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Uploads") or []:
                initiated = item["Initiated"]
                initiated = (
                    initiated.replace(tzinfo=UTC)
                    if initiated.tzinfo is None
                    else initiated.astimezone(UTC)
                )
                found.append((str(item["Key"]), str(item["UploadId"]), initiated))
        found.sort(key=lambda row: row[2])
        return found

    # -- mirroring a local directory -----------------------------------------

    def sync_dir(
        self,
        local_dir: Path,
        prefix: str,
        *,
        skip: Iterable[str] = (),
        state: SyncState | None = None,
    ) -> list[str]:
        """Upload the files of `local_dir` that are new or changed to `<prefix>/…`.

        `state` (kept by the caller between calls) remembers each file's size
        and mtime at its last upload. Files whose name matches a `skip` pattern
        (`*.tmp`) are left out. Playlists are read *before* the other files are
        listed and uploaded *after* them, deepest first, so a playlist in the
        bucket never names a segment that is not there yet. Returns the keys
        uploaded.
        """
        prefix = check_key(prefix)
        state = {} if state is None else state
        patterns = list(skip)

        def wanted(path: Path) -> tuple[str, tuple[int, int]] | None:
            if any(fnmatch.fnmatch(path.name, pattern) for pattern in patterns):
                return None
            try:
                stat = path.stat()
            except FileNotFoundError:
                return None
            if not path.is_file():
                return None
            rel = path.relative_to(local_dir).as_posix()
            signature = (stat.st_size, stat.st_mtime_ns)
            return None if state.get(rel) == signature else (rel, signature)

        playlists: list[tuple[str, tuple[int, int], bytes]] = []
        for path in sorted(local_dir.rglob("*.m3u8")):
            change = wanted(path)
            if change is None:
                continue
            try:
                playlists.append((*change, path.read_bytes()))
            except FileNotFoundError:
                continue
        others: list[tuple[str, tuple[int, int]]] = []
        for path in sorted(local_dir.rglob("*")):
            if path.suffix.lower() == ".m3u8":
                continue
            change = wanted(path)
            if change is not None:
                others.append(change)

        def upload(rel: str) -> None:
            key = f"{prefix}/{rel}"
            with (local_dir / rel).open("rb") as fh:
                self.client.put_object(
                    Bucket=self.bucket,
                    Key=key,
                    Body=fh,
                    ContentType=guess_content_type(key),
                    CacheControl=cache_control(key),
                )

        uploaded: list[str] = []
        if others:
            with ThreadPoolExecutor(min(SYNC_THREADS, len(others))) as pool:
                for (rel, signature), _ in zip(
                    others, pool.map(upload, [rel for rel, _ in others]), strict=True
                ):
                    state[rel] = signature
                    uploaded.append(f"{prefix}/{rel}")
        playlists.sort(key=lambda item: (-item[0].count("/"), item[0]))
        for rel, signature, data in playlists:
            key = f"{prefix}/{rel}"
            self.put_bytes(key, data, cache_control=cache_control(key))
            state[rel] = signature
            uploaded.append(key)
        return uploaded


_s3_lock = threading.Lock()
_s3_storages: dict[tuple[Any, ...], S3Storage] = {}


def storage_from_settings(settings: Settings) -> Storage:
    """The configured backend; S3 storages (and their boto3 client) are made once."""
    if settings.storage_backend != "s3":
        return LocalStorage(settings.media_dir)
    key = (
        settings.s3_bucket_name,
        settings.s3_endpoint_url,
        settings.aws_region,
        settings.aws_access_key_id,
        settings.aws_secret_access_key,
        settings.cloudfront_domain,
    )
    with _s3_lock:
        s3 = _s3_storages.get(key)
        if s3 is None:
            s3 = _s3_storages[key] = S3Storage.from_settings(settings)
    return s3


if TYPE_CHECKING:  # both backends offer the common interface
    _local: Storage = LocalStorage(Path())
    _s3: Storage = S3Storage(None, "", public_base_url="")

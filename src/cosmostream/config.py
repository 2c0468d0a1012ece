"""Settings, read once from the environment (and an optional `.env`).

The brief's variable names are used where it has them; everything else is
prefixed `COSMOSTREAM_`. In development a missing secret is generated once and
kept in the data directory; in production a missing or default secret refuses
to start.
"""

from __future__ import annotations

import secrets
from enum import StrEnum
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_SECRETS = frozenset({"", "change-me", "changeme", "secret", "your-super-secret-jwt-key"})


DEFAULT_NEWS_FEEDS = (
    {"key": "nasa", "name": "NASA", "url": "https://www.nasa.gov/news-release/feed/"},
    {"key": "esa", "name": "ESA", "url": "https://www.esa.int/rssfeed/TopNews"},
    {"key": "jpl", "name": "NASA JPL", "url": "https://www.jpl.nasa.gov/feeds/news/"},
    {
        "key": "universe-today",
        "name": "Universe Today",
        "url": "https://www.universetoday.com/feed/",
    },
    {"key": "sky-telescope", "name": "Sky & Telescope", "url": "https://skyandtelescope.org/feed/"},
)


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class ConfigurationError(RuntimeError):
    """The configuration is unusable; the process must not start."""


def _env(name: str) -> Any:
    return Field(None, validation_alias=AliasChoices(name, name.lower()))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="COSMOSTREAM_", env_file=".env", extra="ignore", populate_by_name=True
    )

    env: Environment = Environment.DEVELOPMENT
    data_dir: Path = Path("var")
    base_url: str = "http://127.0.0.1:8000"
    site_name: str = "CosmoStream"
    log_level: str = "INFO"
    log_json: bool | None = None

    # The brief's names.
    database_url: str | None = _env("DATABASE_URL")
    redis_url: str | None = _env("REDIS_URL")
    jwt_secret: str | None = _env("JWT_SECRET")
    cors_origin: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias=AliasChoices("CORS_ORIGIN", "cors_origin")
    )
    aws_access_key_id: str | None = _env("AWS_ACCESS_KEY_ID")
    aws_secret_access_key: str | None = _env("AWS_SECRET_ACCESS_KEY")
    aws_region: str = Field("us-east-1", validation_alias=AliasChoices("AWS_REGION", "aws_region"))
    s3_bucket_name: str | None = _env("S3_BUCKET_NAME")
    cloudfront_domain: str | None = _env("CLOUDFRONT_DOMAIN")
    stripe_secret_key: str | None = _env("STRIPE_SECRET_KEY")
    stripe_webhook_secret: str | None = _env("STRIPE_WEBHOOK_SECRET")
    google_client_id: str | None = _env("GOOGLE_CLIENT_ID")
    google_client_secret: str | None = _env("GOOGLE_CLIENT_SECRET")

    # Tokens.
    access_token_ttl_seconds: int = 7 * 24 * 3600
    refresh_token_ttl_seconds: int = 30 * 24 * 3600
    session_max_age_seconds: int = 90 * 24 * 3600
    refresh_grace_seconds: int = 30
    jwt_issuer: str = "cosmostream"
    jwt_audience: str = "cosmostream-api"
    email_token_ttl_seconds: int = 24 * 3600
    password_reset_ttl_seconds: int = 3600

    # Accounts.
    auto_approve_creators: bool = False
    # Sign-in with Google (GOOGLE_CLIENT_ID / GOOGLE_CLIENT_SECRET) and with any
    # OpenID Connect provider, as JSON: [{"key": "acme", "name": "Acme", "issuer":
    # "https://sso.acme.org", "client_id": "…", "client_secret": "…"}, …]. Each is
    # discovered from <issuer>/.well-known/openid-configuration.
    google_issuer: str = "https://accounts.google.com"
    oidc_providers: list[dict[str, str]] = Field(default_factory=list)
    oidc_http_timeout_seconds: float = 10.0
    # How long a sign-in may take at the provider (the flow cookie's lifetime).
    oidc_flow_ttl_seconds: int = 600
    max_request_bytes: int = 1 << 20
    max_avatar_bytes: int = 5 << 20

    # Mail: SMTP when a host is set, otherwise the outbox directory.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_tls: bool = False
    mail_from: str = "CosmoStream <no-reply@example.com>"

    # Addresses of reverse proxies whose X-Forwarded-For / -Proto are believed
    # (comma-separated; "*" trusts any). Client IPs feed the sign-in throttle.
    forwarded_allow_ips: str = "127.0.0.1"
    # The HTTP server of `cosmostream run` / `web`: Granian sends files from
    # Rust (ASGI pathsend), several times faster for video segments.
    server: str = "granian"

    # Video uploads and processing.
    # "local" (files under <data_dir>/media) or "s3" (S3_BUCKET_NAME, via boto3).
    storage_backend: str = Field(
        "local",
        validation_alias=AliasChoices(
            "STORAGE_BACKEND", "COSMOSTREAM_STORAGE_BACKEND", "storage_backend"
        ),
    )
    # An S3-compatible endpoint (MinIO, moto) instead of AWS; path-style URLs then.
    s3_endpoint_url: str | None = None
    # Lifetime of presigned part URLs (uploads) and nothing else: keep it short.
    s3_presign_ttl_seconds: int = 900
    # Preferred multipart part size; raised for huge files to stay within 10,000 parts.
    s3_part_size: int = 16 << 20
    max_upload_bytes: int = 20 << 30
    user_quota_bytes: int = 200 << 30
    upload_expiry_seconds: int = 24 * 3600
    transcode_preset: str = "veryfast"
    transcode_timeout_factor: float = 6.0
    transcode_min_timeout_seconds: int = 600
    transcode_stall_seconds: int = 120
    media_token_ttl_seconds: int = 6 * 3600
    # How much of a premium video viewers without `video.premium` may watch.
    premium_preview_seconds: int = 120

    # Tasks.
    worker_concurrency: int = 2

    # Realtime rooms. A member who disconnects keeps their place (and a host
    # their control) this long, so a page reload is not a departure.
    presence_grace_seconds: float = 8.0
    # A presence entry not refreshed for this long belongs to a dead process.
    presence_ttl_seconds: int = 90
    run_embedded_worker: bool = True

    # Launches (Launch Library 2) and news. The free LL2 tier allows 15 requests
    # an hour; the dev mirror (https://lldev.thespacedevs.com/2.3.0) has stale data.
    ll2_base_url: str = "https://ll.thespacedevs.com/2.3.0"
    ll2_requests_per_hour: int = 15
    ll2_max_pages_per_sync: int = 3
    launch_notify_minutes_before: int = 60
    snapi_url: str = "https://api.spaceflightnewsapi.net/v4/articles/?limit=50"
    # RSS 2.0 / Atom feeds as JSON: [{"key": "nasa", "name": "NASA", "url": "…"}, …].
    news_feeds: list[dict[str, str]] = Field(default_factory=lambda: list(DEFAULT_NEWS_FEEDS))
    # Off in tests (and when false): the periodic fetchers then do nothing.
    space_fetch_enabled: bool | None = None
    # Show launch / news images hot-linked from their publishers' servers. Off by
    # default: pages then load nothing from third parties (privacy, offline use).
    space_remote_images: bool = False
    # Satellite elements (CelesTrak GP, OMM JSON; {norad_id} is filled in) are
    # fetched at most every 2 hours, as CelesTrak asks; Horizons tables daily.
    celestrak_gp_url: str = (
        "https://celestrak.org/NORAD/elements/gp.php?CATNR={norad_id}&FORMAT=json"
    )
    horizons_api_url: str = "https://ssd.jpl.nasa.gov/api/horizons.api"
    elements_refresh_seconds: int = 2 * 3600
    elements_stale_days: float = 14.0

    # Billing (Stripe). "off" hides plans; "test" mounts the fake Stripe at
    # /_stripe (no payment is ever taken) and points the SDK there; "live"
    # talks to `stripe_api_base` (Stripe itself unless set). Unset: live when
    # STRIPE_SECRET_KEY is set, else off.
    billing_mode: str | None = None
    stripe_api_base: str | None = None
    billing_trial_days: int = 0
    # A failed payment keeps premium access this long before it stops.
    billing_grace_days: int = 7
    # The share of each month's premium revenue (paid invoices of plans that
    # grant premium content) split among creators by premium watch time.
    creator_revenue_share: float = Field(0.55, ge=0.0, le=1.0)

    # GraphQL.
    graphql_max_depth: int = 12
    graphql_max_tokens: int = 2000
    graphql_max_aliases: int = 30
    # What a document may ask for (graphql/cost.py: list fields multiply by
    # their page size), and its fields with every fragment spread expanded.
    graphql_max_cost: int = 10000
    graphql_max_fields: int = 2000

    @field_validator("storage_backend", mode="before")
    @classmethod
    def _lower_backend(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("cors_origin", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [v.strip().rstrip("/") for v in value.split(",") if v.strip()]
        return value

    @property
    def is_production(self) -> bool:
        return self.env is Environment.PRODUCTION

    @property
    def fetch_space_data(self) -> bool:
        """Whether the periodic LL2 / news fetchers may go to the network."""
        if self.space_fetch_enabled is None:
            return self.env is not Environment.TEST
        return self.space_fetch_enabled

    @property
    def resolved_billing_mode(self) -> str:
        """off | test | live (see `billing_mode`)."""
        if self.billing_mode:
            return self.billing_mode
        return "live" if self.stripe_secret_key else "off"

    @property
    def is_development(self) -> bool:
        return self.env is Environment.DEVELOPMENT

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return normalize_database_url(self.database_url)
        return f"sqlite+aiosqlite:///{(self.data_dir / 'cosmostream.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def allowed_origins(self) -> list[str]:
        return sorted({self.base_url.rstrip("/"), *self.cors_origin})

    @cached_property
    def secret_key(self) -> str:
        """The JWT/CSRF signing secret.

        Production refuses to start without a real one; development generates
        one on first use and keeps it in the data directory so sessions survive
        restarts.
        """
        if self.jwt_secret and self.jwt_secret not in DEFAULT_SECRETS:
            if self.is_production and len(self.jwt_secret) < 32:
                raise ConfigurationError("JWT_SECRET must be at least 32 characters in production")
            return self.jwt_secret
        if self.is_production:
            raise ConfigurationError("JWT_SECRET is missing or a default value; refusing to start")
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key

    def check(self) -> None:
        """Fail fast on unusable configuration (called at process start)."""
        _ = self.secret_key
        if self.is_production and not self.base_url.startswith("https://"):
            raise ConfigurationError("COSMOSTREAM_BASE_URL must be https:// in production")
        if self.storage_backend not in ("local", "s3"):
            raise ConfigurationError("STORAGE_BACKEND must be 'local' or 's3'")
        if self.storage_backend == "s3" and not self.s3_bucket_name:
            raise ConfigurationError("STORAGE_BACKEND=s3 needs S3_BUCKET_NAME")
        if self.resolved_billing_mode not in ("off", "test", "live"):
            raise ConfigurationError("COSMOSTREAM_BILLING_MODE must be off, test or live")
        if self.resolved_billing_mode == "live" and not (
            self.stripe_secret_key and self.stripe_webhook_secret
        ):
            raise ConfigurationError(
                "COSMOSTREAM_BILLING_MODE=live needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET"
            )
        if not 5 << 20 <= self.s3_part_size <= 5 << 30:
            raise ConfigurationError("COSMOSTREAM_S3_PART_SIZE must be between 5 MiB and 5 GiB")

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    @property
    def uploads_dir(self) -> Path:
        """Partial uploads (tus), outside the served media tree."""
        return self.data_dir / "uploads"

    @property
    def work_dir(self) -> Path:
        """One directory per processing job, holding only its input."""
        return self.data_dir / "work"


def normalize_database_url(url: str) -> str:
    """Map the brief's plain `postgresql://` URLs onto the async drivers."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url[len("sqlite:///") :]
    return url


@lru_cache
def _environment_settings() -> Settings:
    return Settings()


_active: Settings | None = None


def get_settings() -> Settings:
    """The settings of the running application (from the environment by default)."""
    return _active or _environment_settings()


def use_settings(settings: Settings | None) -> None:
    """Make `settings` the process's settings (the app factory and tests call this)."""
    global _active
    _active = settings

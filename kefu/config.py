"""Read kefu's settings from the environment (prefix KEFU_) or a .env file."""

import ipaddress
from functools import lru_cache

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob of a kefu deployment; the defaults run the embedded single-process demo."""

    model_config = SettingsConfigDict(env_prefix="KEFU_", env_file=".env", extra="ignore")

    # SQLite file in the working directory by default; PostgreSQL: postgresql+psycopg://user@host/db
    database_url: str = "sqlite:///./kefu.db"
    # Unset: in-process event bus, locks and rate limits (one process). Set: shared through Redis.
    redis_url: str | None = None
    # Public base URL used in printed links and the widget snippet; empty means "derive from the request".
    public_url: str = ""
    # Cookies get the Secure flag; turn off only for plain-http local demos.
    secure_cookies: bool = False
    # Other origins whose pages may write with a logged-in user's cookie (comma-separated, e.g.
    # "https://admin.example.com"); kefu's own origin (the request's host, and public_url) always may.
    allowed_origins: str = ""
    # Strict-Transport-Security max-age, sent on responses served over https (or when public_url is https); 0: never.
    hsts_seconds: int = 180 * 86400
    session_days: int = 14
    max_message_chars: int = 2000
    max_request_bytes: int = 64 * 1024
    # Knowledge-base import files (CSV, Excel, JSON) may be larger than any other request body.
    max_import_bytes: int = 20 * 1024 * 1024
    # Per-visitor burst limit for customer messages.
    rate_limit_messages: int = 20
    rate_limit_window_seconds: int = 10
    # Where identity tokens of a shop's logged-in customers may live at most.
    identity_token_max_age_days: int = 30
    # Sentence embedder of the answer engine: "use" (multilingual USE, ships with kefu), "none", "minilm" or
    # "st:<sentence-transformers model>"; "+<embedder>" adds one for the per-shop classifier only ("use+minilm":
    # better on English, needs the `english` extra), except "+e5", a second signal for Chinese questions
    # ("use+e5": needs the `chinese` extra; see docs/benchmarks.md).
    embedder: str = "use"
    # Knowledge packs: a folder of <pack id>/<version>.json files besides the built-in ones, and the base URL of
    # a pack server (any kefu deployment serves its packs under /packs/v1/) to take new packs and versions from.
    packs_dir: str | None = None
    packs_url: str | None = None
    # An online agent whose workspace has been silent this long is set offline and their chats go back to the
    # front of the queue; the sweep that checks runs every agent_sweep_seconds in each process (0 = never).
    agent_grace_seconds: int = 60
    agent_sweep_seconds: int = 15
    # A bot-only conversation idle this long is closed (and its customer asked for a rating); 0 = never.
    idle_close_minutes: int = 30
    # Report tables (docs/reports.md) are brought up to date in the background every reports_refresh_seconds in
    # each server process (0 = never: only report calls and `kefu reports refresh` do it). A report call on a shop
    # with more than reports_max_catch_up messages and events not read yet answers 503 and starts the build in
    # the background rather than make the caller wait.
    reports_refresh_seconds: int = 60
    reports_max_catch_up: int = 20_000
    # Customers' photos and files: the folder the local-disk storage keeps them in (unset: a media/ folder next to
    # the SQLite file, or in the working directory with another database) and the largest file accepted.
    # Reactions owed to committed events (the bot's answer to a message, a handoff): the process that committed
    # runs one at once and owns it for reaction_lease_seconds; after that, or after a failure (retried in 1, 2,
    # 4 … s from reaction_retry_seconds), any process's poller (every reaction_poll_seconds) takes it. After
    # reaction_max_attempts failures the customer gets an apology and a person instead.
    reaction_lease_seconds: float = 20.0
    reaction_retry_seconds: float = 1.0
    reaction_poll_seconds: float = 1.0
    reaction_max_attempts: int = 4
    reaction_workers: int = 4
    # With Redis, a lock (one message per conversation at a time) is freed after this long if its process died
    # holding it; the conversation's next answers wait that long. It must exceed the slowest answer (a flow's call
    # to the shop's order system).
    lock_seconds: float = 30.0
    media_dir: str | None = None
    max_upload_bytes: int = 10 * 1024 * 1024
    # Production (docs/production.md). /metrics answers only when a token is set, and only to
    # `Authorization: Bearer <token>` (Prometheus' `authorization` scrape setting).
    metrics_token: str | None = None
    # "text" (uvicorn's lines) or "json": one JSON object per line with conversation_id and tenant_id when known.
    log_format: str = "text"
    # On SIGTERM the server stops accepting, closes websockets and waits this long for open requests and sockets
    # before it cancels them; replies still being written get up to 30 s more (docs/production.md).
    shutdown_seconds: int = 30
    # Each server process deletes the transcripts and files of closed conversations past their shop's retention
    # period (docs/privacy.md) every privacy_purge_seconds (0 = never: only `kefu privacy purge` does it).
    privacy_purge_seconds: int = 600
    # Logins (docs/security.md): after login_max_failures wrong passwords for one account, or from one client
    # address, within login_window_seconds, further attempts are refused with 429 until the window moves on.
    login_max_failures: int = 10
    login_window_seconds: int = 900
    # Proxies whose X-Forwarded-For names the client (comma-separated addresses or networks, e.g.
    # "127.0.0.1,10.0.0.0/8"); empty: the header is ignored and the connection's address is the client.
    trusted_proxies: str = ""
    # Entries of the audit log older than this are deleted (as new ones are written).
    audit_retention_days: int = 365

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, v: str) -> str:
        for part in filter(None, (p.strip() for p in v.split(","))):
            try:
                ipaddress.ip_network(part, strict=False)
            except ValueError:
                raise ValueError(f"{part!r} is not an IP address or network (e.g. 10.0.0.0/8)") from None
        return v


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings (cached; tests clear the cache to change them)."""
    return Settings()

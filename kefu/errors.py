"""Errors that reach the user with a clear code and message instead of a stack trace."""

from __future__ import annotations


class KefuError(Exception):
    """A refusal the caller can act on; rendered as {"error": {"code", "message"}} with an HTTP status."""

    status = 400
    code = "bad_request"
    # HTTP headers of the answer (Retry-After …).
    headers: dict[str, str] = {}

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status


class NotFound(KefuError):
    status = 404
    code = "not_found"


class Unauthorized(KefuError):
    status = 401
    code = "unauthorized"


class Forbidden(KefuError):
    status = 403
    code = "forbidden"


class Conflict(KefuError):
    status = 409
    code = "conflict"


class RateLimited(KefuError):
    status = 429
    code = "rate_limited"

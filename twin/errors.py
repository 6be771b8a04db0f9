"""One error base class carrying its HTTP status and a user-facing message."""

from __future__ import annotations

from typing import Any


class TwinError(Exception):
    """Base for domain errors; ``message`` is safe to show, ``detail`` is structured."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, detail: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.detail is not None:
            body["detail"] = self.detail
        return body


class BadRequest(TwinError):
    """A malformed parameter where the protocol asks for 400 (OGC API)."""

    status_code = 400
    code = "InvalidParameterValue"


class NotFound(TwinError):
    status_code = 404
    code = "not_found"


class Conflict(TwinError):
    status_code = 409
    code = "conflict"


class ValidationFailed(TwinError):
    status_code = 422
    code = "validation_failed"


class Unauthorized(TwinError):
    status_code = 401
    code = "unauthorized"


class Forbidden(TwinError):
    status_code = 403
    code = "forbidden"


class TooManyRequests(TwinError):
    status_code = 429
    code = "too_many_requests"


class PayloadTooLarge(TwinError):
    status_code = 413
    code = "payload_too_large"


class SetupError(TwinError):
    """The machine lacks something the twin needs; the message says what."""

    status_code = 503
    code = "setup"


class Unavailable(TwinError):
    """A part the answer depends on cannot be reached right now."""

    status_code = 503
    code = "unavailable"

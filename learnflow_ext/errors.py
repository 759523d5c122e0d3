"""The exceptions LearnFlow's services raise when a request cannot be served.

Services know nothing of HTTP: they raise one of these, and the handlers' base
class turns it into the one JSON error body with the status from
``learnflow_ext.handlers.base.STATUS_BY_ERROR``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong with one field of a request."""

    field: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class LearnFlowError(Exception):
    """Base class of every error a client can cause or be told about."""

    code = "learnflow_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class MalformedRequestError(LearnFlowError):
    """The request could not be read at all: broken JSON, a body that is not an object."""

    code = "malformed_request"


class AuthenticationError(LearnFlowError):
    """The caller is not signed in, or their credentials or token are not valid."""

    code = "not_authenticated"


class PermissionDeniedError(LearnFlowError):
    """The caller is signed in but may not do this."""

    code = "permission_denied"


class NotFoundError(LearnFlowError):
    """The thing named in the request does not exist (or the caller may not know it does)."""

    code = "not_found"


class ConflictError(LearnFlowError):
    """The request clashes with what is stored, such as an email already registered."""

    code = "conflict"


class PayloadTooLargeError(LearnFlowError):
    """The request body or one of its fields is larger than allowed."""

    code = "payload_too_large"


class InvalidInputError(LearnFlowError):
    """The request is well-formed but its fields break the rules."""

    code = "invalid_input"

    def __init__(
        self, message: str, *, problems: list[FieldProblem] | None = None, code: str | None = None
    ) -> None:
        super().__init__(message, code=code)
        self.problems = problems or []


class RateLimitedError(LearnFlowError):
    """The caller has made too many attempts; they may try again after ``retry_after_s``."""

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after_s: int, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after_s = max(1, int(retry_after_s))


class ServiceUnavailableError(LearnFlowError):
    """A part LearnFlow needs is missing or busy; the request may work later."""

    code = "service_unavailable"

    def __init__(
        self, message: str, *, retry_after_s: int | None = None, code: str | None = None
    ) -> None:
        super().__init__(message, code=code)
        self.retry_after_s = retry_after_s


class CourseContentError(Exception):
    """A course notebook breaks the course format; raised by the loader, never sent to clients."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem

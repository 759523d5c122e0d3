"""The base class of every LearnFlow handler: authentication, JSON bodies, errors, CORS."""

from __future__ import annotations

import json
from collections.abc import Callable
from http.client import responses
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import pydantic
from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web

from ..errors import (
    AuthenticationError,
    ConflictError,
    FieldProblem,
    InvalidInputError,
    LearnFlowError,
    MalformedRequestError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitedError,
    ServiceUnavailableError,
)

if TYPE_CHECKING:
    from ..app import LearnFlow

P = ParamSpec("P")
T = TypeVar("T")
ModelT = TypeVar("ModelT", bound=pydantic.BaseModel)

STATUS_BY_ERROR: dict[type[LearnFlowError], int] = {
    MalformedRequestError: 400,
    AuthenticationError: 401,
    PermissionDeniedError: 403,
    NotFoundError: 404,
    ConflictError: 409,
    PayloadTooLargeError: 413,
    InvalidInputError: 422,
    RateLimitedError: 429,
    ServiceUnavailableError: 503,
}

# Codes for errors that tornado raises itself, before a handler method runs.
CODE_BY_STATUS = {
    400: "malformed_request",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    500: "internal_error",
}

HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def status_of(error: LearnFlowError) -> int:
    """Return the HTTP status for ``error``: its class's, or its nearest parent's."""
    for cls in type(error).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 400


class LearnFlowHandler(ExtensionHandlerMixin, APIHandler):
    """Authenticate with a LearnFlow bearer token, answer JSON, and report every error as JSON.

    A request carrying ``Authorization: Bearer <token>`` is judged by that token
    alone: a bad token is 401 and never falls back to Jupyter's cookie, and since
    browsers never attach such a header by themselves, it needs no XSRF check.
    A request with cookies is a browser page of this server: it goes through
    Jupyter's own identity and XSRF checks. A request with neither carries no
    credentials at all, so it can only reach public routes.
    """

    #: The signed-in LearnFlow account, as a dict, or None.
    learnflow_user: dict[str, str] | None = None
    _bearer_token: str | None = None

    @property
    def learnflow(self) -> LearnFlow:
        return self.extensionapp  # type: ignore[return-value]

    async def prepare(self) -> None:  # type: ignore[override]
        """Identify the caller before any handler method runs."""
        if not self.check_host():
            raise web.HTTPError(403, "the Host header names a host this server does not serve")
        self._check_body_size()

        scheme, _, credentials = self.request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer":
            self.current_user = self._jupyter_current_user = None
            self._bearer_token = credentials.strip()
            self.learnflow_user = await self.run(
                self.learnflow.accounts.authenticate, self._bearer_token
            )
        elif "Cookie" in self.request.headers:
            await super().prepare()
        else:
            self.current_user = self._jupyter_current_user = None
        self._set_learnflow_cors_headers()

    def check_xsrf_cookie(self) -> None:
        """Check XSRF only for requests that carry browser cookies."""
        if "Cookie" not in self.request.headers:
            return None
        return super().check_xsrf_cookie()

    def require_user(self) -> dict[str, str]:
        """Return the signed-in account or raise 401."""
        if self.learnflow_user is None:
            raise AuthenticationError(
                "sign in and send 'Authorization: Bearer <token>'", code="not_authenticated"
            )
        return self.learnflow_user

    def require_teacher(self) -> dict[str, str]:
        """Return the signed-in teacher; 401 without a token, 403 for a student."""
        user = self.require_user()
        if user["role"] != "teacher":
            raise PermissionDeniedError("only teachers may do this", code="teachers_only")
        return user

    def bearer_token(self) -> str:
        self.require_user()
        assert self._bearer_token is not None
        return self._bearer_token

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a blocking service call off the event loop."""
        return await self.learnflow.database.run(fn, *args, **kwargs)

    def parse_body(self, model: type[ModelT]) -> ModelT:
        """Return the JSON body validated as ``model``; 400 if unreadable, 422 if invalid."""
        if not self.request.body.strip():
            raise MalformedRequestError("the request needs a JSON object body", code="missing_body")
        try:
            body = json.loads(self.request.body)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise MalformedRequestError(
                f"the body is not valid JSON: {error}", code="malformed_json"
            ) from error
        except RecursionError as error:
            raise MalformedRequestError(
                "the body's JSON is nested too deeply", code="malformed_json"
            ) from error
        try:
            # Lone surrogates ("\\ud800") are valid JSON escapes but not text.
            json.dumps(body, ensure_ascii=False).encode()
        except UnicodeEncodeError as error:
            raise MalformedRequestError(
                "the body contains text that is not valid Unicode", code="malformed_json"
            ) from error
        if not isinstance(body, dict):
            raise MalformedRequestError(
                f"the body must be a JSON object, not {type(body).__name__}", code="not_an_object"
            )
        try:
            return model.model_validate(body)
        except pydantic.ValidationError as error:
            problems = [
                FieldProblem(
                    ".".join(str(part) for part in problem["loc"]) or "body", problem["msg"]
                )
                for problem in error.errors(include_input=False, include_url=False)
            ]
            summary = "; ".join(f"{p.field}: {p.message}" for p in problems)
            raise InvalidInputError(f"invalid request: {summary}", problems=problems) from error

    def reply(self, document: Any, *, status: int = 200) -> None:
        """Send ``document`` as the JSON response."""
        self.set_status(status)
        self.finish(json.dumps(document))

    # -- errors ------------------------------------------------------------------------------

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Answer every error with the one JSON error body, never a traceback."""
        error = kwargs.get("exc_info", (None, None, None))[1]
        details: list[dict[str, str]] = []
        if isinstance(error, LearnFlowError):
            status_code = status_of(error)
            code, message = error.code, error.message
            if isinstance(error, InvalidInputError):
                details = [problem.to_dict() for problem in error.problems]
            if isinstance(error, AuthenticationError):
                self.set_header("WWW-Authenticate", f'Bearer error="{_bearer_error(error)}"')
            if getattr(error, "retry_after_s", None) is not None:
                self.set_header("Retry-After", str(error.retry_after_s))
        elif isinstance(error, web.HTTPError) and status_code < 500:
            code = CODE_BY_STATUS.get(status_code, "http_error")
            message = error.log_message or responses.get(status_code, "error")
            if status_code == 405:
                self.set_header("Allow", ", ".join(self.allowed_methods()))
                message = f"{self.request.method} is not allowed here"
        else:
            status_code, code, message = 500, "internal_error", "LearnFlow hit an internal error"

        self.clear_header("Content-Type")
        self.set_status(status_code)
        self._set_learnflow_cors_headers()
        body = {
            "code": code,
            "message": message,
            "reason": responses.get(status_code, "Unknown"),
            "details": details,
        }
        self.finish(json.dumps(body))

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        """Log server faults with their traceback, and client errors as one line."""
        if isinstance(value, LearnFlowError):
            self.log.debug("%s %s -> %s", self.request.method, self.request.path, value)
            return
        super().log_exception(typ, value, tb)

    @classmethod
    def allowed_methods(cls) -> list[str]:
        """Return the HTTP methods this handler implements."""
        allowed = [
            method
            for method in HTTP_METHODS
            if getattr(cls, method.lower()) is not getattr(web.RequestHandler, method.lower())
        ]
        return [*allowed, "OPTIONS"]

    # -- CORS --------------------------------------------------------------------------------

    def _allowed_origin(self) -> str | None:
        origin = self.request.headers.get("Origin")
        if origin and origin in self.learnflow.allowed_origins:
            return origin
        return None

    def _set_learnflow_cors_headers(self) -> None:
        origin = self._allowed_origin()
        if origin is not None:
            self.set_header("Access-Control-Allow-Origin", origin)
            self.set_header("Access-Control-Expose-Headers", "Retry-After, WWW-Authenticate")
            self.add_header("Vary", "Origin")

    def check_origin(self, origin_to_satisfy_tornado: str = "") -> bool:
        """Let allow-listed origins and credential-free requests through; else Jupyter decides."""
        if self._allowed_origin() is not None or "Cookie" not in self.request.headers:
            return True
        return super().check_origin(origin_to_satisfy_tornado)

    @allow_unauthenticated
    def options(self, *args: Any, **kwargs: Any) -> None:
        """Answer a CORS preflight: allowed for allow-listed origins only."""
        if self._allowed_origin() is None:
            raise PermissionDeniedError(
                "this origin is not allowed; see LearnFlow.allowed_origins",
                code="origin_not_allowed",
            )
        self.set_header("Access-Control-Allow-Methods", ", ".join(self.allowed_methods()))
        self.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type")
        self.set_header("Access-Control-Max-Age", "600")
        self.set_status(204)
        self.finish()

    def _check_body_size(self) -> None:
        limit = self.learnflow.max_request_body_bytes
        if len(self.request.body or b"") > limit:
            raise PayloadTooLargeError(
                f"the request body is larger than {limit} bytes", code="body_too_large"
            )


def _bearer_error(error: AuthenticationError) -> str:
    return "invalid_request" if error.code == "not_authenticated" else "invalid_token"


class NotFoundHandler(LearnFlowHandler):
    """Answer any path under the API root that no route matches."""

    @allow_unauthenticated
    def get(self, *args: Any) -> None:
        raise NotFoundError(f"no API route {self.request.path!r}", code="route_not_found")

    post = put = patch = delete = head = get


class RemoteApiHandler(LearnFlowHandler):
    """Answer under the API root of a server whose JupyterLab uses an API served elsewhere."""

    async def prepare(self) -> None:  # type: ignore[override]
        """Identify no one: there are no accounts here to check a token against."""

    @allow_unauthenticated
    def get(self, *args: Any) -> None:
        raise NotFoundError(
            f"this server serves no LearnFlow API; JupyterLab here uses "
            f"{self.learnflow.remote_api_url}",
            code="api_served_elsewhere",
        )

    post = put = patch = delete = head = get

"""The API's own description."""

from __future__ import annotations

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.utils import url_path_join

from ..openapi import build_openapi
from .base import LearnFlowHandler


class OpenAPIHandler(LearnFlowHandler):
    @allow_unauthenticated
    def get(self) -> None:
        """Return the OpenAPI 3.1 document of the API."""
        self.reply(build_openapi(url_path_join(self.base_url, "learnflow", "api")))

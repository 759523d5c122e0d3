"""a learning platform that lives inside Jupyter."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    from .app import LearnFlow

    return [{"module": "learnflow_ext", "app": LearnFlow}]

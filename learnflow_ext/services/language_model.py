"""A client for a large language model behind an OpenAI-compatible chat completions endpoint.

Only the tutor uses it, and only when an operator configures ``tutor_llm_url``. Any
server that implements ``POST {url}/chat/completions`` works: OpenAI, Azure OpenAI,
vLLM, llama.cpp's server, Ollama and most hosted gateways.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tornado.httpclient import AsyncHTTPClient, HTTPClientError


class LanguageModelError(Exception):
    """The model could not be asked, or gave no usable answer."""


@dataclass(frozen=True)
class ChatTurn:
    role: str  # "system", "user" or "assistant"
    content: str


class LanguageModel:
    """Ask one configured model for a chat completion."""

    def __init__(self, *, url: str, model: str, api_key: str, timeout_s: float) -> None:
        self.endpoint = url.rstrip("/") + "/chat/completions"
        self.model = model
        self._api_key = api_key
        self.timeout_s = timeout_s

    def describe(self) -> str:
        """Return where the model is, fit for logs (the key is never included)."""
        return f"{self.model or 'the default model'} at {self.endpoint}"

    async def complete(self, turns: list[ChatTurn], *, max_tokens: int = 600) -> str:
        """Return the model's answer to the conversation ``turns``."""
        body: dict[str, Any] = {
            "messages": [{"role": turn.role, "content": turn.content} for turn in turns],
            "temperature": 0.2,
            "max_tokens": max_tokens,
        }
        if self.model:
            body["model"] = self.model
        headers = {"Content-Type": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        try:
            response = await AsyncHTTPClient().fetch(
                self.endpoint,
                method="POST",
                body=json.dumps(body),
                headers=headers,
                request_timeout=self.timeout_s,
                connect_timeout=min(10.0, self.timeout_s),
            )
        except HTTPClientError as error:
            raise LanguageModelError(f"the model answered HTTP {error.code}") from error
        except OSError as error:
            raise LanguageModelError(f"the model could not be reached: {error}") from error
        try:
            answer = json.loads(response.body)["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as error:
            raise LanguageModelError("the model's reply is not a chat completion") from error
        if not isinstance(answer, str) or not answer.strip():
            raise LanguageModelError("the model gave an empty answer")
        return answer.strip()
